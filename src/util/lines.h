/*
 * util/lines.h - a line index: the byte offset where each line starts, for
 * turning byte offsets into line numbers (binary search).
 *
 * Every '\n' starts a line, even at the very end (an empty last line), so
 * an offset maps to the tree-sitter point (row, column) of the same byte:
 * after a final newline is (rows, 0). The one copy used by lang/ (spans,
 * incremental re-parse edits) and merge/ (conflict line ranges).
 * Caller-owned struct: _init / _release. Pure; not thread-shared.
 */
#ifndef DK_UTIL_LINES_H
#define DK_UTIL_LINES_H

#include <stddef.h>
#include <stdint.h>

struct dk_line_index {
    /* starts[0] == 0; starts[i] is the offset just after the i-th '\n' */
    uint32_t *starts;
    /* number of lines (entries in starts), at least 1 */
    size_t n;
};

/* Index `src` (len < 4 GiB: offsets are 32-bit; the caller checks). */
void dk_line_index_init(struct dk_line_index *ix, const char *src, size_t len);
void dk_line_index_release(struct dk_line_index *ix);

/* 0-based row of byte `off`: the last line that starts at or before it. */
size_t dk_line_index_row(const struct dk_line_index *ix, uint32_t off);

/* 1-based line number of byte `off`. */
static inline uint32_t dk_line_index_line(const struct dk_line_index *ix, uint32_t off)
{
    return (uint32_t)dk_line_index_row(ix, off) + 1;
}

#endif
