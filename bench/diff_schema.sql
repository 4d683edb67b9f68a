-- bench/diff_schema.sql -- the generated schema of bench/diff.sh: bench_schema(name, changed)
-- makes schema `name` with 1,000 tables (10 columns each: 10,000 columns; a primary key and two
-- indexes each: 3,000 indexes; a CHECK each), 500 functions and 200 views.  With changed = true,
-- 5% of the objects differ: 50 of the tables (25 gain a column, 25 change a column's type),
-- 150 of the indexes (50 dropped, 50 new, 50 redefined), 25 functions, 10 views.
CREATE OR REPLACE PROCEDURE bench_schema(name text, changed boolean)
LANGUAGE plpgsql AS $$
DECLARE
	s text := quote_ident(name);
BEGIN
	EXECUTE format('DROP SCHEMA IF EXISTS %s CASCADE', s);
	EXECUTE format('CREATE SCHEMA %s', s);
	FOR i IN 1..1000 LOOP
		EXECUTE format('CREATE TABLE %s.t%s (id bigint PRIMARY KEY, c1 integer, c2 text, c3 numeric(%s,2) CHECK (c3 >= 0),'
			' c4 timestamptz DEFAULT now(), c5 boolean NOT NULL DEFAULT false, c6 text, c7 integer, c8 date, c9 jsonb%s)',
			s, i, CASE WHEN changed AND i % 40 = 20 THEN 12 ELSE 10 END,
			CASE WHEN changed AND i % 40 = 0 THEN ', c10 text' ELSE '' END);
		IF NOT (changed AND i % 20 = 1) THEN
			EXECUTE format('CREATE INDEX t%s_c1 ON %s.t%s (c1)', i, s, i);
		END IF;
		EXECUTE format('CREATE INDEX t%s_c2_c7 ON %s.t%s (c2, c7)%s', i, s, i,
			CASE WHEN changed AND i % 20 = 2 THEN ' WHERE c5' ELSE '' END);
		IF changed AND i % 20 = 1 THEN
			EXECUTE format('CREATE INDEX t%s_c6 ON %s.t%s (c6)', i, s, i);
		END IF;
	END LOOP;
	FOR i IN 1..500 LOOP
		EXECUTE format('CREATE FUNCTION %s.f%s(a integer, b text) RETURNS integer LANGUAGE sql IMMUTABLE'
			' AS %L', s, i, format('SELECT a + %s + length(b)', CASE WHEN changed AND i % 20 = 3 THEN i + 1 ELSE i END));
	END LOOP;
	FOR i IN 1..200 LOOP
		EXECUTE format('CREATE VIEW %s.v%s AS SELECT id, c1, c2, c3 FROM %s.t%s WHERE %s', s, i, s, i,
			CASE WHEN changed AND i % 20 = 4 THEN 'NOT c5' ELSE 'c5' END);
	END LOOP;
END
$$;
