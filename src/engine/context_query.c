/*
 * engine/context_query.c - answering a context query: ranked symbols with
 * their source, callers, callees and tests, within a token budget (issue 8).
 *
 *   query text ──► dk_ctx_words (our tokeniser; stop words dropped)
 *     ──► SQLite:     context_fts MATCH '"w1" OR "w2" ...'  ORDER BY bm25 with column
 *                     weights name 10, qualified name 5, signature 3, doc 2, path 1 and
 *                     body words 4 (picked on click, gin and cobra: commit subjects name
 *                     behaviour, which lives in bodies; docs/context.md)
 *         PostgreSQL: tsv @@ to_tsquery('simple', 'w1 | w2 ...') ORDER BY ts_rank with
 *                     weights A 1.0 (name), B 0.5 (qualified name), C 0.25 (signature,
 *                     doc), D 0.4 (path, body words): the nearest to the bm25 weights
 *                     four classes allow
 *     ──► rows in score order (ties: path, line) = ranks 1..n, kept to the answer
 *     ──► per symbol: source (the indexed blob's bytes), callers/callees
 *         (resolved here, across files), tests (callers in test code)
 *     ──► budget: headers first in rank order (lowest ranks dropped whole if
 *         even they do not fit), then sources in rank order, the first that
 *         does not fit cut at a line (or character) boundary, lower ones left out.
 *
 * Only words reach the full-text engines, each quoted for FTS5 and joined
 * with OR / |: user text is never FTS syntax, so `"`, `*`, `NEAR`, `-`,
 * `AND` are ordinary (or no) words and never an error (dkod's parse error).
 *
 * Call resolution (the index keeps each call as written plus its last name
 * segment): a callee name resolves, from the calling file, to (1) a symbol
 * of that name in the same file, else (2) the one in a file the calling
 * file imports (module's last segment = the file's stem or directory),
 * else (3) the only symbol of that name in the repository; otherwise it is
 * kept unresolved, as text. Prototypes yield to definitions. Callers of S
 * are the call sites naming S's name that resolve to S.
 *
 * Visibility: a query on a session sees the session's scope plus the head's
 * rows of every path the session did not change (a context_files row in
 * the session's scope hides the head's path).
 *
 * Conventions: statics are cq_-prefixed; DK_OK or a negative dk_err_code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk/context.h"

#include "engine/context_int.h"
#include "git/git.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/map.h"
#include "util/vec.h"

/* Most words of a query used; most call rows looked at per symbol. */
#define CQ_MAX_WORDS   32
#define CQ_MAX_EDGES   20
#define CQ_MAX_CALLROW 200
/* A scope no session has: "no session" in the visibility clause. */
#define CQ_NO_SCOPE ":none:"

/* The visibility clause for alias s (params: scope, scope). */
#define CQ_VISIBLE(a)                                                                              \
    "(" a ".scope = ? OR (" a ".scope = '' AND NOT EXISTS (SELECT 1 FROM context_files f "         \
    "WHERE f.repo = " a ".repo AND f.scope = ? AND f.path = " a ".path)))"

const char *dk_context_depth_name(dk_context_depth depth)
{
    switch (depth) {
    case DK_CONTEXT_SIGNATURES:
        return "signatures";
    case DK_CONTEXT_FULL:
        return "full";
    case DK_CONTEXT_CALL_GRAPH:
        return "call_graph";
    }
    return "?";
}

int dk_context_depth_parse(dk_context_depth *out, const char *name)
{
    for (int d = DK_CONTEXT_SIGNATURES; d <= DK_CONTEXT_CALL_GRAPH; d++)
        if (name && strcmp(name, dk_context_depth_name((dk_context_depth)d)) == 0) {
            *out = (dk_context_depth)d;
            return DK_OK;
        }
    return dk_error_set(DK_EINVALID, "unknown depth '%s' (signatures, full, call_graph)",
                        name ? name : "");
}

/* ========================================================================== */
/* Query words                                                                */
/* ========================================================================== */

static bool cq_is_stop(const char *w, size_t n)
{
    static const char *const stop[] = {
        "a",    "an",   "and",   "are",   "as",    "at",    "be",     "by",    "for",
        "from", "has",  "in",    "into",  "is",    "it",    "its",    "not",   "of",
        "on",   "or",   "that",  "the",   "this",  "to",    "was",    "when",  "with",
        "use",  "we",   "if",    "so",    "do",    "does",  "fix",    "fixes", "fixed",
        "add",  "adds", "added", "make",  "allow", "also",  "more",   "new",   "now",
        "some", "than", "then",  "which", "while", "would", "should", "can",   "cannot",
        "all",  "any",  "but",   "out",   "up",    "no",    "same",   "via"};
    for (size_t i = 0; i < sizeof(stop) / sizeof(*stop); i++)
        if (strlen(stop[i]) == n && memcmp(stop[i], w, n) == 0)
            return true;
    return false;
}

/* The query's words: ours, no stop words, at most CQ_MAX_WORDS. */
static void cq_query_words(dk_str *out, const char *query)
{
    dk_str all = DK_STR_INIT;
    dk_ctx_words(&all, query, strlen(query), true, 0);
    size_t n = 0;
    const char *p = all.ptr, *end = all.ptr + all.len;
    while (p < end && n < CQ_MAX_WORDS) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        size_t wl = (size_t)((sp ? sp : end) - p);
        if (!cq_is_stop(p, wl)) {
            if (out->len)
                dk_str_addch(out, ' ');
            dk_str_add(out, p, wl);
            n++;
        }
        p = sp ? sp + 1 : end;
    }
    dk_str_release(&all);
}

/* ========================================================================== */
/* Per-request state                                                          */
/* ========================================================================== */

/* A symbol row as read back. */
struct cq_sym {
    int64_t id;
    char *scope, *path, *name, *qname, *kind, *sig, *doc;
    uint32_t start_line, end_line, start_byte, end_byte;
    bool is_test;
    double score;
};

typedef dk_vec(struct cq_sym) cq_syms;

struct cq_imp {
    char *module, *name, *alias;
};

typedef dk_vec(struct cq_imp) cq_imps;

static void cq_imps_free(cq_imps *v)
{
    if (!v)
        return;
    dk_vec_foreach(v, struct cq_imp *, m) {
        free(m->module);
        free(m->name);
        free(m->alias);
    }
    dk_vec_release(v);
    free(v);
}

struct cq {
    dk_engine *e;
    dk_store_conn *c;
    dk_git_repo *g;
    const char *repo;
    /* the session's scope, or CQ_NO_SCOPE */
    const char *scope;
    /* name -> cq_syms * (candidates of a callee name) */
    dk_map cands;
    /* path -> cq_imps * (imports of a calling file) */
    dk_map imps;
    /* "scope\npath" -> char * (file content, NUL-terminated) or a sentinel for none */
    dk_map blobs;
};

static void cq_sym_release(struct cq_sym *s)
{
    free(s->scope);
    free(s->path);
    free(s->name);
    free(s->qname);
    free(s->kind);
    free(s->sig);
    free(s->doc);
}

static void cq_syms_free(cq_syms *v)
{
    if (!v)
        return;
    dk_vec_foreach(v, struct cq_sym *, s)
        cq_sym_release(s);
    dk_vec_release(v);
    free(v);
}

static void cq_release(struct cq *q)
{
    dk_map_foreach(&q->cands, it)
        cq_syms_free(it->value);
    dk_map_release(&q->cands);
    dk_map_foreach(&q->imps, it)
        cq_imps_free(it->value);
    dk_map_release(&q->imps);
    dk_map_foreach(&q->blobs, it)
        free(it->value);
    dk_map_release(&q->blobs);
}

static char *cq_text(dk_store_rows *r, int col)
{
    const char *t = dk_store_rows_text(r, col, NULL);
    return dk_xstrdup(t ? t : "");
}

