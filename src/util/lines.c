/*
 * util/lines.c - the line index (see lines.h).
 *
 * Two passes over the text: count the newlines, then record where each line
 * starts, so the array is allocated once at its exact size.
 */
#include "util/lines.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#include "util/banned.h"

void dk_line_index_init(struct dk_line_index *ix, const char *src, size_t len)
{
    size_t n = 1;
    for (const char *p = src, *end = src + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        n++;
        p = nl + 1;
    }
    ix->starts = dk_xcalloc(n, sizeof(*ix->starts));
    ix->n = n;
    size_t k = 1;
    for (const char *p = src, *end = src + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        ix->starts[k++] = (uint32_t)(nl + 1 - src);
        p = nl + 1;
    }
}

void dk_line_index_release(struct dk_line_index *ix)
{
    free(ix->starts);
    ix->starts = NULL;
    ix->n = 0;
}

size_t dk_line_index_row(const struct dk_line_index *ix, uint32_t off)
{
    size_t lo = 0, hi = ix->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->starts[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}
