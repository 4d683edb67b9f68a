-- diff_security_labels.sql: security labels in the snapshot and the diff.
-- No label provider is loaded in the test cluster (sepgsql needs SELinux,
-- dummy_seclabel is a test module PostgreSQL does not install), so SECURITY
-- LABEL cannot run here: the labels are written into pg_seclabel directly,
-- as a provider would keep them, and what is checked is that the snapshot
-- reads them and the diff emits the statements that set, change and take
-- them away (not that they run).
\set QUIET 1
SET client_min_messages = warning;

SELECT plan(9);

CREATE SCHEMA s1;
CREATE SCHEMA s2;
CREATE TABLE s1.t (c integer);
CREATE TABLE s2.t (c integer);
CREATE FUNCTION s1.f(integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION s2.f(integer) RETURNS integer LANGUAGE sql AS 'SELECT 1';
CREATE TABLE s1.gone (c integer);
INSERT INTO pg_seclabel VALUES
	('s1.t'::regclass, 'pg_class'::regclass, 0, 'dummy', 'classified'),
	('s1.t'::regclass, 'pg_class'::regclass, 1, 'dummy', 'secret'),
	('s1.f(integer)'::regprocedure, 'pg_proc'::regclass, 0, 'dummy', 'trusted'),
	('s1.gone'::regclass, 'pg_class'::regclass, 0, 'dummy', 'classified'),
	('s2.f(integer)'::regprocedure, 'pg_proc'::regclass, 0, 'dummy', 'untrusted');

SELECT is(migrator.snapshot('{s1}')->'s1'->'security_labels'->'dummy ON TABLE t',
	'{"target": "TABLE t", "provider": "dummy", "label": "classified", "object": "relation t"}'::jsonb,
	'a label on a table is read, named without the schema');
SELECT is(migrator.snapshot('{s1}')->'s1'->'security_labels'->'dummy ON COLUMN t.c'->>'label', 'secret',
	'a label on a column');
SELECT is(migrator.snapshot('{s1}')->'s1'->'security_labels'->'dummy ON FUNCTION f(integer)'->>'object',
	'function f(integer)', 'a label on a function, with the function it is on');
SELECT is((SELECT array_agg(k) FROM jsonb_object_keys(migrator.snapshot('{s2}')->'s2'->'security_labels') k),
	ARRAY['dummy ON FUNCTION f(integer)'], 'each schema has the labels of its own objects');
SELECT ok(NOT (migrator.snapshot('{public}')->'public' ? 'security_labels'),
	'a schema without labels has no security_labels');

SELECT set_eq($$SELECT statement FROM migrator.diff('s2', 's1') WHERE statement LIKE 'SECURITY LABEL%'$$,
	ARRAY['SECURITY LABEL FOR dummy ON TABLE t IS ''classified''',
		'SECURITY LABEL FOR dummy ON COLUMN t.c IS ''secret''',
		'SECURITY LABEL FOR dummy ON FUNCTION f(integer) IS ''trusted''',
		'SECURITY LABEL FOR dummy ON TABLE gone IS ''classified'''],
	'labels set and changed');
SELECT set_eq($$SELECT statement FROM migrator.diff('s1', 's2') WHERE statement LIKE 'SECURITY LABEL%'$$,
	ARRAY['SECURITY LABEL FOR dummy ON TABLE t IS NULL',
		'SECURITY LABEL FOR dummy ON COLUMN t.c IS NULL',
		'SECURITY LABEL FOR dummy ON FUNCTION f(integer) IS ''untrusted'''],
	'labels taken away and changed, none on a table that goes');
SELECT ok((SELECT seq FROM migrator.diff('s2', 's1') WHERE statement LIKE 'SECURITY LABEL FOR dummy ON TABLE gone%')
	> (SELECT seq FROM migrator.diff('s2', 's1') WHERE statement LIKE 'CREATE TABLE s2.gone%'),
	'a label comes after its object is created');
SELECT is((SELECT count(*) FROM migrator.diff('s1', 's1')), 0::bigint, 'the same labels: no statement');

DELETE FROM pg_seclabel WHERE provider = 'dummy';
SELECT * FROM finish();
