/*
 * merge/gate.c - the fail-closed gate in front of every clean answer.
 *
 * A merged text may be reported clean only if:
 *   1. it has no conflict marker block (<<<<<<<, =======, >>>>>>> lines in
 *      that order) unless ours or theirs had one;
 *   2. it has no more syntax-error regions than the worse of ours and
 *      theirs (none if both parse cleanly);
 *   3. no declaration identity (qualified name + kind; an overloaded
 *      function's parameters, and in C, C++, Java and C# its parameter
 *      types, names dropped) occurs more often than in ours or in
 *      theirs, whichever has more (a name an input
 *      declares several times, or a Rust inherent impl block or C# partial
 *      type part, may have o + t - b, none of its contents more often than
 *      in a side);
 *   4. every significant line occurs a plausible number of times: with
 *      n_b, n_o, n_t its counts in the inputs, the result's count lies
 *      between min and max of {n_o, n_t, n_o + n_t - n_b}. A merge made of
 *      one-sided and identical changes always does; a dropped or
 *      duplicated line does not. A line the member merge composed (a list
 *      holding both sides' additions) is allowed as often as it composed it. Significant = at least
 * 4 non-blank bytes, one of them alphanumeric (braces and `end` lines carry no identity). The
 * checks cost one parse of the result plus hashing every line.
 */
#include "merge/gate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "merge/emit.h"
#include "merge/identity.h"
#include "util/alloc.h"

#include "util/banned.h"

/*
 * Count declaration identities of `a` into slot `slot` of m's counters.
 * Overloaded names count per parameter list; in languages without forward
 * declarations a function, method and prototype of one name are one
 * identity (an abstract and a concrete `def f` side by side is a duplicate).
 */
/* Occurrences of one identity per version (base, ours, theirs, result) and where the first is. */
struct decl_count {
    uint32_t n[4];
    /* byte span of the first occurrence in each version */
    uint32_t start[4], end[4];
    /* a declaration the language lets a file repeat (dk_merge_repeatable) */
    bool repeatable;
};

/* The counts are allocated from `ar`, which the caller releases after the map. */
static struct decl_count *count_one(dk_map *m, dk_arena *ar, const dk_str *key, int slot,
                                    dk_span span)
{
    bool added;
    void **v = dk_map_slot(m, key->ptr, key->len, &added);
    if (added)
        *v = dk_arena_calloc(ar, 1, sizeof(struct decl_count));
    struct decl_count *c = *v;
    if (c->n[slot]++ == 0) {
        c->start[slot] = span.start_byte;
        c->end[slot] = span.end_byte;
    }
    return c;
}

/* FNV-1a of a declaration's bytes: tells same-named declarations apart by content. */
static uint64_t content_hash(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h;
}

/*
 * Count declaration identities into `m`, and into `variants` each identity
 * with its content hash ("key\x1f<hash>"): the variants of a name declared
 * several times (macro_rules! redefinitions, Rust impl blocks, Go init).
 */
/* Append "\x1f" and h as 16 lower-case hex digits (what "%016llx" prints). */
static void add_hash_suffix(dk_str *key, uint64_t h)
{
    static const char hex[] = "0123456789abcdef";
    char buf[17];
    buf[0] = '\x1f';
    for (int i = 16; i >= 1; i--, h >>= 4)
        buf[i] = hex[h & 15];
    dk_str_add(key, buf, sizeof(buf));
}

static void count_decls(dk_map *m, dk_map *variants, dk_arena *ar, const dk_analysis *a,
                        const char *src, const struct merge_branches *br, int slot,
                        const dk_map *overloaded, bool callable)
{
    dk_str key = DK_STR_INIT;
    for (size_t i = 0; i < a->nsymbols; i++) {
        const dk_symbol *s = &a->symbols[i];
        dk_str_clear(&key);
        dk_merge_symbol_key(&key, s, src, br, overloaded, callable);
        if (dk_merge_repeatable(s))
            count_one(m, ar, &key, slot, s->span)->repeatable = true;
        else
            count_one(m, ar, &key, slot, s->span);
        add_hash_suffix(
            &key, content_hash(src + s->span.start_byte, s->span.end_byte - s->span.start_byte));
        count_one(variants, ar, &key, slot, s->span);
    }
    /* import statements count as declarations too: the same import twice is a duplicate */
    uint32_t last_start = UINT32_MAX;
    for (size_t i = 0; i < a->nimports; i++) {
        const dk_import *im = &a->imports[i];
        if (im->span.start_byte == last_start)
            continue;
        last_start = im->span.start_byte;
        dk_str_clear(&key);
        dk_merge_import_key(&key, im);
        count_one(m, ar, &key, slot, im->span);
    }
    dk_str_release(&key);
}

