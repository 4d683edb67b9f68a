-- total: another initial condition and no moving form; biggest: a grant;
-- gone dropped; an ordered-set, a hypothetical-set and a variadic aggregate
CREATE FUNCTION int_sum(state bigint, v integer) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS 'SELECT state + v';
CREATE FUNCTION int_unsum(state bigint, v integer) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS 'SELECT state - v';
CREATE FUNCTION int_final(state bigint) RETURNS text
    LANGUAGE sql IMMUTABLE AS 'SELECT state::text';
CREATE FUNCTION int_combine(a bigint, b bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE AS 'SELECT a + b';
CREATE AGGREGATE total(integer) (
    SFUNC = int_sum, STYPE = bigint, INITCOND = '10',
    FINALFUNC = int_final, COMBINEFUNC = int_combine, PARALLEL = RESTRICTED
);
COMMENT ON AGGREGATE total(integer) IS 'a running total from ten';
CREATE AGGREGATE biggest(integer) (SFUNC = int4larger, STYPE = integer, SORTOP = >);
REVOKE ALL ON FUNCTION biggest(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION biggest(integer) TO rt_reader;
CREATE AGGREGATE pick(double precision ORDER BY anyelement) (
    SFUNC = ordered_set_transition, STYPE = internal,
    FINALFUNC = percentile_disc_final, FINALFUNC_EXTRA, FINALFUNC_MODIFY = SHAREABLE
);
CREATE FUNCTION my_rank_final(state internal, VARIADIC "any") RETURNS bigint
    LANGUAGE internal IMMUTABLE AS 'hypothetical_rank_final';
CREATE AGGREGATE my_rank(VARIADIC "any" ORDER BY VARIADIC "any") (
    SFUNC = ordered_set_transition_multi, STYPE = internal,
    FINALFUNC = my_rank_final, FINALFUNC_EXTRA, HYPOTHETICAL
);
CREATE AGGREGATE concat_all(VARIADIC text[]) (
    SFUNC = array_cat, STYPE = text[], INITCOND = '{}'
);
