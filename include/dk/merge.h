/*
 * dk/merge.h - structured three-way merge of one file.
 *
 * dk_merge_file(base, ours, theirs) -> merged bytes, clean?, conflicts[].
 * Pure: bytes in, bytes out, no I/O, no globals; safe to call from any
 * thread concurrently. The cascade:
 *
 *   1. trivial cases (two inputs equal) take the changed side, byte for byte;
 *   2. the plain line merge (libgit2's git_merge_file); if it is clean and
 *      passes the gate it is the answer, so dk is never worse than git;
 *   3. otherwise, for a supported language whose three versions parse, the
 *      structured merge: declarations matched by identity, one-sided changes
 *      taken, containers merged member by member, leaves by diff3, the text
 *      between declarations line by line, import statements as sets;
 *   4. the gate (fail closed) turns a clean result into a conflict when it
 *      has a conflict marker block, more syntax-error regions than the sides added,
 *      a declaration or import more often than either side has it, one a
 *      side deleted still present or one a side added missing, or a
 *      significant line (4+ bytes with a letter or digit) whose count is not
 *      between min and max of {ours, theirs, ours + theirs - base} (a line
 *      dropped or duplicated; counts are per file, so a line moved to the
 *      wrong place is not seen by this check);
 *   5. unsupported or unparseable input: the line merge result.
 *
 * Ownership: the result and everything in it belong to the caller, freed
 * by dk_merge_result_free.
 */
#ifndef DK_MERGE_H
#define DK_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/errors.h"
#include "dk/lang.h"

typedef enum dk_merge_style {
    DK_MERGE_STYLE_MERGE = 0, /* <<<<<<< ours / ======= / >>>>>>> theirs */
    DK_MERGE_STYLE_DIFF3,     /* also ||||||| base */
    DK_MERGE_STYLE_ZDIFF3,    /* diff3 with common lines moved out of the box */
} dk_merge_style;

enum dk_merge_flags {
    /* skip the structured merge: behave like git merge-file */
    DK_MERGE_LINE_ONLY = 1u << 0,
    /*
     * For tests and comparisons: take no shortcut. Equal inputs go through
     * the line merge, and the structured merge runs whenever it applies,
     * even after a clean line merge the gate accepted; its answer (clean or
     * not) is the result. So the laws (identity, symmetry) can be checked on
     * the real paths rather than on the byte-equality shortcut.
     */
    DK_MERGE_NO_SHORTCUTS = 1u << 1,
};

typedef struct dk_merge_opts {
    unsigned version;
    /* marker labels; NULL: "base", "ours", "theirs" */
    const char *ancestor_label;
    const char *our_label;
    const char *their_label;
    dk_merge_style style;
    /* length of conflict markers, 7 by default (git's %L) */
    unsigned marker_size;
    /* dk_merge_flags */
    unsigned flags;
    /* optional symbol cache (dk/lang.h): the inputs' analyses are looked up
     * by blob id and kept there, so a server that parsed a session's files
     * when they were written does not parse them again to merge; NULL: none */
    dk_symcache *cache;
} dk_merge_opts;

#define DK_MERGE_OPTS_VERSION 1
/* Designated, so fields added later start zeroed and -Wextra stays quiet. */
#define DK_MERGE_OPTS_INIT                                                                         \
    {                                                                                              \
        .version = DK_MERGE_OPTS_VERSION, .style = DK_MERGE_STYLE_MERGE, .marker_size = 7          \
    }

/*
 * Largest input dk_merge_file accepts, per side (1 GiB): offsets inside the
 * merge are 32-bit. Larger inputs are refused with DK_ELIMIT.
 */
#define DK_MERGE_MAX_INPUT (1u << 30)

/** How a merge result was produced. */
typedef enum dk_merge_method {
    /* two inputs were equal: the changed side, byte for byte */
    DK_MERGE_METHOD_TRIVIAL = 0,
    /* the line merge (git's), clean or with conflicts, no language applied */
    DK_MERGE_METHOD_LINE,
    /* the structured merge */
    DK_MERGE_METHOD_STRUCTURED,
    /* the structured merge did not apply or was refused: the line merge's result */
    DK_MERGE_METHOD_FALLBACK,
} dk_merge_method;

/** "trivial", "line", "structured", "fallback"; "unknown" otherwise. Static. */
DK_EXTERN const char *dk_merge_method_name(dk_merge_method method);

/** What a conflict is about. */
typedef enum dk_merge_conflict_kind {
    /* text between declarations (or lines git's line merge could not merge) */
    DK_MERGE_CONFLICT_TEXT = 0,
    /* one declaration: see dk_merge_conflict.symbol_kind */
    DK_MERGE_CONFLICT_SYMBOL,
    /* one import statement */
    DK_MERGE_CONFLICT_IMPORT,
    /* the whole file (binary content, or a clean merge the gate refused) */
    DK_MERGE_CONFLICT_FILE,
} dk_merge_conflict_kind;

/** "text", "symbol", "import", "file"; "unknown" otherwise. Static. */
DK_EXTERN const char *dk_merge_conflict_kind_name(dk_merge_conflict_kind kind);

/** 1-based inclusive line range in one input; {0, 0} when the side has no such text. */
typedef struct dk_line_range {
    uint32_t start;
    uint32_t end;
} dk_line_range;

typedef struct dk_merge_conflict {
    /* qualified name of the symbol ("Parser.parse"), or of the enclosing
     * container for text between declarations ("" at top level) */
    const char *qualified_name;
    /* what the conflict is about */
    dk_merge_conflict_kind kind;
    /* the declaration's kind when kind is DK_MERGE_CONFLICT_SYMBOL, else 0 */
    dk_symbol_kind symbol_kind;
    /* one line, e.g. "both changed the body of `Parser.parse`", "ours deleted, theirs modified" */
    const char *description;
    /* where the conflict block sits in the merged output (1-based, inclusive) */
    dk_line_range result;
    dk_line_range base;
    dk_line_range ours;
    dk_line_range theirs;
    /* each side's text of the region: NULL when the side has none (deleted, or never
     * added), an empty string when the side's region is empty */
    const char *base_text;
    const char *ours_text;
    const char *theirs_text;
} dk_merge_conflict;

typedef struct dk_merge_result {
    /* merged bytes (NUL-terminated for convenience; may contain NULs only if inputs did) */
    char *merged;
    size_t merged_len;
    bool clean;
    dk_merge_conflict *conflicts;
    size_t nconflicts;
    /* how the answer was produced */
    dk_merge_method method;
    /* the language used, or NULL when none applied */
    const char *language;
    /* why the structured merge did not apply or was refused, or NULL */
    const char *note;
} dk_merge_result;

/**
 * Merge one file. `path` selects the language (extension, then #! line).
 * Inputs need not be NUL-terminated. opts may be NULL (defaults).
 * @param[out] out new result (caller frees with dk_merge_result_free)
 * @return DK_OK (even with conflicts: see out->clean); DK_EINVALID for bad
 *         options; DK_ELIMIT for an input over DK_MERGE_MAX_INPUT bytes (or a
 *         result over 4 GiB); DK_ERROR if the line merge itself failed.
 */
DK_EXTERN int dk_merge_file(dk_merge_result **out, const char *path, const char *base,
                            size_t base_len, const char *ours, size_t ours_len, const char *theirs,
                            size_t theirs_len, const dk_merge_opts *opts);

DK_EXTERN void dk_merge_result_free(dk_merge_result *r);

#endif