/* The columns every symbol query selects, in cq_sym_read's order. */
#define CQ_SYM_COLS                                                                                \
    "s.id, s.scope, s.path, s.name, s.qname, s.kind, s.start_line, s.end_line, s.start_byte, "     \
    "s.end_byte, s.signature, s.doc, s.is_test"

static void cq_sym_read(struct cq_sym *s, dk_store_rows *r)
{
    s->id = dk_store_rows_int(r, 0);
    s->scope = cq_text(r, 1);
    s->path = cq_text(r, 2);
    s->name = cq_text(r, 3);
    s->qname = cq_text(r, 4);
    s->kind = cq_text(r, 5);
    s->start_line = (uint32_t)dk_store_rows_int(r, 6);
    s->end_line = (uint32_t)dk_store_rows_int(r, 7);
    s->start_byte = (uint32_t)dk_store_rows_int(r, 8);
    s->end_byte = (uint32_t)dk_store_rows_int(r, 9);
    s->sig = cq_text(r, 10);
    s->doc = cq_text(r, 11);
    s->is_test = dk_store_rows_int(r, 12) != 0;
}

/* Run a symbol query, appending rows to `out`; column 13, when present, is the score. */
static int cq_syms_query(cq_syms *out, struct cq *q, const char *sql, const dk_store_val *p,
                         size_t np, bool scored)
{
    dk_store_rows *r;
    int rc = dk_store_query(&r, q->c, sql, p, np);
    if (rc < 0)
        return rc;
    while ((rc = dk_store_rows_next(r)) == 1) {
        struct cq_sym *s = dk_vec_push_zero(out);
        cq_sym_read(s, r);
        if (scored) {
            const char *t = dk_store_rows_text(r, 13, NULL);
            s->score = t ? strtod(t, NULL) : 0.0;
        }
    }
    dk_store_rows_free(r);
    return rc < 0 ? rc : DK_OK;
}

/* ========================================================================== */
/* Ranking                                                                    */
/* ========================================================================== */

/* The full-text term of query word q: with `prefix`, its stem as a prefix ("pars"* / pars:*),
 * else the word itself. */
static void cq_term(dk_str *out, const struct dk_ctx_qword *q, bool prefix, bool pg)
{
    prefix = prefix && q->stem;
    if (!pg)
        dk_str_addch(out, '"');
    dk_str_add(out, q->w, prefix ? q->stem : q->n);
    if (!pg)
        dk_str_addch(out, '"');
    if (prefix)
        dk_str_adds(out, pg ? ":*" : "*");
}

/*
 * How many symbols (of every repository and scope) match query word q,
 * counted up to cap + 1 only, so the count costs at most that many postings.
 */
static int cq_df(int64_t *out, struct cq *q, const struct dk_ctx_qword *w, bool prefix, bool pg,
                 int64_t cap)
{
    dk_str expr = DK_STR_INIT;
    cq_term(&expr, w, prefix, pg);
    dk_store_val p[] = {DK_SV_TEXT(expr.ptr), DK_SV_INT(cap + 1)};
    *out = 0;
    int rc = dk_store_query_int(
        out, NULL, q->c,
        pg ? "SELECT COUNT(*) FROM (SELECT 1 FROM context_symbols WHERE tsv @@ "
             "to_tsquery('simple', ?) LIMIT ?) x"
           : "SELECT COUNT(*) FROM (SELECT 1 FROM context_fts WHERE context_fts MATCH ? LIMIT ?)",
        p, 2);
    dk_str_release(&expr);
    return rc;
}

/* A candidate: its row and the query words' frequencies in its columns. */
struct cq_cand {
    struct cq_sym sym;
    struct dk_ctx_tf tf;
};

typedef dk_vec(struct cq_cand) cq_cands_vec;

/*
 * The candidates matching `expr` among the visible symbols, with their
 * word columns counted against the query. `ordered_limit` > 0 (the
 * fallback for queries of common words only) takes the first that many by
 * (path, line), an order both stores agree on; 0 takes every match.
 */
static int cq_fetch(cq_cands_vec *out, struct cq *q, const struct dk_ctx_ranker *rk,
                    const char *expr, bool pg, size_t ordered_limit, bool with_tests)
{
    dk_str sql = DK_STR_INIT;
    dk_str_adds(&sql, "SELECT " CQ_SYM_COLS
                      ", s.t_name, s.t_qname, s.t_sig, s.t_doc, s.t_path, s.t_body ");
    if (pg)
        dk_str_adds(&sql, "FROM context_symbols s WHERE s.tsv @@ to_tsquery('simple', ?)");
    else /* CROSS JOIN keeps the FTS match as the outer loop (else the planner may walk the
          * repository's symbols and test MATCH on each) */
        dk_str_adds(&sql,
                    "FROM context_fts CROSS JOIN context_symbols s ON s.id = context_fts.rowid "
                    "WHERE context_fts MATCH ?");
    dk_str_adds(&sql, " AND s.repo = ?");
    if (!with_tests)
        dk_str_adds(&sql, " AND s.is_test = 0");
    bool session = strcmp(q->scope, CQ_NO_SCOPE) != 0;
    if (session)
        dk_str_adds(&sql, " AND " CQ_VISIBLE("s"));
    else
        dk_str_adds(&sql, " AND s.scope = ''");
    if (ordered_limit)
        dk_str_adds(&sql, " ORDER BY s.path, s.start_line, s.end_line, s.start_byte LIMIT ?");
    dk_store_val p[5];
    size_t n = 0;
    p[n++] = DK_SV_TEXT(expr);
    p[n++] = DK_SV_TEXT(q->repo);
    if (session) {
        p[n++] = DK_SV_TEXT(q->scope);
        p[n++] = DK_SV_TEXT(q->scope);
    }
    if (ordered_limit)
        p[n++] = DK_SV_INT(ordered_limit);
    dk_store_rows *r;
    int rc = dk_store_query(&r, q->c, sql.ptr, p, n);
    dk_str_release(&sql);
    if (rc < 0)
        return rc;
    while ((rc = dk_store_rows_next(r)) == 1) {
        struct cq_cand *cd = dk_vec_push_zero(out);
        cq_sym_read(&cd->sym, r);
        const char *cols[CTX_NFIELDS];
        for (int f = 0; f < CTX_NFIELDS; f++)
            cols[f] = dk_store_rows_text(r, 13 + f, NULL);
        dk_ctx_tf_count(&cd->tf, rk, cols);
    }
    dk_store_rows_free(r);
    return rc < 0 ? rc : DK_OK;
}

/* The head's statistics: symbols and the average word count of each column. */
static int cq_stats(struct dk_ctx_ranker *rk, struct cq *q)
{
    dk_store_rows *r;
    dk_store_val p[] = {DK_SV_TEXT(q->repo)};
    int rc = dk_store_query(&r, q->c,
                            "SELECT nsym, w_name, w_qname, w_sig, w_doc, w_path, w_body FROM "
                            "context_heads WHERE repo = ?",
                            p, 1);
    if (rc < 0)
        return rc;
    if ((rc = dk_store_rows_next(r)) == 1) {
        int64_t nsym = dk_store_rows_int(r, 0);
        rk->nsym = nsym > 0 ? (double)nsym : 1.0;
        for (int f = 0; f < CTX_NFIELDS; f++)
            rk->avglen[f] = (double)dk_store_rows_int(r, 1 + f) / rk->nsym;
    }
    dk_store_rows_free(r);
    return rc < 0 ? rc : DK_OK;
}

/* Best first; ties on path, line, name: the same order on every store. */
static int cq_cand_cmp(const void *a, const void *b)
{
    const struct cq_sym *x = &((const struct cq_cand *)a)->sym,
                        *y = &((const struct cq_cand *)b)->sym;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    if (x->start_line != y->start_line)
        return x->start_line < y->start_line ? -1 : 1;
    if ((c = strcmp(x->name, y->name)) != 0)
        return c;
    if (x->end_line != y->end_line)
        return x->end_line < y->end_line ? -1 : 1;
    return x->start_byte < y->start_byte ? -1 : x->start_byte > y->start_byte;
}

