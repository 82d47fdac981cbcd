/*
 * tests/unit/merge_cases.c - the data-driven merge corpus.
 *
 * tests/merge/cases/<name>/ holds base.<ext>, ours.<ext>, theirs.<ext> and
 * expected.<ext>: the exact merged bytes with the default options (markers
 * of 7, labels "ours" and "theirs", merge style; a case directory may hold
 * a file `diff3` to use the diff3 style with label "base"). A case whose
 * expectation has conflict markers must come out not clean, and an
 * optional `conflicts` file lists, one per line, the qualified names of
 * the expected conflicts in output order ("" lines for text between
 * declarations at top level). Each case also checks the swap law: merging
 * with ours and theirs exchanged is clean exactly when the case is, and
 * when clean gives the same lines (additions at one place come ours first,
 * so their order follows the sides). A case whose merge writes both sides'
 * members on one line (`use a::{b, c, d}`) holds a file `swap_tokens`: its
 * swapped merge must have the same tokens (split at blanks, commas and brackets), the
 * members in the other order.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dk/lang.h"
#include "dk/merge.h"

#include "harness/th.h"
#include "harness/th_merge.h"
#include "util/str.h"

struct case_files {
    char *base, *ours, *theirs, *expected;
    size_t base_len, ours_len, theirs_len, expected_len;
    char path[64];
};

static char *read_opt(const char *dir, const char *name, size_t *len)
{
    char p[8192];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    struct stat st;
    if (stat(p, &st) != 0)
        return NULL;
    return th_read_file(p, len);
}

static int token_cmp(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    size_t lx = strcspn(*x, " \t\r\n,{}()[]"), ly = strcspn(*y, " \t\r\n,{}()[]");
    int c = memcmp(*x, *y, lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
}

/* Start of each token of [p, p + n) (split at blanks, commas and brackets) into t; returns the
 * count. */
static size_t tokens(const char *p, size_t n, const char **t, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < cap;) {
        while (i < n && strchr(" \t\r\n,{}()[]", p[i]))
            i++;
        if (i < n)
            t[k++] = p + i;
        while (i < n && !strchr(" \t\r\n,{}()[]", p[i]))
            i++;
    }
    return k;
}

static bool same_tokens(const char *a, size_t al, const char *b, size_t bl)
{
    static const char *ta[4096], *tb[4096];
    size_t na = tokens(a, al, ta, 4096), nb = tokens(b, bl, tb, 4096);
    if (na != nb || na == 4096)
        return false;
    qsort(ta, na, sizeof(*ta), token_cmp);
    qsort(tb, nb, sizeof(*tb), token_cmp);
    for (size_t i = 0; i < na; i++) {
        if (token_cmp(&ta[i], &tb[i]) != 0)
            return false;
    }
    return true;
}

static void first_diff(const char *name, const char *got, size_t gl, const char *want, size_t wl)
{
    size_t i = 0, line = 1;
    while (i < gl && i < wl && got[i] == want[i]) {
        if (got[i] == '\n')
            line++;
        i++;
    }
    size_t gs = i, ws = i;
    while (gs > 0 && got[gs - 1] != '\n')
        gs--;
    ws = gs;
    const char *ge = memchr(got + gs, '\n', gl - gs), *we = memchr(want + ws, '\n', wl - ws);
    th_fail(__FILE__, __LINE__,
            "case %s: output differs at line %zu\n  got:      %.*s\n  expected: %.*s\n"
            "--- full output ---\n%.*s--- end ---",
            name, line, (int)((ge ? (size_t)(ge - got) : gl) - gs), got + gs,
            (int)((we ? (size_t)(we - want) : wl) - ws), want + ws, (int)gl, got);
}

