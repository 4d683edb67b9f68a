-- Authors and the books they wrote.

CREATE TABLE authors (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE books (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title          text NOT NULL,
    author_id      bigint NOT NULL REFERENCES authors (id),
    published_year integer,
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- PostgreSQL does not index foreign keys by itself: this one serves joins and
-- the check made when an author is deleted.
CREATE INDEX books_author_id_idx ON books (author_id);
