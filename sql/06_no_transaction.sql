-- Migrations that must run outside a transaction block: found from the
-- parse tree or from a directive; refused by apply, run by migrate one
-- statement at a time in a background worker.
\set QUIET on
-- lint findings (sql/11_lint.sql tests them) are noise here
SET migrator.lint = off;
CALL regress.forget();
CALL regress.reset('notx');
CALL regress.write('notx', '1_table.sql', 'CREATE TABLE notx_t (id int PRIMARY KEY, v int); INSERT INTO notx_t SELECT g, g % 7 FROM generate_series(1, 1000) g;');
CALL regress.write('notx', '2_index.sql', E'-- a big table: build without blocking writes\nCREATE INDEX CONCURRENTLY notx_t_v ON notx_t (v);');
CALL regress.write('notx', '3_marked.sql', E'-- migrator:no-transaction\nALTER TABLE notx_t ADD COLUMN w int;\nVACUUM (ANALYZE) notx_t;');
CALL regress.write('notx', '4_isolation.sql', E'BEGIN;\nSET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\nUPDATE notx_t SET w = v * 2;\nCOMMIT;');

-- apply refuses before running anything
SELECT * FROM migrator.apply(regress.dir('notx'));
SELECT to_regclass('notx_t') AS table_not_created;

-- a dry run of apply refuses alike; migrate runs them
SELECT version, action FROM migrator.apply(regress.dir('notx'), dry_run => true);
CALL migrator.migrate(regress.dir('notx'));
SELECT version, name, state FROM migrator.status(regress.dir('notx'));
SELECT indexrelid::regclass AS index, indisvalid FROM pg_index WHERE indrelid = 'notx_t'::regclass ORDER BY indexrelid::regclass::text;
SELECT count(*) FILTER (WHERE w = v * 2) AS set_by_4 FROM notx_t;
SELECT version, statements FROM migrator.journal ORDER BY id;

-- a concurrent build that fails: the invalid index is named, nothing is recorded,
-- the statements before it stay done (as with psql outside a transaction)
CALL regress.write('notx', '5_unique.sql', E'-- migrator:no-transaction\nALTER TABLE notx_t ADD COLUMN z int;\nCREATE UNIQUE INDEX CONCURRENTLY notx_t_v_key ON notx_t (v);');
CALL migrator.migrate(regress.dir('notx'));
SELECT version, state FROM migrator.status(regress.dir('notx')) WHERE version = '5';
SELECT indexrelid::regclass AS index, indisvalid FROM pg_index WHERE indrelid = 'notx_t'::regclass AND NOT indisvalid;
SELECT count(*) AS z_column FROM pg_attribute WHERE attrelid = 'notx_t'::regclass AND attname = 'z';
SELECT action, version, outcome, sqlstate, message FROM migrator.events WHERE outcome = 'failure' ORDER BY id DESC LIMIT 1;
DROP INDEX notx_t_v_key;
ALTER TABLE notx_t DROP COLUMN z;
CALL regress.remove('notx', '5_unique.sql');

-- what an interrupted concurrent build leaves, settled by the next run: an
-- invalid index is dropped and built again; a valid one of the very shape
-- the statement builds is taken as built; one of another shape is not
-- (these indexes are made by hand on purpose: not drift to warn of)
SET migrator.drift = off;
CREATE UNIQUE INDEX CONCURRENTLY notx_t_w ON notx_t (w);	-- fails: duplicates
SELECT indisvalid FROM pg_index WHERE indexrelid = 'notx_t_w'::regclass;
CALL regress.write('notx', '5_idx.sql', E'-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY notx_t_w ON notx_t (w);');
CALL migrator.migrate(regress.dir('notx'));
SELECT indisvalid, indisunique FROM pg_index WHERE indexrelid = 'notx_t_w'::regclass;
CREATE INDEX notx_t_w6 ON notx_t (w);
CALL regress.write('notx', '6_idx.sql', E'-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY notx_t_w6 ON notx_t (w);');
CALL migrator.migrate(regress.dir('notx'));
CREATE INDEX notx_t_w7 ON notx_t (v);
CALL regress.write('notx', '7_idx.sql', E'-- migrator:no-transaction\nCREATE INDEX CONCURRENTLY notx_t_w7 ON notx_t (w);');
CALL migrator.migrate(regress.dir('notx'));
SELECT version FROM migrator.journal WHERE version::int >= 5 ORDER BY id;
CALL regress.remove('notx', '7_idx.sql');
DROP INDEX notx_t_w7;

-- the isolation level a migration asks for is refused by apply
CALL regress.write('notx', '8_rr.sql', E'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nSELECT 1;');
SELECT * FROM migrator.apply(regress.dir('notx'));
CALL regress.remove('notx', '8_rr.sql');

-- a failed build's error says what is true: once the cause is fixed, running
-- the migration again drops the invalid index it left and builds it anew
CREATE TABLE notx_dup (v int);
INSERT INTO notx_dup VALUES (1), (1);
CALL regress.write('notx', '9_unique.sql', E'-- migrator:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY notx_dup_v ON notx_dup (v);');
CALL migrator.migrate(regress.dir('notx'));
SELECT indisvalid FROM pg_index WHERE indexrelid = 'notx_dup_v'::regclass;
DELETE FROM notx_dup WHERE ctid = (SELECT max(ctid) FROM notx_dup);
CALL migrator.migrate(regress.dir('notx'));
SELECT indisvalid, indisunique FROM pg_index WHERE indexrelid = 'notx_dup_v'::regclass;
SELECT version FROM migrator.journal WHERE version = '9';
DROP TABLE notx_dup;

-- the first migration of a migrate run may set its isolation level also
-- when a recorded snapshot makes the run look for drift first
SET migrator.drift = warn;
SELECT count(*) > 0 AS snapshot_recorded FROM migrator.snapshots;
CALL regress.write('notx', '10_rr.sql', E'BEGIN;\nSET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\nUPDATE notx_t SET w = 10;\nCOMMIT;');
CALL migrator.migrate(regress.dir('notx'));
SELECT version FROM migrator.journal WHERE version = '10';
RESET migrator.drift;

DROP TABLE notx_t;
CALL regress.forget();
