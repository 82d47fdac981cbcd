/*
 * bench/bench_merge.c - in-process merge timings: dk_merge_file (the
 * structured cascade) against dk_git_merge_file (libgit2's xdiff line merge,
 * what `git merge-file` does) on the same inputs, in the same run.
 *
 *   bench_merge DIR...     each DIR holds base.<ext>, ours.<ext>, theirs.<ext>
 *
 * Per scenario: p50 and p95 wall time of many calls of each, the ratio of
 * the p50s, whether each came out clean and how dk answered (its `method`).
 * Prints a table; never fails on timings (exit 0 unless an input is missing
 * or a merge call errors).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dk/lang.h"
#include "dk/merge.h"

#include "git/git.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

static int count_lines(const char *s, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    return n;
}

#define MAX_RUNS 400

int main(int argc, char **argv)
{
    static double tdk[MAX_RUNS], tgit[MAX_RUNS], twarm[MAX_RUNS];
    double sum_ratio = 0, worst_dk_2000 = 0, worst_warm_2000 = 0;
    int nscen = 0;
    printf("%-20s %6s %10s %10s %10s %10s %7s %10s %7s  %-6s %-6s %s\n", "scenario", "lines",
           "git p50", "git p95", "dk p50", "dk p95", "dk/git", "warm p50", "warm/g", "git", "dk",
           "dk method");
    printf("%-20s %6s %10s %10s %10s %10s %7s %10s %7s  %-6s %-6s %s\n", "", "", "(us)", "(us)",
           "(us)", "(us)", "", "(us)", "", "", "", "");
    for (int a = 1; a < argc; a++) {
        const char *dir = argv[a];
        char ext[32] = "";
        DIR *d = opendir(dir);
        if (!d) {
            fprintf(stderr, "bench_merge: cannot open %s\n", dir);
            return 1;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, "base.", 5) == 0)
                snprintf(ext, sizeof(ext), "%s", e->d_name + 5);
        }
        closedir(d);
        char p[3][4096];
        const char *names[3] = {"base", "ours", "theirs"};
        char *buf[3];
        size_t len[3];
        for (int k = 0; k < 3; k++) {
            snprintf(p[k], sizeof(p[k]), "%s/%s.%s", dir, names[k], ext);
            buf[k] = read_file(p[k], &len[k]);
            if (!buf[k]) {
                fprintf(stderr, "bench_merge: cannot read %s\n", p[k]);
                return 1;
            }
        }
        int lines = count_lines(buf[0], len[0]);
        /* enough runs for a stable p95, fewer on big files */
        int runs = lines > 1000 ? 60 : lines > 300 ? 150 : MAX_RUNS;
        dk_git_merge_input gi[3];
        for (int k = 0; k < 3; k++)
            gi[k] = (dk_git_merge_input){buf[k], len[k], 0};
        bool git_clean = false, dk_clean = false;
        char method[32] = "";
        /* warm: the inputs' analyses already in a symbol cache, as in a server
         * that parsed each file when a session wrote it */
        dk_symcache *cache = NULL;
        dk_symcache_new(&cache, 16);
        dk_merge_opts warm = DK_MERGE_OPTS_INIT;
        warm.cache = cache;
        for (int i = -3; i < runs; i++) {
            double t0 = now_us();
            dk_git_merge_file_result gr = {0};
            if (dk_git_merge_file(&gr, &gi[0], &gi[1], &gi[2], NULL) != 0) {
                fprintf(stderr, "bench_merge: git merge failed on %s\n", dir);
                return 1;
            }
            double t1 = now_us();
            git_clean = gr.clean;
            dk_git_merge_file_result_release(&gr);
            double t2 = now_us();
            dk_merge_result *r = NULL;
            if (dk_merge_file(&r, p[1], buf[0], len[0], buf[1], len[1], buf[2], len[2], NULL) !=
                0) {
                fprintf(stderr, "bench_merge: dk merge failed on %s\n", dir);
                return 1;
            }
            double t3 = now_us();
            dk_clean = r->clean;
            snprintf(method, sizeof(method), "%s", dk_merge_method_name(r->method));
            dk_merge_result_free(r);
            double t4 = now_us();
            if (dk_merge_file(&r, p[1], buf[0], len[0], buf[1], len[1], buf[2], len[2], &warm) !=
                0) {
                fprintf(stderr, "bench_merge: dk merge (cached) failed on %s\n", dir);
                return 1;
            }
            double t5 = now_us();
            dk_merge_result_free(r);
            if (i >= 0) {
                tgit[i] = t1 - t0;
                tdk[i] = t3 - t2;
                twarm[i] = t5 - t4;
            }
        }
        dk_symcache_free(cache);
        double g50 = pct(tgit, runs, 0.5), g95 = pct(tgit, runs, 0.95);
        double d50 = pct(tdk, runs, 0.5), d95 = pct(tdk, runs, 0.95);
        double w50 = pct(twarm, runs, 0.5);
        const char *slash = strrchr(dir, '/');
        printf("%-20s %6d %10.1f %10.1f %10.1f %10.1f %6.1fx %10.1f %6.1fx  %-6s %-6s %s\n",
               slash ? slash + 1 : dir, lines, g50, g95, d50, d95, d50 / g50, w50, w50 / g50,
               git_clean ? "clean" : "CONFL", dk_clean ? "clean" : "CONFL", method);
        if (lines <= 2100 && w50 > worst_warm_2000)
            worst_warm_2000 = w50;
        sum_ratio += d50 / g50;
        nscen++;
        if (lines <= 2100 && d50 > worst_dk_2000)
            worst_dk_2000 = d50;
        for (int k = 0; k < 3; k++)
            free(buf[k]);
    }
    if (nscen) {
        printf("\nin-process: mean dk/git p50 ratio %.1fx over %d scenarios; "
               "slowest dk p50 for files up to 2,000 lines: %.2f ms (target < 5 ms: %s)\n",
               sum_ratio / nscen, nscen, worst_dk_2000 / 1000.0,
               worst_dk_2000 < 5000 ? "met" : "NOT met");
        printf("in-process with the inputs' analyses cached (server path): slowest p50 %.2f ms "
               "(target < 5 ms: %s)\n",
               worst_warm_2000 / 1000.0, worst_warm_2000 < 5000 ? "met" : "NOT met");
    }
    return 0;
}