/*
 * Rank the visible symbols for `words`. The store finds candidates; the
 * score is computed here (context_rank.c), so both stores give one order.
 * Candidates are bounded so a query stays fast at 100,000 symbols: the
 * words are taken rarest first while all together they match at most
 * CQ_CANDIDATES symbols (each counted up to CQ_CANDIDATES + 1 over the
 * whole index, the same on both stores); the other (common) words still
 * score the candidates. When no word fits, the symbols holding all of them
 * in their name, else anywhere, else any of them are taken, the first
 * CQ_FALLBACK by path and line (the prefix forms are left out there: the
 * engines merge a prefix's postings whole). A word's own count comes first
 * (it stops at the cap); its stem's prefix term is counted, and used, only
 * when both the word and the prefix are in at most CQ_COMMON symbols.
 */
#define CQ_COMMON     2000
#define CQ_CANDIDATES 3000
#define CQ_FALLBACK   1000
static int cq_rank(cq_syms *out, struct cq *q, const char *words, size_t limit, bool with_tests)
{
    bool pg = dk_store_kind_of(dk_eng_store(q->e)) == DK_STORE_POSTGRESQL;
    struct dk_ctx_ranker *rk = dk_xcalloc(1, sizeof(*rk));
    dk_ctx_ranker_init(rk, words);
    int64_t df[CTX_QMAX];
    size_t order[CTX_QMAX], norder = 0;
    bool fetched[CTX_QMAX] = {false}, prefix[CTX_QMAX] = {false};
    cq_cands_vec cands = DK_VEC_INIT;
    dk_str expr = DK_STR_INIT;
    int rc = cq_stats(rk, q);
    /* the word's own count first (cheap: it stops at the cap); the stem's prefix term (which
     * the engines merge whole) only for a word that is not common, and used when it is not */
    for (size_t i = 0; i < rk->nwords && rc == DK_OK; i++) {
        rc = cq_df(&df[i], q, &rk->words[i], false, pg, CQ_CANDIDATES);
        int64_t pdf = 0;
        if (rc == DK_OK && df[i] <= CQ_COMMON && rk->words[i].stem &&
            (rc = cq_df(&pdf, q, &rk->words[i], true, pg, CQ_COMMON)) == DK_OK &&
            pdf <= CQ_COMMON) {
            prefix[i] = true;
            df[i] = pdf;
        }
        if (rc == DK_OK && df[i] > 0)
            order[norder++] = i;
    }
    if (rc < 0 || !norder)
        goto out;
    /* rarest first (stable: ties keep the query's order) */
    for (size_t i = 1; i < norder; i++)
        for (size_t j = i; j > 0 && df[order[j]] < df[order[j - 1]]; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    int64_t total = 0;
    for (size_t k = 0; k < norder; k++) {
        size_t i = order[k];
        if (total + df[i] > CQ_CANDIDATES)
            break;
        total += df[i];
        fetched[i] = true;
        if (expr.len)
            dk_str_adds(&expr, pg ? " | " : " OR ");
        cq_term(&expr, &rk->words[i], prefix[i], pg);
    }
    if (expr.len) {
        rc = cq_fetch(&cands, q, rk, expr.ptr, pg, 0, with_tests);
    } else {
        /* every word is common: all of them in the name, else all of them, else any of them,
         * the first CQ_FALLBACK in (path, line) order */
        for (int tier = 0; tier < 3 && rc == DK_OK && !cands.len; tier++) {
            dk_str_clear(&expr);
            for (size_t k = 0; k < norder; k++) {
                if (expr.len)
                    dk_str_adds(&expr, tier == 2 ? (pg ? " | " : " OR ") : (pg ? " & " : " AND "));
                if (tier == 0 && !pg)
                    dk_str_adds(&expr, "t_name : ");
                cq_term(&expr, &rk->words[order[k]], false, pg);
                if (tier == 0 && pg)
                    dk_str_adds(&expr, ":A"); /* weight A is the name (migration 003) */
            }
            rc = cq_fetch(&cands, q, rk, expr.ptr, pg, CQ_FALLBACK, with_tests);
        }
    }
    if (rc < 0)
        goto out;
    /* document frequencies: counted on the candidates for the words that found them */
    for (size_t i = 0; i < rk->nwords; i++) {
        int64_t d = df[i];
        if (fetched[i]) {
            d = 0;
            dk_vec_foreach(&cands, struct cq_cand *, cd)
                d += dk_ctx_tf_has(&cd->tf, i);
        }
        dk_ctx_ranker_set_df(rk, i, d > 0 ? d : 1);
    }
    size_t k = 0;
    for (size_t i = 0; i < cands.len; i++) {
        struct cq_cand *cd = &cands.items[i];
        cd->sym.score =
            dk_ctx_score(rk, &cd->tf, cd->sym.kind, cd->sym.end_line - cd->sym.start_line + 1);
        if (cd->sym.score > 0)
            cands.items[k++] = *cd;
        else
            cq_sym_release(&cd->sym);
    }
    cands.len = k;
    if (cands.len > 1)
        qsort(cands.items, cands.len, sizeof(*cands.items), cq_cand_cmp);
    for (size_t i = 0; i < cands.len; i++) {
        if (i < limit)
            dk_vec_push(out, cands.items[i].sym);
        else
            cq_sym_release(&cands.items[i].sym);
    }
    cands.len = 0;
out:
    dk_vec_foreach(&cands, struct cq_cand *, cd)
        cq_sym_release(&cd->sym);
    dk_vec_release(&cands);
    dk_str_release(&expr);
    free(rk);
    return rc;
}

/* ========================================================================== */
/* Call resolution                                                            */
/* ========================================================================== */

/* Keep the first CQ_MAX_CANDS of a name's candidates, prototypes dropped when a definition exists.
 */
#define CQ_MAX_CANDS 64
static void cq_cands_finish(cq_syms *v)
{
    while (v->len > CQ_MAX_CANDS)
        cq_sym_release(&v->items[--v->len]);
    bool has_def = false;
    dk_vec_foreach(v, struct cq_sym *, s)
        has_def |= strcmp(s->kind, "prototype") != 0;
    if (has_def) {
        size_t k = 0;
        for (size_t i = 0; i < v->len; i++) {
            if (strcmp(v->items[i].kind, "prototype") == 0)
                cq_sym_release(&v->items[i]);
            else
                v->items[k++] = v->items[i];
        }
        v->len = k;
    }
}

/* Symbols named `name` visible to the query (prototypes dropped when a definition exists). */
static int cq_cands(cq_syms **out, struct cq *q, const char *name)
{
    cq_syms *v = dk_map_get(&q->cands, name, strlen(name));
    if (v) {
        *out = v;
        return DK_OK;
    }
    v = dk_xcalloc(1, sizeof(*v));
    dk_store_val p[] = {DK_SV_TEXT(q->repo), DK_SV_TEXT(name), DK_SV_TEXT(q->scope),
                        DK_SV_TEXT(q->scope)};
    int rc = cq_syms_query(v, q,
                           "SELECT " CQ_SYM_COLS
                           " FROM context_symbols s WHERE s.repo = ? AND s.name = ? AND "
                           "s.kind <> 'variable' AND s.kind <> 'include' AND " CQ_VISIBLE(
                               "s") " ORDER BY s.path, s.start_line LIMIT 64",
                           p, 4, false);
    if (rc < 0) {
        cq_syms_free(v);
        return rc;
    }
    cq_cands_finish(v);
    dk_map_put(&q->cands, name, strlen(name), v, NULL);
    *out = v;
    return DK_OK;
}

/*
 * Run `head` + "(?, ?, ...)" + `tail` for the text or integer keys `keys`
 * (parameters: `pre`, the keys, `post`), in chunks; `row` sees every row.
 * A chunk is padded to 1, 8, 64 or 256 keys by repeating its last one, so
 * a store that caches prepared statements by text sees few distinct texts.
 * The rows of one key are always in one chunk (in the statement's order).
 */
typedef int (*cq_row_fn)(void *arg, dk_store_rows *r);
static int cq_query_in(struct cq *q, const char *head, const char *tail, const dk_store_val *pre,
                       size_t npre, const dk_store_val *keys, size_t nkeys,
                       const dk_store_val *post, size_t npost, cq_row_fn row, void *arg)
{
    static const size_t buckets[] = {1, 8, 64, 256};
    int rc = DK_OK;
    for (size_t at = 0; at < nkeys && rc >= 0;) {
        size_t left = nkeys - at, n = 256;
        for (size_t b = 0; b < 4; b++)
            if (left <= buckets[b]) {
                n = buckets[b];
                break;
            }
        size_t take = left < n ? left : n;
        dk_str sql = DK_STR_INIT;
        dk_str_adds(&sql, head);
        dk_str_adds(&sql, "(");
        for (size_t i = 0; i < n; i++)
            dk_str_adds(&sql, i ? ", ?" : "?");
        dk_str_adds(&sql, ")");
        dk_str_adds(&sql, tail);
        dk_store_val *p = dk_xcalloc(npre + n + npost, sizeof(*p));
        if (npre)
            memcpy(p, pre, npre * sizeof(*p));
        for (size_t i = 0; i < n; i++)
            p[npre + i] = keys[at + (i < take ? i : take - 1)];
        if (npost)
            memcpy(p + npre + n, post, npost * sizeof(*p));
        dk_store_rows *r;
        rc = dk_store_query(&r, q->c, sql.ptr, p, npre + n + npost);
        free(p);
        dk_str_release(&sql);
        if (rc < 0)
            break;
        while ((rc = dk_store_rows_next(r)) == 1)
            if ((rc = row(arg, r)) < 0)
                break;
        dk_store_rows_free(r);
        at += take;
    }
    return rc < 0 ? rc : DK_OK;
}

/* Rows of the candidates prefetch: column 13 is the name the row was asked for. */
static int cq_cands_row(void *arg, dk_store_rows *r)
{
    struct cq *q = arg;
    size_t n;
    const char *name = dk_store_rows_text(r, 3, &n);
    cq_syms *v = dk_map_get(&q->cands, name, n);
    if (v)
        cq_sym_read(dk_vec_push_zero(v), r);
    return DK_OK;
}

/* Fill the candidate cache for every name of `names` not in it yet, in few queries. */
static int cq_cands_prefetch(struct cq *q, char *const *names, size_t n)
{
    dk_vec(dk_store_val) keys = DK_VEC_INIT;
    dk_vec(const char *) fresh = DK_VEC_INIT;
    for (size_t i = 0; i < n; i++) {
        if (dk_map_has(&q->cands, names[i], strlen(names[i])))
            continue;
        dk_map_put(&q->cands, names[i], strlen(names[i]), dk_xcalloc(1, sizeof(cq_syms)), NULL);
        dk_vec_push(&keys, DK_SV_TEXT(names[i]));
        dk_vec_push(&fresh, names[i]);
    }
    dk_store_val pre[] = {DK_SV_TEXT(q->repo)};
    dk_store_val post[] = {DK_SV_TEXT(q->scope), DK_SV_TEXT(q->scope)};
    int rc = cq_query_in(q,
                         "SELECT " CQ_SYM_COLS " FROM context_symbols s WHERE s.repo = ? AND "
                         "s.name IN ",
                         " AND s.kind <> 'variable' AND s.kind <> 'include' AND " CQ_VISIBLE(
                             "s") " ORDER BY s.name, s.path, s.start_line",
                         pre, 1, keys.items, keys.len, post, 2, cq_cands_row, q);
    dk_vec_foreach(&fresh, const char **, nm)
        cq_cands_finish(dk_map_get(&q->cands, *nm, strlen(*nm)));
    if (rc < 0) {
        /* not cached half-filled: a later lookup asks again */
        dk_vec_foreach(&fresh, const char **, nm) {
            void *old = NULL;
            dk_map_del(&q->cands, *nm, strlen(*nm), &old);
            cq_syms_free(old);
        }
    }
    dk_vec_release(&keys);
    dk_vec_release(&fresh);
    return rc;
}

/* The imports of `path` as the query sees it. */
static int cq_imports(cq_imps **out, struct cq *q, const char *path)
{
    cq_imps *v = dk_map_get(&q->imps, path, strlen(path));
    if (v) {
        *out = v;
        return DK_OK;
    }
    v = dk_xcalloc(1, sizeof(*v));
    dk_store_rows *r;
    dk_store_val p[] = {DK_SV_TEXT(q->repo), DK_SV_TEXT(path), DK_SV_TEXT(q->scope),
                        DK_SV_TEXT(q->scope)};
    int rc = dk_store_query(&r, q->c,
                            "SELECT s.module, s.name, s.alias FROM context_imports s WHERE "
                            "s.repo = ? AND s.path = ? AND " CQ_VISIBLE("s"),
                            p, 4);
    if (rc == DK_OK) {
        while ((rc = dk_store_rows_next(r)) == 1) {
            struct cq_imp *m = dk_vec_push_zero(v);
            m->module = cq_text(r, 0);
            m->name = cq_text(r, 1);
            m->alias = cq_text(r, 2);
        }
        dk_store_rows_free(r);
    }
    dk_map_put(&q->imps, path, strlen(path), v, NULL);
    *out = v;
    return rc < 0 ? rc : DK_OK;
}

static int cq_imports_row(void *arg, dk_store_rows *r)
{
    struct cq *q = arg;
    size_t n;
    const char *path = dk_store_rows_text(r, 0, &n);
    cq_imps *v = dk_map_get(&q->imps, path, n);
    if (v) {
        struct cq_imp *m = dk_vec_push_zero(v);
        m->module = cq_text(r, 1);
        m->name = cq_text(r, 2);
        m->alias = cq_text(r, 3);
    }
    return DK_OK;
}

/* Fill the imports cache for every path of `paths` not in it yet, in few queries. */
static int cq_imports_prefetch(struct cq *q, char *const *paths, size_t n)
{
    dk_vec(dk_store_val) keys = DK_VEC_INIT;
    dk_vec(const char *) fresh = DK_VEC_INIT;
    for (size_t i = 0; i < n; i++) {
        if (dk_map_has(&q->imps, paths[i], strlen(paths[i])))
            continue;
        dk_map_put(&q->imps, paths[i], strlen(paths[i]), dk_xcalloc(1, sizeof(cq_imps)), NULL);
        dk_vec_push(&keys, DK_SV_TEXT(paths[i]));
        dk_vec_push(&fresh, paths[i]);
    }
    dk_store_val pre[] = {DK_SV_TEXT(q->repo)};
    dk_store_val post[] = {DK_SV_TEXT(q->scope), DK_SV_TEXT(q->scope)};
    int rc = cq_query_in(q,
                         "SELECT s.path, s.module, s.name, s.alias FROM context_imports s WHERE "
                         "s.repo = ? AND s.path IN ",
                         " AND " CQ_VISIBLE("s"), pre, 1, keys.items, keys.len, post, 2,
                         cq_imports_row, q);
    if (rc < 0)
        dk_vec_foreach(&fresh, const char **, pth) {
            void *old = NULL;
            dk_map_del(&q->imps, *pth, strlen(*pth), &old);
            cq_imps_free(old);
        }
    dk_vec_release(&keys);
    dk_vec_release(&fresh);
    return rc;
}

/* s[0..n) equals the NUL-terminated t. */
static bool cq_eqn(const char *s, size_t n, const char *t)
{
    return n && strlen(t) == n && memcmp(s, t, n) == 0;
}

/* True if `path` is what import `m` names: its module's last segment is the file's stem or
 * directory, or the imported name is the file's stem. */
static bool cq_import_names(const struct cq_imp *m, const char *path)
{
    const char *base = strrchr(path, '/');
    const char *b = base ? base + 1 : path;
    const char *dot = strrchr(b, '.');
    size_t stem_n = dot ? (size_t)(dot - b) : strlen(b);
    const char *dir = NULL;
    size_t dir_n = 0;
    if (base) {
        dir = base;
        while (dir > path && dir[-1] != '/')
            dir--;
        dir_n = (size_t)(base - dir);
    }
    /* the module's basename without extension, and its last segment split on . : / */
    const char *mod = m->module;
    size_t mn = strlen(mod);
    while (mn && (mod[mn - 1] == '"' || mod[mn - 1] == '>' || mod[mn - 1] == '\''))
        mn--;
    const char *mb = mod + mn;
    while (mb > mod && mb[-1] != '/' && mb[-1] != '"' && mb[-1] != '<')
        mb--;
    size_t mbn = (size_t)(mod + mn - mb);
    const char *mdot = memchr(mb, '.', mbn);
    size_t mstem = mdot ? (size_t)(mdot - mb) : mbn;
    const char *ms = mod + mn;
    while (ms > mod && ms[-1] != '.' && ms[-1] != ':' && ms[-1] != '/')
        ms--;
    size_t msn = (size_t)(mod + mn - ms);
    if (mstem && ((stem_n == mstem && memcmp(b, mb, mstem) == 0) ||
                  (dir_n == mstem && memcmp(dir, mb, mstem) == 0)))
        return true;
    if (msn &&
        ((stem_n == msn && memcmp(b, ms, msn) == 0) || (dir_n == msn && memcmp(dir, ms, msn) == 0)))
        return true;
    if (m->name[0] && cq_eqn(b, stem_n, m->name))
        return true;
    return false;
}

/*
 * Resolve a call to `name` made in `from_path`: the target (borrowed from the
 * candidate cache) or NULL when it stays unresolved.
 */
static int cq_resolve(const struct cq_sym **out, struct cq *q, const char *name,
                      const char *from_path)
{
    *out = NULL;
    cq_syms *cands;
    int rc = cq_cands(&cands, q, name);
    if (rc < 0 || !cands->len)
        return rc;
    dk_vec_foreach(cands, struct cq_sym *, s)
        if (strcmp(s->path, from_path) == 0) {
            *out = s;
            return DK_OK;
        }
    cq_imps *imps;
    if ((rc = cq_imports(&imps, q, from_path)) < 0)
        return rc;
    const struct cq_sym *linked = NULL;
    size_t nlinked = 0;
    dk_vec_foreach(cands, struct cq_sym *, s) {
        bool l = false;
        dk_vec_foreach(imps, struct cq_imp *, m)
            l = l || cq_import_names(m, s->path);
        if (l && (!linked || strcmp(linked->path, s->path) != 0)) {
            if (!linked)
                linked = s;
            nlinked++;
        }
    }
    if (nlinked == 1) {
        *out = linked;
        return DK_OK;
    }
    /* unique by name: every candidate in one file counts as one (overloads) */
    bool one_file = true;
    dk_vec_foreach(cands, struct cq_sym *, s)
        one_file &= strcmp(s->path, cands->items[0].path) == 0;
    if (one_file)
        *out = &cands->items[0];
    return DK_OK;
}

static void cq_edge_fill(dk_context_edge *e, const char *text, const struct cq_sym *t,
                         uint32_t line)
{
    e->text = dk_xstrdup(text);
    e->call_line = line;
    if (!t)
        return;
    e->resolved = true;
    e->name = dk_xstrdup(t->name);
    e->qualified_name = dk_xstrdup(t->qname);
    e->kind = dk_xstrdup(t->kind);
    e->path = dk_xstrdup(t->path);
    e->start_line = t->start_line;
    e->end_line = t->end_line;
}

typedef dk_vec(dk_context_edge) cq_edges;

static dk_context_edge *cq_edges_take(cq_edges *v, size_t *n)
{
    *n = v->len;
    dk_context_edge *e = v->items;
    dk_vec_init(v);
    return e;
}

/* A call row: the calling symbol, its file, the call as written, the callee's name, the line. */
struct cq_call {
    int64_t caller;
    char *path, *text, *name;
    uint32_t line;
};

typedef dk_vec(struct cq_call) cq_calls;

static int cq_calls_row(void *arg, dk_store_rows *r)
{
    struct cq_call *c = dk_vec_push_zero((cq_calls *)arg);
    c->caller = dk_store_rows_int(r, 0);
    c->path = cq_text(r, 1);
    c->text = cq_text(r, 2);
    c->name = cq_text(r, 3);
    c->line = (uint32_t)dk_store_rows_int(r, 4);
    return DK_OK;
}

static void cq_calls_release(cq_calls *v)
{
    dk_vec_foreach(v, struct cq_call *, c) {
        free(c->path);
        free(c->text);
        free(c->name);
    }
    dk_vec_release(v);
}

/* Caller symbols fetched by id: id -> struct cq_sym * (owned). */
static int cq_byid_row(void *arg, dk_store_rows *r)
{
    struct cq_sym *s = dk_xcalloc(1, sizeof(*s));
    cq_sym_read(s, r);
    dk_map_put_u64(arg, (uint64_t)s->id, s, NULL);
    return DK_OK;
}

/* Index of the first row of each run of equal keys: key -> (index + 1). */
static void cq_runs_str(dk_map *out, const cq_calls *v)
{
    for (size_t i = 0; i < v->len; i++)
        if (!dk_map_has(out, v->items[i].name, strlen(v->items[i].name)))
            dk_map_put(out, v->items[i].name, strlen(v->items[i].name), (void *)(uintptr_t)(i + 1),
                       NULL);
}

static void cq_runs_u64(dk_map *out, const cq_calls *v)
{
    for (size_t i = 0; i < v->len; i++)
        if (!dk_map_has_u64(out, (uint64_t)v->items[i].caller))
            dk_map_put_u64(out, (uint64_t)v->items[i].caller, (void *)(uintptr_t)(i + 1), NULL);
}

/*
 * Callees, callers and tests of every ranked symbol, with a fixed number of
 * queries whatever the number of symbols (each an IN list, chunked): the
 * call rows of the ranked symbols, the call rows naming them (at most
 * CQ_MAX_CALLROW per name), the candidates of every callee name, the
 * imports of every calling file, the calling symbols. Resolution then runs
 * on the caches (cq_resolve), as for one symbol.
 */
static int cq_graph(dk_context_result *res, struct cq *q, const cq_syms *ranked, bool callees,
                    bool callers)
{
    cq_calls out_rows = DK_VEC_INIT, in_rows = DK_VEC_INIT;
    dk_vec(dk_store_val) keys = DK_VEC_INIT;
    dk_vec(char *) names = DK_VEC_INIT, paths = DK_VEC_INIT;
    dk_map name_seen = DK_MAP_INIT_STR, path_seen = DK_MAP_INIT_STR;
    dk_map out_runs = DK_MAP_INIT_U64, in_runs = DK_MAP_INIT_STR, byid = DK_MAP_INIT_U64;
    int rc = DK_OK;
#define CQ_ADD_NAME(n)                                                                             \
    do {                                                                                           \
        if (!dk_map_has(&name_seen, (n), strlen(n))) {                                             \
            dk_map_put(&name_seen, (n), strlen(n), NULL, NULL);                                    \
            dk_vec_push(&names, (n));                                                              \
        }                                                                                          \
    } while (0)
#define CQ_ADD_PATH(n)                                                                             \
    do {                                                                                           \
        if (!dk_map_has(&path_seen, (n), strlen(n))) {                                             \
            dk_map_put(&path_seen, (n), strlen(n), NULL, NULL);                                    \
            dk_vec_push(&paths, (n));                                                              \
        }                                                                                          \
    } while (0)
    if (callees) {
        dk_vec_foreach(ranked, struct cq_sym *, s)
            dk_vec_push(&keys, DK_SV_INT(s->id));
        if ((rc = cq_query_in(q,
                              "SELECT caller, path, callee, callee_name, line FROM context_calls "
                              "WHERE caller IN ",
                              " ORDER BY caller, line", NULL, 0, keys.items, keys.len, NULL, 0,
                              cq_calls_row, &out_rows)) < 0)
            goto out;
        dk_vec_foreach(&out_rows, struct cq_call *, c)
            CQ_ADD_NAME(c->name);
        cq_runs_u64(&out_runs, &out_rows);
    }
    if (callers) {
        dk_vec_clear(&keys);
        dk_map seen = DK_MAP_INIT_STR;
        dk_vec_foreach(ranked, struct cq_sym *, s) {
            CQ_ADD_NAME(s->name);
            if (!dk_map_has(&seen, s->name, strlen(s->name))) {
                dk_map_put(&seen, s->name, strlen(s->name), NULL, NULL);
                dk_vec_push(&keys, DK_SV_TEXT(s->name));
            }
        }
        dk_map_release(&seen);
        dk_store_val pre[] = {DK_SV_TEXT(q->repo)};
        dk_store_val post[] = {DK_SV_TEXT(q->scope), DK_SV_TEXT(q->scope),
                               DK_SV_INT(CQ_MAX_CALLROW)};
        if ((rc = cq_query_in(
                 q,
                 "SELECT caller, path, callee, callee_name, line FROM (SELECT s.caller, s.path, "
                 "s.callee, s.callee_name, s.line, ROW_NUMBER() OVER (PARTITION BY "
                 "s.callee_name ORDER BY s.path, s.line) AS rn FROM context_calls s WHERE "
                 "s.repo = ? AND s.callee_name IN ",
                 " AND s.caller IS NOT NULL AND " CQ_VISIBLE(
                     "s") ") x WHERE rn <= ? ORDER BY callee_name, path, line",
                 pre, 1, keys.items, keys.len, post, 3, cq_calls_row, &in_rows)) < 0)
            goto out;
        dk_vec_foreach(&in_rows, struct cq_call *, c)
            CQ_ADD_PATH(c->path);
        cq_runs_str(&in_runs, &in_rows);
    }
    dk_vec_foreach(ranked, struct cq_sym *, s)
        CQ_ADD_PATH(s->path);
#undef CQ_ADD_NAME
#undef CQ_ADD_PATH
    if ((rc = cq_cands_prefetch(q, names.items, names.len)) < 0 ||
        (rc = cq_imports_prefetch(q, paths.items, paths.len)) < 0)
        goto out;
    /* the calling symbols of the call rows that resolve to a ranked symbol */
    dk_vec_clear(&keys);
    dk_map want = DK_MAP_INIT_U64;
    for (size_t i = 0; i < ranked->len && callers; i++) {
        const struct cq_sym *s = &ranked->items[i];
        uintptr_t at = (uintptr_t)dk_map_get(&in_runs, s->name, strlen(s->name));
        for (size_t k = at ? at - 1 : in_rows.len; k < in_rows.len; k++) {
            const struct cq_call *w = &in_rows.items[k];
            if (strcmp(w->name, s->name) != 0)
                break;
            if (w->caller == s->id || dk_map_has_u64(&want, (uint64_t)w->caller))
                continue;
            const struct cq_sym *t;
            if ((rc = cq_resolve(&t, q, s->name, w->path)) < 0)
                break;
            if (t && t->id == s->id) {
                dk_map_put_u64(&want, (uint64_t)w->caller, NULL, NULL);
                dk_vec_push(&keys, DK_SV_INT(w->caller));
            }
        }
        if (rc < 0)
            break;
    }
    dk_map_release(&want);
    if (rc < 0 ||
        (rc = cq_query_in(q, "SELECT " CQ_SYM_COLS " FROM context_symbols s WHERE s.id IN ", "",
                          NULL, 0, keys.items, keys.len, NULL, 0, cq_byid_row, &byid)) < 0)
        goto out;
    for (size_t i = 0; i < ranked->len; i++) {
        const struct cq_sym *s = &ranked->items[i];
        dk_context_symbol *o = &res->symbols[i];
        cq_edges ee = DK_VEC_INIT, ce = DK_VEC_INIT, te = DK_VEC_INIT;
        if (callees) {
            uintptr_t at = (uintptr_t)dk_map_get_u64(&out_runs, (uint64_t)s->id);
            dk_map seen = DK_MAP_INIT_STR;
            for (size_t k = at ? at - 1 : out_rows.len;
                 k < out_rows.len && out_rows.items[k].caller == s->id && ee.len < CQ_MAX_EDGES;
                 k++) {
                const struct cq_call *c = &out_rows.items[k];
                if (dk_map_has(&seen, c->text, strlen(c->text)))
                    continue;
                dk_map_put(&seen, c->text, strlen(c->text), NULL, NULL);
                const struct cq_sym *t;
                if ((rc = cq_resolve(&t, q, c->name, s->path)) < 0)
                    break;
                cq_edge_fill(dk_vec_push_zero(&ee), c->text, t, c->line);
            }
            dk_map_release(&seen);
        }
        if (callers && rc >= 0) {
            uintptr_t at = (uintptr_t)dk_map_get(&in_runs, s->name, strlen(s->name));
            dk_map seen = DK_MAP_INIT_U64;
            for (size_t k = at ? at - 1 : in_rows.len;
                 k < in_rows.len && strcmp(in_rows.items[k].name, s->name) == 0; k++) {
                const struct cq_call *w = &in_rows.items[k];
                if (w->caller == s->id || dk_map_has_u64(&seen, (uint64_t)w->caller))
                    continue;
                const struct cq_sym *t;
                if ((rc = cq_resolve(&t, q, s->name, w->path)) < 0)
                    break;
                const struct cq_sym *from = dk_map_get_u64(&byid, (uint64_t)w->caller);
                if (!t || t->id != s->id || !from)
                    continue;
                dk_map_put_u64(&seen, (uint64_t)w->caller, NULL, NULL);
                cq_edges *dst = from->is_test ? &te : &ce;
                if (dst->len < CQ_MAX_EDGES)
                    cq_edge_fill(dk_vec_push_zero(dst), w->text, from, w->line);
            }
            dk_map_release(&seen);
        }
        o->callees = cq_edges_take(&ee, &o->ncallees);
        o->callers = cq_edges_take(&ce, &o->ncallers);
        o->tests = cq_edges_take(&te, &o->ntests);
        if (rc < 0)
            break;
    }
out:
    dk_map_foreach(&byid, it) {
        cq_sym_release(it->value);
        free(it->value);
    }
    dk_map_release(&byid);
    dk_map_release(&out_runs);
    dk_map_release(&in_runs);
    dk_map_release(&name_seen);
    dk_map_release(&path_seen);
    cq_calls_release(&out_rows);
    cq_calls_release(&in_rows);
    dk_vec_release(&keys);
    dk_vec_release(&names);
    dk_vec_release(&paths);
    return rc;
}

/* ========================================================================== */
/* Source                                                                     */
/* ========================================================================== */

/* The bytes of s in the blob its row was made from; NULL when unavailable. */
static int cq_source(char **out, struct cq *q, const struct cq_sym *s)
{
    *out = NULL;
    dk_str key = DK_STR_INIT;
    dk_str_addf(&key, "%s\n%s", s->scope, s->path);
    char *text = dk_map_get(&q->blobs, key.ptr, key.len);
    int rc = DK_OK;
    if (!dk_map_has(&q->blobs, key.ptr, key.len)) {
        dk_store_rows *r;
        dk_store_val p[] = {DK_SV_TEXT(q->repo), DK_SV_TEXT(s->scope), DK_SV_TEXT(s->path)};
        if ((rc = dk_store_query(&r, q->c,
                                 "SELECT blob FROM context_files WHERE repo = ? AND scope = ? "
                                 "AND path = ?",
                                 p, 3)) < 0)
            goto out;
        char hex[41] = "";
        if ((rc = dk_store_rows_next(r)) == 1)
            snprintf(hex, sizeof(hex), "%s", dk_store_rows_text(r, 0, NULL));
        dk_store_rows_free(r);
        if (rc < 0)
            goto out;
        rc = DK_OK;
        dk_oid id;
        size_t len;
        if (hex[0] && dk_oid_from_hex(&id, hex, 40) == DK_OK &&
            dk_git_blob_read(&text, &len, q->g, &id) == DK_OK && strlen(text) != len) {
            free(text);
            text = NULL;
        }
        dk_map_put(&q->blobs, key.ptr, key.len, text, NULL);
    }
    if (text && s->end_byte <= strlen(text) && s->start_byte <= s->end_byte)
        *out = dk_xstrndup(text + s->start_byte, s->end_byte - s->start_byte);
out:
    dk_str_release(&key);
    return rc;
}

/* ========================================================================== */
/* Budget                                                                     */
/* ========================================================================== */

static size_t cq_tok(const char *s)
{
    return s ? (strlen(s) + 3) / 4 : 0;
}

static size_t cq_edge_tokens(const dk_context_edge *e, size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += 2 + cq_tok(e[i].text) + cq_tok(e[i].qualified_name) + cq_tok(e[i].path);
    return t;
}

/* Everything of a symbol but its source. */
static size_t cq_header_tokens(const dk_context_symbol *s)
{
    return 4 + cq_tok(s->name) + cq_tok(s->qualified_name) + cq_tok(s->kind) + cq_tok(s->path) +
           cq_tok(s->signature) + cq_tok(s->doc) + cq_edge_tokens(s->callers, s->ncallers) +
           cq_edge_tokens(s->callees, s->ncallees) + cq_edge_tokens(s->tests, s->ntests);
}

/*
 * The longest prefix of `src` within `max_bytes` that ends at a line end;
 * when not even the first line fits, the longest prefix ending at a
 * character boundary. 0 when nothing fits.
 */
static size_t cq_cut(const char *src, size_t len, size_t max_bytes)
{
    if (len <= max_bytes)
        return len;
    size_t lines = 0;
    for (size_t i = 0; i < max_bytes; i++)
        if (src[i] == '\n')
            lines = i + 1;
    if (lines)
        return lines;
    size_t n = max_bytes;
    while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static void cq_edges_free(dk_context_edge *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].text);
        free(e[i].name);
        free(e[i].qualified_name);
        free(e[i].kind);
        free(e[i].path);
    }
    free(e);
}

