/*-------------------------------------------------------------------------
 *
 * snapshot_kinds.h
 *	  The snapshot queries of the standalone kinds (snapshot.c reads them,
 *	  diff_kinds.c diffs them): aggregates, operators, operator families
 *	  and classes, collations, text-search parsers, templates, dictionaries
 *	  and configurations, event triggers, publications, security labels.
 *
 *	  Each object is, besides its comment (and grants, for aggregates):
 *	  "name", its own name quoted; "identity", what follows the qualified
 *	  name in DROP and COMMENT ON ("(integer)" of an aggregate, " USING
 *	  btree" of an operator class); "definition", what follows it in
 *	  CREATE.  Operator families and text-search configurations have
 *	  "members" too, {DROP form: ADD form}: a family's members that belong
 *	  to no class (ALTER OPERATOR FAMILY ... ADD), a configuration's
 *	  mappings (ALTER TEXT SEARCH CONFIGURATION ... ADD MAPPING), what of
 *	  the schema a publication publishes (ALTER PUBLICATION ... ADD).
 *
 *	  Definitions are built from the catalogs as pg_dump builds them
 *	  (pg_get_functiondef does not do aggregates).  What they name in the
 *	  schema is left unqualified (the diff's statements run with the
 *	  schema first in search_path), what they name elsewhere is qualified:
 *	  regproc's and regoper's text would qualify an overloaded name with
 *	  the schema's own, and two schemas holding the same objects must give
 *	  the same snapshot.  $1 is the schema's oid.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATOR_SNAPSHOT_KINDS_H
#define MIGRATOR_SNAPSHOT_KINDS_H

/* a qualified name of catalog cat's object oid (columns nsp, nm): bare in the schema */
#define KIND_REF(cat, nsp, nm, oid) \
"(SELECT CASE WHEN r." nsp " = $1 THEN quote_ident(r." nm ")"						\
" ELSE quote_ident(rn.nspname) || '.' || quote_ident(r." nm ") END"				\
" FROM " cat " r JOIN pg_namespace rn ON rn.oid = r." nsp " WHERE r.oid = " oid ")"

#define FUNC_REF(oid)	KIND_REF("pg_proc", "pronamespace", "proname", oid)

/* a function with its argument types, as an operator class names it */
#define FUNC_SIG(oid) \
"(" FUNC_REF(oid) " || '(' || pg_get_function_identity_arguments(" oid ") || ')')"

/* an operator alone, as COMMUTATOR = and SORTOP = take it */
#define OPER_REF(oid) \
"(SELECT CASE WHEN r.oprnamespace = $1 THEN r.oprname::text"					\
" ELSE 'OPERATOR(' || quote_ident(rn.nspname) || '.' || r.oprname || ')' END"	\
" FROM pg_operator r JOIN pg_namespace rn ON rn.oid = r.oprnamespace WHERE r.oid = " oid ")"

/* an operator with its argument types, as an operator class names it */
#define OPER_SIG(oid) \
"(SELECT CASE WHEN r.oprnamespace = $1 THEN r.oprname::text"					\
" ELSE quote_ident(rn.nspname) || '.' || r.oprname END"						\
" || ' (' || CASE WHEN r.oprleft = 0 THEN 'NONE' ELSE format_type(r.oprleft, NULL) END" \
" || ', ' || format_type(r.oprright, NULL) || ')'"								\
" FROM pg_operator r JOIN pg_namespace rn ON rn.oid = r.oprnamespace WHERE r.oid = " oid ")"

#define OPFAMILY_REF(oid)	KIND_REF("pg_opfamily", "opfnamespace", "opfname", oid)

#define KIND_NOT_IN_EXTENSION(catalog, oid) \
"NOT EXISTS (SELECT FROM pg_depend x WHERE x.classid = '" catalog "'::regclass"	\
" AND x.objid = " oid " AND x.deptype = 'e')"