static void run_case(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    th_assert(d != NULL);
    struct case_files c;
    memset(&c, 0, sizeof(c));
    char ext[32] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "base.", 5) == 0)
            snprintf(ext, sizeof(ext), "%s", e->d_name + 5);
    }
    closedir(d);
    th_assert_msg(ext[0], "case %s has no base.<ext>", name);
    char fn[64];
    snprintf(fn, sizeof(fn), "base.%s", ext);
    c.base = read_opt(dir, fn, &c.base_len);
    snprintf(fn, sizeof(fn), "ours.%s", ext);
    c.ours = read_opt(dir, fn, &c.ours_len);
    snprintf(fn, sizeof(fn), "theirs.%s", ext);
    c.theirs = read_opt(dir, fn, &c.theirs_len);
    snprintf(fn, sizeof(fn), "expected.%s", ext);
    c.expected = read_opt(dir, fn, &c.expected_len);
    th_assert_msg(c.ours && c.theirs && c.expected, "case %s: missing ours/theirs/expected", name);
    snprintf(c.path, sizeof(c.path), "file.%s", ext);

    dk_merge_opts opts = DK_MERGE_OPTS_INIT;
    size_t flag_len;
    char *flag = read_opt(dir, "diff3", &flag_len);
    if (flag) {
        opts.style = DK_MERGE_STYLE_DIFF3;
        free(flag);
    }
    dk_merge_result *r, *swapped;
    th_assert_ok(dk_merge_file(&r, c.path, c.base, c.base_len, c.ours, c.ours_len, c.theirs,
                               c.theirs_len, &opts));
    th_assert_ok(dk_merge_file(&swapped, c.path, c.base, c.base_len, c.theirs, c.theirs_len, c.ours,
                               c.ours_len, &opts));
    /* the same merge through a symbol cache (cold, then warm) gives the same bytes */
    dk_symcache *cache;
    th_assert_ok(dk_symcache_new(&cache, 8));
    dk_merge_opts copts = opts;
    copts.cache = cache;
    for (int pass = 0; pass < 2; pass++) {
        dk_merge_result *cr;
        th_assert_ok(dk_merge_file(&cr, c.path, c.base, c.base_len, c.ours, c.ours_len, c.theirs,
                                   c.theirs_len, &copts));
        bool eq = cr->merged_len == r->merged_len &&
                  memcmp(cr->merged, r->merged, r->merged_len) == 0 && cr->clean == r->clean;
        dk_merge_result_free(cr);
        if (!eq) {
            dk_symcache_free(cache);
            th_fail(__FILE__, __LINE__, "case %s: result differs through the symbol cache", name);
        }
    }
    dk_symcache_free(cache);
    bool want_clean = !th_has_marker_lines(c.expected, c.expected_len);
    char got_copy[1 << 16];
    snprintf(got_copy, sizeof(got_copy), "%.*s", (int)r->merged_len, r->merged);
    bool same =
        r->merged_len == c.expected_len && memcmp(r->merged, c.expected, c.expected_len) == 0;
    bool clean = r->clean, swap_clean = swapped->clean;
    size_t tokens_len;
    char *swap_tokens = read_opt(dir, "swap_tokens", &tokens_len);
    bool swap_same =
        swap_tokens ? same_tokens(swapped->merged, swapped->merged_len, r->merged, r->merged_len)
                    : th_same_lines(swapped->merged, swapped->merged_len, r->merged, r->merged_len);
    free(swap_tokens);
    /* expected conflict names */
    size_t names_len;
    char *names = read_opt(dir, "conflicts", &names_len);
    char names_got[4096] = "";
    size_t off = 0;
    for (size_t i = 0; i < r->nconflicts && off < sizeof(names_got) - 1; i++)
        off += (size_t)snprintf(names_got + off, sizeof(names_got) - off, "%s\n",
                                r->conflicts[i].qualified_name);
    char note[512];
    snprintf(note, sizeof(note), "%s", r->note ? r->note : "");
    char method[32];
    snprintf(method, sizeof(method), "%s", dk_merge_method_name(r->method));
    dk_merge_result_free(r);
    dk_merge_result_free(swapped);
    char *expected = c.expected;
    size_t expected_len = c.expected_len;
    free(c.base);
    free(c.ours);
    free(c.theirs);
    if (!same) {
        static char want_copy[1 << 16];
        snprintf(want_copy, sizeof(want_copy), "%.*s", (int)expected_len, expected);
        free(expected);
        free(names);
        first_diff(name, got_copy, strlen(got_copy), want_copy, strlen(want_copy));
    }
    free(expected);
    if (clean != want_clean) {
        free(names);
        th_fail(__FILE__, __LINE__, "case %s: clean=%d, expected %d (method %s, note %s)", name,
                clean, want_clean, method, note);
    }
    if (names) {
        bool eq = strlen(names_got) == names_len && memcmp(names_got, names, names_len) == 0;
        char want_names[4096];
        snprintf(want_names, sizeof(want_names), "%.*s", (int)names_len, names);
        free(names);
        th_assert_msg(eq, "case %s: conflicts\n  got:\n%s  expected:\n%s", name, names_got,
                      want_names);
    }
    th_assert_msg(swap_clean == clean, "case %s: swapping sides changes cleanliness", name);
    th_assert_msg(!clean || swap_same, "case %s: swapping sides changes the lines of the result",
                  name);
}

static int case_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void test_merge__cases(void)
{
    char root[4096];
    snprintf(root, sizeof(root), "%s/tests/merge/cases", th_srcdir());
    DIR *d = opendir(root);
    th_assert_msg(d != NULL, "no %s", root);
    char *names[4096];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 4096) {
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), case_cmp);
    const char *only = getenv("DK_CASE");
    int failed = 0, ran = 0;
    char first_fail[256] = "";
    for (size_t i = 0; i < n; i++) {
        if (only && strcmp(only, names[i]) != 0)
            continue;
        char dir[8192];
        snprintf(dir, sizeof(dir), "%s/%s", root, names[i]);
        /* each case in its own sub-test so one failure does not hide the others */
        int rc = th_run_sub(names[i], run_case, dir, names[i]);
        ran++;
        if (rc) {
            if (!failed)
                snprintf(first_fail, sizeof(first_fail), "%s", names[i]);
            failed++;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    th_assert_msg(ran > 0, "no merge cases ran");
    th_assert_msg(failed == 0, "%d of %d merge cases failed (first: %s)", failed, ran, first_fail);
}
