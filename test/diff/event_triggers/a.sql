-- event triggers whose functions are in the schema (so in its snapshot):
-- events, tag filters, enabled states, comments
CREATE FUNCTION note_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION note_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER rt_note_ddl ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE') EXECUTE FUNCTION note_ddl();
COMMENT ON EVENT TRIGGER rt_note_ddl IS 'tables made or changed';
CREATE EVENT TRIGGER rt_note_drop ON sql_drop EXECUTE FUNCTION note_drop();
ALTER EVENT TRIGGER rt_note_drop DISABLE;
CREATE EVENT TRIGGER rt_gone ON ddl_command_start EXECUTE FUNCTION note_ddl();
