CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');
CREATE DOMAIN code AS varchar(10) NOT NULL;
CREATE DOMAIN gone AS int;
CREATE TYPE pair AS (a int, b text, c date);
CREATE TYPE span AS RANGE (subtype = date);
CREATE TYPE old_span AS RANGE (subtype = int4);
CREATE TYPE point2 AS (x float8, y float8);
CREATE TABLE t (id int, e email, p point2);
