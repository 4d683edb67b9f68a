-- expand_errors.sql: every refusal of expand/backfill/contract/abort, with its SQLSTATE, and that a
-- refused expand leaves nothing behind (the tables unchanged, no row in migrator.changes, no
-- version schema); injection attempts in names and expressions are names or errors, never run.
\set QUIET 1
SET client_min_messages = warning;
\ir helpers.psql

SELECT plan(239);

CREATE TABLE t_err (id int PRIMARY KEY, a int, b text NOT NULL DEFAULT 'x', c text);
INSERT INTO t_err VALUES (1, 1, 'one', 'c1'), (2, NULL, 'two', NULL);
CREATE TABLE books (id int PRIMARY KEY, title text);
CREATE TABLE x (id int);	-- the target of the injection attempts
INSERT INTO x VALUES (42);

------------------------------------------------------------------------------
-- unknown table: 42P01 (injection attempts in a table name are names)
------------------------------------------------------------------------------
SELECT * FROM pg_temp.expand_refused('e_tab1', '[{"rename_column": {"table": "nope", "from": "a", "to": "z"}}]',
	'42P01', 'rename_column on an unknown table', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_tab2', '[{"add_column": {"table": "nope", "column": {"name": "z", "type": "int"}}}]',
	'42P01', 'add_column on an unknown table', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_tab3', '[{"alter_column": {"table": "nope", "column": "a", "type": "bigint"}}]',
	'42P01', 'alter_column on an unknown table', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_tab4', '[{"drop_column": {"table": "nope", "column": "a"}}]',
	'42P01', 'drop_column on an unknown table', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_tab5',
	'[{"rename_column": {"table": "books; DROP TABLE x", "from": "title", "to": "name"}}]',
	'42P01', 'table "books; DROP TABLE x" is a name', '{public.books,public.x}');
SELECT * FROM pg_temp.expand_refused('e_tab6',
	'[{"add_column": {"table": "books\"; DROP TABLE x; --", "column": {"name": "z", "type": "int"}}}]',
	'42P01', 'table "books\"; DROP TABLE x; --" is a name', '{public.books,public.x}');
SELECT * FROM pg_temp.expand_refused('e_tab7',
	'[{"alter_column": {"table": "books''); DROP TABLE x; --", "column": "title", "nullable": false}}]',
	'42P01', 'table "books''); DROP TABLE x; --" is a name', '{public.books,public.x}');
SELECT has_table('public', 'x', 'unknown table: x survived the injection attempts');

------------------------------------------------------------------------------
-- unknown column: 42703
------------------------------------------------------------------------------
SELECT * FROM pg_temp.expand_refused('e_col1', '[{"rename_column": {"table": "t_err", "from": "nope", "to": "z"}}]',
	'42703', 'rename_column of an unknown column', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_col2', '[{"alter_column": {"table": "t_err", "column": "nope", "type": "bigint"}}]',
	'42703', 'alter_column of an unknown column', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_col3', '[{"drop_column": {"table": "t_err", "column": "nope"}}]',
	'42703', 'drop_column of an unknown column', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_col4',
	'[{"drop_column": {"table": "t_err", "column": "a; DROP TABLE x"}}]',
	'42703', 'column "a; DROP TABLE x" is a name', '{public.t_err,public.x}');
SELECT * FROM pg_temp.expand_refused('e_col5',
	'[{"alter_column": {"table": "t_err", "column": "a\" = 1; DROP TABLE x; --", "type": "bigint"}}]',
	'42703', 'column "a\" = 1; DROP TABLE x; --" is a name', '{public.t_err,public.x}');

