/*
 * verify/semantic.c - checks from the symbol model (dk/lang.h) on the
 * changes from the head to the tree under test, before any command runs:
 *
 *  1. A public symbol of a changed file that no changed file defines any
 *     more is removed: an error when a call to it remains in another file
 *     of the tree (the build or a caller breaks), a warning otherwise
 *     (callers may live in other repositories). Methods are matched by bare
 *     name only, so a remaining call to a removed method is a warning.
 *  2. A public function, method or prototype whose parameter count changed
 *     while a call in another file still passes a count the old signature
 *     accepted and the new one does not: an error naming the call. Default
 *     values and variadics widen the accepted range; a method called through
 *     a receiver does not pass self/cls.
 *  3. Any other change of a public signature: info.
 *
 * Callers are searched only in files of the same language family (C and
 * C++ together), at most MAX_SCAN files, and a file is parsed only when its
 * bytes contain the name (memmem first). Analyses come from the engine's
 * symbol cache keyed by blob id, so repeated runs parse nothing again.
 *
 * Conventions: verify_int.h. The repository handle is used by this thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/map.h"
#include "util/str.h"
#include "verify/verify_int.h"

#include "util/banned.h"

#define MAX_SCAN 5000
#define NO_MAX   1000000

/* One public symbol that went away or changed shape. */
struct suspect {
    char *path;
    char *name;
    char *qname;
    dk_symbol_kind kind;
    const dk_language *lang;
    uint32_t line;
    bool removed;
    /* parameter ranges before and after (changed only) */
    int min0, max0, min1, max1;
    bool is_method;
    /* a call in another file that breaks: "file:line" */
    char *broken_at;
};

static int analyze(dk_analysis **out, dk_git_repo *repo, const dk_oid *blob, const char *path,
                   dk_symcache *cache, const dk_language **lang_out)
{
    char *src = NULL;
    size_t len = 0;
    int rc;
    *out = NULL;
    if ((rc = dk_git_blob_read(&src, &len, repo, blob)))
        return rc;
    const dk_language *lang = dk_language_for_path(path, src, len);
    if (lang_out)
        *lang_out = lang;
    if (lang) {
        if (cache)
            rc = dk_symcache_analyze(out, NULL, cache, lang, blob->id, sizeof(blob->id), src, len);
        else
            rc = dk_lang_analyze(out, lang, src, len);
        if (rc) /* binary, too large, invalid UTF-8: not a source to check */
            *out = NULL;
    }
    free(src);
    return DK_OK;
}

static bool checked_kind(dk_symbol_kind k)
{
    switch (k) {
    case DK_SYM_FUNCTION:
    case DK_SYM_METHOD:
    case DK_SYM_CLASS:
    case DK_SYM_STRUCT:
    case DK_SYM_ENUM:
    case DK_SYM_INTERFACE:
    case DK_SYM_TRAIT:
    case DK_SYM_TYPE:
    case DK_SYM_CONSTANT:
    case DK_SYM_PROTOTYPE:
    case DK_SYM_MACRO:
        return true;
    default:
        return false;
    }
}

static bool callable(dk_symbol_kind k)
{
    return k == DK_SYM_FUNCTION || k == DK_SYM_METHOD || k == DK_SYM_PROTOTYPE;
}

/* The accepted argument counts of a signature: its parameter list after `name`. */
static void sig_range(const char *sig, const char *name, bool method, int *min, int *max)
{
    const char *at = sig ? strstr(sig, name) : NULL;
    const char *open = at ? strchr(at + strlen(name), '(') : NULL;
    *min = 0;
    *max = NO_MAX;
    if (!open)
        return;
    int depth = 0, params = 0, optional = 0;
    bool variadic = false, any = false, first_self = false;
    const char *param_start = open + 1;
    for (const char *p = open; *p; p++) {
        if (*p == '(' || *p == '[' || *p == '{' || *p == '<')
            depth++;
        else if (*p == ')' || *p == ']' || *p == '}' || *p == '>') {
            if (--depth == 0 && *p == ')') {
                if (any) {
                    params++;
                    size_t n = (size_t)(p - param_start);
                    if (memchr(param_start, '=', n))
                        optional++;
                }
                break;
            }
        } else if (depth == 1 && *p == ',') {
            size_t n = (size_t)(p - param_start);
            if (params == 0) {
                while (n && *param_start == ' ')
                    param_start++, n--;
                first_self = (n >= 4 && strncmp(param_start, "self", 4) == 0) ||
                             (n >= 3 && strncmp(param_start, "cls", 3) == 0);
            }
            if (memchr(param_start, '=', n))
                optional++;
            params++;
            param_start = p + 1;
        } else if (depth == 1 && *p != ' ') {
            any = true;
            if (*p == '*' && (p[-1] == '(' || p[-1] == ' ' || p[-1] == ',') && strchr(sig, ':'))
                variadic = true; /* python *args / **kwargs */
            if (*p == '.' && p[1] == '.' && p[2] == '.')
                variadic = true;
        }
    }
    if (params == 1 && !any)
        params = 0;
    /* "f(void)" in C */
    if (params == 1 && strncmp(open, "(void)", 6) == 0)
        params = 0;
    if (params == 1 && !first_self) {
        const char *q = open + 1;
        while (*q == ' ')
            q++;
        first_self = strncmp(q, "self)", 5) == 0 || strncmp(q, "self ", 5) == 0 ||
                     strncmp(q, "cls)", 4) == 0;
    }
    if (method && first_self)
        params--, optional -= optional > params ? 1 : 0;
    *min = params - optional;
    *max = variadic ? NO_MAX : params;
}