#define KIND_DESCRIPTION(oid, catalog) \
"(SELECT ds.description FROM pg_description ds WHERE ds.objoid = " oid			\
" AND ds.classoid = '" catalog "'::regclass AND ds.objsubid = 0)"

/* "OPTION = f" when the function is set */
#define FUNC_OPTION(option, oid) \
"CASE WHEN " oid "::oid <> 0 THEN '" option " = ' || " FUNC_REF(oid) " END"

#define AGGREGATES_QUERY \
"SELECT p.oid, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'," \
"   quote_ident(p.proname) AS name,"												\
"   '(' || pg_get_function_identity_arguments(p.oid) || ')' AS identity,"			\
"   '(' || pg_get_function_arguments(p.oid) || ') (' || concat_ws(', ',"			\
"      " FUNC_OPTION("SFUNC", "a.aggtransfn") ","									\
"      'STYPE = ' || format_type(a.aggtranstype, NULL),"							\
"      CASE WHEN a.aggtransspace <> 0 THEN 'SSPACE = ' || a.aggtransspace END,"	\
"      " FUNC_OPTION("FINALFUNC", "a.aggfinalfn") ","								\
"      CASE WHEN a.aggfinalextra THEN 'FINALFUNC_EXTRA' END,"						\
"      CASE WHEN a.aggfinalmodify <> CASE a.aggkind WHEN 'n' THEN 'r' ELSE 'w' END" \
"        THEN 'FINALFUNC_MODIFY = ' || CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY'" \
"        WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,"						\
"      " FUNC_OPTION("COMBINEFUNC", "a.aggcombinefn") ","							\
"      " FUNC_OPTION("SERIALFUNC", "a.aggserialfn") ","								\
"      " FUNC_OPTION("DESERIALFUNC", "a.aggdeserialfn") ","							\
"      'INITCOND = ' || quote_literal(a.agginitval),"								\
"      " FUNC_OPTION("MSFUNC", "a.aggmtransfn") ","									\
"      " FUNC_OPTION("MINVFUNC", "a.aggminvtransfn") ","							\
"      CASE WHEN a.aggmtranstype <> 0 THEN 'MSTYPE = ' || format_type(a.aggmtranstype, NULL) END," \
"      CASE WHEN a.aggmtransspace <> 0 THEN 'MSSPACE = ' || a.aggmtransspace END,"	\
"      " FUNC_OPTION("MFINALFUNC", "a.aggmfinalfn") ","								\
"      CASE WHEN a.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,"					\
"      CASE WHEN a.aggmfinalmodify <> CASE a.aggkind WHEN 'n' THEN 'r' ELSE 'w' END" \
"        THEN 'MFINALFUNC_MODIFY = ' || CASE a.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY'" \
"        WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,"						\
"      'MINITCOND = ' || quote_literal(a.aggminitval),"								\
"      CASE WHEN a.aggsortop <> 0 THEN 'SORTOP = ' || " OPER_REF("a.aggsortop") " END," \
"      CASE WHEN a.aggkind = 'h' THEN 'HYPOTHETICAL' END,"							\
"      CASE p.proparallel WHEN 's' THEN 'PARALLEL = SAFE' WHEN 'r' THEN 'PARALLEL = RESTRICTED' END" \
"   ) || ')' AS definition,"														\
"   " KIND_DESCRIPTION("p.oid", "pg_proc") " AS comment,"							\
"   " GRANTS("p.proacl", "f", "p.proowner") " AS grants"							\
" FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid"						\
" WHERE p.pronamespace = $1 AND p.prokind = 'a'"									\
" AND " KIND_NOT_IN_EXTENSION("pg_proc", "p.oid")

