/*
 * lang/lang.c - the generic extractor: tree-sitter tree -> dk_analysis.
 *
 * One parse, then two passes over the tree:
 *
 *  1. Declarations. walk_level() visits the named children of a level with a
 *     tree cursor. Each child is either a comment/attribute (it may start the
 *     leading block of the next declaration), a declaration (the language's
 *     classify() says so: recorded, and its members walked one level down
 *     when it is a container), a transparent wrapper (walked as the same
 *     level), or anything else (ends any leading block, not entered).
 *     Function bodies are never entered: locals are not symbols.
 *  2. Everything else, in one iterative depth-first pass over all nodes:
 *     import statements (handed to the language), call sites (matched with
 *     the language's call rules, attributed to the innermost enclosing
 *     symbol), and the top-most ERROR / MISSING nodes as error ranges.
 *
 * Leading block rule: comments and attributes directly above a declaration
 * belong to it when no blank line separates them from it or from each
 * other, and the first of them does not share its line with the end of the
 * preceding code (that is a trailing comment of the code before). A
 * one-line trailing comment after a declaration's end belongs to it.
 *
 * Macro lines (C, C++): before parsing, a line holding only an upper-case
 * macro invocation (`FMT_BEGIN_NAMESPACE`, `Q_DECLARE_METATYPE(T)`) after a
 * line that ends an item is turned into spaces in a copy of the text, so
 * tree-sitter does not read it as the start of a declaration and swallow
 * what follows into one error; offsets are unchanged, names are read from
 * the real text, and such a line directly above a declaration is part of
 * its span (`FMT_EXPORT` over a template). Hidden the same way: an
 * `extern "C++" {` alone in an `#if` block with the `}` alone in a later
 * one that closes it, and block comments on continued `#define` lines.
 *
 * Cost: tree-sitter's cursor steps and field lookups are most of the walk;
 * what is ours is kept per node type or per field, not per node: a node
 * type's entries in the language's tables (comment, import, call rule, ...)
 * are looked up once per analysis (type_info), a field's id once per thread
 * (dk_lang_field_id), and a span's end line is searched from its start line.
 *
 * Ownership: every string and array of a result lives in the result's own
 * arena; the dk_analysis header is the first allocation of that arena, so
 * one dk_arena_release frees all. Results are immutable and refcounted.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk/log.h"

#include "lang/lang_int.h"
#include "util/alloc.h"
#include "util/diff.h"
#include "util/lines.h"
#include "util/map.h"
#include "util/str.h"
#include "util/vec.h"

#include "util/banned.h"

/*
 * Parser work budget per file, counted in tree-sitter progress callbacks (one
 * per ~100 parse actions), not in time: the same input is accepted or
 * refused on any machine under any load. Real code takes about 7 to 10
 * callbacks per KiB (a 3.8 MB grammar parser.c: 26,841); the default allows
 * LANG_PARSE_BUDGET_BASE plus LANG_PARSE_BUDGET_PER_KB per KiB, 100 times
 * that, which only stops pathological inputs. dk_lang_opts.work_budget
 * overrides it.
 */
#define LANG_PARSE_BUDGET_BASE   100000ull
#define LANG_PARSE_BUDGET_PER_KB 1024ull
/* Longest signature kept (bytes); longer heads are cut at a character boundary. */
#define LANG_SIGNATURE_MAX 400
/* Deepest nesting of containers walked; deeper members are not extracted. */
#define LANG_MAX_DEPTH 64
/* Entries of the node-type memo of one analysis (type_info); a power of two. */
#define LANG_TYPE_MEMO 128

struct analysis_box {
    /* must stay first: a dk_analysis * is a struct analysis_box * */
    dk_analysis pub;
    atomic_int refs;
    dk_arena arena;
    /* the syntax tree, kept with DK_LANG_KEEP_TREE for incremental re-parsing;
     * read-only once published (ts_tree_copy is thread-safe) */
    TSTree *tree;
    const dk_language *lang;
    /* with the tree, for the next analysis that starts from it: the text as the
     * parser read it when masking hid lines (NULL: the source itself), and the
     * line index of the source (masking keeps every newline) */
    char *ptext;
    struct dk_line_index lines;
};

/* What the language's tables say of a node type (type_info). */
enum lang_type_flags {
    LANG_TYPE_COMMENT = 1u << 0,     /* in comment_types */
    LANG_TYPE_ATTRIBUTE = 1u << 1,   /* in attribute_types */
    LANG_TYPE_TRANSPARENT = 1u << 2, /* in transparent_types */
    LANG_TYPE_IMPORT = 1u << 3,      /* in import_types */
    LANG_TYPE_MEMBER = 1u << 4,      /* in member_types */
};

struct type_memo {
    /* the node type as ts_node_type returns it (the grammar's own string), or NULL */
    const char *type;
    /* lang_type_flags */
    uint16_t flags;
    /* 1 + the index of the first call rule of this type; 0: none */
    uint16_t call_rule;
};

struct lang_ctx {
    const dk_language *def;
    /* dk_lang_flags of this analysis */
    unsigned flags;
    const char *src;
    size_t len;
    dk_arena *arena;
    dk_vec(dk_symbol) syms;
    dk_vec(dk_import) imports;
    dk_vec(dk_call) calls;
    dk_vec(dk_span) errors;
    /* line start offsets, for byte -> line */
    struct dk_line_index lines;
    /* lines hidden from the parser (macro_lines), start and end (after the newline) pairs */
    const uint32_t *masked;
    size_t nmasked;
    /*
     * Node types seen, by the address of their name: ts_node_type returns
     * the grammar's static string for a symbol, so the address stands for
     * the text, and the walk compares each type with the tables once
     * instead of at every node. Direct-mapped; a collision computes again.
     */
    struct type_memo types[LANG_TYPE_MEMO];
};

/* ------------------------------------------------------------------------ */
/* Helpers exported to language files                                       */
/* ------------------------------------------------------------------------ */

/*
 * Field ids by name: ts_language_field_id_for_name compares the name with
 * the grammar's field names one by one (about 500 instructions for Python's
 * "body"), and the hooks ask for a field at nearly every declaration. The
 * names asked for are string constants, so (grammar, address) keys a small
 * direct-mapped memo of the answer, one per thread (no locking; a
 * collision only costs the lookup again). An id found is checked against
 * the grammar's name for it, so only the "no such field" answer relies on
 * the constant-string contract.
 */
#define LANG_FIELD_MEMO 64

struct field_memo {
    const TSLanguage *grammar;
    const char *field;
    TSFieldId id;
};

static _Thread_local struct field_memo field_memo[LANG_FIELD_MEMO];

TSFieldId dk_lang_field_id(const TSLanguage *grammar, const char *field)
{
    uintptr_t h = ((uintptr_t)field >> 3) ^ ((uintptr_t)grammar >> 4);
    struct field_memo *m = &field_memo[(h ^ (h >> 7)) % LANG_FIELD_MEMO];
    if (m->grammar == grammar && m->field == field &&
        (m->id == 0 || strcmp(ts_language_field_name_for_id(grammar, m->id), field) == 0))
        return m->id;
    m->grammar = grammar;
    m->field = field;
    m->id = ts_language_field_id_for_name(grammar, field, (uint32_t)strlen(field));
    return m->id;
}

bool dk_lang_is_any(TSNode n, const char *const *types)
{
    if (!types || ts_node_is_null(n))
        return false;
    const char *t = ts_node_type(n);
    for (; *types; types++) {
        if (strcmp(t, *types) == 0)
            return true;
    }
    return false;
}

TSNode dk_lang_child_of_type(TSNode n, const char *type)
{
    if (ts_node_is_null(n))
        return n;
    uint32_t c = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < c; i++) {
        TSNode ch = ts_node_named_child(n, i);
        if (strcmp(ts_node_type(ch), type) == 0)
            return ch;
    }
    return (TSNode){0};
}

TSNode dk_lang_any_child_of_type(TSNode n, const char *type)
{
    if (ts_node_is_null(n))
        return n;
    uint32_t c = ts_node_child_count(n);
    for (uint32_t i = 0; i < c; i++) {
        TSNode ch = ts_node_child(n, i);
        if (strcmp(ts_node_type(ch), type) == 0)
            return ch;
    }
    return (TSNode){0};
}

