/*
 * merge/identity.c - identity keys of declarations and imports (see
 * identity.h). Pure functions of one symbol or import; no state.
 *
 * Conventions: keys are appended to a caller's dk_str; nothing is allocated
 * that outlives a call.
 */
#include "merge/identity.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#include "util/banned.h"

/*
 * The #[cfg(...)] attribute lines at the top of a declaration's span (its
 * leading attributes and comments), without blanks: "[#[cfg(unix)]]".
 */
static void add_conditions(dk_str *out, const dk_symbol *s, const char *src)
{
    if (!src || s->span.end_byte <= s->span.start_byte)
        return;
    const char *p = src + s->span.start_byte, *end = src + s->span.end_byte;
    while (p < end) {
        const char *q = p;
        while (q < end && (*q == ' ' || *q == '\t'))
            q++;
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - q);
        if (n >= 6 && memcmp(q, "#[cfg", 5) == 0 && (q[5] == '(' || q[5] == ' ')) {
            dk_str_addch(out, '[');
            for (const char *c = q; c < le; c++) {
                if (*c != ' ' && *c != '\t' && *c != '\r')
                    dk_str_addch(out, *c);
            }
            dk_str_addch(out, ']');
        } else if (!(n > 0 && (q[0] == '#' || q[0] == '*' ||
                               (n >= 2 && q[0] == '/' && (q[1] == '/' || q[1] == '*'))))) {
            return; /* past the leading attributes and comments */
        }
        if (!nl)
            return;
        p = nl + 1;
    }
}

/* ------------------------------------------------------------------------ */
/* C preprocessor branches                                                  */
/* ------------------------------------------------------------------------ */

/* A conditional the scan is inside. */
struct pp_frame {
    /* the #if/#ifdef/#ifndef line, normalised, in the scan's scratch */
    size_t open, open_len;
    /* the #elif/#else line of the current branch; len 0: the first branch */
    size_t branch, branch_len;
    /* it has an #elif or #else (its branches are alternatives) */
    bool alternatives;
};

/*
 * Directive [p, e) (continuation lines included) without blanks,
 * backslash-newlines and a trailing comment, appended to `out`.
 */
static void add_directive(dk_str *out, const char *p, const char *e)
{
    for (; p < e; p++) {
        if (p + 1 < e && p[0] == '/' && (p[1] == '/' || p[1] == '*'))
            return;
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\\' && *p != '\n')
            dk_str_addch(out, *p);
    }
}

enum pp_kind { PP_NONE, PP_IF, PP_ELSE, PP_ENDIF };

/*
 * The logical line at p (physical lines joined by backslash-newline): its
 * end in *le, the next line in *next, and what kind of conditional
 * directive it is (#elif/#elifdef/#elifndef/#else are PP_ELSE).
 */
static enum pp_kind pp_line(const char *p, const char *end, const char **le, const char **next)
{
    const char *e = p;
    for (;;) {
        const char *nl = memchr(e, '\n', (size_t)(end - e));
        if (!nl) {
            e = end;
            break;
        }
        e = nl;
        bool cont = nl > p && (nl[-1] == '\\' || (nl[-1] == '\r' && nl - 1 > p && nl[-2] == '\\'));
        if (!cont)
            break;
        e = nl + 1;
    }
    *le = e;
    *next = e < end ? e + 1 : end;
    const char *q = p;
    while (q < e && (*q == ' ' || *q == '\t'))
        q++;
    if (q == e || *q != '#')
        return PP_NONE;
    q++;
    while (q < e && (*q == ' ' || *q == '\t'))
        q++;
    const char *w = q;
    while (q < e && *q >= 'a' && *q <= 'z')
        q++;
    size_t n = (size_t)(q - w);
    if ((n == 2 && memcmp(w, "if", 2) == 0) || (n == 5 && memcmp(w, "ifdef", 5) == 0) ||
        (n == 6 && memcmp(w, "ifndef", 6) == 0))
        return PP_IF;
    if ((n == 4 && (memcmp(w, "elif", 4) == 0 || memcmp(w, "else", 4) == 0)) ||
        (n == 7 && memcmp(w, "elifdef", 7) == 0) || (n == 8 && memcmp(w, "elifndef", 8) == 0))
        return PP_ELSE;
    if (n == 5 && memcmp(w, "endif", 5) == 0)
        return PP_ENDIF;
    return PP_NONE;
}

