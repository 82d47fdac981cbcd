/*
 * tests/unit/util.c - unit tests for src/util: str, vec, map, arena, errors,
 * trace hook and path validation, with their edge cases.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dk/log.h"

#include "harness/th.h"
#include "util/arena.h"
#include "util/dl.h"
#include "util/map.h"
#include "util/path.h"
#include "util/str.h"
#include "util/vec.h"

void test_str__never_null_and_terminated(void)
{
    dk_str s = DK_STR_INIT;
    th_assert(s.ptr != NULL);
    th_assert_eq_str(s.ptr, "");
    dk_str_clear(&s);
    dk_str_add(&s, "", 0);
    th_assert_eq_int(s.cap, 0);
    dk_str_adds(&s, "abc");
    dk_str_addch(&s, 'd');
    dk_str_addf(&s, "-%d-%s", 42, "x");
    th_assert_eq_str(s.ptr, "abcd-42-x");
    th_assert_eq_int(s.len, 9);
    dk_str_truncate(&s, 2);
    th_assert_eq_str(s.ptr, "ab");
    dk_str_release(&s);
    th_assert_eq_str(s.ptr, "");
    th_assert_eq_int(s.len, 0);
}

void test_str__addf_grows_past_initial_capacity(void)
{
    dk_str s = DK_STR_INIT;
    char big[5000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    for (int i = 0; i < 3; i++)
        dk_str_addf(&s, "%s%d", big, i);
    th_assert_eq_int(s.len, 3 * 5000);
    th_assert(s.ptr[4999] == '0' && s.ptr[s.len - 1] == '2');
    size_t len;
    char *p = dk_str_detach(&s, &len);
    th_assert_eq_int(len, 15000);
    th_assert_eq_str(s.ptr, "");
    free(p);
    p = dk_str_detach(&s, NULL);
    th_assert_eq_str(p, "");
    free(p);
}

void test_str__binary_safe_and_self_append(void)
{
    dk_str s = DK_STR_INIT;
    dk_str_add(&s, "a\0b", 3);
    th_assert_eq_int(s.len, 3);
    th_assert(memcmp(s.ptr, "a\0b", 4) == 0);
    dk_str_add(&s, s.ptr, s.len);
    th_assert_eq_int(s.len, 6);
    th_assert(memcmp(s.ptr, "a\0ba\0b", 7) == 0);
    dk_str_release(&s);
}

/*
 * Self-appends that cross a realloc: the source lies in the buffer being
 * moved. Every step appends at least as much as the string holds, so it has
 * to grow the buffer, and counting the growths keeps the test from passing
 * vacuously. Under ASan a stale source is a heap-use-after-free.
 */
void test_str__self_append_across_realloc(void)
{
    dk_str s = DK_STR_INIT;
    dk_str_adds(&s, "abcde");
    char want[1024] = "abcde";
    size_t want_len = 5;
    int grew = 0;
    for (int i = 0; i < 6; i++) {
        th_assert(2 * want_len + 3 < sizeof(want));
        size_t cap = s.cap;
        switch (i % 3) {
        case 0: /* the whole string */
            dk_str_add(&s, s.ptr, s.len);
            memcpy(want + want_len, want, want_len);
            want_len *= 2;
            break;
        case 1: /* a tail, through adds */
            dk_str_adds(&s, s.ptr + 1);
            memcpy(want + want_len, want + 1, want_len - 1);
            want_len = 2 * want_len - 1;
            break;
        default: /* through addf, with the string as an argument twice */
            dk_str_addf(&s, "%s|%.*s", s.ptr, 2, s.ptr);
            memcpy(want + want_len, want, want_len);
            memcpy(want + 2 * want_len, "|", 1);
            memcpy(want + 2 * want_len + 1, want, 2);
            want_len = 2 * want_len + 3;
            break;
        }
        want[want_len] = '\0';
        grew += s.cap > cap; /* realloc'd: under ASan that always moves the buffer */
        th_assert_eq_int(s.len, want_len);
        th_assert_eq_str(s.ptr, want);
    }
    th_assert_msg(grew >= 4, "only %d of 6 self-appends reallocated", grew);
    dk_str_release(&s);
}