bool dk_lang_text_eq(struct lang_ctx *cx, TSNode n, const char *text)
{
    if (ts_node_is_null(n))
        return false;
    uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
    size_t tl = strlen(text);
    return e - s == tl && memcmp(cx->src + s, text, tl) == 0;
}

bool dk_lang_has_child_text(struct lang_ctx *cx, TSNode n, const char *text)
{
    if (ts_node_is_null(n))
        return false;
    uint32_t c = ts_node_child_count(n);
    for (uint32_t i = 0; i < c; i++) {
        if (dk_lang_text_eq(cx, ts_node_child(n, i), text))
            return true;
    }
    return false;
}

const char *dk_lang_text_range(struct lang_ctx *cx, uint32_t start, uint32_t end)
{
    if (end > cx->len)
        end = (uint32_t)cx->len;
    if (start > end)
        start = end;
    return dk_arena_strndup(cx->arena, cx->src + start, end - start);
}

const char *dk_lang_text(struct lang_ctx *cx, TSNode n)
{
    if (ts_node_is_null(n))
        return "";
    return dk_lang_text_range(cx, ts_node_start_byte(n), ts_node_end_byte(n));
}

const char *dk_lang_strdup(struct lang_ctx *cx, const char *s, size_t len)
{
    return dk_arena_strndup(cx->arena, s, len);
}

const char *dk_lang_sprintf(struct lang_ctx *cx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dk_str s = DK_STR_INIT;
    dk_str_vaddf(&s, fmt, ap);
    va_end(ap);
    const char *out = dk_arena_strndup(cx->arena, s.ptr, s.len);
    dk_str_release(&s);
    return out;
}

const char *dk_lang_unquote(struct lang_ctx *cx, const char *s)
{
    size_t n = strlen(s);
    if (n >= 2) {
        char a = s[0], b = s[n - 1];
        if ((a == '"' && b == '"') || (a == '\'' && b == '\'') || (a == '`' && b == '`') ||
            (a == '<' && b == '>'))
            return dk_arena_strndup(cx->arena, s + 1, n - 2);
    }
    return s;
}

bool dk_lang_name_is_upper(const char *s)
{
    bool letter = false;
    for (; *s; s++) {
        if (*s >= 'a' && *s <= 'z')
            return false;
        if (*s >= 'A' && *s <= 'Z')
            letter = true;
    }
    return letter;
}

const char *dk_lang_source(struct lang_ctx *cx, size_t *len)
{
    if (len)
        *len = cx->len;
    return cx->src;
}

static bool type_in(const char *t, const char *const *types)
{
    for (; types && *types; types++) {
        if (strcmp(t, *types) == 0)
            return true;
    }
    return false;
}

/* The memo entry of n's type (lang_ctx.types): the same answers as dk_lang_is_any on the
 * language's tables and as a search of its call rules, computed once per type. */
static const struct type_memo *type_info(struct lang_ctx *cx, TSNode n)
{
    const char *t = ts_node_type(n);
    uintptr_t h = (uintptr_t)t >> 3;
    struct type_memo *m = &cx->types[(h ^ (h >> 7)) & (LANG_TYPE_MEMO - 1)];
    if (m->type == t && t)
        return m;
    const dk_language *def = cx->def;
    m->type = t;
    m->flags = 0;
    m->call_rule = 0;
    if (!t)
        return m;
    if (type_in(t, def->comment_types))
        m->flags |= LANG_TYPE_COMMENT;
    if (type_in(t, def->attribute_types))
        m->flags |= LANG_TYPE_ATTRIBUTE;
    if (type_in(t, def->transparent_types))
        m->flags |= LANG_TYPE_TRANSPARENT;
    if (type_in(t, def->import_types))
        m->flags |= LANG_TYPE_IMPORT;
    if (type_in(t, def->member_types))
        m->flags |= LANG_TYPE_MEMBER;
    for (const struct lang_call_rule *r = def->calls; r && r->type; r++) {
        if (strcmp(r->type, t) == 0) {
            m->call_rule = (uint16_t)(r - def->calls + 1);
            break;
        }
    }
    return m;
}

static uint32_t line_of(const struct lang_ctx *cx, uint32_t byte)
{
    return dk_line_index_line(&cx->lines, byte);
}

/*
 * line_of(byte), found from `line` (1-based) on when byte is at or after
 * that line's start: steps of 1, 2, 4, ... lines forward, then a binary
 * search in the last step; a span's end is a few lines after its start,
 * where a search of the whole index costs about 17 probes at 100,000 lines.
 */
static uint32_t line_from(const struct lang_ctx *cx, uint32_t line, uint32_t byte)
{
    const uint32_t *st = cx->lines.starts;
    size_t n = cx->lines.n, lo = line - 1;
    if (line == 0 || lo >= n || st[lo] > byte)
        return line_of(cx, byte);
    /* st[lo] <= byte; hi is n or a line starting after byte */
    size_t step = 1, hi = lo + 1;
    while (hi < n && st[hi] <= byte) {
        lo = hi;
        step *= 2;
        hi = lo + step < n ? lo + step : n;
    }
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (st[mid] <= byte)
            lo = mid;
        else
            hi = mid;
    }
    return (uint32_t)lo + 1;
}

static dk_span span_of(const struct lang_ctx *cx, uint32_t start, uint32_t end)
{
    dk_span s = {start, end, line_of(cx, start), 0};
    /* the last byte's line: an end just after a newline stays on that line */
    s.end_line = end > start ? line_from(cx, s.start_line, end - 1) : s.start_line;
    return s;
}

static dk_span node_span(const struct lang_ctx *cx, TSNode n)
{
    return span_of(cx, ts_node_start_byte(n), ts_node_end_byte(n));
}

void dk_lang_add_import(struct lang_ctx *cx, TSNode at, const char *module, const char *name,
                        const char *alias, bool is_external)
{
    if (!module || !*module)
        return;
    dk_import *im = dk_vec_push_zero(&cx->imports);
    im->module = module;
    im->name = name && *name ? name : NULL;
    im->alias = alias && *alias ? alias : NULL;
    im->is_external = is_external;
    im->span = node_span(cx, at);
}

/* ------------------------------------------------------------------------ */
/* Pass 1: declarations                                                     */
/* ------------------------------------------------------------------------ */

static bool is_blank_between(const struct lang_ctx *cx, uint32_t from, uint32_t to)
{
    /* a blank line: two newlines with only spaces/tabs/CR between them */
    int newlines = 0;
    for (uint32_t i = from; i < to && i < cx->len; i++) {
        char c = cx->src[i];
        if (c == '\n') {
            if (++newlines >= 2)
                return true;
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') {
            newlines = 0;
        }
    }
    return false;
}

static bool same_line(const struct lang_ctx *cx, uint32_t a, uint32_t b)
{
    for (uint32_t i = a; i < b && i < cx->len; i++) {
        if (cx->src[i] == '\n')
            return false;
    }
    return true;
}

/*
 * Collapse whitespace runs to one space and trim; cut at LANG_SIGNATURE_MAX
 * (at a character boundary, so up to 3 bytes of a character begun before the
 * cut, and a space before it, can follow: the buffer has room for them).
 */
static const char *make_signature(struct lang_ctx *cx, uint32_t start, uint32_t end)
{
    char buf[LANG_SIGNATURE_MAX + 8];
    size_t n = 0;
    bool space = false;
    if (end > cx->len)
        end = (uint32_t)cx->len;
    for (uint32_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)cx->src[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            space = n > 0;
            continue;
        }
        /* the size tests only stop input no valid UTF-8 is (continuation bytes in a run) */
        if (space) {
            if (n + 1 >= sizeof(buf))
                break;
            buf[n++] = ' ';
            space = false;
        }
        if (n >= LANG_SIGNATURE_MAX && ((c & 0xc0) != 0x80 || n + 1 >= sizeof(buf)))
            break;
        buf[n++] = (char)c;
    }
    return dk_arena_strndup(cx->arena, buf, n);
}

static bool kind_is_type_container(int kind)
{
    return kind == DK_SYM_CLASS || kind == DK_SYM_STRUCT || kind == DK_SYM_UNION ||
           kind == DK_SYM_ENUM || kind == DK_SYM_INTERFACE || kind == DK_SYM_TRAIT ||
           kind == DK_SYM_IMPL;
}

