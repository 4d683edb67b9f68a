-- PostgreSQL 17 (min_version): the MAINTAIN table privilege (VACUUM, ANALYZE, REINDEX, ...) in grants
CREATE TABLE m (id int);
GRANT SELECT ON m TO rt_reader;
CREATE TABLE n (id int);
GRANT MAINTAIN ON n TO rt_writer;
