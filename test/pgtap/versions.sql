-- versions.sql: what differs between the major versions of PostgreSQL, each test on the versions
-- it concerns (skipped on the others):
--   17+: MERGE ... RETURNING through either shape of a table with an open change keeps the dual
--        writes right; the MAINTAIN privilege in snapshot grants; a domain's NOT NULL is a
--        constraint with a name (snapshot, and diff renames it) -- on 15 as ever, typnotnull
--   18:  catalogued NOT NULL constraints (named, NOT VALID) and virtual generated columns in the
--        snapshot; a uuidv7() default
-- (test/diff/pg17_maintain, test/diff/pg17_domain_not_null and test/diff/pg18_not_null prove the
-- diffs of the same with pg_dump.)
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(26);

CREATE FUNCTION pg_temp.at_least(v int) RETURNS boolean LANGUAGE sql AS
	$$SELECT current_setting('server_version_num')::int >= v$$;
-- a MERGE ... RETURNING merge_action(), id, hits (PL/pgSQL: a cursor cannot hold a MERGE)
CREATE FUNCTION pg_temp.merged(sql text) RETURNS TABLE(action text, id int, hits bigint)
LANGUAGE plpgsql AS $f$ BEGIN RETURN QUERY EXECUTE sql; END $f$;

------------------------------------------------------------------------------
-- 17+: MERGE ... RETURNING with an open change (hits int -> bigint)
------------------------------------------------------------------------------
CREATE TABLE counters (id int PRIMARY KEY, hits int NOT NULL DEFAULT 0, label text);
INSERT INTO counters SELECT i, i * 10, 'c' || i FROM generate_series(1, 6) i;
SELECT lives_ok($$SELECT migrator.expand('merge_hits',
		'[{"alter_column": {"table": "counters", "column": "hits", "type": "bigint"}}]')$$,
	'expand merge_hits (hits int -> bigint)');