static void walk_level(struct lang_ctx *cx, TSNode level, int32_t parent, int depth, uint32_t head);

/*
 * A declaration starting at `start` also takes the hidden macro lines right
 * above it (`FMT_EXPORT` over a template): they qualify it, like attributes,
 * and go where it goes. Never above its parent's start.
 */
static uint32_t with_macro_lines(const struct lang_ctx *cx, uint32_t start, int32_t parent)
{
    uint32_t floor = parent >= 0 ? cx->syms.items[parent].decl.start_byte : 0;
    for (;;) {
        uint32_t ls = start;
        while (ls > 0 && (cx->src[ls - 1] == ' ' || cx->src[ls - 1] == '\t'))
            ls--;
        if (ls > 0 && cx->src[ls - 1] != '\n')
            return start;
        /* the hidden line ending at ls, if any (pairs are sorted) */
        size_t lo = 0, hi = cx->nmasked;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cx->masked[2 * mid + 1] < ls)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == cx->nmasked || cx->masked[2 * lo + 1] != ls || cx->masked[2 * lo] < floor)
            return start;
        start = cx->masked[2 * lo];
    }
}

/*
 * "<parent's qualified name>.<qualifier>.<name><suffix>" (the parts there
 * are) in the arena; a top-level name without qualifier or suffix is
 * its own qualified name (the same arena string).
 */
static const char *qualified_name(struct lang_ctx *cx, int32_t parent, const struct lang_decl *d,
                                  const char *name)
{
    const char *pq = parent >= 0 ? cx->syms.items[parent].qualified_name : NULL;
    const char *qual = d->qualifier && *d->qualifier ? d->qualifier : NULL;
    if (!pq && !qual && !d->suffix)
        return name;
    size_t lp = pq ? strlen(pq) + 1 : 0, lq = qual ? strlen(qual) + 1 : 0;
    size_t ln = strlen(name), ls = d->suffix ? strlen(d->suffix) : 0;
    char *q = dk_arena_alloc(cx->arena, lp + lq + ln + ls + 1), *w = q;
    if (pq) {
        memcpy(w, pq, lp - 1);
        w[lp - 1] = '.';
        w += lp;
    }
    if (qual) {
        memcpy(w, qual, lq - 1);
        w[lq - 1] = '.';
        w += lq;
    }
    memcpy(w, name, ln);
    w += ln;
    if (ls)
        memcpy(w, d->suffix, ls);
    w[ls] = '\0';
    return q;
}

static void record_decl(struct lang_ctx *cx, TSNode node, struct lang_decl *d, int32_t parent,
                        uint32_t lead_start, int depth)
{
    TSNode decl = ts_node_is_null(d->node) ? node : d->node;
    const char *name = d->name;
    if (!name)
        name = ts_node_is_null(d->name_node) ? "" : dk_lang_text(cx, d->name_node);
    if (!*name)
        return; /* nameless: not a symbol (its text stays with the surrounding code) */

    dk_symbol_kind kind = d->kind;
    if (kind == DK_SYM_FUNCTION && parent >= 0 &&
        kind_is_type_container((int)cx->syms.items[parent].kind))
        kind = DK_SYM_METHOD;

    const char *qualified = qualified_name(cx, parent, d, name);

    uint32_t ds = ts_node_start_byte(decl), de = ts_node_end_byte(decl);
    if (!ts_node_is_null(d->last) && ts_node_end_byte(d->last) > de)
        de = ts_node_end_byte(d->last);
    lead_start = with_macro_lines(cx, lead_start < ds ? lead_start : ds, parent);
    dk_symbol *sym = dk_vec_push_zero(&cx->syms);
    sym->kind = kind;
    sym->visibility = d->visibility;
    sym->name = name;
    sym->qualified_name = qualified;
    sym->parent = parent;
    sym->decl = span_of(cx, ds, de);
    sym->span = lead_start < ds ? span_of(cx, lead_start, de) : sym->decl;
    if (!ts_node_is_null(d->body)) {
        sym->has_body = true;
        uint32_t bs = ts_node_start_byte(d->body), be = ts_node_end_byte(d->body);
        dk_span b = {bs, be, line_from(cx, sym->decl.start_line, bs), 0};
        b.end_line = be > bs ? line_from(cx, b.start_line, be - 1) : b.start_line;
        sym->body = b;
        sym->signature = make_signature(cx, ds, ts_node_start_byte(d->body));
    } else {
        /* no body: the head stops at a brace (typedef struct {...}, enum {...}) */
        const char *brace = memchr(cx->src + ds, '{', de - ds);
        sym->signature = make_signature(cx, ds, brace ? (uint32_t)(brace - cx->src) : de);
    }

    if (d->container && depth < LANG_MAX_DEPTH) {
        TSNode members = ts_node_is_null(d->members) ? d->body : d->members;
        if (!ts_node_is_null(members))
            walk_level(cx, members, (int32_t)(cx->syms.len - 1), depth + 1, UINT32_MAX);
    }
}

/*
 * `head`: where the first declaration of this level starts instead of at its node, or
 * UINT32_MAX: the keyword of a list the language names in keyword_lists (`var` of `var a =
 * 1,\n  b = 2;`) belongs to its first declarator, so a line of the list is a whole line of one
 * declaration.
 */
static void walk_level(struct lang_ctx *cx, TSNode level, int32_t parent, int depth, uint32_t head)
{
    const dk_language *def = cx->def;
    int parent_kind = parent >= 0 ? (int)cx->syms.items[parent].kind : -1;
    TSTreeCursor cur = ts_tree_cursor_new(level);
    if (!ts_tree_cursor_goto_first_child(&cur)) {
        ts_tree_cursor_delete(&cur);
        return;
    }
    /* the leading block being collected: [lead_start, lead_end), or none */
    bool have_lead = false;
    uint32_t lead_start = 0, lead_end = 0;
    /* end of the last code (non-comment) sibling, for the trailing-comment rule */
    uint32_t prev_code_end = ts_node_start_byte(level);
    bool have_prev_code = false;
    /* the symbol that sibling declared, or -1 (a trailing comment extends its span) */
    int32_t prev_sym = -1;
    do {
        TSNode n = ts_tree_cursor_current_node(&cur);
        if (!ts_node_is_named(n))
            continue;
        uint32_t ns = ts_node_start_byte(n), ne = ts_node_end_byte(n);
        unsigned tflags = type_info(cx, n)->flags;
        if (tflags & (LANG_TYPE_COMMENT | LANG_TYPE_ATTRIBUTE)) {
            bool trailing =
                have_prev_code && same_line(cx, prev_code_end, ns) && (tflags & LANG_TYPE_COMMENT);
            if (trailing) {
                have_lead = false;
            } else if (have_lead && !is_blank_between(cx, lead_end, ns)) {
                lead_end = ne;
            } else {
                have_lead = true;
                lead_start = ns;
                lead_end = ne;
            }
            if (trailing) {
                prev_code_end = ne;
                /*
                 * A one-line comment that ends the declaration's last line (`int x;
                 * // count`, a fold marker after a function's `}`) belongs to it: a
                 * merge moves whole lines, and the comment must go where it goes.
                 */
                if (prev_sym >= 0 && same_line(cx, ns, ne)) {
                    dk_symbol *ps = &cx->syms.items[prev_sym];
                    ps->span = span_of(cx, ps->span.start_byte, ne);
                    ps->decl = span_of(cx, ps->decl.start_byte, ne);
                }
            }
            continue;
        }
        uint32_t start = ns;
        if (have_lead && !is_blank_between(cx, lead_end, ns))
            start = lead_start;
        have_lead = false;
        uint32_t first_head = head < start ? head : UINT32_MAX;
        head = UINT32_MAX;
        if (first_head != UINT32_MAX)
            start = first_head;
        struct lang_decl d;
        memset(&d, 0, sizeof(d));
        prev_sym = -1;
        if (def->classify && def->classify(cx, n, parent_kind, &d)) {
            size_t nsyms = cx->syms.len;
            record_decl(cx, n, &d, parent, start, depth);
            if (cx->syms.len > nsyms)
                prev_sym = (int32_t)nsyms;
            if (!ts_node_is_null(d.last)) {
                /* the siblings through `last` belong to this declaration */
                uint32_t last_end = ts_node_end_byte(d.last);
                while (ts_node_end_byte(ts_tree_cursor_current_node(&cur)) < last_end &&
                       ts_tree_cursor_goto_next_sibling(&cur))
                    ;
                ne = ts_node_end_byte(ts_tree_cursor_current_node(&cur));
            }
        } else if ((tflags & LANG_TYPE_TRANSPARENT) && depth < LANG_MAX_DEPTH) {
            bool keyword = def->keyword_lists && dk_lang_is_any(n, def->keyword_lists);
            walk_level(cx, n, parent, depth + 1,
                       !keyword                   ? UINT32_MAX
                       : first_head != UINT32_MAX ? first_head
                                                  : start);
        }
        have_prev_code = true;
        prev_code_end = ne;
        /*
         * Some nodes (C preprocessor lines) end after their newline; the
         * trailing-comment rule must look at the line they end on.
         */
        while (prev_code_end > ns &&
               (cx->src[prev_code_end - 1] == '\n' || cx->src[prev_code_end - 1] == '\r'))
            prev_code_end--;
    } while (ts_tree_cursor_goto_next_sibling(&cur));
    ts_tree_cursor_delete(&cur);
}

