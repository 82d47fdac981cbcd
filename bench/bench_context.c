/*
 * bench/bench_context.c - the code-context index at scale (issue 8):
 *
 *   1. build: a generated repository of NFILES Python files (10 functions
 *      each, NFILES * 10 symbols, calls between modules), imported into a
 *      scratch engine (SQLite WAL file): the import builds the index; time
 *      of the import against the baseline measured in the same run:
 *      parsing every file alone (dk_lang_analyze, the floor any index
 *      pays); then the first query after it against the median of later
 *      queries (the first request no longer pays for the build);
 *   2. incremental: BENCH_CONTEXT_INC (default 100) commits that each change
 *      one file, moved onto the branch outside dk; time of each
 *      dk_context_index (target under 10 ms), p50 / p99 / max, against the
 *      baseline measured in the same run: parsing that file alone
 *      (dk_lang_analyze of the same blob), the floor any update pays; and
 *      the tree diff alone (dk_git_changes_list of the two commits);
 *   3. query: 300 queries of two or three vocabulary words at depth
 *      signatures (20 results), then 100 at call_graph; p50 and p99
 *      (target p99 under 20 ms at 100,000 symbols), against the baseline
 *      measured in the same run: what an agent does without an index, a
 *      scan of every file's text (in memory) for the query's words, keeping
 *      the files holding all of them.
 *
 * usage: bench_context [NFILES]   (default 10000)
 * Prints figures; exits 0 whatever they are (no timed assertions), 1 when
 * something fails.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dk/context.h"
#include "dk/engine.h"
#include "dk/lang.h"

#include "git/git.h"
#include "util/str.h"

static const char *const verbs[] = {"load",  "save",   "parse", "render", "send",  "fetch",
                                    "build", "update", "check", "merge",  "split", "encode"};
static const char *const nouns[] = {"user",    "order",  "invoice", "token",  "page",
                                    "session", "config", "cache",   "report", "payment",
                                    "account", "event",  "message", "record", "schema"};
#define NV (sizeof(verbs) / sizeof(*verbs))
#define NN (sizeof(nouns) / sizeof(*nouns))

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this thread: the machine is shared, so wall time alone says little. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof(*v), cmp_d);
    size_t k = (size_t)(p * (double)(n - 1) + 0.5);
    return v[k];
}

/* The text of module `m` (version `ver`). */
static void module_text(dk_str *s, unsigned m, unsigned ver, unsigned nfiles)
{
    dk_str_clear(s);
    dk_str_addf(s, "\"\"\"Module %u of the generated service.\"\"\"\nfrom pkg%u import mod%u\n\n\n",
                m, (m + 1) % 100, (m + 1) % nfiles);
    for (unsigned f = 0; f < 10; f++) {
        unsigned k = m * 10 + f;
        const char *v = verbs[k % NV], *n = nouns[(k / NV) % NN];
        dk_str_addf(s,
                    "def %s_%s_%u(value, options=None):\n"
                    "    \"\"\"%s the %s %u and return the result.\"\"\"\n"
                    "    data = mod%u.%s_%s_%u(value)\n"
                    "    return data + %u\n\n\n",
                    v, n, k, v, n, k, (m + 1) % nfiles, verbs[(k + 10) % NV],
                    nouns[((k + 10) / NV) % NN], ((m + 1) % nfiles) * 10 + f, ver);
    }
}

/*
 * The no-index baseline: CPU time to find the files holding every word of
 * `query` (words of 3+ letters, case-insensitive) by scanning all texts.
 */
static double scan_ms(const dk_str *texts, unsigned nfiles, const char *query)
{
    char words[8][32];
    size_t nw = 0;
    for (const char *p = query; *p && nw < 8;) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n >= 3 && n < sizeof(words[0])) {
            for (size_t i = 0; i < n; i++)
                words[nw][i] = (char)(p[i] | 0x20);
            words[nw++][n] = '\0';
        }
        p += n;
    }
    double c0 = cpu_ms();
    volatile unsigned hits = 0;
    for (unsigned m = 0; m < nfiles; m++) {
        bool all = true;
        for (size_t w = 0; w < nw && all; w++)
            all = memmem(texts[m].ptr, texts[m].len, words[w], strlen(words[w])) != NULL;
        hits += all;
    }
    (void)hits;
    return cpu_ms() - c0;
}

