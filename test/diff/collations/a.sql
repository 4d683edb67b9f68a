-- collations (ICU and libc providers, locale or lc_collate/lc_ctype,
-- nondeterministic), a comment, columns and a domain using them
CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE COLLATION bytes (provider = libc, locale = 'C');
CREATE COLLATION german (provider = icu, locale = 'de-DE');
COMMENT ON COLLATION german IS 'German';
CREATE DOMAIN code AS text COLLATE bytes;
CREATE TABLE people (name text COLLATE nocase, code code, city text COLLATE german);
