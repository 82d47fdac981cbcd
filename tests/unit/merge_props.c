/*
 * tests/unit/merge_props.c - property tests of dk_merge_file over generated
 * inputs.
 *
 * A seeded xorshift generator builds a *model* of a source file (header
 * comment, imports, functions, classes with fields and methods, comments,
 * blank lines between declarations) in Python, C, Go or JavaScript and
 * renders it to bytes (LF or CRLF, with or without a final newline). Edits
 * are applied to copies of the model (edit / insert / delete a body line,
 * add / delete / move a declaration, add / delete a method, add an import,
 * edit a comment), so every triple (base, ours, theirs) is realistic and we
 * know exactly which declarations each side kept, added and deleted.
 *
 * Properties, each over several hundred seeds:
 *   identity      merge(B,B,X) = merge(B,X,B) = merge(B,X,X) = X, byte for byte,
 *                 on the line and structured merges (DK_MERGE_NO_SHORTCUTS)
 *   swap          merge(B,X,Y) and merge(B,Y,X): same cleanliness, same lines when
 *                 clean (additions at one place come ours first, so order may differ)
 *   disjoint      X and Y edit different functions (bodies, comments, own
 *                 additions / deletions, imports): clean and holds both edits
 *   declarations  a clean result holds each declaration exactly once when both
 *                 sides kept it or one side added it, and never when a side deleted it
 *   stability     M = merge(B,X,Y) clean => merge(B,X,M) = merge(B,M,Y) = M
 *   determinism   runs in this process and in a fresh one give identical bytes,
 *                 cleanliness and conflicts
 *
 * A failing property prints the seed, the three inputs and the result of its
 * first failing iteration, and the seeds of the next few. Knobs:
 * DK_PROPS_SEED=<n> runs one seed, DK_PROPS_ITERS=<n> changes the count,
 * DK_PROPS_DUMP=<dir> writes the first failing triple of each property there,
 * DK_PROPS_TRACE=1 prints each seed before merging it (a sanitizer report
 * ends the process, so the last seed printed is the culprit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dk/merge.h"

#include "harness/th.h"
#include "harness/th_merge.h"
#include "util/str.h"

/* ------------------------------------------------------------------------ */
/* PRNG                                                                      */
/* ------------------------------------------------------------------------ */

struct rng {
    uint64_t s;
};

static void rng_seed(struct rng *r, uint64_t seed)
{
    /* splitmix64 so that neighbouring seeds give unrelated streams */
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    r->s = (z ^ (z >> 31)) | 1;
}

static uint64_t rng_next(struct rng *r)
{
    /* xorshift64* */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1dull;
}

static int rng_below(struct rng *r, int n)
{
    return n > 0 ? (int)(rng_next(r) % (uint64_t)n) : 0;
}

static bool rng_one_in(struct rng *r, int n)
{
    return rng_below(r, n) == 0;
}

/* ------------------------------------------------------------------------ */
/* The file model                                                           */
/* ------------------------------------------------------------------------ */

#define MAX_DECLS   20
#define MAX_MEMBERS 5
#define MAX_LINES   7
#define MAX_IMPORTS 12
#define LINE_CAP    72
#define NAME_CAP    32

enum lang { L_PY, L_C, L_GO, L_JS, NLANGS };
static const char *const lang_path[NLANGS] = {"gen.py", "gen.c", "gen.go", "gen.js"};

struct fn {
    char name[NAME_CAP];
    /* comment line above the declaration, "" for none */
    char comment[LINE_CAP];
    int nlines;
    /* statements (functions) or field names (classes), language-neutral */
    char lines[MAX_LINES][LINE_CAP];
};

struct decl {
    bool is_class;
    /* blank lines above */
    int gap;
    struct fn f;
    int nmembers;
    /* methods (not for C) */
    struct fn members[MAX_MEMBERS];
};

struct model {
    enum lang lang;
    bool crlf;
    bool no_final_nl;
    char header[LINE_CAP];
    int nimports;
    char imports[MAX_IMPORTS][NAME_CAP];
    int ndecls;
    struct decl decls[MAX_DECLS];
};

struct gen {
    struct rng r;
    /* makes every generated name and edit token unique within one triple */
    unsigned counter;
};

static const char *const verbs[] = {"get",   "set",  "parse", "load",   "save",  "build",
                                    "check", "scan", "merge", "render", "apply", "fetch"};
static const char *const nouns[] = {"user", "token", "node",  "config", "item",  "file",
                                    "path", "cache", "event", "buffer", "entry", "range"};
static const char *const cls_nouns[] = {"Parser", "Cache", "Store", "Reader",
                                        "Writer", "Queue", "Index", "Router"};
