-- migrator.out_of_order: a migration merged from a branch after later ones
-- were applied.  Off (the default) it stops the run; on, the run applies it,
-- in version order, each named in a NOTICE.  (test/pgtap/out_of_order.sql
-- covers every layout.)
\set QUIET on
CALL regress.forget();
SELECT count(*) FROM migrator.apply('{"V1__a.sql": "CREATE TABLE ooo_a (id int);",
	"V4__d.sql": "CREATE TABLE ooo_d (id int);"}'::jsonb);
SELECT version, state FROM migrator.status('{"V1__a.sql": "CREATE TABLE ooo_a (id int);",
	"V2__b.sql": "CREATE TABLE ooo_b (id int);", "V3__c.sql": "CREATE TABLE ooo_c (id int);",
	"V4__d.sql": "CREATE TABLE ooo_d (id int);", "V5__e.sql": "CREATE TABLE ooo_e (id int);"}'::jsonb);
SHOW migrator.out_of_order;
SELECT version, action FROM migrator.apply('{"V1__a.sql": "CREATE TABLE ooo_a (id int);",
	"V2__b.sql": "CREATE TABLE ooo_b (id int);", "V3__c.sql": "CREATE TABLE ooo_c (id int);",
	"V4__d.sql": "CREATE TABLE ooo_d (id int);", "V5__e.sql": "CREATE TABLE ooo_e (id int);"}'::jsonb);
SET migrator.out_of_order = on;
SELECT version, action FROM migrator.apply('{"V1__a.sql": "CREATE TABLE ooo_a (id int);",
	"V2__b.sql": "CREATE TABLE ooo_b (id int);", "V3__c.sql": "CREATE TABLE ooo_c (id int);",
	"V4__d.sql": "CREATE TABLE ooo_d (id int);", "V5__e.sql": "CREATE TABLE ooo_e (id int);"}'::jsonb);
RESET migrator.out_of_order;
SELECT version FROM migrator.journal ORDER BY id;
SET migrator.out_of_order = sometimes;
DROP TABLE ooo_a, ooo_b, ooo_c, ooo_d, ooo_e;
CALL regress.forget();
