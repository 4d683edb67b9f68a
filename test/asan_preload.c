/*
 * asan_preload.c -- preloaded after the AddressSanitizer runtime by test/sanitize asan, for a
 * server that is not itself built with ASan.
 *
 * The runtime, preloaded, initialises itself lazily: at the first malloc, which in postgres comes
 * from a shared library's constructor inside bindtextdomain() or newlocale() (libgpg-error,
 * p11-kit), with a glibc lock held.  Its initialisation looks up swift_demangle with dlsym() and,
 * not finding it, calls dlerror(), whose message translation takes the same lock again: the lock
 * is left corrupt and the next bindtextdomain() hangs forever.  With swift_demangle defined here
 * the lookup succeeds, and nothing is translated.  It demangles nothing: NULL means "not a Swift
 * name", so ASan prints C names as they are.
 */
#include <stddef.h>

char	   *swift_demangle(const char *mangled, size_t len, char *out,
						   size_t *outlen, unsigned flags);

char *
swift_demangle(const char *mangled, size_t len, char *out, size_t *outlen,
			   unsigned flags)
{
	return NULL;
}