/*
 * Count the overloaded functions and methods of `a` (group keys in
 * `overloaded`) by parameter types into slot `slot`
 * (dk_merge_symbol_typed_key): an overloaded name keyed by its parameters
 * as written tells `f(int a)` from `f(int b)`, one function that a clean
 * line merge of two sides' additions defines twice. A name declared once
 * everywhere is counted by count_decls alone, so a file without overloads
 * costs nothing here.
 */
static void count_typed(dk_map *m, dk_arena *ar, const dk_language *lang, const dk_analysis *a,
                        const char *src, const struct merge_branches *br, int slot,
                        const dk_map *overloaded)
{
    if (!overloaded->len)
        return;
    dk_str key = DK_STR_INIT;
    for (size_t i = 0; i < a->nsymbols; i++) {
        const dk_symbol *s = &a->symbols[i];
        if (s->kind != DK_SYM_FUNCTION && s->kind != DK_SYM_METHOD)
            continue;
        dk_str_clear(&key);
        dk_merge_group_key(&key, s, src, br);
        if (!dk_map_has(overloaded, key.ptr, key.len))
            continue;
        dk_str_clear(&key);
        if (dk_merge_symbol_typed_key(&key, s, lang, src, br))
            count_one(m, ar, &key, slot, s->span);
    }
    dk_str_release(&key);
}

/*
 * A declaration the result's parse does not show may still be there: when a
 * side broke the syntax (a missing `}` makes f0 run over what follows), the
 * result's parse swallows a declaration the merge kept. It is present when
 * the side's text of it occurs in the result byte for byte.
 */
static bool text_present(const struct merge_ctx *cx, const struct decl_count *c, const char *text,
                         size_t len)
{
    int vi = c->n[V_OURS] ? V_OURS : c->n[V_THEIRS] ? V_THEIRS : V_BASE;
    if (!c->n[vi] || c->end[vi] <= c->start[vi])
        return false;
    size_t n = c->end[vi] - c->start[vi];
    return memmem(text, len, cx->v[vi].src + c->start[vi], n) != NULL;
}

/* Trimmed line [*s, *e) of src starting at i; returns the index after the line. */
static size_t next_line(const char *src, size_t len, size_t i, size_t *s, size_t *e)
{
    const char *nl = memchr(src + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - src) : len;
    size_t a = i, b = end;
    while (a < b && isspace((unsigned char)src[a]))
        a++;
    while (b > a && isspace((unsigned char)src[b - 1]))
        b--;
    *s = a;
    *e = b;
    return nl ? end + 1 : len;
}

static bool significant(const char *p, size_t n)
{
    if (n < 4)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (isalnum((unsigned char)p[i]))
            return true;
    }
    return false;
}

static void count_lines(dk_map *m, dk_arena *ar, const char *src, size_t len, int slot)
{
    for (size_t i = 0; i < len;) {
        size_t s, e;
        i = next_line(src, len, i, &s, &e);
        if (!significant(src + s, e - s))
            continue;
        bool added;
        void **v = dk_map_slot(m, src + s, e - s, &added);
        if (added)
            *v = dk_arena_calloc(ar, 4, sizeof(uint32_t));
        ((uint32_t *)*v)[slot]++;
    }
}

static long lmin3(long a, long b, long c)
{
    long m = a < b ? a : b;
    return m < c ? m : c;
}

static long lmax3(long a, long b, long c)
{
    long m = a > b ? a : b;
    return m > c ? m : c;
}

