/* migrator--0.1--0.2.sql: what changed in the SQL objects from 0.1 to 0.2 (CHANGELOG.md). */

\echo Use "ALTER EXTENSION migrator UPDATE TO '0.2'" to load this file. \quit
