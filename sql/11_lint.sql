-- Safety lint: every rule with a case that fires and a near miss that does
-- not; suppression; the runner's lint in warn and error mode; a syntax
-- error's line; a 10,000-statement text.
\set QUIET on
SET migrator.lint = warn;
CALL regress.forget();

-- the live tables the cases alter (the texts create others of their own)
CREATE TABLE lint_users (id bigint PRIMARY KEY, name varchar(10), price numeric(10,2),
	email text, nick text, team_id bigint, born timestamp);
ALTER TABLE lint_users ADD CONSTRAINT lint_users_nick_nn CHECK (nick IS NOT NULL);
CREATE INDEX lint_users_email ON lint_users (email);
CREATE UNIQUE INDEX lint_users_email_key ON lint_users (email);
CREATE TYPE lint_mood AS ENUM ('sad');
CREATE TABLE lint_parted (id bigint, at date) PARTITION BY RANGE (at);

-- a text's findings, one "line:col rule" each
CREATE FUNCTION pg_temp.l(sql text) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(format('%s:%s %s', line, col, rule), ', ' ORDER BY line, col, rule), '-')
	FROM migrator.lint(sql)
$$;

-- one row per case: what fires, and the near miss that must not
SELECT c AS "case", pg_temp.l(sql) AS findings FROM (VALUES
('adding-volatile-default',        $$ALTER TABLE lint_users ADD COLUMN token uuid DEFAULT gen_random_uuid()$$),
('  clock_timestamp()',            $$ALTER TABLE lint_users ADD COLUMN seen timestamptz DEFAULT clock_timestamp()$$),
('  identity',                     $$ALTER TABLE lint_users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY$$),
('  unknown function',             $$ALTER TABLE lint_users ADD COLUMN n uuid DEFAULT no_such_uuid()$$),
('  near miss: now() is stable',   $$ALTER TABLE lint_users ADD COLUMN seen timestamptz DEFAULT now()$$),
('  near miss: constant',          $$ALTER TABLE lint_users ADD COLUMN score int DEFAULT 0$$),
('  near miss: new table',         $$CREATE TABLE t (id bigint);
ALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid()$$),
('adding-not-null-field',          $$ALTER TABLE lint_users ADD COLUMN age int NOT NULL$$),
('  near miss: with a default',    $$ALTER TABLE lint_users ADD COLUMN age int NOT NULL DEFAULT 0$$),
('constraint-missing-not-valid',   $$ALTER TABLE lint_users ADD CONSTRAINT fk FOREIGN KEY (team_id) REFERENCES lint_users (id)$$),
('  check',                        $$ALTER TABLE lint_users ADD CONSTRAINT ck CHECK (price > 0)$$),
('  column references',            $$ALTER TABLE lint_users ADD COLUMN boss bigint REFERENCES lint_users$$),
('  near miss: NOT VALID',         $$ALTER TABLE lint_users ADD CONSTRAINT fk FOREIGN KEY (team_id) REFERENCES lint_users (id) NOT VALID$$),
('  near miss: VALIDATE',          $$ALTER TABLE lint_users VALIDATE CONSTRAINT fk$$),
('setting-not-null',               $$ALTER TABLE lint_users ALTER COLUMN email SET NOT NULL$$),
('  near miss: validated CHECK',   $$ALTER TABLE lint_users ALTER COLUMN nick SET NOT NULL$$),
('changing-column-type',           $$ALTER TABLE lint_users ALTER COLUMN id TYPE integer$$),
('  varchar shrinks',              $$ALTER TABLE lint_users ALTER COLUMN name TYPE varchar(5)$$),
('  numeric scale',                $$ALTER TABLE lint_users ALTER COLUMN price TYPE numeric(12,3)$$),
('  USING',                        $$ALTER TABLE lint_users ALTER COLUMN email TYPE text USING lower(email)$$),
('  text to varchar(n)',           $$ALTER TABLE lint_users ALTER COLUMN email TYPE varchar(100)$$),
('  near miss: varchar grows',     $$ALTER TABLE lint_users ALTER COLUMN name TYPE varchar(20)$$),
('  near miss: varchar to text',   $$ALTER TABLE lint_users ALTER COLUMN name TYPE text$$),
('  near miss: numeric precision', $$ALTER TABLE lint_users ALTER COLUMN price TYPE numeric(12,2)$$),
('  near miss: new table',         $$CREATE TABLE t (id bigint, n text);
ALTER TABLE t ALTER COLUMN n TYPE integer USING n::integer$$),
('require-concurrent-index-creation', $$CREATE INDEX lint_users_name ON lint_users (name)$$),
('  near miss: CONCURRENTLY',      $$CREATE INDEX CONCURRENTLY lint_users_name ON lint_users (name)$$),
('  near miss: new table',         $$CREATE TABLE t (id bigint);
CREATE INDEX t_id ON t (id)$$),
('require-concurrent-index-deletion', $$DROP INDEX lint_users_email$$),
('  near miss: CONCURRENTLY',      $$DROP INDEX CONCURRENTLY lint_users_email$$),
('  near miss: new index',         $$CREATE TABLE t (id bigint);
CREATE INDEX t_id ON t (id);
DROP INDEX t_id$$),
('require-concurrent-reindex',     $$REINDEX INDEX lint_users_email$$),
('  near miss: CONCURRENTLY',      $$REINDEX INDEX CONCURRENTLY lint_users_email$$),
('concurrently-in-transaction',    $$BEGIN;
CREATE INDEX CONCURRENTLY lint_users_name ON lint_users (name);
COMMIT;$$),
('  near miss: no BEGIN',          $$CREATE INDEX CONCURRENTLY lint_users_name ON lint_users (name);
DROP INDEX CONCURRENTLY lint_users_email;$$),
('disallowed-unique-constraint',   $$ALTER TABLE lint_users ADD CONSTRAINT lint_users_email_u UNIQUE (email)$$),
('  primary key column',           $$ALTER TABLE lint_parted ADD COLUMN key bigint PRIMARY KEY DEFAULT 0$$),
('  near miss: USING INDEX',       $$ALTER TABLE lint_users ADD CONSTRAINT lint_users_email_u UNIQUE USING INDEX lint_users_email_key$$),
('renaming-column',                $$ALTER TABLE lint_users RENAME COLUMN nick TO nickname$$),
('  near miss: new table',         $$CREATE TABLE t (id bigint, n text);
ALTER TABLE t RENAME COLUMN n TO m$$),
('renaming-table',                 $$ALTER TABLE lint_users RENAME TO lint_people$$),
('  near miss: new table',         $$CREATE TABLE t (id bigint);
ALTER TABLE t RENAME TO u;
ALTER TABLE u ADD COLUMN n int NOT NULL$$),
('dropping-column',                $$ALTER TABLE lint_users DROP COLUMN nick$$),
('  near miss: new table',         $$CREATE TABLE t (id bigint, n text);
ALTER TABLE t DROP COLUMN n$$),
('dropping-table',                 $$DROP TABLE IF EXISTS lint_users$$),
('  near miss: new table',         $$CREATE TABLE t (id bigint);
DROP TABLE t$$),
('  near miss: IF EXISTS, none',   $$DROP TABLE IF EXISTS lint_no_such_table;
DROP INDEX IF EXISTS lint_no_such_index$$),
('dropping-database',              $$DROP DATABASE lint_db$$),
('  near miss: ALTER DATABASE',    $$ALTER DATABASE lint_db SET work_mem = '8MB'$$),
('dropping-not-null',              $$ALTER TABLE lint_users ALTER COLUMN id DROP NOT NULL$$),
('  near miss: new table',         $$CREATE TABLE t (id bigint NOT NULL);
ALTER TABLE t ALTER COLUMN id DROP NOT NULL$$),
('truncate-cascade',               $$TRUNCATE lint_users CASCADE$$),
('  near miss: no CASCADE',        $$TRUNCATE lint_users$$),
('prefer-bigint-key',              $$CREATE TABLE t (id int PRIMARY KEY)$$),
('  table PRIMARY KEY, identity',  $$CREATE TABLE t (a smallint, b integer GENERATED ALWAYS AS IDENTITY, PRIMARY KEY (a))$$),
('  near miss: bigint, non-key',   $$CREATE TABLE t (id bigint PRIMARY KEY, n int)$$),
('prefer-identity',                $$CREATE TABLE t (id bigserial PRIMARY KEY)$$),
('  near miss: identity',          $$CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY)$$),
('prefer-jsonb',                   $$CREATE TABLE t (id bigint, doc json)$$),
('  near miss: jsonb',             $$CREATE TABLE t (id bigint, doc jsonb)$$),
('prefer-timestamptz',             $$ALTER TABLE lint_users ADD COLUMN at timestamp(3) without time zone$$),
('  near miss: timestamptz',       $$ALTER TABLE lint_users ADD COLUMN at timestamp with time zone$$),
('prefer-text-field',              $$CREATE TABLE t (id bigint, n character varying(40))$$),
('  near miss: text, varchar',     $$CREATE TABLE t (id bigint, n text, m varchar)$$),
('ban-char-field',                 $$CREATE TABLE t (id bigint, code char(2))$$),
('  near miss: "char"',            $$CREATE TABLE t (id bigint, code "char")$$),
('missing-lock-timeout',           $$SET lock_timeout = 0;
ALTER TABLE lint_users ADD COLUMN x int$$),
('  no-transaction migration',     $$-- migrator:no-transaction
ALTER TABLE lint_users ADD COLUMN x int;
CREATE INDEX CONCURRENTLY lint_users_x ON lint_users (x);$$),
('  near miss: lock_timeout set',  $$SET lock_timeout = '2s';
ALTER TABLE lint_users ADD COLUMN x int$$),
('  near miss: statement_timeout', $$-- migrator:lock_timeout=0
-- migrator:statement_timeout=1min
ALTER TABLE lint_users ADD COLUMN x int$$),
('  near miss: only CONCURRENTLY', $$-- migrator:no-transaction
CREATE INDEX CONCURRENTLY lint_users_x ON lint_users (x);$$),
('enum-value-used-in-transaction', $$ALTER TYPE lint_mood ADD VALUE 'happy';
UPDATE lint_users SET nick = 'x' WHERE 'happy'::lint_mood > 'sad';$$),
('  near miss: other values',      $$ALTER TYPE lint_mood ADD VALUE 'happy';
SELECT 'sad'::lint_mood;$$),
('  near miss: label of another enum', $$ALTER TYPE lint_mood ADD VALUE 'happy';
ALTER TYPE lint_mood ADD VALUE 'glad' AFTER 'happy';
CREATE TYPE lint_feel AS ENUM ('happy');$$),
('identifier-too-long',            $$CREATE TABLE t (id bigint, "a_quoted_name_of_sixty_four_bytes_is_one_byte_more_than_allowed_" int)$$),
('  near miss: 63 bytes',          $$CREATE TABLE t (id bigint, an_unquoted_name_of_sixty_three_bytes_is_just_what_fits_there_ int)$$),
('transaction-left-open',          $$BEGIN;
SELECT 1;$$),
('  near miss: committed',         $$BEGIN;
SELECT 1;
COMMIT;$$),
('statement-after-access-exclusive', $$ALTER TABLE lint_users ADD COLUMN a int;
UPDATE lint_users SET a = 1;$$),
('  near miss: lock taken last',   $$UPDATE lint_users SET nick = 'x';
ALTER TABLE lint_users ADD COLUMN a int;$$),
('unknown-rule',                   $$-- migrator:allow dropping-colum
SELECT 1$$)
) AS cases(c, sql);

