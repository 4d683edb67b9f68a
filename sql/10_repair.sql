-- Repairs: re-record checksums after an intentional edit; settle a
-- migration that failed half-way outside a transaction block.
\set QUIET on
-- lint findings (sql/11_lint.sql tests them) are noise here
SET migrator.lint = off;
CALL regress.forget();
CALL regress.reset('rp');
CALL regress.write('rp', 'V1__a.sql', 'CREATE TABLE rp_a (id int);');
CALL regress.write('rp', 'V2__b.sql', 'CREATE TABLE rp_b (id int);');
SELECT version, action FROM migrator.apply(regress.dir('rp'));
-- a comment fixed in an applied file: verify fails, repair re-records it
CALL regress.write('rp', 'V1__a.sql', E'-- the authors\nCREATE TABLE rp_a (id int);');
SELECT migrator.verify(regress.dir('rp'));
SELECT version, action FROM migrator.repair(regress.dir('rp'));
SELECT migrator.verify(regress.dir('rp'));
SELECT version, outcome, message FROM migrator.events WHERE action = 'repair' AND version IS NOT NULL;

-- a no-transaction migration that failed half-way, finished by hand
CALL regress.write('rp', 'V3__c.sql', E'-- migrator:no-transaction\nALTER TABLE rp_a ADD COLUMN v int DEFAULT 7;\nCREATE UNIQUE INDEX CONCURRENTLY rp_a_v ON rp_a (v);');
INSERT INTO rp_a VALUES (1), (2);
CALL migrator.migrate(regress.dir('rp'));
SELECT version, state FROM migrator.status(regress.dir('rp')) WHERE version = '3';
DROP INDEX rp_a_v;
UPDATE rp_a SET v = id;
CREATE UNIQUE INDEX CONCURRENTLY rp_a_v ON rp_a (v);
SELECT migrator.resolve(regress.dir('rp'), '3', 'applied');
SELECT version, state FROM migrator.status(regress.dir('rp')) WHERE version = '3';
SELECT version, origin FROM migrator.journal WHERE version = '3';
SELECT migrator.resolve(regress.dir('rp'), '3', 'applied');
SELECT migrator.resolve(regress.dir('rp'), '3', 'maybe');
SELECT action, version, message FROM migrator.events WHERE action = 'resolve';
DROP TABLE rp_a, rp_b;
CALL regress.forget();
