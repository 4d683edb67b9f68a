-- the row trigger now on INSERT OR UPDATE, the DELETE one gone, the statement trigger's comment
-- changed; a new view with an INSTEAD OF trigger calling a new function
CREATE TABLE items (id int PRIMARY KEY, name text);
CREATE VIEW items_v AS SELECT id, name FROM items;
CREATE FUNCTION items_v_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO items VALUES (NEW.id, NEW.name);
	RETURN NEW;
END $$;
CREATE FUNCTION items_v_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER items_v_ins INSTEAD OF INSERT OR UPDATE ON items_v FOR EACH ROW EXECUTE FUNCTION items_v_write();
CREATE TRIGGER items_v_stmt AFTER INSERT ON items_v FOR EACH STATEMENT EXECUTE FUNCTION items_v_note();
COMMENT ON TRIGGER items_v_stmt ON items_v IS 'statement trigger, v2';
CREATE VIEW names_v AS SELECT name FROM items;
CREATE FUNCTION names_v_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO items (id, name) SELECT coalesce(max(id), 0) + 1, NEW.name FROM items;
	RETURN NEW;
END $$;
CREATE TRIGGER names_v_ins INSTEAD OF INSERT ON names_v FOR EACH ROW EXECUTE FUNCTION names_v_write();
-- a view re-created (its definition changes): its trigger is created again after it
CREATE FUNCTION ids_v_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO items (id) VALUES (NEW.id); RETURN NEW; END $$;
CREATE VIEW ids_v AS SELECT id FROM items WHERE id > 0;
CREATE TRIGGER ids_v_ins INSTEAD OF INSERT ON ids_v FOR EACH ROW EXECUTE FUNCTION ids_v_write();