------------------------------------------------------------------------------
-- up / down: 42601 when they do not parse, 42703 for a missing column, 42804 for a wrong type
------------------------------------------------------------------------------
SELECT * FROM pg_temp.expand_refused('e_up1',
	'[{"add_column": {"table": "t_err", "column": {"name": "z", "type": "int"}, "up": "a +* )"}}]',
	'42601', 'add_column: an up that does not parse', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_up2',
	'[{"alter_column": {"table": "t_err", "column": "a", "type": "bigint", "up": "a::bigint +", "down": "a::int"}}]',
	'42601', 'alter_column: an up that does not parse', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_up3',
	'[{"alter_column": {"table": "t_err", "column": "a", "type": "bigint", "up": "a::bigint", "down": "(a::int"}}]',
	'42601', 'alter_column: a down that does not parse', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_up4',
	'[{"drop_column": {"table": "t_err", "column": "c", "down": "b || "}}]',
	'42601', 'drop_column: a down that does not parse', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_up5',
	'[{"add_column": {"table": "t_err", "column": {"name": "z", "type": "int"}, "up": "no_such_col + 1"}}]',
	'42703', 'add_column: an up naming a missing column', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_up6',
	'[{"alter_column": {"table": "t_err", "column": "a", "type": "bigint", "up": "a::bigint", "down": "no_such_col::int"}}]',
	'42703', 'alter_column: a down naming a missing column', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_up7',
	'[{"drop_column": {"table": "t_err", "column": "c", "down": "no_such_col"}}]',
	'42703', 'drop_column: a down naming a missing column', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_up8',
	'[{"add_column": {"table": "t_err", "column": {"name": "z", "type": "int"}, "up": "now()"}}]',
	'42804', 'add_column: up gives timestamptz for an int column', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_up9',
	'[{"alter_column": {"table": "t_err", "column": "c", "type": "integer", "up": "trim(c)", "down": "c::text"}}]',
	'42804', 'alter_column: up gives text for an integer column', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_up10',
	'[{"add_column": {"table": "t_err", "column": {"name": "z", "type": "int"}, "up": "0); DROP TABLE x; SELECT (1"}}]',
	'42601', 'an up with a statement smuggled in does not parse', '{public.t_err,public.x}');
SELECT * FROM pg_temp.expand_refused('e_up11',
	'[{"alter_column": {"table": "t_err", "column": "a", "type": "bigint", "up": "a; DROP TABLE x", "down": "a::int"}}]',
	'42601', 'an up "a; DROP TABLE x" does not parse', '{public.t_err,public.x}');
SELECT * FROM pg_temp.expand_refused('e_up12',
	'[{"drop_column": {"table": "t_err", "column": "c", "down": "NULL; DROP TABLE x"}}]',
	'42601', 'a down "NULL; DROP TABLE x" does not parse', '{public.t_err,public.x}');
SELECT has_table('public', 'x', 'up/down: x survived');

