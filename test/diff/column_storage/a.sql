-- column storage (SET STORAGE) and compression (SET COMPRESSION; lz4 where the server has it)
CREATE TABLE docs (id int, body text, meta jsonb, raw bytea, n int, kept text);
ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL, ALTER COLUMN raw SET STORAGE MAIN,
	ALTER COLUMN kept SET STORAGE MAIN;
ALTER TABLE docs ALTER COLUMN meta SET COMPRESSION pglz, ALTER COLUMN kept SET COMPRESSION pglz;
CREATE TABLE parted (id int, note text) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
