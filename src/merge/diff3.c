/*
 * merge/diff3.c - diff3 chunking over interned items.
 *
 * Matchings come from util/diff.c (Myers); the weighted variant matches
 * heavy items first and light ones (blank lines) only in the gaps.
 *
 * dk_diff3 (the classic formulation of Khanna, Kunal and Pierce): with the
 * matchings base->ours and base->theirs, a base item matched in both, at
 * exactly the positions we have reached, is stable; the run up to the next
 * base item matched on both sides is an unstable chunk, classified by
 * comparing each side's slice with base's and with each other.
 */
#include "merge/diff3.h"

#include <stdlib.h>
#include <string.h>

#include "dk/errors.h"

#include "util/alloc.h"
#include "util/diff.h"

#include "util/banned.h"

static int slices_equal(const uint32_t *x, size_t x0, size_t x1, const uint32_t *y, size_t y0,
                        size_t y1)
{
    if (x1 - x0 != y1 - y0)
        return 0;
    return x1 == x0 || memcmp(x + x0, y + y0, (x1 - x0) * sizeof(*x)) == 0;
}

static void push_chunk(struct diff3_result *r, size_t *cap, struct diff3_chunk c)
{
    if (r->nchunks == *cap) {
        *cap = dk_alloc_grow(*cap, r->nchunks + 1);
        r->chunks = dk_xreallocarray(r->chunks, *cap, sizeof(*r->chunks));
    }
    r->chunks[r->nchunks++] = c;
}

int dk_diff_match_weighted(size_t *match, const uint32_t *a, const uint8_t *la, size_t na,
                           const uint32_t *b, const uint8_t *lb, size_t nb, size_t max_edits)
{
    if (!la || !lb)
        return dk_diff_match(match, a, na, b, nb, max_edits);
    size_t *ia = dk_xcalloc(na + 1, sizeof(*ia)), *ib = dk_xcalloc(nb + 1, sizeof(*ib));
    uint32_t *ha = dk_xcalloc(na + 1, sizeof(*ha)), *hb = dk_xcalloc(nb + 1, sizeof(*hb));
    size_t *hm = dk_xcalloc(na + 1, sizeof(*hm));
    size_t nha = 0, nhb = 0;
    for (size_t i = 0; i < na; i++) {
        if (!la[i]) {
            ia[nha] = i;
            ha[nha++] = a[i];
        }
    }
    for (size_t i = 0; i < nb; i++) {
        if (!lb[i]) {
            ib[nhb] = i;
            hb[nhb++] = b[i];
        }
    }
    int rc = dk_diff_match(hm, ha, nha, hb, nhb, max_edits);
    for (size_t i = 0; i < na; i++)
        match[i] = SIZE_MAX;
    /* heavy matches, then each gap between consecutive ones matched on its own */
    size_t pa = 0, pb = 0;
    for (size_t h = 0; rc == DK_OK && h <= nha; h++) {
        size_t ea = na, eb = nb;
        if (h < nha) {
            if (hm[h] == SIZE_MAX)
                continue;
            ea = ia[h];
            eb = ib[hm[h]];
        }
        if (ea > pa && eb > pb) {
            size_t *sub = dk_xcalloc(ea - pa, sizeof(*sub));
            rc = dk_diff_match(sub, a + pa, ea - pa, b + pb, eb - pb, max_edits);
            for (size_t k = 0; rc == DK_OK && k < ea - pa; k++)
                match[pa + k] = sub[k] == SIZE_MAX ? SIZE_MAX : pb + sub[k];
            free(sub);
        }
        if (h < nha) {
            match[ea] = eb;
            pa = ea + 1;
            pb = eb + 1;
        }
    }
    free(ia);
    free(ib);
    free(ha);
    free(hb);
    free(hm);
    return rc;
}

int dk_diff3(struct diff3_result *out, const uint32_t *base, size_t nb, const uint32_t *ours,
             size_t no, const uint32_t *theirs, size_t nt, size_t max_edits)
{
    return dk_diff3_weighted(out, base, NULL, nb, ours, NULL, no, theirs, NULL, nt, max_edits);
}

int dk_diff3_weighted(struct diff3_result *out, const uint32_t *base, const uint8_t *light_b,
                      size_t nb, const uint32_t *ours, const uint8_t *light_o, size_t no,
                      const uint32_t *theirs, const uint8_t *light_t, size_t nt, size_t max_edits)
{
    out->chunks = NULL;
    out->nchunks = 0;
    size_t *mo = dk_xcalloc(nb ? nb : 1, sizeof(*mo));
    size_t *mt = dk_xcalloc(nb ? nb : 1, sizeof(*mt));
    int rc = dk_diff_match_weighted(mo, base, light_b, nb, ours, light_o, no, max_edits);
    if (rc == DK_OK)
        rc = dk_diff_match_weighted(mt, base, light_b, nb, theirs, light_t, nt, max_edits);
    if (rc) {
        free(mo);
        free(mt);
        return rc;
    }
    size_t cap = 0, b = 0, o = 0, t = 0;
    for (;;) {
        size_t sb = b, so = o, st = t;
        while (b < nb && mo[b] == o && mt[b] == t) {
            b++;
            o++;
            t++;
        }
        if (b > sb)
            push_chunk(out, &cap, (struct diff3_chunk){DIFF3_STABLE, sb, b, so, o, st, t});
        if (b == nb && o == no && t == nt)
            break;
        /* next base item matched on both sides ends the unstable chunk */
        size_t b2 = b;
        while (b2 < nb && (mo[b2] == SIZE_MAX || mt[b2] == SIZE_MAX))
            b2++;
        size_t o2 = b2 < nb ? mo[b2] : no, t2 = b2 < nb ? mt[b2] : nt;
        struct diff3_chunk c = {DIFF3_CONFLICT, b, b2, o, o2, t, t2};
        int ob = slices_equal(ours, o, o2, base, b, b2);
        int tb = slices_equal(theirs, t, t2, base, b, b2);
        if (ob && tb)
            c.kind = DIFF3_STABLE; /* cannot happen with a true LCS, kept for safety */
        else if (ob)
            c.kind = DIFF3_THEIRS;
        else if (tb)
            c.kind = DIFF3_OURS;
        else if (slices_equal(ours, o, o2, theirs, t, t2))
            c.kind = DIFF3_BOTH_SAME;
        push_chunk(out, &cap, c);
        b = b2;
        o = o2;
        t = t2;
    }
    free(mo);
    free(mt);
    return DK_OK;
}
