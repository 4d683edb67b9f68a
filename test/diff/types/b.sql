-- domains (default, NOT NULL, collation, checks), composite types, range types, used by columns
CREATE DOMAIN email AS text DEFAULT 'nobody@example.com' CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%') CHECK (length(VALUE) < 200);
CREATE DOMAIN code AS varchar(10) COLLATE "C";
CREATE DOMAIN positive AS numeric(10, 2) NOT NULL CHECK (VALUE > 0);
CREATE TYPE pair AS (a bigint, b text COLLATE "C", d int);
CREATE TYPE span AS RANGE (subtype = timestamptz);
CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE TABLE t (id int, e email, p pair, amount positive, during floatrange);
