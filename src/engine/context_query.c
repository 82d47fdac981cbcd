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

/* The words as an FTS expression: '"a" OR "b"' (FTS5) or 'a | b' (PostgreSQL). */
static void cq_fts_expr(dk_str *out, const char *words, bool pg)
{
    const char *p = words, *end = words + strlen(words);
    while (p < end) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        size_t wl = (size_t)((sp ? sp : end) - p);
        if (out->len)
            dk_str_adds(out, pg ? " | " : " OR ");
        if (!pg)
            dk_str_addch(out, '"');
        dk_str_add(out, p, wl);
        if (!pg)
            dk_str_addch(out, '"');
        p = sp ? sp + 1 : end;
    }
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
    dk_map_foreach(&q->imps, it) {
        cq_imps *v = it->value;
        dk_vec_foreach(v, struct cq_imp *, m) {
            free(m->module);
            free(m->name);
            free(m->alias);
        }
        dk_vec_release(v);
        free(v);
    }
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

/*
 * How many symbols (of every repository and scope) contain `word`, counted
 * up to cap + 1 only, so the count costs at most that many postings.
 */
static int cq_df(int64_t *out, struct cq *q, const char *word, bool pg, int64_t cap)
{
    dk_str expr = DK_STR_INIT;
    cq_fts_expr(&expr, word, pg);
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

/* One ranked query: `expr` over the visible symbols, best `limit`. */
static int cq_rank_expr(cq_syms *out, struct cq *q, const char *expr, bool pg, size_t limit,
                        bool with_tests)
{
    dk_str sql = DK_STR_INIT;
    if (pg)
        dk_str_adds(&sql, "SELECT " CQ_SYM_COLS ", ts_rank('{0.4, 0.25, 0.5, 1.0}', s.tsv, q) AS "
                          "score FROM context_symbols s, to_tsquery('simple', ?) q WHERE "
                          "s.tsv @@ q");
    else
        dk_str_adds(&sql, "SELECT " CQ_SYM_COLS ", -bm25(context_fts, 10.0, 5.0, 3.0, 2.0, 1.0, "
                          "4.0) AS score FROM context_fts JOIN context_symbols s ON s.id = "
                          "context_fts.rowid WHERE context_fts MATCH ?");
    dk_str_adds(&sql, " AND s.repo = ?");
    if (!with_tests)
        dk_str_adds(&sql, " AND s.is_test = 0");
    bool session = strcmp(q->scope, CQ_NO_SCOPE) != 0;
    if (session)
        dk_str_adds(&sql, " AND " CQ_VISIBLE("s"));
    else
        dk_str_adds(&sql, " AND s.scope = ''");
    dk_str_adds(&sql, " ORDER BY score DESC, s.path, s.start_line, s.id LIMIT ?");
    dk_store_val p[5];
    size_t n = 0;
    p[n++] = DK_SV_TEXT(expr);
    p[n++] = DK_SV_TEXT(q->repo);
    if (session) {
        p[n++] = DK_SV_TEXT(q->scope);
        p[n++] = DK_SV_TEXT(q->scope);
    }
    p[n++] = DK_SV_INT(limit);
    int rc = cq_syms_query(out, q, sql.ptr, p, n, true);
    dk_str_release(&sql);
    return rc;
}

/*
 * Rank the visible symbols for `words`. Candidate generation is bounded so
 * a query stays fast at 100,000 symbols: a word found in more than
 * CQ_COMMON symbols (counted over the whole index, the same on both
 * backends) is left out when the query has rarer words that occur at all
 * (a stop word by the corpus' own statistics; its idf is low anyway); when
 * every word is common, the symbols holding all of them are taken if there
 * are `limit` of them, else any of them.
 */
#define CQ_COMMON 2000
static int cq_rank(cq_syms *out, struct cq *q, const char *words, size_t limit, bool with_tests)
{
    bool pg = dk_store_kind_of(dk_eng_store(q->e)) == DK_STORE_POSTGRESQL;
    dk_str rare = DK_STR_INIT, common = DK_STR_INIT, expr = DK_STR_INIT;
    int rc = DK_OK;
    const char *p = words, *end = words + strlen(words);
    while (p < end) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        char w[80];
        size_t wl = (size_t)((sp ? sp : end) - p);
        snprintf(w, sizeof(w), "%.*s", (int)(wl < 79 ? wl : 79), p);
        p = sp ? sp + 1 : end;
        int64_t df;
        if ((rc = cq_df(&df, q, w, pg, CQ_COMMON)) < 0)
            goto out;
        dk_str *dst = df == 0 ? NULL : df > CQ_COMMON ? &common : &rare;
        if (!dst)
            continue;
        if (dst->len)
            dk_str_addch(dst, ' ');
        dk_str_adds(dst, w);
    }
    if (rare.len) {
        cq_fts_expr(&expr, rare.ptr, pg);
        rc = cq_rank_expr(out, q, expr.ptr, pg, limit, with_tests);
        goto out;
    }
    if (!common.len)
        goto out;
    if (strchr(common.ptr, ' ')) {
        /* all of them first */
        const char *c = common.ptr, *ce = common.ptr + common.len;
        while (c < ce) {
            const char *sp = memchr(c, ' ', (size_t)(ce - c));
            size_t wl = (size_t)((sp ? sp : ce) - c);
            if (expr.len)
                dk_str_adds(&expr, pg ? " & " : " AND ");
            if (!pg)
                dk_str_addch(&expr, '"');
            dk_str_add(&expr, c, wl);
            if (!pg)
                dk_str_addch(&expr, '"');
            c = sp ? sp + 1 : ce;
        }
        if ((rc = cq_rank_expr(out, q, expr.ptr, pg, limit, with_tests)) < 0 || out->len >= limit)
            goto out;
        dk_vec_foreach(out, struct cq_sym *, s)
            cq_sym_release(s);
        dk_vec_clear(out);
        dk_str_clear(&expr);
    }
    cq_fts_expr(&expr, common.ptr, pg);
    rc = cq_rank_expr(out, q, expr.ptr, pg, limit, with_tests);
out:
    dk_str_release(&rare);
    dk_str_release(&common);
    dk_str_release(&expr);
    return rc;
}