/* ------------------------------------------------------------------------ */
/* Pass 2: imports, calls, errors                                           */
/* ------------------------------------------------------------------------ */

/* Innermost symbol whose declaration contains byte `pos`, or -1. */
static int32_t enclosing_symbol(const struct lang_ctx *cx, uint32_t pos)
{
    /* symbols are in pre-order, so starts are non-decreasing along the vector */
    size_t lo = 0, hi = cx->syms.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cx->syms.items[mid].decl.start_byte <= pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    /*
     * Spans nest, so any symbol containing pos that starts at or before the
     * last symbol starting at or before pos is that symbol or an ancestor.
     */
    for (int32_t i = (int32_t)lo - 1; i >= 0; i = cx->syms.items[i].parent) {
        const dk_symbol *s = &cx->syms.items[i];
        if (s->decl.start_byte <= pos && pos < s->decl.end_byte)
            return i;
    }
    return -1;
}

static void record_call(struct lang_ctx *cx, TSNode n, const struct lang_call_rule *rule)
{
    TSNode callee =
        rule->callee_field ? lang_field(n, rule->callee_field) : ts_node_named_child(n, 0);
    if (ts_node_is_null(callee))
        return;
    if (cx->def->is_call && !cx->def->is_call(cx, n, callee))
        return;
    uint32_t start = ts_node_start_byte(callee), end = ts_node_end_byte(callee);
    bool is_method = (type_info(cx, callee)->flags & LANG_TYPE_MEMBER) != 0;
    if (rule->receiver_field) {
        TSNode recv = lang_field(n, rule->receiver_field);
        if (!ts_node_is_null(recv)) {
            is_method = true;
            if (ts_node_start_byte(recv) < start)
                start = ts_node_start_byte(recv);
        }
    }
    if (end <= start)
        return;
    dk_call *c = dk_vec_push_zero(&cx->calls);
    c->callee = make_signature(cx, start, end);
    c->is_method = is_method;
    c->span = node_span(cx, n);
    c->enclosing = enclosing_symbol(cx, ts_node_start_byte(n));
}

/* The language's first call rule for n's type, or NULL. */
static const struct lang_call_rule *call_rule_for(const struct lang_ctx *cx,
                                                  const struct type_memo *ti)
{
    return ti->call_rule ? &cx->def->calls[ti->call_rule - 1] : NULL;
}

static void scan_tree(struct lang_ctx *cx, TSNode root)
{
    TSTreeCursor cur = ts_tree_cursor_new(root);
    bool outline = (cx->flags & DK_LANG_OUTLINE) != 0;
    /*
     * The cursor's depth in visible nodes, kept here: each goto_first_child
     * is one level down and each goto_parent one up, while
     * ts_tree_cursor_current_depth walks the cursor's whole stack, hidden
     * repetition nodes included (about 500 instructions a node at the top
     * level of a file of 20,000 functions, 5% of a merge).
     */
    uint32_t depth = 0;
    /* the statement part last seen at depth 2 is a call: its own parts are looked at too */
    bool call_parts = false;
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&cur);
        const struct type_memo ti = *type_info(cx, n);
        /*
         * Outline: no calls, imports only near the top (depth <= 2: statements
         * and their direct parts; and the arguments of a call that is a
         * statement's direct part, so that JavaScript's `require('x');` is an
         * import statement as `import 'x';` is), and only subtrees with errors
         * below that.
         */
        if (outline && depth == 2)
            call_parts = call_rule_for(cx, &ti) != NULL;
        bool descend = !outline || depth < 2 || (call_parts && depth <= 3) || ts_node_has_error(n);
        if (ts_node_is_error(n) || (ts_node_is_missing(n) &&
                                    !(cx->def->benign_missing && cx->def->benign_missing(cx, n)))) {
            dk_vec_push(&cx->errors, node_span(cx, n));
            /* calls inside a broken region are still calls, but imports there are not */
        } else if ((ti.flags & LANG_TYPE_IMPORT) && cx->def->import) {
            cx->def->import(cx, n);
            descend = false;
        } else if (!outline && ts_node_is_named(n)) {
            const struct lang_call_rule *rule = call_rule_for(cx, &ti);
            if (rule)
                record_call(cx, n, rule);
        }
        if (descend && ts_tree_cursor_goto_first_child(&cur)) {
            depth++;
            continue;
        }
        while (!ts_tree_cursor_goto_next_sibling(&cur)) {
            if (!ts_tree_cursor_goto_parent(&cur)) {
                ts_tree_cursor_delete(&cur);
                return;
            }
            depth--;
        }
    }
}

/* Collapse nested error ranges into the top-most ones (scan order is pre-order). */
static void merge_errors(struct lang_ctx *cx)
{
    size_t w = 0;
    for (size_t i = 0; i < cx->errors.len; i++) {
        dk_span e = cx->errors.items[i];
        if (w > 0 && e.start_byte >= cx->errors.items[w - 1].start_byte &&
            e.end_byte <= cx->errors.items[w - 1].end_byte &&
            cx->errors.items[w - 1].end_byte > cx->errors.items[w - 1].start_byte)
            continue;
        cx->errors.items[w++] = e;
    }
    cx->errors.len = w;
}

/* ------------------------------------------------------------------------ */
/* Identity: occurrence indexes and local ids                               */
/* ------------------------------------------------------------------------ */

static void assign_ids(struct lang_ctx *cx)
{
    /* pooled: the keys live as long as this map, and none is deleted */
    dk_map seen = DK_MAP_INIT_STR_POOLED;
    dk_str key = DK_STR_INIT;
    for (size_t i = 0; i < cx->syms.len; i++) {
        dk_symbol *s = &cx->syms.items[i];
        dk_str_clear(&key);
        dk_str_adds(&key, s->qualified_name);
        dk_str_adds(&key, "::");
        dk_str_adds(&key, dk_symbol_kind_name(s->kind));
        bool added;
        void **slot = dk_map_slot(&seen, key.ptr, key.len, &added);
        uintptr_t count = (uintptr_t)*slot;
        s->occurrence = (uint32_t)count;
        *slot = (void *)(count + 1);
        if (count == 0)
            s->local_id = dk_arena_strndup(cx->arena, key.ptr, key.len);
        else
            s->local_id = dk_arena_sprintf(cx->arena, "%s#%u", key.ptr, (unsigned)count + 1);
    }
    dk_str_release(&key);
    dk_map_release(&seen);
}

/* ------------------------------------------------------------------------ */
/* Entry point                                                              */
/* ------------------------------------------------------------------------ */

struct parse_budget {
    /* progress callbacks so far, and the most allowed */
    uint64_t calls, max;
};

struct parse_input {
    const char *src;
    uint32_t len;
};

/* TSInput reader over one contiguous buffer. */
static const char *parse_read(void *payload, uint32_t byte, TSPoint pos, uint32_t *bytes_read)
{
    (void)pos;
    struct parse_input *in = payload;
    if (byte >= in->len) {
        *bytes_read = 0;
        return "";
    }
    *bytes_read = in->len - byte;
    return in->src + byte;
}

