-- grants on types and domains (USAGE, revoked from PUBLIC)
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, b int);
CREATE TYPE span AS RANGE (SUBTYPE = int4);
GRANT USAGE ON TYPE mood TO rt_reader;
REVOKE USAGE ON DOMAIN posint FROM PUBLIC;
GRANT USAGE ON DOMAIN posint TO rt_writer WITH GRANT OPTION;
