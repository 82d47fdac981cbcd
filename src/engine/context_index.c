/*
 * engine/context_index.c - the code-context index: symbols, imports and
 * call sites of every file at the branch head, and of each live session's
 * own changed files, kept in the store for full-text ranking (issue 8).
 *
 * Design. The index is a cache of git: for scope "" it says which head it
 * describes (context_heads) and which blob each path had (context_files).
 * Bringing it to a new head lists the paths whose blob changed between
 * the indexed head and the new one (dk_git_changes_list: trees only, equal
 * subtrees skipped, no blob read) and rewrites exactly those paths; an unchanged file is never
 * read again. Parsing goes through the engine's per-blob symbol cache, so
 * a blob a session already wrote (and the engine parsed) is not parsed
 * again. A bulk build (first index of a large repository) bypasses the
 * cache, which would only evict the engine's hot entries.
 *
 *   head moved?  ──no──► done
 *      │yes
 *   changes old→new ──► parse changed blobs (outside any transaction)
 *      ──► BEGIN; UPDATE context_heads SET head=new WHERE head=old  (row lock;
 *          0 rows: another indexer won, retry) ; rewrite the paths ; COMMIT
 *
 * Invariants:
 *  1. The rows of scope "" are exactly the files of context_heads.head: the
 *     head moves in the same transaction as the rows.
 *  2. A session's scope holds one context_files row per overlay entry
 *     (blob "" for a deletion), rewritten under a per-session lock row
 *     ("session:<id>" in context_heads) so two queries of one session never
 *     write the same rows twice.
 *  3. The text columns t_* hold words made by dk_ctx_words only, so both
 *     backends' tokenisers see plain lowercase words separated by spaces.
 *
 * Calls are stored as written with their last name segment; they are
 * resolved at query time (context_query.c), so an incremental update never
 * loses an edge between a changed file and an unchanged one (dkod's bug).
 *
 * Conventions: statics are ctx_-prefixed; DK_OK or a negative dk_err_code.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk/lang.h"

#include "engine/context_int.h"
#include "git/git.h"
#include "store/store.h"
#include "util/alloc.h"
#include "util/map.h"
#include "util/vec.h"

/* A bulk build (this many files or more) does not go through the symbol cache. */
#define CTX_BULK_FILES 512
/* Longest signature and doc kept (bytes, cut at a character boundary). */
#define CTX_SIG_MAX 400
#define CTX_DOC_MAX 1200
/* Most files a session's base may differ from the indexed head by to be indexed as the base's. */
#define CTX_BASE_CHANGES_MAX 2000

/* ========================================================================== */
/* Words                                                                      */
/* ========================================================================== */

static bool ctx_is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static bool ctx_is_upper(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

static bool ctx_is_lower(unsigned char c)
{
    return (c >= 'a' && c <= 'z');
}

static bool ctx_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static char ctx_lower(char c)
{
    return ctx_is_upper((unsigned char)c) ? (char)(c - 'A' + 'a') : c;
}

/* True if the word `w` (`n` bytes) is in `out` as a whole word. */
static bool ctx_has_word(const dk_str *out, const char *w, size_t n)
{
    const char *p = out->ptr, *end = out->ptr + out->len;
    while (p < end) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        size_t wl = (size_t)((sp ? sp : end) - p);
        if (wl == n && memcmp(p, w, n) == 0)
            return true;
        p = sp ? sp + 1 : end;
    }
    return false;
}

/*
 * A word with a byte >= 0x80 is written CTX_WORD_HEX followed by the hex of
 * its bytes: every word the stores see is then ASCII letters and digits,
 * which FTS5 (unicode61) and PostgreSQL ('simple') fold alike (ASCII case
 * only). Raw UTF-8 words were folded differently (FTS5 removes diacritics
 * and folds non-ASCII case, PostgreSQL's lower() depends on the database's
 * locale), so a non-ASCII word found different symbols on the two stores.
 * Non-ASCII letters match byte for byte (no case or accent folding).
 */
static void ctx_add_word(dk_str *out, const char *w, size_t n, bool dedup, size_t cap)
{
    if (n < 2 || n > 64)
        return;
    char buf[1 + 2 * 64];
    bool ascii = true;
    for (size_t i = 0; i < n && ascii; i++)
        ascii = (unsigned char)w[i] < 0x80;
    if (ascii) {
        for (size_t i = 0; i < n; i++)
            buf[i] = ctx_lower(w[i]);
    } else {
        static const char hex[] = "0123456789abcdef";
        buf[0] = CTX_WORD_HEX;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)ctx_lower(w[i]);
            buf[1 + 2 * i] = hex[c >> 4];
            buf[2 + 2 * i] = hex[c & 15];
        }
        n = 1 + 2 * n;
    }
    if (cap && out->len + n + 1 > cap)
        return;
    if (dedup && ctx_has_word(out, buf, n))
        return;
    if (out->len)
        dk_str_addch(out, ' ');
    dk_str_add(out, buf, n);
}

/*
 * One identifier run (letters, digits, '_'): its parts split at '_' and at
 * case humps, then the joined form when there were several parts. A hump is
 * lower->Upper ("parseHttp"), or the last capital of a run followed by a
 * lowercase letter ("HTTPRequest" -> "HTTP" "Request"), or letter<->digit
 * is NOT a hump (v2, utf8, sha256 stay whole).
 */
static void ctx_words_ident(dk_str *out, const char *s, size_t n, bool dedup, size_t cap)
{
    char joined[64];
    size_t jl = 0, parts = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && s[i] == '_')
            i++;
        if (i >= n)
            break;
        size_t start = i++;
        while (i < n && s[i] != '_') {
            unsigned char prev = (unsigned char)s[i - 1], c = (unsigned char)s[i];
            if (ctx_is_upper(c) && (ctx_is_lower(prev) || ctx_is_digit(prev)))
                break;
            if (ctx_is_upper(prev) && ctx_is_upper(c) && i + 1 < n &&
                ctx_is_lower((unsigned char)s[i + 1]))
                break;
            i++;
        }
        ctx_add_word(out, s + start, i - start, dedup, cap);
        parts++;
        for (size_t k = start; k < i && jl < sizeof(joined); k++)
            joined[jl++] = s[k];
    }
    if (parts > 1 && jl < sizeof(joined))
        ctx_add_word(out, joined, jl, dedup, cap);
}

void dk_ctx_words(dk_str *out, const char *text, size_t len, bool dedup, size_t cap)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)text[i];
        if (!ctx_is_alnum(c) && c != '_') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && (ctx_is_alnum((unsigned char)text[i]) || text[i] == '_'))
            i++;
        ctx_words_ident(out, text + start, i - start, dedup, cap);
        if (cap && out->len >= cap)
            return;
    }
}