#define CHECK(call)                                                                                \
    do {                                                                                           \
        if ((call) != 0) {                                                                         \
            fprintf(stderr, "%s: %s\n", #call, dk_error_last()->msg);                              \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

int main(int argc, char **argv)
{
    unsigned nfiles = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 10000;
    char tmpl[] = "/tmp/dk-bench-context-XXXXXX";
    if (!mkdtemp(tmpl))
        return 1;
    char src[4200], data[4200];
    snprintf(src, sizeof(src), "%s/src.git", tmpl);
    snprintf(data, sizeof(data), "%s/data", tmpl);

    /* 1. the repository */
    double t0 = now_ms();
    dk_git_repo *g;
    CHECK(dk_git_repo_init(&g, src));
    dk_git_edit *edits = calloc(nfiles, sizeof(*edits));
    char(*paths)[48] = calloc(nfiles, sizeof(*paths));
    /* every file's text, for the baselines (parse all, scan all) */
    dk_str *texts = calloc(nfiles, sizeof(*texts));
    dk_str text = DK_STR_INIT;
    for (unsigned m = 0; m < nfiles; m++) {
        snprintf(paths[m], sizeof(paths[m]), "pkg%u/mod%u.py", m % 100, m);
        module_text(&text, m, 0, nfiles);
        texts[m] = (dk_str)DK_STR_INIT;
        dk_str_add(&texts[m], text.ptr, text.len);
        edits[m].path = paths[m];
        edits[m].op = DK_GIT_EDIT_UPSERT;
        edits[m].mode = DK_GIT_MODE_FILE;
        CHECK(dk_git_blob_write(&edits[m].id, g, text.ptr, text.len));
    }
    dk_oid tree, head;
    CHECK(dk_git_tree_build(&tree, g, NULL, edits, nfiles));
    dk_git_commit_opts co = DK_GIT_COMMIT_OPTS_INIT;
    co.author_name = "bench";
    co.author_email = "bench@example.com";
    CHECK(dk_git_commit_write(&head, g, &tree, NULL, 0, "generated\n", &co));
    CHECK(dk_git_branch_cas(g, "main", NULL, &head, NULL));
    dk_git_repo_close(g);
    printf("repository: %u files, %u functions, generated in %.0f ms\n", nfiles, nfiles * 10,
           now_ms() - t0);

    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.data_dir = data;
    o.gc_interval_ms = 0;
    dk_engine *e;
    CHECK(dk_engine_open(&e, &o));
    t0 = now_ms();
    CHECK(dk_repo_import(e, "gen", src, NULL));
    double build = now_ms() - t0;
    dk_context_index_status ixs;
    CHECK(dk_context_index_state(&ixs, e, "gen"));
    if (!ixs.has_last || strcmp(ixs.indexed_head, ixs.branch_head) != 0) {
        fprintf(stderr, "the import did not build the index\n");
        return 1;
    }
    printf("import with index build: %.0f ms (%zu files parsed, %zu symbols, %.0f files/s)\n",
           build, ixs.last.files_parsed, ixs.last.symbols_added,
           (double)ixs.last.files_parsed / (build / 1e3));
    /* the baseline: parsing every file alone, in this thread (wall and CPU) */
    const dk_language *py = dk_language_for_path("x.py", NULL, 0);
    t0 = now_ms();
    double pc0 = cpu_ms();
    for (unsigned m = 0; m < nfiles; m++) {
        dk_analysis *a = NULL;
        CHECK(dk_lang_analyze(&a, py, texts[m].ptr, texts[m].len));
        dk_analysis_unref(a);
    }
    double parse_all = now_ms() - t0, parse_all_cpu = cpu_ms() - pc0;
    printf("  baseline, parsing every file alone: %.0f ms wall, %.0f ms cpu; import / parse: "
           "%.2fx (wall)\n",
           parse_all, parse_all_cpu, build / parse_all);
    dk_repo_info *info;
    CHECK(dk_repo_get(&info, e, "gen"));
    CHECK(dk_git_repo_open(&g, info->path));
    /* the first request after the import, against the median of the next nine */
    double first[10];
    for (unsigned i = 0; i < 10; i++) {
        dk_context_opts qo = DK_CONTEXT_OPTS_INIT;
        qo.query = i % 2 ? "parse the user token" : "render page cache";
        qo.max_results = 20;
        dk_context_result *r;
        t0 = now_ms();
        CHECK(dk_context_query(&r, e, NULL, "gen", NULL, &qo));
        first[i] = now_ms() - t0;
        dk_context_result_free(r);
    }
    double first0 = first[0];
    printf("first query after the import: %.2f ms; median of the next 9: %.2f ms (ratio %.2f)\n",
           first0, pct(first + 1, 9, 0.5), first0 / pct(first + 1, 9, 0.5));

    /* 2. incremental: one file per commit */
    const char *ninc_env = getenv("BENCH_CONTEXT_INC");
    unsigned ninc = ninc_env ? (unsigned)strtoul(ninc_env, NULL, 10) : 100;
    ninc = ninc < 2 ? 2 : ninc;
    double *inc = calloc(ninc, sizeof(double)), *inc_cpu = calloc(ninc, sizeof(double));
    double *parse_cpu = calloc(ninc, sizeof(double)), *diff_cpu = calloc(ninc, sizeof(double));
    dk_context_index_stats st;
    for (unsigned i = 0; i < ninc; i++) {
        unsigned m = (i * 7919u) % nfiles;
        module_text(&text, m, i + 1, nfiles);
        dk_git_edit ed = {.path = paths[m], .op = DK_GIT_EDIT_UPSERT, .mode = DK_GIT_MODE_FILE};
        CHECK(dk_git_blob_write(&ed.id, g, text.ptr, text.len));
        dk_oid t, c, cur;
        CHECK(dk_git_branch_read(&cur, g, "main"));
        CHECK(dk_git_tree_build(&t, g, &cur, &ed, 1));
        CHECK(dk_git_commit_write(&c, g, &t, &cur, 1, "change one file\n", &co));
        CHECK(dk_git_branch_cas(g, "main", &cur, &c, NULL));
        /* the baseline: parsing the file alone */
        double p0 = cpu_ms();
        dk_analysis *a = NULL;
        CHECK(dk_lang_analyze(&a, py, text.ptr, text.len));
        parse_cpu[i] = cpu_ms() - p0;
        dk_analysis_unref(a);
        /* the tree diff alone */
        dk_git_changes ch = DK_GIT_CHANGES_INIT;
        p0 = cpu_ms();
        CHECK(dk_git_changes_list(&ch, g, &cur, &c));
        diff_cpu[i] = cpu_ms() - p0;
        dk_git_changes_release(&ch);
        t0 = now_ms();
        double c0 = cpu_ms();
        CHECK(dk_context_index(&st, e, "gen"));
        inc[i] = now_ms() - t0;
        inc_cpu[i] = cpu_ms() - c0;
        if (st.files_changed != 1 || st.files_parsed != 1) {
            fprintf(stderr, "incremental: %zu files changed, %zu parsed\n", st.files_changed,
                    st.files_parsed);
            return 1;
        }
    }
    double inc_max = 0;
    for (unsigned i = 0; i < ninc; i++)
        inc_max = inc[i] > inc_max ? inc[i] : inc_max;
    double cp50 = pct(inc_cpu, ninc, 0.5), cp99 = pct(inc_cpu, ninc, 0.99);
    double pp50 = pct(parse_cpu, ninc, 0.5), pp99 = pct(parse_cpu, ninc, 0.99);
    printf("incremental update of one file (%u commits): wall p50 %.2f ms, p99 %.2f ms, max %.2f "
           "ms; cpu p50 %.2f ms, p99 %.2f ms (target < 10 ms)\n",
           ninc, pct(inc, ninc, 0.5), pct(inc, ninc, 0.99), inc_max, cp50, cp99);
    printf("  baseline, parsing the file alone: cpu p50 %.2f ms, p99 %.2f ms; update / parse: "
           "p50 %.2fx, p99 %.2fx\n",
           pp50, pp99, cp50 / pp50, cp99 / pp99);
    printf("  of which the tree diff alone (dk_git_changes_list): cpu p50 %.3f ms, p99 %.3f ms\n",
           pct(diff_cpu, ninc, 0.5), pct(diff_cpu, ninc, 0.99));
    free(diff_cpu);
    free(inc);
    free(inc_cpu);
    free(parse_cpu);

    /* the check every query makes first: is the index at the head? */
    double up[100];
    for (unsigned i = 0; i < 100; i++) {
        t0 = now_ms();
        CHECK(dk_context_index(&st, e, "gen"));
        up[i] = now_ms() - t0;
    }
    printf("index already at the head (every query checks): p50 %.3f ms, p99 %.3f ms\n",
           pct(up, 100, 0.5), pct(up, 100, 0.99));

    /* 3. queries */
    enum { NQ = 300, NQG = 100 };
    double q[NQ], qc[NQ], scan[NQ];
    unsigned found = 0, named = 0;
    for (unsigned i = 0; i < NQ + NQG; i++) {
        unsigned k = (i * 104729u) % (nfiles * 10);
        char query[128];
        snprintf(query, sizeof(query), "%s %s %u", verbs[k % NV], nouns[(k / NV) % NN], k);
        if (i % 3 == 1)
            snprintf(query, sizeof(query), "how do we %s the %s", verbs[k % NV],
                     nouns[(k / NV) % NN]);
        dk_context_opts qo = DK_CONTEXT_OPTS_INIT;
        qo.query = query;
        qo.depth = i < NQ ? DK_CONTEXT_SIGNATURES : DK_CONTEXT_CALL_GRAPH;
        qo.max_results = 20;
        dk_context_result *r;
        t0 = now_ms();
        double c0 = cpu_ms();
        CHECK(dk_context_query(&r, e, NULL, "gen", NULL, &qo));
        double ms = now_ms() - t0, cms = cpu_ms() - c0;
        named += i % 3 != 1;
        if (i % 3 != 1 && r->nsymbols) {
            char want[96];
            snprintf(want, sizeof(want), "%s_%s_%u", verbs[k % NV], nouns[(k / NV) % NN], k);
            found += strcmp(r->symbols[0].name, want) == 0;
        }
        dk_context_result_free(r);
        if (i < NQ)
            scan[i] = scan_ms(texts, nfiles, query);
        /* the signatures figures are printed first, then the slots are reused */
        q[i < NQ ? i : i - NQ] = ms;
        qc[i < NQ ? i : i - NQ] = cms;
        if (i == NQ - 1)
            printf("query (signatures, 20 results) at %u symbols: wall p50 %.2f ms, p99 %.2f ms; "
                   "cpu p50 %.2f ms, p99 %.2f ms (target p99 < 20 ms)\n",
                   nfiles * 10, pct(q, NQ, 0.5), pct(q, NQ, 0.99), pct(qc, NQ, 0.5),
                   pct(qc, NQ, 0.99));
        if (i == NQ - 1) {
            double s50 = pct(scan, NQ, 0.5), s99 = pct(scan, NQ, 0.99);
            printf("  baseline, scanning every file's text for the words (no index): cpu p50 %.2f "
                   "ms, p99 %.2f ms; query / scan: p50 %.3fx, p99 %.3fx\n",
                   s50, s99, pct(qc, NQ, 0.5) / s50, pct(qc, NQ, 0.99) / s99);
        }
    }
    printf("query (call_graph, 20 results): wall p50 %.2f ms, p99 %.2f ms; cpu p50 %.2f ms, p99 "
           "%.2f ms\n",
           pct(q, NQG, 0.5), pct(q, NQG, 0.99), pct(qc, NQG, 0.5), pct(qc, NQG, 0.99));
    printf("named function first: %u of %u queries naming one\n", found, named);
    if (getenv("BENCH_KEEP")) {
        printf("kept %s\n", tmpl);
        return 0;
    }

    dk_git_repo_close(g);
    dk_repo_infos_free(info, 1);
    dk_engine_close(e);
    free(edits);
    free(paths);
    for (unsigned m = 0; m < nfiles; m++)
        dk_str_release(&texts[m]);
    free(texts);
    dk_str_release(&text);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
    return system(cmd) == 0 ? 0 : 1;
}
