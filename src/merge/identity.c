/*
 * merge/identity.c - identity keys of declarations and imports (see
 * identity.h). Pure functions of one symbol or import; no state.
 *
 * Conventions: keys are appended to a caller's dk_str; nothing is allocated
 * that outlives a call.
 */
#include "merge/identity.h"

#include <string.h>

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

void dk_merge_group_key(dk_str *out, const dk_symbol *s, const char *src)
{
    dk_str_adds(out, s->qualified_name);
    add_conditions(out, s, src);
    dk_str_adds(out, "::");
    dk_str_adds(out, dk_symbol_kind_name(s->kind));
}

void dk_merge_find_overloads(dk_map *set, const dk_analysis *a, const char *src)
{
    dk_map count = DK_MAP_INIT_STR;
    dk_str key = DK_STR_INIT;
    for (size_t i = 0; i < a->nsymbols; i++) {
        dk_str_clear(&key);
        dk_merge_group_key(&key, &a->symbols[i], src);
        uintptr_t n = (uintptr_t)dk_map_get(&count, key.ptr, key.len);
        dk_map_put(&count, key.ptr, key.len, (void *)(n + 1), NULL);
        if (n == 1)
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
    int depth = 0;
    for (const char *p = open; *p; p++) {
        dk_str_addch(out, *p);
        if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            return;
    }
}

void dk_merge_symbol_key(dk_str *out, const dk_symbol *s, const char *src, const dk_map *overloaded,
                         bool callable)
{
    dk_str k = DK_STR_INIT;
    dk_merge_group_key(&k, s, src);
    bool over = overloaded && dk_map_has(overloaded, k.ptr, k.len);
    dk_str_release(&k);
    dk_str_adds(out, s->qualified_name);
    add_conditions(out, s, src);
    if (over)
        add_params(out, s);
    dk_str_adds(out, "::");
    bool fn = s->kind == DK_SYM_FUNCTION || s->kind == DK_SYM_METHOD || s->kind == DK_SYM_PROTOTYPE;
    dk_str_adds(out, callable && fn ? "callable" : dk_symbol_kind_name(s->kind));
}

void dk_merge_import_key(dk_str *out, const dk_import *im)
{
    dk_str_addf(out, "import:%s", im->module);
    if (im->name)
        dk_str_addf(out, ":%s", im->name);
    if (im->alias)
        dk_str_addf(out, " as %s", im->alias);
}
