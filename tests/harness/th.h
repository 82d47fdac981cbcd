/*
 * tests/harness/th.h - a small clar-like test harness.
 *
 * Tests are `void test_<suite>__<name>(void)`; optional
 * `test_<suite>__initialize` / `__cleanup` run around each test of the suite.
 * gen-registry.sh greps them into a table. An assertion failure records the
 * message and longjmps out of the test; cleanup still runs.
 * Output: one line per test, then "N passed, N failed".
 */
#ifndef DK_TESTS_TH_H
#define DK_TESTS_TH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/errors.h"

_Noreturn void th_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * End the running test as skipped - neither passed nor failed - with why
 * (a tool the test needs is missing). Printed as "skip suite::name: why";
 * counted on its own line before "N passed, N failed". Only in the test's
 * own body (not inside th_run_sub).
 */
_Noreturn void th_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define th_assert(cond)                                                                            \
    do {                                                                                           \
        if (!(cond))                                                                               \
            th_fail(__FILE__, __LINE__, "assertion failed: %s", #cond);                            \
    } while (0)

#define th_assert_msg(cond, ...)                                                                   \
    do {                                                                                           \
        if (!(cond))                                                                               \
            th_fail(__FILE__, __LINE__, __VA_ARGS__);                                              \
    } while (0)

#define th_assert_eq_int(a, b)                                                                     \
    do {                                                                                           \
        long long th_a_ = (long long)(a), th_b_ = (long long)(b);                                  \
        if (th_a_ != th_b_)                                                                        \
            th_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, th_a_, th_b_);           \
    } while (0)

#define th_assert_eq_str(a, b)                                                                     \
    do {                                                                                           \
        const char *th_a_ = (a), *th_b_ = (b);                                                     \
        if (!th_str_eq(th_a_, th_b_))                                                              \
            th_fail(__FILE__, __LINE__, "%s == %s:\n  got:      \"%s\"\n  expected: \"%s\"", #a,   \
                    #b, th_a_ ? th_a_ : "(null)", th_b_ ? th_b_ : "(null)");                       \
    } while (0)

/* Assert a dk call returns DK_OK; prints dk_error_last() otherwise. */
#define th_assert_ok(call)                                                                         \
    do {                                                                                           \
        int th_rc_ = (call);                                                                       \
        if (th_rc_ != 0)                                                                           \
            th_fail(__FILE__, __LINE__, "%s returned %d (%s): %s", #call, th_rc_,                  \
                    dk_error_name(th_rc_), dk_error_last()->msg);                                  \
    } while (0)

/* Assert a dk call fails with the given code. */
#define th_assert_err(call, code)                                                                  \
    do {                                                                                           \
        int th_rc_ = (call);                                                                       \
        if (th_rc_ != (code))                                                                      \
            th_fail(__FILE__, __LINE__, "%s returned %d (%s), expected %s (%d); last error: %s",   \
                    #call, th_rc_, dk_error_name(th_rc_), #code, (int)(code),                      \
                    dk_error_last()->msg);                                                         \
    } while (0)

bool th_str_eq(const char *a, const char *b);

/*
 * Run fn(a, b) as a sub-test: an assertion failure inside it is printed
 * ("  FAIL <label>: message") and returns 1 instead of ending the test,
 * so table-driven tests report every failing row. Returns 0 on success.
 */
int th_run_sub(const char *label, void (*fn)(const char *, const char *), const char *a,
               const char *b);

/* A fresh empty directory for this test, removed after cleanup. Never NULL. */
const char *th_tmpdir(void);
/* Root of the source tree (for fixtures); from DK_SRCDIR or ".". */
const char *th_srcdir(void);
/* Read a whole file into malloc'd memory; aborts the test on failure. */
char *th_read_file(const char *path, size_t *len);
/* Write a file, creating parent directories; aborts the test on failure. */
void th_write_file(const char *path, const char *data, size_t len);
/* Run a shell command (tests only); returns its exit status. */
int th_system(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Run `git -C repo <args>` (args built from fmt) and return its stdout and
 * stderr (malloc'd); a non-zero exit fails the test with that output.
 */
char *th_git_out(const char *repo, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