static const char *const mods[] = {"json", "util", "http", "paths", "config", "logger", "codec"};
static const char *const words[] = {"compute", "the",    "value", "for",    "each",   "input",
                                    "returns", "result", "fast",  "path",   "handle", "errors",
                                    "cached",  "helper", "see",   "callers"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void gen_comment(struct gen *g, char *out)
{
    int n = 2 + rng_below(&g->r, 5);
    size_t off = 0;
    for (int i = 0; i < n; i++)
        off += (size_t)snprintf(out + off, LINE_CAP - off, "%s%s", i ? " " : "",
                                words[rng_below(&g->r, NELEM(words))]);
}

static void gen_stmt(struct gen *g, char *out)
{
    switch (rng_below(&g->r, 4)) {
    case 0:
        snprintf(out, LINE_CAP, "a = a + %d", rng_below(&g->r, 100));
        break;
    case 1:
        snprintf(out, LINE_CAP, "a = a * %d", 2 + rng_below(&g->r, 9));
        break;
    case 2:
        snprintf(out, LINE_CAP, "a = %s_%s(a)", verbs[rng_below(&g->r, NELEM(verbs))],
                 nouns[rng_below(&g->r, NELEM(nouns))]);
        break;
    default:
        snprintf(out, LINE_CAP, "a = a - %d", rng_below(&g->r, 50));
        break;
    }
}

/* A statement carrying a unique token, so an edit can be found in the output. */
static void gen_edit_stmt(struct gen *g, char *out, char *token)
{
    snprintf(token, NAME_CAP, "tweak_%u", ++g->counter);
    snprintf(out, LINE_CAP, "a = %s(a)", token);
}

static void gen_fn(struct gen *g, struct fn *f)
{
    snprintf(f->name, NAME_CAP, "%s_%s_%u", verbs[rng_below(&g->r, NELEM(verbs))],
             nouns[rng_below(&g->r, NELEM(nouns))], ++g->counter);
    f->comment[0] = 0;
    if (rng_one_in(&g->r, 3))
        gen_comment(g, f->comment);
    f->nlines = 1 + rng_below(&g->r, MAX_LINES - 1);
    for (int i = 0; i < f->nlines; i++)
        gen_stmt(g, f->lines[i]);
}

static void gen_decl(struct gen *g, enum lang lang, struct decl *d)
{
    memset(d, 0, sizeof(*d));
    d->gap = 1 + rng_below(&g->r, 2);
    d->is_class = rng_one_in(&g->r, 4);
    if (!d->is_class) {
        gen_fn(g, &d->f);
        return;
    }
    struct fn *f = &d->f;
    snprintf(f->name, NAME_CAP, "%s%u", cls_nouns[rng_below(&g->r, NELEM(cls_nouns))],
             ++g->counter);
    if (rng_one_in(&g->r, 3))
        gen_comment(g, f->comment);
    f->nlines = (lang == L_C || lang == L_GO ? 1 : 0) + rng_below(&g->r, 3);
    for (int i = 0; i < f->nlines; i++)
        snprintf(f->lines[i], LINE_CAP, "fld_%u", ++g->counter);
    d->nmembers = lang == L_C ? 0 : 1 + rng_below(&g->r, MAX_MEMBERS - 1);
    for (int i = 0; i < d->nmembers; i++)
        gen_fn(g, &d->members[i]);
}

static void gen_import(struct gen *g, char *out)
{
    snprintf(out, NAME_CAP, "%s%u", mods[rng_below(&g->r, NELEM(mods))], ++g->counter);
}

static void gen_model(struct gen *g, struct model *m, enum lang lang, int min_decls)
{
    memset(m, 0, sizeof(*m));
    m->lang = lang;
    m->crlf = rng_one_in(&g->r, 6);
    m->no_final_nl = rng_one_in(&g->r, 6);
    if (!rng_one_in(&g->r, 4))
        gen_comment(g, m->header);
    m->nimports = rng_below(&g->r, 5);
    for (int i = 0; i < m->nimports; i++)
        gen_import(g, m->imports[i]);
    m->ndecls = min_decls + rng_below(&g->r, 8);
    if (m->ndecls > MAX_DECLS - 4)
        m->ndecls = MAX_DECLS - 4;
    for (int i = 0; i < m->ndecls; i++)
        gen_decl(g, lang, &m->decls[i]);
}

/* ------------------------------------------------------------------------ */
/* Rendering                                                                 */
/* ------------------------------------------------------------------------ */

static void put_comment(dk_str *s, enum lang lang, const char *indent, const char *text)
{
    if (!text[0])
        return;
    switch (lang) {
    case L_PY:
        dk_str_addf(s, "%s# %s\n", indent, text);
        break;
    case L_C:
        dk_str_addf(s, "%s/* %s */\n", indent, text);
        break;
    default:
        dk_str_addf(s, "%s// %s\n", indent, text);
        break;
    }
}

static void put_body(dk_str *s, enum lang lang, const char *indent, const struct fn *f)
{
    const char *semi = lang == L_C || lang == L_JS ? ";" : "";
    for (int i = 0; i < f->nlines; i++)
        dk_str_addf(s, "%s%s%s\n", indent, f->lines[i], semi);
    dk_str_addf(s, "%sreturn a%s\n", indent, semi);
}

static void put_fn(dk_str *s, enum lang lang, const struct fn *f, const char *cls)
{
    bool method = cls != NULL;
    const char *ind = method && lang != L_GO ? (lang == L_JS ? "  " : "    ") : "";
    put_comment(s, lang, ind, f->comment);
    switch (lang) {
    case L_PY:
        dk_str_addf(s, "%sdef %s(%sa):\n", ind, f->name, method ? "self, " : "");
        put_body(s, lang, method ? "        " : "    ", f);
        break;
    case L_C:
        dk_str_addf(s, "static int %s(int a)\n{\n", f->name);
        put_body(s, lang, "    ", f);
        dk_str_adds(s, "}\n");
        break;
    case L_GO:
        if (method)
            dk_str_addf(s, "func (r *%s) %s(a int) int {\n", cls, f->name);
        else
            dk_str_addf(s, "func %s(a int) int {\n", f->name);
        put_body(s, lang, "\t", f);
        dk_str_adds(s, "}\n");
        break;
    default:
        if (method)
            dk_str_addf(s, "  %s(a) {\n", f->name);
        else
            dk_str_addf(s, "function %s(a) {\n", f->name);
        put_body(s, lang, method ? "    " : "  ", f);
        dk_str_addf(s, "%s}\n", ind);
        break;
    }
}

static void put_class(dk_str *s, enum lang lang, const struct decl *d)
{
    const struct fn *f = &d->f;
    put_comment(s, lang, "", f->comment);
    switch (lang) {
    case L_PY:
        dk_str_addf(s, "class %s:\n", f->name);
        for (int i = 0; i < f->nlines; i++)
            dk_str_addf(s, "    %s = 0\n", f->lines[i]);
        if (f->nlines == 0 && d->nmembers == 0)
            dk_str_adds(s, "    pass\n");
        for (int i = 0; i < d->nmembers; i++) {
            if (i || f->nlines)
                dk_str_adds(s, "\n");
            put_fn(s, lang, &d->members[i], f->name);
        }
        break;
    case L_C:
        dk_str_addf(s, "struct %s {\n", f->name);
        for (int i = 0; i < f->nlines; i++)
            dk_str_addf(s, "    int %s;\n", f->lines[i]);
        dk_str_adds(s, "};\n");
        break;
    case L_GO:
        dk_str_addf(s, "type %s struct {\n", f->name);
        for (int i = 0; i < f->nlines; i++)
            dk_str_addf(s, "\t%s int\n", f->lines[i]);
        dk_str_adds(s, "}\n");
        for (int i = 0; i < d->nmembers; i++) {
            dk_str_adds(s, "\n");
            put_fn(s, lang, &d->members[i], f->name);
        }
        break;
    default:
        dk_str_addf(s, "class %s {\n", f->name);
        for (int i = 0; i < f->nlines; i++)
            dk_str_addf(s, "  %s = 0;\n", f->lines[i]);
        for (int i = 0; i < d->nmembers; i++) {
            if (i || f->nlines)
                dk_str_adds(s, "\n");
            put_fn(s, lang, &d->members[i], f->name);
        }
        dk_str_adds(s, "}\n");
        break;
    }
}

static void put_imports(dk_str *s, const struct model *m)
{
    if (m->nimports == 0)
        return;
    if (m->lang == L_GO)
        dk_str_adds(s, "import (\n");
    for (int i = 0; i < m->nimports; i++) {
        switch (m->lang) {
        case L_PY:
            dk_str_addf(s, "import %s\n", m->imports[i]);
            break;
        case L_C:
            dk_str_addf(s, "#include <%s.h>\n", m->imports[i]);
            break;
        case L_GO:
            dk_str_addf(s, "\t\"%s\"\n", m->imports[i]);
            break;
        default:
            dk_str_addf(s, "import %s from './%s.js';\n", m->imports[i], m->imports[i]);
            break;
        }
    }
    if (m->lang == L_GO)
        dk_str_adds(s, ")\n");
}

/* Render to malloc'd bytes. */
static char *render(const struct model *m, size_t *len)
{
    dk_str s = DK_STR_INIT;
    put_comment(&s, m->lang, "", m->header);
    if (m->lang == L_GO)
        dk_str_adds(&s, "package main\n");
    if (m->nimports) {
        if (s.len)
            dk_str_adds(&s, "\n");
        put_imports(&s, m);
    }
    for (int i = 0; i < m->ndecls; i++) {
        const struct decl *d = &m->decls[i];
        if (s.len) {
            for (int k = 0; k < d->gap; k++)
                dk_str_adds(&s, "\n");
        }
        if (d->is_class)
            put_class(&s, m->lang, d);
        else
            put_fn(&s, m->lang, &d->f, NULL);
    }
    if (s.len == 0)
        dk_str_adds(&s, m->lang == L_GO ? "package main\n" : "\n");
    dk_str out = DK_STR_INIT;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '\n' && m->crlf)
            dk_str_addch(&out, '\r');
        dk_str_addch(&out, s.ptr[i]);
    }
    dk_str_release(&s);
    if (m->no_final_nl) {
        while (out.len && (out.ptr[out.len - 1] == '\n' || out.ptr[out.len - 1] == '\r'))
            out.len--;
        out.ptr[out.len] = 0;
    }
    return dk_str_detach(&out, len);
}