/*
 * Two passes over the directives: the first finds which conditionals have
 * alternatives (an #elif or #else before their #endif), the second writes a
 * run wherever the key of the lines that follow changes. A line is keyed
 * by every conditional with alternatives it is inside, "[#if…|]" in the
 * first branch and "[#if…|#else]" in a later one, so the two sides of one
 * #if/#else are two identities, while a plain #ifdef around a declaration
 * (no #else) changes nothing.
 */
void dk_merge_branches_init(struct merge_branches *b, const char *src, size_t len)
{
    dk_vec_init(&b->at);
    dk_vec_init(&b->key);
    b->keys = (dk_str)DK_STR_INIT;
    const char *end = src + len, *le, *next;
    /* pass 1: alternatives of each conditional, in the order of their #if lines */
    dk_vec(bool) alt = DK_VEC_INIT;
    dk_vec(size_t) open = DK_VEC_INIT;
    for (const char *p = src; p < end; p = next) {
        enum pp_kind k = pp_line(p, end, &le, &next);
        if (k == PP_IF) {
            dk_vec_push(&open, alt.len);
            dk_vec_push(&alt, false);
        } else if (k == PP_ELSE && open.len) {
            alt.items[open.items[open.len - 1]] = true;
        } else if (k == PP_ENDIF && open.len) {
            open.len--;
        }
    }
    dk_vec_release(&open);
    /* pass 2: the runs */
    dk_vec(struct pp_frame) st = DK_VEC_INIT;
    dk_str scratch = DK_STR_INIT, key = DK_STR_INIT;
    size_t nif = 0;
    for (const char *p = src; p < end; p = next) {
        enum pp_kind k = pp_line(p, end, &le, &next);
        bool changed = false;
        if (k == PP_IF) {
            struct pp_frame f = {.open = scratch.len, .alternatives = alt.items[nif++]};
            add_directive(&scratch, p, le);
            f.open_len = scratch.len - f.open;
            dk_vec_push(&st, f);
            changed = f.alternatives;
        } else if (k == PP_ELSE && st.len) {
            struct pp_frame *f = dk_vec_last(&st);
            f->branch = scratch.len;
            const char *q = p;
            while (*q != 'e') /* "#", blanks, then the word */
                q++;
            if (memcmp(q, "else", 4) == 0)
                dk_str_adds(&scratch, "#else");
            else
                add_directive(&scratch, p, le);
            f->branch_len = scratch.len - f->branch;
            changed = true;
        } else if (k == PP_ENDIF && st.len) {
            changed = dk_vec_pop(&st).alternatives;
        }
        if (!changed)
            continue;
        dk_str_clear(&key);
        for (size_t i = 0; i < st.len; i++) {
            const struct pp_frame *f = &st.items[i];
            if (!f->alternatives)
                continue;
            dk_str_addch(&key, '[');
            dk_str_add(&key, scratch.ptr + f->open, f->open_len);
            dk_str_addch(&key, '|');
            dk_str_add(&key, scratch.ptr + f->branch, f->branch_len);
            dk_str_addch(&key, ']');
        }
        dk_vec_push(&b->at, (uint32_t)(next - src));
        dk_vec_push(&b->key, (uint32_t)b->keys.len);
        dk_str_add(&b->keys, key.ptr, key.len + 1);
    }
    dk_vec_release(&alt);
    dk_vec_release(&st);
    dk_str_release(&scratch);
    dk_str_release(&key);
}

void dk_merge_branches_release(struct merge_branches *b)
{
    dk_vec_release(&b->at);
    dk_vec_release(&b->key);
    dk_str_release(&b->keys);
}

/* The branch key of the run holding byte `at` ("" outside alternative branches). */
static void add_branch(dk_str *out, const struct merge_branches *br, uint32_t at)
{
    if (!br || br->at.len == 0 || at < br->at.items[0])
        return;
    size_t lo = 0, hi = br->at.len; /* the last run starting at or before `at` */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (br->at.items[mid] <= at)
            lo = mid;
        else
            hi = mid;
    }
    dk_str_adds(out, br->keys.ptr + br->key.items[lo]);
}