SELECT CASE WHEN pg_temp.at_least(170000) THEN results_eq(
	$$SELECT * FROM pg_temp.merged('MERGE INTO counters c USING (VALUES (1, 500), (20, 7)) v(id, hits)
		ON c.id = v.id WHEN MATCHED THEN UPDATE SET hits = v.hits
		WHEN NOT MATCHED THEN INSERT (id, hits, label) VALUES (v.id, v.hits, ''merged'')
		RETURNING merge_action(), c.id, c.hits::bigint') ORDER BY id$$,
	$$VALUES ('UPDATE', 1, 500::bigint), ('INSERT', 20, 7::bigint)$$,
	'17: MERGE ... RETURNING through the old shape returns what it did')
	ELSE skip('MERGE ... RETURNING needs PostgreSQL 17') END;
SELECT CASE WHEN pg_temp.at_least(170000) THEN results_eq(
	$$SELECT id, hits FROM public_merge_hits.counters WHERE id IN (1, 20) ORDER BY id$$,
	$$VALUES (1, 500::bigint), (20, 7::bigint)$$,
	'17: the new shape sees the rows the MERGE updated and inserted')
	ELSE skip('MERGE ... RETURNING needs PostgreSQL 17') END;
-- a session on the new shape has its version schema first in its search_path
SET search_path = public_merge_hits, public;
SELECT CASE WHEN pg_temp.at_least(170000) THEN results_eq(
	$$SELECT * FROM pg_temp.merged('MERGE INTO counters c
		USING (VALUES (2, 900), (1, NULL), (21, 8)) v(id, hits) ON c.id = v.id
		WHEN MATCHED AND v.hits IS NULL THEN DELETE
		WHEN MATCHED THEN UPDATE SET hits = v.hits
		WHEN NOT MATCHED THEN INSERT (id, hits, label) VALUES (v.id, v.hits, ''merged new'')
		RETURNING merge_action(), c.id, c.hits') ORDER BY id$$,
	$$VALUES ('DELETE', 1, 500::bigint), ('UPDATE', 2, 900::bigint), ('INSERT', 21, 8::bigint)$$,
	'17: MERGE ... RETURNING through the new shape returns what it did')
	ELSE skip('MERGE ... RETURNING needs PostgreSQL 17') END;
RESET search_path;
SELECT CASE WHEN pg_temp.at_least(170000) THEN results_eq(
	$$SELECT id, hits FROM public.counters ORDER BY id$$,
	$$VALUES (2, 900), (3, 30), (4, 40), (5, 50), (6, 60), (20, 7), (21, 8)$$,
	'17: the old shape sees the new shape''s MERGE (update, delete, insert)')
	ELSE skip('MERGE ... RETURNING needs PostgreSQL 17') END;
SELECT ok(pg_temp.bf_all('merge_hits') >= 0 AND pg_temp.state('merge_hits') = 'backfilled',
	'the backfill fills the rows');
SELECT lives_ok($$SELECT migrator.contract('merge_hits')$$, 'contract merge_hits');
SELECT CASE WHEN pg_temp.at_least(170000) THEN results_eq(
	$$SELECT id, hits FROM public.counters ORDER BY id$$,
	$$VALUES (2, 900::bigint), (3, 30::bigint), (4, 40::bigint), (5, 50::bigint), (6, 60::bigint),
		(20, 7::bigint), (21, 8::bigint)$$,
	'17: after contract the merged values are there, as bigint')
	ELSE skip('MERGE ... RETURNING needs PostgreSQL 17') END;

------------------------------------------------------------------------------
-- 17+: MAINTAIN in snapshot grants
------------------------------------------------------------------------------
CREATE SCHEMA vs;
CREATE TABLE vs.m (id int);
DO $$ BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'versions_maint') THEN
		CREATE ROLE versions_maint;
	END IF;
END $$;
SELECT CASE WHEN pg_temp.at_least(170000) THEN lives_ok(
	$$GRANT MAINTAIN ON vs.m TO versions_maint$$, '17: GRANT MAINTAIN')
	ELSE skip('MAINTAIN needs PostgreSQL 17') END;
SELECT CASE WHEN pg_temp.at_least(170000) THEN ok(
	(migrator.snapshot('{vs}') #>> '{vs,tables,m,grants}') LIKE '%versions_maint%MAINTAIN%',
	'17: the snapshot''s grants name MAINTAIN for the role')
	ELSE skip('MAINTAIN needs PostgreSQL 17') END;

------------------------------------------------------------------------------
-- 17+: a domain's NOT NULL is a constraint with a name (15: no name, typnotnull)
------------------------------------------------------------------------------
CREATE SCHEMA vd;
CREATE DOMAIN vd.d_plain AS int NOT NULL;
CREATE DOMAIN vd.d_named AS int CONSTRAINT d_named_nn NOT NULL CONSTRAINT d_named_check CHECK (VALUE > 0);
CREATE DOMAIN vd.d_comment AS int NOT NULL;
DO $$ BEGIN
	IF pg_temp.at_least(170000) THEN
		COMMENT ON CONSTRAINT d_comment_not_null ON DOMAIN vd.d_comment IS 'never empty';
	END IF;
END $$;
SELECT is(
	migrator.snapshot('{vd}') #> '{vd,domains,d_plain}',
	'{"type": "integer", "not_null": true, "constraints": {}}'::jsonb,
	'a NOT NULL named as PostgreSQL names it (17+: d_plain_not_null) is the domain''s not_null');
SELECT CASE WHEN pg_temp.at_least(170000) THEN is(
	migrator.snapshot('{vd}') #> '{vd,domains,d_named}',
	'{"type": "integer", "not_null": false, "constraints": {
		"d_named_nn": {"type": "n", "definition": "NOT NULL"},
		"d_named_check": {"type": "c", "definition": "CHECK (VALUE > 0)"}}}'::jsonb,
	'17: a NOT NULL named by hand is a constraint of type n, and the domain is not not_null')
	ELSE is(
	migrator.snapshot('{vd}') #> '{vd,domains,d_named}',
	'{"type": "integer", "not_null": true, "constraints": {
		"d_named_check": {"type": "c", "definition": "CHECK (VALUE > 0)"}}}'::jsonb,
	'15: a NOT NULL named by hand has no name (PostgreSQL keeps none): the domain is not_null') END;
SELECT CASE WHEN pg_temp.at_least(170000) THEN is(
	migrator.snapshot('{vd}') #> '{vd,domains,d_comment}',
	'{"type": "integer", "not_null": false, "constraints": {
		"d_comment_not_null": {"type": "n", "definition": "NOT NULL", "comment": "never empty"}}}'::jsonb,
	'17: a NOT NULL with a comment is a constraint, so that the comment is kept')
	ELSE skip('a domain''s NOT NULL is a constraint from PostgreSQL 17 on') END;