/* ------------------------------------------------------------------------ */
/* Edits                                                                     */
/* ------------------------------------------------------------------------ */

/* What a side did, for the "contains both edits" checks. */
struct side_log {
    /* tokens of edited body lines that must appear in a clean merge */
    int ntokens;
    char tokens[16][NAME_CAP];
};

static void log_token(struct side_log *lg, const char *tok)
{
    if (lg && lg->ntokens < 16)
        snprintf(lg->tokens[lg->ntokens++], NAME_CAP, "%s", tok);
}

static void edit_body(struct gen *g, struct fn *f, struct side_log *lg)
{
    char tok[NAME_CAP];
    int what = rng_below(&g->r, 4);
    if (what == 0 && f->nlines < MAX_LINES) {
        /* insert a line */
        int at = rng_below(&g->r, f->nlines + 1);
        memmove(f->lines[at + 1], f->lines[at], (size_t)(f->nlines - at) * LINE_CAP);
        f->nlines++;
        gen_edit_stmt(g, f->lines[at], tok);
        log_token(lg, tok);
    } else if (what == 1 && f->nlines > 1) {
        /* delete a line and replace another, so the edit stays visible */
        int at = rng_below(&g->r, f->nlines);
        memmove(f->lines[at], f->lines[at + 1], (size_t)(f->nlines - at - 1) * LINE_CAP);
        f->nlines--;
        gen_edit_stmt(g, f->lines[rng_below(&g->r, f->nlines)], tok);
        log_token(lg, tok);
    } else if (f->nlines > 0) {
        gen_edit_stmt(g, f->lines[rng_below(&g->r, f->nlines)], tok);
        log_token(lg, tok);
    } else {
        f->nlines = 1;
        gen_edit_stmt(g, f->lines[0], tok);
        log_token(lg, tok);
    }
}

/* Edit the body of declaration d: a function's statements, or one method of a class. */
static void edit_decl_body(struct gen *g, enum lang lang, struct decl *d, struct side_log *lg)
{
    if (!d->is_class) {
        edit_body(g, &d->f, lg);
        return;
    }
    if (d->nmembers > 0 && (lang != L_GO || !rng_one_in(&g->r, 4))) {
        edit_body(g, &d->members[rng_below(&g->r, d->nmembers)], lg);
        return;
    }
    /* a field: rename it (C, Go, or a class without methods) */
    struct fn *f = &d->f;
    char tok[NAME_CAP];
    snprintf(tok, NAME_CAP, "fld_tweak_%u", ++g->counter);
    if (f->nlines < MAX_LINES && (f->nlines == 0 || rng_one_in(&g->r, 2))) {
        snprintf(f->lines[f->nlines++], LINE_CAP, "%s", tok);
    } else {
        snprintf(f->lines[rng_below(&g->r, f->nlines)], LINE_CAP, "%s", tok);
    }
    log_token(lg, tok);
}

static void insert_decl(struct model *m, int at, const struct decl *d)
{
    memmove(&m->decls[at + 1], &m->decls[at], (size_t)(m->ndecls - at) * sizeof(*d));
    m->decls[at] = *d;
    m->ndecls++;
}

