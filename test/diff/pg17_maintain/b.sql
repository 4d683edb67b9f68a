CREATE TABLE m (id int);
GRANT SELECT, MAINTAIN ON m TO rt_reader;
CREATE TABLE n (id int);
