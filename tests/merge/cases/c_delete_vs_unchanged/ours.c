#include <stdio.h>
#include "table.h"

size_t table_count(const struct table *t)
{
    return t->n;
}

const char *table_row(const struct table *t, size_t i)
{
    return i < t->n ? t->rows[i] : NULL;
}
