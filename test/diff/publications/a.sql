-- publications of the schema's tables (columns, row filters, options) and
-- of the schema itself
CREATE TABLE orders (id integer PRIMARY KEY, status text, total integer);
CREATE TABLE customers (id integer PRIMARY KEY, name text);
CREATE TABLE audit (at timestamptz);
CREATE PUBLICATION rt_orders FOR TABLE orders (id, status) WHERE (status <> 'draft'), customers
    WITH (publish = 'insert, update');
COMMENT ON PUBLICATION rt_orders IS 'orders for the warehouse';
CREATE PUBLICATION rt_everything FOR TABLES IN SCHEMA rt_schema;
CREATE PUBLICATION rt_gone FOR TABLE audit;
