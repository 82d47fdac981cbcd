/*
 * tests/unit/lang.c - language detection, symbol extraction fixtures, bad
 * input, identity and the symbol cache.
 *
 * Fixtures: tests/lang/<language>/<case>.<ext> with the hand-checked
 * expectation beside it in <case>.<ext>.expected, one line per fact:
 *   sym <kind> <qualified name> <first line>-<last line> <visibility>
 *   import <module> name=<name|-> alias=<alias|-> <ext|int>
 *   call <caller qualified name|-> <callee>[ method]
 *   error <first line>-<last line>
 * Symbol lines cover the whole declaration including leading comments,
 * attributes and decorators.
 */
#include "dk/lang.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/th.h"
#include "util/str.h"

static void outline(dk_str *o, const dk_analysis *a)
{
    for (size_t i = 0; i < a->nsymbols; i++) {
        const dk_symbol *s = &a->symbols[i];
        dk_str_addf(o, "sym %s %s %u-%u %s\n", dk_symbol_kind_name(s->kind), s->qualified_name,
                    s->span.start_line, s->span.end_line, dk_visibility_name(s->visibility));
    }
    for (size_t i = 0; i < a->nimports; i++) {
        const dk_import *im = &a->imports[i];
        dk_str_addf(o, "import %s name=%s alias=%s %s\n", im->module, im->name ? im->name : "-",
                    im->alias ? im->alias : "-", im->is_external ? "ext" : "int");
    }
    for (size_t i = 0; i < a->ncalls; i++) {
        const dk_call *c = &a->calls[i];
        dk_str_addf(o, "call %s %s%s\n",
                    c->enclosing >= 0 ? a->symbols[c->enclosing].qualified_name : "-", c->callee,
                    c->is_method ? " method" : "");
    }
    for (size_t i = 0; i < a->nerrors; i++)
        dk_str_addf(o, "error %u-%u\n", a->errors[i].start_line, a->errors[i].end_line);
}

/* Report the first differing line with context. */
static void compare_outline(const char *fixture, const char *got, const char *want)
{
    if (strcmp(got, want) == 0)
        return;
    int line = 1;
    const char *g = got, *w = want;
    while (*g && *w) {
        const char *ge = strchr(g, '\n'), *we = strchr(w, '\n');
        size_t gl = ge ? (size_t)(ge - g) : strlen(g), wl = we ? (size_t)(we - w) : strlen(w);
        if (gl != wl || memcmp(g, w, gl) != 0)
            break;
        g += gl + (ge ? 1 : 0);
        w += wl + (we ? 1 : 0);
        line++;
    }
    const char *ge = strchr(g, '\n'), *we = strchr(w, '\n');
    th_fail(__FILE__, __LINE__,
            "%s: expectation line %d differs\n  got:      %.*s\n  expected: %.*s", fixture, line,
            (int)(ge ? ge - g : (long)strlen(g)), *g ? g : "(end of output)",
            (int)(we ? we - w : (long)strlen(w)), *w ? w : "(end of expectation)");
}