/* Called by tree-sitter every ~100 parse actions: a deterministic measure of work. */
static bool parse_progress(TSParseState *state)
{
    struct parse_budget *b = state->payload;
    return ++b->calls > b->max; /* true cancels */
}

#define COPY_VEC(dst, cnt, vec, T)                                                                 \
    do {                                                                                           \
        T *arr_ = dk_arena_calloc(arena, (vec).len ? (vec).len : 1, sizeof(T));                    \
        if ((vec).len)                                                                             \
            memcpy(arr_, (vec).items, (vec).len * sizeof(T));                                      \
        (dst) = arr_;                                                                              \
        (cnt) = (vec).len;                                                                         \
    } while (0)

static TSPoint point_at(const struct dk_line_index *ix, uint32_t off)
{
    size_t row = dk_line_index_row(ix, off);
    return (TSPoint){(uint32_t)row, off - ix->starts[row]};
}

/* Line i of a text with nl lines starting at ls[], as [*s, *e). */
static void line_span(const uint32_t *ls, size_t nl, size_t len, size_t i, uint32_t *s, uint32_t *e)
{
    *s = ls[i];
    *e = i + 1 < nl ? ls[i + 1] : (uint32_t)len;
}

/* Lines [from, to) of a text (nl lines at ls[]) as interned ids (by bytes, shared by both
 * texts of the line diff) into out[0..to-from). */
static void intern_lines(dk_map *ids, uint32_t *out, const char *src, size_t len,
                         const uint32_t *ls, size_t nl, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        uint32_t s, e;
        line_span(ls, nl, len, i, &s, &e);
        bool added;
        void **id = dk_map_slot(ids, src + s, e - s, &added);
        if (added)
            *id = (void *)(uintptr_t)ids->len;
        out[i - from] = (uint32_t)(uintptr_t)*id;
    }
}

static bool lines_equal(const char *a, size_t alen, const uint32_t *la, size_t na, size_t i,
                        const char *b, size_t blen, const uint32_t *lb, size_t nb, size_t j)
{
    uint32_t as, ae, bs, be;
    line_span(la, na, alen, i, &as, &ae);
    line_span(lb, nb, blen, j, &bs, &be);
    return ae - as == be - bs && memcmp(a + as, b + bs, ae - as) == 0;
}

/*
 * match[] of old's lines against new's, exactly as dk_diff_match computes it
 * on the interned lines (bounded by 2,000 edits), without interning the
 * common prefix and suffix (most of a text in a merge). dk_diff_match
 * matches those first, then searches the middle: while the middle has at
 * most 1,024 lines its small-distance search (util/diff.c SMALL_D) cannot
 * run out of edits, and it gives the same matches when called on the middle
 * alone. A larger middle goes to dk_diff_match whole, as before.
 * DK_OK or DK_ELIMIT.
 */
static int match_lines(size_t *match, const char *old, size_t old_len, const uint32_t *lo,
                       size_t no, const char *src, size_t len, const uint32_t *ln, size_t nn)
{
    size_t pre = 0, suf = 0;
    while (pre < no && pre < nn && lines_equal(old, old_len, lo, no, pre, src, len, ln, nn, pre))
        pre++;
    while (suf < no - pre && suf < nn - pre &&
           lines_equal(old, old_len, lo, no, no - 1 - suf, src, len, ln, nn, nn - 1 - suf))
        suf++;
    size_t mo = no - pre - suf, mn = nn - pre - suf;
    if (mo + mn > 1024) {
        pre = suf = 0;
        mo = no;
        mn = nn;
    }
    uint32_t *ia = dk_xcalloc(mo + 1, sizeof(*ia)), *ib = dk_xcalloc(mn + 1, sizeof(*ib));
    dk_map ids = DK_MAP_INIT_STR;
    intern_lines(&ids, ia, old, old_len, lo, no, pre, pre + mo);
    intern_lines(&ids, ib, src, len, ln, nn, pre, pre + mn);
    dk_map_release(&ids);
    int rc = dk_diff_match(match + pre, ia, mo, ib, mn, 2000);
    free(ia);
    free(ib);
    if (rc != DK_OK || (pre == 0 && suf == 0))
        return rc;
    for (size_t i = 0; i < pre; i++)
        match[i] = i;
    for (size_t i = pre; i < pre + mo; i++)
        match[i] = match[i] == SIZE_MAX ? SIZE_MAX : match[i] + pre;
    for (size_t k = 0; k < suf; k++)
        match[no - suf + k] = nn - suf + k;
    return DK_OK;
}

/*
 * A copy of prev's tree edited into the shape of `src` (whose lines are
 * `lin`) from `old` (whose lines are `old_lines`): a line diff of the two texts gives hunks,
 * applied last to first so that every edit is in the coordinates of the text before it. NULL when
 * the texts differ too much (then a full parse is as cheap).
 */
static TSTree *edited_tree(const struct analysis_box *prev, const char *old, size_t old_len,
                           const struct dk_line_index *old_lines, const char *src, size_t len,
                           const struct dk_line_index *lin)
{
    const struct dk_line_index lio = *old_lines;
    size_t no = lio.n, nn = lin->n;
    const uint32_t *lo = lio.starts, *ln = lin->starts;
    size_t *match = dk_xcalloc(no + 1, sizeof(*match));
    TSTree *tree = NULL;
    if (match_lines(match, old, old_len, lo, no, src, len, ln, nn) == DK_OK) {
        /* hunks, forward: old lines [i0, i1) became new lines [j0, j1) */
        dk_vec(size_t) hunks = DK_VEC_INIT;
        size_t i = 0, j = 0;
        while (i < no || j < nn) {
            if (i < no && match[i] == j) {
                i++;
                j++;
                continue;
            }
            size_t i0 = i, j0 = j;
            while (i < no && match[i] == SIZE_MAX)
                i++;
            size_t j1 = i < no ? match[i] : nn;
            dk_vec_push(&hunks, i0);
            dk_vec_push(&hunks, i);
            dk_vec_push(&hunks, j0);
            dk_vec_push(&hunks, j1);
            j = j1;
        }
        tree = ts_tree_copy(prev->tree);
        /* applied last to first: the text before each hunk is still the old text */
        for (size_t h = hunks.len; h >= 4; h -= 4) {
            size_t i0 = hunks.items[h - 4], i1 = hunks.items[h - 3];
            size_t j0 = hunks.items[h - 2], j1 = hunks.items[h - 1];
            uint32_t os = i0 < no ? lo[i0] : (uint32_t)old_len;
            uint32_t oe = i1 < no ? lo[i1] : (uint32_t)old_len;
            uint32_t ns = j0 < nn ? ln[j0] : (uint32_t)len;
            uint32_t ne = j1 < nn ? ln[j1] : (uint32_t)len;
            TSInputEdit e = {
                .start_byte = os,
                .old_end_byte = oe,
                .new_end_byte = os + (ne - ns),
                .start_point = point_at(&lio, os),
                .old_end_point = point_at(&lio, oe),
            };
            /* the new end: start point advanced over the new hunk's bytes */
            TSPoint p = e.start_point;
            for (uint32_t k = ns; k < ne; k++) {
                if (src[k] == '\n') {
                    p.row++;
                    p.column = 0;
                } else {
                    p.column++;
                }
            }
            e.new_end_point = p;
            ts_tree_edit(tree, &e);
        }
        dk_vec_release(&hunks);
    }
    free(match);
    return tree;
}

/* ------------------------------------------------------------------------ */
/* Item-level macro lines (C, C++)                                          */
/* ------------------------------------------------------------------------ */

typedef dk_vec(uint32_t) u32_vec;

/* [p, e) is blank, a comment that ends there, or a `//` comment. */
static bool rest_is_comment(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    if (p == e)
        return true;
    if (e - p >= 2 && p[0] == '/' && p[1] == '/')
        return e[-1] != '\\';
    if (e - p >= 4 && p[0] == '/' && p[1] == '*') {
        const char *close = NULL;
        for (const char *q = p + 2; q + 1 < e; q++) {
            if (q[0] == '*' && q[1] == '/') {
                close = q + 2;
                break;
            }
        }
        return close && rest_is_comment(close, e);
    }
    return false;
}

