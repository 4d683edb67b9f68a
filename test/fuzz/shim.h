/*
 * shim.h -- what the fuzz targets get from shim.c besides the server's
 * own function names.
 */
#ifndef FUZZ_SHIM_H
#define FUZZ_SHIM_H

#include <setjmp.h>

/* where an ereport(ERROR) jumps; NULL: abort(), it was not expected */
extern sigjmp_buf *fuzz_error_jump;
extern int	fuzz_errors;

/* free everything palloc'd since the last call */
extern void fuzz_reset(void);

#endif							/* FUZZ_SHIM_H */