-- injection attempts in type, default, check and references: refused as bad input (the SQLSTATE
-- of the parser or of migrator's own check, never an internal error), never run
SELECT is(pg_temp.sqlstate_of($$SELECT migrator.expand('e_inj1',
	'[{"add_column": {"table": "t_err", "column": {"name": "z", "type": "int; DROP TABLE x"}}}]')$$), '42601',
	'a type "int; DROP TABLE x" is refused: 42601');
SELECT is(pg_temp.sqlstate_of($$SELECT migrator.expand('e_inj2',
	'[{"add_column": {"table": "t_err", "column": {"name": "z", "type": "int", "default": "0; DROP TABLE x"}}}]')$$), '42601',
	'a default "0; DROP TABLE x" is refused: 42601');
SELECT is(pg_temp.sqlstate_of($$SELECT migrator.expand('e_inj3',
	'[{"alter_column": {"table": "t_err", "column": "a", "check": "a > 0); DROP TABLE x; --"}}]')$$), '42601',
	'a check "a > 0); DROP TABLE x; --" is refused: 42601');
SELECT is(pg_temp.sqlstate_of($$SELECT migrator.expand('e_inj4',
	'[{"alter_column": {"table": "t_err", "column": "a", "references": "books(id); DROP TABLE x"}}]')$$), '22023',
	'a references "books(id); DROP TABLE x" is refused: 22023');
SELECT has_table('public', 'x', 'type/default/check/references: x survived');
SELECT is((SELECT count(*)::int FROM x), 1, 'x still has its row');
SELECT is(pg_temp.traces('e_inj1') || pg_temp.traces('e_inj2') || pg_temp.traces('e_inj3') || pg_temp.traces('e_inj4'),
	'', 'the refused injection attempts left no change behind');

-- an injection attempt in the change name: a name like any other (it is only ever a value), and
-- abort by that name finds it and undoes it
SELECT pg_temp.shape('public.t_err') AS t_err_before \gset
SELECT is(pg_temp.sqlstate_of($$SELECT migrator.expand('n"; DROP TABLE x; --',
	'[{"rename_column": {"table": "t_err", "from": "c", "to": "c2"}}]')$$), NULL,
	'change name "n\"; DROP TABLE x; --": accepted as a name');
SELECT is(pg_temp.state('n"; DROP TABLE x; --'), 'backfilled', 'the change is recorded under that name (a rename: nothing to backfill)');
SELECT is(pg_temp.sqlstate_of($$SELECT migrator.abort('n"; DROP TABLE x; --')$$), NULL,
	'abort by that name succeeds');
SELECT is(pg_temp.state('n"; DROP TABLE x; --'), 'aborted', 'the change is aborted');
SELECT has_table('public', 'x', 'change name "n\"; DROP TABLE x; --": x survived');
SELECT is(pg_temp.shape('public.t_err'), :'t_err_before', 'change name with an injection attempt: t_err as before');

------------------------------------------------------------------------------
-- operations that conflict on one column: 22023
------------------------------------------------------------------------------
SELECT * FROM pg_temp.expand_refused('e_conf1', '[
	{"rename_column": {"table": "t_err", "from": "c", "to": "c2"}},
	{"drop_column": {"table": "t_err", "column": "c"}}]',
	'22023', 'rename and drop of one column', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_conf2', '[
	{"rename_column": {"table": "t_err", "from": "c", "to": "c2"}},
	{"rename_column": {"table": "t_err", "from": "c", "to": "c3"}}]',
	'22023', 'two renames of one column', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_conf3', '[
	{"drop_column": {"table": "t_err", "column": "a"}},
	{"alter_column": {"table": "t_err", "column": "a", "type": "bigint"}}]',
	'22023', 'drop and alter of one column', '{public.t_err}');

SELECT * FROM pg_temp.expand_refused('e_conf4', '[
	{"rename_column": {"table": "t_err", "from": "c", "to": "c2"}},
	{"drop_column": {"table": "t_err", "column": "c2"}}]',
	'22023', 'rename of c to c2, then drop of c2', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_conf5', '[
	{"alter_column": {"table": "t_err", "column": "a", "type": "bigint"}},
	{"drop_column": {"table": "t_err", "column": "a"}}]',
	'22023', 'alter, then drop of one column', '{public.t_err}');