#define OPERATORS_QUERY \
"SELECT o.oid, o.oprname || '(' || CASE WHEN o.oprleft = 0 THEN 'NONE' ELSE format_type(o.oprleft, NULL) END" \
"      || ',' || format_type(o.oprright, NULL) || ')',"							\
"   o.oprname::text AS name,"														\
"   ' (' || CASE WHEN o.oprleft = 0 THEN 'NONE' ELSE format_type(o.oprleft, NULL) END" \
"      || ', ' || format_type(o.oprright, NULL) || ')' AS identity,"				\
"   ' (' || concat_ws(', ',"														\
"      " FUNC_OPTION("FUNCTION", "o.oprcode") ","									\
"      CASE WHEN o.oprleft <> 0 THEN 'LEFTARG = ' || format_type(o.oprleft, NULL) END," \
"      'RIGHTARG = ' || format_type(o.oprright, NULL),"							\
"      CASE WHEN o.oprcom <> 0 THEN 'COMMUTATOR = ' || " OPER_REF("o.oprcom") " END," \
"      CASE WHEN o.oprnegate <> 0 THEN 'NEGATOR = ' || " OPER_REF("o.oprnegate") " END," \
"      " FUNC_OPTION("RESTRICT", "o.oprrest") ","									\
"      " FUNC_OPTION("JOIN", "o.oprjoin") ","										\
"      CASE WHEN o.oprcanhash THEN 'HASHES' END,"									\
"      CASE WHEN o.oprcanmerge THEN 'MERGES' END"									\
"   ) || ')' AS definition,"														\
"   " KIND_DESCRIPTION("o.oid", "pg_operator") " AS comment"						\
" FROM pg_operator o WHERE o.oprnamespace = $1"									\
" AND o.oprcode <> 0" /* not a shell (one named as a commutator, never made) */	\
" AND " KIND_NOT_IN_EXTENSION("pg_operator", "o.oid")

#define OPFAMILIES_QUERY \
"SELECT f.oid, f.opfname || ' USING ' || am.amname,"								\
"   quote_ident(f.opfname) AS name,"												\
"   ' USING ' || quote_ident(am.amname) AS identity,"								\
"   ' USING ' || quote_ident(am.amname) AS definition,"							\
"   " KIND_DESCRIPTION("f.oid", "pg_opfamily") " AS comment"						\
" FROM pg_opfamily f JOIN pg_am am ON am.oid = f.opfmethod"						\
" WHERE f.opfnamespace = $1"														\
" AND " KIND_NOT_IN_EXTENSION("pg_opfamily", "f.oid")								\
" ORDER BY f.oid"

/*
 * The members of families that belong to no class (their link to the
 * family is automatic, a class's member's to its class internal), by
 * family: DROP form, ADD form
 */
#define OPFAMILY_MEMBERS_QUERY \
"SELECT * FROM ("																	\
" SELECT ao.amopfamily,"															\
"   'OPERATOR ' || ao.amopstrategy || ' (' || format_type(ao.amoplefttype, NULL)"	\
"      || ', ' || format_type(ao.amoprighttype, NULL) || ')',"					\
"   'OPERATOR ' || ao.amopstrategy || ' ' || " OPER_SIG("ao.amopopr")				\
"      || CASE WHEN ao.amoppurpose = 'o' THEN ' FOR ORDER BY ' || " OPFAMILY_REF("ao.amopsortfamily") " ELSE '' END," \
"   ao.oid AS _oid"																	\
" FROM pg_amop ao JOIN pg_opfamily f ON f.oid = ao.amopfamily"					\
" JOIN pg_depend d ON d.classid = 'pg_amop'::regclass AND d.objid = ao.oid"		\
"   AND d.refclassid = 'pg_opfamily'::regclass AND d.deptype = 'a'"				\
" WHERE f.opfnamespace = $1"														\
" UNION ALL"																		\
" SELECT ap.amprocfamily,"															\
"   'FUNCTION ' || ap.amprocnum || ' (' || format_type(ap.amproclefttype, NULL)"	\
"      || ', ' || format_type(ap.amprocrighttype, NULL) || ')',"					\
"   'FUNCTION ' || ap.amprocnum || ' (' || format_type(ap.amproclefttype, NULL)"	\
"      || ', ' || format_type(ap.amprocrighttype, NULL) || ') ' || " FUNC_SIG("ap.amproc") "," \
"   ap.oid"																			\
" FROM pg_amproc ap JOIN pg_opfamily f ON f.oid = ap.amprocfamily"				\
" JOIN pg_depend d ON d.classid = 'pg_amproc'::regclass AND d.objid = ap.oid"		\
"   AND d.refclassid = 'pg_opfamily'::regclass AND d.deptype = 'a'"				\
" WHERE f.opfnamespace = $1"														\
") m ORDER BY 1"

