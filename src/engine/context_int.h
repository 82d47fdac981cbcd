/*
 * engine/context_int.h - what context_index.c (building the index) and
 * context_query.c (answering) share. Private to those two files.
 *
 * Scopes: every row of the context tables carries (repo, scope, path);
 * scope "" is the branch head, scope <session id> a live session's own
 * changed files (a deleted file is a context_files row with blob "" and no
 * symbols: it hides the head's symbols of that path from the session).
 */
#ifndef DK_ENGINE_CONTEXT_INT_H
#define DK_ENGINE_CONTEXT_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/context.h"

#include "engine/engine_int.h"
#include "util/map.h"
#include "util/str.h"

/* Most bytes of the body-words column of one symbol. */
#define CTX_BODY_WORDS_MAX 16384

/* First byte of a word written in hex (a word with a non-ASCII byte); no other word has it. */
#define CTX_WORD_HEX 'X'
/* Longest word as written (a 64-byte word in hex, after CTX_WORD_HEX). */
#define CTX_WORD_MAX (1 + 2 * 64)

/*
 * Append the search words of `text` (`len` bytes) to `out`, separated by
 * spaces: runs of letters and digits (bytes >= 0x80 count as letters),
 * ASCII-lowercased, split at '_' and at CamelCase humps ("parseHTTPRequest"
 * -> "parse http request"), plus the joined form of a multi-part identifier
 * ("parsehttprequest"). Words of one character (byte) or more than 64 bytes
 * are skipped. A word holding a byte >= 0x80 is written as CTX_WORD_HEX and
 * the lowercase hex of its bytes ("größe" -> "X6772c3b6c39f65"), so the
 * stores only ever see ASCII words. With `dedup`, a word already in `out`
 * is not added again. Stops before `out` passes `cap` bytes (0: no cap).
 */
void dk_ctx_words(dk_str *out, const char *text, size_t len, bool dedup, size_t cap);

/* Append `words` (dk_ctx_words' output) to `out` as text: hex words decoded back to UTF-8. */
void dk_ctx_words_text(dk_str *out, const char *words);

/* True for a path that holds tests (tests/, test_x.py, x_test.go, x.test.ts, spec/, ...). */
bool dk_ctx_path_is_test(const char *path);

/**
 * Bring the head scope of `repo` to its branch head (context_index.c). The
 * caller holds the repository's indexing slot (context_head.c), so one
 * thread of this process updates a repository at a time; other processes
 * serialise on the head row.
 * @param[out] head_hex the indexed head afterwards (hex; "" when unborn)
 * @param inline_max 0: no limit; else, when at least this many files
 *        changed since the indexed head, nothing is changed and *handoff is set
 * @param cancel may be NULL; when it becomes true the update stops (DK_EBUSY)
 * @return DK_OK; DK_EBUSY when the store stayed busy for its busy timeout (not
 *         retried: the caller answers from the index as it is) or the head
 *         kept moving through 8 builds; other errors as they come
 * @param[out] handoff may be NULL (then inline_max should be 0); set when
 *        the update was left for the caller to hand off (DK_OK, head_hex the
 *        indexed head)
 * The update commits with dk_store_commit_deferred: a WAL checkpoint it
 * leaves due is the caller's to run once the update is published
 * (context_head.c).
 */
int dk_ctx_head_update(dk_context_index_stats *stats, char head_hex[41], dk_engine *e,
                       const char *repo, size_t inline_max, const atomic_bool *cancel,
                       bool *handoff);

/** The indexed head and the branch head of `repo` (hex, "" for none): two reads, no update. */
int dk_ctx_head_state(char indexed_hex[41], char branch_hex[41], dk_engine *e, const char *repo);

/** What dk_ctx_head_ready found or did. */
struct dk_ctx_head {
    /* the head the index describes, and the branch head (hex; "" for none) */
    char indexed[41];
    char branch[41];
    /* the index is behind the branch (a build in progress did not finish within the wait) */
    bool behind;
};

/**
 * Bring the head index of `repo` up to date for a reader (context_head.c).
 * bounded (queries, connect): an update of fewer than the inline limit's
 * files is made by the calling thread; a larger one goes to the background
 * indexer, and the caller waits for it (or for another thread's update) at
 * most the wait bound (not at all for a large build), then answers from
 * the index as it is (out->behind).
 * Not bounded (dk_context_index): waits for any update in progress, then
 * makes whatever is left itself, however large.
 * @param stats may be NULL; what this call's own update did (up_to_date when none)
 */
int dk_ctx_head_ready(struct dk_ctx_head *out, dk_context_index_stats *stats, dk_engine *e,
                      const char *repo, bool bounded);

/**
 * Set the inline limit (files; 0: the default, 256) and the wait bound (ms;
 * negative: the default, 2,000) of dk_ctx_head_ready for engine `e`, and
 * hold the indexer thread (it takes no work, neither a build nor a WAL
 * checkpoint, while `hold`): for tests.
 */