------------------------------------------------------------------------------
-- malformed ops: 22P02 (not JSON), 22023 (wrong shape)
------------------------------------------------------------------------------
SELECT * FROM pg_temp.expand_refused('e_json1', '{not json', '22P02', 'ops that are not JSON', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_json2', '[{"rename_column": ]', '22P02', 'truncated JSON', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_shape1', '42', '22023', 'ops = 42', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_shape2', '"rename_column"', '22023', 'ops = a string', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_shape3', 'null', '22023', 'ops = JSON null', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_shape4', '[1]', '22023', 'an operation that is a number', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_shape5', '[{}]', '22023', 'an operation with no key', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_shape6',
	'[{"rename_column": {"table": "t_err", "from": "c", "to": "c2"}, "drop_column": {"table": "t_err", "column": "a"}}]',
	'22023', 'an operation with two keys', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_shape7', '[{"rename_column": {"from": "c", "to": "c2"}}]',
	'22023', 'rename_column without "table"', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_shape8', '[{"drop_column": {"column": "c"}}]',
	'22023', 'drop_column without "table"', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_shape9', '{"rename_column": "t_err"}',
	'22023', 'an operation whose value is not an object', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_shape10', '[{"rename_column": {"table": "t_err", "from": "c"}}]',
	'22023', 'rename_column without "to"', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_shape11', '[{"add_column": {"table": "t_err", "up": "1"}}]',
	'22023', 'add_column without "column"', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_shape12', '[{"alter_column": {"table": "t_err", "column": "a"}}]',
	'22023', 'alter_column with nothing to alter', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_shape13', '[{"frobnicate_column": {"table": "t_err", "column": "a"}}]',
	'22023', 'an unknown operation', '{public.t_err}');

------------------------------------------------------------------------------
-- table-level and index operations with bad input
------------------------------------------------------------------------------
SELECT * FROM pg_temp.expand_refused('e_ns1',
	'[{"create_index": {"table": "t_err", "name": "t_err_a_idx", "columns": ["nope"]}}]',
	'42703', 'create_index on a column that does not exist', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_ns2', '[{"drop_index": {"name": "t_err"}}]',
	'42704', 'drop_index of something that is not an index', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_ns3',
	'[{"add_constraint": {"table": "t_err", "name": "a_pos"}}]',
	'22023', 'add_constraint with neither check nor foreign_key', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_ns4', '[{"drop_constraint": {"table": "t_err"}}]',
	'22023', 'drop_constraint without a name', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_ns5',
	'[{"create_table": {"name": "t_new", "columns": []}}]',
	'22023', 'create_table without columns', '{public.t_err}');
SELECT hasnt_table('public', 't_new', 'create_table created nothing');
SELECT * FROM pg_temp.expand_refused('e_ns6', '[{"rename_table": {"from": "t_err", "to": "x"}}]',
	'42P07', 'rename_table to a name that is taken', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_ns7', '[{"drop_table": {"name": "no_such_table"}}]',
	'42P01', 'drop_table of a table that does not exist', '{public.t_err,public.x}');
SELECT * FROM pg_temp.expand_refused('e_ns8', '[{"sql": {"up": "CREATE TABLE sql_ran (id int); SELEC 1", "down": "DROP TABLE sql_ran"}}]',
	'42601', 'sql whose up does not parse', '{public.t_err,public.x}');
SELECT hasnt_table('public', 'sql_ran', 'the failed sql operation left nothing');
SELECT * FROM pg_temp.expand_refused('e_ns9',
	'[{"add_column": {"table": "t_err", "column": {"name": "z", "type": "no_such_type", "unique": true}}}]',
	'42704', 'unique add_column of an unknown type', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_ns10',
	'[{"alter_column": {"table": "t_err", "column": "nope", "unique": true}}]',
	'42703', 'unique alter_column of a column that does not exist', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_ns11', '[
	{"rename_column": {"table": "t_err", "from": "c", "to": "c2"}},
	{"create_index": {"table": "t_err", "name": "t_err_a_idx", "columns": ["a"], "method": "nomethod"}}]',
	'42704', 'a good operation, then an index with an unknown method', '{public.t_err}');
SELECT has_table('public', 'x', 'refused operations: x survived');

------------------------------------------------------------------------------
-- a later operation fails: nothing of the earlier ones is left
------------------------------------------------------------------------------
SELECT * FROM pg_temp.expand_refused('e_half1', '[
	{"rename_column": {"table": "t_err", "from": "c", "to": "c2"}},
	{"add_column": {"table": "t_err", "column": {"name": "z", "type": "int"}, "up": "a +* )"}}]',
	'42601', 'a rename, then an add_column whose up does not parse', '{public.t_err}');
