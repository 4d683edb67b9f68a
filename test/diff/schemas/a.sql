-- schemas besides public: one that stays and changes, one that goes (with what is in it)
CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'the application';
GRANT USAGE ON SCHEMA app TO rt_reader;
CREATE TABLE app.accounts (id bigint PRIMARY KEY, name text NOT NULL);
CREATE SCHEMA legacy;
COMMENT ON SCHEMA legacy IS 'to be dropped';
GRANT USAGE, CREATE ON SCHEMA legacy TO rt_writer;
CREATE TYPE legacy.mood AS ENUM ('ok', 'meh');
CREATE SEQUENCE legacy.ticket_seq;
CREATE TABLE legacy.tickets (id bigint PRIMARY KEY DEFAULT nextval('legacy.ticket_seq'), m legacy.mood);
CREATE FUNCTION legacy.count_tickets() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM legacy.tickets';
CREATE VIEW legacy.open_tickets AS SELECT id FROM legacy.tickets;
CREATE TABLE public.notes (id int PRIMARY KEY, body text);
