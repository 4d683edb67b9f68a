/* migrator--0.2--0.3.sql: what changed in the SQL objects from 0.2 to 0.3 (CHANGELOG.md). */

\echo Use "ALTER EXTENSION migrator UPDATE TO '0.3'" to load this file. \quit