static int run_fixture(const char *path)
{
    size_t len;
    char *src = th_read_file(path, &len);
    const dk_language *lang = dk_language_for_path(path, src, len);
    th_assert_msg(lang != NULL, "%s: no language detected", path);
    dk_analysis *a;
    th_assert_ok(dk_lang_analyze(&a, lang, src, len));
    dk_str got = DK_STR_INIT;
    outline(&got, a);
    char exp_path[8192];
    snprintf(exp_path, sizeof(exp_path), "%s.expected", path);
    char *want = th_read_file(exp_path, NULL);
    /* compare before freeing so a failure message can still point into the buffers */
    char *got_copy = strdup(got.ptr);
    dk_str_release(&got);
    dk_analysis_unref(a);
    free(src);
    int rc = strcmp(got_copy, want) == 0;
    if (!rc) {
        static char keep_got[1 << 16], keep_want[1 << 16];
        snprintf(keep_got, sizeof(keep_got), "%s", got_copy);
        snprintf(keep_want, sizeof(keep_want), "%s", want);
        free(got_copy);
        free(want);
        compare_outline(path, keep_got, keep_want);
    }
    free(got_copy);
    free(want);
    return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

void test_lang__fixtures(void)
{
    char root[4096];
    snprintf(root, sizeof(root), "%s/tests/lang", th_srcdir());
    DIR *top = opendir(root);
    th_assert_msg(top != NULL, "no fixture directory %s", root);
    int count = 0;
    struct dirent *ld;
    while ((ld = readdir(top)) != NULL) {
        if (ld->d_name[0] == '.')
            continue;
        char dir[4096 + 256];
        snprintf(dir, sizeof(dir), "%s/%s", root, ld->d_name);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        th_assert_msg(dk_language_by_name(ld->d_name) != NULL, "fixture dir %s is not a language",
                      ld->d_name);
        struct dirent *fe;
        while ((fe = readdir(d)) != NULL) {
            if (fe->d_name[0] == '.' || ends_with(fe->d_name, ".expected"))
                continue;
            char path[4096 + 512];
            snprintf(path, sizeof(path), "%s/%s", dir, fe->d_name);
            run_fixture(path);
            count++;
        }
        closedir(d);
    }
    closedir(top);
    th_assert(count > 0);
}

void test_lang__every_language_has_a_fixture(void)
{
    for (size_t i = 0; dk_language_at(i); i++) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/tests/lang/%s", th_srcdir(),
                 dk_language_name(dk_language_at(i)));
        struct stat st;
        th_assert_msg(stat(dir, &st) == 0, "language %s has no fixtures in %s",
                      dk_language_name(dk_language_at(i)), dir);
    }
}

void test_lang__detection(void)
{
    th_assert_eq_str(dk_language_name(dk_language_for_path("a/b.py", NULL, 0)), "python");
    th_assert_eq_str(dk_language_name(dk_language_for_path("B.PY", NULL, 0)), "python");
    th_assert(dk_language_for_path("README", NULL, 0) == NULL);
    th_assert(dk_language_for_path("x.unknownext", NULL, 0) == NULL);
    const char *sb = "#!/usr/bin/env python3\nprint(1)\n";
    th_assert_eq_str(dk_language_name(dk_language_for_path("tool", sb, strlen(sb))), "python");
    const char *sb2 = "#!/usr/bin/python3.11 -u\n";
    th_assert_eq_str(dk_language_name(dk_language_for_path("tool", sb2, strlen(sb2))), "python");
    const char *sb3 = "#!/usr/bin/pythonista\n";
    th_assert(dk_language_for_path("tool", sb3, strlen(sb3)) == NULL);
    th_assert(dk_language_for_path("tool", "#!", 2) == NULL);
    th_assert(dk_language_by_name("nope") == NULL);
    /* .h is C unless C++ keywords start a line; mentions in comments do not count */
    const char *ch = "/* a class of things; std::x */\nint f(void);\n";
    th_assert_eq_str(dk_language_name(dk_language_for_path("a.h", ch, strlen(ch))), "c");
    const char *cpph = "#pragma once\nnamespace a {\nclass B {};\n}\n";
    th_assert_eq_str(dk_language_name(dk_language_for_path("a.h", cpph, strlen(cpph))), "cpp");
    th_assert_eq_str(dk_language_name(dk_language_for_path("a.hpp", ch, strlen(ch))), "cpp");
    /* a C++ standard header (no extension) makes a header C++; <stdio.h> does not */
    const char *stdh = "#include <stdio.h>\n#include <sys/types.h>\nint f(void);\n";
    th_assert_eq_str(dk_language_name(dk_language_for_path("a.h", stdh, strlen(stdh))), "c");
    const char *maph = "#include <map>\n#include <string>\nstruct D { int x; };\n";
    th_assert_eq_str(dk_language_name(dk_language_for_path("a.h", maph, strlen(maph))), "cpp");
    th_assert_eq_str(dk_language_name(dk_language_for_path("x.tsx", NULL, 0)), "tsx");
    th_assert_eq_str(dk_language_name(dk_language_for_path("x.mjs", NULL, 0)), "javascript");
    const char *node = "#!/usr/bin/env node\nconsole.log(1)\n";
    th_assert_eq_str(dk_language_name(dk_language_for_path("cli", node, strlen(node))),
                     "javascript");
    /* a Qt Linguist translation file is `.ts` but XML: no language, merged as text */
    const char *qt =
        "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE TS>\n<TS/>\n";
    th_assert(dk_language_for_path("i18n/app_de.ts", qt, strlen(qt)) == NULL);
    const char *qt2 = "\n<!DOCTYPE TS>\n<TS version=\"2.1\"/>\n";
    th_assert(dk_language_for_path("app_fr.ts", qt2, strlen(qt2)) == NULL);
    const char *ts = "// <?xml in a comment\nexport const a = 1;\n";
    th_assert_eq_str(dk_language_name(dk_language_for_path("a.ts", ts, strlen(ts))), "typescript");
    th_assert_eq_str(dk_language_name(dk_language_for_path("a.ts", NULL, 0)), "typescript");
}

