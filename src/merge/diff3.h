/*
 * merge/diff3.h - three-way chunking of integer sequences.
 *
 * Items are interned to small integers by the caller (equal items, equal
 * ids). dk_diff3 computes a longest-common-subsequence matching of base
 * with each side (Myers, after trimming the common prefix and suffix) and
 * cuts the three sequences into alternating stable chunks (all three agree)
 * and unstable chunks, classified by who changed them. Pure; no I/O.
 */
#ifndef DK_MERGE_DIFF3_H
#define DK_MERGE_DIFF3_H

#include <stddef.h>
#include <stdint.h>

enum diff3_kind {
    DIFF3_STABLE,    /* base == ours == theirs */
    DIFF3_OURS,      /* only ours changed this chunk */
    DIFF3_THEIRS,    /* only theirs changed */
    DIFF3_BOTH_SAME, /* both changed it identically */
    DIFF3_CONFLICT,  /* both changed it differently */
};

struct diff3_chunk {
    enum diff3_kind kind;
    /* half-open index ranges into base, ours, theirs */
    size_t b0, b1, o0, o1, t0, t1;
};

struct diff3_result {
    struct diff3_chunk *chunks;
    size_t nchunks;
};

/*
 * Chunk base/ours/theirs. `max_edits` bounds the edit distance explored per
 * side (work is O((n+m) * d)); beyond it the call fails with DK_ELIMIT and
 * the caller falls back to a plain line merge.
 * @param[out] out chunks in order (caller frees out->chunks with free())
 */
int dk_diff3(struct diff3_result *out, const uint32_t *base, size_t nb, const uint32_t *ours,
             size_t no, const uint32_t *theirs, size_t nt, size_t max_edits);

/*
 * As dk_diff3, but items flagged in `light_*` (1 = light; blank lines) are
 * matched only after the others: the heavy items get a longest common
 * subsequence of their own, and light items are matched inside the gaps it
 * leaves. So two declarations line up even when lining up blank lines
 * instead would give a longer raw common subsequence. NULL flags: all heavy.
 */
int dk_diff3_weighted(struct diff3_result *out, const uint32_t *base, const uint8_t *light_b,
                      size_t nb, const uint32_t *ours, const uint8_t *light_o, size_t no,
                      const uint32_t *theirs, const uint8_t *light_t, size_t nt, size_t max_edits);

/*
 * The matching dk_diff3_weighted uses for one pair: match[i] is the index in
 * b matched to a[i], or SIZE_MAX; heavy items matched first, light ones
 * (flags 1; NULL flags: all heavy) only inside the gaps that leaves.
 * DK_ELIMIT beyond max_edits.
 */
int dk_diff_match_weighted(size_t *match, const uint32_t *a, const uint8_t *la, size_t na,
                           const uint32_t *b, const uint8_t *lb, size_t nb, size_t max_edits);

#endif