static void remove_decl(struct model *m, int at, struct decl *out)
{
    if (out)
        *out = m->decls[at];
    memmove(&m->decls[at], &m->decls[at + 1], (size_t)(m->ndecls - at - 1) * sizeof(*out));
    m->ndecls--;
}

enum edit_kind {
    E_BODY,
    E_ADD,
    E_DELETE,
    E_MOVE,
    E_IMPORT,
    E_COMMENT,
    E_ADD_METHOD,
    E_DEL_METHOD,
    E_HEADER,
    NEDITS
};

/* One random edit anywhere in the model. */
static void random_edit(struct gen *g, struct model *m)
{
    int k = rng_below(&g->r, NEDITS + 3);
    if (k >= NEDITS)
        k = E_BODY; /* body edits are the common case */
    struct decl tmp;
    switch (k) {
    case E_BODY:
        if (m->ndecls)
            edit_decl_body(g, m->lang, &m->decls[rng_below(&g->r, m->ndecls)], NULL);
        break;
    case E_ADD:
        if (m->ndecls < MAX_DECLS) {
            gen_decl(g, m->lang, &tmp);
            insert_decl(m, rng_below(&g->r, m->ndecls + 1), &tmp);
        }
        break;
    case E_DELETE:
        if (m->ndecls > 1)
            remove_decl(m, rng_below(&g->r, m->ndecls), NULL);
        break;
    case E_MOVE:
        if (m->ndecls > 1) {
            remove_decl(m, rng_below(&g->r, m->ndecls), &tmp);
            insert_decl(m, rng_below(&g->r, m->ndecls + 1), &tmp);
        }
        break;
    case E_IMPORT:
        if (m->nimports < MAX_IMPORTS)
            gen_import(g, m->imports[m->nimports++]);
        break;
    case E_COMMENT:
        if (m->ndecls)
            gen_comment(g, m->decls[rng_below(&g->r, m->ndecls)].f.comment);
        break;
    case E_ADD_METHOD:
    case E_DEL_METHOD:
        for (int i = 0; i < m->ndecls; i++) {
            struct decl *d = &m->decls[i];
            if (!d->is_class || m->lang == L_C)
                continue;
            if (k == E_ADD_METHOD && d->nmembers < MAX_MEMBERS) {
                int at = rng_below(&g->r, d->nmembers + 1);
                memmove(&d->members[at + 1], &d->members[at],
                        (size_t)(d->nmembers - at) * sizeof(d->members[0]));
                gen_fn(g, &d->members[at]);
                d->nmembers++;
            } else if (k == E_DEL_METHOD && d->nmembers > 1) {
                int at = rng_below(&g->r, d->nmembers);
                memmove(&d->members[at], &d->members[at + 1],
                        (size_t)(d->nmembers - at - 1) * sizeof(d->members[0]));
                d->nmembers--;
            }
            break;
        }
        break;
    default:
        gen_comment(g, m->header);
        break;
    }
}

/* ------------------------------------------------------------------------ */
/* Triples and their checks                                                  */
/* ------------------------------------------------------------------------ */

struct triple {
    uint64_t seed;
    const char *path;
    struct model *mb, *mx, *my;
    char *b, *x, *y;
    size_t bl, xl, yl;
    struct side_log lx, ly;
};

static void triple_alloc(struct triple *t, uint64_t seed)
{
    memset(t, 0, sizeof(*t));
    t->seed = seed;
    t->mb = malloc(sizeof(*t->mb));
    t->mx = malloc(sizeof(*t->mx));
    t->my = malloc(sizeof(*t->my));
    th_assert(t->mb && t->mx && t->my);
}

static void triple_render(struct triple *t)
{
    t->path = lang_path[t->mb->lang];
    t->b = render(t->mb, &t->bl);
    t->x = render(t->mx, &t->xl);
    t->y = render(t->my, &t->yl);
}

static void triple_free(struct triple *t)
{
    free(t->mb);
    free(t->mx);
    free(t->my);
    free(t->b);
    free(t->x);
    free(t->y);
}

/* Base plus 1..4 random edits on each side. */
static void gen_random_triple(struct triple *t, uint64_t seed)
{
    triple_alloc(t, seed);
    struct gen g = {.counter = 0};
    rng_seed(&g.r, seed);
    gen_model(&g, t->mb, (enum lang)rng_below(&g.r, NLANGS), 2);
    *t->mx = *t->mb;
    *t->my = *t->mb;
    for (int n = 1 + rng_below(&g.r, 4); n > 0; n--)
        random_edit(&g, t->mx);
    for (int n = 1 + rng_below(&g.r, 4); n > 0; n--)
        random_edit(&g, t->my);
    triple_render(t);
}

/* Index of the declaration named `name` in m, or -1. */
static int find_decl(const struct model *m, const char *name)
{
    for (int i = 0; i < m->ndecls; i++) {
        if (strcmp(m->decls[i].f.name, name) == 0)
            return i;
    }
    return -1;
}

/*
 * X and Y touch different declarations of the base. Each side edits the
 * bodies of its own 1..2 declarations; with `mixed`, a side may also edit
 * its declaration's comment, delete one of its own, add a new function
 * right after one of its own, or add an import.
 */