void test_lang__rejects_binary_invalid_and_oversized(void)
{
    const dk_language *py = dk_language_by_name("python");
    dk_analysis *a = (dk_analysis *)1;
    th_assert_err(dk_lang_analyze(&a, py, "def f():\0 pass", 14), DK_EBINARY);
    th_assert(a == NULL);
    th_assert_err(dk_lang_analyze(&a, py, "x = '\xff'", 7), DK_EINVALID);
    size_t big = DK_LANG_MAX_SOURCE + 1;
    char *buf = malloc(big);
    memset(buf, ' ', big);
    th_assert_err(dk_lang_analyze(&a, py, buf, big), DK_ELIMIT);
    free(buf);
    th_assert_err(dk_lang_analyze(&a, NULL, "x", 1), DK_EUNSUPPORTED);
}

void test_lang__empty_source(void)
{
    for (size_t i = 0; dk_language_at(i); i++) {
        dk_analysis *a;
        th_assert_ok(dk_lang_analyze(&a, dk_language_at(i), "", 0));
        th_assert_eq_int(a->nsymbols, 0);
        th_assert_eq_int(a->nerrors, 0);
        dk_analysis_unref(a);
    }
}

void test_lang__syntax_error_keeps_symbols_outside(void)
{
    const char *src = "def good_before():\n    return 1\n\n"
                      "def broken(:\n    ]]]\n\n"
                      "def good_after():\n    return 2\n";
    dk_analysis *a;
    th_assert_ok(dk_lang_analyze(&a, dk_language_by_name("python"), src, strlen(src)));
    th_assert(a->nerrors > 0);
    bool before = false, after = false;
    for (size_t i = 0; i < a->nsymbols; i++) {
        before |= strcmp(a->symbols[i].name, "good_before") == 0;
        after |= strcmp(a->symbols[i].name, "good_after") == 0;
    }
    th_assert(before && after);
    th_assert(a->errors[0].start_line >= 4 && a->errors[0].end_line <= 6);
    dk_analysis_unref(a);
}

void test_lang__ids_are_deterministic_with_occurrences(void)
{
    const char *src = "def f():\n    pass\n\ndef f():\n    return 1\n\nclass C:\n"
                      "    def f(self):\n        pass\n";
    dk_analysis *a, *b;
    const dk_language *py = dk_language_by_name("python");
    th_assert_ok(dk_lang_analyze(&a, py, src, strlen(src)));
    th_assert_ok(dk_lang_analyze(&b, py, src, strlen(src)));
    th_assert_eq_int(a->nsymbols, 4);
    th_assert_eq_str(a->symbols[0].local_id, "f::function");
    th_assert_eq_str(a->symbols[1].local_id, "f::function#2");
    th_assert_eq_int(a->symbols[1].occurrence, 1);
    th_assert_eq_str(a->symbols[3].local_id, "C.f::method");
    th_assert_eq_int(a->symbols[3].parent, 2);
    for (size_t i = 0; i < a->nsymbols; i++)
        th_assert_eq_str(a->symbols[i].local_id, b->symbols[i].local_id);
    /* spans, bodies and signatures */
    th_assert(a->symbols[0].has_body);
    th_assert_eq_str(a->symbols[0].signature, "def f():");
    th_assert_eq_int(a->symbols[0].span.start_line, 1);
    th_assert_eq_int(a->symbols[0].span.end_line, 2);
    th_assert_eq_int(a->symbols[0].span.start_byte, 0);
    th_assert_eq_int(a->symbols[0].span.end_byte, 17);
    dk_analysis_unref(a);
    dk_analysis_unref(b);
}

