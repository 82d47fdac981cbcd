/*
 * util/alloc.c - aborting allocators.
 *
 * The library never prints except here: an allocation failure or a broken
 * invariant ends the process, and the one line on stderr is the only trace we
 * can leave. Conventions: every size multiplication is overflow-checked.
 */
#include "util/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Noreturn void alloc_die(size_t size)
{
    fprintf(stderr, "dk: out of memory allocating %zu bytes\n", size);
    abort();
}

void dk__assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "dk: assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}

void *dk_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        alloc_die(size);
    return p;
}

void *dk_xcalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        alloc_die(SIZE_MAX);
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        alloc_die(n * size);
    return p;
}

void *dk_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        alloc_die(size);
    return p;
}

void *dk_xreallocarray(void *ptr, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        alloc_die(SIZE_MAX);
    return dk_xrealloc(ptr, n * size);
}

char *dk_xstrdup(const char *s)
{
    return dk_xstrndup(s, strlen(s));
}

char *dk_xstrndup(const char *s, size_t len)
{
    if (len == SIZE_MAX)
        alloc_die(len);
    char *p = dk_xmalloc(len + 1);
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

size_t dk_alloc_grow(size_t cap, size_t need)
{
    size_t n = cap < 8 ? 8 : cap;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return need;
        n *= 2;
    }
    return n;
}