-- a finding in full: severity, message and hint
SELECT line, col, rule, severity, message, hint
FROM migrator.lint($$ALTER TABLE lint_users ALTER COLUMN name TYPE integer USING 0;$$);
SELECT rule, severity, hint FROM migrator.lint($$CREATE INDEX ON lint_parted (id)$$);

------------------------------------------------------------------------------
-- suppression
------------------------------------------------------------------------------
-- the comment lines right above a statement: only that statement
SELECT pg_temp.l($$ALTER TABLE lint_users DROP COLUMN nick;
-- the old version never reads it
-- migrator:allow dropping-column, renaming-column
ALTER TABLE lint_users DROP COLUMN email;

-- migrator:allow dropping-column
-- (a blank line in between)

ALTER TABLE lint_users DROP COLUMN born;$$) AS line_before;
-- the comment lines that open a text: the whole text; "all" allows any rule
SELECT pg_temp.l($$-- users are gone
-- migrator:allow dropping-table, statement-after-access-exclusive
DROP TABLE lint_users;
ALTER TABLE lint_users DROP COLUMN nick;$$) AS file_level,
	pg_temp.l($$-- migrator:allow all
DROP TABLE lint_users;
TRUNCATE lint_users CASCADE;$$) AS allow_all;

------------------------------------------------------------------------------
-- a syntax error names its line; an empty text has no findings
------------------------------------------------------------------------------
SELECT * FROM migrator.lint(E'SELECT 1;\n-- two\nSELEC 3;');
SELECT pg_temp.l('') AS empty, pg_temp.l('-- only a comment') AS comment;