static void gen_disjoint_triple(struct triple *t, uint64_t seed, bool mixed)
{
    triple_alloc(t, seed);
    struct gen g = {.counter = 0};
    rng_seed(&g.r, seed);
    gen_model(&g, t->mb, (enum lang)rng_below(&g.r, NLANGS), 5);
    *t->mx = *t->mb;
    *t->my = *t->mb;
    int n = t->mb->ndecls, order[MAX_DECLS];
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = rng_below(&g.r, i + 1), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    int kx = 1 + rng_below(&g.r, 2), ky = 1 + rng_below(&g.r, 2);
    struct {
        struct model *m;
        struct side_log *lg;
        int first, count;
    } sides[2] = {{t->mx, &t->lx, 0, kx}, {t->my, &t->ly, kx, ky}};
    for (int s = 0; s < 2; s++) {
        struct model *m = sides[s].m;
        for (int k = 0; k < sides[s].count; k++) {
            const char *name = t->mb->decls[order[sides[s].first + k]].f.name;
            int at = find_decl(m, name);
            th_assert(at >= 0);
            edit_decl_body(&g, m->lang, &m->decls[at], sides[s].lg);
            if (!mixed)
                continue;
            if (rng_one_in(&g.r, 3))
                gen_comment(&g, m->decls[at].f.comment);
            if (rng_one_in(&g.r, 3) && m->ndecls < MAX_DECLS) {
                struct decl d;
                gen_decl(&g, m->lang, &d);
                insert_decl(m, at + 1, &d);
            }
        }
        if (mixed && rng_one_in(&g.r, 3)) {
            /* delete a declaration neither side touches otherwise: X the first of the rest, Y the
             * second */
            int own = kx + ky + s;
            if (own < n) {
                int at = find_decl(m, t->mb->decls[order[own]].f.name);
                if (at >= 0)
                    remove_decl(m, at, NULL);
            }
        }
        /* (not the first import of a Go file: both sides adding an import block
         * where there was none is the same lines changed on both sides) */
        if (mixed && rng_one_in(&g.r, 2) && m->nimports < MAX_IMPORTS &&
            (m->lang != L_GO || t->mb->nimports > 0))
            gen_import(&g, m->imports[m->nimports++]);
    }
    triple_render(t);
}

/* ------------------------------------------------------------------------ */
/* Reporting                                                                 */
/* ------------------------------------------------------------------------ */

struct prop {
    const char *name;
    int ran;
    int failures;
    uint64_t first_seed;
};

static void dump_bytes(const char *label, const char *p, size_t len)
{
    fprintf(stderr, "----- %s (%zu bytes) -----\n%.*s\n----- end %s -----\n", label, len, (int)len,
            p, label);
}

static void write_dump(const struct prop *p, const struct triple *t)
{
    const char *dir = getenv("DK_PROPS_DUMP");
    if (!dir)
        return;
    const char *ext = strrchr(t->path, '.');
    const char *names[3] = {"base", "ours", "theirs"};
    const char *bufs[3] = {t->b, t->x, t->y};
    size_t lens[3] = {t->bl, t->xl, t->yl};
    for (int i = 0; i < 3; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s-%llu/%s%s", dir, p->name, (unsigned long long)t->seed,
                 names[i], ext);
        th_write_file(path, bufs[i], lens[i]);
    }
}

/* Record a failed check; prints everything for the first failure of the property. */
static void prop_fail(struct prop *p, const struct triple *t, const dk_merge_result *r,
                      const char *what)
{
    if (p->failures++ == 0) {
        p->first_seed = t->seed;
        fprintf(stderr, "\n[merge_props] %s FAILED: %s\n  seed %llu, path %s%s%s\n", p->name, what,
                (unsigned long long)t->seed, t->path, r ? ", method " : "",
                r ? dk_merge_method_name(r->method) : "");
        if (r && r->note)
            fprintf(stderr, "  note: %s\n", r->note);
        dump_bytes("base", t->b, t->bl);
        dump_bytes("ours", t->x, t->xl);
        dump_bytes("theirs", t->y, t->yl);
        if (r)
            dump_bytes(r->clean ? "merged (clean)" : "merged (conflicted)", r->merged,
                       r->merged_len);
        write_dump(p, t);
    } else if (p->failures <= 8) {
        fprintf(stderr, "[merge_props] %s FAILED: %s (seed %llu, %s)\n", p->name, what,
                (unsigned long long)t->seed, t->path);
    }
}

static void prop_finish(const struct prop *p)
{
    th_assert_msg(p->failures == 0,
                  "%s: %d of %d iterations failed; first seed %llu "
                  "(rerun: DK_PROPS_SEED=%llu build/test/dk-tests -s merge_props::%s)",
                  p->name, p->failures, p->ran, (unsigned long long)p->first_seed,
                  (unsigned long long)p->first_seed, p->name);
}

static int iterations(int dflt)
{
    const char *e = getenv("DK_PROPS_ITERS");
    if (e) {
        long v = strtol(e, NULL, 10);
        if (v > 0)
            return (int)v;
    }
    return dflt;
}

/* The seeds to run: DK_PROPS_SEED alone, or salt*100000 + 0..n-1. */
static int seeds(uint64_t salt, int dflt, uint64_t *first)
{
    const char *e = getenv("DK_PROPS_SEED");
    if (e) {
        *first = strtoull(e, NULL, 10);
        return 1;
    }
    *first = salt * 100000;
    return iterations(dflt);
}

/*
 * A sanitizer report ends the process before any assertion can print the
 * inputs, so DK_PROPS_TRACE=1 announces each triple before it is merged.
 */
static void set_current(const struct prop *p, const struct triple *t)
{
    static int trace = -1;
    if (trace < 0)
        trace = getenv("DK_PROPS_TRACE") != NULL;
    if (trace)
        fprintf(stderr, "[merge_props] %s seed %llu %s\n", p->name, (unsigned long long)t->seed,
                t->path);
}

static dk_merge_result *merge3_flags(const char *path, const char *b, size_t bl, const char *x,
                                     size_t xl, const char *y, size_t yl, unsigned flags)
{
    dk_merge_result *r = NULL;
    dk_merge_opts o = DK_MERGE_OPTS_INIT;
    o.flags = flags;
    th_assert_ok(dk_merge_file(&r, path, b, bl, x, xl, y, yl, &o));
    th_assert(r != NULL && r->merged != NULL);
    return r;
}

static dk_merge_result *merge3(const char *path, const char *b, size_t bl, const char *x, size_t xl,
                               const char *y, size_t yl)
{
    return merge3_flags(path, b, bl, x, xl, y, yl, 0);
}

static bool same_bytes(const dk_merge_result *r, const char *p, size_t len)
{
    return r->merged_len == len && memcmp(r->merged, p, len) == 0;
}

