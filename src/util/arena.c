/*
 * util/arena.c - bump allocator (h2o mem pool style).
 *
 *   head -> [block: used|free....] -> [older block] -> ... -> NULL
 *
 * Allocation takes from the head block; when it does not fit, a new block of
 * max(2 * previous, request) bytes is pushed. Only the head block is ever
 * allocated from, which wastes the tail of older blocks but keeps the fast
 * path a compare and an add.
 */
#include "util/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#define ARENA_ALIGN      (_Alignof(max_align_t))
#define ARENA_FIRST_SIZE 4096

struct dk_arena_block {
    struct dk_arena_block *next;
    size_t size;
    size_t used;
    _Alignas(max_align_t) unsigned char data[];
};

void *dk_arena_alloc(dk_arena *a, size_t size)
{
    size_t need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    dk_assert(need >= size);
    struct dk_arena_block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t bs = b ? b->size * 2 : ARENA_FIRST_SIZE;
        if (bs > (1u << 20))
            bs = 1u << 20;
        if (bs < need)
            bs = need;
        b = dk_xmalloc(sizeof(*b) + bs);
        b->size = bs;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used += size;
    return p;
}

void *dk_arena_calloc(dk_arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        dk_assert(!"arena calloc overflow");
    void *p = dk_arena_alloc(a, n * size);
    memset(p, 0, n * size);
    return p;
}

char *dk_arena_strndup(dk_arena *a, const char *s, size_t len)
{
    char *p = dk_arena_alloc(a, len + 1);
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *dk_arena_strdup(dk_arena *a, const char *s)
{
    return dk_arena_strndup(a, s, strlen(s));
}

char *dk_arena_sprintf(dk_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    dk_assert(n >= 0);
    char *p = dk_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void dk_arena_release(dk_arena *a)
{
    struct dk_arena_block *b = a->head;
    while (b) {
        struct dk_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}