void test_str__json_escape_of_itself(void)
{
    dk_str s = DK_STR_INIT;
    dk_str_adds(&s, "a\"\n");
    size_t cap = s.cap;
    for (int i = 0; i < 3; i++)
        dk_str_add_json_escaped(&s, s.ptr, s.len);
    th_assert(s.cap > cap);
    /* a"<nl> -> a"<nl>a\"\n -> ... each round escapes everything so far */
    dk_str want = DK_STR_INIT;
    dk_str_adds(&want, "a\"\n");
    for (int i = 0; i < 3; i++) {
        dk_str esc = DK_STR_INIT;
        for (size_t k = 0; k < want.len; k++) {
            char c = want.ptr[k];
            if (c == '"' || c == '\\')
                dk_str_addch(&esc, '\\');
            dk_str_addch(&esc, c == '\n' ? '\\' : c);
            if (c == '\n')
                dk_str_addch(&esc, 'n');
        }
        dk_str_add(&want, esc.ptr, esc.len);
        dk_str_release(&esc);
    }
    th_assert_eq_str(s.ptr, want.ptr);
    dk_str_release(&want);
    dk_str_release(&s);
}

void test_str__json_escape(void)
{
    dk_str s = DK_STR_INIT;
    const char in[] = "q\"b\\n\n\t\x01\x7f\xc3\xa9";
    dk_str_add_json_escaped(&s, in, sizeof(in) - 1);
    th_assert_eq_str(s.ptr, "q\\\"b\\\\n\\n\\t\\u0001\\u007f\xc3\xa9");
    dk_str_release(&s);
}

void test_str__slices(void)
{
    dk_slice a = DK_SLICE("hello");
    th_assert(dk_slice_eq_cstr(a, "hello"));
    th_assert(!dk_slice_eq_cstr(a, "hell"));
    th_assert(dk_slice_starts_with(a, "he"));
    th_assert(!dk_slice_starts_with(a, "hello!"));
    th_assert(dk_slice_eq((dk_slice){NULL, 0}, (dk_slice){"", 0}));
}