void dk_ctx_indexer_tune(dk_engine *e, size_t inline_max, int64_t wait_ms, bool hold);

/* Where a test hook runs (dk_ctx_indexer_hook). */
enum dk_ctx_hook_at {
    /* on the indexer thread: its build was just marked large, before it is made */
    DK_CTX_HOOK_LARGE,
    /* in a query or a summary: its reads are done, before it re-reads the indexed head */
    DK_CTX_HOOK_READ,
};

typedef void (*dk_ctx_hook_fn)(void *arg, enum dk_ctx_hook_at at, const char *repo);

/**
 * Call fn(arg, at, repo) at each hook point of engine `e` (NULL: none, the
 * default): for tests, to pause the indexer thread inside a build or to move
 * the index between a reader's reads and its head re-read. The engine's own
 * state, not a global; set it while no request runs.
 */
void dk_ctx_indexer_hook(dk_engine *e, dk_ctx_hook_fn fn, void *arg);

/** Run the hook of `e` at `at` for `repo`, if one is set. */
void dk_ctx_hook_run(dk_engine *e, enum dk_ctx_hook_at at, const char *repo);

/**
 * Files and symbols per language ("" for files in no supported language)
 * of `commit_hex`, added into `langs` (lang -> struct ctx_lang_count *,
 * values allocated; the caller frees them): the head index's counts moved
 * by the files that differ between `indexed_hex` and the commit (parsed
 * through the symbol cache). NULL, "" or the indexed head: the index's
 * counts. *too_many set (DK_OK) when more than `max_changes` files differ
 * (then `langs` holds the indexed head's counts).
 */
int dk_ctx_summary_counts(dk_map *langs, dk_engine *e, const char *repo, const char *indexed_hex,
                          const char *commit_hex, size_t max_changes, bool *too_many);

struct ctx_lang_count {
    int64_t files, symbols;
};

/**
 * Bring scope `view->id` in line with the session's view: its overlay, and
 * the files its base has differently from the indexed head `indexed_hex`
 * (the base's version, or a deletion), so the session is answered at its
 * own base (up to 2,000 such files; past that, the head's stand in).
 */
int dk_ctx_index_session(dk_engine *e, const struct dk_eng_session_view *view,
                         const char *indexed_hex);

/** True if `path` is one of the session's own overlay entries (its own change). */
bool dk_ctx_overlay_has(const struct dk_eng_session_view *view, const char *path);

/* ========================================================================== */
/* Ranking (context_rank.c): the score is computed in C, the same on every store */
/* ========================================================================== */

/* The word columns of a symbol, in this order everywhere (stats, weights, tf). */
enum { CTX_F_NAME, CTX_F_QNAME, CTX_F_SIG, CTX_F_DOC, CTX_F_PATH, CTX_F_BODY, CTX_NFIELDS };

/* Most query words ranked on. */
#define CTX_QMAX 32

struct dk_ctx_qword {
    char w[CTX_WORD_MAX + 1];
    size_t n;
    /* length of the stem prefix a document word must share (its own stem equal), 0: exact only */
    size_t stem;
    double idf;
};

/* A query prepared for scoring; the caller fills nsym, avglen and (dk_ctx_ranker_set_df) idf. */
struct dk_ctx_ranker {
    struct dk_ctx_qword words[CTX_QMAX];
    size_t nwords;
    /* symbols of the head scope and the average word count of each column there */
    double nsym;
    double avglen[CTX_NFIELDS];
};

/* One candidate's term frequencies (per query word and column) and column lengths. */
struct dk_ctx_tf {
    float tf[CTX_QMAX][CTX_NFIELDS];
    uint32_t len[CTX_NFIELDS];
};

/* Length of the stem of word w (n bytes, lowercase): a prefix of w (light suffix stripping). */
size_t dk_ctx_stem_len(const char *w, size_t n);
/* Words in a space-separated column. */
size_t dk_ctx_word_count(const char *t);
/* Prepare `words` (space-separated, at most CTX_QMAX used); idf 0 until set. */
void dk_ctx_ranker_init(struct dk_ctx_ranker *r, const char *words);
/* idf of query word `word` from its document frequency (and r->nsym). */
void dk_ctx_ranker_set_df(struct dk_ctx_ranker *r, size_t word, int64_t df);
/* Count the query words in a candidate's columns (NULL column: empty). */
void dk_ctx_tf_count(struct dk_ctx_tf *out, const struct dk_ctx_ranker *r,
                     const char *const fields[CTX_NFIELDS]);
/* True if query word `word` occurs (exactly or by stem) in some column. */
bool dk_ctx_tf_has(const struct dk_ctx_tf *tf, size_t word);
/* The score (> 0 when some word matches; 0 otherwise); `kind` is the symbol's kind name,
 * `lines` the line count of its span (the size prior; 0 or 1: none). */
double dk_ctx_score(const struct dk_ctx_ranker *r, const struct dk_ctx_tf *tf, const char *kind,
                    uint32_t lines);

#endif
