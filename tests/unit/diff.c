/*
 * tests/unit/diff.c - util/diff.c (Myers matching) and merge/diff3.c
 * (three-way chunking) tested directly:
 *
 *   - the matching is a common subsequence (increasing, equal items) of
 *     maximal length, checked against a brute-force LCS table on thousands
 *     of random pairs over small alphabets (where ties are many);
 *   - the same for the linear-space search used beyond ~1,000 edits;
 *   - the edit bound: more edits than max_edits is DK_ELIMIT, exactly at
 *     the bound succeeds;
 *   - diff3 on the classic examples (Khanna, Kunal and Pierce) and on
 *     random triples: the chunks tile all three sequences in order, stable
 *     chunks are equal everywhere, and each unstable chunk has the kind its
 *     slices say;
 *   - the weighted variant lines up heavy items before light ones.
 */
#include "util/diff.h"

#include <stdlib.h>
#include <string.h>

#include "harness/th.h"
#include "merge/diff3.h"

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33) % n;
}

/* Length of a longest common subsequence (O(n*m) table). */
static size_t lcs_len(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t *t = calloc((na + 1) * (nb + 1), sizeof(*t));
    for (size_t i = na; i-- > 0;) {
        for (size_t j = nb; j-- > 0;) {
            size_t *c = &t[i * (nb + 1) + j];
            if (a[i] == b[j])
                *c = 1 + t[(i + 1) * (nb + 1) + j + 1];
            else {
                size_t down = t[(i + 1) * (nb + 1) + j], right = t[i * (nb + 1) + j + 1];
                *c = down > right ? down : right;
            }
        }
    }
    size_t r = t[0];
    free(t);
    return r;
}

/* The matching is a common subsequence; returns its length. */
static size_t check_matching(const size_t *match, const uint32_t *a, size_t na, const uint32_t *b,
                             size_t nb)
{
    size_t n = 0, last = 0;
    bool any = false;
    for (size_t i = 0; i < na; i++) {
        if (match[i] == SIZE_MAX)
            continue;
        th_assert_msg(match[i] < nb, "match[%zu] = %zu out of range", i, match[i]);
        th_assert_msg(a[i] == b[match[i]], "a[%zu] matched to an unequal b[%zu]", i, match[i]);
        th_assert_msg(!any || match[i] > last, "matching not increasing at a[%zu]", i);
        last = match[i];
        any = true;
        n++;
    }
    return n;
}

void test_diff__match_is_a_longest_common_subsequence(void)
{
    rng_state = 42;
    uint32_t a[40], b[40];
    size_t match[40];
    for (int round = 0; round < 4000; round++) {
        size_t na = rnd(40), nb = rnd(40);
        uint32_t alpha = 1 + rnd(round % 3 == 0 ? 3 : 12);
        for (size_t i = 0; i < na; i++)
            a[i] = rnd(alpha);
        /* half the time b is an edit of a, so long common runs occur */
        for (size_t j = 0; j < nb; j++)
            b[j] = (round % 2 && j < na && rnd(4)) ? a[j] : rnd(alpha);
        th_assert_ok(dk_diff_match(match, a, na, b, nb, 1000));
        size_t got = check_matching(match, a, na, b, nb);
        size_t want = lcs_len(a, na, b, nb);
        th_assert_msg(got == want, "round %d: matching of %zu, LCS is %zu", round, got, want);
        /* the linear-space search (used beyond ~1,000 edits) finds one as long */
        th_assert_ok(dk__diff_match_linear(match, a, na, b, nb, 1000));
        got = check_matching(match, a, na, b, nb);
        th_assert_msg(got == want, "round %d: linear matching of %zu, LCS is %zu", round, got,
                      want);
        /* and keeps the edit bound exactly */
        size_t d = na + nb - 2 * want;
        if (d > 0) {
            th_assert_ok(dk__diff_match_linear(match, a, na, b, nb, d));
            th_assert_err(dk__diff_match_linear(match, a, na, b, nb, d - 1), DK_ELIMIT);
        }
    }
}

