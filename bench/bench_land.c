/*
 * bench/bench_land.c - landing through the engine: N sessions (default 32)
 * on one base, each changing its own function of one Python file, submit,
 * then land one after another (every landing after the first merges the
 * file three-way onto a moved head). The baseline, measured in the same
 * run: the same N changes landed on the fast path (each session connects at
 * the current head, so head == base and nothing is merged).
 *
 *   bench_land [N] [LINES_PER_FUNCTION]
 *
 * Prints per-landing p50 / p95 / max for both, their ratio, conflicts (must
 * be 0) and whether every change is in the head. Exit 1 only if a landing
 * fails or a change is missing: timings are never asserted.
 * Store: SQLite in a temporary directory (removed at the end).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dk/engine.h"

#include "git/git.h"
#include "util/str.h"

static int nfuncs = 32, body_lines = 8;

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
    return v[(int)(p * (n - 1) + 0.5)];
}

/*
 * The file: nfuncs functions of body_lines lines; functions first..last
 * changed (first > last: none). Function i's change is always the same text.
 */
static char *app_text(int first, int last)
{
    dk_str s = DK_STR_INIT;
    for (int i = 0; i < nfuncs; i++) {
        bool changed = i >= first && i <= last;
        dk_str_addf(&s, "%sdef f%d(x):\n", i ? "\n\n" : "", i);
        for (int l = 0; l < body_lines - 1; l++)
            dk_str_addf(&s, "    x = x + %d\n", l + (changed ? 1000 * (i + 1) : 0));
        dk_str_addf(&s, "    return x\n");
    }
    return dk_str_detach(&s, NULL);
}

static int fail(const char *what)
{
    fprintf(stderr, "bench_land: %s: %s\n", what, dk_error_last()->msg);
    return 1;
}

static int make_source(const char *path)
{
    dk_git_repo *g;
    dk_oid blob, tree, c;
    char *app = app_text(1, 0);
    if (dk_git_repo_init(&g, path) || dk_git_blob_write(&blob, g, app, strlen(app)))
        return fail("source repository");
    free(app);
    dk_git_edit e = {
        .path = "app.py", .op = DK_GIT_EDIT_UPSERT, .id = blob, .mode = DK_GIT_MODE_FILE};
    dk_git_commit_opts o = DK_GIT_COMMIT_OPTS_INIT;
    o.author_name = "bench";
    o.author_email = "bench@example.com";
    int rc = dk_git_tree_build(&tree, g, NULL, &e, 1) ||
             dk_git_commit_write(&c, g, &tree, NULL, 0, "base\n", &o) ||
             dk_git_branch_cas(g, "main", NULL, &c, NULL);
    dk_git_repo_close(g);
    return rc ? fail("source commit") : 0;
}

/*
 * Connect, write app.py with functions first..i changed (the change of
 * function i, plus the earlier ones the session's base already has), submit.
 */
static int prepare(char **sid, dk_engine *e, const char *repo, int first, int i)
{
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    char agent[32];
    snprintf(agent, sizeof(agent), "bench-%d", i);
    o.repo = repo;
    o.intent = "bench change";
    o.agent_id = agent;
    dk_session_info *info;
    if (dk_session_connect(&info, e, NULL, &o))
        return fail("connect");
    *sid = strdup(info->session_id);
    dk_session_infos_free(info, 1);
    char *app = app_text(first, i);
    dk_write_result *w = NULL;
    dk_write_opts wo = DK_WRITE_OPTS_INIT;
    wo.force = true; /* the other sessions' submitted changesets are known, not stale */
    int rc = dk_file_write(&w, e, NULL, *sid, "app.py", app, strlen(app), &wo);
    dk_write_result_free(w);
    free(app);
    if (rc)
        return fail("write");
    dk_changeset_info *cs;
    if (dk_changeset_submit(&cs, e, NULL, *sid))
        return fail("submit");
    dk_changeset_info_free(cs);
    return 0;
}

/* Land `sid`, adding its time to times[*n]; counts conflicts and merged files. */
static int land(double *times, int *n, size_t *conflicts, size_t *merged, dk_engine *e,
                const char *sid)
{
    dk_land_result *r = NULL;
    double t0 = now_us();
    int rc = dk_land(&r, e, NULL, sid, NULL);
    times[(*n)++] = now_us() - t0;
    if (r) {
        *conflicts += r->nconflicts;
        *merged += r->nmerged_files;
    }
    dk_land_result_free(r);
    return rc ? fail("land") : 0;
}