-- the diffs, between snapshots written out (a domain d of schema s)
CREATE FUNCTION pg_temp.domain_diff(a jsonb, b jsonb) RETURNS TABLE(statement text, hazard text)
LANGUAGE sql AS $f$
	SELECT statement, hazard FROM migrator.diff(
		jsonb_build_object('s', jsonb_build_object('domains', jsonb_build_object('d', a || '{"type": "integer"}'))),
		jsonb_build_object('s', jsonb_build_object('domains', jsonb_build_object('d', b || '{"type": "integer"}'))))
	WHERE statement NOT LIKE 'SET %' ORDER BY seq
$f$;
SELECT CASE WHEN pg_temp.at_least(170000) THEN results_eq(
	$$SELECT * FROM pg_temp.domain_diff('{"not_null": true}',
		'{"not_null": false, "constraints": {"d_required": {"type": "n", "definition": "NOT NULL"}}}')$$,
	$$VALUES ('ALTER DOMAIN s.d RENAME CONSTRAINT d_not_null TO d_required', NULL::text)$$,
	'17: a NOT NULL given a name is renamed (not dropped and added, which checks every value)')
	ELSE results_eq(
	$$SELECT * FROM pg_temp.domain_diff('{"not_null": false}', '{"not_null": true}')$$,
	$$VALUES ('ALTER DOMAIN s.d SET NOT NULL', 'blocking-lock')$$,
	'15: SET NOT NULL, as ever') END;
SELECT CASE WHEN pg_temp.at_least(170000) THEN results_eq(
	$$SELECT * FROM pg_temp.domain_diff(
		'{"not_null": false, "constraints": {"d_a": {"type": "n", "definition": "NOT NULL", "comment": "x"}}}',
		'{"not_null": false, "constraints": {"d_b": {"type": "n", "definition": "NOT NULL", "comment": "x"}}}')$$,
	$$VALUES ('ALTER DOMAIN s.d RENAME CONSTRAINT d_a TO d_b', NULL::text)$$,
	'17: a renamed NOT NULL keeps its comment: nothing more')
	ELSE results_eq(
	$$SELECT * FROM pg_temp.domain_diff('{"not_null": true}', '{"not_null": false}')$$,
	$$VALUES ('ALTER DOMAIN s.d DROP NOT NULL', NULL::text)$$,
	'15: DROP NOT NULL, as ever') END;
SELECT CASE WHEN pg_temp.at_least(170000) THEN results_eq(
	$$SELECT * FROM pg_temp.domain_diff('{"not_null": false}',
		'{"not_null": false, "constraints": {"d_nn": {"type": "n", "definition": "NOT NULL"}}}')$$,
	$$VALUES ('ALTER DOMAIN s.d ADD CONSTRAINT d_nn NOT NULL', 'blocking-lock')$$,
	'17: a named NOT NULL added to a domain: ADD CONSTRAINT, no NOT VALID (a domain''s NOT NULL has none)')
	ELSE skip('a domain''s NOT NULL is a constraint from PostgreSQL 17 on') END;
SELECT CASE WHEN pg_temp.at_least(170000) THEN results_eq(
	$$SELECT * FROM pg_temp.domain_diff('{"not_null": false, "constraints": {"d_nn": {"type": "n", "definition": "NOT NULL"}}}',
		'{"not_null": false}')$$,
	$$VALUES ('ALTER DOMAIN s.d DROP CONSTRAINT d_nn', NULL::text)$$,
	'17: a named NOT NULL dropped')
	ELSE skip('a domain''s NOT NULL is a constraint from PostgreSQL 17 on') END;

------------------------------------------------------------------------------
-- 18: NOT NULL constraints, virtual generated columns, uuidv7()
------------------------------------------------------------------------------
SELECT CASE WHEN pg_temp.at_least(180000) THEN lives_ok(
	$$CREATE TABLE vs.t (a int CONSTRAINT t_a_required NOT NULL, b int NOT NULL, c int,
		g int GENERATED ALWAYS AS (b * 2), u uuid DEFAULT uuidv7());
	  ALTER TABLE vs.t ADD CONSTRAINT t_c_later NOT NULL c NOT VALID$$,
	'18: a table with a named NOT NULL, a NOT VALID one, a virtual column, a uuidv7() default')
	ELSE skip('needs PostgreSQL 18') END;
