/*
 * util/vec.h - a type-safe growable array (tree-sitter's Array(T) idea).
 *
 *     dk_vec(int) v = DK_VEC_INIT;
 *     dk_vec_push(&v, 42);
 *     dk_vec_foreach(&v, int *, it) use(*it);
 *     dk_vec_release(&v);
 *
 * The vector owns its buffer; elements are plain values the caller manages.
 * Pointers into the buffer are invalidated by any push. Not thread-safe.
 */
#ifndef DK_UTIL_VEC_H
#define DK_UTIL_VEC_H

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#define dk_vec(T)                                                                                  \
    struct {                                                                                       \
        T *items;                                                                                  \
        size_t len;                                                                                \
        size_t cap;                                                                                \
    }

#define DK_VEC_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

#define dk_vec_init(v) ((v)->items = NULL, (v)->len = 0, (v)->cap = 0)

/* Make room for n more elements. */
#define dk_vec_reserve(v, n)                                                                       \
    dk__vec_reserve((void **)&(v)->items, &(v)->cap, (v)->len + (n), sizeof(*(v)->items))

/*
 * `value` is evaluated after the reserve and before len changes, so it may
 * read the vector itself by index (dk_vec_push(&v, v.items[v.len - 1])); a
 * pointer into items taken before the push is stale after it.
 */
#define dk_vec_push(v, value)                                                                      \
    do {                                                                                           \
        dk_vec_reserve(v, 1);                                                                      \
        (v)->items[(v)->len] = (value);                                                            \
        (v)->len++;                                                                                \
    } while (0)

/* Append a zeroed element and return a pointer to it. */
#define dk_vec_push_zero(v)                                                                        \
    (dk_vec_reserve(v, 1), memset(&(v)->items[(v)->len], 0, sizeof(*(v)->items)),                  \
     &(v)->items[(v)->len++])

#define dk_vec_pop(v)   ((v)->items[--(v)->len])
#define dk_vec_last(v)  (&(v)->items[(v)->len - 1])
#define dk_vec_clear(v) ((v)->len = 0)

#define dk_vec_release(v)                                                                          \
    do {                                                                                           \
        free((v)->items);                                                                          \
        dk_vec_init(v);                                                                            \
    } while (0)

#define dk_vec_foreach(v, T, it) for (T it = (v)->items; it && it < (v)->items + (v)->len; it++)

static inline void dk__vec_reserve(void **items, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    size_t n = dk_alloc_grow(*cap, need);
    *items = dk_xreallocarray(*items, n, elem);
    *cap = n;
}

#endif
