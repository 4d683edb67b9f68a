-- unique, partial, expression, INCLUDE, methods, opclasses, collations, sort orders, storage
CREATE TABLE docs (id int PRIMARY KEY, title text, body text, tags text[], created timestamptz, n int);
CREATE INDEX docs_title ON docs (title DESC NULLS LAST);
CREATE UNIQUE INDEX docs_title_uq ON docs (lower(title)) WHERE n > 0;
CREATE INDEX docs_tags ON docs USING gin (tags);
CREATE INDEX docs_created ON docs USING brin (created) WITH (pages_per_range = 32);
CREATE INDEX docs_body_pattern ON docs (body text_pattern_ops);
CREATE INDEX docs_title_c ON docs (title COLLATE "C") INCLUDE (n);
CREATE INDEX docs_n_hash ON docs USING hash (n);
