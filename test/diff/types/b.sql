-- domains (default, NOT NULL, collation, checks), composite types, range types, used by columns
-- (a composite type a column uses cannot be altered: pair is used by none)
CREATE DOMAIN email AS text DEFAULT 'nobody@example.com' CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%') CHECK (length(VALUE) < 200);
CREATE DOMAIN code AS varchar(10) COLLATE "C";
CREATE DOMAIN positive AS numeric(10, 2) NOT NULL CHECK (VALUE > 0);
CREATE TYPE pair AS (a bigint, b text COLLATE "C", d int);
CREATE TYPE span AS RANGE (subtype = timestamptz);
CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE TYPE point2 AS (x float8, y float8);
CREATE TABLE t (id int, e email, p point2, amount positive, during floatrange);
