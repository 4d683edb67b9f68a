/* migrator--0.2--0.3.sql: what changed in the SQL objects from 0.2 to 0.3 (CHANGELOG.md). */

\echo Use "ALTER EXTENSION migrator UPDATE TO '0.3'" to load this file. \quit

-- online runs (issue 21): migrate() takes online; the old call forms stay valid
-- through the defaults, and the roles that could EXECUTE the old procedures can
-- EXECUTE the new ones.
SELECT pg_catalog.set_config('migrator_upgrade.migrate_grants', coalesce(string_agg(
		format('GRANT EXECUTE ON PROCEDURE migrator.migrate(%s, text, boolean) TO %s',
			   CASE WHEN p.proargtypes[0] = 'jsonb'::regtype THEN 'jsonb' ELSE 'text' END,
			   a.grantee::regrole::text), ';'), ''), true)
  FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
 WHERE p.oid IN ('migrator.migrate(text, text)'::regprocedure,
				 'migrator.migrate(jsonb, text)'::regprocedure)
   AND a.privilege_type = 'EXECUTE' AND a.grantee <> 0
   AND a.grantee <> p.proowner;

DROP PROCEDURE migrator.migrate(text, text);
DROP PROCEDURE migrator.migrate(jsonb, text);
CREATE PROCEDURE migrator.migrate(dir text, target text DEFAULT NULL,
								   online boolean DEFAULT NULL)
AS 'MODULE_PATHNAME', 'migrator_migrate'
LANGUAGE C;

COMMENT ON PROCEDURE migrator.migrate(text, text, boolean) IS
	'apply the pending migrations of a server folder, committing after each one (online: lock-safe forms, NULL: migrator.online)';

CREATE PROCEDURE migrator.migrate(bundle jsonb, target text DEFAULT NULL,
								   online boolean DEFAULT NULL)
AS 'MODULE_PATHNAME', 'migrator_migrate'
LANGUAGE C;

COMMENT ON PROCEDURE migrator.migrate(jsonb, text, boolean) IS
	'apply the pending migrations of a bundle, committing after each one (online: lock-safe forms, NULL: migrator.online)';
REVOKE ALL ON PROCEDURE migrator.migrate(jsonb, text, boolean) FROM PUBLIC;

DO $$
DECLARE
	g text;
BEGIN
	FOREACH g IN ARRAY string_to_array(current_setting('migrator_upgrade.migrate_grants'), ';') LOOP
		EXECUTE g;
	END LOOP;
END
$$;

-- online runs (migrator.online): how far an interrupted one got, and explain()
CREATE TABLE migrator.online_progress (
	path		text NOT NULL,
	checksum	text NOT NULL,
	stmt		integer NOT NULL,	/* the statements before it are done */
	step		integer NOT NULL,	/* the steps of its online form done */
	online		boolean NOT NULL,	/* it was begun in its online form */
	name		text,				/* the index or constraint name the form chose */
	updated_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (path, checksum)
);
REVOKE ALL ON migrator.online_progress FROM PUBLIC;
GRANT SELECT ON migrator.online_progress TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('migrator.online_progress', '');

CREATE FUNCTION migrator.explain(dir text)
RETURNS TABLE(path text, line integer, statement text, lock text, relation text,
			  rows bigint, bytes bigint, effect text, online text, lint text)
AS 'MODULE_PATHNAME', 'migrator_explain'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.explain(text) IS
	'every statement of the pending migrations of a folder: its lock, table size, rewrite or scan, online form and lint finding';

CREATE FUNCTION migrator.explain(bundle jsonb)
RETURNS TABLE(path text, line integer, statement text, lock text, relation text,
			  rows bigint, bytes bigint, effect text, online text, lint text)
AS 'MODULE_PATHNAME', 'migrator_explain'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrator.explain(jsonb) IS
	'every statement of the pending migrations of a bundle: its lock, table size, rewrite or scan, online form and lint finding';
REVOKE ALL ON FUNCTION migrator.explain(jsonb) FROM PUBLIC;