static void cq_symbol_release(dk_context_symbol *s)
{
    free(s->name);
    free(s->qualified_name);
    free(s->kind);
    free(s->path);
    free(s->signature);
    free(s->doc);
    free(s->source);
    cq_edges_free(s->callers, s->ncallers);
    cq_edges_free(s->callees, s->ncallees);
    cq_edges_free(s->tests, s->ntests);
}

static void cq_budget(dk_context_result *res, size_t max_tokens)
{
    size_t total = 0;
    for (size_t i = 0; i < res->nsymbols; i++)
        total += cq_header_tokens(&res->symbols[i]) + cq_tok(res->symbols[i].source);
    if (!max_tokens || total <= max_tokens) {
        res->estimated_tokens = total;
        return;
    }
    /* headers in rank order; the lowest ranks go whole when even their headers do not fit */
    size_t used = 0, keep = 0;
    for (; keep < res->nsymbols; keep++) {
        size_t h = cq_header_tokens(&res->symbols[keep]);
        if (used + h > max_tokens)
            break;
        used += h;
    }
    for (size_t i = keep; i < res->nsymbols; i++)
        cq_symbol_release(&res->symbols[i]);
    res->symbols_dropped = res->nsymbols - keep;
    res->nsymbols = keep;
    /* sources in rank order: the first that does not fit is cut, the ones after it left out */
    bool cut = false;
    for (size_t i = 0; i < res->nsymbols; i++) {
        dk_context_symbol *s = &res->symbols[i];
        if (!s->source)
            continue;
        size_t t = cq_tok(s->source);
        if (!cut && used + t <= max_tokens) {
            used += t;
            continue;
        }
        size_t len = strlen(s->source);
        size_t n = cut ? 0 : cq_cut(s->source, len, (max_tokens - used) * 4);
        cut = true;
        if (n == 0) {
            free(s->source);
            s->source = NULL;
            s->source_dropped = true;
            res->sources_dropped++;
            continue;
        }
        s->source[n] = '\0';
        s->source_cut = true;
        res->sources_cut++;
        used += cq_tok(s->source);
    }
    res->estimated_tokens = used;
}