------------------------------------------------------------------------------
-- 10,000 statements
------------------------------------------------------------------------------
SELECT count(*) AS findings, count(DISTINCT rule) AS rules, max(line) AS last_line
FROM migrator.lint((SELECT string_agg(format('CREATE TABLE big_%s (id bigint PRIMARY KEY, doc json);
CREATE INDEX big_%s_doc ON big_%s (id);', g, g, g), E'\n') FROM generate_series(1, 5000) g));

------------------------------------------------------------------------------
-- lint_dir and the runner
------------------------------------------------------------------------------
CALL regress.reset('lint');
CALL regress.write('lint', 'V1__teams.sql', 'CREATE TABLE lint_teams (id bigint PRIMARY KEY, name text);
CREATE INDEX lint_teams_name ON lint_teams (name);');
CALL regress.write('lint', 'V2__users.sql', '-- users get a team
ALTER TABLE lint_teams ADD COLUMN size int NOT NULL;
ALTER TABLE lint_users RENAME COLUMN nick TO handle;
');
-- V1 creates lint_teams, so V2 may lock and rewrite it; lint_users exists
SELECT path, line, col, rule, severity FROM migrator.lint_dir(regress.dir('lint'));

-- error mode: refused before anything runs
SET migrator.lint = error;
SELECT * FROM migrator.apply(regress.dir('lint'));
SELECT to_regclass('lint_teams') AS not_created, (SELECT count(*) FROM migrator.journal) AS journal_rows;

-- warn mode: a WARNING per finding, with the file and line; the migrations run
SET migrator.lint = warn;
SELECT version, action FROM migrator.apply(regress.dir('lint'), dry_run => true);

-- error mode passes once the finding is allowed; a warning still shows
CALL regress.write('lint', 'V2__users.sql', '-- users get a team
-- migrator:allow renaming-column
ALTER TABLE lint_users RENAME COLUMN nick TO handle;
CREATE TABLE lint_notes (id bigint PRIMARY KEY, body json);
');
SET migrator.lint = error;
SELECT version, action FROM migrator.apply(regress.dir('lint'));
SELECT to_regclass('lint_teams') AS created, (SELECT count(*) FROM migrator.journal) AS journal_rows;

-- applied files are no longer linted; off lints nothing
SELECT count(*) AS pending_findings FROM migrator.lint_dir(regress.dir('lint'));
CALL regress.write('lint', 'V3__drop.sql', 'DROP TABLE lint_notes; DROP TABLE lint_users;');
SET migrator.lint = off;
SELECT version, action FROM migrator.apply(regress.dir('lint'), dry_run => true);
SELECT path, line, rule FROM migrator.lint_dir(regress.dir('lint'));

RESET migrator.lint;
DROP TABLE lint_teams, lint_notes, lint_users, lint_parted;
DROP TYPE lint_mood;
CALL regress.forget();