SELECT * FROM pg_temp.expand_refused('e_half2', '[
	{"add_column": {"table": "t_err", "column": {"name": "z", "type": "int", "nullable": false, "default": "0"}, "up": "a"}},
	{"alter_column": {"table": "t_err", "column": "a", "type": "bigint"}},
	{"drop_column": {"table": "books", "column": "nope"}}]',
	'42703', 'an add_column and an alter_column on t_err, then a drop of an unknown column of books', '{public.t_err,public.books}');
SELECT * FROM pg_temp.expand_refused('e_half3', '[
	{"alter_column": {"table": "t_err", "column": "a", "type": "bigint"}},
	{"rename_column": {"table": "nope", "from": "a", "to": "z"}}]',
	'42P01', 'an alter_column, then an unknown table', '{public.t_err}');

-- a name refused earlier is free
SELECT lives_ok($$SELECT migrator.expand('e_half1', '[{"rename_column": {"table": "t_err", "from": "c", "to": "c2"}}]')$$,
	'a change name whose expand was refused can be used');
SELECT lives_ok($$SELECT migrator.abort('e_half1')$$, 'and aborted');

------------------------------------------------------------------------------
-- reused change name: 42710; a second open change on a table: 55006
------------------------------------------------------------------------------
SELECT lives_ok($$SELECT migrator.expand('open1', '[{"add_column": {"table": "t_err", "column": {"name": "z", "type": "int"}, "up": "a"}}]')$$,
	'open1 on t_err');
SELECT pg_temp.shape('public.books') AS books_before \gset
SELECT throws_ok($$SELECT migrator.expand('open1', '[{"rename_column": {"table": "books", "from": "title", "to": "name"}}]')$$,
	'42710', NULL, 'an open change''s name again, on another table: 42710');
SELECT is(pg_temp.shape('public.books'), :'books_before', '42710: books unchanged');
SELECT is(pg_temp.state('open1'), 'expanded', '42710: open1 untouched');
SELECT pg_temp.shape('public.t_err') AS t_err_open \gset
SELECT throws_ok($$SELECT migrator.expand('open2', '[{"rename_column": {"table": "t_err", "from": "c", "to": "c2"}}]')$$,
	'55006', NULL, 'a second open change on t_err: 55006');
SELECT is(pg_temp.shape('public.t_err'), :'t_err_open', '55006: t_err as it was');
SELECT is(pg_temp.traces('open2'), '', '55006: no trace of open2');
SELECT throws_ok($$SELECT migrator.expand('open3', '[
	{"rename_column": {"table": "books", "from": "title", "to": "name"}},
	{"drop_column": {"table": "t_err", "column": "c"}}]')$$,
	'55006', NULL, 'a change on books and t_err while t_err has one open: 55006');
SELECT is(pg_temp.shape('public.books'), :'books_before', '55006: books unchanged');
SELECT is(pg_temp.traces('open3'), '', '55006: no trace of open3');
SELECT ok(pg_temp.sqlstate_of($$SELECT migrator.expand('open4', '[{"add_constraint": {"table": "t_err",
		"name": "a_pos", "check": "a > 0"}}]')$$) IN ('0A000', '55006'),
	'an add_constraint on t_err while t_err has a change open: refused (0A000 per the spec, or 55006)');
SELECT ok(pg_temp.sqlstate_of($$SELECT migrator.expand('open5', '[{"rename_table": {"from": "t_err", "to": "t_err2"}}]')$$)
		  IN ('0A000', '55006'),
	'a rename_table of t_err while t_err has a change open: refused (0A000 per the spec, or 55006)');
SELECT is(pg_temp.shape('public.t_err'), :'t_err_open', 't_err as it was');
SELECT is(pg_temp.traces('open4') || pg_temp.traces('open5'), '', 'no trace of open4, open5');
SELECT is(pg_temp.sqlstate_of($$SELECT migrator.abort('open4')$$), '42704', 'the refused open4 is no change to abort: 42704');
SELECT is(pg_temp.sqlstate_of($$SELECT migrator.abort('open5')$$), '42704', 'the refused open5 is no change to abort: 42704');

