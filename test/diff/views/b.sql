-- the column under views changes type: they are dropped and re-created around it; a view over a
-- view whose name sorts after it; a materialized view with an index
CREATE TABLE items (id int PRIMARY KEY, price numeric(12, 2), name text);
CREATE VIEW cheap AS SELECT id, price FROM items WHERE price < 20;
CREATE VIEW a_names AS SELECT name FROM items;
CREATE VIEW z_cheap_names AS SELECT c.id, i.name FROM cheap c JOIN items i USING (id);
CREATE VIEW a_over_z AS SELECT id FROM z_cheap_names;
CREATE MATERIALIZED VIEW stats AS SELECT count(*) AS n, max(price) AS top FROM items;
CREATE INDEX stats_n ON stats (n);
CREATE VIEW checked AS SELECT id, price FROM items WHERE price > 0 WITH CASCADED CHECK OPTION;
