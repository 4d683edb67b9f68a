CREATE TABLE docs (id int PRIMARY KEY, title text, body text, tags text[], created timestamptz, n int);
CREATE INDEX docs_title ON docs (title);
CREATE INDEX docs_old ON docs (created);
