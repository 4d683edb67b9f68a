-- generated columns whose expression changes (PostgreSQL 15 cannot change one in place: the column
-- is dropped and added again, with the index, view, check and comment that depend on it around it;
-- it is the last column, where ADD COLUMN puts it), and one that becomes an ordinary column (its
-- values stay) or, the other way, a generated one
CREATE TABLE g (id int, price numeric, qty int,
	total numeric GENERATED ALWAYS AS (price * qty) STORED CHECK (total >= 0));
COMMENT ON COLUMN g.total IS 'price times quantity';
CREATE INDEX g_total ON g (total);
CREATE VIEW g_big AS SELECT id, total FROM g WHERE total > 100;
CREATE TABLE h (id int, v int GENERATED ALWAYS AS (id * 2) STORED);
