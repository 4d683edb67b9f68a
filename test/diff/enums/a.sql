CREATE TYPE status AS ENUM ('new', 'shipped');
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE unused AS ENUM ('x');
CREATE TABLE orders (id int, status status DEFAULT 'new', mood mood);
CREATE VIEW sad_orders AS SELECT id, mood FROM orders WHERE mood = 'sad';
CREATE TABLE history (id int, moods mood[] DEFAULT '{sad}');