/* the members of a class (internal links to it), in the AS list */
#define OPCLASS_ITEMS \
"(SELECT string_agg(i, ', ' ORDER BY s, n, i) FROM ("									\
"  SELECT 1 AS s, ao.amopstrategy AS n, 'OPERATOR ' || ao.amopstrategy || ' ' || " OPER_SIG("ao.amopopr") \
"      || CASE WHEN ao.amoppurpose = 'o' THEN ' FOR ORDER BY ' || " OPFAMILY_REF("ao.amopsortfamily") " ELSE '' END AS i" \
"  FROM pg_depend d JOIN pg_amop ao ON ao.oid = d.objid"							\
"  WHERE d.classid = 'pg_amop'::regclass AND d.refclassid = 'pg_opclass'::regclass" \
"  AND d.refobjid = c.oid AND d.deptype = 'i'"										\
"  UNION ALL"																		\
"  SELECT 2, ap.amprocnum, 'FUNCTION ' || ap.amprocnum || ' (' || format_type(ap.amproclefttype, NULL)" \
"      || ', ' || format_type(ap.amprocrighttype, NULL) || ') ' || " FUNC_SIG("ap.amproc") \
"  FROM pg_depend d JOIN pg_amproc ap ON ap.oid = d.objid"						\
"  WHERE d.classid = 'pg_amproc'::regclass AND d.refclassid = 'pg_opclass'::regclass" \
"  AND d.refobjid = c.oid AND d.deptype = 'i'"										\
") m(s, n, i))"

#define OPCLASSES_QUERY \
"SELECT c.oid, c.opcname || ' USING ' || am.amname,"								\
"   quote_ident(c.opcname) AS name,"												\
"   ' USING ' || quote_ident(am.amname) AS identity,"								\
"   CASE WHEN c.opcdefault THEN ' DEFAULT' ELSE '' END"							\
"   || ' FOR TYPE ' || format_type(c.opcintype, NULL) || ' USING ' || quote_ident(am.amname)" \
"   || ' FAMILY ' || " OPFAMILY_REF("c.opcfamily") " || ' AS '"					\
"   || concat_ws(', ', CASE WHEN c.opckeytype <> 0 THEN 'STORAGE ' || format_type(c.opckeytype, NULL) END," \
"      " OPCLASS_ITEMS ") AS definition,"											\
"   " KIND_DESCRIPTION("c.oid", "pg_opclass") " AS comment"						\
" FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod"						\
" WHERE c.opcnamespace = $1"														\
" AND " KIND_NOT_IN_EXTENSION("pg_opclass", "c.oid")

/*
 * Collations: provider, determinism, locales.  Read through to_jsonb(),
 * which spares naming the columns that differ between versions (15's
 * colliculocale, 17's colllocale and collicurules).
 */
#define COLLATIONS_QUERY \
"SELECT co.oid, co.collname::text,"												\
"   quote_ident(co.collname) AS name,"												\
"   '' AS identity,"																\
"   ' (' || concat_ws(', ',"														\
"      'provider = ' || CASE co.collprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu'" \
"        WHEN 'b' THEN 'builtin' ELSE 'default' END,"								\
"      CASE WHEN NOT co.collisdeterministic THEN 'deterministic = false' END,"		\
"      CASE WHEN co.collprovider <> 'c' THEN 'locale = '"							\
"        || quote_literal(COALESCE(j->>'colllocale', j->>'colliculocale')) END,"	\
"      CASE WHEN co.collcollate IS NULL THEN NULL"								\
"        WHEN co.collcollate = co.collctype THEN 'locale = ' || quote_literal(co.collcollate)" \
"        ELSE concat_ws(', ', 'lc_collate = ' || quote_literal(co.collcollate),"	\
"          'lc_ctype = ' || quote_literal(co.collctype)) END,"						\
"      'rules = ' || quote_literal(j->>'collicurules')"								\
"   ) || ')' AS definition,"														\
"   " KIND_DESCRIPTION("co.oid", "pg_collation") " AS comment"						\
" FROM pg_collation co, LATERAL to_jsonb(co) j"									\
" WHERE co.collnamespace = $1"														\
" AND " KIND_NOT_IN_EXTENSION("pg_collation", "co.oid")

