-- unlogged tables and storage parameters of tables and indexes
CREATE TABLE t (id int, v text) WITH (fillfactor = 80, toast_tuple_target = 256);
CREATE TABLE cache (k text, v text);
CREATE UNLOGGED TABLE log (id int) WITH (autovacuum_vacuum_scale_factor = 0.01);
CREATE UNLOGGED TABLE scratch (id int);
CREATE INDEX t_id ON t (id) WITH (fillfactor = 60);
