-- b: each NOT NULL renamed (default name to a name, a name to the default, a name to another),
-- one added with a name, one dropped, one commented (the default name kept); a new domain with a
-- named and commented NOT NULL
CREATE DOMAIN d_plain AS int CONSTRAINT d_plain_required NOT NULL;
CREATE DOMAIN d_named AS int NOT NULL;
CREATE DOMAIN d_other AS text CONSTRAINT d_other_b NOT NULL CONSTRAINT d_other_check CHECK (VALUE <> '');
CREATE DOMAIN d_gain AS int CONSTRAINT d_gain_nn NOT NULL;
CREATE DOMAIN d_lose AS bigint;
CREATE DOMAIN d_comment AS int NOT NULL;
COMMENT ON CONSTRAINT d_comment_not_null ON DOMAIN d_comment IS 'never empty';
CREATE DOMAIN d_new AS text CONSTRAINT d_new_set NOT NULL;
COMMENT ON CONSTRAINT d_new_set ON DOMAIN d_new IS 'set on creation';
CREATE TABLE t (a d_plain, b d_named, c d_other, e d_gain, f d_lose, g d_comment, h d_new);