/* Occurrences of `needle` in the result as a whole word. */
static int count_word(const char *hay, size_t hl, const char *needle)
{
    size_t nl = strlen(needle);
    int n = 0;
    for (size_t i = 0; i + nl <= hl; i++) {
        if (memcmp(hay + i, needle, nl) != 0)
            continue;
        char before = i ? hay[i - 1] : ' ', after = i + nl < hl ? hay[i + nl] : ' ';
        bool wb = !(before == '_' || (before >= '0' && before <= '9') ||
                    (before >= 'a' && before <= 'z') || (before >= 'A' && before <= 'Z'));
        bool wa = !(after == '_' || (after >= '0' && after <= '9') ||
                    (after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z'));
        if (wb && wa)
            n++;
    }
    return n;
}

/* The definition line of a declaration, searched for in merged output. */
static void sig_of(char *out, size_t cap, enum lang lang, const char *name, const char *cls,
                   bool is_class)
{
    if (is_class) {
        static const char *const fmt_pre[NLANGS] = {"class ", "struct ", "type ", "class "};
        static const char *const fmt_post[NLANGS] = {":", " {", " struct {", " {"};
        snprintf(out, cap, "%s%s%s", fmt_pre[lang], name, fmt_post[lang]);
        return;
    }
    switch (lang) {
    case L_PY:
        snprintf(out, cap, "def %s(", name);
        break;
    case L_C:
        snprintf(out, cap, "static int %s(", name);
        break;
    case L_GO:
        if (cls)
            snprintf(out, cap, "func (r *%s) %s(", cls, name);
        else
            snprintf(out, cap, "func %s(", name);
        break;
    default:
        snprintf(out, cap, "%s%s(", cls ? "" : "function ", name);
        break;
    }
}

static int count_sub(const char *hay, size_t hl, const char *needle)
{
    size_t nl = strlen(needle);
    int n = 0;
    for (size_t i = 0; i + nl <= hl; i++) {
        if (memcmp(hay + i, needle, nl) == 0)
            n++;
    }
    return n;
}

/* Every declaration of a model: name, its definition line, and owning class. */
struct decl_ref {
    char name[NAME_CAP];
    char sig[2 * NAME_CAP + 16];
};

static int collect(const struct model *m, struct decl_ref *refs, int cap)
{
    int n = 0;
    for (int i = 0; i < m->ndecls && n < cap; i++) {
        const struct decl *d = &m->decls[i];
        snprintf(refs[n].name, NAME_CAP, "%s", d->f.name);
        sig_of(refs[n].sig, sizeof(refs[n].sig), m->lang, d->f.name, NULL, d->is_class);
        n++;
        for (int k = 0; k < d->nmembers && n < cap; k++) {
            snprintf(refs[n].name, NAME_CAP, "%s", d->members[k].name);
            sig_of(refs[n].sig, sizeof(refs[n].sig), m->lang, d->members[k].name, d->f.name, false);
            n++;
        }
    }
    return n;
}

static bool refs_have(const struct decl_ref *refs, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(refs[i].name, name) == 0)
            return true;
    }
    return false;
}

#define MAX_REFS (MAX_DECLS * (MAX_MEMBERS + 1))

/*
 * A clean result holds each declaration exactly once when both sides have
 * it or one side added it, and not at all when a side deleted it.
 * Returns NULL or a description of the first violation (static buffer).
 */
