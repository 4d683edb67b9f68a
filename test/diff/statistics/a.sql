-- extended statistics objects: kinds, columns and expressions, statistics target, comment
CREATE TABLE orders (id int, city text, zip text, country text, total numeric, placed date);
CREATE STATISTICS orders_geo (dependencies) ON city, zip FROM orders;
CREATE STATISTICS orders_all ON city, country FROM orders;
CREATE STATISTICS orders_gone (ndistinct) ON zip, country FROM orders;
ALTER STATISTICS orders_all SET STATISTICS 500;
COMMENT ON STATISTICS orders_geo IS 'city determines zip';
CREATE TABLE old (a int, b int);
CREATE STATISTICS old_ab ON a, b FROM old;
