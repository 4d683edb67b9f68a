-- Every bad input gets a clear error naming the file and line, before
-- anything of the run executes.
\set QUIET on
CALL regress.forget();

-- the folder argument
SELECT * FROM migrator.apply('relative/path');
SELECT * FROM migrator.apply(NULL);
SELECT * FROM migrator.status('/nonexistent/migrator/folder');

-- a syntax error in migration 3 stops the run before 1 and 2 run
CALL regress.reset('syntax');
CALL regress.write('syntax', '1_a.sql', 'CREATE TABLE syn_a (id int);');
CALL regress.write('syntax', '2_b.sql', 'CREATE TABLE syn_b (id int);');
CALL regress.write('syntax', '3_c.sql', '-- third
CREATE TABLE syn_c (id int);

CREATE TABLE syn_d (id int,
    name txt NOT NULL,,
    other int);');
CALL migrator.migrate(regress.dir('syntax'));
SELECT to_regclass('syn_a') AS syn_a, count(*) AS journal_rows FROM migrator.journal;
-- migrate logs the refused run, with no version: no migration started
SELECT action, version, outcome, sqlstate, message, detail
FROM migrator.events ORDER BY id DESC LIMIT 1;

-- a statement failing at run time: file, line and SQLSTATE
CALL regress.reset('runtime');
CALL regress.write('runtime', '1_a.sql', 'CREATE TABLE rt_a (id int);

INSERT INTO rt_a
VALUES (1), (2);
INSERT INTO rt_a (id, missing) VALUES (3, 4);');
SELECT * FROM migrator.apply(regress.dir('runtime'));
SELECT to_regclass('rt_a') AS rt_a;

-- two files with one version
CALL regress.reset('dup');
CALL regress.write('dup', '1_a.sql', 'SELECT 1;');
CALL regress.write('dup', '01_b.sql', 'SELECT 1;');
SELECT * FROM migrator.apply(regress.dir('dup'));
CALL regress.reset('dupfw');
CALL regress.write('dupfw', 'V1.1__a.sql', 'SELECT 1;');
CALL regress.write('dupfw', 'V1_1__b.sql', 'SELECT 1;');
SELECT * FROM migrator.status(regress.dir('dupfw'));

-- layouts that do not fit
CALL regress.reset('mixed');
CALL regress.write('mixed', 'V1__a.sql', 'SELECT 1;');
CALL regress.write('mixed', '2_b.sql', 'SELECT 1;');
SELECT * FROM migrator.apply(regress.dir('mixed'));
CALL regress.reset('badname');
CALL regress.write('badname', 'V1__ok.sql', 'SELECT 1;');
CALL regress.write('badname', 'oops.sql', 'SELECT 1;');
SELECT * FROM migrator.apply(regress.dir('badname'));
CALL regress.reset('noname');
CALL regress.write('noname', 'schema.sql', 'SELECT 1;');
SELECT * FROM migrator.apply(regress.dir('noname'));

-- drizzle-kit journal problems
CALL regress.reset('dzmissing');
CALL regress.write('dzmissing', 'meta/_journal.json', '{"entries":[{"idx":0,"tag":"0000_gone"}]}');
SELECT * FROM migrator.apply(regress.dir('dzmissing'));
CALL regress.reset('dzbad');
CALL regress.write('dzbad', 'meta/_journal.json', '{"entries": [');
SELECT * FROM migrator.apply(regress.dir('dzbad'));

-- file contents
CALL regress.reset('utf8');
CALL regress.write_bytes('utf8', '1_latin1.sql', convert_to(E'SELECT 1;\n-- caf\u00e9', 'LATIN1'));
SELECT * FROM migrator.apply(regress.dir('utf8'));
CALL regress.reset('nul');
CALL regress.write_bytes('nul', '1_nul.sql', '\x53454c45435420313b0a00'::bytea);
SELECT * FROM migrator.apply(regress.dir('nul'));
CALL regress.reset('empty');
CALL regress.write('empty', '1_empty.sql', '');
SELECT * FROM migrator.apply(regress.dir('empty'));
CALL regress.reset('blank');
CALL regress.write('blank', '1_blank.sql', E'  \n\t\n');
SELECT * FROM migrator.apply(regress.dir('blank'));
CALL regress.reset('meta');
CALL regress.write('meta', '1_meta.sql', E'CREATE TABLE meta_a (id int);\n\\i other.sql\n');
SELECT * FROM migrator.apply(regress.dir('meta'));
CALL regress.reset('metaset');
CALL regress.write('metaset', '1_meta.sql', E'\\set ON_ERROR_STOP on\nSELECT 1;');
SELECT * FROM migrator.apply(regress.dir('metaset'));

-- transaction control
CALL regress.reset('commit');
CALL regress.write('commit', '1_commit.sql', E'CREATE TABLE tc_a (id int);\nCOMMIT;\nCREATE TABLE tc_b (id int);');
SELECT * FROM migrator.apply(regress.dir('commit'));
CALL regress.reset('rollback');
CALL regress.write('rollback', '1_rollback.sql', E'BEGIN;\nCREATE TABLE tc_a (id int);\nROLLBACK;');
SELECT * FROM migrator.apply(regress.dir('rollback'));
CALL regress.reset('unclosed');
CALL regress.write('unclosed', '1_unclosed.sql', E'CREATE TABLE tc_a (id int);\nBEGIN;\nCREATE TABLE tc_b (id int);');
SELECT * FROM migrator.apply(regress.dir('unclosed'));
CALL regress.reset('savepoint');
CALL regress.write('savepoint', '1_sp.sql', E'SAVEPOINT a;');
SELECT * FROM migrator.apply(regress.dir('savepoint'));
-- BEGIN; ... COMMIT; blocks are accepted (the whole file, or a part of it)
CALL regress.reset('blocks');
CALL regress.write('blocks', '1_blocks.sql', E'BEGIN;\nCREATE TABLE tb_a (id int);\nCOMMIT;\nCREATE TABLE tb_b (id int);\nBEGIN;\nCREATE TABLE tb_c (id int);\nEND;');
SELECT version, action FROM migrator.apply(regress.dir('blocks'));
SELECT statements FROM migrator.journal WHERE path = '1_blocks.sql';
CALL regress.forget();

-- statements PostgreSQL refuses inside a transaction block
CALL regress.reset('cic');
CALL regress.write('cic', '1_t.sql', 'CREATE TABLE cic_t (id int);');
CALL regress.write('cic', '2_idx.sql', E'-- an index on a big table\nCREATE INDEX CONCURRENTLY cic_t_id ON cic_t (id);');
SELECT * FROM migrator.apply(regress.dir('cic'));
CALL regress.reset('vacuum');
CALL regress.write('vacuum', '1_vacuum.sql', E'VACUUM ANALYZE;');
SELECT * FROM migrator.apply(regress.dir('vacuum'));
CALL regress.reset('copy');
CALL regress.write('copy', '1_copy.sql', E'CREATE TABLE cp (id int);\nCOPY cp FROM stdin;');
SELECT * FROM migrator.apply(regress.dir('copy'));

-- the journal needs READ COMMITTED to see concurrent runs
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM migrator.apply(regress.dir('blocks'));
ROLLBACK;

-- nothing above left anything behind
SELECT count(*) AS journal_rows FROM migrator.journal;
SELECT relname FROM pg_class WHERE relname IN ('syn_a', 'syn_b', 'syn_c', 'rt_a', 'meta_a', 'tc_a', 'tc_b', 'cic_t', 'cp');
