CREATE TABLE keep (id int);
CREATE DOMAIN amount AS numeric CHECK (VALUE >= 0);