void test_lang__leading_comments_attach_unless_separated(void)
{
    const char *src = "x = 1  # trailing, not leading\n"
                      "# detached\n\n"
                      "# doc line 1\n# doc line 2\n"
                      "@decorator\n"
                      "def f():\n    pass\n";
    dk_analysis *a;
    th_assert_ok(dk_lang_analyze(&a, dk_language_by_name("python"), src, strlen(src)));
    th_assert_eq_int(a->nsymbols, 2);
    th_assert_eq_int(a->symbols[0].span.start_line, 1);
    th_assert_eq_int(a->symbols[0].span.end_line, 1);
    th_assert_eq_int(a->symbols[1].span.start_line, 4);
    th_assert_eq_int(a->symbols[1].decl.start_line, 6);
    th_assert_eq_int(a->symbols[1].span.end_line, 8);
    dk_analysis_unref(a);
}

void test_lang__cache_parses_each_content_once(void)
{
    dk_symcache *c;
    th_assert_err(dk_symcache_new(&c, 0), DK_EINVALID);
    th_assert_ok(dk_symcache_new(&c, 2));
    const dk_language *py = dk_language_by_name("python");
    const char *s1 = "def a():\n    pass\n", *s2 = "def b():\n    pass\n", *s3 = "X = 1\n";
    dk_analysis *a1, *a1b, *a2, *a3, *again;
    bool hit;
    th_assert_ok(dk_symcache_analyze(&a1, &hit, c, py, "k1", 2, s1, strlen(s1)));
    th_assert(!hit);
    th_assert_ok(dk_symcache_analyze(&a1b, &hit, c, py, "k1", 2, s1, strlen(s1)));
    th_assert(hit);
    th_assert(a1 == a1b);
    th_assert_ok(dk_symcache_analyze(&a2, &hit, c, py, "k2", 2, s2, strlen(s2)));
    th_assert_ok(dk_symcache_analyze(&a3, &hit, c, py, "k3", 2, s3, strlen(s3)));
    /* k1 was least recently used and is evicted; our references stay valid */
    th_assert_eq_str(a1->symbols[0].name, "a");
    th_assert_ok(dk_symcache_analyze(&again, &hit, c, py, "k1", 2, s1, strlen(s1)));
    th_assert(!hit);
    dk_symcache_stats st;
    dk_symcache_stats_get(&st, c);
    th_assert_eq_int(st.hits, 1);
    th_assert_eq_int(st.misses, 4);
    th_assert_eq_int(st.entries, 2);
    /* a failed analysis is not cached */
    dk_analysis *failed;
    th_assert_err(dk_symcache_analyze(&failed, NULL, c, py, "bin", 3, "\0", 1), DK_EBINARY);
    th_assert(failed == NULL);
    dk_analysis_unref(a1);
    dk_analysis_unref(a1b);
    dk_analysis_unref(a2);
    dk_analysis_unref(a3);
    dk_analysis_unref(again);
    dk_symcache_free(c);
}

/* An incremental re-analysis from a related text equals a fresh analysis. */
static void check_incremental(const dk_language *lang, const char *old, size_t old_len,
                              const char *src, size_t len, const char *what)
{
    dk_lang_opts keep = DK_LANG_OPTS_INIT;
    keep.flags = DK_LANG_KEEP_TREE;
    dk_analysis *prev, *fresh, *inc;
    th_assert_ok(dk_lang_analyze_ex(&prev, lang, old, old_len, &keep));
    th_assert_ok(dk_lang_analyze(&fresh, lang, src, len));
    dk_lang_opts o = DK_LANG_OPTS_INIT;
    o.prev = prev;
    o.prev_src = old;
    o.prev_len = old_len;
    th_assert_ok(dk_lang_analyze_ex(&inc, lang, src, len, &o));
    dk_str a = DK_STR_INIT, b = DK_STR_INIT;
    outline(&a, fresh);
    outline(&b, inc);
    bool same = strcmp(a.ptr, b.ptr) == 0;
    char msg[256];
    snprintf(msg, sizeof(msg), "%s: incremental analysis differs from a fresh one", what);
    dk_str_release(&a);
    dk_str_release(&b);
    dk_analysis_unref(prev);
    dk_analysis_unref(fresh);
    dk_analysis_unref(inc);
    th_assert_msg(same, "%s", msg);
}

