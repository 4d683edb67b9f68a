-- <<< estimates otherwise (its class and the index are re-created around
-- it), ~~~ goes, !!! comes; the class gets a comment;
-- the hash family loses its loose operator; a class of its own family
CREATE FUNCTION abs_lt(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a) < abs(b)';
CREATE FUNCTION abs_le(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a) <= abs(b)';
CREATE FUNCTION abs_eq(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a) = abs(b)';
CREATE FUNCTION abs_ge(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a) >= abs(b)';
CREATE FUNCTION abs_gt(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a) > abs(b)';
CREATE FUNCTION abs_cmp(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT btint4cmp(abs(a), abs(b))';
CREATE FUNCTION abs_hash(a integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT hashint4(abs(a))';
CREATE FUNCTION factorial_of(a integer) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT factorial(a)';
CREATE OPERATOR <<< (FUNCTION = abs_lt, LEFTARG = integer, RIGHTARG = integer,
    COMMUTATOR = >>>, NEGATOR = >>>=, RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR <<<= (FUNCTION = abs_le, LEFTARG = integer, RIGHTARG = integer,
    COMMUTATOR = >>>=, NEGATOR = >>>, RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR =|= (FUNCTION = abs_eq, LEFTARG = integer, RIGHTARG = integer,
    COMMUTATOR = =|=, RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR >>>= (FUNCTION = abs_ge, LEFTARG = integer, RIGHTARG = integer,
    COMMUTATOR = <<<=, NEGATOR = <<<, RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR >>> (FUNCTION = abs_gt, LEFTARG = integer, RIGHTARG = integer,
    COMMUTATOR = <<<, NEGATOR = <<<=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR !!! (FUNCTION = factorial_of, RIGHTARG = integer);
CREATE OPERATOR FAMILY abs_ops USING btree;
CREATE OPERATOR CLASS abs_ops FOR TYPE integer USING btree FAMILY abs_ops AS
    OPERATOR 1 <<<, OPERATOR 2 <<<=, OPERATOR 3 =|=, OPERATOR 4 >>>=, OPERATOR 5 >>>,
    FUNCTION 1 abs_cmp(integer, integer);
COMMENT ON OPERATOR CLASS abs_ops USING btree IS 'by absolute value';
CREATE OPERATOR FAMILY abs_hash_ops USING hash;
ALTER OPERATOR FAMILY abs_hash_ops USING hash ADD FUNCTION 1 (integer, integer) abs_hash(integer);
CREATE OPERATOR CLASS abs_hash_class FOR TYPE integer USING hash AS
    OPERATOR 1 =|=, FUNCTION 1 abs_hash(integer);
CREATE TABLE points (n integer);
CREATE INDEX points_abs ON points (n abs_ops);
CREATE INDEX points_hash ON points USING hash (n abs_hash_class);
