/*
 * merge/merge_int.h - the per-merge context every merge file shares:
 * inputs, their analyses and line indexes, options, the conflicts recorded
 * so far and the identity interning table. Not thread-shared: one context
 * per dk_merge_file call.
 *
 * The merge's files form a one-way graph (each uses only those below it):
 *
 *            merge.c            the cascade: trivial, line, structured, fallback
 *           /   |    \
 *    gate.c  structured.c       fail-closed gate | merging one level of items
 *       |    /    |     \
 *       |  match.c tile.c diff3.c   pairing pieces across versions | tiling
 *       |    \    /
 *    identity.c   emit.c        identity keys | conflict blocks, line merge, markers
 */
#ifndef DK_MERGE_INT_H
#define DK_MERGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/lang.h"
#include "dk/merge.h"

#include "util/arena.h"
#include "util/lines.h"
#include "util/map.h"
#include "util/str.h"
#include "util/vec.h"

enum { V_BASE = 0, V_OURS = 1, V_THEIRS = 2 };

struct merge_branches;

struct merge_version {
    const char *src;
    size_t len;
    /* NULL when the language is unknown or the text could not be analysed */
    dk_analysis *an;
    /* where each line starts, for byte -> line */
    struct dk_line_index lines;
    /* its alternative preprocessor branches (identity.h); NULL unless C or C++ */
    struct merge_branches *br;
    /* group keys it declares more than once, once computed (dk_merge_add_overloads) */
    dk_map overloads;
    bool overloads_done;
};

struct merge_ctx {
    const char *path;
    dk_merge_opts opts;
    const dk_language *lang;
    struct merge_version v[3];
    /* "\r\n" when ours uses CRLF line endings, else "\n" (for marker lines) */
    const char *eol;
    /* everything below lives until the result is built */
    dk_arena arena;
    dk_vec(dk_merge_conflict) conflicts;
    /* result byte offsets of each conflict block, turned into lines at the end */
    dk_vec(uint32_t) conflict_out_start;
    dk_vec(uint32_t) conflict_out_end;
    /* interned item ids: key bytes -> id + 1 (tile.c) */
    dk_map intern;
    /* "qualified::kind" of names declared more than once in some version
     * (overloads, property getter/setter pairs): matched by parameters too */
    dk_map overloaded;
    /* lines the member merge wrote that no input has (a `use a::{b, c, d}` or a
     * derive with both sides' additions), line bytes -> how many times: the
     * gate allows them that many times more than the inputs would */
    dk_map composed;
    uint32_t next_id;
};

#endif
