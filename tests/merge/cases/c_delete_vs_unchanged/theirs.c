#include <stdio.h>
#include "table.h"

/*
 * Print the table for debugging.
 */
static void table_dump(const struct table *t)
{
    for (size_t i = 0; i < t->n; i++)
        printf("%zu: %s\n", i, t->rows[i]);
}

size_t table_count(const struct table *t)
{
    return t->n;
}

const char *table_row(const struct table *t, size_t i)
{
    if (i >= t->n)
        return NULL;
    return t->rows[i];
}
