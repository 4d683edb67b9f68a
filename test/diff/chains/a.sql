-- chains of dependencies pg_depend knows and names do not: a function with a SQL-standard body
-- calls another, created in that order whatever their names; a function whose result type
-- changes takes with it, and brings back, the function that calls it and the policy that calls
-- that one; a domain whose base type changes takes with it the function over it
CREATE FUNCTION z_base(int) RETURNS int LANGUAGE sql IMMUTABLE RETURN $1 + 1;
CREATE FUNCTION a_user(int) RETURNS int LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
	SELECT (z_base($1) * 2)::int;
END;
CREATE TABLE p (id int, owner text);
ALTER TABLE p ENABLE ROW LEVEL SECURITY;
CREATE POLICY p_own ON p USING (a_user(id) > 0);
CREATE DOMAIN small AS int CHECK (VALUE < 100);
CREATE FUNCTION use_small(small) RETURNS int LANGUAGE sql RETURN $1;
