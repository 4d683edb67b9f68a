-- Schema knowledge: snapshot() and diff() round trips.  Running diff(a, b)
-- against a makes a's snapshot equal b's.
\set QUIET on
-- lint findings (sql/11_lint.sql tests them) are noise here
SET migrator.lint = off;
CREATE SCHEMA shop_b;
SET search_path = shop_b;
CREATE TYPE status AS ENUM ('new', 'paid', 'shipped', 'returned');
CREATE SEQUENCE invoice_no START 1000 INCREMENT 10;
CREATE FUNCTION price_ok(numeric) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT $1 >= 0 $$;
CREATE TABLE customers (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email text NOT NULL UNIQUE,
	name varchar(200),
	created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE customers IS 'who buys';
COMMENT ON COLUMN customers.email IS 'unique login';
CREATE TABLE orders (
	id serial PRIMARY KEY,
	customer_id bigint NOT NULL REFERENCES customers,
	status status NOT NULL DEFAULT 'new',
	total numeric(12,2) NOT NULL CHECK (price_ok(total)),
	note text,
	-- last: ALTER TABLE adds columns at the end, and the order of columns shows
	total_cents bigint GENERATED ALWAYS AS ((total * 100)::bigint) STORED
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX orders_open_idx ON orders (id) WHERE status <> 'shipped';
CREATE INDEX orders_lower_note ON orders (lower(note));
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
CREATE VIEW open_orders AS SELECT id, customer_id, total FROM orders WHERE status <> 'shipped';
CREATE MATERIALIZED VIEW totals AS SELECT customer_id, sum(total) AS total FROM orders GROUP BY customer_id;

-- the older version: fewer values, another column type, a column and a table
-- that go, no index, another check, no comments
CREATE SCHEMA shop_a;
SET search_path = shop_a;
CREATE TYPE status AS ENUM ('new', 'shipped');
CREATE FUNCTION price_ok(numeric) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT $1 > 0 $$;
CREATE TABLE customers (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email text,
	name varchar(100),
	legacy_code text,
	created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE orders (
	id serial PRIMARY KEY,
	customer_id integer NOT NULL,
	status status NOT NULL DEFAULT 'new',
	total numeric(12,2) NOT NULL CHECK (total > 0),
	note text
);
CREATE TABLE audit (id int, what text);
CREATE VIEW open_orders AS SELECT id, customer_id FROM orders WHERE status <> 'shipped';
INSERT INTO customers (email, name) VALUES ('a@x', 'Ann');
INSERT INTO orders (customer_id, total) VALUES (1, 10.5);
RESET search_path;

-- snapshots are canonical: the same objects give the same snapshot
SELECT migrator.snapshot('{shop_a}') = migrator.snapshot('{shop_a}') AS stable,
       jsonb_object_keys(migrator.snapshot('{shop_b}')->'shop_b') AS kinds ORDER BY 2;
SELECT jsonb_pretty(migrator.snapshot('{shop_b}')->'shop_b'->'tables'->'orders'->'columns'->'total_cents');
-- what depends on what (pg_depend), named as the diff orders statements: the table its column
-- types, default sequence (not the sequence on the column that owns it); the check its function;
-- the foreign key both tables and the key it points at; the views what they read; each, the
-- columns it uses
SELECT key, value FROM jsonb_each(migrator.snapshot('{shop_b}')->'shop_b'->'depends') ORDER BY key;

-- the migration from a to b, with hazards
SELECT seq, statement, hazard FROM migrator.diff('shop_a', 'shop_b') ORDER BY seq;
-- run it (psql runs each at top level: CONCURRENTLY works), then compare
SELECT statement FROM migrator.diff('shop_a', 'shop_b') ORDER BY seq \gexec
RESET search_path;
RESET check_function_bodies;
SELECT (migrator.snapshot('{shop_a}')->'shop_a') = (migrator.snapshot('{shop_b}')->'shop_b') AS a_is_now_b;
SELECT count(*) AS identity_diff FROM migrator.diff('shop_a', 'shop_b');
SELECT email, name FROM shop_a.customers;

-- empty -> full, and full -> empty
CREATE SCHEMA shop_e;
SELECT statement FROM migrator.diff('shop_e', 'shop_b') ORDER BY seq \gexec
RESET search_path;
RESET check_function_bodies;
SELECT (migrator.snapshot('{shop_e}')->'shop_e') = (migrator.snapshot('{shop_b}')->'shop_b') AS empty_is_now_b;
CREATE SCHEMA shop_z;
SELECT statement FROM migrator.diff('shop_e', 'shop_z') ORDER BY seq \gexec
RESET search_path;
RESET check_function_bodies;
SELECT migrator.snapshot('{shop_e}')->'shop_e' AS emptied;

-- between two snapshots
SELECT count(*) > 0 AS has_statements FROM migrator.diff(migrator.snapshot('{shop_z}'), jsonb_build_object('shop_z', migrator.snapshot('{shop_b}')->'shop_b'));

-- snapshots that are not migrator's are refused, not trusted: members that are
-- missing, of another type, or where an object should be
SELECT * FROM migrator.diff('{}'::jsonb, '{"s": {"tables": {"t": {"columns": {"c": {}}}}}}'::jsonb);
SELECT * FROM migrator.diff('{}'::jsonb, '{"s": {"functions": {"f": {"kind": "f", "definition": "f()"}}}}'::jsonb);
SELECT * FROM migrator.diff('{"s": {"enums": {"e": ["a"]}}}'::jsonb, '{"s": {"enums": {"e": {"labels": [1]}}}}'::jsonb);
SELECT count(*) AS harmless FROM migrator.diff('{}'::jsonb, '{"s": {"tables": {"t": {"columns": [1, 2], "constraints": "x"}}}}'::jsonb);

DROP SCHEMA shop_a, shop_b, shop_e, shop_z CASCADE;

-- extensions in a schema: created in it, dropped with it
CREATE SCHEMA ext_a;
CREATE SCHEMA ext_b;
CREATE EXTENSION citext SCHEMA ext_b;
CREATE TABLE ext_b.users (login ext_b.citext);
SELECT seq, statement, hazard FROM migrator.diff('ext_a', 'ext_b') ORDER BY seq;
SELECT statement FROM migrator.diff('ext_b', 'ext_a') ORDER BY seq \gexec
RESET search_path;
RESET check_function_bodies;
SELECT count(*) AS ext_b_is_now_ext_a FROM migrator.diff('ext_b', 'ext_a');
SELECT count(*) AS citext_left FROM pg_extension WHERE extname = 'citext';
DROP SCHEMA ext_a, ext_b CASCADE;

-- drift: what changed outside migrations since the last run that applied something
CALL regress.forget();
CALL regress.reset('drift');
CALL regress.write('drift', '1_t.sql', 'CREATE TABLE public.drift_t (id int PRIMARY KEY, v text);');
SELECT version, action FROM migrator.apply(regress.dir('drift'));
SELECT action, snapshot ? 'public' AS has_public FROM migrator.snapshots ORDER BY id DESC LIMIT 1;
SELECT count(*) AS no_drift FROM migrator.diff();
ALTER TABLE public.drift_t ADD COLUMN sneaky int;
CREATE INDEX drift_t_v ON public.drift_t (v);
SELECT seq, statement, hazard FROM migrator.diff() WHERE statement NOT LIKE 'SET %' ORDER BY seq;
DROP TABLE public.drift_t;
CALL regress.forget();

-- generate: the migration from the live schema to a desired-state file
CREATE SCHEMA gen;
CREATE TABLE gen.items (id int PRIMARY KEY, name text);
SELECT seq, statement, hazard FROM migrator.generate($$
  CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2) DEFAULT 0);
  CREATE INDEX items_name ON items (name);
  CREATE TABLE tags (id int PRIMARY KEY, item_id int REFERENCES items);
$$, 'gen') WHERE statement NOT LIKE 'SET %' ORDER BY seq;
SELECT nspname FROM pg_namespace WHERE nspname LIKE 'migrator_generate%';
SELECT * FROM migrator.generate('CREATE TABLE items (id int PRIMARY KEY, oops', 'gen');
DROP SCHEMA gen CASCADE;

-- index definitions are pg_get_indexdef()'s (the schema cut out), also where
-- an index of a shape already deparsed (other names, the rest the same) is
-- not deparsed again, and also across the two snapshots of a diff
CREATE SCHEMA shapes_a;
SET search_path = shapes_a;
CREATE FUNCTION make_shapes() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['t1', 't2', 'T 3', 'x ON y', 'ON'] LOOP
		EXECUTE format('CREATE TABLE %I (id int PRIMARY KEY, a text, b int, "c d" text, v tsvector)', t);
		EXECUTE format('CREATE INDEX %I ON %I (b)', t || '_b', t);
		EXECUTE format('CREATE UNIQUE INDEX %I ON %I (a, b) INCLUDE ("c d")', t || '_ab', t);
		EXECUTE format('CREATE INDEX %I ON %I (a COLLATE "C" DESC NULLS LAST, b NULLS FIRST)', t || '_coll', t);
		EXECUTE format('CREATE INDEX %I ON %I (a text_pattern_ops) WITH (fillfactor = 70)', t || '_ops', t);
		EXECUTE format('CREATE INDEX %I ON %I USING gist (v tsvector_ops (siglen = 16))', t || '_v', t);
		EXECUTE format('CREATE INDEX %I ON %I USING hash (a)', t || '_h', t);
		EXECUTE format('CREATE UNIQUE INDEX %I ON %I (b) NULLS NOT DISTINCT', t || ' ON b', t);
		EXECUTE format('CREATE INDEX %I ON %I (lower(a))', t || '_lower', t);
	END LOOP;
	CREATE TABLE p (b int, a text) PARTITION BY RANGE (b);
	CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
	CREATE INDEX p_b ON p (b);
	CREATE INDEX p_a ON p (a);
	CREATE TABLE q (b int, a text) PARTITION BY RANGE (b);
	CREATE INDEX q_b ON q (b);
END
$$;
SELECT make_shapes();
DROP FUNCTION make_shapes();
CREATE SCHEMA shapes_b;
SET search_path = shapes_b;
CREATE FUNCTION make_shapes() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	CREATE TABLE t1 (id int PRIMARY KEY, a text, b int, "c d" text, v tsvector);
	CREATE INDEX t1_b ON t1 (b);
	CREATE UNIQUE INDEX t1_ab ON t1 (a, b) INCLUDE ("c d");
	CREATE INDEX t1_coll ON t1 (a COLLATE "C" DESC NULLS LAST, b NULLS FIRST);
	-- the same as in shapes_a but for an option of the index, and of its opclass
	CREATE INDEX t1_ops ON t1 (a text_pattern_ops) WITH (fillfactor = 80);
	CREATE INDEX t1_v ON t1 USING gist (v tsvector_ops (siglen = 32));
	CREATE INDEX t1_h ON t1 USING hash (a);
	CREATE UNIQUE INDEX "t1 ON b" ON t1 (b);
	CREATE INDEX t1_lower ON t1 (lower(a));
END
$$;
SELECT make_shapes();
DROP FUNCTION make_shapes();
RESET search_path;
SELECT n.nspname, count(*) AS indexes,
	count(*) FILTER (WHERE ix.value->>'definition' IS DISTINCT FROM
		replace(replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ' || n.nspname || '.', ' ON '),
			' ON ' || n.nspname || '.', ' ON ')) AS not_as_deparsed
FROM pg_namespace n
CROSS JOIN LATERAL jsonb_each(migrator.snapshot(ARRAY[n.nspname::text])->n.nspname->'tables') t
CROSS JOIN LATERAL jsonb_each(t.value->'indexes') ix
JOIN pg_class ic ON ic.relnamespace = n.oid AND ic.relname = ix.key
JOIN pg_index i ON i.indexrelid = ic.oid
WHERE n.nspname IN ('shapes_a', 'shapes_b')
GROUP BY 1 ORDER BY 1;
SELECT t.key AS "table", ix.key AS index, ix.value->>'definition' AS definition
FROM jsonb_each(migrator.snapshot('{shapes_a}')->'shapes_a'->'tables') t
CROSS JOIN LATERAL jsonb_each(t.value->'indexes') ix
WHERE t.key IN ('t1', 'x ON y', 'p', 'q') ORDER BY 1, 2;
SELECT seq, statement, hazard FROM migrator.diff('shapes_b', 'shapes_a')
WHERE statement ~ 'INDEX' AND statement ~ 't1' ORDER BY seq;
SET client_min_messages = warning;
DROP SCHEMA shapes_a, shapes_b CASCADE;
RESET client_min_messages;
