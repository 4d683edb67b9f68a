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

/* a broken invariant: crash, so that libFuzzer keeps the input */
#define fuzz_check(ok) do { if (!(ok)) __builtin_trap(); } while (0)

/* len bytes of s, NUL-terminated, in a malloc'd block of exactly len + 1 */
extern char *fuzz_copy(const void *s, size_t len);

#endif							/* FUZZ_SHIM_H */
