-- PostgreSQL 17 (min_version): a domain's NOT NULL is a constraint with a name (pg_constraint,
-- contype n).  a: NOT NULL as PostgreSQL names it, named by hand, one with a CHECK beside it,
-- none, one to lose, one to get a comment; a table uses them
CREATE DOMAIN d_plain AS int NOT NULL;
CREATE DOMAIN d_named AS int CONSTRAINT d_named_nn NOT NULL;
CREATE DOMAIN d_other AS text CONSTRAINT d_other_a NOT NULL CONSTRAINT d_other_check CHECK (VALUE <> '');
CREATE DOMAIN d_gain AS int;
CREATE DOMAIN d_lose AS bigint CONSTRAINT d_lose_nn NOT NULL;
CREATE DOMAIN d_comment AS int NOT NULL;
CREATE TABLE t (a d_plain, b d_named, c d_other, e d_gain, f d_lose, g d_comment);
