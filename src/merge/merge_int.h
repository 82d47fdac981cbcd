/*
 * merge/merge_int.h - shared between the merge files: the per-merge context
 * (inputs, analyses, options, output, conflicts) and the steps of the
 * cascade. Not thread-shared: one context per dk_merge_file call.
 */
#ifndef DK_MERGE_INT_H
#define DK_MERGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/lang.h"
#include "dk/merge.h"

#include "util/arena.h"
#include "util/map.h"
#include "util/str.h"
#include "util/vec.h"

enum { V_BASE = 0, V_OURS = 1, V_THEIRS = 2 };

struct merge_version {
    const char *src;
    size_t len;
    /* NULL when the language is unknown or the text could not be analysed */
    dk_analysis *an;
    /* byte offset of each line start, for byte -> line */
    dk_vec(uint32_t) line_starts;
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
    /* interned item ids: key bytes -> id + 1 */
    dk_map intern;
    /* "qualified::kind" of names declared more than once in some version
     * (overloads, property getter/setter pairs): matched by parameters too */
    dk_map overloaded;
    uint32_t next_id;
};

/* line number (1-based) of byte `off` in version `vi` */
uint32_t dk_merge_line_of(const struct merge_ctx *cx, int vi, uint32_t off);
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

/*
 * One conflict record per marker block git wrote in text[from, len) (see
 * merge.c); each side's text is looked for in its input from
 * search_start[v] on (NULL: from the beginning).
 */
void dk_merge_record_markers(struct merge_ctx *cx, const char *text, size_t from, size_t len,
                             const char *qname, dk_merge_conflict_kind kind,
                             dk_symbol_kind symbol_kind, const char *desc,
                             const uint32_t *search_start);

/* The line merge of three buffers through libgit2 (labels and style from cx). */
int dk_merge_line(struct merge_ctx *cx, dk_str *out, bool *clean, const char *b, size_t bl,
                  const char *o, size_t ol, const char *t, size_t tl);

/*
 * The structured merge of the whole file into `out`. Returns DK_OK with
 * conflicts recorded in cx, or an error when it does not apply (then the
 * caller falls back to the line merge); cx->arena holds the reason string
 * set through *why.
 */
int dk_merge_structured(struct merge_ctx *cx, dk_str *out, const char **why);

/*
 * The gate: DK_OK if `text` may be reported as a clean merge, otherwise
 * DK_ECONFLICT with *why describing the first failed check.
 */
int dk_merge_gate(struct merge_ctx *cx, const char *text, size_t len, const char **why);

/*
 * The identity of an import statement, from its first record:
 * "import:<module>[:<name>][ as <alias>]". Used for matching and by the gate.
 */
void dk_merge_import_key(dk_str *out, const dk_import *im);

/* Add to `set` the "qualified::kind" keys that occur more than once in `a`. */
void dk_merge_find_overloads(dk_map *set, const dk_analysis *a);

/*
 * The identity of a symbol for matching: its local id, or, for an
 * overloaded name, "qualified(params)::kind" (occurrences are added by the
 * caller). `callable` folds function/method/prototype into one kind (the
 * gate's duplicate check in languages without forward declarations).
 */
void dk_merge_symbol_key(dk_str *out, const dk_symbol *s, const dk_map *overloaded, bool callable);

/* True if a line of `src` starts with a conflict marker of size `size`. */
bool dk_merge_has_markers(const char *src, size_t len, unsigned size);

#endif
