-- rt_note_ddl: other tags (re-created), no comment; rt_note_drop enabled
-- always; rt_gone goes; rt_rewrite comes, for replicas
CREATE FUNCTION note_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION note_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER rt_note_ddl ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'CREATE VIEW') EXECUTE FUNCTION note_ddl();
CREATE EVENT TRIGGER rt_note_drop ON sql_drop EXECUTE FUNCTION note_drop();
ALTER EVENT TRIGGER rt_note_drop ENABLE ALWAYS;
CREATE EVENT TRIGGER rt_rewrite ON table_rewrite EXECUTE FUNCTION note_ddl();
ALTER EVENT TRIGGER rt_rewrite ENABLE REPLICA;
