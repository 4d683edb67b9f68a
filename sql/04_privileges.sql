-- Reading server files is a privilege; the journal is written only by
-- migrator, as its owner, recording who ran it.
\set QUIET on
CALL regress.forget();
CALL regress.reset('priv');
CALL regress.write('priv', 'V1__t.sql', 'CREATE TABLE priv_t (id int);');

CREATE ROLE regress_migrator_plain;
CREATE ROLE regress_migrator_reader IN ROLE pg_read_server_files;
GRANT CREATE ON SCHEMA public TO regress_migrator_reader;

-- an ordinary role: no file access through any function
SET ROLE regress_migrator_plain;
SELECT * FROM migrator.apply(regress.dir('priv'));
CALL migrator.migrate(regress.dir('priv'));
SELECT * FROM migrator.status(regress.dir('priv'));
SELECT migrator.verify(regress.dir('priv'));
-- it may read the journal, never write it
SELECT count(*) FROM migrator.journal;
INSERT INTO migrator.journal (version, name, path, checksum, duration, statements)
VALUES ('9', 'forged', 'V9__forged.sql', repeat('0', 64), '0', 0);
DELETE FROM migrator.events;
RESET ROLE;

-- a member of pg_read_server_files may run migrations; the journal row
-- is written by migrator and names that role
SET ROLE regress_migrator_reader;
SELECT version, action FROM migrator.apply(regress.dir('priv'));
INSERT INTO migrator.journal (version, name, path, checksum, duration, statements)
VALUES ('9', 'forged', 'V9__forged.sql', repeat('0', 64), '0', 0);
RESET ROLE;
SELECT version, applied_by FROM migrator.journal;
-- the migration ran as the caller, so the caller owns what it created
SELECT tableowner FROM pg_tables WHERE tablename = 'priv_t';

-- the SQL functions are not SECURITY DEFINER: migrations run as the caller
SELECT count(*) AS functions, count(*) FILTER (WHERE prosecdef) AS security_definer
FROM pg_proc WHERE pronamespace = 'migrator'::regnamespace;

DROP TABLE priv_t;
CALL regress.forget();
DELETE FROM migrator.events;
REVOKE CREATE ON SCHEMA public FROM regress_migrator_reader;
DROP ROLE regress_migrator_plain;
DROP ROLE regress_migrator_reader;
