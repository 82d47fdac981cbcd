/*
 * dk/context.h - code context for agents: "what code is involved in X",
 * answered with ranked symbols, their source and their call-graph
 * neighbours, within a token budget (issue 8; docs/context.md).
 *
 *   query ──► words (dk's own tokeniser: never raw FTS syntax)
 *         ──► full-text index of the repository's head (+ the session's own
 *             changed files) ──► ranked symbols (rank kept to the answer)
 *         ──► source / callers / callees / tests ──► token budget
 *
 * The index lives in the store (migrations 003, 004). It follows the
 * branch head: built at import, updated after every landing by the
 * engine's indexer thread (parsing only the files whose blob changed, through
 * the engine's per-blob symbol cache), and brought to the head by a reader
 * that finds it behind (a small gap inline; a large one waited for at most
 * a bound, then answered from the complete older head, which the answer
 * names: dk_context_result.index_behind).
 *
 * Contract for every function below:
 *  - Errors: DK_OK or a negative dk_err_code with a one-line message in
 *    dk_error_last(): DK_ENOTFOUND (repository or session), DK_EFORBIDDEN
 *    (a caller reading another's session), DK_EINVALID (bad options), store
 *    and git failures as DK_ERROR / DK_EBUSY. A query with no words (only
 *    punctuation or FTS operators) or with no match is DK_OK with zero
 *    symbols, never an error.
 *  - Ownership: results belong to the caller and are freed with the
 *    matching _free; inputs are borrowed for the call.
 *  - Threads: safe from any thread; concurrent indexers of one repository
 *    (in one process or on several nodes) serialise on the index's head row.
 */
#ifndef DK_CONTEXT_H
#define DK_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/engine.h"
#include "dk/errors.h"

/** How much of each symbol the answer carries. */
typedef enum dk_context_depth {
    /* name, kind, path, lines, signature, doc */
    DK_CONTEXT_SIGNATURES = 0,
    /* ... and the source of the symbol */
    DK_CONTEXT_FULL = 1,
    /* ... and its callers and callees (one hop, across files) */
    DK_CONTEXT_CALL_GRAPH = 2,
} dk_context_depth;

/** "signatures", "full", "call_graph". */
DK_EXTERN const char *dk_context_depth_name(dk_context_depth depth);
/** Parse a depth name. @return DK_OK; DK_EINVALID for an unknown name */
DK_EXTERN int dk_context_depth_parse(dk_context_depth *out, const char *name);

typedef struct dk_context_opts {
    unsigned version;
    /* free text ("fix the retry delay in the http client"); required */
    const char *query;
    dk_context_depth depth;
    /* also list, per symbol, the test functions that call it */
    bool include_tests;
    /* budget for the whole answer in estimated tokens (4 bytes each); 0: none */
    size_t max_tokens;
    /* most symbols returned; 0: max(10, max_tokens / 100) capped at 100, or 50 without a budget */
    size_t max_results;
} dk_context_opts;

#define DK_CONTEXT_OPTS_VERSION 1
#define DK_CONTEXT_OPTS_INIT                                                                       \
    {                                                                                              \
        .version = DK_CONTEXT_OPTS_VERSION                                                         \
    }

/** A neighbour of a symbol: a caller, a callee or a test. */
typedef struct dk_context_edge {
    /* the call as written ("self.parse", "util.Load"); for callers, the call site's text */
    char *text;
    /* false for a callee no symbol of the repository resolves to (kept as text only) */
    bool resolved;
    /* the symbol (NULL when unresolved) */
    char *name;
    char *qualified_name;
    char *kind;
    char *path;
    uint32_t start_line;
    uint32_t end_line;
    /* the line of the call site, in the caller's file */
    uint32_t call_line;
} dk_context_edge;

typedef struct dk_context_symbol {
    /* 1 for the best match; the order of dk_context_result.symbols */
    unsigned rank;
    /* the full-text score (higher is better; comparable within one answer only) */
    double score;
    char *name;
    char *qualified_name;
    char *kind;
    char *path;
    /* 1-based, inclusive, in the file as the index (or the session) has it */
    uint32_t start_line;
    uint32_t end_line;
    char *signature;
    /* the leading comment or docstring, comment markers removed; "" when none */
    char *doc;
    /* FULL and CALL_GRAPH: the symbol's text, possibly cut (see below); NULL when left out */
    char *source;
    /* the source was shortened to whole lines (or, for a single long line, whole characters) */
    bool source_cut;
    /* the source was left out to keep the budget */
    bool source_dropped;
    /* true when the symbol comes from the session's own changes */
    bool from_session;
    dk_context_edge *callers;
    size_t ncallers;
    dk_context_edge *callees;
    size_t ncallees;
    dk_context_edge *tests;
    size_t ntests;
} dk_context_symbol;

