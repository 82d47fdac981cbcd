/*
 * tests/fuzz/fuzz_merge_body.c - invariant checks over one three-way merge.
 * See fuzz_merge.c for the input layout and the invariants.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk/merge.h"

#include "fuzz_merge.h"
#include "harness/th_merge.h"

static const char *const exts[] = {
    "f.py",  "f.c",  "f.go", "f.js",    "f.ts",    "f.rs", "f.java", "f.rb",  "f.cpp", "f.cs",
    "f.php", "f.sh", "f.kt", "f.scala", "f.swift", "f.hs", "f.jl",   "f.tsx", "f.txt", "",
};
#define NEXTS (sizeof(exts) / sizeof(exts[0]))

static void check(bool cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_merge: invariant broken: %s\n", what);
        abort();
    }
}

static const char *find_sep(const char *p, size_t len)
{
    size_t sl = sizeof(DK_FUZZ_MERGE_SEP) - 1;
    return len >= sl ? memmem(p, len, DK_FUZZ_MERGE_SEP, sl) : NULL;
}

static dk_merge_result *merge(const char *path, const char *b, size_t bl, const char *o, size_t ol,
                              const char *t, size_t tl, const dk_merge_opts *opts)
{
    dk_merge_result *r = NULL;
    int rc = dk_merge_file(&r, path, b, bl, o, ol, t, tl, opts);
    if (rc != 0) {
        /* only the line merge itself may fail (e.g. xdiff limits), and then with no result */
        check(r == NULL, "no result on failure");
        return NULL;
    }
    check(r != NULL && r->merged != NULL, "result and merged bytes present");
    check(r->merged[r->merged_len] == '\0', "merged bytes NUL-terminated");
    check(strcmp(dk_merge_method_name(r->method), "unknown") != 0, "method set");
    return r;
}

static void check_result(const dk_merge_result *r, bool inputs_have_markers)
{
    if (r->clean) {
        check(r->nconflicts == 0, "clean result has no conflict records");
        check(inputs_have_markers || !th_has_marker_lines(r->merged, r->merged_len),
              "clean result has no conflict markers");
        return;
    }
    check(r->nconflicts > 0, "conflicted result has conflict records");
    uint32_t lines = 1;
    for (size_t i = 0; i < r->merged_len; i++)
        lines += r->merged[i] == '\n' && i + 1 < r->merged_len;
    for (size_t i = 0; i < r->nconflicts; i++) {
        const dk_merge_conflict *c = &r->conflicts[i];
        check(c->qualified_name && c->description, "conflict fields set");
        check(strcmp(dk_merge_conflict_kind_name(c->kind), "unknown") != 0, "conflict kind known");
        check(c->result.start >= 1 && c->result.start <= c->result.end,
              "conflict result range ordered");
        check(c->result.end <= lines, "conflict result range inside the output");
    }
}

static void check_identity(const char *path, const char *b, size_t bl, const char *x, size_t xl,
                           const dk_merge_opts *opts)
{
    const char *in[3][3] = {{b, x, x}, {b, b, x}, {b, x, b}};
    size_t il[3][3] = {{bl, xl, xl}, {bl, bl, xl}, {bl, xl, bl}};
    /* no shortcuts: the line and structured merges must keep the law themselves */
    dk_merge_opts o = *opts;
    o.flags |= DK_MERGE_NO_SHORTCUTS;
    for (int k = 0; k < 3; k++) {
        dk_merge_result *r =
            merge(path, in[k][0], il[k][0], in[k][1], il[k][1], in[k][2], il[k][2], &o);
        if (!r)
            continue; /* the line merge itself failed (xdiff limits): no result to check */
        check(r->method != DK_MERGE_METHOD_TRIVIAL, "identity merge took no shortcut");
        check(r->clean, "identity merge is clean");
        check(r->merged_len == xl && memcmp(r->merged, x, xl) == 0, "identity merge gives X");
        dk_merge_result_free(r);
    }
}

void dk_fuzz_merge_one(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    unsigned sel = data[0];
    const char *path = exts[sel % NEXTS];
    dk_merge_opts opts = DK_MERGE_OPTS_INIT;
    opts.style = (dk_merge_style)((sel / NEXTS) % 3);
    if ((sel / NEXTS / 3) % 2)
        opts.flags |= DK_MERGE_LINE_ONLY;

    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    size_t sl = sizeof(DK_FUZZ_MERGE_SEP) - 1;
    const char *s1 = find_sep(p, (size_t)(end - p));
    const char *b = p, *o = end, *t = end;
    size_t bl = (size_t)(end - p), ol = 0, tl = 0;
    if (s1) {
        bl = (size_t)(s1 - p);
        o = s1 + sl;
        ol = (size_t)(end - o);
        const char *s2 = find_sep(o, ol);
        if (s2) {
            ol = (size_t)(s2 - o);
            t = s2 + sl;
            tl = (size_t)(end - t);
        }
    }
    bool markers =
        th_has_marker_lines(b, bl) || th_has_marker_lines(o, ol) || th_has_marker_lines(t, tl);

    dk_merge_result *r = merge(path, b, bl, o, ol, t, tl, &opts);
    if (r) {
        check_result(r, markers);
        dk_merge_result_free(r);
    }
    check_identity(path, b, bl, o, ol, &opts);
}