/* Every function's change is in the head of `repo`. */
static int check_head(dk_engine *e, const char *repo)
{
    dk_repo_info *info;
    dk_git_repo *g;
    dk_oid head;
    char *text;
    size_t len;
    if (dk_repo_get(&info, e, repo) || dk_oid_from_hex(&head, info->head, 40) ||
        dk_git_repo_open(&g, info->path) || dk_git_file_read(&text, &len, NULL, g, &head, "app.py"))
        return fail("read head");
    dk_git_repo_close(g);
    dk_repo_infos_free(info, 1);
    int missing = 0;
    for (int i = 0; i < nfuncs; i++) {
        char want[64];
        snprintf(want, sizeof(want), "    x = x + %d\n", 1000 * (i + 1));
        missing += strstr(text, want) == NULL;
    }
    free(text);
    return missing;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        nfuncs = atoi(argv[1]) > 0 ? atoi(argv[1]) : nfuncs;
    if (argc > 2)
        body_lines = atoi(argv[2]) > 1 ? atoi(argv[2]) : body_lines;
    char tmpl[] = "/tmp/dk-bench-land-XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (!dir)
        return 1;
    char src[4096], data[4096], url[4200];
    snprintf(src, sizeof(src), "%s/src.git", dir);
    snprintf(data, sizeof(data), "%s/data", dir);
    snprintf(url, sizeof(url), "sqlite:%s/dk.db", dir);
    if (make_source(src))
        return 1;
    dk_engine_opts eo = DK_ENGINE_OPTS_INIT;
    eo.data_dir = data;
    eo.store_url = url;
    eo.gc_interval_ms = 0;
    dk_engine *e;
    if (dk_engine_open(&e, &eo) || dk_repo_import(e, "merge", src, NULL) ||
        dk_repo_import(e, "fast", src, NULL))
        return fail("engine");

    double *tm = calloc((size_t)nfuncs, sizeof(double)),
           *tf = calloc((size_t)nfuncs, sizeof(double));
    char **sids = calloc((size_t)nfuncs, sizeof(char *));
    int nm = 0, nf = 0, rc = 0;
    size_t conflicts = 0, merged = 0, fconflicts = 0, fmerged = 0;

    /* all sessions on one base, then every landing merges onto a moved head */
    for (int i = 0; i < nfuncs && !rc; i++)
        rc = prepare(&sids[i], e, "merge", i, i);
    for (int i = 0; i < nfuncs && !rc; i++)
        rc = land(tm, &nm, &conflicts, &merged, e, sids[i]);
    int missing = rc ? nfuncs : check_head(e, "merge");
    /* the baseline: one session at a time, each at the current head */
    for (int i = 0; i < nfuncs && !rc; i++) {
        char *sid;
        rc = prepare(&sid, e, "fast", 0, i);
        if (!rc)
            rc = land(tf, &nf, &fconflicts, &fmerged, e, sid);
        free(sid);
    }
    int fmissing = rc ? nfuncs : check_head(e, "fast");

    if (!rc) {
        double m50 = pct(tm, nm, 0.5), m95 = pct(tm, nm, 0.95), mmax = tm[nm - 1];
        double f50 = pct(tf, nf, 0.5), f95 = pct(tf, nf, 0.95), fmax = tf[nf - 1];
        printf("== landing: %d sessions, one file of %d functions x %d lines ==\n", nfuncs, nfuncs,
               body_lines + 1);
        printf("%-34s %10s %10s %10s %9s %7s %8s\n", "", "p50 ms", "p95 ms", "max ms", "conflicts",
               "merged", "missing");
        printf("%-34s %10.2f %10.2f %10.2f %9zu %7zu %8d\n", "same base, merged onto moved head",
               m50 / 1e3, m95 / 1e3, mmax / 1e3, conflicts, merged, missing);
        printf("%-34s %10.2f %10.2f %10.2f %9zu %7zu %8d\n", "fast path (head == base)", f50 / 1e3,
               f95 / 1e3, fmax / 1e3, fconflicts, fmerged, fmissing);
        printf("ratio merged / fast path (p50): %.2fx\n", f50 > 0 ? m50 / f50 : 0.0);
        rc = conflicts || missing || fmissing;
    }
    for (int i = 0; i < nfuncs; i++)
        free(sids[i]);
    free(sids);
    free(tm);
    free(tf);
    dk_engine_close(e);
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_land: could not remove %s\n", dir);
    return rc;
}
