-- foreign_servers.sql: the servers a schema's foreign tables use, and their user mappings, are in
-- its snapshot (a mapping's password is not) and made by the diff where missing (IF NOT EXISTS);
-- rebuilt from a snapshot after being dropped, they come back as they were, password aside.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(9);

CREATE FOREIGN DATA WRAPPER fs_fdw;
CREATE SERVER fs_remote TYPE 'pg' VERSION '15' FOREIGN DATA WRAPPER fs_fdw OPTIONS (host 'remote.example', port '5433');
CREATE SERVER fs_unused FOREIGN DATA WRAPPER fs_fdw;
CREATE USER MAPPING FOR CURRENT_USER SERVER fs_remote OPTIONS (user 'app', password 'secret');
CREATE USER MAPPING FOR PUBLIC SERVER fs_remote OPTIONS (user 'guest');
CREATE SCHEMA fs;
CREATE FOREIGN TABLE fs.items (id int, name text OPTIONS (column_name 'nm')) SERVER fs_remote
	OPTIONS (table_name 'items');

CREATE TEMP TABLE snap AS SELECT migrator.snapshot(ARRAY['fs']) AS s;

SELECT is((SELECT array_agg(k ORDER BY k) FROM snap, jsonb_object_keys(s->'fs'->'foreign_servers') k),
	ARRAY['fs_remote'], 'the snapshot has the servers the schema''s foreign tables use, and those only');
SELECT is((SELECT (s->'fs'->'foreign_servers'->'fs_remote') - 'user_mappings' FROM snap),
	'{"type": "pg", "version": "15", "wrapper": "fs_fdw", "options": ["host=remote.example", "port=5433"]}'::jsonb,
	'a server: its wrapper, type, version and options');
SELECT is((SELECT s->'fs'->'foreign_servers'->'fs_remote'->'user_mappings' FROM snap),
	jsonb_build_object(quote_ident(current_user), '{"options": ["user=app"]}'::jsonb,
		'PUBLIC', '{"options": ["user=guest"]}'::jsonb),
	'its user mappings, with their options but a password');
SELECT ok((SELECT s::text !~ 'secret' FROM snap), 'no password anywhere in the snapshot');

-- everything goes; the diff from the empty schema to the snapshot makes it again
DROP SCHEMA fs CASCADE;
DROP SERVER fs_remote CASCADE;
CREATE SCHEMA fs;
CREATE TEMP TABLE plan AS
	SELECT seq, statement FROM migrator.diff(migrator.snapshot(ARRAY['fs']), (SELECT s FROM snap));
SELECT is((SELECT count(*)::int FROM plan WHERE statement ~ '^CREATE SERVER IF NOT EXISTS fs_remote TYPE ''pg'' VERSION ''15'' FOREIGN DATA WRAPPER fs_fdw OPTIONS \(host ''remote.example'', port ''5433''\)$'),
	1, 'CREATE SERVER IF NOT EXISTS, with its type, version, wrapper and options');
DO $$
DECLARE
	st text;
BEGIN
	FOR st IN SELECT statement FROM plan ORDER BY seq LOOP
		EXECUTE st;
	END LOOP;
END
$$;
RESET search_path;
RESET check_function_bodies;
SELECT is((SELECT srvoptions::text FROM pg_foreign_server WHERE srvname = 'fs_remote'),
	'{host=remote.example,port=5433}', 'the server is back');
SELECT is((SELECT string_agg(usename || ':' || array_to_string(umoptions, ','), ' ' ORDER BY usename || ':' || array_to_string(umoptions, ','))
		   FROM pg_user_mappings WHERE srvname = 'fs_remote'),
	(SELECT string_agg(e, ' ' ORDER BY e) FROM unnest(ARRAY['public:user=guest', current_user || ':user=app']) e),
	'its user mappings are back, without the password');
SELECT is((SELECT ftoptions::text FROM pg_foreign_table WHERE ftrelid = 'fs.items'::regclass), '{table_name=items}',
	'the foreign table is back on it');
SELECT is((SELECT count(*)::int FROM migrator.diff(migrator.snapshot(ARRAY['fs']), (SELECT s FROM snap))), 0,
	'nothing left to diff');

SELECT * FROM finish();