/* ========================================================================== */
/* Call resolution                                                            */
/* ========================================================================== */

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
    int rc =
        cq_syms_query(v, q,
                      "SELECT " CQ_SYM_COLS " FROM context_symbols s WHERE s.repo = ? AND "
                      "s.name = ? AND s.kind <> 'variable' AND s.kind <> 'include' AND " CQ_VISIBLE(
                          "s") " ORDER BY s.path, s.start_line LIMIT 64",
                      p, 4, false);
    if (rc < 0) {
        cq_syms_free(v);
        return rc;
    }
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
    dk_map_put(&q->cands, name, strlen(name), v, NULL);
    *out = v;
    return DK_OK;
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

static int cq_callees(cq_edges *out, struct cq *q, const struct cq_sym *s)
{
    dk_store_rows *r;
    dk_store_val p[] = {DK_SV_INT(s->id)};
    int rc = dk_store_query(&r, q->c,
                            "SELECT callee, callee_name, line FROM context_calls WHERE caller = ? "
                            "ORDER BY line",
                            p, 1);
    if (rc < 0)
        return rc;
    dk_vec(char *) texts = DK_VEC_INIT, names = DK_VEC_INIT;
    dk_vec(uint32_t) lines = DK_VEC_INIT;
    dk_map seen = DK_MAP_INIT_STR;
    while ((rc = dk_store_rows_next(r)) == 1 && texts.len < CQ_MAX_EDGES) {
        const char *t = dk_store_rows_text(r, 0, NULL);
        if (!t || dk_map_has(&seen, t, strlen(t)))
            continue;
        dk_map_put(&seen, t, strlen(t), NULL, NULL);
        dk_vec_push(&texts, dk_xstrdup(t));
        dk_vec_push(&names, cq_text(r, 1));
        dk_vec_push(&lines, (uint32_t)dk_store_rows_int(r, 2));
    }
    dk_store_rows_free(r);
    dk_map_release(&seen);
    for (size_t i = 0; i < texts.len && rc >= 0; i++) {
        const struct cq_sym *t;
        if ((rc = cq_resolve(&t, q, names.items[i], s->path)) < 0)
            break;
        cq_edge_fill(dk_vec_push_zero(out), texts.items[i], t, lines.items[i]);
    }
    for (size_t i = 0; i < texts.len; i++) {
        free(texts.items[i]);
        free(names.items[i]);
    }
    dk_vec_release(&texts);
    dk_vec_release(&names);
    dk_vec_release(&lines);
    return rc < 0 ? rc : DK_OK;
}