/* ========================================================================== */
/* The operation                                                              */
/* ========================================================================== */

/* Answers made before one is given from a head that stayed put while it was read. */
#define CQ_HEAD_TRIES 3

static void cq_syms_release(cq_syms *v)
{
    dk_vec_foreach(v, struct cq_sym *, s)
        cq_sym_release(s);
    dk_vec_release(v);
}

/* Drop an answer and the query's caches and connections, to answer again. */
static void cq_reset(dk_context_result **res, struct cq *q, cq_syms *ranked, dk_str *words)
{
    dk_context_result_free(*res);
    *res = dk_xcalloc(1, sizeof(**res));
    cq_syms_release(ranked);
    *ranked = (cq_syms)DK_VEC_INIT;
    dk_str_release(words);
    *words = (dk_str)DK_STR_INIT;
    cq_release(q);
    q->cands = (dk_map)DK_MAP_INIT_STR;
    q->imps = (dk_map)DK_MAP_INIT_STR;
    q->blobs = (dk_map)DK_MAP_INIT_STR;
    dk_store_release(q->c);
    q->c = NULL;
    dk_eng_repo_release(q->e, q->repo, q->g);
    q->g = NULL;
}

int dk_context_query(dk_context_result **out, dk_engine *e, const dk_caller *caller,
                     const char *repo, const char *session_id, const dk_context_opts *opts)
{
    *out = NULL;
    if (!opts || opts->version != DK_CONTEXT_OPTS_VERSION)
        return dk_error_set(DK_EINVALID, "context: bad options version");
    if (!opts->query)
        return dk_error_set(DK_EINVALID, "context: query is required");
    if ((unsigned)opts->depth > DK_CONTEXT_CALL_GRAPH)
        return dk_error_set(DK_EINVALID, "context: bad depth %d", (int)opts->depth);
    if (!repo && !session_id)
        return dk_error_set(DK_EINVALID, "context: a repository or a session is required");
    struct dk_eng_session_view view = {0};
    bool have_view = false;
    struct cq q = {.e = e,
                   .scope = CQ_NO_SCOPE,
                   .cands = DK_MAP_INIT_STR,
                   .imps = DK_MAP_INIT_STR,
                   .blobs = DK_MAP_INIT_STR};
    dk_context_result *res = dk_xcalloc(1, sizeof(*res));
    cq_syms ranked = DK_VEC_INIT;
    dk_str words = DK_STR_INIT;
    int rc;
    if (session_id) {
        if ((rc = dk_eng_session_view(&view, e, caller, session_id)) < 0)
            goto out;
        have_view = true;
        if (repo && strcmp(repo, view.repo) != 0) {
            rc = dk_error_set(DK_EINVALID, "context: session %s is not on repository %s",
                              session_id, repo);
            goto out;
        }
        repo = view.repo;
        q.scope = view.id;
    }
    q.repo = repo;
    int attempt = 0;
again:;
    struct dk_ctx_head head;
    if ((rc = dk_ctx_head_ready(&head, NULL, e, repo, true)) < 0)
        goto out;
    res->head = dk_xstrdup(head.indexed);
    res->branch_head = dk_xstrdup(head.branch);
    res->index_behind = head.behind;
    if (have_view && (rc = dk_ctx_index_session(e, &view, head.indexed)) < 0)
        goto out;
    cq_query_words(&words, opts->query);
    dk_str shown = DK_STR_INIT;
    dk_ctx_words_text(&shown, words.ptr);
    res->words = dk_str_detach(&shown, NULL);
    if (!words.len) {
        rc = DK_OK;
        goto out;
    }
    size_t limit = opts->max_results;
    if (!limit) {
        limit = opts->max_tokens ? opts->max_tokens / 100 : 50;
        limit = limit < 10 ? 10 : limit > 100 ? 100 : limit;
    }
    if ((rc = dk_store_acquire(&q.c, dk_eng_store(e))) < 0)
        goto out;
    if ((rc = dk_eng_repo_acquire(&q.g, NULL, e, repo)) < 0)
        goto out;
    if ((rc = cq_rank(&ranked, &q, words.ptr, limit, opts->include_tests)) < 0)
        goto out;
    res->symbols = dk_xcalloc(ranked.len ? ranked.len : 1, sizeof(*res->symbols));
    for (size_t i = 0; i < ranked.len; i++) {
        const struct cq_sym *s = &ranked.items[i];
        dk_context_symbol *o = &res->symbols[res->nsymbols++];
        o->rank = (unsigned)(i + 1);
        o->score = s->score;
        o->name = dk_xstrdup(s->name);
        o->qualified_name = dk_xstrdup(s->qname);
        o->kind = dk_xstrdup(s->kind);
        o->path = dk_xstrdup(s->path);
        o->start_line = s->start_line;
        o->end_line = s->end_line;
        o->signature = dk_xstrdup(s->sig);
        o->doc = dk_xstrdup(s->doc);
        /* the session's scope also holds its base's versions of files; only its own changes */
        o->from_session = s->scope[0] != '\0' && have_view && dk_ctx_overlay_has(&view, s->path);
        if (opts->depth >= DK_CONTEXT_FULL && (rc = cq_source(&o->source, &q, s)) < 0)
            goto out;
    }
    if ((opts->depth == DK_CONTEXT_CALL_GRAPH || opts->include_tests) &&
        (rc = cq_graph(res, &q, &ranked, opts->depth == DK_CONTEXT_CALL_GRAPH, true)) < 0)
        goto out;
    if (opts->depth != DK_CONTEXT_CALL_GRAPH)
        for (size_t i = 0; i < res->nsymbols; i++) {
            cq_edges_free(res->symbols[i].callers, res->symbols[i].ncallers);
            res->symbols[i].callers = NULL;
            res->symbols[i].ncallers = 0;
        }
    if (!opts->include_tests)
        for (size_t i = 0; i < res->nsymbols; i++) {
            cq_edges_free(res->symbols[i].tests, res->symbols[i].ntests);
            res->symbols[i].tests = NULL;
            res->symbols[i].ntests = 0;
        }
    cq_budget(res, opts->max_tokens);
    dk_ctx_hook_run(e, DK_CTX_HOOK_READ, repo);
    /* the indexer may have committed a newer head between dk_ctx_head_ready and the reads
     * above (the store gives no read snapshot across them): the rows would not be those of
     * the head the answer names, so answer again; after CQ_HEAD_TRIES, as it is, behind */
    char indexed_now[41], branch_now[41];
    if ((rc = dk_ctx_head_state(indexed_now, branch_now, e, repo)) < 0)
        goto out;
    if (strcmp(indexed_now, head.indexed) != 0) {
        if (++attempt < CQ_HEAD_TRIES) {
            cq_reset(&res, &q, &ranked, &words);
            goto again;
        }
        res->index_behind = true;
    }
    rc = DK_OK;
out:
    cq_syms_release(&ranked);
    dk_str_release(&words);
    cq_release(&q);
    dk_store_release(q.c);
    dk_eng_repo_release(e, repo, q.g);
    if (have_view)
        dk_eng_session_view_release(&view);
    if (rc < 0) {
        dk_context_result_free(res);
        return rc;
    }
    *out = res;
    return DK_OK;
}