SELECT CASE WHEN pg_temp.at_least(180000) THEN is(
	migrator.snapshot('{vs}') #> '{vs,tables,t,constraints}',
	'{"t_a_required": {"type": "n", "definition": "NOT NULL a"},
	  "t_c_later": {"type": "n", "definition": "NOT NULL c NOT VALID"}}'::jsonb,
	'18: the named and the NOT VALID NOT NULL are constraints of the snapshot, the plain one not')
	ELSE skip('needs PostgreSQL 18') END;
SELECT CASE WHEN pg_temp.at_least(180000) THEN is(
	(SELECT jsonb_object_agg(k, v->'not_null') FROM jsonb_each(migrator.snapshot('{vs}') #> '{vs,tables,t,columns}') e(k, v)),
	'{"a": false, "b": true, "c": false, "g": false, "u": false}'::jsonb,
	'18: only the plain NOT NULL is the column''s not_null')
	ELSE skip('needs PostgreSQL 18') END;
SELECT CASE WHEN pg_temp.at_least(180000) THEN is(
	(migrator.snapshot('{vs}') #> '{vs,tables,t,columns,g}') - 'position',
	'{"type": "integer", "not_null": false, "generated": "(b * 2)", "virtual": true}'::jsonb,
	'18: the virtual generated column says so')
	ELSE skip('needs PostgreSQL 18') END;
SELECT CASE WHEN pg_temp.at_least(180000) THEN is(
	migrator.snapshot('{vs}') #>> '{vs,tables,t,columns,u,default}', 'uuidv7()',
	'18: the uuidv7() default deparses')
	ELSE skip('needs PostgreSQL 18') END;

CREATE TABLE vs.accounts (id int, email text);
SELECT CASE WHEN pg_temp.at_least(180000) THEN results_eq(
	$$SELECT rule FROM migrator.lint('ALTER TABLE vs.accounts ADD CONSTRAINT accounts_email_nn NOT NULL email')$$,
	$$VALUES ('setting-not-null')$$,
	'18: lint finds ADD CONSTRAINT ... NOT NULL on an existing table (a scan under ACCESS EXCLUSIVE)')
	ELSE skip('needs PostgreSQL 18') END;
SELECT CASE WHEN pg_temp.at_least(180000) THEN is_empty(
	$$SELECT rule FROM migrator.lint('ALTER TABLE vs.accounts ADD CONSTRAINT accounts_email_nn NOT NULL email NOT VALID')$$,
	'18: lint lets ADD CONSTRAINT ... NOT NULL ... NOT VALID pass')
	ELSE skip('needs PostgreSQL 18') END;
SELECT CASE WHEN pg_temp.at_least(180000) THEN ok(
	(SELECT hint FROM migrator.lint('ALTER TABLE vs.accounts ALTER COLUMN email SET NOT NULL')) LIKE 'ADD CONSTRAINT ... NOT NULL column NOT VALID, then VALIDATE CONSTRAINT%',
	'18: the SET NOT NULL finding hints at NOT NULL ... NOT VALID')
	ELSE skip('needs PostgreSQL 18') END;
SELECT CASE WHEN pg_temp.at_least(180000) THEN results_eq(
	$$SELECT statement FROM migrator.diff(
		'{"s": {"tables": {"t": {"kind": "table", "columns": {"c": {"type": "integer", "not_null": false, "position": 1}}}}}}'::jsonb,
		'{"s": {"tables": {"t": {"kind": "table", "columns": {"c": {"type": "integer", "not_null": true, "position": 1}}}}}}'::jsonb)
	  WHERE statement NOT LIKE 'SET %' ORDER BY seq$$,
	$$VALUES ('ALTER TABLE s.t ADD CONSTRAINT t_c_not_null NOT NULL c NOT VALID'),
		('ALTER TABLE s.t VALIDATE CONSTRAINT t_c_not_null')$$,
	'18: diff makes a column NOT NULL with NOT NULL ... NOT VALID, then VALIDATE')
	ELSE skip('needs PostgreSQL 18') END;

SELECT * FROM finish();