void test_lang__incremental_equals_fresh(void)
{
    char root[4096];
    snprintf(root, sizeof(root), "%s/tests/lang", th_srcdir());
    DIR *top = opendir(root);
    th_assert(top != NULL);
    struct dirent *ld;
    int checked = 0;
    while ((ld = readdir(top)) != NULL) {
        if (ld->d_name[0] == '.')
            continue;
        char dir[4096 + 256];
        snprintf(dir, sizeof(dir), "%s/%s", root, ld->d_name);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *fe;
        while ((fe = readdir(d)) != NULL) {
            if (fe->d_name[0] == '.' || ends_with(fe->d_name, ".expected"))
                continue;
            char path[4096 + 512];
            snprintf(path, sizeof(path), "%s/%s", dir, fe->d_name);
            size_t len;
            char *src = th_read_file(path, &len);
            const dk_language *lang = dk_language_for_path(path, src, len);
            /* variants: drop a line, duplicate a line, swap two lines, append, empty */
            size_t nlines = 0, starts[4096];
            for (size_t i = 0; i < len && nlines < 4095; i++) {
                if (i == 0 || src[i - 1] == '\n')
                    starts[nlines++] = i;
            }
            starts[nlines] = len;
            for (size_t v = 0; v < 6 && nlines > 3; v++) {
                size_t k = (nlines * (v + 1)) / 7;
                size_t ks = starts[k], ke = starts[k + 1];
                dk_str m = DK_STR_INIT;
                if (v % 3 == 0) { /* drop line k */
                    dk_str_add(&m, src, ks);
                    dk_str_add(&m, src + ke, len - ke);
                } else if (v % 3 == 1) { /* duplicate line k */
                    dk_str_add(&m, src, ke);
                    dk_str_add(&m, src + ks, ke - ks);
                    dk_str_add(&m, src + ke, len - ke);
                } else { /* swap lines k and k+1 */
                    size_t ne = starts[k + 2];
                    dk_str_add(&m, src, ks);
                    dk_str_add(&m, src + ke, ne - ke);
                    dk_str_add(&m, src + ks, ke - ks);
                    dk_str_add(&m, src + ne, len - ne);
                }
                check_incremental(lang, src, len, m.ptr, m.len, path);
                check_incremental(lang, m.ptr, m.len, src, len, path);
                dk_str_release(&m);
                checked++;
            }
            check_incremental(lang, src, len, "", 0, path);
            check_incremental(lang, "", 0, src, len, path);
            free(src);
        }
        closedir(d);
    }
    closedir(top);
    th_assert(checked > 100);
}

void test_lang__options_version_checked(void)
{
    dk_lang_opts o = DK_LANG_OPTS_INIT;
    o.version = 99;
    dk_analysis *a;
    th_assert_err(dk_lang_analyze_ex(&a, dk_language_by_name("python"), "x = 1\n", 6, &o),
                  DK_EINVALID);
}

/* The parse budget counts work, not time: a tiny budget refuses, the default accepts, every run. */
void test_lang__parse_budget_is_work_not_time(void)
{
    const dk_language *py = dk_language_by_name("python");
    dk_str src = DK_STR_INIT;
    for (int i = 0; i < 200; i++)
        dk_str_addf(&src, "def f%d(x):\n    return x + %d\n\n\n", i, i);
    dk_lang_opts o = DK_LANG_OPTS_INIT;
    o.work_budget = 3;
    dk_analysis *a = NULL;
    for (int run = 0; run < 3; run++)
        th_assert_err(dk_lang_analyze_ex(&a, py, src.ptr, src.len, &o), DK_ELIMIT);
    th_assert(strstr(dk_error_last()->msg, "work budget") != NULL);
    o.work_budget = 0;
    th_assert_ok(dk_lang_analyze_ex(&a, py, src.ptr, src.len, &o));
    th_assert_eq_int(a->nsymbols, 200);
    dk_analysis_unref(a);
    dk_str_release(&src);
}

/*
 * C's `;` that tree-sitter finds missing after a loop macro opening a block
 * (TAILQ_FOREACH(...) {, also at top level: TEST_CASE("x") {) is no error;
 * a call missing its `;` before anything else, or before a block two lines
 * down, still is.
 */
