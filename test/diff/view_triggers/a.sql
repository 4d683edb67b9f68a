-- triggers on views: an INSTEAD OF row trigger that changes, one that goes, a statement trigger,
-- a view with a trigger whose definition changes
CREATE TABLE items (id int PRIMARY KEY, name text);
CREATE VIEW items_v AS SELECT id, name FROM items;
CREATE FUNCTION items_v_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO items VALUES (NEW.id, NEW.name);
	RETURN NEW;
END $$;
CREATE FUNCTION items_v_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER items_v_ins INSTEAD OF INSERT ON items_v FOR EACH ROW EXECUTE FUNCTION items_v_write();
CREATE TRIGGER items_v_del INSTEAD OF DELETE ON items_v FOR EACH ROW EXECUTE FUNCTION items_v_write();
CREATE TRIGGER items_v_stmt AFTER INSERT ON items_v FOR EACH STATEMENT EXECUTE FUNCTION items_v_note();
COMMENT ON TRIGGER items_v_stmt ON items_v IS 'statement trigger';
CREATE FUNCTION ids_v_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO items (id) VALUES (NEW.id); RETURN NEW; END $$;
CREATE VIEW ids_v AS SELECT id FROM items;
CREATE TRIGGER ids_v_ins INSTEAD OF INSERT ON ids_v FOR EACH ROW EXECUTE FUNCTION ids_v_write();
