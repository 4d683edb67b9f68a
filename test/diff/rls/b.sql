-- row-level security enabled and forced; permissive and restrictive policies for commands and
-- roles, with USING and WITH CHECK
CREATE TABLE docs (id int, owner name, public boolean);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE docs FORCE ROW LEVEL SECURITY;
CREATE POLICY docs_own ON docs TO rt_reader, rt_writer USING (owner = current_user OR public);
CREATE POLICY docs_insert ON docs FOR INSERT TO rt_writer WITH CHECK (owner = current_user);
CREATE POLICY docs_limit ON docs AS RESTRICTIVE FOR UPDATE USING (id > 0) WITH CHECK (id < 1000);
CREATE TABLE notes (id int);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