static int ctx_hex_val(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

void dk_ctx_words_text(dk_str *out, const char *words)
{
    const char *p = words;
    while (*p) {
        const char *e = strchr(p, ' ');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (p != words)
            dk_str_addch(out, ' ');
        if (n > 1 && n % 2 == 1 && p[0] == CTX_WORD_HEX) {
            for (size_t i = 1; i + 1 < n; i += 2) {
                int hi = ctx_hex_val(p[i]), lo = ctx_hex_val(p[i + 1]);
                if (hi >= 0 && lo >= 0)
                    dk_str_addch(out, (char)(hi * 16 + lo));
            }
        } else {
            dk_str_add(out, p, n);
        }
        p += n;
        if (*p == ' ')
            p++;
    }
}

bool dk_ctx_path_is_test(const char *path)
{
    static const char *const dirs[] = {"test/", "tests/",     "testing/",
                                       "spec/", "__tests__/", "testdata/"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
        size_t n = strlen(dirs[i]);
        if (strncmp(path, dirs[i], n) == 0)
            return true;
        for (const char *p = strstr(path, dirs[i]); p; p = strstr(p + 1, dirs[i]))
            if (p > path && p[-1] == '/')
                return true;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strncmp(base, "test_", 5) == 0 || strstr(base, "_test.") || strstr(base, ".test.") ||
        strstr(base, ".spec.") || strstr(base, "_spec.") || strstr(base, "Test.") ||
        strstr(base, "Tests."))
        return true;
    return false;
}

/* ========================================================================== */
/* Rows of one file, made outside any transaction                            */
/* ========================================================================== */

struct ctx_sym {
    char *name, *qname, *sig, *doc;
    const char *kind;
    char *t_name, *t_qname, *t_sig, *t_doc, *t_body;
    dk_span span;
    bool is_test;
    /* the row id once inserted */
    int64_t id;
};

struct ctx_call {
    /* index into the file's syms, -1 at top level */
    int32_t sym;
    char *callee, *callee_name;
    uint32_t line;
};

struct ctx_imp {
    char *module, *name, *alias;
};

struct ctx_file {
    char *path;
    /* hex blob id, "" for a deleted file */
    char blob[DK_OID_HEXSZ + 1];
    /* language name, "" when unsupported or unparsable */
    const char *lang;
    char *t_path;
    /* word counts of the symbols' columns, summed (CTX_F_* order; the ranking's statistics) */
    int64_t words[CTX_NFIELDS];
    dk_vec(struct ctx_sym) syms;
    dk_vec(struct ctx_call) calls;
    dk_vec(struct ctx_imp) imps;
};

typedef dk_vec(struct ctx_file) ctx_files;

static void ctx_file_release(struct ctx_file *f)
{
    dk_vec_foreach(&f->syms, struct ctx_sym *, s) {
        free(s->name);
        free(s->qname);
        free(s->sig);
        free(s->doc);
        free(s->t_name);
        free(s->t_qname);
        free(s->t_sig);
        free(s->t_doc);
        free(s->t_body);
    }
    dk_vec_foreach(&f->calls, struct ctx_call *, c) {
        free(c->callee);
        free(c->callee_name);
    }
    dk_vec_foreach(&f->imps, struct ctx_imp *, m) {
        free(m->module);
        free(m->name);
        free(m->alias);
    }
    dk_vec_release(&f->syms);
    dk_vec_release(&f->calls);
    dk_vec_release(&f->imps);
    free(f->path);
    free(f->t_path);
}

static void ctx_files_release(ctx_files *fs)
{
    dk_vec_foreach(fs, struct ctx_file *, f)
        ctx_file_release(f);
    dk_vec_release(fs);
}

/* Largest n' <= n that does not split a UTF-8 character of s. */
static size_t ctx_utf8_floor(const char *s, size_t n)
{
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static char *ctx_strndup_cap(const char *s, size_t n, size_t cap)
{
    if (n > cap)
        n = ctx_utf8_floor(s, cap);
    return dk_xstrndup(s, n);
}

static char *ctx_words_dup(const char *s, size_t n, bool dedup, size_t cap)
{
    dk_str w = DK_STR_INIT;
    dk_ctx_words(&w, s, n, dedup, cap);
    return dk_str_detach(&w, NULL);
}

/* Strip comment markers from one line of a leading comment. */
static void ctx_doc_line(dk_str *out, const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    static const char *const open[] = {"///", "//!", "//", "/**", "/*", "--", "#", "*", ";;"};
    for (size_t i = 0; i < sizeof(open) / sizeof(*open); i++) {
        size_t k = strlen(open[i]);
        if (n >= k && memcmp(p, open[i], k) == 0) {
            p += k, n -= k;
            break;
        }
    }
    if (n >= 2 && memcmp(p + n - 2, "*/", 2) == 0)
        n -= 2;
    while (n && (*p == ' ' || *p == '\t' || *p == '*' || *p == '!'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (!n)
        return;
    if (out->len)
        dk_str_addch(out, '\n');
    dk_str_add(out, p, n);
}

/*
 * The doc of a symbol: the comment lines of its span before the declaration
 * proper (the lang layer puts leading comments, attributes and decorators in
 * the span); for Python, a docstring opening the body wins.
 */
static char *ctx_doc(const char *src, const dk_symbol *s, const char *lang)
{
    dk_str d = DK_STR_INIT;
    if (strcmp(lang, "python") == 0 && s->has_body && s->body.end_byte > s->body.start_byte) {
        const char *p = src + s->body.start_byte, *end = src + s->body.end_byte;
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
            p++;
        const char *q = NULL;
        if (end - p >= 3 && (memcmp(p, "\"\"\"", 3) == 0 || memcmp(p, "'''", 3) == 0)) {
            char quote[4] = {p[0], p[0], p[0], 0};
            p += 3;
            q = NULL;
            for (const char *k = p; k + 3 <= end; k++)
                if (memcmp(k, quote, 3) == 0) {
                    q = k;
                    break;
                }
        }
        if (q) {
            for (const char *line = p; line < q;) {
                const char *nl = memchr(line, '\n', (size_t)(q - line));
                const char *le = nl ? nl : q;
                ctx_doc_line(&d, line, (size_t)(le - line));
                line = nl ? nl + 1 : q;
            }
            char *r = ctx_strndup_cap(d.ptr, d.len, CTX_DOC_MAX);
            dk_str_release(&d);
            return r;
        }
    }
    const char *p = src + s->span.start_byte, *end = src + s->decl.start_byte;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *t = p;
        while (t < le && (*t == ' ' || *t == '\t'))
            t++;
        /* attributes and decorators are not documentation */
        if (t < le && *t != '@' && !(*t == '#' && t + 1 < le && t[1] == '['))
            ctx_doc_line(&d, p, (size_t)(le - p));
        p = nl ? nl + 1 : end;
    }
    char *r = ctx_strndup_cap(d.ptr, d.len, CTX_DOC_MAX);
    dk_str_release(&d);
    return r;
}

/* The last identifier of a callee as written: "self.a.parse" -> "parse", "fmt::Display" -> ... */
static char *ctx_callee_name(const char *callee)
{
    size_t n = strlen(callee);
    while (n && !(ctx_is_alnum((unsigned char)callee[n - 1]) || callee[n - 1] == '_' ||
                  callee[n - 1] == '$'))
        n--;
    size_t start = n;
    while (start && (ctx_is_alnum((unsigned char)callee[start - 1]) || callee[start - 1] == '_' ||
                     callee[start - 1] == '$'))
        start--;
    return ctx_strndup_cap(callee + start, n - start, 128);
}

/* A test module inside a source file (Rust's `mod tests`): its members are tests. */
static bool ctx_qname_is_test(const char *qname)
{
    return strncmp(qname, "tests.", 6) == 0 || strstr(qname, ".tests.") != NULL;
}

/* Fill f's rows from an analysis of `src`. */
static void ctx_file_fill(struct ctx_file *f, const dk_analysis *a, const char *src)
{
    f->lang = a->language;
    bool test_path = dk_ctx_path_is_test(f->path);
    int32_t *map = dk_xcalloc(a->nsymbols ? a->nsymbols : 1, sizeof(*map));
    for (size_t i = 0; i < a->nsymbols; i++) {
        const dk_symbol *s = &a->symbols[i];
        map[i] = -1;
        if (s->kind == DK_SYM_INCLUDE || !s->name || !s->name[0])
            continue;
        struct ctx_sym *r = dk_vec_push_zero(&f->syms);
        map[i] = (int32_t)(f->syms.len - 1);
        r->name = ctx_strndup_cap(s->name, strlen(s->name), 200);
        r->qname = ctx_strndup_cap(s->qualified_name, strlen(s->qualified_name), 400);
        r->kind = dk_symbol_kind_name(s->kind);
        const char *sig = s->signature ? s->signature : "";
        r->sig = ctx_strndup_cap(sig, strlen(sig), CTX_SIG_MAX);
        r->doc = ctx_doc(src, s, a->language);
        r->span = s->span;
        r->is_test = test_path || ctx_qname_is_test(r->qname);
        r->t_name = ctx_words_dup(r->name, strlen(r->name), false, 0);
        r->t_qname = ctx_words_dup(r->qname, strlen(r->qname), false, 0);
        r->t_sig = ctx_words_dup(r->sig, strlen(r->sig), false, 0);
        r->t_doc = ctx_words_dup(r->doc, strlen(r->doc), false, 0);
        if (s->has_body && !dk_symbol_kind_is_container(s->kind) &&
            s->body.end_byte > s->body.start_byte)
            r->t_body =
                ctx_words_dup(src + s->body.start_byte, s->body.end_byte - s->body.start_byte, true,
                              CTX_BODY_WORDS_MAX);
        else
            r->t_body = dk_xstrdup("");
        f->words[CTX_F_NAME] += (int64_t)dk_ctx_word_count(r->t_name);
        f->words[CTX_F_QNAME] += (int64_t)dk_ctx_word_count(r->t_qname);
        f->words[CTX_F_SIG] += (int64_t)dk_ctx_word_count(r->t_sig);
        f->words[CTX_F_DOC] += (int64_t)dk_ctx_word_count(r->t_doc);
        f->words[CTX_F_PATH] += (int64_t)dk_ctx_word_count(f->t_path);
        f->words[CTX_F_BODY] += (int64_t)dk_ctx_word_count(r->t_body);
    }
    for (size_t i = 0; i < a->ncalls; i++) {
        const dk_call *c = &a->calls[i];
        if (!c->callee || !c->callee[0])
            continue;
        char *cn = ctx_callee_name(c->callee);
        if (!cn[0]) {
            free(cn);
            continue;
        }
        struct ctx_call *r = dk_vec_push_zero(&f->calls);
        int32_t enc = c->enclosing;
        while (enc >= 0 && map[enc] < 0)
            enc = a->symbols[enc].parent;
        r->sym = enc >= 0 ? map[enc] : -1;
        r->callee = ctx_strndup_cap(c->callee, strlen(c->callee), 200);
        r->callee_name = cn;
        r->line = c->span.start_line;
    }
    for (size_t i = 0; i < a->nimports; i++) {
        const dk_import *m = &a->imports[i];
        if (!m->module)
            continue;
        struct ctx_imp *r = dk_vec_push_zero(&f->imps);
        r->module = ctx_strndup_cap(m->module, strlen(m->module), 300);
        r->name = ctx_strndup_cap(m->name ? m->name : "", m->name ? strlen(m->name) : 0, 200);
        r->alias = ctx_strndup_cap(m->alias ? m->alias : "", m->alias ? strlen(m->alias) : 0, 200);
    }
    free(map);
}

/*
 * Parse the blob of f (its language known) into f's rows. A file the parser
 * refuses (binary, invalid UTF-8, over the limits) stays with no symbols:
 * it is indexed as such, never an error for the whole index.
 */
static int ctx_file_parse(struct ctx_file *f, size_t *hits, dk_engine *e, dk_git_repo *g,
                          const dk_language *lang, const dk_oid *blob, bool use_cache)
{
    char *src;
    size_t len;
    int rc = dk_git_blob_read(&src, &len, g, blob);
    if (rc < 0)
        return rc;
    /* with the text: a ".h" header that shows C++ is C++ (by its path alone it is C, and the C
     * grammar loses its classes and namespaces) */
    const dk_language *by_text = dk_language_for_path(f->path, src, len);
    if (by_text)
        lang = by_text;
    dk_analysis *a = NULL;
    bool hit = false;
    if (use_cache)
        rc = dk_symcache_analyze(&a, &hit, dk_eng_symcache(e), lang, blob->id, DK_OID_RAWSZ, src,
                                 len);
    else
        rc = dk_lang_analyze(&a, lang, src, len);
    if (rc == DK_OK) {
        ctx_file_fill(f, a, src);
        if (hit)
            (*hits)++;
    } else {
        f->lang = "";
    }
    dk_analysis_unref(a);
    free(src);
    return DK_OK;
}

/* A file entry for `path`: parsed when its language is supported and it is not deleted. */
static int ctx_file_make(ctx_files *out, dk_context_index_stats *st, dk_engine *e, dk_git_repo *g,
                         const char *path, const dk_oid *blob, unsigned mode, bool use_cache)
{
    const dk_language *lang = dk_language_for_path(path, NULL, 0);
    if (blob && (mode == DK_GIT_MODE_LINK || mode == DK_GIT_MODE_GITLINK))
        lang = NULL;
    struct ctx_file *f = dk_vec_push_zero(out);
    f->path = dk_xstrdup(path);
    f->t_path = ctx_words_dup(path, strlen(path), true, 0);
    f->lang = "";
    if (blob)
        dk_oid_to_hex(f->blob, blob);
    if (!blob || !lang)
        return DK_OK;
    size_t hits = 0;
    int rc = ctx_file_parse(f, &hits, e, g, lang, blob, use_cache);
    if (st) {
        st->files_parsed++;
        st->cache_hits += hits;
        st->symbols_added += f->syms.len;
    }
    return rc;
}

/* ========================================================================== */
/* Writing rows                                                               */
/* ========================================================================== */

static int ctx_delete_path(dk_store_conn *c, const char *repo, const char *scope, const char *path)
{
    static const char *const sql[] = {
        "DELETE FROM context_calls WHERE repo = ? AND scope = ? AND path = ?",
        "DELETE FROM context_imports WHERE repo = ? AND scope = ? AND path = ?",
        "DELETE FROM context_symbols WHERE repo = ? AND scope = ? AND path = ?",
        "DELETE FROM context_files WHERE repo = ? AND scope = ? AND path = ?",
    };
    dk_store_val p[] = {DK_SV_TEXT(repo), DK_SV_TEXT(scope), DK_SV_TEXT(path)};
    for (size_t i = 0; i < 4; i++) {
        int rc = dk_store_exec(c, NULL, sql[i], p, 3);
        if (rc < 0)
            return rc;
    }
    return DK_OK;
}

static int ctx_delete_scope(dk_store_conn *c, const char *repo, const char *scope)
{
    static const char *const sql[] = {
        "DELETE FROM context_calls WHERE repo = ? AND scope = ?",
        "DELETE FROM context_imports WHERE repo = ? AND scope = ?",
        "DELETE FROM context_symbols WHERE repo = ? AND scope = ?",
        "DELETE FROM context_files WHERE repo = ? AND scope = ?",
    };
    dk_store_val p[] = {DK_SV_TEXT(repo), DK_SV_TEXT(scope)};
    for (size_t i = 0; i < 4; i++) {
        int rc = dk_store_exec(c, NULL, sql[i], p, 2);
        if (rc < 0)
            return rc;
    }
    return DK_OK;
}

/* The INSERTs of 1, 4 and 16 call rows, made once per process. */
static char ctx_calls_sql[3][128 + 16 * 24];
static pthread_once_t ctx_calls_sql_once = PTHREAD_ONCE_INIT;

static void ctx_calls_sql_init(void)
{
    static const size_t rows[3] = {1, 4, 16};
    for (size_t k = 0; k < 3; k++) {
        char *p = ctx_calls_sql[k];
        size_t cap = sizeof(ctx_calls_sql[k]);
        int n = snprintf(p, cap,
                         "INSERT INTO context_calls (repo, scope, path, caller, callee, "
                         "callee_name, line) VALUES ");
        for (size_t i = 0; i < rows[k] && n > 0 && (size_t)n < cap; i++)
            n += snprintf(p + n, cap - (size_t)n, "%s(?, ?, ?, ?, ?, ?, ?)", i ? ", " : "");
    }
}

static const char *ctx_calls_insert_sql(size_t n)
{
    pthread_once(&ctx_calls_sql_once, ctx_calls_sql_init);
    return ctx_calls_sql[n == 16 ? 2 : n == 4 ? 1 : 0];
}

/* Insert f's rows (a deleted file of a session: its tombstone; of the head: nothing). */
static int ctx_insert_file(dk_store_conn *c, const char *repo, const char *scope,
                           struct ctx_file *f)
{
    int rc;
    if (!f->blob[0] && !scope[0])
        return DK_OK;
    dk_store_val fp[] = {DK_SV_TEXT(repo),
                         DK_SV_TEXT(scope),
                         DK_SV_TEXT(f->path),
                         DK_SV_TEXT(f->blob),
                         DK_SV_TEXT(f->lang),
                         DK_SV_INT(f->syms.len),
                         DK_SV_INT(f->words[CTX_F_NAME]),
                         DK_SV_INT(f->words[CTX_F_QNAME]),
                         DK_SV_INT(f->words[CTX_F_SIG]),
                         DK_SV_INT(f->words[CTX_F_DOC]),
                         DK_SV_INT(f->words[CTX_F_PATH]),
                         DK_SV_INT(f->words[CTX_F_BODY])};
    if ((rc = dk_store_exec(c, NULL,
                            "INSERT INTO context_files (repo, scope, path, blob, lang, nsymbols, "
                            "w_name, w_qname, w_sig, w_doc, w_path, w_body) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            fp, 12)) < 0)
        return rc;
    dk_vec_foreach(&f->syms, struct ctx_sym *, s) {
        dk_store_val p[] = {
            DK_SV_TEXT(repo),
            DK_SV_TEXT(scope),
            DK_SV_TEXT(f->path),
            DK_SV_TEXT(s->name),
            DK_SV_TEXT(s->qname),
            DK_SV_TEXT(s->kind),
            DK_SV_INT(s->span.start_line),
            DK_SV_INT(s->span.end_line),
            DK_SV_INT(s->span.start_byte),
            DK_SV_INT(s->span.end_byte),
            DK_SV_TEXT(s->sig),
            DK_SV_TEXT(s->doc),
            DK_SV_INT(s->is_test),
            DK_SV_TEXT(s->t_name),
            DK_SV_TEXT(s->t_qname),
            DK_SV_TEXT(s->t_sig),
            DK_SV_TEXT(s->t_doc),
            DK_SV_TEXT(f->t_path),
            DK_SV_TEXT(s->t_body),
        };
        dk_store_rows *rows;
        if ((rc = dk_store_query(&rows, c,
                                 "INSERT INTO context_symbols (repo, scope, path, name, qname, "
                                 "kind, start_line, end_line, start_byte, end_byte, signature, "
                                 "doc, is_test, t_name, t_qname, t_sig, t_doc, t_path, t_body) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                 "?) RETURNING id",
                                 p, sizeof(p) / sizeof(*p))) < 0)
            return rc;
        rc = dk_store_rows_next(rows);
        if (rc == 1)
            s->id = dk_store_rows_int(rows, 0);
        dk_store_rows_free(rows);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return dk_error_set(DK_ERROR, "context: insert returned no id");
    }
    /* call rows go in several per statement (16, 4 or 1: three statement texts to cache) */
    for (size_t at = 0; at < f->calls.len;) {
        size_t left = f->calls.len - at;
        size_t n = left >= 16 ? 16 : left >= 4 ? 4 : 1;
        dk_store_val p[16 * 7];
        for (size_t i = 0; i < n; i++) {
            const struct ctx_call *k = &f->calls.items[at + i];
            dk_store_val *v = p + i * 7;
            v[0] = DK_SV_TEXT(repo);
            v[1] = DK_SV_TEXT(scope);
            v[2] = DK_SV_TEXT(f->path);
            v[3] = k->sym >= 0 ? DK_SV_INT(f->syms.items[k->sym].id) : DK_SV_NULL;
            v[4] = DK_SV_TEXT(k->callee);
            v[5] = DK_SV_TEXT(k->callee_name);
            v[6] = DK_SV_INT(k->line);
        }
        if ((rc = dk_store_exec(c, NULL, ctx_calls_insert_sql(n), p, n * 7)) < 0)
            return rc;
        at += n;
    }
    dk_vec_foreach(&f->imps, struct ctx_imp *, m) {
        dk_store_val p[] = {DK_SV_TEXT(repo),      DK_SV_TEXT(scope),   DK_SV_TEXT(f->path),
                            DK_SV_TEXT(m->module), DK_SV_TEXT(m->name), DK_SV_TEXT(m->alias)};
        if ((rc = dk_store_exec(c, NULL,
                                "INSERT INTO context_imports (repo, scope, path, module, name, "
                                "alias) VALUES (?, ?, ?, ?, ?, ?)",
                                p, 6)) < 0)
            return rc;
    }
    return DK_OK;
}

/* The head row of `key` exists (autocommit; a no-op when it does). */
static int ctx_head_row(dk_store_conn *c, const char *key)
{
    dk_store_val p[] = {DK_SV_TEXT(key)};
    return dk_store_exec(c, NULL,
                         "INSERT INTO context_heads (repo, head, updated_at) VALUES (?, '', 0) "
                         "ON CONFLICT (repo) DO NOTHING",
                         p, 1);
}

static int ctx_head_read(char out[41], bool *found, dk_store_conn *c, const char *key)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(key)};
    int rc = dk_store_query(&rows, c, "SELECT head FROM context_heads WHERE repo = ?", p, 1);
    if (rc < 0)
        return rc;
    out[0] = '\0';
    rc = dk_store_rows_next(rows);
    *found = rc == 1;
    if (rc == 1) {
        const char *h = dk_store_rows_text(rows, 0, NULL);
        snprintf(out, 41, "%s", h ? h : "");
    }
    dk_store_rows_free(rows);
    return rc < 0 ? rc : DK_OK;
}

/* Drop the rows of sessions of `repo` that are no longer live. */
static int ctx_drop_dead_sessions(dk_engine *e, dk_store_conn *c, const char *repo)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(repo)};
    /* `scope > ''`: a range of the primary key (repo, scope, path); `scope <> ''` read every
     * file row of the repository on each update (0.4 ms at 5,000 files) */
    int rc = dk_store_query(
        &rows, c, "SELECT DISTINCT scope FROM context_files WHERE repo = ? AND scope > ''", p, 1);
    if (rc < 0)
        return rc;
    dk_vec(char *) scopes = DK_VEC_INIT;
    while ((rc = dk_store_rows_next(rows)) == 1)
        dk_vec_push(&scopes, dk_xstrdup(dk_store_rows_text(rows, 0, NULL)));
    dk_store_rows_free(rows);
    if (rc < 0 || !scopes.len)
        goto out;
    char **ids = NULL;
    size_t nids = 0;
    if ((rc = dk_session_active_ids(&ids, &nids, e, repo, NULL)) < 0)
        goto out;
    dk_map live = DK_MAP_INIT_STR;
    for (size_t i = 0; i < nids; i++)
        dk_map_put(&live, ids[i], strlen(ids[i]), ids[i], NULL);
    for (size_t i = 0; i < scopes.len && rc >= 0; i++) {
        if (dk_map_has(&live, scopes.items[i], strlen(scopes.items[i])))
            continue;
        if ((rc = ctx_delete_scope(c, repo, scopes.items[i])) < 0)
            break;
        char key[256];
        snprintf(key, sizeof(key), "session:%s", scopes.items[i]);
        dk_store_val k[] = {DK_SV_TEXT(key)};
        rc = dk_store_exec(c, NULL, "DELETE FROM context_heads WHERE repo = ?", k, 1);
    }
    dk_map_release(&live);
    dk_session_ids_free(ids, nids);
out:
    dk_vec_foreach(&scopes, char **, s)
        free(*s);
    dk_vec_release(&scopes);
    return rc < 0 ? rc : DK_OK;
}

/* ========================================================================== */
/* The head                                                                   */
/* ========================================================================== */

/* Totals of the head scope kept for the ranking: symbols, then column words (CTX_F_*). */
#define CTX_NTOTALS (1 + CTX_NFIELDS)

/* Subtract the head rows of `path` (as context_files has them) from `delta`. */
static int ctx_totals_sub_old(int64_t delta[CTX_NTOTALS], dk_store_conn *c, const char *repo,
                              const char *path)
{
    dk_store_rows *r;
    dk_store_val p[] = {DK_SV_TEXT(repo), DK_SV_TEXT(path)};
    int rc = dk_store_query(&r, c,
                            "SELECT nsymbols, w_name, w_qname, w_sig, w_doc, w_path, w_body FROM "
                            "context_files WHERE repo = ? AND scope = '' AND path = ?",
                            p, 2);
    if (rc < 0)
        return rc;
    if ((rc = dk_store_rows_next(r)) == 1)
        for (int i = 0; i < CTX_NTOTALS; i++)
            delta[i] -= dk_store_rows_int(r, i);
    dk_store_rows_free(r);
    return rc < 0 ? rc : DK_OK;
}

/* Move the head row's totals by `delta`, from zero when `reset` (a first build, an unborn head). */
static int ctx_totals_apply(dk_store_conn *c, const char *repo, const int64_t delta[CTX_NTOTALS],
                            bool reset)
{
    dk_store_val k[] = {DK_SV_TEXT(repo)};
    int rc;
    if (reset && (rc = dk_store_exec(c, NULL,
                                     "UPDATE context_heads SET nsym = 0, w_name = 0, w_qname = 0, "
                                     "w_sig = 0, w_doc = 0, w_path = 0, w_body = 0 WHERE repo = ?",
                                     k, 1)) < 0)
        return rc;
    dk_store_val p[CTX_NTOTALS + 1];
    for (int i = 0; i < CTX_NTOTALS; i++)
        p[i] = DK_SV_INT(delta[i]);
    p[CTX_NTOTALS] = DK_SV_TEXT(repo);
    return dk_store_exec(c, NULL,
                         "UPDATE context_heads SET nsym = nsym + ?, w_name = w_name + ?, "
                         "w_qname = w_qname + ?, w_sig = w_sig + ?, w_doc = w_doc + ?, "
                         "w_path = w_path + ?, w_body = w_body + ? WHERE repo = ?",
                         p, CTX_NTOTALS + 1);
}

/* The files that changed from `old_hex` ("" = nothing indexed) to `head`, parsed. */
/* The engine is closing: a long build stops between two files (its work is rolled back). */
static int ctx_cancelled(const atomic_bool *cancel)
{
    if (cancel && atomic_load(cancel))
        return dk_error_set(DK_EBUSY, "context: indexing stopped (the engine is closing)");
    return DK_OK;
}

/*
 * The files that changed from `old_hex` ("" = nothing indexed) to `head`,
 * parsed; *handoff set, with nothing parsed, when `inline_max` is not 0 and
 * at least that many files changed.
 */
static int ctx_head_changes(ctx_files *out, bool *handoff, dk_context_index_stats *st, dk_engine *e,
                            dk_git_repo *g, const char *old_hex, const dk_oid *head,
                            size_t inline_max, const atomic_bool *cancel)
{
    int rc;
    *handoff = false;
    if (!old_hex[0]) {
        dk_git_files files = DK_GIT_FILES_INIT;
        if ((rc = dk_git_files_list(&files, g, head)) < 0)
            return rc;
        if (inline_max && files.len >= inline_max) {
            dk_git_files_release(&files);
            *handoff = true;
            return DK_OK;
        }
        bool cache = files.len < CTX_BULK_FILES;
        dk_vec_foreach(&files, dk_git_file *, f) {
            if (f->mode == DK_GIT_MODE_GITLINK)
                continue;
            st->files_changed++;
            if ((rc = ctx_cancelled(cancel)) < 0 ||
                (rc = ctx_file_make(out, st, e, g, f->path, &f->id, f->mode, cache)) < 0)
                break;
        }
        dk_git_files_release(&files);
        return rc < 0 ? rc : DK_OK;
    }
    dk_oid old;
    if ((rc = dk_oid_from_hex(&old, old_hex, strlen(old_hex))) < 0)
        return rc;
    dk_git_changes ch = DK_GIT_CHANGES_INIT;
    if ((rc = dk_git_changes_list(&ch, g, &old, head)) < 0)
        return rc;
    if (inline_max && ch.len >= inline_max) {
        dk_git_changes_release(&ch);
        *handoff = true;
        return DK_OK;
    }
    bool cache = ch.len < CTX_BULK_FILES;
    dk_vec_foreach(&ch, dk_git_change *, c) {
        st->files_changed++;
        bool gone = c->kind == DK_GIT_CHANGE_DELETED || c->new_mode == DK_GIT_MODE_GITLINK;
        if ((rc = ctx_cancelled(cancel)) < 0 ||
            (rc = ctx_file_make(out, st, e, g, c->path, gone ? NULL : &c->new_id, c->new_mode,
                                cache)) < 0)
            break;
    }
    dk_git_changes_release(&ch);
    return rc < 0 ? rc : DK_OK;
}

int dk_ctx_head_update(dk_context_index_stats *stats, char head_hex[41], dk_engine *e,
                       const char *repo, size_t inline_max, const atomic_bool *cancel,
                       bool *handoff)
{
    dk_context_index_stats st = {0};
    bool large = false;
    dk_git_repo *g = NULL;
    const char *branch = NULL;
    dk_store_conn *c = NULL;
    ctx_files files = DK_VEC_INIT;
    int rc = dk_eng_repo_acquire(&g, &branch, e, repo);
    if (rc < 0)
        return rc;
    if ((rc = dk_store_acquire(&c, dk_eng_store(e))) < 0)
        goto out;
    for (int attempt = 0; attempt < 8; attempt++) {
        char old_hex[41];
        bool found;
        /* a read, not a write, on the path every query takes */
        if ((rc = ctx_head_read(old_hex, &found, c, repo)) < 0)
            goto out;
        if (!found && (rc = ctx_head_row(c, repo)) < 0)
            goto out;
        dk_oid head;
        rc = dk_git_branch_read(&head, g, branch);
        if (rc == DK_ENOTFOUND) {
            memset(&head, 0, sizeof(head));
            rc = DK_OK;
        }
        if (rc < 0)
            goto out;
        char new_hex[41] = "";
        if (!dk_oid_is_zero(&head))
            dk_oid_to_hex(new_hex, &head);
        snprintf(head_hex, 41, "%s", new_hex);
        if (strcmp(old_hex, new_hex) == 0) {
            st.up_to_date = true;
            rc = DK_OK;
            goto out;
        }
        memset(&st, 0, sizeof(st));
        ctx_files_release(&files);
        if (new_hex[0] && ((rc = ctx_head_changes(&files, &large, &st, e, g, old_hex, &head,
                                                  inline_max, cancel)) < 0 ||
                           large)) {
            /* handed off: the index still describes old_hex */
            if (large)
                snprintf(head_hex, 41, "%s", old_hex);
            goto out;
        }
        if ((rc = dk_store_begin(c)) < 0)
            goto out;
        int64_t changes = 0;
        dk_store_val p[] = {DK_SV_TEXT(new_hex), DK_SV_INT(dk_eng_now(e)), DK_SV_TEXT(repo),
                            DK_SV_TEXT(old_hex)};
        rc = dk_store_exec(c, &changes,
                           "UPDATE context_heads SET head = ?, updated_at = ? "
                           "WHERE repo = ? AND head = ?",
                           p, 4);
        if (rc == DK_OK && changes == 0) {
            /* another indexer moved it first: look again */
            dk_store_rollback(c);
            continue;
        }
        if (rc == DK_OK && !new_hex[0])
            rc = ctx_delete_scope(c, repo, "");
        int64_t delta[CTX_NTOTALS] = {0};
        dk_vec_foreach(&files, struct ctx_file *, f) {
            if (rc < 0)
                break;
            if (old_hex[0] && (rc = ctx_totals_sub_old(delta, c, repo, f->path)) == DK_OK)
                rc = ctx_delete_path(c, repo, "", f->path);
            if (rc == DK_OK)
                rc = ctx_insert_file(c, repo, "", f);
            if (rc == DK_OK && f->blob[0]) {
                delta[0] += (int64_t)f->syms.len;
                for (int i = 0; i < CTX_NFIELDS; i++)
                    delta[1 + i] += f->words[i];
            }
        }
        if (rc == DK_OK)
            rc = ctx_totals_apply(c, repo, delta, !old_hex[0] || !new_hex[0]);
        if (rc == DK_OK)
            rc = ctx_drop_dead_sessions(e, c, repo);
        /* the WAL checkpoint this commit may owe is left to the caller (context_head.c runs
         * it after the new head is published, off the reader's path) */
        if (rc == DK_OK)
            rc = dk_store_commit_deferred(c);
        else
            dk_store_rollback(c);
        /* the head moved under the build: build again. Busy (the store's write lock held for
         * the whole busy timeout) ends it: the reader answers from the index as it is and the
         * thread catches up later; seven more waits made a PostgreSQL reader wait 80 s */
        if (rc == DK_ERACE)
            continue;
        goto out;
    }
    if (rc == DK_OK)
        rc = dk_error_set(DK_EBUSY, "context: the head of %s kept moving while indexing", repo);
out:
    ctx_files_release(&files);
    dk_store_release(c);
    dk_eng_repo_release(e, repo, g);
    if (stats)
        *stats = st;
    if (handoff)
        *handoff = large;
    return rc;
}

int dk_ctx_head_state(char indexed_hex[41], char branch_hex[41], dk_engine *e, const char *repo)
{
    dk_git_repo *g = NULL;
    const char *branch = NULL;
    dk_store_conn *c = NULL;
    indexed_hex[0] = branch_hex[0] = '\0';
    int rc = dk_eng_repo_acquire(&g, &branch, e, repo);
    if (rc < 0)
        return rc;
    dk_oid head;
    rc = dk_git_branch_read(&head, g, branch);
    if (rc == DK_OK)
        dk_oid_to_hex(branch_hex, &head);
    else if (rc == DK_ENOTFOUND)
        rc = DK_OK;
    bool found;
    if (rc == DK_OK && (rc = dk_store_acquire(&c, dk_eng_store(e))) == DK_OK)
        rc = ctx_head_read(indexed_hex, &found, c, repo);
    dk_store_release(c);
    dk_eng_repo_release(e, repo, g);
    return rc;
}

static void ctx_lang_add(dk_map *langs, const char *lang, int64_t files, int64_t symbols)
{
    struct ctx_lang_count *n = dk_map_get(langs, lang, strlen(lang));
    if (!n) {
        n = dk_xcalloc(1, sizeof(*n));
        dk_map_put(langs, lang, strlen(lang), n, NULL);
    }
    n->files += files;
    n->symbols += symbols;
}

int dk_ctx_summary_counts(dk_map *langs, dk_engine *e, const char *repo, const char *indexed_hex,
                          const char *commit_hex, size_t max_changes, bool *too_many)
{
    *too_many = false;
    dk_store_conn *c = NULL;
    dk_store_rows *r;
    dk_store_val p[] = {DK_SV_TEXT(repo)};
    int rc = dk_store_acquire(&c, dk_eng_store(e));
    if (rc < 0)
        return rc;
    if ((rc = dk_store_query(&r, c,
                             "SELECT lang, COUNT(*), SUM(nsymbols) FROM context_files WHERE "
                             "repo = ? AND scope = '' GROUP BY lang",
                             p, 1)) < 0) {
        dk_store_release(c);
        return rc;
    }
    while ((rc = dk_store_rows_next(r)) == 1) {
        const char *lang = dk_store_rows_text(r, 0, NULL);
        ctx_lang_add(langs, lang ? lang : "", dk_store_rows_int(r, 1), dk_store_rows_int(r, 2));
    }
    dk_store_rows_free(r);
    if (rc < 0 || !commit_hex || !commit_hex[0] || strcmp(commit_hex, indexed_hex) == 0 ||
        !indexed_hex[0]) {
        dk_store_release(c);
        return rc < 0 ? rc : DK_OK;
    }
    /* the commit differs from the indexed head: move the counts by the files that differ */
    dk_git_repo *g = NULL;
    dk_git_changes ch = DK_GIT_CHANGES_INIT;
    ctx_files files = DK_VEC_INIT;
    dk_oid from, to;
    if ((rc = dk_oid_from_hex(&from, indexed_hex, strlen(indexed_hex))) < 0 ||
        (rc = dk_oid_from_hex(&to, commit_hex, strlen(commit_hex))) < 0 ||
        (rc = dk_eng_repo_acquire(&g, NULL, e, repo)) < 0 ||
        (rc = dk_git_changes_list(&ch, g, &from, &to)) < 0)
        goto out;
    if (ch.len > max_changes) {
        *too_many = true;
        goto out;
    }
    dk_vec_foreach(&ch, dk_git_change *, d) {
        if (d->kind != DK_GIT_CHANGE_ADDED) {
            dk_store_val q[] = {DK_SV_TEXT(repo), DK_SV_TEXT(d->path)};
            if ((rc = dk_store_query(&r, c,
                                     "SELECT lang, nsymbols FROM context_files WHERE repo = ? "
                                     "AND scope = '' AND path = ?",
                                     q, 2)) < 0)
                goto out;
            if ((rc = dk_store_rows_next(r)) == 1) {
                const char *lang = dk_store_rows_text(r, 0, NULL);
                ctx_lang_add(langs, lang ? lang : "", -1, -dk_store_rows_int(r, 1));
            }
            dk_store_rows_free(r);
            if (rc < 0)
                goto out;
        }
        bool gone = d->kind == DK_GIT_CHANGE_DELETED || d->new_mode == DK_GIT_MODE_GITLINK;
        if (gone)
            continue;
        if ((rc = ctx_file_make(&files, NULL, e, g, d->path, &d->new_id, d->new_mode, true)) < 0)
            goto out;
        const struct ctx_file *f = dk_vec_last(&files);
        ctx_lang_add(langs, f->lang, 1, (int64_t)f->syms.len);
    }
    rc = DK_OK;
out:
    ctx_files_release(&files);
    dk_git_changes_release(&ch);
    dk_eng_repo_release(e, repo, g);
    dk_store_release(c);
    return rc;
}

/* ========================================================================== */
/* A session's own files                                                      */
/* ========================================================================== */

static int ctx_entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct dk_eng_overlay_entry *)a)->path,
                  ((const struct dk_eng_overlay_entry *)b)->path);
}