static const char *check_declarations(const struct triple *t, const dk_merge_result *r)
{
    static char why[256];
    static struct decl_ref rb[MAX_REFS], rx[MAX_REFS], ry[MAX_REFS];
    int nb = collect(t->mb, rb, MAX_REFS), nx = collect(t->mx, rx, MAX_REFS),
        ny = collect(t->my, ry, MAX_REFS);
    const struct decl_ref *all[2] = {rx, ry};
    int alln[2] = {nx, ny};
    for (int s = 0; s < 2; s++) {
        for (int i = 0; i < alln[s]; i++) {
            const struct decl_ref *d = &all[s][i];
            bool in_b = refs_have(rb, nb, d->name), in_x = refs_have(rx, nx, d->name),
                 in_y = refs_have(ry, ny, d->name);
            bool want = (in_x && in_y) || (!in_b && (in_x || in_y));
            int got = count_sub(r->merged, r->merged_len, d->sig);
            if (got != (want ? 1 : 0)) {
                snprintf(why, sizeof(why),
                         "declaration `%.180s` (%s%s%s) occurs %d times, expected %d", d->name,
                         in_b ? "base " : "", in_x ? "ours " : "", in_y ? "theirs" : "", got,
                         want ? 1 : 0);
                return why;
            }
        }
    }
    /* deleted by both sides: gone */
    for (int i = 0; i < nb; i++) {
        if (!refs_have(rx, nx, rb[i].name) && !refs_have(ry, ny, rb[i].name) &&
            count_sub(r->merged, r->merged_len, rb[i].sig) != 0) {
            snprintf(why, sizeof(why), "declaration `%.180s` deleted by both sides is present",
                     rb[i].name);
            return why;
        }
    }
    /* imports: every import line of either side is kept (no side deletes imports) */
    const struct model *ms[2] = {t->mx, t->my};
    for (int s = 0; s < 2; s++) {
        for (int i = 0; i < ms[s]->nimports; i++) {
            int got = count_word(r->merged, r->merged_len, ms[s]->imports[i]);
            int want = t->mb->lang == L_JS ? 2 : 1;
            if (got != want) {
                snprintf(why, sizeof(why), "import `%.180s` occurs %d times, expected %d",
                         ms[s]->imports[i], got, want);
                return why;
            }
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Properties                                                                */
/* ------------------------------------------------------------------------ */

void test_merge_props__identity(void)
{
    struct prop p = {.name = "identity"};
    int structured = 0, trivial = 0;
    uint64_t s0;
    int n = seeds(1, 300, &s0);
    for (int i = 0; i < n; i++) {
        struct triple t;
        gen_random_triple(&t, s0 + (uint64_t)i);
        p.ran++;
        set_current(&p, &t);
        /*
         * X is ours of the triple: three merges that must give it back. With
         * no shortcuts they go through the line merge and the structured merge
         * (not the byte-equality test), which must keep the law themselves.
         */
        const char *in[3][3] = {{t.b, t.b, t.x}, {t.b, t.x, t.b}, {t.b, t.x, t.x}};
        size_t il[3][3] = {{t.bl, t.bl, t.xl}, {t.bl, t.xl, t.bl}, {t.bl, t.xl, t.xl}};
        static const char *const what[3] = {"merge(B,B,X) != X", "merge(B,X,B) != X",
                                            "merge(B,X,X) != X"};
        for (int k = 0; k < 3; k++) {
            dk_merge_result *r = merge3_flags(t.path, in[k][0], il[k][0], in[k][1], il[k][1],
                                              in[k][2], il[k][2], DK_MERGE_NO_SHORTCUTS);
            if (!r->clean || !same_bytes(r, t.x, t.xl))
                prop_fail(&p, &t, r, what[k]);
            structured += r->method == DK_MERGE_METHOD_STRUCTURED;
            trivial += r->method == DK_MERGE_METHOD_TRIVIAL;
            dk_merge_result_free(r);
        }
        triple_free(&t);
    }
    prop_finish(&p);
    /* anti-vacuity: the law was checked on the structured merge, never on the shortcut */
    th_assert_msg(trivial == 0, "identity: %d merges took the trivial shortcut", trivial);
    th_assert_msg(structured * 2 >= 3 * p.ran,
                  "identity: only %d of %d merges reached the structured merge", structured,
                  3 * p.ran);
}

void test_merge_props__swap(void)
{
    struct prop p = {.name = "swap"};
    uint64_t s0;
    int n = seeds(2, 250, &s0);
    for (int i = 0; i < n; i++) {
        struct triple t;
        gen_random_triple(&t, s0 + (uint64_t)i);
        p.ran++;
        set_current(&p, &t);
        dk_merge_result *a = merge3(t.path, t.b, t.bl, t.x, t.xl, t.y, t.yl);
        dk_merge_result *b = merge3(t.path, t.b, t.bl, t.y, t.yl, t.x, t.xl);
        if (a->clean != b->clean)
            prop_fail(&p, &t, a->clean ? a : b,
                      a->clean ? "merge(B,X,Y) clean but merge(B,Y,X) not (shown: B,X,Y)"
                               : "merge(B,Y,X) clean but merge(B,X,Y) not (shown: B,Y,X)");
        else if (a->clean && !th_same_lines(a->merged, a->merged_len, b->merged, b->merged_len))
            prop_fail(&p, &t, a, "merge(B,X,Y) and merge(B,Y,X) clean with different lines");
        dk_merge_result_free(a);
        dk_merge_result_free(b);
        triple_free(&t);
    }
    prop_finish(&p);
}

static void check_disjoint(struct prop *p, const struct triple *t, const dk_merge_result *r)
{
    char why[160];
    if (!r->clean) {
        prop_fail(p, t, r, "edits of disjoint declarations conflict");
        return;
    }
    const struct side_log *logs[2] = {&t->lx, &t->ly};
    for (int s = 0; s < 2; s++) {
        for (int k = 0; k < logs[s]->ntokens; k++) {
            if (count_word(r->merged, r->merged_len, logs[s]->tokens[k]) != 1) {
                snprintf(why, sizeof(why), "%s's edit `%.100s` is not in the result exactly once",
                         s ? "theirs" : "ours", logs[s]->tokens[k]);
                prop_fail(p, t, r, why);
                return;
            }
        }
    }
    const char *bad = check_declarations(t, r);
    if (bad)
        prop_fail(p, t, r, bad);
}

/* Disjoint edits (bodies only, or mixed with additions/imports) merge cleanly with both. */
static void run_disjoint(const char *name, uint64_t seed_base, bool mixed)
{
    struct prop p = {.name = name};
    uint64_t s0;
    int n = seeds(seed_base, 250, &s0);
    for (int i = 0; i < n; i++) {
        struct triple t;
        gen_disjoint_triple(&t, s0 + (uint64_t)i, mixed);
        p.ran++;
        set_current(&p, &t);
        dk_merge_result *r = merge3(t.path, t.b, t.bl, t.x, t.xl, t.y, t.yl);
        check_disjoint(&p, &t, r);
        dk_merge_result_free(r);
        triple_free(&t);
    }
    prop_finish(&p);
}

void test_merge_props__disjoint_bodies(void)
{
    run_disjoint("disjoint_bodies", 3, false);
}

void test_merge_props__disjoint_mixed(void)
{
    run_disjoint("disjoint_mixed", 4, true);
}

void test_merge_props__declarations(void)
{
    struct prop p = {.name = "declarations"};
    uint64_t s0;
    int n = seeds(5, 300, &s0);
    int clean = 0;
    for (int i = 0; i < n; i++) {
        struct triple t;
        gen_random_triple(&t, s0 + (uint64_t)i);
        p.ran++;
        set_current(&p, &t);
        dk_merge_result *r = merge3(t.path, t.b, t.bl, t.x, t.xl, t.y, t.yl);
        if (r->clean) {
            clean++;
            if (th_has_marker_lines(r->merged, r->merged_len))
                prop_fail(&p, &t, r, "clean result with conflict markers");
            const char *bad = check_declarations(&t, r);
            if (bad)
                prop_fail(&p, &t, r, bad);
        } else if (r->nconflicts == 0) {
            prop_fail(&p, &t, r, "conflicted result without conflict records");
        }
        dk_merge_result_free(r);
        triple_free(&t);
    }
    /* the generator must exercise the clean path a fair share of the time */
    th_assert_msg(n < 50 || clean * 5 >= n, "only %d of %d random merges were clean", clean, n);
    prop_finish(&p);
}

void test_merge_props__stability(void)
{
    struct prop p = {.name = "stability"};
    uint64_t s0;
    int n = seeds(6, 250, &s0);
    for (int i = 0; i < n; i++) {
        struct triple t;
        if (i % 2)
            gen_random_triple(&t, s0 + (uint64_t)i);
        else
            gen_disjoint_triple(&t, s0 + (uint64_t)i, true);
        p.ran++;
        set_current(&p, &t);
        dk_merge_result *m = merge3(t.path, t.b, t.bl, t.x, t.xl, t.y, t.yl);
        if (m->clean) {
            dk_merge_result *r = merge3(t.path, t.b, t.bl, t.x, t.xl, m->merged, m->merged_len);
            if (!r->clean || !same_bytes(r, m->merged, m->merged_len))
                prop_fail(&p, &t, r, "merge(B, X, M) != M for clean M = merge(B,X,Y)");
            dk_merge_result_free(r);
            r = merge3(t.path, t.b, t.bl, m->merged, m->merged_len, t.y, t.yl);
            if (!r->clean || !same_bytes(r, m->merged, m->merged_len))
                prop_fail(&p, &t, r, "merge(B, M, Y) != M for clean M = merge(B,X,Y)");
            dk_merge_result_free(r);
        }
        dk_merge_result_free(m);
        triple_free(&t);
    }
    prop_finish(&p);
}

/* FNV-1a over bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* One line per seed: a digest of everything a result says (bytes, clean, method, conflicts). */
static void digest_result(dk_str *out, uint64_t seed, const dk_merge_result *r)
{
    uint64_t h = fnv(0xcbf29ce484222325ull, r->merged, r->merged_len);
    unsigned flags[2] = {r->clean, (unsigned)r->method};
    h = fnv(h, flags, sizeof(flags));
    for (size_t i = 0; i < r->nconflicts; i++) {
        const dk_merge_conflict *c = &r->conflicts[i];
        h = fnv(h, c->qualified_name, strlen(c->qualified_name) + 1);
        h = fnv(h, c->description, strlen(c->description) + 1);
        unsigned v[10] = {(unsigned)c->kind, (unsigned)c->symbol_kind,
                          c->result.start,   c->result.end,
                          c->base.start,     c->base.end,
                          c->ours.start,     c->ours.end,
                          c->theirs.start,   c->theirs.end};
        h = fnv(h, v, sizeof(v));
    }
    dk_str_addf(out, "%llu %016llx %zu\n", (unsigned long long)seed, (unsigned long long)h,
                r->nconflicts);
}

/*
 * Digests of merge(B,X,Y) for the determinism seeds. `noise` > 0 first makes
 * that many allocations of varied sizes and keeps every other one, so the
 * merge's own allocations land at other addresses than in a quiet heap.
 */
static void determinism_digests(dk_str *out, struct prop *p, int noise)
{
    void **junk = calloc((size_t)noise + 1, sizeof(*junk));
    for (int i = 0; i < noise; i++)
        junk[i] = malloc((size_t)(16 + (i * 7919) % 4000));
    for (int i = 0; i < noise; i += 2) {
        free(junk[i]);
        junk[i] = NULL;
    }
    uint64_t s0;
    int n = seeds(7, 150, &s0);
    for (int i = 0; i < n; i++) {
        struct triple t;
        gen_random_triple(&t, s0 + (uint64_t)i);
        if (p)
            p->ran++;
        dk_merge_result *a = merge3(t.path, t.b, t.bl, t.x, t.xl, t.y, t.yl);
        digest_result(out, t.seed, a);
        if (p) {
            /* conflicts sit inside the output */
            uint32_t lines = 1;
            for (size_t k = 0; k < a->merged_len; k++)
                lines += a->merged[k] == '\n';
            for (size_t k = 0; k < a->nconflicts; k++) {
                const dk_line_range *rr = &a->conflicts[k].result;
                if (rr->start < 1 || rr->start > rr->end || rr->end > lines)
                    prop_fail(p, &t, a, "conflict result range outside the output");
            }
        }
        dk_merge_result_free(a);
        triple_free(&t);
    }
    for (int i = 0; i < noise; i++)
        free(junk[i]);
    free(junk);
}

/*
 * Determinism across processes: the same merges in this process and in a
 * fresh one (another exec: other addresses under ASLR, and a heap shuffled
 * by allocation noise) give identical results, so nothing depends on
 * pointer values, hash order of addresses or uninitialised memory.
 * The child is this binary run on this test with DK_PROPS_DIGEST_OUT set.
 */
void test_merge_props__determinism(void)
{
    const char *child_out = getenv("DK_PROPS_DIGEST_OUT");
    if (child_out) {
        dk_str d = DK_STR_INIT;
        determinism_digests(&d, NULL, 3001);
        th_write_file(child_out, d.ptr, d.len);
        dk_str_release(&d);
        return;
    }
    struct prop p = {.name = "determinism"};
    dk_str here = DK_STR_INIT, again = DK_STR_INIT;
    determinism_digests(&here, &p, 0);
    determinism_digests(&again, NULL, 501);
    th_assert_msg(here.len == again.len && memcmp(here.ptr, again.ptr, here.len) == 0,
                  "two runs in one process differ");
    char self[4096], path[4200];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    th_assert(n > 0);
    self[n] = '\0';
    snprintf(path, sizeof(path), "%s/digests.txt", th_tmpdir());
    int rc = th_system("DK_PROPS_DIGEST_OUT='%s' '%s' -s merge_props::determinism >/dev/null 2>&1",
                       path, self);
    th_assert_msg(rc == 0, "the child process exited %d", rc);
    size_t len;
    char *there = th_read_file(path, &len);
    /* report the first seed whose result differs */
    const char *a = here.ptr, *b = there;
    while (*a && *b) {
        const char *ae = strchr(a, '\n'), *be = strchr(b, '\n');
        if (!ae || !be || ae - a != be - b || memcmp(a, b, (size_t)(ae - a)) != 0) {
            p.failures++;
            fprintf(stderr, "[merge_props] determinism: this process %.*s, a fresh one %.*s\n",
                    (int)(ae ? ae - a : 40), a, (int)(be ? be - b : 40), b);
            break;
        }
        a = ae + 1;
        b = be + 1;
    }
    th_assert_msg(p.failures == 0 && len == here.len,
                  "merge results differ between two processes (%zu vs %zu bytes of digests)",
                  here.len, len);
    th_assert_msg(p.ran >= 100 || getenv("DK_PROPS_SEED"), "determinism: only %d merges", p.ran);
    free(there);
    dk_str_release(&here);
    dk_str_release(&again);
    prop_finish(&p);
}