#define TS_PARSERS_QUERY \
"SELECT p.oid, p.prsname::text, quote_ident(p.prsname) AS name, '' AS identity,"	\
"   ' (' || concat_ws(', ', " FUNC_OPTION("START", "p.prsstart") ","				\
"      " FUNC_OPTION("GETTOKEN", "p.prstoken") ", " FUNC_OPTION("END", "p.prsend") "," \
"      " FUNC_OPTION("LEXTYPES", "p.prslextype") ", " FUNC_OPTION("HEADLINE", "p.prsheadline") \
"   ) || ')' AS definition,"														\
"   " KIND_DESCRIPTION("p.oid", "pg_ts_parser") " AS comment"						\
" FROM pg_ts_parser p WHERE p.prsnamespace = $1"									\
" AND " KIND_NOT_IN_EXTENSION("pg_ts_parser", "p.oid")

#define TS_TEMPLATES_QUERY \
"SELECT t.oid, t.tmplname::text, quote_ident(t.tmplname) AS name, '' AS identity," \
"   ' (' || concat_ws(', ', " FUNC_OPTION("INIT", "t.tmplinit") ","				\
"      " FUNC_OPTION("LEXIZE", "t.tmpllexize") ") || ')' AS definition,"			\
"   " KIND_DESCRIPTION("t.oid", "pg_ts_template") " AS comment"					\
" FROM pg_ts_template t WHERE t.tmplnamespace = $1"								\
" AND " KIND_NOT_IN_EXTENSION("pg_ts_template", "t.oid")

#define TS_DICTIONARIES_QUERY \
"SELECT d.oid, d.dictname::text, quote_ident(d.dictname) AS name, '' AS identity," \
"   ' (' || concat_ws(', ', 'TEMPLATE = ' || "									\
KIND_REF("pg_ts_template", "tmplnamespace", "tmplname", "d.dicttemplate") ","		\
"      d.dictinitoption) || ')' AS definition,"										\
"   " KIND_DESCRIPTION("d.oid", "pg_ts_dict") " AS comment"						\
" FROM pg_ts_dict d WHERE d.dictnamespace = $1"									\
" AND " KIND_NOT_IN_EXTENSION("pg_ts_dict", "d.oid")

#define TS_CONFIGURATIONS_QUERY \
"SELECT c.oid, c.cfgname::text, quote_ident(c.cfgname) AS name, '' AS identity,"	\
"   ' (PARSER = ' || " KIND_REF("pg_ts_parser", "prsnamespace", "prsname", "c.cfgparser") \
"   || ')' AS definition,"															\
"   " KIND_DESCRIPTION("c.oid", "pg_ts_config") " AS comment"						\
" FROM pg_ts_config c WHERE c.cfgnamespace = $1"									\
" AND " KIND_NOT_IN_EXTENSION("pg_ts_config", "c.oid")								\
" ORDER BY c.oid"

/* a configuration's mappings, by configuration: DROP form, ADD form */
#define TS_MAPPINGS_QUERY \
"SELECT c.oid, 'MAPPING FOR ' || quote_ident(t.alias),"											\
"   'MAPPING FOR ' || quote_ident(t.alias) || ' WITH ' || string_agg("							\
KIND_REF("pg_ts_dict", "dictnamespace", "dictname", "m.mapdict") ", ', ' ORDER BY m.mapseqno)" \
" FROM pg_ts_config c JOIN pg_ts_config_map m ON m.mapcfg = c.oid"				\
" JOIN LATERAL ts_token_type(c.cfgparser) t ON t.tokid = m.maptokentype"			\
" WHERE c.cfgnamespace = $1"														\
" GROUP BY c.oid, t.alias ORDER BY c.oid"