typedef struct dk_context_result {
    dk_context_symbol *symbols;
    size_t nsymbols;
    /* the estimate for the whole answer (bytes / 4, rounded up per field); <= max_tokens */
    size_t estimated_tokens;
    /* what the budget cut: sources shortened, sources left out, symbols left out (lowest ranks) */
    size_t sources_cut;
    size_t sources_dropped;
    size_t symbols_dropped;
    /* the words the query was reduced to, space-separated ("" when none) */
    char *words;
    /* the head commit the answer describes: the indexed head (hex; "" for an unborn branch) */
    char *head;
    /* the branch head when the answer was made; differs from `head` only when index_behind */
    char *branch_head;
    /* the index was still being brought to branch_head (a large build in progress, not
     * finished within the wait bound): the answer describes `head`, a complete older head */
    bool index_behind;
} dk_context_result;

/**
 * Answer `opts->query` on repository `repo`, or on the session `session_id`
 * (its own added and modified symbols are searched with the head's, and
 * replace the head's in the files it changed; nobody else sees them). One
 * of repo and session_id may be NULL; when both are given they must agree.
 * Brings the head index up to date first (incrementally).
 * @param[out] out the answer; free with dk_context_result_free
 */
DK_EXTERN int dk_context_query(dk_context_result **out, dk_engine *engine, const dk_caller *caller,
                               const char *repo, const char *session_id,
                               const dk_context_opts *opts);

DK_EXTERN void dk_context_result_free(dk_context_result *result);

/** What one dk_context_index call did. */
typedef struct dk_context_index_stats {
    /* files added, changed or removed since the indexed head */
    size_t files_changed;
    /* files parsed (a supported language) */
    size_t files_parsed;
    /* of which the symbol cache already had */
    size_t cache_hits;
    size_t symbols_added;
    /* true when the index was already at the head */
    bool up_to_date;
} dk_context_index_stats;

/**
 * Bring the index of `repo` to its branch head: only files whose blob
 * changed since the indexed head are parsed and rewritten. Also drops the
 * rows of sessions that are no longer live. Waits for an update in progress
 * in this process (a landing's, made by the engine's indexer thread), then
 * makes whatever is left itself, however large (dk_repo_import calls it).
 * @param[out] stats may be NULL; what this call's own update did (up_to_date
 *             when it found the index at the head, after any wait)
 */
DK_EXTERN int dk_context_index(dk_context_index_stats *stats, dk_engine *engine, const char *repo);

/** Where the index of a repository stands. */
typedef struct dk_context_index_status {
    /* the head the index describes and the branch head (hex; "" for none) */
    char indexed_head[41];
    char branch_head[41];
    /* an update is running or queued in this process */
    bool updating;
    /* that update is a large build (at least the inline limit's files, 256, changed): readers
     * do not wait for it and answer from the index as it is, with index_behind */
    bool large;
    /* the last update this process made (has_last false: none since the engine opened) */
    bool has_last;
    dk_context_index_stats last;
    char last_head[41];
} dk_context_index_status;

/** Read the status of the index of `repo` (no update). */
DK_EXTERN int dk_context_index_state(dk_context_index_status *out, dk_engine *engine,
                                     const char *repo);

/** The codebase summary for connect, read from the index (no walk of the tree). */
typedef struct dk_context_summary {
    /* language names ("c", "python", ...), sorted */
    char **languages;
    /* files in each language (parallel to languages) */
    size_t *language_files;
    size_t nlanguages;
    /* indexed files in a supported language, and their symbols */
    size_t files;
    size_t symbols;
    /* every file of the commit, in a supported language or not */
    size_t all_files;
    /* the commit these counts describe (hex; "" for an unborn branch) */
    char commit[41];
    /* the branch head when the summary was made (hex; "" for an unborn branch) */
    char branch_head[41];
    /* the index was behind the branch (a large build in progress, or the indexer kept
     * committing newer heads while the summary was counted): `commit` is the indexed head,
     * not the commit asked for */
    bool index_behind;
} dk_context_summary;

/** Summary of `repo` at its head (dk_context_summary_at with commit NULL). */
DK_EXTERN int dk_context_summary_get(dk_context_summary **out, dk_engine *engine, const char *repo);

/**
 * Summary of `repo` at `commit` (hex; NULL or "" for the head), read from
 * the index of the head and moved by the files that differ between the
 * indexed head and the commit (parsed through the symbol cache). When more
 * than 2,000 files differ, or the index is behind the branch (a large build
 * in progress, see dk_context_index), the summary describes the indexed
 * head instead: `commit` always says which commit it describes, and
 * `index_behind` whether that is because the index is behind the branch.
 */
DK_EXTERN int dk_context_summary_at(dk_context_summary **out, dk_engine *engine, const char *repo,
                                    const char *commit);

DK_EXTERN void dk_context_summary_free(dk_context_summary *summary);

#endif