/* ------------------------------------------------------------------------ */
/* Keys                                                                     */
/* ------------------------------------------------------------------------ */

void dk_merge_group_key(dk_str *out, const dk_symbol *s, const char *src,
                        const struct merge_branches *br)
{
    dk_str_adds(out, s->qualified_name);
    add_conditions(out, s, src);
    add_branch(out, br, s->span.start_byte);
    dk_str_adds(out, "::");
    dk_str_adds(out, dk_symbol_kind_name(s->kind));
}

void dk_merge_find_overloads(dk_map *set, const dk_language *lang, const dk_analysis *a,
                             const char *src, const struct merge_branches *br)
{
    dk_map count = DK_MAP_INIT_STR_POOLED;
    dk_str key = DK_STR_INIT;
    for (size_t i = 0; i < a->nsymbols; i++) {
        if (lang && !dk_language_overloads(lang, a->symbols[i].kind))
            continue;
        dk_str_clear(&key);
        dk_merge_group_key(&key, &a->symbols[i], src, br);
        bool added;
        void **n = dk_map_slot(&count, key.ptr, key.len, &added);
        *n = (void *)((uintptr_t)*n + 1);
        if ((uintptr_t)*n == 2)
            dk_map_put(set, key.ptr, key.len, (void *)1, NULL);
    }
    dk_str_release(&key);
    dk_map_release(&count);
}

/*
 * What tells overloads apart: "(params)", the first parenthesised group
 * after the name; for declarations without parameters (several Swift
 * `extension T: P` blocks, Rust impls of one type) the whole head.
 */
static void add_params(dk_str *out, const dk_symbol *s)
{
    const char *sig = s->signature, *at = strstr(sig, s->name);
    const char *open = strchr(at ? at : sig, '(');
    if (!open) {
        dk_str_addf(out, "[%s]", sig);
        return;
    }
    if (at && at[strlen(s->name)] == '<')
        dk_str_add(out, at + strlen(s->name), (size_t)(open - at) - strlen(s->name));
    int depth = 0;
    for (const char *p = open; *p; p++) {
        dk_str_addch(out, *p);
        if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            return;
    }
}

