-- drop_extension.sql: DROP EXTENSION migrator while changes are open (src/dropguard.c).  Without
-- CASCADE it is refused (2BP01) naming the open changes, as is DROP SCHEMA migrator and DROP OWNED
-- BY the extension's owner; with CASCADE each open change is aborted first, so no _migrator_*
-- column, trigger or version schema stays behind and the tables are as before; a change that cannot
-- be aborted makes the whole drop fail with nothing done.  Other DROP statements are not touched.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(40);

-- the HINT (or DETAIL) of the error a statement raises, NULL when it succeeds
CREATE FUNCTION pg_temp.hint_of(sql text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
	h text;
BEGIN
	EXECUTE sql;
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
	RETURN h;
END
$f$;

-- what open changes leave behind in public: _migrator_* columns, dual-write triggers, version schemas
CREATE FUNCTION pg_temp.leftovers() RETURNS text LANGUAGE sql AS $f$
	SELECT coalesce(string_agg(x, ', ' ORDER BY x), '') FROM (
		SELECT format('column %s.%s', a.attrelid::regclass, a.attname) FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid
		WHERE c.relnamespace = 'public'::regnamespace AND a.attname LIKE '\_migrator\_%'
		  AND NOT a.attisdropped
		UNION ALL
		SELECT format('trigger %s on %s', t.tgname, t.tgrelid::regclass) FROM pg_trigger t
		WHERE t.tgname LIKE '\_migrator\_%'
		UNION ALL
		SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname LIKE 'public\_%'
	) s(x)
$f$;

CREATE TABLE books (id bigint PRIMARY KEY, title text NOT NULL, published_year int);
INSERT INTO books VALUES (1, 'Emma', 1815), (2, 'Orlando', 1928), (3, 'The Waves', 1931);
CREATE TABLE shelves (id bigint PRIMARY KEY, label text);
INSERT INTO shelves VALUES (1, 'fiction'), (2, 'poetry');
CREATE TABLE notes (id bigint PRIMARY KEY, body text);
SELECT pg_temp.shape('public.books') AS books_before \gset
SELECT pg_temp.shape('public.shelves') AS shelves_before \gset

-- an open type change (dual-write trigger, new column, marker) and an open rename (a view only)
SELECT migrator.expand('yr', '[{"alter_column": {"table": "books", "column": "published_year",
  "type": "bigint", "up": "published_year * 10", "down": "(published_year / 10)::int"}}]');
SELECT migrator.expand('lbl', '[{"rename_column": {"table": "shelves", "from": "label", "to": "name"}}]');

------------------------------------------------------------------------------
-- A. without CASCADE: refused, naming the open changes; nothing changes
------------------------------------------------------------------------------
SELECT is((SELECT evttags FROM pg_event_trigger WHERE evtname = 'migrator_drop_guard'),
	'{"DROP EXTENSION","DROP SCHEMA","DROP OWNED"}'::text[],
	'A: the drop guard is an event trigger on those three commands only');
SELECT throws_ok('DROP EXTENSION migrator', '2BP01',
	'cannot drop extension migrator: changes "yr", "lbl" are open',
	'A: DROP EXTENSION migrator with open changes is refused (2BP01), naming them');
SELECT alike(pg_temp.hint_of('DROP EXTENSION migrator'),
	'%abort each open change first (SELECT migrator.abort(''yr''))%add CASCADE, which aborts them%',
	'A: its hint: abort (or contract) them, or CASCADE');
SELECT throws_ok('DROP EXTENSION IF EXISTS pgtap, migrator RESTRICT', '2BP01',
	'cannot drop extension migrator: changes "yr", "lbl" are open',
	'A: also among other extensions, with IF EXISTS and RESTRICT');
SELECT throws_ok('DROP SCHEMA migrator', '2BP01',
	'cannot drop schema migrator: changes "yr", "lbl" are open',
	'A: DROP SCHEMA migrator is refused the same way');
SET client_min_messages = error;
DROP ROLE IF EXISTS migrator_drop_plain;
SET client_min_messages = warning;
CREATE ROLE migrator_drop_plain;
SET ROLE migrator_drop_plain;
SELECT throws_ok('DROP EXTENSION migrator CASCADE', '42501', 'must be owner of extension migrator',
	'A: a role that may not drop the extension gets PostgreSQL''s refusal, no change aborted');
RESET ROLE;
DROP ROLE migrator_drop_plain;
SELECT is((SELECT string_agg(name || ' ' || state, ', ' ORDER BY name) FROM migrator.changes),
	'lbl backfilled, yr expanded', 'A: both changes are still open');
UPDATE books SET published_year = 1816 WHERE id = 1;
SELECT is((SELECT _migrator_new_published_year FROM books WHERE id = 1), 18160::bigint,
	'A: and the dual writes go on');
SELECT is((SELECT count(*)::int FROM pg_extension WHERE extname = 'migrator'), 1,
	'A: the extension is still there');

-- other DROP statements of those kinds go through
CREATE SCHEMA scratch;
SELECT lives_ok('DROP SCHEMA scratch', 'A: dropping another schema works');
SELECT lives_ok('DROP EXTENSION dblink', 'A: dropping another extension works');
SELECT lives_ok('CREATE EXTENSION dblink', 'A: and creating it again');
SELECT lives_ok('DROP TABLE notes', 'A: other DDL is not touched');
CREATE TABLE notes (id bigint PRIMARY KEY, body text);

