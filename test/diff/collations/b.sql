-- german goes with its column; mixed comes (lc_collate and lc_ctype apart)
-- with a new column; nocase gets a comment; a range over a collation
CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
COMMENT ON COLLATION nocase IS 'case-insensitive';
CREATE COLLATION bytes (provider = libc, locale = 'C');
CREATE COLLATION mixed (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX');
CREATE DOMAIN code AS text COLLATE bytes;
CREATE TABLE people (name text COLLATE nocase, code code, street text COLLATE mixed);
CREATE TYPE text_range AS RANGE (SUBTYPE = text, COLLATION = mixed);