static bool is_ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Does `s` contain `w` (lower case), in any case (`enable_if`, `FMT_ENABLE_IF`)? */
static bool has_word_ci(const char *s, const char *w)
{
    size_t n = strlen(w);
    for (; *s; s++) {
        size_t i = 0;
        while (i < n && s[i] &&
               (s[i] == w[i] || (s[i] >= 'A' && s[i] <= 'Z' && s[i] - 'A' + 'a' == w[i])))
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/*
 * A C++ function template constrained in its head (`enable_if` in the
 * return type or a template argument, or a `requires` clause) can have a
 * sibling with the same parameter types and another constraint: two
 * overloads, told apart by their heads (`FMT_ENABLE_IF(...)` counts too).
 * The head before the name (`template <...> std::enable_if_t<...> `),
 * without blanks, as "{...}"; nothing for other declarations, whose
 * parameters alone tell overloads apart.
 */
static void add_constrained_head(dk_str *out, const dk_symbol *s)
{
    const char *sig = s->signature;
    size_t n = strlen(s->name);
    if (n == 0 || strncmp(sig, "template", 8) != 0 ||
        (!has_word_ci(sig, "enable_if") && !strstr(sig, "requires")))
        return;
    /* the name where it is called: a whole word followed by the parameter list */
    const char *at = NULL;
    for (const char *p = strstr(sig, s->name); p && !at; p = strstr(p + 1, s->name)) {
        const char *q = p + n;
        while (*q == ' ' || *q == '\t' || *q == '\n')
            q++;
        if ((p == sig || !is_ident_char(p[-1])) && *q == '(')
            at = p;
    }
    if (!at)
        return;
    dk_str_addch(out, '{');
    for (const char *p = sig; p < at; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            dk_str_addch(out, *p);
    }
    dk_str_addch(out, '}');
}

/*
 * One parameter [p, e) as its type: tokens (identifiers, single punctuation)
 * joined by one space, without a default value and without the name, which
 * is the last identifier when something comes before it and only array
 * brackets after it (`const char *s[]` -> "const char *"); a lone word
 * (`int`, gtest's `suite`) stays. False when it holds a parenthesis (a
 * function pointer: where its name is cannot be told from the text).
 */
static bool add_param_type(dk_str *out, const char *p, const char *e)
{
    const char *tok[64], *tend[64];
    size_t n = 0;
    while (p < e && *p != '=') {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            p++;
            continue;
        }
        if (*p == '(' || *p == ')' || n == 64)
            return false;
        tok[n] = p;
        if (is_ident_char(*p)) {
            while (p < e && is_ident_char(*p))
                p++;
        } else {
            p++;
        }
        tend[n++] = p;
    }
    size_t last = n;
    for (size_t i = n; i-- > 0;) {
        if (is_ident_char(*tok[i]) && !(*tok[i] >= '0' && *tok[i] <= '9')) {
            last = i;
            break;
        }
        if (*tok[i] != '[' && *tok[i] != ']' && !(*tok[i] >= '0' && *tok[i] <= '9'))
            break;
    }
    for (size_t i = 0; i < n; i++) {
        if (i == last && last > 0)
            continue;
        dk_str_add(out, tok[i], (size_t)(tend[i] - tok[i]));
        dk_str_addch(out, ' ');
    }
    return true;
}

/* The parameter types of s ("<targs>" first), or false when they cannot be read. */
static bool param_types(dk_str *out, const dk_symbol *s)
{
    dk_str raw = DK_STR_INIT;
    add_params(&raw, s);
    const char *open = memchr(raw.ptr, '(', raw.len);
    bool ok = open && raw.len > 0 && raw.ptr[raw.len - 1] == ')';
    if (ok) {
        dk_str_add(out, raw.ptr, (size_t)(open - raw.ptr) + 1);
        const char *p = open + 1, *end = raw.ptr + raw.len - 1;
        int depth = 0; /* <...> of template arguments inside a parameter */
        for (const char *q = p; ok && q <= end; q++) {
            if (q < end && *q == '<')
                depth++;
            else if (q < end && *q == '>' && depth > 0)
                depth--;
            else if (q == end || (*q == ',' && depth == 0)) {
                ok = add_param_type(out, p, q);
                dk_str_addch(out, ',');
                p = q + 1;
            }
        }
    }
    dk_str_release(&raw);
    return ok;
}

bool dk_merge_symbol_typed_key(dk_str *out, const dk_symbol *s, const dk_language *lang,
                               const char *src, const struct merge_branches *br)
{
    if ((s->kind != DK_SYM_FUNCTION && s->kind != DK_SYM_METHOD) ||
        (!dk_language_has_preprocessor(lang) && !dk_language_overloads(lang, DK_SYM_FUNCTION)))
        return false;
    size_t mark = out->len;
    dk_str_adds(out, s->qualified_name);
    add_conditions(out, s, src);
    add_branch(out, br, s->span.start_byte);
    if (!param_types(out, s)) {
        dk_str_truncate(out, mark);
        return false;
    }
    if (out->ptr[out->len - 1] == ',') /* "(int ,long ," -> "(int ,long )" */
        out->ptr[out->len - 1] = ')';
    add_constrained_head(out, s);
    dk_str_adds(out, "::");
    dk_str_adds(out, dk_symbol_kind_name(s->kind));
    return true;
}

void dk_merge_find_added_overloads(dk_map *set, const dk_language *lang,
                                   const dk_analysis *const a[3], const char *const src[3],
                                   struct merge_branches *const br[3])
{
    static char several[] = "(several)";
    dk_map in_base = DK_MAP_INIT_STR_POOLED, ours = DK_MAP_INIT_STR_POOLED;
    dk_str key = DK_STR_INIT, params = DK_STR_INIT;
    for (int vi = 0; vi < 3; vi++) {
        for (size_t i = 0; i < a[vi]->nsymbols; i++) {
            const dk_symbol *s = &a[vi]->symbols[i];
            if (vi > 0 && !dk_language_overloads(lang, s->kind))
                continue;
            dk_str_clear(&key);
            dk_merge_group_key(&key, s, src[vi], br[vi]);
            if (vi == 0) {
                dk_map_put(&in_base, key.ptr, key.len, (void *)1, NULL);
                continue;
            }
            if (dk_map_has(&in_base, key.ptr, key.len))
                continue;
            dk_str_clear(&params);
            /* C, C++, Java and C# parameter types, names dropped: `f(int a)` and `f(int b)` are
             * one function; unreadable ones (function pointers) count as equal: a conflict,
             * never a guess */
            if (!dk_language_has_preprocessor(lang) &&
                !dk_language_overloads(lang, DK_SYM_FUNCTION)) {
                add_params(&params, s); /* TypeScript's signatures: as written */
            } else if (!param_types(&params, s)) {
                dk_str_clear(&params);
                dk_str_adds(&params, "?");
            } else {
                add_constrained_head(&params, s);
            }
            if (vi == 1) {
                /* ours' parameters of the group, or `several` */
                char *old = dk_map_get(&ours, key.ptr, key.len);
                if (old && old != several)
                    free(old);
                dk_map_put(&ours, key.ptr, key.len, old ? several : dk_xstrdup(params.ptr), NULL);
                continue;
            }
            const char *op = dk_map_get(&ours, key.ptr, key.len);
            if (op && (op == several || (strcmp(op, params.ptr) != 0 && strcmp(op, "?") != 0 &&
                                         strcmp(params.ptr, "?") != 0)))
                dk_map_put(set, key.ptr, key.len, (void *)1, NULL);
        }
    }
    dk_map_foreach(&ours, slot) {
        if (slot->value != several)
            free(slot->value);
    }
    dk_map_release(&ours);
    dk_map_release(&in_base);
    dk_str_release(&key);
    dk_str_release(&params);
}

void dk_merge_symbol_key(dk_str *out, const dk_symbol *s, const char *src,
                         const struct merge_branches *br, const dk_map *overloaded, bool callable)
{
    /* the group key is built in place, looked up, then cut back to its name part */
    size_t start = out->len;
    dk_str_adds(out, s->qualified_name);
    add_conditions(out, s, src);
    add_branch(out, br, s->span.start_byte);
    size_t name_end = out->len;
    bool over = false;
    if (overloaded && overloaded->len) {
        dk_str_adds(out, "::");
        dk_str_adds(out, dk_symbol_kind_name(s->kind));
        over = dk_map_has(overloaded, out->ptr + start, out->len - start);
        dk_str_truncate(out, name_end);
    }
    if (over) {
        add_params(out, s);
        add_constrained_head(out, s);
    }
    dk_str_adds(out, "::");
    bool fn = s->kind == DK_SYM_FUNCTION || s->kind == DK_SYM_METHOD || s->kind == DK_SYM_PROTOTYPE;
    dk_str_adds(out, callable && fn ? "callable" : dk_symbol_kind_name(s->kind));
}

/*
 * The signature holds the C# modifier `partial` outside `[...]` attribute
 * lists, right before the type keyword (`public partial class Foo`; C
 * `struct partial {` is not one).
 */
static bool has_partial_modifier(const char *sig)
{
    static const char *const kw[] = {"class", "struct", "interface", "record"};
    int depth = 0;
    for (const char *p = sig; p && *p; p++) {
        if (*p == '[')
            depth++;
        else if (*p == ']' && depth > 0)
            depth--;
        else if (depth == 0 && strncmp(p, "partial", 7) == 0 &&
                 (p == sig || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' || p[-1] == ']') &&
                 (p[7] == ' ' || p[7] == '\t' || p[7] == '\n')) {
            const char *q = p + 7;
            while (*q == ' ' || *q == '\t' || *q == '\n')
                q++;
            for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
                size_t n = strlen(kw[i]);
                if (strncmp(q, kw[i], n) == 0 && (q[n] == ' ' || q[n] == '\t' || q[n] == '\n'))
                    return true;
            }
        }
    }
    return false;
}

bool dk_merge_repeatable(const dk_symbol *s)
{
    if (s->kind == DK_SYM_IMPL)
        return strncmp(s->name, "impl ", 5) == 0 && !strstr(s->name, " for ");
    return (s->kind == DK_SYM_CLASS || s->kind == DK_SYM_STRUCT || s->kind == DK_SYM_INTERFACE) &&
           has_partial_modifier(s->signature);
}

void dk_merge_import_key(dk_str *out, const dk_import *im)
{
    dk_str_addf(out, "import:%s", im->module);
    if (im->name)
        dk_str_addf(out, ":%s", im->name);
    if (im->alias)
        dk_str_addf(out, " as %s", im->alias);
}