/* The number of arguments of the call written at [start, end) of `src`. */
static int call_args(const char *src, size_t start, size_t end)
{
    const char *p = memchr(src + start, '(', end - start);
    if (!p)
        return -1;
    int depth = 0, n = 0;
    bool any = false;
    for (; p < src + end; p++) {
        if (*p == '(' || *p == '[' || *p == '{')
            depth++;
        else if (*p == ')' || *p == ']' || *p == '}') {
            if (--depth == 0)
                break;
        } else if (*p == '"' || *p == '\'') {
            char q = *p;
            for (p++; p < src + end && *p != q; p++)
                if (*p == '\\')
                    p++;
            any = true;
        } else if (depth == 1 && *p == ',')
            n++;
        else if (depth == 1 && *p != ' ' && *p != '\n' && *p != '\t')
            any = true;
    }
    return any ? n + 1 : 0;
}

/* The last component of a callee as written: "a.b" "a::b" "a->b" -> "b". */
static const char *callee_name(const char *callee)
{
    const char *best = callee;
    for (const char *p = callee; *p; p++) {
        if (*p == '.' || (*p == ':' && p[1] == ':') || (*p == '-' && p[1] == '>'))
            best = p + (*p == '.' ? 1 : 2);
    }
    return best;
}

static bool same_family(const dk_language *a, const dk_language *b)
{
    if (a == b)
        return true;
    const char *x = dk_language_name(a), *y = dk_language_name(b);
    bool cx = !strcmp(x, "c") || !strcmp(x, "cpp"), cy = !strcmp(y, "c") || !strcmp(y, "cpp");
    return cx && cy;
}

static void suspect_release(struct suspect *s)
{
    free(s->path);
    free(s->name);
    free(s->qname);
    free(s->broken_at);
}

typedef dk_vec(struct suspect) suspects;

/* Rule 1-3's candidates from one changed file. `defined` holds every qname the tree's changed files
 * define. */
static void collect(suspects *out, const char *path, const dk_analysis *before,
                    const dk_analysis *after, const dk_language *lang, const dk_map *defined)
{
    for (size_t i = 0; i < before->nsymbols; i++) {
        const dk_symbol *s = &before->symbols[i];
        if (s->visibility != DK_VIS_PUBLIC || !checked_kind(s->kind) || s->occurrence)
            continue;
        const dk_symbol *a = NULL;
        for (size_t j = 0; after && j < after->nsymbols && !a; j++)
            if (after->symbols[j].kind == s->kind && after->symbols[j].occurrence == 0 &&
                strcmp(after->symbols[j].qualified_name, s->qualified_name) == 0)
                a = &after->symbols[j];
        struct suspect x = {.kind = s->kind,
                            .lang = lang,
                            .line = s->decl.start_line,
                            .is_method = s->kind == DK_SYM_METHOD};
        if (!a) {
            if (dk_map_has(defined, s->qualified_name, strlen(s->qualified_name)))
                continue; /* moved to another changed file */
            x.removed = true;
        } else {
            if (!s->signature || !a->signature || strcmp(s->signature, a->signature) == 0)
                continue;
            x.line = a->decl.start_line;
            if (callable(s->kind)) {
                sig_range(s->signature, s->name, x.is_method, &x.min0, &x.max0);
                sig_range(a->signature, a->name, x.is_method, &x.min1, &x.max1);
            }
        }
        x.path = dk_xstrdup(path);
        x.name = dk_xstrdup(s->name);
        x.qname = dk_xstrdup(s->qualified_name);
        dk_vec_push(out, x);
    }
}