/*
 * Line [p, e) (no newline) is a lone macro invocation at column 0:
 * `FMT_BEGIN_NAMESPACE`, `G_DEFINE_TYPE (Foo, foo, G_TYPE_OBJECT)`,
 * `ELISTIZEH(C_OUTLINE_FRAG)`: an upper-case name (with an underscore when
 * no argument list follows), then at most one balanced argument list on
 * the line (string literals in it read as such:
 * `FMT_PRAGMA_CLANG(diagnostic ignored "-Wfoo")`), no `;`, nothing else but
 * a comment.
 */
static bool is_macro_line(const char *p, const char *e)
{
    const char *q = p;
    bool letter = false, underscore = false;
    if (q == e || !(*q == '_' || (*q >= 'A' && *q <= 'Z')))
        return false;
    while (q < e && (*q == '_' || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'))) {
        letter = letter || (*q >= 'A' && *q <= 'Z');
        underscore = underscore || *q == '_';
        q++;
    }
    if (!letter || q - p < 3 || (q < e && ((*q >= 'a' && *q <= 'z'))))
        return false;
    while (q < e && (*q == ' ' || *q == '\t'))
        q++;
    if (!underscore && (q == e || *q != '('))
        return false;
    if (q < e && *q == '(') {
        int depth = 0;
        for (; q < e; q++) {
            if (*q == '"' || *q == '\'') {
                /* a string or character literal: skipped whole, escapes included */
                char quote = *q;
                for (q++; q < e && *q != quote; q++) {
                    if (*q == '\\' && q + 1 < e)
                        q++;
                }
                if (q == e)
                    return false;
                continue;
            }
            if (*q == ';' || *q == '{' || *q == '}')
                return false;
            if (*q == '(')
                depth++;
            else if (*q == ')' && --depth == 0)
                break;
        }
        if (q == e)
            return false;
        q++;
    }
    return rest_is_comment(q, e);
}

/* [p, e) with the blanks around it (and a `\r`) cut off. */
static void trim_line(const char **p, const char **e)
{
    while (*e > *p && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
    while (*p < *e && (**p == ' ' || **p == '\t'))
        (*p)++;
}

/*
 * Line [p, e) (no newline) ends an item or is none, so a macro line after it
 * starts a new one: blank, a preprocessor line, a comment line, or code
 * ending in `;`, `{`, `}` or a closed comment; never a continued line.
 */
static bool ends_item(const char *p, const char *e)
{
    trim_line(&p, &e);
    if (p == e)
        return true;
    if (e[-1] == '\\')
        return false;
    if (*p == '#' || (e - p >= 2 && p[0] == '/' && (p[1] == '/' || p[1] == '*')))
        return true;
    char c = e[-1];
    return c == ';' || c == '{' || c == '}' || (e - p >= 2 && c == '/' && e[-2] == '*');
}

/* The next line that is not blank, from `p` on, starts with `{` (a function's body). */
static bool body_follows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p < end && *p == '{';
}

/* Line [p, e) is a preprocessor directive whose name starts with `name` (`#  ifdef X`). */
static bool is_directive(const char *p, const char *e, const char *name)
{
    trim_line(&p, &e);
    if (p == e || *p != '#')
        return false;
    for (p++; p < e && (*p == ' ' || *p == '\t'); p++)
        ;
    size_t n = strlen(name);
    return (size_t)(e - p) >= n && memcmp(p, name, n) == 0;
}

/* Line [p, e) opens a linkage block alone at column 0 (`extern "C" {`, `extern "C++" {`): 1;
 * closes a block alone at column 0 (`}`, a comment after it allowed): -1; anything else: 0. */
static int brace_line_kind(const char *p, const char *e)
{
    if (p == e || *p == ' ' || *p == '\t')
        return 0;
    trim_line(&p, &e);
    if (p < e && *p == '}')
        return rest_is_comment(p + 1, e) ? -1 : 0;
    static const char *const openers[] = {"extern \"C\"", "extern \"C++\""};
    for (size_t i = 0; i < sizeof(openers) / sizeof(openers[0]); i++) {
        size_t n = strlen(openers[i]);
        if ((size_t)(e - p) <= n || memcmp(p, openers[i], n) != 0)
            continue;
        const char *q = p + n;
        while (q < e && (*q == ' ' || *q == '\t'))
            q++;
        if (q < e && *q == '{')
            return rest_is_comment(q + 1, e) ? 1 : 0;
    }
    return 0;
}

/*
 * The starts of conditional brace lines, in source order: an `extern "C++" {`
 * alone between an `#if...` line and an `#endif` line, and the `}` that
 * closes it alone in a later such block (fmt's `src/fmt.cc`; the `#ifdef __cplusplus`
 * guard of C headers). tree-sitter cannot pair braces across preprocessor
 * blocks and reads everything from the opener on as one error; hidden in
 * pairs, the declarations between them are top-level, which they are for
 * every reader but the linker. An opener without such a closer (or the
 * reverse) stays as it is.
 */
static void conditional_brace_lines(const char *src, size_t len, u32_vec *out)
{
    /* candidates in source order: start << 1 | paired; open: indexes of unpaired openers */
    u32_vec cand = DK_VEC_INIT, open = DK_VEC_INIT;
    const char *end = src + len, *prev = NULL, *prev_end = NULL;
    for (const char *p = src; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        int kind = nl && prev ? brace_line_kind(p, e) : 0;
        if (kind != 0 && is_directive(prev, prev_end, "if")) {
            const char *n2 = memchr(nl + 1, '\n', (size_t)(end - nl - 1));
            if (is_directive(nl + 1, n2 ? n2 : end, "endif")) {
                if (kind > 0) {
                    dk_vec_push(&open, (uint32_t)cand.len);
                    dk_vec_push(&cand, (uint32_t)(p - src) << 1);
                } else if (open.len > 0) {
                    cand.items[open.items[--open.len]] |= 1;
                    dk_vec_push(&cand, (uint32_t)(p - src) << 1 | 1);
                }
            }
        }
        prev = p;
        prev_end = e;
        p = nl ? nl + 1 : end;
    }
    for (size_t i = 0; i < cand.len; i++) {
        if (cand.items[i] & 1)
            dk_vec_push(out, cand.items[i] >> 1);
    }
    dk_vec_release(&cand);
    dk_vec_release(&open);
}

/* Turn line [p, e) of src into spaces in *out (a copy of src made on first use). */
static void blank_line(char **out, const char *src, size_t len, const char *p, const char *e)
{
    if (!*out) {
        *out = dk_xmalloc(len ? len : 1);
        memcpy(*out, src, len);
    }
    for (const char *q = p; q < e; q++) {
        if (*q != '\r')
            (*out)[q - src] = ' ';
    }
}

/*
 * Block comments that open and close on line [p, e) of a preprocessor
 * directive continued by a `\` at its end turned into spaces in *out
 * (string and character literals skipped). tree-sitter's C grammar ends a
 * macro's body at such a comment and reads the rest of the body (tmux's
 * `RB_GENERATE_INTERNAL`, a comment above each function it defines) as code.
 */
static void blank_directive_comments(char **out, const char *src, size_t len, const char *p,
                                     const char *e)
{
    for (const char *q = p; q + 1 < e; q++) {
        if (*q == '"' || *q == '\'') {
            char quote = *q;
            for (q++; q < e && *q != quote; q++) {
                if (*q == '\\' && q + 1 < e)
                    q++;
            }
            if (q == e)
                return;
        } else if (q[0] == '/' && q[1] == '/') {
            return;
        } else if (q[0] == '/' && q[1] == '*') {
            const char *c = q + 2;
            while (c + 1 < e && !(c[0] == '*' && c[1] == '/'))
                c++;
            if (c + 1 >= e)
                return;
            blank_line(out, src, len, q, c + 2);
            q = c + 1;
        }
    }
}

/*
 * A copy of `src` with lone macro lines (is_macro_line, after a line that
 * ends an item, not followed by a `{` line: `TEST_F(Suite, Name)` above its
 * body is a function's head) turned into spaces, offsets unchanged; NULL when there are
 * none. `ranges` (NULL: not wanted) gets each hidden line's start and end
 * (after its newline). tree-sitter reads `FMT_BEGIN_NAMESPACE` or
 * `Q_DECLARE_METATYPE(T)` without a semicolon as the start of a declaration
 * and swallows what follows into one error; hidden, the lines are text
 * between declarations, or part of the declaration right below them
 * (with_macro_lines).
 */
static char *mask_macro_lines(const char *src, size_t len, u32_vec *ranges)
{
    char *out = NULL;
    u32_vec braces = DK_VEC_INIT;
    conditional_brace_lines(src, len, &braces);
    size_t bi = 0;
    bool directive = false; /* line p is (a continuation of) a preprocessor directive */
    const char *prev = NULL, *prev_end = NULL, *end = src + len;
    for (const char *p = src; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        const char *ts = p, *te = e;
        trim_line(&ts, &te);
        directive = directive || (ts < te && *ts == '#');
        bool continued = te > ts && te[-1] == '\\';
        if (directive && continued)
            blank_directive_comments(&out, src, len, ts, te - 1);
        directive = directive && continued;
        bool brace = bi < braces.len && braces.items[bi] == (uint32_t)(p - src);
        if (brace) {
            /* hidden, but not a macro line: it qualifies no declaration */
            bi++;
            blank_line(&out, src, len, p, e);
        } else if ((!prev || ends_item(prev, prev_end)) && is_macro_line(p, e) &&
                   !body_follows(e, end)) {
            blank_line(&out, src, len, p, e);
            if (ranges) {
                dk_vec_push(ranges, (uint32_t)(p - src));
                dk_vec_push(ranges, (uint32_t)(nl ? nl + 1 - src : e - src));
            }
        }
        prev = p;
        prev_end = e;
        p = nl ? nl + 1 : end;
    }
    dk_vec_release(&braces);
    return out;
}

int dk_lang_analyze(dk_analysis **out, const dk_language *lang, const char *src, size_t len)
{
    return dk_lang_analyze_ex(out, lang, src, len, NULL);
}

int dk_lang_analyze_ex(dk_analysis **out, const dk_language *lang, const char *src, size_t len,
                       const dk_lang_opts *opts)
{
    *out = NULL;
    dk_lang_opts o = DK_LANG_OPTS_INIT;
    if (opts) {
        if (opts->version != DK_LANG_OPTS_VERSION)
            return dk_error_set(DK_EINVALID, "lang options version %u, expected %u", opts->version,
                                DK_LANG_OPTS_VERSION);
        o = *opts;
    }
    if (!lang)
        return dk_error_set(DK_EUNSUPPORTED, "no language given");
    if (len > DK_LANG_MAX_SOURCE)
        return dk_error_set(DK_ELIMIT, "source is %zu bytes, over the %u-byte limit", len,
                            DK_LANG_MAX_SOURCE);
    if (len && !src)
        return dk_error_set(DK_EINVALID, "no source bytes given");
    if (dk_buf_is_binary(src, len))
        return dk_error_set(DK_EBINARY, "content is binary (contains nul bytes)");
    if (!dk_utf8_is_valid(src, len))
        return dk_error_set(DK_EINVALID, "content is not valid utf-8");

    TSParser *parser = ts_parser_new();
    if (!ts_parser_set_language(parser, lang->grammar())) {
        ts_parser_delete(parser);
        return dk_error_set(DK_ERROR, "grammar for %s is incompatible with the runtime",
                            lang->name);
    }
    /* what the parser reads: the text, lone macro lines hidden (C, C++) */
    u32_vec masked = DK_VEC_INIT;
    char *ptext = lang->macro_lines && src ? mask_macro_lines(src, len, &masked) : NULL;
    /* the text's lines: for the edits and for the extractor (masking keeps every newline) */
    struct dk_line_index lines;
    dk_line_index_init(&lines, src, len);
    const struct analysis_box *prev = (const struct analysis_box *)(uintptr_t)o.prev;
    TSTree *old_tree = NULL;
    if (prev && prev->tree && prev->lang == lang && o.prev_src) {
        /*
         * prev's tree was parsed from its masked text: edit it in those terms.
         * prev kept that text and its line index; a prev_src of another length
         * than prev's source (not the text prev was made from) is masked and
         * indexed again, as before they were kept.
         */
        const char *old = o.prev_src;
        char *pprev = NULL;
        struct dk_line_index own = {0};
        const struct dk_line_index *old_lines = &prev->lines;
        if (o.prev_len == prev->pub.source_len && prev->lines.starts) {
            old = prev->ptext ? prev->ptext : o.prev_src;
        } else {
            pprev = lang->macro_lines ? mask_macro_lines(o.prev_src, o.prev_len, NULL) : NULL;
            old = pprev ? pprev : o.prev_src;
            dk_line_index_init(&own, old, o.prev_len);
            old_lines = &own;
        }
        old_tree = edited_tree(prev, old, o.prev_len, old_lines,
                               ptext ? ptext
                               : src ? src
                                     : "",
                               len, &lines);
        free(pprev);
        dk_line_index_release(&own);
    }
    struct parse_input in = {ptext ? ptext : src ? src : "", (uint32_t)len};
    struct parse_budget budget = {.max = o.work_budget};
    if (budget.max == 0)
        budget.max = LANG_PARSE_BUDGET_BASE + LANG_PARSE_BUDGET_PER_KB * ((uint64_t)len / 1024);
    TSInput input = {.payload = &in, .read = parse_read, .encoding = TSInputEncodingUTF8};
    TSParseOptions popts = {.payload = &budget, .progress_callback = parse_progress};
    TSTree *tree = ts_parser_parse_with_options(parser, old_tree, input, popts);
    ts_parser_delete(parser);
    if (old_tree)
        ts_tree_delete(old_tree);
    dk_trace(DK_TRACE_DEBUG, "lang", "%s parse of %zu bytes: %llu progress calls", lang->name, len,
             (unsigned long long)budget.calls);
    if (!tree) {
        free(ptext);
        dk_vec_release(&masked);
        dk_line_index_release(&lines);
        return dk_error_set(DK_ELIMIT, "%s parser gave up (work budget of %llu exhausted)",
                            lang->name, (unsigned long long)budget.max);
    }

    struct analysis_box *box = dk_xcalloc(1, sizeof(*box));
    atomic_init(&box->refs, 1);
    box->lang = lang;
    dk_arena *arena = &box->arena;
    struct lang_ctx cx = {.def = lang,
                          .flags = o.flags,
                          .src = src ? src : "",
                          .len = len,
                          .arena = arena,
                          .masked = masked.items,
                          .nmasked = masked.len / 2,
                          .lines = lines};

    TSNode root = ts_tree_root_node(tree);
    walk_level(&cx, root, -1, 0, UINT32_MAX);
    scan_tree(&cx, root);
    merge_errors(&cx);
    assign_ids(&cx);
    if (o.flags & DK_LANG_KEEP_TREE) {
        box->tree = tree;
        box->ptext = ptext;
        box->lines = cx.lines;
    } else {
        ts_tree_delete(tree);
        free(ptext);
        dk_line_index_release(&cx.lines);
    }

    dk_analysis *a = &box->pub;
    a->language = lang->name;
    a->source_len = len;
    COPY_VEC(a->symbols, a->nsymbols, cx.syms, dk_symbol);
    COPY_VEC(a->imports, a->nimports, cx.imports, dk_import);
    COPY_VEC(a->calls, a->ncalls, cx.calls, dk_call);
    COPY_VEC(a->errors, a->nerrors, cx.errors, dk_span);
    dk_vec_release(&cx.syms);
    dk_vec_release(&cx.imports);
    dk_vec_release(&cx.calls);
    dk_vec_release(&cx.errors);
    dk_vec_release(&masked);
    *out = a;
    return DK_OK;
}

void dk_analysis_ref(const dk_analysis *a)
{
    struct analysis_box *box = (struct analysis_box *)(uintptr_t)a;
    atomic_fetch_add(&box->refs, 1);
}

void dk_analysis_unref(const dk_analysis *a)
{
    if (!a)
        return;
    struct analysis_box *box = (struct analysis_box *)(uintptr_t)a;
    if (atomic_fetch_sub(&box->refs, 1) != 1)
        return;
    if (box->tree)
        ts_tree_delete(box->tree);
    free(box->ptext);
    dk_line_index_release(&box->lines);
    dk_arena_release(&box->arena);
    free(box);
}

/* ------------------------------------------------------------------------ */
/* Statements of a body                                                     */
/* ------------------------------------------------------------------------ */

typedef dk_vec(dk_span) span_vec;

static void push_statement(span_vec *v, TSNode n)
{
    uint32_t s = ts_node_start_byte(n), e = ts_node_end_byte(n);
    if (e <= s)
        return; /* a MISSING node: nothing written */
    dk_span *sp = dk_vec_push_zero(v);
    sp->start_byte = s;
    sp->end_byte = e;
    sp->start_line = ts_node_start_point(n).row + 1;
    sp->end_line = ts_node_end_point(n).row + 1;
}

/*
 * Depth first from `node`: a statement list gives its named children and is
 * not entered further; anything else is entered. An explicit stack of
 * cursors would be the same; the tree cursor keeps it iterative.
 */
static void collect_statements(const dk_language *lang, TSNode node, span_vec *v)
{
    if (dk_lang_is_any(node, lang->statement_lists)) {
        uint32_t c = ts_node_named_child_count(node);
        for (uint32_t i = 0; i < c; i++)
            push_statement(v, ts_node_named_child(node, i));
        return;
    }
    TSTreeCursor cur = ts_tree_cursor_new(node);
    if (!ts_tree_cursor_goto_first_child(&cur)) {
        ts_tree_cursor_delete(&cur);
        return;
    }
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&cur);
        bool list = dk_lang_is_any(n, lang->statement_lists);
        if (list) {
            uint32_t c = ts_node_named_child_count(n);
            for (uint32_t i = 0; i < c; i++)
                push_statement(v, ts_node_named_child(n, i));
        }
        if (!list && ts_tree_cursor_goto_first_child(&cur))
            continue;
        while (!ts_tree_cursor_goto_next_sibling(&cur)) {
            if (!ts_tree_cursor_goto_parent(&cur) ||
                ts_node_eq(ts_tree_cursor_current_node(&cur), node)) {
                ts_tree_cursor_delete(&cur);
                return;
            }
        }
    }
}