------------------------------------------------------------------------------
-- contract before backfill: 55000; unknown changes: 42704; closed changes: 55000
------------------------------------------------------------------------------
SELECT throws_ok($$SELECT migrator.contract('open1')$$, '55000', NULL, 'contract before any backfill: 55000');
SELECT is(pg_temp.state('open1'), 'expanded', 'the refused contract left open1 expanded');
SELECT has_view('public_open1', 't_err', 'the refused contract left the new shape');
SELECT is(pg_temp.bf('open1', 1, 1), 1::bigint, 'one batch of 1');
SELECT throws_ok($$SELECT migrator.contract('open1')$$, '55000', NULL, 'contract while backfilling: 55000');
SELECT is(pg_temp.state('open1'), 'backfilling', 'open1 still backfilling');
SELECT throws_ok($$SELECT migrator.contract('no_such_change')$$, '42704', NULL, 'contract of an unknown change: 42704');
SELECT throws_ok($$SELECT migrator.abort('no_such_change')$$, '42704', NULL, 'abort of an unknown change: 42704');
SELECT throws_ok($$SELECT migrator.backfill('no_such_change')$$, '42704', NULL, 'backfill of an unknown change: 42704');
SELECT is(dblink_connect('rb', pg_temp.connstr()), 'OK', 'a connection for CALL run_backfill');
SELECT throws_ok($$SELECT dblink_exec('rb', 'CALL migrator.run_backfill(''no_such_change'')')$$, '42704', NULL,
	'run_backfill of an unknown change: 42704');

SELECT is(pg_temp.bf_all('open1'), 1::bigint, 'the rest of open1 backfilled');
SELECT lives_ok($$SELECT migrator.contract('open1')$$, 'contract open1');
SELECT throws_ok($$SELECT migrator.contract('open1')$$, '55000', NULL, 'contract of a contracted change: 55000');
SELECT throws_ok($$SELECT migrator.abort('open1')$$, '55000', NULL, 'abort of a contracted change: 55000');
SELECT throws_ok($$SELECT migrator.backfill('open1')$$, '55000', NULL, 'backfill of a contracted change: 55000');
SELECT throws_ok($$SELECT dblink_exec('rb', 'CALL migrator.run_backfill(''open1'')')$$, '55000', NULL,
	'run_backfill of a contracted change: 55000');
SELECT throws_ok($$SELECT migrator.expand('open1', '[{"rename_column": {"table": "books", "from": "title", "to": "name"}}]')$$,
	'42710', NULL, 'a contracted change''s name again: 42710');
SELECT is(pg_temp.state('open1'), 'contracted', 'open1 still contracted');

SELECT lives_ok($$SELECT migrator.expand('gone', '[{"rename_column": {"table": "t_err", "from": "c", "to": "c2"}}]')$$,
	'a new change on t_err once open1 is contracted');
SELECT lives_ok($$SELECT migrator.abort('gone')$$, 'abort it');
SELECT throws_ok($$SELECT migrator.contract('gone')$$, '55000', NULL, 'contract of an aborted change: 55000');
SELECT throws_ok($$SELECT migrator.abort('gone')$$, '55000', NULL, 'abort of an aborted change: 55000');
SELECT throws_ok($$SELECT migrator.backfill('gone')$$, '55000', NULL, 'backfill of an aborted change: 55000');
SELECT throws_ok($$SELECT dblink_exec('rb', 'CALL migrator.run_backfill(''gone'')')$$, '55000', NULL,
	'run_backfill of an aborted change: 55000');
SELECT throws_ok($$SELECT migrator.expand('gone', '[{"rename_column": {"table": "t_err", "from": "c", "to": "c2"}}]')$$,
	'42710', NULL, 'an aborted change''s name again: 42710');
SELECT is(pg_temp.state('gone'), 'aborted', 'gone still aborted');
SELECT is(dblink_disconnect('rb'), 'OK', 'disconnect');

SELECT has_table('public', 'x', 'x survived the whole file');

SELECT * FROM finish();
