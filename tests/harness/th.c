/*
 * tests/harness/th.c - runner for the clar-like harness.
 *
 * Each test runs in the same process (sanitizers see everything) between
 * setjmp/longjmp. A fresh temporary directory per test is created lazily by
 * th_tmpdir() and removed afterwards. `-s suite` or `-s suite::name` selects
 * tests (prefix match, repeatable); a selection that matches no test fails
 * the run; `-l` lists them. main() calls dk_global_init as an application
 * does. A test that took a second or more says how long (wall clock), so a
 * run's log shows where the time goes.
 */
#include "th.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dk/dk.h"

struct th_test {
    const char *suite;
    const char *name;
    void (*fn)(void);
    void (*init)(void);
    void (*cleanup)(void);
};

#include "registry.inc"

static jmp_buf th_jmp;
/* where th_fail jumps: the test's buffer, or a sub-test's */
static jmp_buf *th_target = &th_jmp;
static char th_msg[4096];
static char th_tmp[512];
static int th_in_test;
/* set by th_skip (the test ends neither passed nor failed), cleared by th_fail */
static volatile int th_skipped;

bool th_str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

void th_fail(const char *file, int line, const char *fmt, ...)
{
    int n = snprintf(th_msg, sizeof(th_msg), "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(th_msg + n, sizeof(th_msg) - (size_t)n, fmt, ap);
    va_end(ap);
    th_skipped = 0;
    if (th_in_test)
        longjmp(*th_target, 1);
    fprintf(stderr, "%s\n", th_msg);
    abort();
}

void th_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(th_msg, sizeof(th_msg), fmt, ap);
    va_end(ap);
    th_skipped = 1;
    if (th_in_test && th_target == &th_jmp)
        longjmp(th_jmp, 1);
    fprintf(stderr, "th_skip outside a test or inside th_run_sub: %s\n", th_msg);
    abort();
}

int th_run_sub(const char *label, void (*fn)(const char *, const char *), const char *a,
               const char *b)
{
    jmp_buf sub;
    jmp_buf *saved = th_target;
    th_target = &sub;
    volatile int failed = 0;
    if (setjmp(sub) == 0)
        fn(a, b);
    else
        failed = 1;
    th_target = saved;
    if (failed)
        printf("  FAIL %s: %s\n", label, th_msg);
    th_msg[0] = '\0';
    return failed;
}

const char *th_tmpdir(void)
{
    if (!th_tmp[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(th_tmp, sizeof(th_tmp), "%s/dk-test-XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(th_tmp))
            th_fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
    }
    return th_tmp;
}

const char *th_srcdir(void)
{
    const char *d = getenv("DK_SRCDIR");
    return d && *d ? d : ".";
}

char *th_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        th_fail(__FILE__, __LINE__, "open %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static void mkdirs(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    }
}

void th_write_file(const char *path, const char *data, size_t len)
{
    mkdirs(path);
    FILE *f = fopen(path, "wb");
    if (!f)
        th_fail(__FILE__, __LINE__, "create %s: %s", path, strerror(errno));
    if (len && fwrite(data, 1, len, f) != len)
        th_fail(__FILE__, __LINE__, "write %s failed", path);
    fclose(f);
}

int th_system(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc == -1)
        return -1;
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
}

char *th_git_out(const char *repo, const char *fmt, ...)
{
    char args[2048], out[4200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    snprintf(out, sizeof(out), "%s/git-out.txt", th_tmpdir());
    int rc = th_system("git -C '%s' %s >'%s' 2>&1", repo, args, out);
    size_t len;
    char *text = th_read_file(out, &len);
    th_assert_msg(rc == 0, "git %s exited %d: %s", args, rc, text);
    return text;
}

static void tmp_remove(void)
{
    if (!th_tmp[0])
        return;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", th_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", th_tmp);
    th_tmp[0] = '\0';
}

static bool selected(const struct th_test *t, int argc, char **argv)
{
    bool any = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-s") != 0 || i + 1 >= argc)
            continue;
        any = true;
        char full[512];
        snprintf(full, sizeof(full), "%s::%s", t->suite, t->name);
        const char *sel = argv[++i];
        if (strncmp(full, sel, strlen(sel)) == 0)
            return true;
    }
    return !any;
}

/* Wall-clock seconds (monotonic). */
static double th_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* " (N.N s)" for a test that took a second or more, else "". */
static const char *th_took(char *buf, size_t size, double seconds)
{
    buf[0] = '\0';
    if (seconds >= 1.0)
        snprintf(buf, size, " (%.1f s)", seconds);
    return buf;
}

int main(int argc, char **argv)
{
    static int passed, failed, skipped;
    static size_t n;
    n = sizeof(th_tests) / sizeof(th_tests[0]);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-l") == 0) {
            for (size_t k = 0; k < n; k++) {
                if (th_tests[k].fn)
                    printf("%s::%s\n", th_tests[k].suite, th_tests[k].name);
            }
            return 0;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* as the CLI does: tests read no git configuration from outside their repositories */
    if (dk_global_init(DK_GLOBAL_ISOLATE_CONFIG) != DK_OK) {
        fprintf(stderr, "dk_global_init: %s\n", dk_error_last()->msg);
        return 1;
    }
    for (size_t k = 0; k < n; k++) {
        /* volatile: live across the setjmp below (-Wclobbered at -O2) */
        const struct th_test *volatile t = &th_tests[k];
        if (!t->fn || !selected(t, argc, argv))
            continue;
        dk_error_clear();
        th_msg[0] = '\0';
        th_in_test = 1;
        th_skipped = 0;
        volatile int ok = 1;
        const double t0 = th_now();
        if (setjmp(th_jmp) == 0) {
            if (t->init)
                t->init();
            t->fn();
        } else {
            ok = 0;
        }
        if (t->cleanup) {
            if (setjmp(th_jmp) == 0) {
                t->cleanup();
            } else {
                ok = 0;
            }
        }
        th_in_test = 0;
        tmp_remove();
        char took[32];
        th_took(took, sizeof(took), th_now() - t0);
        if (ok) {
            passed++;
            printf("ok   %s::%s%s\n", t->suite, t->name, took);
        } else if (th_skipped) {
            skipped++;
            printf("skip %s::%s: %s\n", t->suite, t->name, th_msg);
        } else {
            failed++;
            printf("FAIL %s::%s%s\n     %s\n", t->suite, t->name, took, th_msg);
        }
    }
    if (skipped)
        printf("%d skipped (not counted as passed)\n", skipped);
    if (passed + failed + skipped == 0) {
        /* a filter that selects nothing is a mistake (a renamed test, a typo), not a pass */
        fprintf(stderr, "no test matches the selection\n");
        failed = 1;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