void test_str__utf8_validation(void)
{
    th_assert(dk_utf8_is_valid("", 0));
    th_assert(dk_utf8_is_valid("plain", 5));
    th_assert(dk_utf8_is_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
    th_assert(!dk_utf8_is_valid("\xc3", 1));             /* truncated */
    th_assert(!dk_utf8_is_valid("\xc0\xaf", 2));         /* overlong '/' */
    th_assert(!dk_utf8_is_valid("\xe0\x80\xaf", 3));     /* overlong */
    th_assert(!dk_utf8_is_valid("\xed\xa0\x80", 3));     /* surrogate */
    th_assert(!dk_utf8_is_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    th_assert(!dk_utf8_is_valid("\xff", 1));
    th_assert(!dk_utf8_is_valid("a\x80", 2)); /* stray continuation */
    /* the eight-byte ASCII steps: a bad byte at every offset of a longer text */
    char buf[40];
    for (size_t at = 0; at < sizeof(buf); at++) {
        memset(buf, 'x', sizeof(buf));
        th_assert(dk_utf8_is_valid(buf, sizeof(buf)));
        buf[at] = (char)0x80;
        th_assert(!dk_utf8_is_valid(buf, sizeof(buf)));
        th_assert(dk_utf8_is_valid(buf, at));
        if (at + 2 <= sizeof(buf)) {
            buf[at] = (char)0xc3;
            buf[at + 1] = (char)0xa9;
            th_assert(dk_utf8_is_valid(buf, sizeof(buf)));
            th_assert(!dk_utf8_is_valid(buf, at + 1)); /* cut inside the sequence */
        }
    }
    unsigned cp = 7;
    th_assert_eq_int(dk_utf8_next(&cp, "a", 1), 1);
    th_assert_eq_int(cp, 'a');
    th_assert_eq_int(dk_utf8_next(&cp, "\xc3\xa9x", 3), 2);
    th_assert_eq_int(cp, 0xe9);
    th_assert_eq_int(dk_utf8_next(&cp, "\xe2\x80\x8b", 3), 3);
    th_assert_eq_int(cp, 0x200b);
    th_assert_eq_int(dk_utf8_next(&cp, "\xf0\x9f\x98\x80", 4), 4);
    th_assert_eq_int(cp, 0x1f600);
    th_assert_eq_int(dk_utf8_next(&cp, "\xf0\x9f\x98\x80", 3), 0); /* cut short */
    th_assert_eq_int(dk_utf8_next(&cp, "\xc0\xaf", 2), 0);
    th_assert_eq_int(dk_utf8_next(&cp, "\x80", 1), 0);
    th_assert_eq_int(cp, 0x1f600); /* untouched by a failure */
    th_assert(dk_buf_is_binary("a\0b", 3));
    th_assert(!dk_buf_is_binary("text", 4));
    th_assert(!dk_buf_is_binary("", 0));
}

void test_vec__push_pop_grow(void)
{
    dk_vec(int) v = DK_VEC_INIT;
    for (int i = 0; i < 1000; i++)
        dk_vec_push(&v, i);
    th_assert_eq_int(v.len, 1000);
    th_assert(v.cap >= 1000);
    long sum = 0;
    dk_vec_foreach(&v, int *, it)
        sum += *it;
    th_assert_eq_int(sum, 999 * 1000 / 2);
    th_assert_eq_int(dk_vec_pop(&v), 999);
    th_assert_eq_int(*dk_vec_last(&v), 998);
    int *z = dk_vec_push_zero(&v);
    th_assert_eq_int(*z, 0);
    dk_vec_clear(&v);
    th_assert_eq_int(v.len, 0);
    dk_vec_release(&v);
    th_assert(v.items == NULL);
    int n = 0;
    dk_vec_foreach(&v, int *, it)
        n++;
    th_assert_eq_int(n, 0);
}

/* Pushing an element of the vector itself, by index, across reallocations. */
void test_vec__push_own_element(void)
{
    dk_vec(int) v = DK_VEC_INIT;
    dk_vec_push(&v, 1);
    for (int i = 0; i < 100; i++)
        dk_vec_push(&v, v.items[v.len - 1] + 1);
    th_assert_eq_int(v.len, 101);
    for (size_t i = 0; i < v.len; i++)
        th_assert_eq_int(v.items[i], (int)i + 1);
    dk_vec_push(&v, *dk_vec_last(&v));
    th_assert_eq_int(v.items[101], 101);
    dk_vec_release(&v);
}

void test_map__string_keys(void)
{
    dk_map m = DK_MAP_INIT_STR;
    th_assert(dk_map_get(&m, "x", 1) == NULL);
    th_assert(!dk_map_del(&m, "x", 1, NULL));
    static int vals[2000];
    char key[32];
    for (int i = 0; i < 2000; i++) {
        int n = snprintf(key, sizeof(key), "key-%d", i);
        void *old = (void *)1;
        dk_map_put(&m, key, (size_t)n, &vals[i], &old);
        th_assert(old == NULL);
    }
    th_assert_eq_int(m.len, 2000);
    for (int i = 0; i < 2000; i += 2) {
        int n = snprintf(key, sizeof(key), "key-%d", i);
        void *old = NULL;
        th_assert(dk_map_del(&m, key, (size_t)n, &old));
        th_assert(old == &vals[i]);
    }
    th_assert_eq_int(m.len, 1000);
    for (int i = 0; i < 2000; i++) {
        int n = snprintf(key, sizeof(key), "key-%d", i);
        th_assert_eq_int(dk_map_has(&m, key, (size_t)n), i % 2 == 1);
        if (i % 2)
            th_assert(dk_map_get(&m, key, (size_t)n) == &vals[i]);
    }
    /* replace returns the old value */
    void *old = NULL;
    dk_map_put(&m, "key-1", 5, &vals[0], &old);
    th_assert(old == &vals[1]);
    th_assert_eq_int(m.len, 1000);
    /* the empty key and keys that differ only after a NUL are distinct */
    dk_map_put(&m, "", 0, &vals[3], NULL);
    dk_map_put(&m, "a\0b", 3, &vals[4], NULL);
    dk_map_put(&m, "a\0c", 3, &vals[5], NULL);
    th_assert(dk_map_get(&m, "", 0) == &vals[3]);
    th_assert(dk_map_get(&m, "a\0c", 3) == &vals[5]);
    th_assert(dk_map_get(&m, "a", 1) == NULL);
    int count = 0;
    dk_map_foreach(&m, slot) {
        (void)slot;
        count++;
    }
    th_assert_eq_int(count, 1003);
    dk_map_release(&m);
    th_assert_eq_int(m.len, 0);
}

void test_map__churn_keeps_tombstones_bounded(void)
{
    dk_map m = DK_MAP_INIT_STR;
    static int v;
    for (int round = 0; round < 5000; round++) {
        char key[32];
        int n = snprintf(key, sizeof(key), "k%d", round);
        dk_map_put(&m, key, (size_t)n, &v, NULL);
        th_assert(dk_map_del(&m, key, (size_t)n, NULL));
    }
    th_assert_eq_int(m.len, 0);
    th_assert(m.cap <= 64);
    dk_map_release(&m);
}

/* dk_map_slot counts like get + put of a missing key, and lays the table out the same way */
void test_map__slot_get_or_insert(void)
{
    dk_map a = DK_MAP_INIT_STR, b = DK_MAP_INIT_STR;
    static int counts[1000];
    for (int i = 0; i < 3000; i++) {
        char key[32];
        int n = snprintf(key, sizeof(key), "k%d", i % 1000);
        bool inserted;
        void **slot = dk_map_slot(&a, key, (size_t)n, &inserted);
        th_assert_eq_int(inserted, i < 1000);
        th_assert((uintptr_t)*slot == (uintptr_t)(i / 1000));
        *slot = (void *)(uintptr_t)(i / 1000 + 1);
        int *c = dk_map_get(&b, key, (size_t)n);
        if (!c) {
            c = &counts[i % 1000];
            dk_map_put(&b, key, (size_t)n, c, NULL);
        }
        (*c)++;
        if (i % 7 == 3 && i < 1000) { /* tombstones: delete and re-add */
            th_assert(dk_map_del(&a, key, (size_t)n, NULL));
            th_assert(dk_map_del(&b, key, (size_t)n, NULL));
            slot = dk_map_slot(&a, key, (size_t)n, &inserted);
            th_assert(inserted);
            *slot = (void *)1;
            dk_map_put(&b, key, (size_t)n, c, NULL);
        }
    }
    th_assert_eq_int(a.len, 1000);
    th_assert_eq_int(a.len, b.len);
    th_assert_eq_int(a.cap, b.cap);
    for (size_t i = 0; i < a.cap; i++) {
        th_assert_eq_int(a.slots[i].state, b.slots[i].state);
        if (a.slots[i].state == 1)
            th_assert(strcmp(a.slots[i].key, b.slots[i].key) == 0);
    }
    for (int i = 0; i < 1000; i++) {
        char key[32];
        int n = snprintf(key, sizeof(key), "k%d", i);
        th_assert_eq_int((uintptr_t)dk_map_get(&a, key, (size_t)n), 3);
        th_assert_eq_int(counts[i], 3);
    }
    dk_map_release(&a);
    dk_map_release(&b);
}

/* a pooled map keeps its keys in its own arena: lookups, deletes and re-adds behave as usual */
void test_map__pooled_keys(void)
{
    dk_map m = DK_MAP_INIT_STR_POOLED;
    static int v[2];
    for (int i = 0; i < 2000; i++) {
        char key[32];
        int n = snprintf(key, sizeof(key), "key-%d", i);
        dk_map_put(&m, key, (size_t)n, &v[i % 2], NULL);
    }
    for (int i = 0; i < 2000; i += 3) {
        char key[32];
        int n = snprintf(key, sizeof(key), "key-%d", i);
        th_assert(dk_map_del(&m, key, (size_t)n, NULL));
    }
    bool inserted;
    th_assert(dk_map_slot(&m, "key-0", 5, &inserted) && inserted);
    th_assert(!dk_map_has(&m, "key-3", 5));
    th_assert(dk_map_get(&m, "key-4", 5) == &v[0]);
    th_assert(dk_map_get(&m, "key-5", 5) == &v[1]);
    th_assert_eq_int(m.len, 2000 - 667 + 1);
    size_t seen = 0;
    dk_map_foreach(&m, slot) {
        th_assert(slot->key[slot->key_len] == '\0');
        seen++;
    }
    th_assert_eq_int(seen, m.len);
    dk_map_release(&m);
    th_assert(m.pool.head == NULL);
}

void test_map__u64_keys(void)
{
    dk_map m = DK_MAP_INIT_U64;
    static int v[3];
    dk_map_put_u64(&m, 0, &v[0], NULL);
    dk_map_put_u64(&m, UINT64_MAX, &v[1], NULL);
    dk_map_put_u64(&m, 1ull << 40, &v[2], NULL);
    th_assert(dk_map_get_u64(&m, 0) == &v[0]);
    th_assert(dk_map_get_u64(&m, UINT64_MAX) == &v[1]);
    th_assert(dk_map_has_u64(&m, 1ull << 40));
    th_assert(!dk_map_has_u64(&m, 7));
    void *old;
    th_assert(dk_map_del_u64(&m, 0, &old) && old == &v[0]);
    th_assert(!dk_map_has_u64(&m, 0));
    dk_map_release(&m);
}

void test_arena__alloc_align_and_large(void)
{
    dk_arena a = DK_ARENA_INIT;
    char *s = dk_arena_strdup(&a, "hello");
    th_assert_eq_str(s, "hello");
    for (int i = 0; i < 10000; i++) {
        void *p = dk_arena_alloc(&a, (size_t)(i % 37) + 1);
        th_assert(((uintptr_t)p % _Alignof(max_align_t)) == 0);
    }
    char *big = dk_arena_alloc(&a, 3u << 20);
    memset(big, 1, 3u << 20);
    int *z = dk_arena_calloc(&a, 100, sizeof(int));
    for (int i = 0; i < 100; i++)
        th_assert_eq_int(z[i], 0);
    th_assert_eq_str(dk_arena_sprintf(&a, "%s-%d", "x", 7), "x-7");
    th_assert_eq_str(dk_arena_strndup(&a, "abcdef", 3), "abc");
    th_assert_eq_str(s, "hello");
    dk_arena_release(&a);
    th_assert(a.head == NULL);
    dk_arena_release(&a);
}

void test_errors__set_and_read(void)
{
    dk_error_clear();
    th_assert_eq_int(dk_error_last()->code, DK_OK);
    th_assert_eq_str(dk_error_last()->msg, "");
    int rc = dk_error_set(DK_ENOTFOUND, "session '%s' not found", "s_1");
    th_assert_eq_int(rc, DK_ENOTFOUND);
    th_assert_eq_str(dk_error_last()->msg, "session 's_1' not found");
    th_assert_eq_str(dk_error_name(rc), "notfound");
    th_assert_eq_str(dk_error_name(12345), "error");
    char longmsg[600];
    memset(longmsg, 'm', sizeof(longmsg) - 1);
    longmsg[sizeof(longmsg) - 1] = '\0';
    dk_error_set_at(DK_ERROR, "here", "%s", longmsg);
    th_assert_eq_int(strlen(dk_error_last()->msg), 255);
    th_assert_eq_str(dk_error_last()->where, "here");
}

/* Wrapping the last message in a new one reads the slot that is being written. */
void test_errors__wrap_the_last_message(void)
{
    dk_error_set(DK_ENOTFOUND, "no ref '%s'", "main");
    dk_error_set(DK_EINVALID, "cannot land: %s (%d)", dk_error_last()->msg, 3);
    th_assert_eq_str(dk_error_last()->msg, "cannot land: no ref 'main' (3)");
    dk_error_set(DK_EINVALID, "%s", dk_error_last()->msg);
    th_assert_eq_str(dk_error_last()->msg, "cannot land: no ref 'main' (3)");
    th_assert_eq_int(dk_error_last()->code, DK_EINVALID);
}

struct trace_seen {
    int count;
    char last[128];
};

static void trace_collect(dk_trace_level level, const char *module, const char *msg, void *payload)
{
    struct trace_seen *seen = payload;
    seen->count++;
    snprintf(seen->last, sizeof(seen->last), "%s %s %s", dk_trace_level_name(level), module, msg);
}

void test_errors__trace_hook_levels(void)
{
    struct trace_seen seen = {0};
    dk_trace(DK_TRACE_ERROR, "t", "dropped without a hook");
    dk_trace_set(trace_collect, DK_TRACE_WARN, &seen);
    dk_trace(DK_TRACE_DEBUG, "t", "too verbose");
    dk_trace(DK_TRACE_WARN, "merge", "conflict on %s", "foo");
    th_assert_eq_int(seen.count, 1);
    th_assert_eq_str(seen.last, "warn merge conflict on foo");
    dk_trace_set(NULL, DK_TRACE_DEBUG, NULL);
    dk_trace(DK_TRACE_ERROR, "t", "no hook again");
    th_assert_eq_int(seen.count, 1);
    dk_trace_level lv;
    th_assert_ok(dk_trace_level_parse(&lv, "info"));
    th_assert_eq_int(lv, DK_TRACE_INFO);
    th_assert_err(dk_trace_level_parse(&lv, "loud"), DK_EINVALID);
}

static void expect_bad_path(const char *p, size_t len, const char *fragment)
{
    th_assert_err(dk_path_validate(p, len), DK_EINVALID);
    th_assert_msg(strstr(dk_error_last()->msg, fragment) != NULL, "message '%s' lacks '%s'",
                  dk_error_last()->msg, fragment);
}

void test_path__accepts_ordinary_paths(void)
{
    const char *ok[] = {"a", "src/main.c", ".hidden", "src/.env", "a/.../b", "x.git", ".gitignore",
                        "a/.github/w.yml", "na\xc3\xafve.txt", "a b/c d.py", ".git-x", "git~10",
                        "git~1x", "git~2", ".gitx ", "agit~1",
                        /* non-ASCII that does not read as .git */
                        ".g\u00eft", ".\u0261it", ".git\u200bx", "\u200b.gitignore",
                        ".\uff47\uff49\uff54\uff58", ".gi\u0301", "\u0301", "\u200b",
                        "g\u200bit~2"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        th_assert_ok(dk_path_validate(ok[i], strlen(ok[i])));
}

void test_path__rejects_bad_paths(void)
{
    expect_bad_path("", 0, "empty");
    th_assert_err(dk_path_validate(NULL, 0), DK_EINVALID);
    expect_bad_path("/etc/passwd", 11, "absolute");
    expect_bad_path("../x", 4, "'..'");
    expect_bad_path("a/../x", 6, "'..'");
    expect_bad_path("a/..", 4, "'..'");
    expect_bad_path("./x", 3, "'.'");
    expect_bad_path("a//b", 4, "empty component");
    expect_bad_path("a/", 2, "empty component");
    expect_bad_path("a\\b", 3, "backslash");
    expect_bad_path("a\0b", 3, "nul");
    expect_bad_path("a\nb", 3, "control");
    expect_bad_path("a\x7f", 2, "control");
    expect_bad_path(".git/config", 11, ".git");
    expect_bad_path("sub/.GIT/HEAD", 13, ".git");
    expect_bad_path("sub/.git", 8, ".git");
    /* spellings that Windows, NTFS or 8.3 names read as .git */
    static const char *const dotgits[] = {
        ".git ",        ".git.", ".GIT. .", "sub/.git  /x",
        "git~1/config", "GIT~1", "git~1.",  ".git::$INDEX_ALLOCATION",
        "a/git~1:x"};
    for (size_t i = 0; i < sizeof(dotgits) / sizeof(dotgits[0]); i++)
        expect_bad_path(dotgits[i], strlen(dotgits[i]), ".git");
    /* invisible and look-alike spellings (git's is_hfs_dotgit set and more) */
    static const char *const lookalikes[] = {
        ".g\u200bit",           /* zero width space */
        ".git\u200d",           /* zero width joiner after */
        "\u200c.git/config",    /* zero width non-joiner before */
        ".g\u200eit",           /* left-to-right mark */
        "sub/.\u202egit",       /* right-to-left override */
        ".gi\u206at",           /* inhibit symmetric swapping */
        "\ufeff.git",           /* zero width no-break space (BOM) */
        ".gi\u00adt",           /* soft hyphen */
        ".g\u2060it",           /* word joiner */
        ".git\ufe0f",           /* variation selector */
        ".git\U000E0001",       /* language tag */
        ".\uff47\uff49\uff54",  /* fullwidth g i t */
        "\uff0egit",            /* fullwidth full stop */
        ".\uff27IT",            /* fullwidth G, ASCII IT */
        "\uff47\uff49\uff54~1", /* fullwidth short name */
        ".gi\u0301t",           /* combining acute accent */
        ".g\u0308it\u20d7",     /* combining diaeresis, combining arrow */
        ".git\u200b /x",        /* invisible, then a trailing space */
        ".git\u200b:stream",    /* invisible, then an NTFS stream */
    };
    for (size_t i = 0; i < sizeof(lookalikes) / sizeof(lookalikes[0]); i++)
        expect_bad_path(lookalikes[i], strlen(lookalikes[i]), "reads as '.git'");
    /* and of '.' and '..', read the same way */
    static const char *const dots[] = {".\u200c.", "a/\u200b../b", "\uff0e\uff0e/x", ".\u200d"};
    for (size_t i = 0; i < sizeof(dots) / sizeof(dots[0]); i++)
        expect_bad_path(dots[i], strlen(dots[i]), "reads as '.' or '..'");
    th_assert_ok(dk_path_validate(".\u200c.x", strlen(".\u200c.x")));
    expect_bad_path("bad\xff", 4, "utf-8");
    static char longp[DK_PATH_MAX + 2];
    memset(longp, 'a', DK_PATH_MAX + 1);
    expect_bad_path(longp, DK_PATH_MAX + 1, "limit");
    th_assert_ok(dk_path_validate(longp, DK_PATH_MAX));
}

void test_path__extension_and_basename(void)
{
    th_assert_eq_str(dk_path_extension("src/a.tar.gz"), "gz");
    th_assert_eq_str(dk_path_extension("src.d/Makefile"), "");
    th_assert_eq_str(dk_path_extension(".bashrc"), "");
    th_assert_eq_str(dk_path_basename("a/b/c.py"), "c.py");
    th_assert_eq_str(dk_path_basename("c.py"), "c.py");
}

/* dk_dl_load: every function found, or DK_EUNSUPPORTED naming what is missing */
void test_dl__load_and_refuse(void)
{
    static const char *const names[] = {"strlen", "memchr"};
    void (*fns[2])(void) = {NULL, NULL};
    th_assert_ok(dk_dl_load(fns, "libc.so.6", names, 2));
    size_t (*len)(const char *);
    memcpy(&len, &fns[0], sizeof(len));
    th_assert_eq_int((int)len("four"), 4);
    th_assert(fns[1] != NULL);

    static const char *const missing[] = {"strlen", "dk_no_such_function"};
    th_assert_err(dk_dl_load(fns, "libc.so.6", missing, 2), DK_EUNSUPPORTED);
    th_assert(strstr(dk_error_last()->msg, "has no dk_no_such_function") != NULL);
    th_assert(fns[0] == NULL && fns[1] == NULL); /* nothing half-filled */
    th_assert_err(dk_dl_load(fns, "libdk-no-such-library.so.1", names, 2), DK_EUNSUPPORTED);
    th_assert(strstr(dk_error_last()->msg, "libdk-no-such-library.so.1") != NULL);
}
