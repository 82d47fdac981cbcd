/*
 * tests/unit/merge_api.c - the public contract of dk_merge_file and
 * dk_global_init: options versions, input limits, enum names, flags.
 */
#include <stdlib.h>
#include <string.h>

#include "dk/dk.h"

#include "harness/th.h"
#include "util/str.h"

void test_merge_api__opts_init_is_designated(void)
{
    dk_merge_opts o = DK_MERGE_OPTS_INIT;
    th_assert_eq_int(o.version, DK_MERGE_OPTS_VERSION);
    th_assert_eq_int(o.marker_size, 7);
    th_assert_eq_int(o.style, DK_MERGE_STYLE_MERGE);
    th_assert(o.cache == NULL && o.our_label == NULL && o.flags == 0);
}

void test_merge_api__bad_version_refused(void)
{
    dk_merge_opts o = DK_MERGE_OPTS_INIT;
    o.version = 99;
    dk_merge_result *r = (dk_merge_result *)1;
    th_assert_err(dk_merge_file(&r, "a.py", "a\n", 2, "b\n", 2, "c\n", 2, &o), DK_EINVALID);
    th_assert(r == NULL);
}

/* Offsets inside the merge are 32-bit: an input over the cap is refused before it is read. */
void test_merge_api__input_over_limit_refused(void)
{
    static const char small[] = "x\n";
    dk_merge_result *r = NULL;
    size_t big = (size_t)DK_MERGE_MAX_INPUT + 1;
    /* the length is checked before a byte is read, so a short buffer is safe here */
    th_assert_err(dk_merge_file(&r, "a.c", small, 2, small, big, small, 2, NULL), DK_ELIMIT);
    th_assert(r == NULL);
    th_assert(strstr(dk_error_last()->msg, "limit") != NULL);
    th_assert_err(dk_merge_file(&r, "a.c", small, big, small, 2, small, 2, NULL), DK_ELIMIT);
    th_assert_err(dk_merge_file(&r, "a.c", small, 2, small, 2, small, big, NULL), DK_ELIMIT);
    th_assert_err(dk_merge_file(&r, "a.c", NULL, 3, small, 2, small, 2, NULL), DK_EINVALID);
}

void test_merge_api__method_and_kind_names(void)
{
    th_assert_eq_str(dk_merge_method_name(DK_MERGE_METHOD_TRIVIAL), "trivial");
    th_assert_eq_str(dk_merge_method_name(DK_MERGE_METHOD_LINE), "line");
    th_assert_eq_str(dk_merge_method_name(DK_MERGE_METHOD_STRUCTURED), "structured");
    th_assert_eq_str(dk_merge_method_name(DK_MERGE_METHOD_FALLBACK), "fallback");
    th_assert_eq_str(dk_merge_method_name((dk_merge_method)42), "unknown");
    th_assert_eq_str(dk_merge_conflict_kind_name(DK_MERGE_CONFLICT_TEXT), "text");
    th_assert_eq_str(dk_merge_conflict_kind_name(DK_MERGE_CONFLICT_SYMBOL), "symbol");
    th_assert_eq_str(dk_merge_conflict_kind_name(DK_MERGE_CONFLICT_IMPORT), "import");
    th_assert_eq_str(dk_merge_conflict_kind_name(DK_MERGE_CONFLICT_FILE), "file");
    th_assert_eq_str(dk_merge_conflict_kind_name((dk_merge_conflict_kind)-1), "unknown");
}

/* A conflict inside one function is about that symbol, and says which kind it is. */
void test_merge_api__conflict_kind_of_a_symbol(void)
{
    const char *b = "def f():\n    return 1\n\n\ndef g():\n    return 2\n";
    const char *o = "def f():\n    return 10\n\n\ndef g():\n    return 2\n";
    const char *t = "def f():\n    return 11\n\n\ndef g():\n    return 2\n";
    dk_merge_result *r = NULL;
    th_assert_ok(dk_merge_file(&r, "a.py", b, strlen(b), o, strlen(o), t, strlen(t), NULL));
    th_assert(!r->clean);
    th_assert_eq_int(r->nconflicts, 1);
    th_assert_eq_int(r->conflicts[0].kind, DK_MERGE_CONFLICT_SYMBOL);
    th_assert_eq_int(r->conflicts[0].symbol_kind, DK_SYM_FUNCTION);
    th_assert_eq_str(r->conflicts[0].qualified_name, "f");
    th_assert(r->method == DK_MERGE_METHOD_STRUCTURED || r->method == DK_MERGE_METHOD_FALLBACK);
    dk_merge_result_free(r);
}

void test_merge_api__global_init_flags(void)
{
    th_assert_err(dk_global_init(1u << 30), DK_EINVALID);
    /* idempotent, and flags only add */
    th_assert_ok(dk_global_init(0));
    th_assert_ok(dk_global_init(DK_GLOBAL_ISOLATE_CONFIG));
    th_assert_ok(dk_global_init(0));
}

/*
 * Past the structured merge's edit bound (5,000 item edits) its diff gives
 * DK_ELIMIT and the merge falls back to git's result, saying why; the diff
 * runs in linear space, so this costs no more memory than a small merge.
 */
void test_merge_api__edit_bound_falls_back_to_line_merge(void)
{
    dk_str b = DK_STR_INIT, o = DK_STR_INIT, t = DK_STR_INIT;
    for (int i = 0; i < 3000; i++) {
        dk_str_addf(&b, "f(%d)\n", i);
        dk_str_addf(&o, "f(%d, 1)\n", i);
        dk_str_addf(&t, "f(%d, 2)\n", i);
    }
    dk_merge_result *r = NULL;
    th_assert_ok(dk_merge_file(&r, "big.py", b.ptr, b.len, o.ptr, o.len, t.ptr, t.len, NULL));
    th_assert(!r->clean);
    th_assert_eq_int(r->method, DK_MERGE_METHOD_FALLBACK);
    th_assert(r->note && strstr(r->note, "exceeds 5000 edits"));
    th_assert(r->nconflicts >= 1);
    dk_merge_result_free(r);
    dk_str_release(&b);
    dk_str_release(&o);
    dk_str_release(&t);
}
