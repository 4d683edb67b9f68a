-- rt_orders: other columns and filter for orders, customers out, audit in;
-- rt_everything publishes through the partition root; rt_gone goes;
-- rt_new comes with a new table
CREATE TABLE orders (id integer PRIMARY KEY, status text, total integer);
CREATE TABLE customers (id integer PRIMARY KEY, name text);
CREATE TABLE audit (at timestamptz);
CREATE TABLE shipments (id integer PRIMARY KEY);
CREATE PUBLICATION rt_orders FOR TABLE orders (id, status, total) WHERE (total > 0), audit
    WITH (publish = 'insert, update');
COMMENT ON PUBLICATION rt_orders IS 'orders for the warehouse';
CREATE PUBLICATION rt_everything FOR TABLES IN SCHEMA rt_schema WITH (publish_via_partition_root = true);
CREATE PUBLICATION rt_new FOR TABLE shipments WITH (publish = 'delete, truncate');
