-- b: a NOT NULL named by hand, one NOT VALID, a virtual generated column (twice: spelt out and by
-- default), a uuidv7() default, a NOT NULL renamed
CREATE TABLE t (id bigint PRIMARY KEY, a int CONSTRAINT t_a_required NOT NULL, b int NOT NULL, c int,
	u uuid DEFAULT uuidv7(), g int GENERATED ALWAYS AS (b * 2) VIRTUAL);
ALTER TABLE t ADD CONSTRAINT t_c_later NOT NULL c NOT VALID;
CREATE TABLE v (x int CONSTRAINT v_x_set NOT NULL, y int GENERATED ALWAYS AS (x + 1));
