CREATE TABLE orders (id int, city text, zip text, country text, total numeric, placed date);
CREATE STATISTICS orders_geo (dependencies, mcv) ON city, zip FROM orders;
CREATE STATISTICS orders_all ON city, country FROM orders;
CREATE STATISTICS orders_expr ON (date_trunc('month', placed::timestamp)), (total > 100) FROM orders;
CREATE STATISTICS orders_one ON (lower(city)) FROM orders;
ALTER STATISTICS orders_geo SET STATISTICS 50;
COMMENT ON STATISTICS orders_all IS 'the usual pair';
CREATE TABLE fresh (x int, y int);
CREATE STATISTICS fresh_xy (ndistinct, mcv) ON x, y FROM fresh;