/*
 * The members of the schema's operator classes and families, named for
 * depends as the class or family they belong to: classid, objid, name
 */
#define OPERATOR_MEMBER_NAMES_QUERY \
"SELECT d.classid, d.objid, 'opclass ' || c.opcname || ' USING ' || am.amname"	\
" FROM pg_depend d JOIN pg_opclass c ON c.oid = d.refobjid JOIN pg_am am ON am.oid = c.opcmethod" \
" WHERE d.refclassid = 'pg_opclass'::regclass AND d.deptype = 'i' AND c.opcnamespace = $1" \
" AND d.classid IN ('pg_amop'::regclass, 'pg_amproc'::regclass)"					\
" AND " KIND_NOT_IN_EXTENSION("pg_opclass", "c.oid")								\
" UNION ALL"																		\
" SELECT d.classid, d.objid, 'opfamily ' || f.opfname || ' USING ' || am.amname"	\
" FROM pg_depend d JOIN pg_opfamily f ON f.oid = d.refobjid JOIN pg_am am ON am.oid = f.opfmethod" \
" WHERE d.refclassid = 'pg_opfamily'::regclass AND d.deptype = 'a' AND f.opfnamespace = $1" \
" AND d.classid IN ('pg_amop'::regclass, 'pg_amproc'::regclass)"					\
" AND " KIND_NOT_IN_EXTENSION("pg_opfamily", "f.oid")

/*
 * Event triggers belong to the database, not to a schema: a schema's
 * snapshot has those whose function is in it.  "state" is how one is
 * enabled when not as created (ALTER EVENT TRIGGER ... DISABLE, ...).  The
 * tags keep their order (pg_dump's).
 */
#define EVENT_TRIGGERS_QUERY \
"SELECT e.oid, e.evtname::text, quote_ident(e.evtname) AS name, '' AS identity,"	\
"   ' ON ' || quote_ident(e.evtevent) || COALESCE(' WHEN TAG IN ('"				\
"      || (SELECT string_agg(quote_literal(t), ', ' ORDER BY o)" \
"      FROM unnest(e.evttags) WITH ORDINALITY u(t, o)) || ')', '')" \
"   || ' EXECUTE FUNCTION ' || " FUNC_REF("e.evtfoid") " || '()' AS definition,"	\
"   CASE e.evtenabled WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA'"		\
"      WHEN 'A' THEN 'ENABLE ALWAYS' END AS state,"									\
"   " KIND_DESCRIPTION("e.oid", "pg_event_trigger") " AS comment"					\
" FROM pg_event_trigger e JOIN pg_proc p ON p.oid = e.evtfoid"					\
" WHERE p.pronamespace = $1"														\
" AND " KIND_NOT_IN_EXTENSION("pg_event_trigger", "e.oid")

/*
 * Publications belong to the database too: a schema's snapshot has those
 * that publish its tables or the schema itself (not those FOR ALL
 * TABLES), with their options, and as members what of the schema they
 * publish.  (18's pubgencols is read through to_jsonb(), as the columns
 * of pg_collation are.)
 */
