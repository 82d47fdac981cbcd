/*
 * merge/emit.h - what the merge writes besides input bytes: conflict
 * blocks and their records, and the line merge (libgit2's) with a record
 * per block it leaves. Also the conflict-marker test the gate and the
 * structured merge use. Bottom of the merge: knows the context, not tiling.
 */
#ifndef DK_MERGE_EMIT_H
#define DK_MERGE_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "merge/merge_int.h"

/* [start, end) bytes of version vi as a 1-based inclusive line range ({0,0} if empty) */
dk_line_range dk_merge_lines_of(const struct merge_ctx *cx, int vi, uint32_t start, uint32_t end);

/*
 * Append a conflict block (markers + each side's text) to `out` and record
 * it. texts[v] NULL: that side has no such text (deleted, never added).
 * starts/ends are each side's byte range, start UINT32_MAX for none.
 * `qname` and `desc` are copied.
 */
void dk_merge_emit_conflict(struct merge_ctx *cx, dk_str *out, const char *qname,
                            dk_merge_conflict_kind kind, dk_symbol_kind symbol_kind,
                            const char *desc, const char *texts[3], const size_t lens[3],
                            const uint32_t starts[3], const uint32_t ends[3]);

/* One conflict block of a line merge, as byte offsets into the text it was appended to. */
struct merge_block {
    size_t start, end;
    /* each side's lines in the block, [start, end); base's SIZE_MAX in the merge style */
    size_t side_start[3], side_end[3];
};

/* The blocks a line merge left (malloc'd array). */
struct merge_blocks {
    struct merge_block *items;
    size_t len;
};

void dk_merge_blocks_release(struct merge_blocks *b);

/*
 * The line merge of three buffers through libgit2 (labels, style and marker
 * size from cx), appended to `out`. `blocks` (may be NULL) receives where
 * each conflict block sits in `out`, as git wrote it: never found again by
 * reading marker lines, which the inputs themselves may hold.
 */
int dk_merge_line(struct merge_ctx *cx, dk_str *out, bool *clean, struct merge_blocks *blocks,
                  const char *b, size_t bl, const char *o, size_t ol, const char *t, size_t tl);

/*
 * dk_merge_line, and when every block it conflicts on is one where one
 * side's lines are the other's with new lines added (ours adds `a`, theirs
 * `a` and `b`; or both replace `x` by `a`, theirs adding `b`), the longer
 * side there: clean. Added lines that base's block holds (lines the shorter
 * side deleted) or two different changes leave git's conflicts as they are.
 */
int dk_merge_line_contained(struct merge_ctx *cx, dk_str *out, bool *clean,
                            struct merge_blocks *blocks, const char *b, size_t bl, const char *o,
                            size_t ol, const char *t, size_t tl);

/*
 * Every name (a letter or `_`, then letters, digits and `_`) in base text
 * b[0, bl) also occurs in k[0, kl): the text that replaced b lost none of
 * its names (lines joined or reformatted, none deleted).
 */
bool dk_merge_words_kept(const char *b, size_t bl, const char *k, size_t kl);

/*
 * Three texts of one place (whole lines) where a side changed only blank lines at the edges
 * (added, removed or re-spaced blank lines above or below base's lines, which it left as they
 * were): each part (blank lines above, the lines between, blank lines below; an all-blank text
 * is blank lines below) taken from the side that changed it, appended to `out`: true. False,
 * with nothing appended, when both changed one part differently or neither left base's lines
 * between as they were.
 */
bool dk_merge_blank_edges(dk_str *out, const char *b, size_t bl, const char *o, size_t ol,
                          const char *t, size_t tl);

/*
 * How alike two lines are, in thousandths: twice the length of the longest
 * common subsequence of their words (runs of letters, digits and '_'; the
 * first 64 of each line) over their word counts together (1000: the same
 * words). The longer-side rules use it to tell a line a side added from one
 * it rewrote: base `log(x);` is more like `log(z);` than like `extra();`.
 */
unsigned dk_merge_line_likeness(const char *a, size_t al, const char *b, size_t bl);

/* One line's bytes (its end of line included or not: blanks are ignored). */
struct merge_line {
    const char *p;
    size_t n;
};

/*
 * True when base line `b` is more like one of the longer side's added lines
 * (a likeness of 500 at least) than like every line the two sides share:
 * the added lines may hold the longer side's edit of that line, which the
 * shorter side deleted or replaced (delete vs modify), so the longer side
 * must not be taken whole.
 */
bool dk_merge_added_rewrites(struct merge_line b, const struct merge_line *shared, size_t nshared,
                             const struct merge_line *added, size_t nadded);

/* How to name the records of a line merge's blocks: one symbol, or (qname NULL) by position. */
struct merge_names {
    const char *qname;
    dk_merge_conflict_kind kind;
    dk_symbol_kind symbol_kind;
    const char *desc;
};

/*
 * One conflict record per block of `blocks` in `text`; each side's text is
 * looked for in its input from search_start[v] on (NULL: from the
 * beginning). With names->qname NULL (or names NULL) each record names the
 * innermost symbol of ours around it.
 */
void dk_merge_record_blocks(struct merge_ctx *cx, const char *text,
                            const struct merge_blocks *blocks, const struct merge_names *names,
                            const uint32_t *search_start);

/*
 * True if `src` has a conflict marker block of size `size`: a <<<<<<< line,
 * later a ======= line, later a >>>>>>> line. Lone marker-like lines (an RST
 * title underline) are text.
 */
bool dk_merge_has_markers(const char *src, size_t len, unsigned size);

#endif
