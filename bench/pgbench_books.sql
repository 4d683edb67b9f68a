-- bench/pgbench_books.sql -- the application's load for part 3 of bench/trigger.sh:
-- a point SELECT and a point UPDATE on random books (pgbench -D rows=N sets :rows)
\set id1 random(1, :rows)
\set id2 random(1, :rows)
SELECT title, author_id, published_year FROM books WHERE id = :id1;
UPDATE books SET author_id = author_id + 1 WHERE id = :id2;