#define PUBLICATIONS_QUERY \
"SELECT pb.oid, pb.pubname::text, quote_ident(pb.pubname) AS name, '' AS identity," \
"   ' WITH (publish = ' || quote_literal(concat_ws(', ', CASE WHEN pb.pubinsert THEN 'insert' END," \
"      CASE WHEN pb.pubupdate THEN 'update' END, CASE WHEN pb.pubdelete THEN 'delete' END," \
"      CASE WHEN pb.pubtruncate THEN 'truncate' END))"								\
"   || ', publish_via_partition_root = ' || pb.pubviaroot"						\
"   || CASE to_jsonb(pb)->>'pubgencols' WHEN 's' THEN ', publish_generated_columns = stored' ELSE '' END" \
"   || ')' AS definition,"															\
"   " KIND_DESCRIPTION("pb.oid", "pg_publication") " AS comment"					\
" FROM pg_publication pb WHERE NOT pb.puballtables"								\
" AND (EXISTS (SELECT FROM pg_publication_rel pr JOIN pg_class c ON c.oid = pr.prrelid" \
"      WHERE pr.prpubid = pb.oid AND c.relnamespace = $1)"							\
"   OR EXISTS (SELECT FROM pg_publication_namespace pn"							\
"      WHERE pn.pnpubid = pb.oid AND pn.pnnspid = $1))"							\
" ORDER BY pb.oid"

/* what of the schema a publication publishes, by publication: DROP form, ADD form */
#define PUBLICATION_MEMBERS_QUERY \
"SELECT pr.prpubid, 'TABLE ' || quote_ident(c.relname),"							\
"   'TABLE ' || quote_ident(c.relname)"												\
"   || COALESCE(' (' || (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)" \
"      FROM pg_attribute a WHERE a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs)) || ')', '')" \
"   || COALESCE(' WHERE (' || pg_get_expr(pr.prqual, pr.prrelid) || ')', ''),"		\
"   pr.oid AS _oid, 'pg_publication_rel'::regclass::oid AS _class"					\
" FROM pg_publication_rel pr JOIN pg_class c ON c.oid = pr.prrelid"				\
" WHERE c.relnamespace = $1"														\
" UNION ALL"																		\
" SELECT pn.pnpubid, 'TABLES IN SCHEMA CURRENT_SCHEMA', 'TABLES IN SCHEMA CURRENT_SCHEMA'," \
"   pn.oid, 'pg_publication_namespace'::regclass::oid"							\
" FROM pg_publication_namespace pn WHERE pn.pnnspid = $1"							\
" ORDER BY 1"

/*
 * Security labels (pg_seclabel) on the schema's objects, keyed "provider
 * ON target": "target" is what SECURITY LABEL names (pg_identify_object()'s
 * type and identity, the schema's name taken out: the diff runs with the
 * schema first in search_path), "object" what depends calls the object
 * labelled.  Not read: labels on the schema itself, on a database's
 * objects (pg_shseclabel).  $2 is the schema's name quoted.
 */
#define SECURITY_LABELS_QUERY \
"SELECT sl.objoid, sl.provider || ' ON ' || t.target, t.target,"					\
"   sl.provider AS provider, sl.label AS label, t.object"							\
" FROM pg_seclabel sl"																\
" CROSS JOIN LATERAL pg_identify_object(sl.classoid, sl.objoid, sl.objsubid) io"	\
" CROSS JOIN LATERAL (SELECT"														\
"   CASE WHEN sl.objsubid <> 0 THEN 'COLUMN' ELSE upper(io.type) END"				\
"   || ' ' || replace(io.identity, $2 || '.', '') AS target,"						\
"   CASE sl.classoid WHEN 'pg_class'::regclass THEN"								\
"      (SELECT 'relation ' || c.relname FROM pg_class c WHERE c.oid = sl.objoid)"	\
"   WHEN 'pg_proc'::regclass THEN (SELECT CASE p.prokind WHEN 'a' THEN 'aggregate ' ELSE 'function ' END" \
"      || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'"	\
"      FROM pg_proc p WHERE p.oid = sl.objoid)"										\
"   WHEN 'pg_type'::regclass THEN"													\
"      (SELECT 'type ' || ty.typname FROM pg_type ty WHERE ty.oid = sl.objoid) END AS object) t" \
" WHERE io.schema = (SELECT n.nspname FROM pg_namespace n WHERE n.oid = $1)"

#endif							/* MIGRATOR_SNAPSHOT_KINDS_H */
