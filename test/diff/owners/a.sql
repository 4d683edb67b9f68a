-- ownership of every kind of object, with diff(..., owners => true) (see diff_args)
CREATE TABLE t (id serial, v text);
CREATE TABLE kept (id int);
CREATE VIEW w AS SELECT id FROM t;
CREATE SEQUENCE s;
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE STATISTICS t_stats ON id, v FROM t;
ALTER TABLE t OWNER TO rt_owner;
ALTER VIEW w OWNER TO rt_owner;
ALTER TYPE mood OWNER TO rt_owner;
GRANT SELECT ON kept TO rt_owner;
