/*
 * tests/unit/merge_identity.c - identity keys of C/C++ declarations in
 * alternative preprocessor branches (merge/identity.c), checked directly.
 */
#include <string.h>

#include "harness/th.h"
#include "merge/identity.h"

/* The branch key of the line holding `needle` in `src` ("" outside alternatives). */
static const char *key_at(const struct merge_branches *b, const char *src, const char *needle)
{
    const char *p = strstr(src, needle);
    th_assert(p != NULL);
    uint32_t at = (uint32_t)(p - src);
    const char *k = "";
    for (size_t i = 0; i < b->at.len && b->at.items[i] <= at; i++)
        k = b->keys.ptr + b->key.items[i];
    return k;
}

void test_merge_identity__branches(void)
{
    const char *src = "#ifndef GUARD_H\n"
                      "#define GUARD_H\n"
                      "int plain;\n"
                      "#ifdef FOO /* only foo */\n"
                      "int wrapped;\n"
                      "#endif\n"
                      "#if defined(A) && \\\n"
                      "    defined(B)\n"
                      "int first;\n"
                      "#  ifdef C\n"
                      "int nested_c;\n"
                      "#  else\n"
                      "int nested_not_c;\n"
                      "#  endif\n"
                      "#elif X > 1 // two\n"
                      "int second;\n"
                      "#else /* neither */\n"
                      "int third;\n"
                      "#endif\n"
                      "int after;\n"
                      "#endif\n";
    struct merge_branches b;
    dk_merge_branches_init(&b, src, strlen(src));
    th_assert_eq_str(key_at(&b, src, "int plain"), "");
    th_assert_eq_str(key_at(&b, src, "int wrapped"), "");
    th_assert_eq_str(key_at(&b, src, "int first"), "[#ifdefined(A)&&defined(B)|]");
    th_assert_eq_str(key_at(&b, src, "int nested_c"), "[#ifdefined(A)&&defined(B)|][#ifdefC|]");
    th_assert_eq_str(key_at(&b, src, "int nested_not_c"),
                     "[#ifdefined(A)&&defined(B)|][#ifdefC|#else]");
    th_assert_eq_str(key_at(&b, src, "int second"), "[#ifdefined(A)&&defined(B)|#elifX>1]");
    th_assert_eq_str(key_at(&b, src, "int third"), "[#ifdefined(A)&&defined(B)|#else]");
    th_assert_eq_str(key_at(&b, src, "int after"), "");
    dk_merge_branches_release(&b);
}

void test_merge_identity__unbalanced_and_empty(void)
{
    /* stray #else/#endif lines and a missing #endif: no crash, keys stay defined */
    const char *src = "#endif\n#else\nint a;\n#if A\n#else\nint b;\n";
    struct merge_branches b;
    dk_merge_branches_init(&b, src, strlen(src));
    th_assert_eq_str(key_at(&b, src, "int a"), "");
    th_assert_eq_str(key_at(&b, src, "int b"), "[#ifA|#else]");
    dk_merge_branches_release(&b);
    dk_merge_branches_init(&b, "", 0);
    th_assert_eq_int(b.at.len, 0);
    dk_merge_branches_release(&b);
}