void test_diff__empty_and_equal_sequences(void)
{
    uint32_t a[] = {1, 2, 3};
    size_t match[3];
    th_assert_ok(dk_diff_match(match, a, 0, a, 0, 10));
    th_assert_ok(dk_diff_match(match, a, 3, a, 0, 10));
    th_assert(match[0] == SIZE_MAX && match[1] == SIZE_MAX && match[2] == SIZE_MAX);
    th_assert_ok(dk_diff_match(match, a, 0, a, 3, 10));
    th_assert_ok(dk_diff_match(match, a, 3, a, 3, 0)); /* equal: no edit needed */
    th_assert(match[0] == 0 && match[1] == 1 && match[2] == 2);
}

/* D edits needed: max_edits = D succeeds, D - 1 is DK_ELIMIT (and the caller falls back). */
void test_diff__edit_bound_is_exact(void)
{
    enum { N = 200 };
    uint32_t a[N], b[N];
    size_t match[N];
    for (size_t i = 0; i < N; i++) {
        a[i] = (uint32_t)i;
        b[i] = (uint32_t)(i % 10 == 5 ? 1000 + i : i); /* 20 substitutions: 40 edits */
    }
    th_assert_ok(dk_diff_match(match, a, N, b, N, 40));
    th_assert_eq_int(check_matching(match, a, N, b, N), N - 20);
    th_assert_err(dk_diff_match(match, a, N, b, N, 39), DK_ELIMIT);
    /* disjoint sequences: n + m edits */
    for (size_t i = 0; i < N; i++)
        b[i] = (uint32_t)(5000 + i);
    th_assert_err(dk_diff_match(match, a, N, b, N, 2 * N - 1), DK_ELIMIT);
    th_assert_ok(dk_diff_match(match, a, N, b, N, 2 * N));
    th_assert_eq_int(check_matching(match, a, N, b, N), 0);
    th_assert_err(dk_diff3(&(struct diff3_result){0}, a, N, b, N, a, N, 10), DK_ELIMIT);
}

/* A diff of thousands of edits takes the linear-space path: an LCS, within the bound. */
void test_diff__large_diff_in_linear_space(void)
{
    enum { N = 6000 };
    uint32_t *a = calloc(N, sizeof(*a)), *b = calloc(N, sizeof(*b));
    size_t *match = calloc(N, sizeof(*match));
    for (size_t i = 0; i < N; i++) {
        a[i] = (uint32_t)i;
        b[i] = (uint32_t)(i % 3 == 0 ? 100000 + i : i); /* 2,000 substitutions: 4,000 edits */
    }
    th_assert_ok(dk_diff_match(match, a, N, b, N, 5000));
    th_assert_eq_int(check_matching(match, a, N, b, N), N - 2000);
    th_assert_err(dk_diff_match(match, a, N, b, N, 3999), DK_ELIMIT);
    th_assert_ok(dk_diff_match(match, a, N, b, N, 4000));
    free(a);
    free(b);
    free(match);
}

static bool slice_eq(const uint32_t *x, size_t x0, size_t x1, const uint32_t *y, size_t y0,
                     size_t y1)
{
    return x1 - x0 == y1 - y0 && (x1 == x0 || memcmp(x + x0, y + y0, (x1 - x0) * 4) == 0);
}