bool dk_ctx_overlay_has(const struct dk_eng_session_view *view, const char *path)
{
    struct dk_eng_overlay_entry key = {.path = (char *)path};
    return view->nentries &&
           bsearch(&key, view->entries, view->nentries, sizeof(key), ctx_entry_cmp) != NULL;
}

/*
 * The entries of a session's scope: the files that differ between the
 * indexed head and the session's base (the base's blob, or a deletion when
 * the base has no such file), then the session's overlay over them. None
 * of the first kind when the base is the indexed head, or when more than
 * CTX_BASE_CHANGES_MAX files differ (the head's files then stand in).
 * Sets `*entries` to view->entries when there is nothing to add.
 */
static int ctx_session_entries(struct dk_eng_overlay_entry **entries, size_t *n,
                               struct dk_eng_overlay_entry **owned, dk_git_repo *g,
                               const struct dk_eng_session_view *view, const char *indexed_hex)
{
    *entries = view->entries;
    *n = view->nentries;
    *owned = NULL;
    char base_hex[41] = "";
    if (!dk_oid_is_zero(&view->base))
        dk_oid_to_hex(base_hex, &view->base);
    if (!base_hex[0] || !indexed_hex[0] || strcmp(base_hex, indexed_hex) == 0)
        return DK_OK;
    dk_oid head;
    int rc = dk_oid_from_hex(&head, indexed_hex, strlen(indexed_hex));
    dk_git_changes ch = DK_GIT_CHANGES_INIT;
    if (rc < 0 || (rc = dk_git_changes_list(&ch, g, &head, &view->base)) < 0)
        return rc;
    if (!ch.len || ch.len > CTX_BASE_CHANGES_MAX) {
        dk_git_changes_release(&ch);
        return DK_OK;
    }
    struct dk_eng_overlay_entry *all = dk_xcalloc(ch.len + view->nentries, sizeof(*all));
    size_t k = 0;
    dk_vec_foreach(&ch, dk_git_change *, d) {
        if (dk_ctx_overlay_has(view, d->path))
            continue; /* the overlay's entry wins */
        struct dk_eng_overlay_entry *en = &all[k++];
        en->path = d->path;
        en->deleted = d->kind == DK_GIT_CHANGE_DELETED;
        if (!en->deleted) {
            en->blob = d->new_id;
            en->mode = d->new_mode;
        }
        d->path = NULL; /* moved to `all` */
    }
    for (size_t i = 0; i < view->nentries; i++) {
        all[k] = view->entries[i];
        all[k++].path = dk_xstrdup(view->entries[i].path);
    }
    dk_git_changes_release(&ch);
    qsort(all, k, sizeof(*all), ctx_entry_cmp);
    *entries = *owned = all;
    *n = k;
    return DK_OK;
}

