CREATE TYPE status AS ENUM ('new', 'shipped');
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE unused AS ENUM ('x');
CREATE TABLE orders (id int, status status DEFAULT 'new', mood mood);