/* The chunks tile the three sequences, and each kind is what its slices say. */
static void check_chunks(const struct diff3_result *d, const uint32_t *b, size_t nb,
                         const uint32_t *o, size_t no, const uint32_t *t, size_t nt)
{
    size_t pb = 0, po = 0, pt = 0;
    for (size_t k = 0; k < d->nchunks; k++) {
        const struct diff3_chunk *c = &d->chunks[k];
        th_assert(c->b0 == pb && c->o0 == po && c->t0 == pt);
        th_assert(c->b1 >= c->b0 && c->o1 >= c->o0 && c->t1 >= c->t0);
        bool ob = slice_eq(o, c->o0, c->o1, b, c->b0, c->b1);
        bool tb = slice_eq(t, c->t0, c->t1, b, c->b0, c->b1);
        bool ot = slice_eq(o, c->o0, c->o1, t, c->t0, c->t1);
        switch (c->kind) {
        case DIFF3_STABLE:
            th_assert(ob && tb);
            break;
        case DIFF3_OURS:
            th_assert(!ob && tb);
            break;
        case DIFF3_THEIRS:
            th_assert(ob && !tb);
            break;
        case DIFF3_BOTH_SAME:
            th_assert(!ob && !tb && ot);
            break;
        case DIFF3_CONFLICT:
            th_assert(!ob && !tb && !ot);
            break;
        }
        /* no two stable chunks in a row (they would be one) */
        th_assert(k == 0 || c->kind != DIFF3_STABLE || d->chunks[k - 1].kind != DIFF3_STABLE);
        pb = c->b1;
        po = c->o1;
        pt = c->t1;
    }
    th_assert(pb == nb && po == no && pt == nt);
}

struct want_chunk {
    enum diff3_kind kind;
    size_t b0, b1, o0, o1, t0, t1;
};

static void expect_chunks(const uint32_t *b, size_t nb, const uint32_t *o, size_t no,
                          const uint32_t *t, size_t nt, const struct want_chunk *w, size_t nw)
{
    struct diff3_result d;
    th_assert_ok(dk_diff3(&d, b, nb, o, no, t, nt, 100));
    check_chunks(&d, b, nb, o, no, t, nt);
    th_assert_eq_int(d.nchunks, nw);
    for (size_t k = 0; k < nw; k++) {
        const struct diff3_chunk *c = &d.chunks[k];
        th_assert_msg(c->kind == w[k].kind && c->b0 == w[k].b0 && c->b1 == w[k].b1 &&
                          c->o0 == w[k].o0 && c->o1 == w[k].o1 && c->t0 == w[k].t0 &&
                          c->t1 == w[k].t1,
                      "chunk %zu: kind %d b[%zu,%zu) o[%zu,%zu) t[%zu,%zu)", k, (int)c->kind, c->b0,
                      c->b1, c->o0, c->o1, c->t0, c->t1);
    }
    free(d.chunks);
}

/* Khanna, Kunal, Pierce, "A Formal Investigation of Diff3" (2007), figure 1. */
void test_diff__diff3_classic_example(void)
{
    const uint32_t o[] = {1, 4, 5, 2, 3, 6};
    const uint32_t b[] = {1, 2, 3, 4, 5, 6};
    const uint32_t t[] = {1, 2, 4, 5, 3, 6};
    /* matchings: o keeps 1,2,3,6 (or 1,4,5,6); t keeps 1,2,4,5,6. */
    struct diff3_result d;
    th_assert_ok(dk_diff3(&d, b, 6, o, 6, t, 6, 100));
    check_chunks(&d, b, 6, o, 6, t, 6);
    /* 1 and 6 are stable; what lies between is changed on both sides, differently */
    th_assert(d.nchunks >= 3);
    th_assert(d.chunks[0].kind == DIFF3_STABLE && d.chunks[0].b1 == 1);
    th_assert(d.chunks[d.nchunks - 1].kind == DIFF3_STABLE);
    bool conflict = false;
    for (size_t k = 0; k < d.nchunks; k++)
        conflict |= d.chunks[k].kind == DIFF3_CONFLICT;
    th_assert(conflict);
    free(d.chunks);
}

