-- docs: mappings changed, dropped and added one by one; plain's options
-- change (it and other, which uses it, are re-created); en goes; a second
-- parser with a headline function; the template's comment goes
CREATE TEXT SEARCH PARSER words (START = prsd_start, GETTOKEN = prsd_nexttoken,
    END = prsd_end, LEXTYPES = prsd_lextype);
CREATE TEXT SEARCH PARSER words_hl (START = prsd_start, GETTOKEN = prsd_nexttoken,
    END = prsd_end, LEXTYPES = prsd_lextype, HEADLINE = prsd_headline);
COMMENT ON TEXT SEARCH PARSER words_hl IS 'with headlines';
CREATE TEXT SEARCH TEMPLATE keep (INIT = dsimple_init, LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH DICTIONARY stem (TEMPLATE = snowball, Language = english);
CREATE TEXT SEARCH DICTIONARY plain (TEMPLATE = keep, StopWords = english, Accept = true);
CREATE TEXT SEARCH CONFIGURATION docs (PARSER = words);
ALTER TEXT SEARCH CONFIGURATION docs ADD MAPPING FOR asciiword WITH simple;
ALTER TEXT SEARCH CONFIGURATION docs ADD MAPPING FOR word WITH stem, simple;
ALTER TEXT SEARCH CONFIGURATION docs ADD MAPPING FOR numword WITH simple;
COMMENT ON TEXT SEARCH CONFIGURATION docs IS 'documents';
CREATE TEXT SEARCH CONFIGURATION other (PARSER = pg_catalog."default");
ALTER TEXT SEARCH CONFIGURATION other ADD MAPPING FOR asciiword WITH plain;
CREATE TABLE articles (body text, tsv tsvector GENERATED ALWAYS AS (to_tsvector('docs'::regconfig, body)) STORED);