int dk_ctx_index_session(dk_engine *e, const struct dk_eng_session_view *session,
                         const char *indexed_hex)
{
    dk_git_repo *g = NULL;
    dk_store_conn *c = NULL;
    ctx_files files = DK_VEC_INIT;
    dk_map have = DK_MAP_INIT_STR;
    char key[256];
    struct dk_eng_overlay_entry *owned = NULL;
    size_t nowned = 0;
    snprintf(key, sizeof(key), "session:%s", session->id);
    int rc = dk_eng_repo_acquire(&g, NULL, e, session->repo);
    if (rc < 0)
        return rc;
    /* the view of the index: the session's base where it differs from the head, and its overlay */
    struct dk_eng_session_view scope = *session;
    if ((rc = ctx_session_entries(&scope.entries, &scope.nentries, &owned, g, session,
                                  indexed_hex)) < 0)
        goto out;
    nowned = owned ? scope.nentries : 0;
    const struct dk_eng_session_view *view = &scope;
    if ((rc = dk_store_acquire(&c, dk_eng_store(e))) < 0)
        goto out;
    /* cheap check first, outside any transaction: is every overlay entry indexed already? */
    for (int pass = 0; pass < 2; pass++) {
        dk_store_rows *rows;
        dk_store_val p[] = {DK_SV_TEXT(view->repo), DK_SV_TEXT(view->id)};
        if ((rc = dk_store_query(
                 &rows, c, "SELECT path, blob FROM context_files WHERE repo = ? AND scope = ?", p,
                 2)) < 0)
            goto out;
        while ((rc = dk_store_rows_next(rows)) == 1) {
            const char *path = dk_store_rows_text(rows, 0, NULL);
            const char *blob = dk_store_rows_text(rows, 1, NULL);
            char *old = NULL;
            dk_map_put(&have, path, strlen(path), dk_xstrdup(blob), (void **)&old);
            free(old);
        }
        dk_store_rows_free(rows);
        if (rc < 0)
            goto out;
        bool same = have.len == view->nentries;
        for (size_t i = 0; same && i < view->nentries; i++) {
            const struct dk_eng_overlay_entry *en = &view->entries[i];
            char hex[41] = "";
            if (!en->deleted)
                dk_oid_to_hex(hex, &en->blob);
            const char *b = dk_map_get(&have, en->path, strlen(en->path));
            same = b && strcmp(b, hex) == 0;
        }
        if (same) {
            rc = DK_OK;
            goto out;
        }
        if (pass == 1)
            break;
        /* take the session's lock row, then read again under it */
        if ((rc = ctx_head_row(c, key)) < 0)
            goto out;
        if ((rc = dk_store_begin(c)) < 0)
            goto out;
        dk_store_val k[] = {DK_SV_INT(dk_eng_now(e)), DK_SV_TEXT(key)};
        if ((rc = dk_store_exec(c, NULL, "UPDATE context_heads SET updated_at = ? WHERE repo = ?",
                                k, 2)) < 0)
            goto out;
        dk_map_foreach(&have, it)
            free(it->value);
        dk_map_release(&have);
    }
    /* inside the transaction: rewrite the paths whose blob differs, drop the reverted ones */
    for (size_t i = 0; i < view->nentries && rc >= 0; i++) {
        const struct dk_eng_overlay_entry *en = &view->entries[i];
        char hex[41] = "";
        if (!en->deleted)
            dk_oid_to_hex(hex, &en->blob);
        const char *b = dk_map_get(&have, en->path, strlen(en->path));
        if (b && strcmp(b, hex) == 0)
            continue;
        if ((rc = ctx_file_make(&files, NULL, e, g, en->path, en->deleted ? NULL : &en->blob,
                                en->mode, true)) < 0)
            break;
        if (b && (rc = ctx_delete_path(c, view->repo, view->id, en->path)) < 0)
            break;
        rc = ctx_insert_file(c, view->repo, view->id, dk_vec_last(&files));
    }
    dk_map_foreach(&have, it) {
        if (rc < 0)
            break;
        bool in_overlay = false;
        for (size_t i = 0; i < view->nentries && !in_overlay; i++)
            in_overlay = strlen(view->entries[i].path) == it->key_len &&
                         memcmp(view->entries[i].path, it->key, it->key_len) == 0;
        if (!in_overlay) {
            char *path = dk_xstrndup(it->key, it->key_len);
            rc = ctx_delete_path(c, view->repo, view->id, path);
            free(path);
        }
    }
    if (rc == DK_OK)
        rc = dk_store_commit(c);
    else
        dk_store_rollback(c);
out:
    dk_map_foreach(&have, it)
        free(it->value);
    dk_map_release(&have);
    ctx_files_release(&files);
    dk_store_release(c);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i].path);
    free(owned);
    dk_eng_repo_release(e, session->repo, g);
    return rc;
}
