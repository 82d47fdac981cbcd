#include <stdlib.h>
#include "stack.h"

static int stack_grow(struct stack *stack);
int stack_push(struct stack *s, int v)
{
    if (s->len == s->cap && stack_grow(s) != 0)
        return -1;
    s->items[s->len++] = v;
    return 0;
}

static int stack_grow(struct stack *s)
{
    size_t cap = s->cap ? s->cap * 2 : 8;
    int *p = realloc(s->items, cap * sizeof(*p));
    if (!p)
        return -1;
    s->items = p;
    s->cap = cap;
    return 0;
}
