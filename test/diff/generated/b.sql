CREATE TABLE g (id int, price numeric, qty int,
	total numeric GENERATED ALWAYS AS (price * qty * 1.2) STORED CHECK (total >= 0));
COMMENT ON COLUMN g.total IS 'price times quantity';
CREATE INDEX g_total ON g (total);
CREATE VIEW g_big AS SELECT id, total FROM g WHERE total > 100;
CREATE TABLE h (id int, v int);
