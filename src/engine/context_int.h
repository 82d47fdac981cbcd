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

#include <stdbool.h>
#include <stddef.h>

#include "dk/context.h"

#include "engine/engine_int.h"
#include "util/str.h"

/* Most bytes of the body-words column of one symbol. */
#define CTX_BODY_WORDS_MAX 16384

/*
 * Append the search words of `text` (`len` bytes) to `out`, separated by
 * spaces: runs of letters and digits, lowercased (ASCII; other UTF-8 kept
 * as is), split at '_' and at CamelCase humps ("parseHTTPRequest" ->
 * "parse http request"), plus the joined form of a multi-part identifier
 * ("parsehttprequest"). Words of one character are skipped. With `dedup`,
 * a word already in `out` is not added again. Stops before `out` passes
 * `cap` bytes (0: no cap).
 */
void dk_ctx_words(dk_str *out, const char *text, size_t len, bool dedup, size_t cap);

/* True for a path that holds tests (tests/, test_x.py, x_test.go, x.test.ts, spec/, ...). */
bool dk_ctx_path_is_test(const char *path);

/**
 * Bring the head scope of `repo` to its branch head (see dk_context_index).
 * @param[out] head_hex the indexed head (hex; "" when unborn)
 */
int dk_ctx_index_head(dk_context_index_stats *stats, char head_hex[41], dk_engine *e,
                      const char *repo);

/** Bring scope `view->id` in line with the session's overlay. */
int dk_ctx_index_session(dk_engine *e, const struct dk_eng_session_view *view);

#endif
