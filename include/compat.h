/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  What differs between the PostgreSQL major versions migrator builds
 *	  on: 15, 17 and 18 (16 is expected to work as 17 does, untested).
 *	  Each difference is named once here, behind PG_VERSION_NUM, so that
 *	  the code itself calls one spelling.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATOR_COMPAT_H
#define MIGRATOR_COMPAT_H

#include "postgres.h"

#include "fmgr.h"

#if PG_VERSION_NUM < 150000
#error "migrator needs PostgreSQL 15 or later"
#endif

/*
 * Symbols: the Makefile builds with -fvisibility=hidden and, on 15, makes
 * PGDLLEXPORT mean visibility "default".  16+ declare the SQL-callable
 * function PGDLLEXPORT in PG_FUNCTION_INFO_V1 and _PG_init in fmgr.h; 15
 * does neither: do it as 16 does.
 */
#if PG_VERSION_NUM < 160000
#undef PG_FUNCTION_INFO_V1
#define PG_FUNCTION_INFO_V1(funcname) \
extern PGDLLEXPORT Datum funcname(PG_FUNCTION_ARGS); \
extern PGDLLEXPORT const Pg_finfo_record * CppConcat(pg_finfo_,funcname)(void); \
const Pg_finfo_record * \
CppConcat(pg_finfo_,funcname) (void) \
{ \
	static const Pg_finfo_record my_finfo = { 1 }; \
	return &my_finfo; \
} \
extern int no_such_variable

extern PGDLLEXPORT void _PG_init(void);
#endif

/*
 * 18 spells "does not return" before the declaration (pg_noreturn) and
 * drops pg_attribute_noreturn(); before 18 the attribute may stand there too.
 */
#if PG_VERSION_NUM < 180000
#define pg_noreturn pg_attribute_noreturn()
#endif

/* 16 added a soft-error context to typeStringToTypeName(): NULL throws. */
#if PG_VERSION_NUM >= 160000
#define compat_type_string_to_name(str) typeStringToTypeName((str), NULL)
#else
#define compat_type_string_to_name(str) typeStringToTypeName(str)
#endif

/* 17 added LockHeldByMe()'s orstronger argument: false asks for that mode exactly. */
#if PG_VERSION_NUM >= 170000
#define compat_LockHeldByMe(tag, mode) LockHeldByMe((tag), (mode), false)
#else
#define compat_LockHeldByMe(tag, mode) LockHeldByMe((tag), (mode))
#endif

/* 18 dropped PortalRun()'s run_once argument (it was always true here). */
#if PG_VERSION_NUM >= 180000
#define compat_PortalRun(portal, count, top, dest, altdest, qc) \
	PortalRun((portal), (count), (top), (dest), (altdest), (qc))
#else
#define compat_PortalRun(portal, count, top, dest, altdest, qc) \
	PortalRun((portal), (count), (top), true, (dest), (altdest), (qc))
#endif

/* 18 renamed ResultRelInfo's CHECK expressions (NOT NULL has its own now). */
#if PG_VERSION_NUM >= 180000
#define ri_ConstraintExprs ri_CheckConstraintExprs
#endif

/*
 * 18 catalogs NOT NULL as a constraint that can be added NOT VALID and
 * validated later; before 18 a validated CHECK (col IS NOT NULL) lets SET
 * NOT NULL skip its scan (the online runner's two forms, online.c).
 */
#if PG_VERSION_NUM >= 180000
#define COMPAT_NOT_NULL_NOT_VALID 1
#else
#define COMPAT_NOT_NULL_NOT_VALID 0
#endif

#endif							/* MIGRATOR_COMPAT_H */
