/*
 * bench/bench_parse.c - the floor a merge cannot go below while it parses:
 * one full tree-sitter parse of base, timed in process against git's whole
 * line merge of the same scenario and against issue 10's 5 ms target.
 *
 *   bench_parse [-n RUNS] DIR...   each DIR holds base.<ext>, ours.<ext>, theirs.<ext>
 *
 * Per scenario, p50 wall time (interleaved runs, after 3 warm-up runs) of
 *   git      dk_git_merge_file (libgit2's xdiff merge, what `git merge-file` does)
 *   parse    one full parse of base: ts_parser_parse_string on a new parser,
 *            the tree deleted; no masking, no analysis (what every design
 *            that reads base's declarations pays at least once)
 *   analysis dk_lang_analyze_ex of base as the merge asks for it (outline):
 *            the parse plus dk's walk over the tree
 *   merge    dk_merge_file cold (four parses and the merge itself)
 * and the ratios parse/git and parse/5 ms. The structured merge parses four
 * texts; only base's parse is a full one, so `parse` is a floor, not the cost.
 * Prints a table; never fails on timings (exit 0 unless an input is missing,
 * has no language or a call errors).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tree_sitter/api.h>

#include "dk/lang.h"
#include "dk/merge.h"

#include "bench_scenario.h"
#include "git/git.h"
#include "lang/lang_int.h"

#define MAX_RUNS 400
/* issue 10: in-process cold p50 at 2,000 lines */
#define TARGET_MS 5.0

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One full parse of src with a new parser; false if the parser gives up. */
static bool parse_once(const dk_language *lang, const char *src, size_t len)
{
    TSParser *parser = ts_parser_new();
    if (!ts_parser_set_language(parser, lang->grammar())) {
        ts_parser_delete(parser);
        return false;
    }
    TSTree *tree = ts_parser_parse_string(parser, NULL, src, (uint32_t)len);
    ts_parser_delete(parser);
    if (!tree)
        return false;
    ts_tree_delete(tree);
    return true;
}

int main(int argc, char **argv)
{
    static double tgit[MAX_RUNS], tparse[MAX_RUNS], tan[MAX_RUNS], tmerge[MAX_RUNS];
    int first = 1, want_runs = 0;
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: bench_parse [-n RUNS] DIR...\n"
               "  each DIR holds base.<ext>, ours.<ext>, theirs.<ext>; prints per scenario the\n"
               "  p50 of git's merge, one full parse of base, its analysis and dk's merge\n");
        return 0;
    }
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        want_runs = atoi(argv[2]);
        first = 3;
        if (want_runs < 1 || want_runs > MAX_RUNS) {
            fprintf(stderr, "bench_parse: -n takes 1 to %d\n", MAX_RUNS);
            return 2;
        }
    }
    if (first >= argc) {
        fprintf(stderr, "usage: bench_parse [-n RUNS] DIR...\n");
        return 2;
    }
    printf("%-20s %6s %9s %9s %8s %9s %9s %8s %8s\n", "scenario", "lines", "git p50", "parse p50",
           "parse/g", "analysis", "merge p50", "merge/g", "parse/5ms");
    printf("%-20s %6s %9s %9s %8s %9s %9s %8s %8s\n", "", "", "(ms)", "(ms)", "", "(ms)", "(ms)",
           "", "");
    double worst_parse_2000 = 0;
    for (int a = first; a < argc; a++) {
        const char *dir = argv[a];
        struct bench_scenario sc;
        if (bench_scenario_load(&sc, dir, "bench_parse"))
            return 1;
        char(*p)[4096] = sc.path;
        char **buf = sc.buf;
        size_t *len = sc.len;
        const dk_language *lang = dk_language_for_path(p[0], buf[0], len[0]);
        if (!lang) {
            fprintf(stderr, "bench_parse: no language for %s\n", p[0]);
            return 1;
        }
        int lines = bench_count_lines(buf[0], len[0]);
        int runs = want_runs ? want_runs : lines > 10000 ? 7 : lines > 1000 ? 31 : 101;
        dk_git_merge_input gi[3];
        for (int k = 0; k < 3; k++)
            gi[k] = (dk_git_merge_input){buf[k], len[k], 0};
        dk_lang_opts lo = DK_LANG_OPTS_INIT;
        lo.flags = DK_LANG_OUTLINE;
        for (int i = -3; i < runs; i++) {
            double t0 = bench_now_us();
            dk_git_merge_file_result gr = {0};
            if (dk_git_merge_file(&gr, &gi[0], &gi[1], &gi[2], NULL) != 0) {
                fprintf(stderr, "bench_parse: git merge failed on %s\n", dir);
                return 1;
            }
            dk_git_merge_file_result_release(&gr);
            double t1 = bench_now_us();
            if (!parse_once(lang, buf[0], len[0])) {
                fprintf(stderr, "bench_parse: parse failed on %s\n", p[0]);
                return 1;
            }
            double t2 = bench_now_us();
            dk_analysis *an = NULL;
            if (dk_lang_analyze_ex(&an, lang, buf[0], len[0], &lo) != 0) {
                fprintf(stderr, "bench_parse: analysis failed on %s\n", p[0]);
                return 1;
            }
            dk_analysis_unref(an);
            double t3 = bench_now_us();
            dk_merge_result *r = NULL;
            if (dk_merge_file(&r, p[1], buf[0], len[0], buf[1], len[1], buf[2], len[2], NULL) !=
                0) {
                fprintf(stderr, "bench_parse: dk merge failed on %s\n", dir);
                return 1;
            }
            dk_merge_result_free(r);
            double t4 = bench_now_us();
            if (i >= 0) {
                tgit[i] = t1 - t0;
                tparse[i] = t2 - t1;
                tan[i] = t3 - t2;
                tmerge[i] = t4 - t3;
            }
        }
        double g = median(tgit, runs) / 1000, ps = median(tparse, runs) / 1000;
        double an = median(tan, runs) / 1000, m = median(tmerge, runs) / 1000;
        const char *slash = strrchr(dir, '/');
        printf("%-20s %6d %9.3f %9.3f %7.1fx %9.3f %9.3f %7.1fx %7.2fx\n", slash ? slash + 1 : dir,
               lines, g, ps, ps / g, an, m, m / g, ps / TARGET_MS);
        if (lines <= 2100 && ps > worst_parse_2000)
            worst_parse_2000 = ps;
        bench_scenario_release(&sc);
    }
    if (worst_parse_2000 > 0)
        printf("\nslowest full parse p50 for files up to 2,000 lines: %.2f ms, %.0f%% of the "
               "5 ms in-process target for the whole merge\n",
               worst_parse_2000, 100 * worst_parse_2000 / TARGET_MS);
    return 0;
}