/*
 * The smallest node of `tree` holding bytes [start, end), then its ancestors
 * as long as they span exactly the same bytes: the outermost node of that
 * span (a statement rather than its expression), or the smallest node
 * holding it when none spans it exactly.
 */
static TSNode outermost_spanning(TSTree *tree, uint32_t start, uint32_t end)
{
    TSNode node = ts_node_descendant_for_byte_range(ts_tree_root_node(tree), start, end);
    while (!ts_node_is_null(node)) {
        TSNode up = ts_node_parent(node);
        if (ts_node_is_null(up) || ts_node_start_byte(up) != start || ts_node_end_byte(up) != end)
            break;
        node = up;
    }
    return node;
}

int dk_analysis_statements(const dk_analysis *a, uint32_t start, uint32_t end, dk_span **out,
                           size_t *n)
{
    *out = NULL;
    *n = 0;
    const struct analysis_box *box = (const struct analysis_box *)(const void *)a;
    if (!box->tree)
        return dk_error_set(DK_EINVALID, "the analysis kept no syntax tree");
    if (!box->lang->statement_lists)
        return dk_error_set(DK_EUNSUPPORTED, "%s names no statement lists", box->lang->name);
    TSTree *tree = ts_tree_copy(box->tree);
    TSNode node = outermost_spanning(tree, start, end);
    span_vec v = DK_VEC_INIT;
    if (!ts_node_is_null(node) && ts_node_start_byte(node) == start &&
        ts_node_end_byte(node) == end) {
        collect_statements(box->lang, node, &v);
    } else if (!ts_node_is_null(node)) {
        /*
         * A declaration of several sibling nodes (a function and the fold-marker
         * comment after its `}`, a macro invocation and its block): the children
         * of the node holding the span that lie within it, the first starting
         * and the last ending where the span does, each as one node above.
         */
        uint32_t c = ts_node_named_child_count(node), first = UINT32_MAX, last = 0;
        for (uint32_t i = 0; i < c; i++) {
            TSNode k = ts_node_named_child(node, i);
            if (ts_node_start_byte(k) >= start && ts_node_end_byte(k) <= end) {
                first = first == UINT32_MAX ? i : first;
                last = i;
            }
        }
        if (first != UINT32_MAX && ts_node_start_byte(ts_node_named_child(node, first)) == start &&
            ts_node_end_byte(ts_node_named_child(node, last)) == end) {
            for (uint32_t i = first; i <= last; i++)
                collect_statements(box->lang, ts_node_named_child(node, i), &v);
        } else {
            node = (TSNode){0};
        }
    }
    ts_tree_delete(tree);
    if (ts_node_is_null(node))
        return dk_error_set(DK_ENOTFOUND, "no syntax node spans bytes [%u, %u)", start, end);
    *n = v.len;
    *out = v.len ? v.items : NULL;
    if (!v.len)
        dk_vec_release(&v);
    return DK_OK;
}

