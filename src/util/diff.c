/*
 * util/diff.c - Myers' diff as a matching, in linear space.
 *
 * dk_diff_match trims the common prefix and suffix, then runs Myers' greedy
 * search keeping every V array (O(D^2) memory) for up to SMALL_D edits:
 * small, and its choice among equally long common subsequences is the one
 * the merge's cases were written against. Beyond that it switches to the
 * linear-space form (Myers 1986, section 4b): find the middle snake (greedy
 * searches from both ends until they meet), record it, recurse on the two
 * halves. Time O((N+M)D), memory O(N+M) for two V arrays shared by the
 * whole recursion (keeping every V array took 200 MB at D = 5,000). Either
 * way the result is a longest common subsequence.
 *
 * Conventions: `match` entries not written stay SIZE_MAX; the edit bound is
 * checked once, at the top: the first middle snake's search knows D.
 */
#include "util/diff.h"

#include <stdbool.h>
#include <stdlib.h>

#include "dk/errors.h"

#include "util/alloc.h"

#include "util/banned.h"

/* Edit distance up to which the greedy search (quadratic memory in D) runs first. */
#define SMALL_D 1024

struct myers {
    const uint32_t *a, *b;
    size_t *match;
    /* furthest x per diagonal, forward and backward; index k + off */
    long *vf, *vb;
    long off;
};

struct snake {
    /* the snake runs from (x, y) to (u, v), relative to the sub-problem */
    long x, y, u, v;
    long d;
};

/*
 * The middle snake of a[a0, a0+n) vs b[b0, b0+m) (both non-empty), or -1
 * when more than `dmax` steps per direction (about 2*dmax edits) would be
 * needed.
 */
static long middle_snake(struct myers *my, size_t a0, long n, size_t b0, long m, long dmax,
                         struct snake *s)
{
    const uint32_t *a = my->a + a0, *b = my->b + b0;
    long *vf = my->vf + my->off, *vb = my->vb + my->off;
    long delta = n - m;
    bool odd = (delta & 1) != 0;
    long max = (n + m + 1) / 2;
    if (max > dmax)
        max = dmax;
    vf[1] = 0;
    vb[1] = 0;
    for (long d = 0; d <= max; d++) {
        /* forward */
        for (long k = -d; k <= d; k += 2) {
            long x = (k == -d || (k != d && vf[k - 1] < vf[k + 1])) ? vf[k + 1] : vf[k - 1] + 1;
            long y = x - k, x0 = x, y0 = y;
            while (x < n && y < m && a[x] == b[y]) {
                x++;
                y++;
            }
            vf[k] = x;
            long kb = delta - k;
            if (odd && kb >= -(d - 1) && kb <= d - 1 && vf[k] + vb[kb] >= n) {
                *s = (struct snake){x0, y0, x, y, 2 * d - 1};
                return s->d;
            }
        }
        /* backward, in reversed coordinates (x' = n - x, y' = m - y) */
        for (long k = -d; k <= d; k += 2) {
            long x = (k == -d || (k != d && vb[k - 1] < vb[k + 1])) ? vb[k + 1] : vb[k - 1] + 1;
            long y = x - k, x0 = x, y0 = y;
            while (x < n && y < m && a[n - 1 - x] == b[m - 1 - y]) {
                x++;
                y++;
            }
            vb[k] = x;
            long kf = delta - k;
            if (!odd && kf >= -d && kf <= d && vb[k] + vf[kf] >= n) {
                *s = (struct snake){n - x, m - y, n - x0, m - y0, 2 * d};
                return s->d;
            }
        }
    }
    return -1;
}

/* Match a[a0, a1) against b[b0, b1); dmax bounds the search (only the top call can fail). */
static int lcs(struct myers *my, size_t a0, size_t a1, size_t b0, size_t b1, long dmax)
{
    while (a0 < a1 && b0 < b1 && my->a[a0] == my->b[b0])
        my->match[a0++] = b0++;
    while (a0 < a1 && b0 < b1 && my->a[a1 - 1] == my->b[b1 - 1])
        my->match[--a1] = --b1;
    if (a0 == a1 || b0 == b1)
        return DK_OK;
    struct snake s;
    if (middle_snake(my, a0, (long)(a1 - a0), b0, (long)(b1 - b0), dmax, &s) < 0)
        return DK_ELIMIT;
    for (long i = 0; i < s.u - s.x; i++)
        my->match[a0 + (size_t)(s.x + i)] = b0 + (size_t)(s.y + i);
    /* the halves need fewer edits than the whole, so the same bound never stops them */
    int rc = lcs(my, a0, a0 + (size_t)s.x, b0, b0 + (size_t)s.y, dmax);
    if (rc == DK_OK)
        rc = lcs(my, a0 + (size_t)s.u, a1, b0 + (size_t)s.v, b1, dmax);
    return rc;
}

/*
 * Greedy Myers on a[0..n) vs b[0..m) keeping every V array (O(D^2) memory),
 * writing matches (offsets relative to a0/b0); used up to SMALL_D edits,
 * where its memory is small, because its choice among equally long common
 * subsequences is the one the merge's expectations were written against.
 */
static int greedy(size_t *match, const uint32_t *a, size_t n, const uint32_t *b, size_t m,
                  size_t a0, size_t b0, size_t max_edits)
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
        return DK_ELIMIT;
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
    if (greedy(match, a + pre, na - pre - suf, b + pre, nb - pre - suf, pre, pre,
               max_edits < SMALL_D ? max_edits : SMALL_D) == DK_OK)
        return DK_OK;
    if (max_edits <= SMALL_D)
        return dk_error_set(DK_ELIMIT, "diff exceeds %zu edits", max_edits);
    return dk__diff_match_linear(match, a, na, b, nb, max_edits);
}

int dk__diff_match_linear(size_t *match, const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                          size_t max_edits)
{
    for (size_t i = 0; i < na; i++)
        match[i] = SIZE_MAX;
    /* V arrays cover diagonals -(d+1)..d+1 for d up to half the longest search */
    long half = (long)((na + nb + 1) / 2) + 1;
    long cap = (long)(max_edits / 2) + 2;
    long dmax = half < cap ? half : cap;
    struct myers my = {a, b, match, NULL, NULL, dmax + 1};
    my.vf = dk_xcalloc((size_t)(2 * dmax + 3), sizeof(*my.vf));
    my.vb = dk_xcalloc((size_t)(2 * dmax + 3), sizeof(*my.vb));
    int rc = lcs(&my, 0, na, 0, nb, dmax);
    /* the search stops at whole steps: a distance just over the bound can still be found */
    free(my.vf);
    free(my.vb);
    if (rc == DK_OK) {
        size_t matched = 0;
        for (size_t i = 0; i < na; i++)
            matched += match[i] != SIZE_MAX;
        size_t edits = na + nb - 2 * matched;
        if (edits > max_edits)
            rc = DK_ELIMIT;
    }
    if (rc == DK_ELIMIT)
        return dk_error_set(DK_ELIMIT, "diff exceeds %zu edits", max_edits);
    return rc;
}
