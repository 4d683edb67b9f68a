CREATE TABLE t (id int, v text) WITH (fillfactor = 70, autovacuum_enabled = false);
CREATE UNLOGGED TABLE cache (k text, v text);
CREATE TABLE log (id int);
CREATE INDEX t_id ON t (id) WITH (fillfactor = 50);