/* Look for calls of the suspects in one other file. */
static void scan_file(suspects *sus, dk_git_repo *repo, const dk_git_file *f, dk_symcache *cache)
{
    char *src = NULL;
    size_t len = 0;
    if (f->mode == DK_GIT_MODE_LINK || f->mode == DK_GIT_MODE_GITLINK)
        return;
    if (dk_git_blob_read(&src, &len, repo, &f->id))
        return;
    const dk_language *lang = dk_language_for_path(f->path, src, len);
    bool wanted = false;
    for (size_t i = 0; lang && i < sus->len && !wanted; i++) {
        struct suspect *s = &sus->items[i];
        wanted = !s->broken_at && strcmp(s->path, f->path) != 0 && same_family(s->lang, lang) &&
                 memmem(src, len, s->name, strlen(s->name));
    }
    dk_analysis *a = NULL;
    if (wanted &&
        (cache ? dk_symcache_analyze(&a, NULL, cache, lang, f->id.id, sizeof(f->id.id), src, len)
               : dk_lang_analyze(&a, lang, src, len)) == DK_OK) {
        for (size_t c = 0; c < a->ncalls; c++) {
            const dk_call *call = &a->calls[c];
            const char *nm = callee_name(call->callee);
            for (size_t i = 0; i < sus->len; i++) {
                struct suspect *s = &sus->items[i];
                if (s->broken_at || strcmp(nm, s->name) != 0 || strcmp(s->path, f->path) == 0 ||
                    !same_family(s->lang, lang))
                    continue;
                bool broken = s->removed;
                if (!s->removed) {
                    int n = call_args(src, call->span.start_byte, call->span.end_byte);
                    broken = callable(s->kind) && n >= 0 && n >= s->min0 && n <= s->max0 &&
                             (n < s->min1 || n > s->max1);
                }
                if (broken) {
                    dk_str w = DK_STR_INIT;
                    dk_str_addf(&w, "%s:%u", f->path, call->span.start_line);
                    s->broken_at = dk_str_detach(&w, NULL);
                }
            }
        }
        dk_analysis_unref(a);
    }
    free(src);
}

int dk_vfy_semantic(dk_vfy_findings *out, dk_git_repo *repo, const dk_oid *head, const dk_oid *tree,
                    dk_symcache *cache)
{
    dk_git_changes ch = DK_GIT_CHANGES_INIT;
    dk_git_files files = DK_GIT_FILES_INIT;
    suspects sus = DK_VEC_INIT;
    dk_map defined = DK_MAP_INIT_STR;
    dk_vec(dk_analysis *) afters = DK_VEC_INIT;
    int rc;

    if (!head || dk_oid_is_zero(head))
        return DK_OK; /* nothing existed before: nothing can break */
    if ((rc = dk_git_changes_list(&ch, repo, head, tree)))
        return rc;
    /* every qualified name the changed files define after the change */
    for (size_t i = 0; i < ch.len; i++) {
        const dk_git_change *c = &ch.items[i];
        dk_analysis *a = NULL;
        if (c->kind != DK_GIT_CHANGE_DELETED && c->new_mode != DK_GIT_MODE_LINK &&
            c->new_mode != DK_GIT_MODE_GITLINK &&
            (rc = analyze(&a, repo, &c->new_id, c->path, cache, NULL)))
            goto out;
        dk_vec_push(&afters, a);
        for (size_t j = 0; a && j < a->nsymbols; j++)
            dk_map_put(&defined, a->symbols[j].qualified_name, strlen(a->symbols[j].qualified_name),
                       NULL, NULL);
    }
    for (size_t i = 0; i < ch.len; i++) {
        const dk_git_change *c = &ch.items[i];
        if (c->kind == DK_GIT_CHANGE_ADDED || c->old_mode == DK_GIT_MODE_LINK ||
            c->old_mode == DK_GIT_MODE_GITLINK)
            continue;
        dk_analysis *before = NULL;
        const dk_language *lang = NULL;
        if ((rc = analyze(&before, repo, &c->old_id, c->path, cache, &lang)))
            goto out;
        if (before)
            collect(&sus, c->path, before, afters.items[i], lang, &defined);
        dk_analysis_unref(before);
    }
    if (sus.len) {
        if ((rc = dk_git_files_list(&files, repo, tree)))
            goto out;
        for (size_t i = 0; i < files.len && i < MAX_SCAN; i++)
            scan_file(&sus, repo, &files.items[i], cache);
    }
    for (size_t i = 0; i < sus.len; i++) {
        struct suspect *s = &sus.items[i];
        dk_str msg = DK_STR_INIT;
        dk_verify_severity sev;
        const char *kind = dk_symbol_kind_name(s->kind);
        if (s->removed) {
            sev = s->broken_at && !s->is_method ? DK_VERIFY_ERROR : DK_VERIFY_WARNING;
            dk_str_addf(&msg, "public %s '%s' removed", kind, s->qname);
            if (s->broken_at)
                dk_str_addf(&msg, "; still called at %s", s->broken_at);
        } else if (s->broken_at) {
            sev = DK_VERIFY_ERROR;
            dk_str_addf(&msg,
                        "public %s '%s' changed its parameters; the call at %s still uses the "
                        "old form",
                        kind, s->qname, s->broken_at);
        } else {
            sev = DK_VERIFY_INFO;
            dk_str_addf(&msg, "public %s '%s' changed its signature", kind, s->qname);
        }
        dk_verify_finding f = {.tool = dk_xstrdup("semantic"),
                               .file = dk_xstrdup(s->path),
                               .line = s->line,
                               .severity = sev,
                               .message = dk_str_detach(&msg, NULL)};
        dk_vec_push(out, f);
    }
out:
    dk_vec_foreach(&afters, dk_analysis **, a)
        dk_analysis_unref(*a);
    dk_vec_release(&afters);
    dk_vec_foreach(&sus, struct suspect *, s)
        suspect_release(s);
    dk_vec_release(&sus);
    dk_map_release(&defined);
    dk_git_files_release(&files);
    dk_git_changes_release(&ch);
    return rc;
}