void test_lang__c_loop_macro_block_is_no_error(void)
{
    const char *ok = "int f(struct q *h)\n{\n    int n = 0;\n"
                     "    TAILQ_FOREACH(p, h, entry) {\n        n++;\n    }\n"
                     "    list_for_each(p, h)\n    {\n        n++;\n    }\n    return n;\n}\n";
    const char *bad[] = {
        "int f(void)\n{\n    g(1)\n    return 0;\n}\n",
        "int f(void)\n{\n    g(1)\n\n    {\n        h();\n    }\n}\n",
        "int f(void)\n{\n    a.g(1) {\n        h();\n    }\n}\n",
    };
    const char *langs[] = {"c", "cpp"};
    for (int l = 0; l < 2; l++) {
        const dk_language *lang = dk_language_by_name(langs[l]);
        dk_analysis *a;
        th_assert_ok(dk_lang_analyze(&a, lang, ok, strlen(ok)));
        th_assert_eq_int(a->nerrors, 0);
        th_assert_eq_int(a->nsymbols, 1);
        dk_analysis_unref(a);
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
            th_assert_ok(dk_lang_analyze(&a, lang, bad[i], strlen(bad[i])));
            th_assert(a->nerrors > 0);
            dk_analysis_unref(a);
        }
    }
}

/*
 * A declaration no single node spans (a function and the fold-marker comment
 * after its `}`): the statements of the run of nodes that does; a range that
 * cuts a node still spans none.
 */
void test_lang__statements_of_a_declaration_with_trailing_comment(void)
{
    const char *src = "int g;\n\nint f(int n) /* {{{ */\n{\n    n++;\n    return n;\n} /* }}} */\n";
    size_t len = strlen(src);
    dk_lang_opts keep = DK_LANG_OPTS_INIT;
    keep.flags = DK_LANG_OUTLINE | DK_LANG_KEEP_TREE;
    dk_analysis *a;
    th_assert_ok(dk_lang_analyze_ex(&a, dk_language_by_name("c"), src, len, &keep));
    th_assert_eq_int(a->nsymbols, 2);
    const dk_symbol *f = &a->symbols[1];
    th_assert(strncmp(src + f->decl.end_byte - 9, "/* }}} */", 9) == 0);
    dk_span *st = NULL;
    size_t n = 0;
    th_assert_ok(dk_analysis_statements(a, f->decl.start_byte, f->decl.end_byte, &st, &n));
    th_assert_eq_int(n, 2);
    th_assert(strncmp(src + st[0].start_byte, "n++;", 4) == 0);
    th_assert(strncmp(src + st[1].start_byte, "return n;", 9) == 0);
    free(st);
    th_assert_err(dk_analysis_statements(a, f->decl.start_byte, f->decl.end_byte - 1, &st, &n),
                  DK_ENOTFOUND);
    /* a run of several declarations: the statements of each */
    th_assert_ok(dk_analysis_statements(a, 0, f->decl.end_byte, &st, &n));
    th_assert_eq_int(n, 2);
    free(st);
    dk_analysis_unref(a);
}

/*
 * Order-free statement names: a describe body's test blocks are named by their title (quotes
 * stripped, modifiers ignored); hooks, helper calls without a function, titles with escapes
 * and other statements have none; bad asks are errors.
 */
