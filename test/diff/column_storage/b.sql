CREATE TABLE docs (id int, body text, meta jsonb, raw bytea, n bigint, kept text, extra text);
ALTER TABLE docs ALTER COLUMN body SET STORAGE MAIN, ALTER COLUMN n SET STORAGE PLAIN,
	ALTER COLUMN extra SET STORAGE EXTERNAL, ALTER COLUMN kept SET STORAGE MAIN;
ALTER TABLE docs ALTER COLUMN kept SET COMPRESSION pglz;
DO $$
DECLARE
	m text := CASE WHEN (SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression')
		THEN 'lz4' ELSE 'pglz' END;
BEGIN
	EXECUTE format('ALTER TABLE docs ALTER COLUMN body SET COMPRESSION %s, ALTER COLUMN extra SET COMPRESSION %s', m, m);
END
$$;
CREATE TABLE parted (id int, note text) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
ALTER TABLE parted ALTER COLUMN note SET STORAGE MAIN, ALTER COLUMN note SET COMPRESSION pglz;