------------------------------------------------------------------------------
-- B. CASCADE, but one change cannot be aborted (an sql operation without down): nothing done
------------------------------------------------------------------------------
SELECT migrator.expand('raw', '[{"sql": {"up": "CREATE INDEX notes_body ON notes (body)"}}]');
SELECT throws_ok('DROP EXTENSION migrator CASCADE', '55000',
	'change "raw" cannot be aborted: its sql operation 1 has no "down"',
	'B: CASCADE with a change that cannot be aborted fails with abort''s own error');
SELECT is((SELECT string_agg(name || ' ' || state, ', ' ORDER BY name) FROM migrator.changes),
	'lbl backfilled, raw backfilled, yr expanded',
	'B: nothing was aborted (the changes aborted before it were rolled back)');
SELECT isnt(pg_temp.leftovers(), '', 'B: their columns, trigger and version schemas are there');
SELECT lives_ok($$SELECT migrator.contract('raw')$$, 'B: contract the change that cannot be aborted');

------------------------------------------------------------------------------
-- C. CASCADE: every open change aborted first, then the extension dropped
------------------------------------------------------------------------------
-- a write through the new shape, which abort keeps in the old column
SET search_path = public_yr, public;
UPDATE books SET published_year = 19310 WHERE id = 3;
RESET search_path;
SELECT lives_ok('DROP EXTENSION migrator CASCADE', 'C: DROP EXTENSION migrator CASCADE works');
SELECT is((SELECT count(*)::int FROM pg_extension WHERE extname = 'migrator'), 0,
	'C: the extension is gone');
SELECT is(pg_temp.leftovers(), '', 'C: no _migrator_* column, trigger or version schema is left');
SELECT is(pg_temp.shape('public.books'), :'books_before', 'C: books is as before the change');
SELECT is(pg_temp.shape('public.shelves'), :'shelves_before', 'C: shelves is as before the change');
SELECT results_eq('SELECT id, published_year FROM books ORDER BY id',
	$$VALUES (1::bigint, 1816), (2, 1928), (3, 1931)$$,
	'C: every write made while the change was open is kept, through either shape');
SELECT results_eq('SELECT label FROM shelves ORDER BY id', $$VALUES ('fiction'), ('poetry')$$,
	'C: the renamed column has its old name and values');
SELECT is((SELECT count(*)::int FROM pg_indexes WHERE indexname = 'notes_body'), 1,
	'C: the contracted change is left as it is');
SELECT is((SELECT count(*)::int FROM pg_event_trigger WHERE evtname = 'migrator_drop_guard'), 0,
	'C: the drop guard went with the extension');

-- without open changes, a plain DROP EXTENSION works
SELECT lives_ok('CREATE EXTENSION migrator', 'C: create the extension again');
SELECT lives_ok($$SELECT migrator.expand('gone', '[{"rename_column": {"table": "shelves", "from": "label", "to": "name"}}]')$$,
	'C: a change ...');
SELECT lives_ok($$SELECT migrator.contract('gone')$$, 'C: ... contracted');
SELECT lives_ok('DROP EXTENSION migrator', 'C: with no open change, DROP EXTENSION migrator works');
ALTER TABLE shelves RENAME COLUMN name TO label;

------------------------------------------------------------------------------
-- D. DROP OWNED BY the extension's owner
------------------------------------------------------------------------------
SET client_min_messages = error;
DROP ROLE IF EXISTS migrator_drop_owner;
SET client_min_messages = warning;
CREATE ROLE migrator_drop_owner SUPERUSER;
SET ROLE migrator_drop_owner;
CREATE EXTENSION migrator;
RESET ROLE;
SELECT migrator.expand('yr2', '[{"alter_column": {"table": "books", "column": "published_year", "type": "bigint"}}]');
SELECT throws_ok('DROP OWNED BY migrator_drop_owner', '2BP01',
	'cannot drop the objects owned by the owner of extension migrator: change "yr2" is open',
	'D: DROP OWNED BY the extension''s owner is refused while a change is open');
SELECT lives_ok('DROP OWNED BY migrator_drop_owner CASCADE',
	'D: DROP OWNED ... CASCADE works');
SELECT is((SELECT count(*)::int FROM pg_extension WHERE extname = 'migrator'), 0,
	'D: the extension is gone');
SELECT is(pg_temp.leftovers(), '', 'D: nothing of the change is left');
SELECT is(pg_temp.shape('public.books'), :'books_before', 'D: books is as before the change');
DROP ROLE migrator_drop_owner;

------------------------------------------------------------------------------
-- E. DROP SCHEMA migrator CASCADE
------------------------------------------------------------------------------
CREATE EXTENSION migrator;
SELECT migrator.expand('yr3', '[{"alter_column": {"table": "books", "column": "published_year", "type": "bigint"}}]');
SELECT is(migrator.backfill('yr3', 1, 1), 1::bigint, 'E: a change, partly backfilled');
SELECT lives_ok('DROP SCHEMA migrator CASCADE', 'E: DROP SCHEMA migrator CASCADE works');
SELECT is((SELECT count(*)::int FROM pg_extension WHERE extname = 'migrator'), 0,
	'E: the extension is gone');
SELECT is(pg_temp.leftovers(), '', 'E: nothing of the change is left');
SELECT is(pg_temp.shape('public.books'), :'books_before', 'E: books is as before the change');

SELECT * FROM finish();
