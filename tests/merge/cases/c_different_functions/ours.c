#include <stdlib.h>
#include "buffer.h"

static inline size_t min_size(size_t a, size_t b) { return b < a ? b : a; }
static inline size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

static size_t grow_capacity(size_t cap)
{
    if (cap < 16)
        return 16;
    return cap * 2;
}

int buffer_reserve(struct buffer *b, size_t need)
{
    if (b->len + need <= b->cap)
        return 0;
    size_t cap = grow_capacity(b->cap);
    while (cap < b->len + need)
        cap = grow_capacity(cap);
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 1;
}

void buffer_free(struct buffer *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
