-- operators (function, argument types, commutator and negator pairs,
-- restriction and join estimators, HASHES, MERGES, prefix), an operator
-- family and class for btree over them, a hash family with loose members
-- (ALTER OPERATOR FAMILY ... ADD), an index using the class
CREATE FUNCTION abs_lt(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a) < abs(b)';
CREATE FUNCTION abs_le(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a) <= abs(b)';
CREATE FUNCTION abs_eq(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a) = abs(b)';
CREATE FUNCTION abs_ge(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a) >= abs(b)';
CREATE FUNCTION abs_gt(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT abs(a) > abs(b)';
CREATE FUNCTION abs_cmp(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT btint4cmp(abs(a), abs(b))';
CREATE FUNCTION abs_hash(a integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT hashint4(abs(a))';
CREATE FUNCTION negated(a integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT -a';
CREATE OPERATOR <<< (FUNCTION = abs_lt, LEFTARG = integer, RIGHTARG = integer,
    COMMUTATOR = >>>, NEGATOR = >>>=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR <<<= (FUNCTION = abs_le, LEFTARG = integer, RIGHTARG = integer,
    COMMUTATOR = >>>=, NEGATOR = >>>, RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR =|= (FUNCTION = abs_eq, LEFTARG = integer, RIGHTARG = integer,
    COMMUTATOR = =|=, RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR >>>= (FUNCTION = abs_ge, LEFTARG = integer, RIGHTARG = integer,
    COMMUTATOR = <<<=, NEGATOR = <<<, RESTRICT = scalargesel, JOIN = scalargejoinsel);
CREATE OPERATOR >>> (FUNCTION = abs_gt, LEFTARG = integer, RIGHTARG = integer,
    COMMUTATOR = <<<, NEGATOR = <<<=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR ~~~ (FUNCTION = negated, RIGHTARG = integer);
COMMENT ON OPERATOR ~~~ (NONE, integer) IS 'negation';
CREATE OPERATOR FAMILY abs_ops USING btree;
CREATE OPERATOR CLASS abs_ops FOR TYPE integer USING btree FAMILY abs_ops AS
    OPERATOR 1 <<<, OPERATOR 2 <<<=, OPERATOR 3 =|=, OPERATOR 4 >>>=, OPERATOR 5 >>>,
    FUNCTION 1 abs_cmp(integer, integer);
CREATE OPERATOR FAMILY abs_hash_ops USING hash;
ALTER OPERATOR FAMILY abs_hash_ops USING hash ADD
    OPERATOR 1 =|= (integer, integer), FUNCTION 1 (integer, integer) abs_hash(integer);
COMMENT ON OPERATOR FAMILY abs_hash_ops USING hash IS 'hashing by absolute value';
CREATE TABLE points (n integer);
CREATE INDEX points_abs ON points (n abs_ops);