void dk_context_result_free(dk_context_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nsymbols; i++)
        cq_symbol_release(&r->symbols[i]);
    free(r->symbols);
    free(r->words);
    free(r->head);
    free(r->branch_head);
    free(r);
}

/* Most files that may differ between the indexed head and the commit a summary describes. */
#define CQ_SUMMARY_CHANGES_MAX 2000

struct cq_lang {
    char *name;
    size_t files;
};

static int cq_lang_cmp(const void *a, const void *b)
{
    return strcmp(((const struct cq_lang *)a)->name, ((const struct cq_lang *)b)->name);
}

int dk_context_summary_get(dk_context_summary **out, dk_engine *e, const char *repo)
{
    return dk_context_summary_at(out, e, repo, NULL);
}

int dk_context_summary_at(dk_context_summary **out, dk_engine *e, const char *repo,
                          const char *commit)
{
    *out = NULL;
    struct dk_ctx_head head;
    dk_map langs = DK_MAP_INIT_STR;
    const char *want;
    bool behind = false;
    char branch_now[41] = "";
    int rc;
    for (int attempt = 0;; attempt++) {
        if ((rc = dk_ctx_head_ready(&head, NULL, e, repo, true)) < 0)
            return rc;
        want = commit && commit[0] && !head.behind ? commit : head.indexed;
        bool too_many = false;
        rc = dk_ctx_summary_counts(&langs, e, repo, head.indexed, want, CQ_SUMMARY_CHANGES_MAX,
                                   &too_many);
        if (too_many)
            want = head.indexed;
        if (rc == DK_OK)
            dk_ctx_hook_run(e, DK_CTX_HOOK_READ, repo);
        /* counted while the indexer committed a newer head: count again (as dk_context_query) */
        char indexed_now[41] = "";
        int st = rc < 0 ? rc : dk_ctx_head_state(indexed_now, branch_now, e, repo);
        if (st < 0 || strcmp(indexed_now, head.indexed) == 0 || attempt + 1 >= CQ_HEAD_TRIES) {
            if (st < 0)
                rc = st;
            /* behind: a large build in progress, or still moving after the last try */
            behind = head.behind || strcmp(indexed_now, head.indexed) != 0;
            break;
        }
        dk_map_foreach(&langs, it)
            free(it->value);
        dk_map_release(&langs);
        langs = (dk_map)DK_MAP_INIT_STR;
    }
    dk_context_summary *s = dk_xcalloc(1, sizeof(*s));
    snprintf(s->commit, sizeof(s->commit), "%s", want);
    snprintf(s->branch_head, sizeof(s->branch_head), "%s", branch_now);
    s->index_behind = behind;
    struct cq_lang *ls = dk_xcalloc(langs.len ? langs.len : 1, sizeof(*ls));
    dk_map_foreach(&langs, it) {
        struct ctx_lang_count *n = it->value;
        if (n->files > 0) {
            s->all_files += (size_t)n->files;
            if (it->key_len) {
                ls[s->nlanguages].name = dk_xstrndup(it->key, it->key_len);
                ls[s->nlanguages++].files = (size_t)n->files;
                s->files += (size_t)n->files;
                s->symbols += n->symbols > 0 ? (size_t)n->symbols : 0;
            }
        }
        free(n);
    }
    dk_map_release(&langs);
    qsort(ls, s->nlanguages, sizeof(*ls), cq_lang_cmp);
    s->languages = dk_xcalloc(s->nlanguages ? s->nlanguages : 1, sizeof(*s->languages));
    s->language_files = dk_xcalloc(s->nlanguages ? s->nlanguages : 1, sizeof(*s->language_files));
    for (size_t i = 0; i < s->nlanguages; i++) {
        s->languages[i] = ls[i].name;
        s->language_files[i] = ls[i].files;
    }
    free(ls);
    if (rc < 0) {
        dk_context_summary_free(s);
        return rc;
    }
    *out = s;
    return DK_OK;
}

void dk_context_summary_free(dk_context_summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nlanguages; i++)
        free(s->languages[i]);
    free(s->languages);
    free(s->language_files);
    free(s);
}