static int check_lines(struct merge_ctx *cx, const char *text, size_t len, const char **why)
{
    dk_map m = DK_MAP_INIT_STR_POOLED;
    dk_arena ar = DK_ARENA_INIT;
    for (int vi = 0; vi < 3; vi++)
        count_lines(&m, &ar, cx->v[vi].src, cx->v[vi].len, vi);
    count_lines(&m, &ar, text, len, 3);
    int rc = DK_OK;
    dk_map_foreach(&m, slot) {
        const uint32_t *c = slot->value;
        long nb = c[0], no = c[1], nt = c[2], nr = c[3];
        long lo = lmin3(no, nt, no + nt - nb), hi = lmax3(no, nt, no + nt - nb);
        hi += (long)(uintptr_t)dk_map_get(&cx->composed, slot->key, slot->key_len);
        if (nr < lo || nr > hi) {
            *why = dk_arena_sprintf(&cx->arena, "line `%.*s` occurs %ld times, expected %ld to %ld",
                                    (int)(slot->key_len > 60 ? 60 : slot->key_len), slot->key, nr,
                                    lo < 0 ? 0 : lo, hi);
            rc = DK_ECONFLICT;
            break;
        }
    }
    dk_map_release(&m);
    dk_arena_release(&ar);
    return rc;
}

/* Top-level declarations of `a`, by qualified name. */
static void top_level_names(dk_map *m, const dk_analysis *a)
{
    for (size_t i = 0; i < a->nsymbols; i++) {
        if (a->symbols[i].parent < 0)
            dk_map_put(m, a->symbols[i].qualified_name, strlen(a->symbols[i].qualified_name),
                       (void *)1, NULL);
    }
}

/*
 * JS/TS: a top-level declaration named through another one (`cfg.timeout =
 * 30`, `Foo.prototype.bar = ...`) that the result keeps or adds while the
 * root (`cfg`, `Foo`) is declared at top level in base and a side deleted
 * both it and everything named through it: the other side's statement
 * would use what is gone (a ReferenceError), so the result is refused.
 * Returns the offending qualified name, or NULL.
 */
static const char *orphaned_member(const struct merge_ctx *cx, const dk_analysis *r)
{
    const char *lname = dk_language_name(cx->lang);
    if (!cx->v[V_BASE].an || (strcmp(lname, "javascript") != 0 &&
                              strcmp(lname, "typescript") != 0 && strcmp(lname, "tsx") != 0))
        return NULL;
    dk_map top[4] = {DK_MAP_INIT_STR_POOLED, DK_MAP_INIT_STR_POOLED, DK_MAP_INIT_STR_POOLED,
                     DK_MAP_INIT_STR_POOLED};
    top_level_names(&top[0], cx->v[V_BASE].an);
    top_level_names(&top[1], cx->v[V_OURS].an);
    top_level_names(&top[2], cx->v[V_THEIRS].an);
    top_level_names(&top[3], r);
    const char *found = NULL;
    for (size_t i = 0; i < r->nsymbols && !found; i++) {
        const dk_symbol *s = &r->symbols[i];
        const char *dot = strchr(s->qualified_name, '.');
        if (s->parent >= 0 || !dot)
            continue;
        size_t rn = (size_t)(dot - s->qualified_name), qn = strlen(s->qualified_name);
        if (!dk_map_has(&top[0], s->qualified_name, rn) ||
            dk_map_has(&top[3], s->qualified_name, rn))
            continue;
        for (int vi = 1; vi <= 2 && !found; vi++) {
            if (!dk_map_has(&top[vi], s->qualified_name, rn) &&
                !dk_map_has(&top[vi], s->qualified_name, qn))
                found = s->qualified_name;
        }
    }
    for (int k = 0; k < 4; k++)
        dk_map_release(&top[k]);
    return found;
}

void dk_merge_add_overloads(struct merge_ctx *cx, int vi, dk_map *set)
{
    struct merge_version *v = &cx->v[vi];
    if (!v->overloads_done) {
        v->overloads = (dk_map)DK_MAP_INIT_STR_POOLED;
        dk_merge_find_overloads(&v->overloads, NULL, v->an, v->src, v->br);
        v->overloads_done = true;
    }
    dk_map_foreach(&v->overloads, slot) {
        dk_map_put(set, slot->key, slot->key_len, (void *)1, NULL);
    }
}

