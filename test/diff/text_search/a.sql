-- text search: a parser, a template, dictionaries with options, and
-- configurations with their mappings (one copied), comments; a generated
-- column using a configuration
CREATE TEXT SEARCH PARSER words (START = prsd_start, GETTOKEN = prsd_nexttoken,
    END = prsd_end, LEXTYPES = prsd_lextype);
CREATE TEXT SEARCH TEMPLATE keep (INIT = dsimple_init, LEXIZE = dsimple_lexize);
COMMENT ON TEXT SEARCH TEMPLATE keep IS 'simple, kept here';
CREATE TEXT SEARCH DICTIONARY stem (TEMPLATE = snowball, Language = english);
CREATE TEXT SEARCH DICTIONARY plain (TEMPLATE = keep, StopWords = english, Accept = false);
CREATE TEXT SEARCH CONFIGURATION docs (PARSER = words);
ALTER TEXT SEARCH CONFIGURATION docs ADD MAPPING FOR asciiword, word WITH stem, simple;
ALTER TEXT SEARCH CONFIGURATION docs ADD MAPPING FOR int WITH simple;
COMMENT ON TEXT SEARCH CONFIGURATION docs IS 'documents';
CREATE TEXT SEARCH CONFIGURATION other (PARSER = pg_catalog."default");
ALTER TEXT SEARCH CONFIGURATION other ADD MAPPING FOR asciiword WITH plain;
CREATE TEXT SEARCH CONFIGURATION en (COPY = english);
CREATE TABLE articles (body text, tsv tsvector GENERATED ALWAYS AS (to_tsvector('docs'::regconfig, body)) STORED);
