/*
 * util/arena.h - a bump allocator for request- or result-scoped memory.
 *
 * Everything allocated from an arena is freed at once by dk_arena_release;
 * nothing allocated here may outlive it (copy with a _dup into owned memory).
 * Blocks grow geometrically; a large request gets a block of its own.
 * Allocations are aligned to max_align_t. Not thread-safe: one owner.
 */
#ifndef DK_UTIL_ARENA_H
#define DK_UTIL_ARENA_H

#include <stddef.h>

struct dk_arena_block;

typedef struct dk_arena {
    /* newest block first */
    struct dk_arena_block *head;
    /* total bytes handed out, for limits and statistics */
    size_t used;
} dk_arena;

#define DK_ARENA_INIT                                                                              \
    {                                                                                              \
        NULL, 0                                                                                    \
    }

void *dk_arena_alloc(dk_arena *a, size_t size);
/** Zeroed array of n elements with an overflow check. */
void *dk_arena_calloc(dk_arena *a, size_t n, size_t size);
char *dk_arena_strndup(dk_arena *a, const char *s, size_t len);
char *dk_arena_strdup(dk_arena *a, const char *s);
char *dk_arena_sprintf(dk_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dk_arena_release(dk_arena *a);

#endif
