CREATE TABLE items (id int PRIMARY KEY, price numeric(8, 2), name varchar(50));
CREATE VIEW cheap AS SELECT id, price FROM items WHERE price < 10;
CREATE VIEW a_names AS SELECT name FROM items;
CREATE VIEW z_cheap_names AS SELECT c.id, i.name FROM cheap c JOIN items i USING (id);
CREATE MATERIALIZED VIEW stats AS SELECT count(*) AS n FROM items;
CREATE VIEW going AS SELECT 1 AS one;
