CREATE TABLE t (id int PRIMARY KEY, v text CHECK (v <> ''));
CREATE INDEX t_v ON t (v);
COMMENT ON TABLE t IS 'old';
COMMENT ON COLUMN t.v IS 'gone later';
CREATE VIEW w AS SELECT id FROM t;
COMMENT ON VIEW w IS 'a view';
