-- aggregates: every option pg_dump writes (state, final, combine, serial,
-- moving-aggregate functions, initial conditions, sort operator,
-- ordered-set and hypothetical-set kinds, parallel safety), comments, grants
CREATE FUNCTION int_sum(state bigint, v integer) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS 'SELECT state + v';
CREATE FUNCTION int_unsum(state bigint, v integer) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS 'SELECT state - v';
CREATE FUNCTION int_final(state bigint) RETURNS text
    LANGUAGE sql IMMUTABLE AS 'SELECT state::text';
CREATE FUNCTION int_combine(a bigint, b bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
CREATE AGGREGATE total(integer) (
    SFUNC = int_sum, STYPE = bigint, INITCOND = '0',
    FINALFUNC = int_final, COMBINEFUNC = int_combine, PARALLEL = SAFE,
    MSFUNC = int_sum, MINVFUNC = int_unsum, MSTYPE = bigint, MINITCOND = '0',
    MFINALFUNC = int_final
);
COMMENT ON AGGREGATE total(integer) IS 'a running total';
CREATE AGGREGATE biggest(integer) (SFUNC = int4larger, STYPE = integer, SORTOP = >);
CREATE AGGREGATE gone(integer) (SFUNC = int4smaller, STYPE = integer);
