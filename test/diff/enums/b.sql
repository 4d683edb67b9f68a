-- values added before, between and after; a value removed (the type is re-created)
CREATE TYPE status AS ENUM ('draft', 'new', 'paid', 'shipped', 'returned');
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TYPE colour AS ENUM ('red', 'green');
CREATE TABLE orders (id int, status status DEFAULT 'new', mood mood, colour colour);
CREATE VIEW sad_orders AS SELECT id, mood FROM orders WHERE mood = 'sad';
CREATE TABLE history (id int, moods mood[] DEFAULT '{sad}');
