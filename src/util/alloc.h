/*
 * util/alloc.h - allocation that never returns NULL.
 *
 * Out of memory is not a recoverable condition for dk (Redis, git and
 * tree-sitter take the same view): these wrappers print one line and abort.
 * Error paths are kept for real failures. Thread-safe.
 */
#ifndef DK_UTIL_ALLOC_H
#define DK_UTIL_ALLOC_H

#include <stddef.h>

void *dk_xmalloc(size_t size);
/** calloc with overflow check on n * size. */
void *dk_xcalloc(size_t n, size_t size);
void *dk_xrealloc(void *ptr, size_t size);
/** realloc to n * size bytes with an overflow check. */
void *dk_xreallocarray(void *ptr, size_t n, size_t size);
char *dk_xstrdup(const char *s);
/** Copy `len` bytes of `s` and NUL-terminate (s need not be terminated). */
char *dk_xstrndup(const char *s, size_t len);
/** Grow-by-doubling capacity helper: smallest cap >= need, at least 8. */
size_t dk_alloc_grow(size_t cap, size_t need);

/** Always-on invariant check; aborts with file:line. Never for input checks. */
#define dk_assert(cond)                                                                            \
    do {                                                                                           \
        if (!(cond))                                                                               \
            dk__assert_fail(#cond, __FILE__, __LINE__);                                            \
    } while (0)

_Noreturn void dk__assert_fail(const char *expr, const char *file, int line);

#endif