void test_lang__statement_names_of_test_blocks(void)
{
    const char *src = "describe('x', () => {\n"
                      "  beforeEach(() => {});\n"
                      "  it('works', function () {});\n"
                      "  it.only(\"works\", async () => {});\n"
                      "  test('json', app);\n"
                      "  it('it\\'s', () => {});\n"
                      "  app.get('/a', () => {});\n"
                      "});\n";
    size_t len = strlen(src);
    dk_lang_opts keep = DK_LANG_OPTS_INIT;
    keep.flags = DK_LANG_OUTLINE | DK_LANG_KEEP_TREE;
    dk_analysis *a;
    th_assert_ok(dk_lang_analyze_ex(&a, dk_language_by_name("javascript"), src, len, &keep));
    th_assert_eq_int(a->nsymbols, 1);
    dk_span *st = NULL;
    size_t n = 0;
    th_assert_ok(dk_analysis_statements(a, a->symbols[0].decl.start_byte,
                                        a->symbols[0].decl.end_byte, &st, &n));
    th_assert_eq_int(n, 6);
    const char *want[6] = {NULL, "works", "works", NULL, NULL, NULL};
    for (size_t i = 0; i < n; i++) {
        char *name = (char *)"unset";
        th_assert_ok(
            dk_analysis_statement_name(a, src, len, st[i].start_byte, st[i].end_byte, &name));
        if (want[i])
            th_assert_eq_str(name, want[i]);
        else
            th_assert(name == NULL);
        free(name);
    }
    char *name = NULL;
    th_assert_err(
        dk_analysis_statement_name(a, src, len, st[1].start_byte + 1, st[1].end_byte, &name),
        DK_ENOTFOUND);
    th_assert(name == NULL);
    th_assert_err(dk_analysis_statement_name(a, src, len, 0, (uint32_t)len + 1, &name),
                  DK_EINVALID);
    free(st);
    dk_analysis_unref(a);
    /* an analysis without its tree cannot answer; C names no order-free statements */
    th_assert_ok(dk_lang_analyze(&a, dk_language_by_name("javascript"), src, len));
    th_assert_err(dk_analysis_statement_name(a, src, len, 0, (uint32_t)len, &name), DK_EINVALID);
    dk_analysis_unref(a);
    const char *c = "int f(void)\n{\n    it(\"x\", g);\n}\n";
    th_assert_ok(dk_lang_analyze_ex(&a, dk_language_by_name("c"), c, strlen(c), &keep));
    th_assert_ok(dk_analysis_statements(a, a->symbols[0].decl.start_byte,
                                        a->symbols[0].decl.end_byte, &st, &n));
    th_assert_eq_int(n, 1);
    th_assert_ok(
        dk_analysis_statement_name(a, c, strlen(c), st[0].start_byte, st[0].end_byte, &name));
    th_assert(name == NULL);
    free(st);
    dk_analysis_unref(a);
}

/* Statements of a body: a block's children, nested blocks as one statement, errors for bad asks. */
void test_lang__statements_of_a_body(void)
{
    const dk_language *c = dk_language_by_name("c");
    const char *src = "int f(int n)\n{\n    int a = n;\n    if (a) {\n        a++;\n    }\n"
                      "    return a; /* done */\n}\n";
    size_t len = strlen(src);
    dk_lang_opts keep = DK_LANG_OPTS_INIT;
    keep.flags = DK_LANG_OUTLINE | DK_LANG_KEEP_TREE;
    dk_analysis *a;
    th_assert_ok(dk_lang_analyze_ex(&a, c, src, len, &keep));
    th_assert_eq_int(a->nsymbols, 1);
    dk_span *st = NULL;
    size_t n = 0;
    th_assert_ok(dk_analysis_statements(a, a->symbols[0].decl.start_byte,
                                        a->symbols[0].decl.end_byte, &st, &n));
    th_assert_eq_int(n, 4); /* declaration, if (its block not entered), return, comment */
    th_assert(strncmp(src + st[0].start_byte, "int a = n;", st[0].end_byte - st[0].start_byte) ==
              0);
    th_assert(strncmp(src + st[1].start_byte, "if (a)", 6) == 0);
    th_assert_eq_int(st[1].start_line, 4);
    th_assert_eq_int(st[1].end_line, 6);
    th_assert(strncmp(src + st[3].start_byte, "/* done */", 10) == 0);
    /* one level down: the if's block */
    dk_span *inner = NULL;
    size_t ni = 0;
    th_assert_ok(dk_analysis_statements(a, st[1].start_byte, st[1].end_byte, &inner, &ni));
    th_assert_eq_int(ni, 1);
    th_assert(strncmp(src + inner[0].start_byte, "a++;", 4) == 0);
    free(inner);
    /* no node spans exactly that range */
    th_assert_err(dk_analysis_statements(a, st[0].start_byte + 1, st[0].end_byte, &inner, &ni),
                  DK_ENOTFOUND);
    th_assert(inner == NULL && ni == 0);
    free(st);
    dk_analysis_unref(a);
    /* an analysis without its tree cannot answer */
    th_assert_ok(dk_lang_analyze(&a, c, src, len));
    th_assert_err(dk_analysis_statements(a, 0, (uint32_t)len, &st, &n), DK_EINVALID);
    dk_analysis_unref(a);
    /* a language without statement lists */
    const dk_language *sh = dk_language_by_name("bash");
    th_assert_ok(dk_lang_analyze_ex(&a, sh, "f() {\n  echo hi\n}\n", 18, &keep));
    th_assert_err(dk_analysis_statements(a, 0, 18, &st, &n), DK_EUNSUPPORTED);
    dk_analysis_unref(a);
}
