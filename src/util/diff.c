/*
 * util/diff.c - Myers' diff as a matching.
 *
 * dk_diff_match trims the common prefix and suffix, then runs the greedy
 * O((N+M)D) search on what is left, keeping the furthest-reaching x of
 * every diagonal for each d (2d+1 entries per step, O(D^2) memory in all)
 * so that the path can be walked back into a matching.
 */
#include "util/diff.h"

#include <stdlib.h>

#include "dk/errors.h"

#include "util/alloc.h"

#include "util/banned.h"

/* Myers on a[0..n) vs b[0..m), writing matches (offsets relative to a0/b0). */
static int myers(size_t *match, const uint32_t *a, size_t n, const uint32_t *b, size_t m, size_t a0,
                 size_t b0, size_t max_edits)
{
    if (n == 0 || m == 0)
        return DK_OK;
    size_t max = n + m;
    if (max > max_edits)
        max = max_edits;
    /* trace[d] holds V for step d, indexed by k + d, for k in [-d, d] */
    long **trace = dk_xcalloc(max + 1, sizeof(*trace));
    long *prev = NULL;
    size_t dfound = SIZE_MAX;
    long final_k = 0;
    for (size_t d = 0; d <= max; d++) {
        long *v = dk_xcalloc(2 * d + 1, sizeof(*v));
        trace[d] = v;
        long ld = (long)d;
        for (long k = -ld; k <= ld; k += 2) {
            long x;
            if (d == 0) {
                x = 0;
            } else if (k == -ld || (k != ld && prev[k - 1 + (ld - 1)] < prev[k + 1 + (ld - 1)])) {
                x = prev[k + 1 + (ld - 1)]; /* down: insertion from b */
            } else {
                x = prev[k - 1 + (ld - 1)] + 1; /* right: deletion from a */
            }
            long y = x - k;
            while (x < (long)n && y < (long)m && y >= 0 && a[x] == b[y]) {
                x++;
                y++;
            }
            v[k + ld] = x;
            if (x >= (long)n && y >= (long)m) {
                dfound = d;
                final_k = k;
                goto found;
            }
        }
        prev = v;
    }
found:
    if (dfound == SIZE_MAX) {
        for (size_t d = 0; d <= max; d++)
            free(trace[d]);
        free(trace);
        return dk_error_set(DK_ELIMIT, "diff exceeds %zu edits", max_edits);
    }
    /* walk back from (n, m) recording the diagonal (snake) moves as matches */
    long x = (long)n, y = (long)m, k = final_k;
    for (size_t d = dfound; d > 0; d--) {
        long ld = (long)d;
        long *pv = trace[d - 1];
        long pk;
        if (k == -ld || (k != ld && pv[k - 1 + (ld - 1)] < pv[k + 1 + (ld - 1)]))
            pk = k + 1;
        else
            pk = k - 1;
        long px = pv[pk + (ld - 1)];
        long py = px - pk;
        /* the snake after the edit: from (px', py') to (x, y) */
        long sx = pk == k + 1 ? px : px + 1;
        long sy = sx - k;
        while (x > sx && y > sy) {
            x--;
            y--;
            match[a0 + (size_t)x] = b0 + (size_t)y;
        }
        x = px;
        y = py;
        k = pk;
    }
    while (x > 0 && y > 0) {
        x--;
        y--;
        match[a0 + (size_t)x] = b0 + (size_t)y;
    }
    for (size_t d = 0; d <= dfound; d++)
        free(trace[d]);
    for (size_t d = dfound + 1; d <= max; d++)
        free(trace[d]);
    free(trace);
    return DK_OK;
}

int dk_diff_match(size_t *match, const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                  size_t max_edits)
{
    for (size_t i = 0; i < na; i++)
        match[i] = SIZE_MAX;
    size_t pre = 0;
    while (pre < na && pre < nb && a[pre] == b[pre]) {
        match[pre] = pre;
        pre++;
    }
    size_t suf = 0;
    while (suf < na - pre && suf < nb - pre && a[na - 1 - suf] == b[nb - 1 - suf]) {
        match[na - 1 - suf] = nb - 1 - suf;
        suf++;
    }
    return myers(match, a + pre, na - pre - suf, b + pre, nb - pre - suf, pre, pre, max_edits);
}
