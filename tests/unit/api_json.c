/*
 * tests/unit/api_json.c - api/'s JSON strings: well-formed UTF-8 passes
 * through, every other byte becomes U+FFFD with the exact bytes in
 * "<key>_base64" (RFC 3629 boundaries: overlongs, surrogates, past
 * U+10FFFF, truncated sequences), and the documents are what
 * dk merge-file --json and dk symbols --json print.
 */
#include "api/api_json.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dk/dk.h"

#include "harness/th.h"

/* obj[key] as a C string (must be a JSON string) */
static const char *get(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    th_assert_msg(json_is_string(v), "%s is not a string", key);
    return json_string_value(v);
}

/* Set "v" from (p, n); expect `text` and, when b64 is non-NULL, "v_base64" == b64. */
static void check(const char *p, size_t n, const char *text, const char *b64)
{
    json_t *o = json_object();
    dk_api_json_set_bytes(o, "v", p, n);
    size_t len = json_string_length(json_object_get(o, "v"));
    th_assert_msg(len == strlen(text) && memcmp(get(o, "v"), text, len) == 0,
                  "text of %zu input bytes", n);
    if (b64)
        th_assert_eq_str(get(o, "v_base64"), b64);
    else
        th_assert(json_object_get(o, "v_base64") == NULL);
    /* every document parses again (jansson checks UTF-8 strictly) */
    char *dump = json_dumps(o, JSON_COMPACT);
    json_error_t err;
    json_t *back = json_loads(dump, 0, &err);
    th_assert_msg(back != NULL, "reparse: %s", err.text);
    json_decref(back);
    free(dump);
    json_decref(o);
}

void test_api_json__utf8_passes_through(void)
{
    check("", 0, "", NULL);
    check("caf\xc3\xa9", 5, "caf\xc3\xa9", NULL);
    check("\xe2\x82\xac", 3, "\xe2\x82\xac", NULL);         /* U+20AC */
    check("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80", NULL); /* U+1F600 */
    check("\xf4\x8f\xbf\xbf", 4, "\xf4\x8f\xbf\xbf", NULL); /* U+10FFFF */
}

/* NUL is a character like any other (written \u0000) */
void test_api_json__nul_is_text(void)
{
    json_t *o = json_object();
    dk_api_json_set_bytes(o, "v", "a\0b", 3);
    th_assert_eq_int(json_string_length(json_object_get(o, "v")), 3);
    th_assert(memcmp(get(o, "v"), "a\0b", 3) == 0);
    th_assert(json_object_get(o, "v_base64") == NULL);
    char *dump = json_dumps(o, JSON_COMPACT);
    th_assert_eq_str(dump, "{\"v\":\"a\\u0000b\"}");
    free(dump);
    json_decref(o);
}

void test_api_json__bad_bytes_replaced_and_kept(void)
{
    check("caf\xe9", 4, "caf\xef\xbf\xbd", "Y2Fm6Q==");       /* Latin-1 */
    check("\xff", 1, "\xef\xbf\xbd", "/w==");                 /* never UTF-8 */
    check("\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd", "wK8="); /* overlong */
    check("\xe0\x80\xaf", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "4ICv");
    check("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "7aCA"); /* surrogate */
    check("\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
          "9JCAgA==");                                                /* > U+10FFFF */
    check("ab\xe2\x82", 4, "ab\xef\xbf\xbd\xef\xbf\xbd", "YWLigg=="); /* truncated */
    check("\xe2\x82x", 3, "\xef\xbf\xbd\xef\xbf\xbdx", "4oJ4");       /* broken */
}

void test_api_json__null_is_null(void)
{
    json_t *o = json_object();
    dk_api_json_set_str(o, "v", NULL);
    th_assert(json_is_null(json_object_get(o, "v")));
    th_assert(json_object_get(o, "v_base64") == NULL);
    json_decref(o);
}

/* The merge document keeps dk merge-file --json's field names and meaning. */
void test_api_json__merge_result_fields(void)
{
    dk_merge_opts opts = DK_MERGE_OPTS_INIT;
    opts.our_label = "";
    dk_merge_result *r;
    th_assert_ok(
        dk_merge_file(&r, "x.txt", "a\nb\nc\n", 6, "a\nB\xe9\nc\n", 7, "a\nC\nc\n", 6, &opts));
    json_t *o = dk_api_merge_result_json(r, "x.txt", true);
    th_assert_eq_str(get(o, "path"), "x.txt");
    th_assert(json_is_false(json_object_get(o, "clean")));
    th_assert_eq_str(get(o, "method"), "line");
    th_assert(json_is_null(json_object_get(o, "language")));
    th_assert(json_is_null(json_object_get(o, "note")));
    json_t *cs = json_object_get(o, "conflicts");
    th_assert_eq_int(json_array_size(cs), 1);
    json_t *c = json_array_get(cs, 0);
    th_assert_eq_str(get(c, "kind"), "text");
    th_assert_eq_str(get(c, "symbol"), "");
    th_assert_eq_int(
        json_integer_value(json_object_get(json_object_get(c, "result_lines"), "start")), 2);
    th_assert_eq_str(get(c, "ours"), "B\xef\xbf\xbd\n");
    th_assert_eq_str(get(c, "ours_base64"), "QukK");
    th_assert_eq_str(get(c, "theirs"), "C\n");
    th_assert(json_is_null(json_object_get(c, "base")));
    th_assert(json_object_get(o, "merged_base64") != NULL);
    json_decref(o);
    o = dk_api_merge_result_json(r, NULL, false);
    th_assert(json_is_null(json_object_get(o, "path")));
    th_assert(json_object_get(o, "merged") == NULL);
    json_decref(o);
    dk_merge_result_free(r);
}