/* Callers of s (call sites resolving to it), split into non-test callers and tests. */
static int cq_callers(cq_edges *callers, cq_edges *tests, struct cq *q, const struct cq_sym *s)
{
    dk_store_rows *r;
    dk_store_val p[] = {DK_SV_TEXT(q->repo), DK_SV_TEXT(s->name), DK_SV_TEXT(q->scope),
                        DK_SV_TEXT(q->scope), DK_SV_INT(CQ_MAX_CALLROW)};
    int rc = dk_store_query(&r, q->c,
                            "SELECT s.caller, s.path, s.callee, s.line FROM context_calls s "
                            "WHERE s.repo = ? AND s.callee_name = ? AND s.caller IS NOT NULL "
                            "AND " CQ_VISIBLE("s") " ORDER BY s.path, s.line LIMIT ?",
                            p, 5);
    if (rc < 0)
        return rc;
    struct row {
        int64_t caller;
        char *path, *text;
        uint32_t line;
    };
    dk_vec(struct row) rows = DK_VEC_INIT;
    while ((rc = dk_store_rows_next(r)) == 1) {
        struct row *w = dk_vec_push_zero(&rows);
        w->caller = dk_store_rows_int(r, 0);
        w->path = cq_text(r, 1);
        w->text = cq_text(r, 2);
        w->line = (uint32_t)dk_store_rows_int(r, 3);
    }
    dk_store_rows_free(r);
    dk_map seen = DK_MAP_INIT_U64;
    for (size_t i = 0; i < rows.len && rc >= 0; i++) {
        struct row *w = &rows.items[i];
        if (w->caller == s->id || dk_map_has_u64(&seen, (uint64_t)w->caller))
            continue;
        const struct cq_sym *t;
        if ((rc = cq_resolve(&t, q, s->name, w->path)) < 0)
            break;
        if (!t || t->id != s->id)
            continue;
        cq_syms one = DK_VEC_INIT;
        dk_store_val cp[] = {DK_SV_INT(w->caller)};
        if ((rc = cq_syms_query(&one, q,
                                "SELECT " CQ_SYM_COLS " FROM context_symbols s WHERE s.id = ?", cp,
                                1, false)) < 0)
            break;
        if (one.len) {
            dk_map_put_u64(&seen, (uint64_t)w->caller, NULL, NULL);
            cq_edges *dst = one.items[0].is_test ? tests : callers;
            if (dst->len < CQ_MAX_EDGES)
                cq_edge_fill(dk_vec_push_zero(dst), w->text, &one.items[0], w->line);
        }
        dk_vec_foreach(&one, struct cq_sym *, x)
            cq_sym_release(x);
        dk_vec_release(&one);
    }
    dk_map_release(&seen);
    dk_vec_foreach(&rows, struct row *, w) {
        free(w->path);
        free(w->text);
    }
    dk_vec_release(&rows);
    return rc < 0 ? rc : DK_OK;
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

static dk_context_edge *cq_edges_take(cq_edges *v, size_t *n)
{
    *n = v->len;
    dk_context_edge *e = v->items;
    dk_vec_init(v);
    return e;
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
    char head[41] = "";
    if ((rc = dk_ctx_index_head(NULL, head, e, repo)) < 0)
        goto out;
    res->head = dk_xstrdup(head);
    if (have_view && (rc = dk_ctx_index_session(e, &view)) < 0)
        goto out;
    cq_query_words(&words, opts->query);
    res->words = dk_xstrdup(words.ptr);
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
        o->from_session = s->scope[0] != '\0';
        if (opts->depth >= DK_CONTEXT_FULL && (rc = cq_source(&o->source, &q, s)) < 0)
            goto out;
        if (opts->depth == DK_CONTEXT_CALL_GRAPH) {
            cq_edges callees = DK_VEC_INIT;
            if ((rc = cq_callees(&callees, &q, s)) < 0) {
                cq_edges_free(callees.items, callees.len);
                goto out;
            }
            o->callees = cq_edges_take(&callees, &o->ncallees);
        }
        if (opts->depth == DK_CONTEXT_CALL_GRAPH || opts->include_tests) {
            cq_edges callers = DK_VEC_INIT, tests = DK_VEC_INIT;
            rc = cq_callers(&callers, &tests, &q, s);
            if (opts->depth != DK_CONTEXT_CALL_GRAPH) {
                cq_edges_free(callers.items, callers.len);
                dk_vec_init(&callers);
            }
            if (!opts->include_tests) {
                cq_edges_free(tests.items, tests.len);
                dk_vec_init(&tests);
            }
            o->callers = cq_edges_take(&callers, &o->ncallers);
            o->tests = cq_edges_take(&tests, &o->ntests);
            if (rc < 0)
                goto out;
        }
    }
    cq_budget(res, opts->max_tokens);
    rc = DK_OK;
out:
    dk_vec_foreach(&ranked, struct cq_sym *, s)
        cq_sym_release(s);
    dk_vec_release(&ranked);
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
    free(r);
}

int dk_context_index(dk_context_index_stats *stats, dk_engine *e, const char *repo)
{
    char head[41];
    return dk_ctx_index_head(stats, head, e, repo);
}

int dk_context_summary_get(dk_context_summary **out, dk_engine *e, const char *repo)
{
    *out = NULL;
    char head[41];
    int rc = dk_ctx_index_head(NULL, head, e, repo);
    if (rc < 0)
        return rc;
    dk_store_conn *c;
    if ((rc = dk_store_acquire(&c, dk_eng_store(e))) < 0)
        return rc;
    dk_store_rows *r;
    dk_store_val p[] = {DK_SV_TEXT(repo)};
    if ((rc = dk_store_query(&r, c,
                             "SELECT lang, COUNT(*), SUM(nsymbols) FROM context_files WHERE "
                             "repo = ? AND scope = '' AND lang <> '' GROUP BY lang ORDER BY lang",
                             p, 1)) < 0) {
        dk_store_release(c);
        return rc;
    }
    dk_context_summary *s = dk_xcalloc(1, sizeof(*s));
    dk_vec(char *) langs = DK_VEC_INIT;
    while ((rc = dk_store_rows_next(r)) == 1) {
        dk_vec_push(&langs, cq_text(r, 0));
        s->files += (size_t)dk_store_rows_int(r, 1);
        s->symbols += (size_t)dk_store_rows_int(r, 2);
    }
    dk_store_rows_free(r);
    dk_store_release(c);
    s->languages = langs.items;
    s->nlanguages = langs.len;
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
    free(s);
}
