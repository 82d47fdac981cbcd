/*
 * util/diff.h - longest-common-subsequence matching of integer sequences.
 *
 * Items are interned to integers by the caller (equal items, equal ids).
 * Pure and thread-safe; used by merge/ (diff3) and lang/ (incremental
 * re-parsing edits).
 */
#ifndef DK_UTIL_DIFF_H
#define DK_UTIL_DIFF_H

#include <stddef.h>
#include <stdint.h>

/*
 * Match a against b: match[i] is the index in b matched to a[i], or
 * SIZE_MAX. Common prefix and suffix are matched first, then Myers'
 * O((N+M)D) search on the rest, bounded by `max_edits`, in O(N+M) memory
 * beyond ~1,000 edits.
 * @return DK_OK, or DK_ELIMIT when more than max_edits edits are needed.
 */
int dk_diff_match(size_t *match, const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                  size_t max_edits);

/*
 * The linear-space search alone (dk_diff_match uses it beyond ~1,000
 * edits); exposed for tests. Same contract as dk_diff_match.
 */
int dk__diff_match_linear(size_t *match, const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
                          size_t max_edits);

#endif