void test_diff__diff3_one_sided_and_same_changes(void)
{
    const uint32_t b[] = {1, 2, 3, 4, 5};
    /* ours changes 2, theirs changes 4: two one-sided chunks between stable ones */
    const uint32_t o1[] = {1, 20, 3, 4, 5}, t1[] = {1, 2, 3, 40, 5};
    const struct want_chunk w1[] = {
        {DIFF3_STABLE, 0, 1, 0, 1, 0, 1}, {DIFF3_OURS, 1, 2, 1, 2, 1, 2},
        {DIFF3_STABLE, 2, 3, 2, 3, 2, 3}, {DIFF3_THEIRS, 3, 4, 3, 4, 3, 4},
        {DIFF3_STABLE, 4, 5, 4, 5, 4, 5},
    };
    expect_chunks(b, 5, o1, 5, t1, 5, w1, 5);
    /* both insert the same item after 3; ours also deletes 5 */
    const uint32_t o2[] = {1, 2, 3, 9, 4}, t2[] = {1, 2, 3, 9, 4, 5};
    const struct want_chunk w2[] = {
        {DIFF3_STABLE, 0, 3, 0, 3, 0, 3},
        {DIFF3_BOTH_SAME, 3, 3, 3, 4, 3, 4},
        {DIFF3_STABLE, 3, 4, 4, 5, 4, 5},
        {DIFF3_OURS, 4, 5, 5, 5, 5, 6},
    };
    expect_chunks(b, 5, o2, 5, t2, 6, w2, 4);
    /* both change 3 differently: a conflict */
    const uint32_t o3[] = {1, 2, 30, 4, 5}, t3[] = {1, 2, 31, 4, 5};
    const struct want_chunk w3[] = {
        {DIFF3_STABLE, 0, 2, 0, 2, 0, 2},
        {DIFF3_CONFLICT, 2, 3, 2, 3, 2, 3},
        {DIFF3_STABLE, 3, 5, 3, 5, 3, 5},
    };
    expect_chunks(b, 5, o3, 5, t3, 5, w3, 3);
    /* empty base: both sides' items are one unstable chunk */
    const struct want_chunk w4[] = {{DIFF3_CONFLICT, 0, 0, 0, 2, 0, 1}};
    expect_chunks(b, 0, o3, 2, t3, 1, w4, 1);
}

void test_diff__diff3_random_triples_tile(void)
{
    rng_state = 7;
    uint32_t b[30], o[30], t[30];
    for (int round = 0; round < 3000; round++) {
        size_t nb = rnd(30), no = 0, nt = 0;
        for (size_t i = 0; i < nb; i++)
            b[i] = rnd(6);
        /* sides: base with random deletions, insertions and substitutions */
        uint32_t *sides[2] = {o, t};
        size_t *lens[2] = {&no, &nt};
        for (int s = 0; s < 2; s++) {
            for (size_t i = 0; i < nb && *lens[s] < 29; i++) {
                uint32_t r = rnd(8);
                if (r == 0)
                    continue;
                if (r == 1)
                    sides[s][(*lens[s])++] = 6 + rnd(3);
                sides[s][(*lens[s])++] = r == 2 ? 6 + rnd(3) : b[i];
            }
        }
        struct diff3_result d;
        th_assert_ok(dk_diff3(&d, b, nb, o, no, t, nt, 1000));
        check_chunks(&d, b, nb, o, no, t, nt);
        free(d.chunks);
    }
}

/* Light items (blank lines) never pull heavy ones out of line. */
void test_diff__weighted_matches_heavy_items_first(void)
{
    /* base: A _ B; ours: _ _ A _ B (two blanks added at the top) */
    const uint32_t b[] = {1, 0, 2}, o[] = {0, 0, 1, 0, 2};
    const uint8_t lb[] = {0, 1, 0}, lo[] = {1, 1, 0, 1, 0};
    struct diff3_result d;
    th_assert_ok(dk_diff3_weighted(&d, b, lb, 3, o, lo, 5, b, lb, 3, 100));
    check_chunks(&d, b, 3, o, 5, b, 3);
    /* A and B stay matched: the change is the two blank lines on top */
    th_assert_eq_int(d.nchunks, 2);
    th_assert(d.chunks[0].kind == DIFF3_OURS && d.chunks[0].o1 == 2 && d.chunks[0].b1 == 0);
    th_assert(d.chunks[1].kind == DIFF3_STABLE && d.chunks[1].b1 == 3);
    free(d.chunks);
}
