CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;
CREATE FUNCTION add(a numeric, b numeric) RETURNS numeric LANGUAGE sql AS $$ SELECT a + b $$;
CREATE FUNCTION gone() RETURNS void LANGUAGE sql AS $$ $$;
CREATE FUNCTION shape(x int) RETURNS int LANGUAGE sql AS $$ SELECT x $$;
CREATE PROCEDURE tidy(n int) LANGUAGE plpgsql AS $$ BEGIN PERFORM n; END $$;
CREATE TABLE t (id int);