int dk_analysis_statement_name(const dk_analysis *a, const char *src, size_t len, uint32_t start,
                               uint32_t end, char **name)
{
    *name = NULL;
    const struct analysis_box *box = (const struct analysis_box *)(const void *)a;
    if (!box->tree)
        return dk_error_set(DK_EINVALID, "the analysis kept no syntax tree");
    if (start > end || end > len)
        return dk_error_set(DK_EINVALID, "bytes [%u, %u) are not within the %zu-byte text", start,
                            end, len);
    TSTree *tree = ts_tree_copy(box->tree);
    /* the statement, not its expression */
    TSNode node = outermost_spanning(tree, start, end);
    int rc = DK_OK;
    if (ts_node_is_null(node) || ts_node_start_byte(node) != start ||
        ts_node_end_byte(node) != end) {
        rc = dk_error_set(DK_ENOTFOUND, "no syntax node spans bytes [%u, %u)", start, end);
    } else if (box->lang->order_free_statement) {
        dk_arena arena = DK_ARENA_INIT;
        struct lang_ctx cx = {.def = box->lang, .src = src, .len = len, .arena = &arena};
        struct lang_decl d;
        memset(&d, 0, sizeof d);
        if (box->lang->order_free_statement(&cx, node, &d) && d.name)
            *name = dk_xstrdup(d.name);
        dk_arena_release(&arena);
    }
    ts_tree_delete(tree);
    return rc;
}

static const char *const kind_names[DK_SYM_KIND_COUNT] = {
    [DK_SYM_FUNCTION] = "function",   [DK_SYM_METHOD] = "method",
    [DK_SYM_CLASS] = "class",         [DK_SYM_STRUCT] = "struct",
    [DK_SYM_UNION] = "union",         [DK_SYM_ENUM] = "enum",
    [DK_SYM_INTERFACE] = "interface", [DK_SYM_TRAIT] = "trait",
    [DK_SYM_IMPL] = "impl",           [DK_SYM_TYPE] = "type",
    [DK_SYM_CONSTANT] = "constant",   [DK_SYM_VARIABLE] = "variable",
    [DK_SYM_MODULE] = "module",       [DK_SYM_MACRO] = "macro",
    [DK_SYM_PROTOTYPE] = "prototype", [DK_SYM_INCLUDE] = "include",
};

const char *dk_symbol_kind_name(dk_symbol_kind kind)
{
    if ((unsigned)kind >= DK_SYM_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}

const char *dk_visibility_name(dk_visibility vis)
{
    switch (vis) {
    case DK_VIS_PUBLIC:
        return "public";
    case DK_VIS_PRIVATE:
        return "private";
    case DK_VIS_PROTECTED:
        return "protected";
    case DK_VIS_INTERNAL:
        return "internal";
    }
    return "public";
}

bool dk_symbol_kind_is_container(dk_symbol_kind kind)
{
    return kind_is_type_container((int)kind) || kind == DK_SYM_MODULE;
}

char *dk_lang_debug_tree(const dk_language *lang, const char *src, size_t len)
{
    TSParser *parser = ts_parser_new();
    if (!ts_parser_set_language(parser, lang->grammar())) {
        ts_parser_delete(parser);
        return NULL;
    }
    TSTree *tree = ts_parser_parse_string(parser, NULL, src, (uint32_t)len);
    ts_parser_delete(parser);
    if (!tree)
        return NULL;
    /* ts_node_string mallocs with the runtime's allocator (malloc by default) */
    char *s = ts_node_string(ts_tree_root_node(tree));
    ts_tree_delete(tree);
    return s;
}