int dk_merge_gate(struct merge_ctx *cx, const char *text, size_t len, const char **why)
{
    unsigned size = cx->opts.marker_size;
    if (dk_merge_has_markers(text, len, size) &&
        !dk_merge_has_markers(cx->v[V_OURS].src, cx->v[V_OURS].len, size) &&
        !dk_merge_has_markers(cx->v[V_THEIRS].src, cx->v[V_THEIRS].len, size)) {
        *why = "the result contains conflict markers";
        return DK_ECONFLICT;
    }
    if (cx->lang && cx->v[V_OURS].an && cx->v[V_THEIRS].an) {
        dk_analysis *r = NULL;
        dk_lang_opts lo = DK_LANG_OPTS_INIT;
        lo.flags = DK_LANG_OUTLINE;
        lo.prev = cx->v[V_OURS].an;
        lo.prev_src = cx->v[V_OURS].src;
        lo.prev_len = cx->v[V_OURS].len;
        if (dk_lang_analyze_ex(&r, cx->lang, text, len, &lo) != DK_OK) {
            *why = dk_arena_sprintf(&cx->arena, "the result cannot be parsed: %s",
                                    dk_error_last()->msg);
            return DK_ECONFLICT;
        }
        /*
         * Error regions each side introduced are that side's (macro-heavy C
         * has dozens that tree-sitter cannot read): the result may have what
         * both sides added to base's, no more. Clean inputs allow none.
         */
        long eb = cx->v[V_BASE].an ? (long)cx->v[V_BASE].an->nerrors : 0;
        long eo = (long)cx->v[V_OURS].an->nerrors, et = (long)cx->v[V_THEIRS].an->nerrors;
        if ((long)r->nerrors > lmax3(eo, et, eo + et - eb)) {
            *why = dk_arena_sprintf(&cx->arena, "the result has a syntax error at line %u",
                                    r->errors[0].start_line);
            dk_analysis_unref(r);
            return DK_ECONFLICT;
        }
        /* the result's preprocessor branches, as the inputs' (merge.c) */
        struct merge_branches rbr, *rb = NULL;
        if (cx->v[V_OURS].br) {
            dk_merge_branches_init(&rbr, text, len);
            rb = &rbr;
        }
        const struct merge_version *vb = &cx->v[V_BASE], *vo = &cx->v[V_OURS],
                                   *vt = &cx->v[V_THEIRS];
        dk_map over = DK_MAP_INIT_STR_POOLED;
        dk_merge_add_overloads(cx, V_OURS, &over);
        dk_merge_add_overloads(cx, V_THEIRS, &over);
        /*
         * A name only the result repeats is an overload only where the
         * language has them: in C, `int f(int)` from one side and `int
         * f(long)` from the other (a clean line merge) are a redefinition;
         * keyed by name alone, the result has f more often than either side.
         */
        dk_merge_find_overloads(&over, cx->lang, r, text, rb);
        bool callable = !dk_language_has_forward_decls(cx->lang);
        bool have_base = vb->an != NULL;
        if (have_base)
            dk_merge_add_overloads(cx, V_BASE, &over);
        dk_map decls = DK_MAP_INIT_STR_POOLED, variants = DK_MAP_INIT_STR_POOLED;
        dk_arena ar = DK_ARENA_INIT; /* the counts of both maps */
        if (have_base)
            count_decls(&decls, &variants, &ar, vb->an, vb->src, vb->br, 0, &over, callable);
        count_decls(&decls, &variants, &ar, vo->an, vo->src, vo->br, 1, &over, callable);
        count_decls(&decls, &variants, &ar, vt->an, vt->src, vt->br, 2, &over, callable);
        count_decls(&decls, &variants, &ar, r, text, rb, 3, &over, callable);
        dk_map typed = DK_MAP_INIT_STR_POOLED;
        if (have_base)
            count_typed(&typed, &ar, cx->lang, vb->an, vb->src, vb->br, 0, &over);
        count_typed(&typed, &ar, cx->lang, vo->an, vo->src, vo->br, 1, &over);
        count_typed(&typed, &ar, cx->lang, vt->an, vt->src, vt->br, 2, &over);
        count_typed(&typed, &ar, cx->lang, r, text, rb, 3, &over);
        /* identities one of whose contents the result has more often than either side */
        dk_map copied = DK_MAP_INIT_STR_POOLED;
        dk_map_foreach(&variants, v) {
            const struct decl_count *c = v->value;
            if (c->n[3] > (c->n[1] > c->n[2] ? c->n[1] : c->n[2])) {
                const char *sep = memchr(v->key, '\x1f', v->key_len);
                dk_map_put(&copied, v->key, sep ? (size_t)(sep - v->key) : v->key_len, (void *)1,
                           NULL);
            }
        }
        dk_map_release(&variants);
        dk_map_release(&over);
        if (rb)
            dk_merge_branches_release(rb);
        int rc = DK_OK;
        /* the result's errors come from a side that broke the syntax (not from the merge) */
        bool side_broke = (long)r->nerrors > 0 && (eo > eb || et > eb);
        dk_map_foreach(&decls, slot) {
            const struct decl_count *c = slot->value;
            long nb = c->n[0], no = c->n[1], nt = c->n[2], nr = c->n[3];
            long most = no > nt ? no : nt, fewest = no < nt ? no : nt, sum = no + nt - nb;
            const char *problem = NULL;
            /*
             * A name an input already declares several times (macro_rules!
             * redefinitions, impl blocks, Go init), or one the language lets
             * a file repeat (a Rust inherent impl block or a C# partial type
             * part both sides add), may gain one declaration from each side:
             * up to o + t - b, as long
             * as no declaration's content is there more often than in
             * either side (a copy); its members are counted on their own.
             */
            bool several = c->n[0] > 1 || c->n[1] > 1 || c->n[2] > 1 || c->repeatable;
            if (nr > most && !(several && have_base && nr <= sum &&
                               !dk_map_has(&copied, slot->key, slot->key_len)))
                problem = "declared more often than in either side";
            else if (have_base && nb > 0 && nr > (fewest > sum ? fewest : sum))
                problem = "deleted by one side but still present";
            else if (have_base && nb == 0 && nr < most)
                problem = "added by a side but missing";
            else if (have_base && nb > 0 && nr < lmin3(no, nt, sum))
                problem = "kept by both sides but missing";
            if (problem && nr < most && side_broke && nr + 1 >= most &&
                text_present(cx, c, text, len))
                problem = NULL; /* unparsed, not missing: a side's syntax error swallowed it */
            if (problem) {
                *why = dk_arena_sprintf(&cx->arena, "`%.*s` is %s (%ld in the result)",
                                        (int)slot->key_len, slot->key, problem, nr);
                rc = DK_ECONFLICT;
                break;
            }
        }
        /* one function by its parameter types more often than in either side (a name several
         * inputs declare more than once may gain one from each side, as above) */
        dk_map_foreach(&typed, slot) {
            const struct decl_count *c = slot->value;
            long nb = c->n[0], no = c->n[1], nt = c->n[2], nr = c->n[3];
            bool several = nb > 1 || no > 1 || nt > 1;
            if (rc == DK_OK && nr > (no > nt ? no : nt) &&
                !(several && have_base && nr <= no + nt - nb)) {
                *why = dk_arena_sprintf(&cx->arena,
                                        "`%.*s` is declared more often than in either side (%ld in "
                                        "the result, parameters compared by type)",
                                        (int)slot->key_len, slot->key, nr);
                rc = DK_ECONFLICT;
            }
        }
        dk_map_release(&typed);
        dk_map_release(&decls);
        dk_arena_release(&ar);
        dk_map_release(&copied);
        const char *orphan = rc ? NULL : orphaned_member(cx, r);
        if (orphan) {
            *why = dk_arena_sprintf(
                &cx->arena, "`%s` is kept while a side deleted what it is named through", orphan);
            rc = DK_ECONFLICT;
        }
        dk_analysis_unref(r);
        if (rc)
            return rc;
    }
    return check_lines(cx, text, len, why);
}
