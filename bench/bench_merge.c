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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dk/lang.h"
#include "dk/merge.h"

#include "bench_scenario.h"
#include "git/git.h"

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

#define MAX_RUNS 400

int main(int argc, char **argv)
{
    static double tdk[MAX_RUNS], tgit[MAX_RUNS], twarm[MAX_RUNS];
    double sum_ratio = 0, worst_dk_2000 = 0, worst_warm_2000 = 0;
    int nscen = 0;
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        printf("usage: bench_merge DIR...\n"
               "  each DIR holds base.<ext>, ours.<ext>, theirs.<ext>; prints p50/p95 of\n"
               "  dk_merge_file against git's line merge per scenario\n");
        return argc < 2 ? 2 : 0;
    }
    printf("%-20s %6s %10s %10s %10s %10s %7s %10s %7s  %-6s %-6s %s\n", "scenario", "lines",
           "git p50", "git p95", "dk p50", "dk p95", "dk/git", "warm p50", "warm/g", "git", "dk",
           "dk method");
    printf("%-20s %6s %10s %10s %10s %10s %7s %10s %7s  %-6s %-6s %s\n", "", "", "(us)", "(us)",
           "(us)", "(us)", "", "(us)", "", "", "", "");
    for (int a = 1; a < argc; a++) {
        const char *dir = argv[a];
        struct bench_scenario sc;
        if (bench_scenario_load(&sc, dir, "bench_merge"))
            return 1;
        char(*p)[4096] = sc.path;
        char **buf = sc.buf;
        size_t *len = sc.len;
        int lines = bench_count_lines(buf[0], len[0]);
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
            double t0 = bench_now_us();
            dk_git_merge_file_result gr = {0};
            if (dk_git_merge_file(&gr, &gi[0], &gi[1], &gi[2], NULL) != 0) {
                fprintf(stderr, "bench_merge: git merge failed on %s\n", dir);
                return 1;
            }
            double t1 = bench_now_us();
            git_clean = gr.clean;
            dk_git_merge_file_result_release(&gr);
            double t2 = bench_now_us();
            dk_merge_result *r = NULL;
            if (dk_merge_file(&r, p[1], buf[0], len[0], buf[1], len[1], buf[2], len[2], NULL) !=
                0) {
                fprintf(stderr, "bench_merge: dk merge failed on %s\n", dir);
                return 1;
            }
            double t3 = bench_now_us();
            dk_clean = r->clean;
            snprintf(method, sizeof(method), "%s", dk_merge_method_name(r->method));
            dk_merge_result_free(r);
            double t4 = bench_now_us();
            if (dk_merge_file(&r, p[1], buf[0], len[0], buf[1], len[1], buf[2], len[2], &warm) !=
                0) {
                fprintf(stderr, "bench_merge: dk merge (cached) failed on %s\n", dir);
                return 1;
            }
            double t5 = bench_now_us();
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
        bench_scenario_release(&sc);
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
