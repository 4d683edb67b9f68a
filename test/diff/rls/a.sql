CREATE TABLE docs (id int, owner name, public boolean);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY docs_own ON docs USING (owner = current_user);
CREATE POLICY docs_gone ON docs FOR DELETE USING (false);
CREATE TABLE notes (id int);
