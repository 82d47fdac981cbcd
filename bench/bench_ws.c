/*
 * bench/bench_ws.c - the workspace engine's figures (issue 6), from one run:
 *
 *   1. session create on a 10,000-file repository against `git worktree
 *      add` of the same commit (target: >= 1000x faster);
 *   2. session create at 100 and at 100,000 files (target: flat within 2x);
 *   3. memory per live session with 10 written files, beyond content (which
 *      lives in git, not in memory) (target: < 16 KB);
 *   4. 16 threads x 1,000 write+read pairs, each thread in its own session:
 *      throughput and p99 of one pair.
 *
 * Usage: bench_ws DIR [threads] [pairs]   (DIR: a scratch directory, emptied)
 * Store: SQLite in DIR (the default deployment). Prints figures; exits 0
 * whatever they are (no timed assertions), non-zero only if an operation
 * fails.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dk/dk.h"
#include "dk/engine.h"

#include "git/git.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_ws: %s: %d %s\n", what, rc, dk_error_last()->msg);
    exit(1);
}

/* A source repository of `n` files in directories of 100, one commit on main. */
static void make_source(const char *path, size_t n)
{
    dk_git_repo *g;
    int rc = dk_git_repo_init(&g, path);
    if (rc)
        die("init source", rc);
    dk_git_edit *edits = calloc(n, sizeof(*edits));
    char **paths = calloc(n, sizeof(*paths));
    for (size_t i = 0; i < n; i++) {
        char text[96], p[64];
        snprintf(text, sizeof(text), "def f%zu(x):\n    return x + %zu\n", i, i);
        snprintf(p, sizeof(p), "d%03zu/f%05zu.py", i / 100, i);
        paths[i] = strdup(p);
        edits[i].path = paths[i];
        edits[i].op = DK_GIT_EDIT_UPSERT;
        edits[i].mode = DK_GIT_MODE_FILE;
        if ((rc = dk_git_blob_write(&edits[i].id, g, text, strlen(text))))
            die("blob", rc);
    }
    dk_oid tree, commit;
    if ((rc = dk_git_tree_build(&tree, g, NULL, edits, n)))
        die("tree", rc);
    dk_git_commit_opts o = {.version = DK_GIT_COMMIT_OPTS_VERSION,
                            .author_name = "bench",
                            .author_email = "bench@example.com"};
    if ((rc = dk_git_commit_write(&commit, g, &tree, NULL, 0, "files\n", &o)) ||
        (rc = dk_git_branch_cas(g, "main", NULL, &commit, NULL)))
        die("commit", rc);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    free(edits);
    dk_git_repo_close(g);
}

static dk_engine *open_engine(const char *dir)
{
    char data[4096];
    snprintf(data, sizeof(data), "%s/data", dir);
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.data_dir = data;
    o.gc_interval_ms = 0;
    dk_engine *e;
    int rc = dk_engine_open(&e, &o);
    if (rc)
        die("open engine", rc);
    return e;
}

static char *connect_one(dk_engine *e, const char *repo, const char *agent)
{
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    o.repo = repo;
    o.intent = "bench";
    o.agent_id = agent;
    dk_session_info *info;
    int rc = dk_session_connect(&info, e, NULL, &o);
    if (rc)
        die("connect", rc);
    char *id = strdup(info->session_id);
    dk_session_infos_free(info, 1);
    return id;
}

/* Mean seconds per session create over `runs`. */
static double time_connect(dk_engine *e, const char *repo, int runs)
{
    double t0 = now_s();
    for (int i = 0; i < runs; i++) {
        char *id = connect_one(e, repo, "bench");
        free(id);
    }
    return (now_s() - t0) / runs;
}

static double time_worktree(const char *dir, const char *repo_path, int runs)
{
    double total = 0;
    for (int i = 0; i < runs; i++) {
        char cmd[8192];
        snprintf(cmd, sizeof(cmd), "git -C '%s' worktree add -q --detach '%s/wt%d' main", repo_path,
                 dir, i);
        double t0 = now_s();
        if (system(cmd) != 0)
            die("git worktree add", -1);
        total += now_s() - t0;
    }
    return total / runs;
}

struct worker {
    dk_engine *e;
    char *sid;
    int n;
    int pairs;
    double *lat;
    int errors;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < w->pairs; i++) {
        char path[64], text[128];
        snprintf(path, sizeof(path), "w%d/f%d.py", w->n, i % 50);
        snprintf(text, sizeof(text), "def g%d_%d(x):\n    return x * %d\n", w->n, i % 50, i);
        double t0 = now_s();
        dk_write_result *r = NULL;
        int rc = dk_file_write(&r, w->e, NULL, w->sid, path, text, strlen(text), NULL);
        dk_write_result_free(r);
        dk_file *f = NULL;
        if (rc == 0)
            rc = dk_file_read(&f, w->e, NULL, w->sid, path);
        dk_file_free(f);
        w->lat[i] = now_s() - t0;
        w->errors += rc != 0;
    }
    return NULL;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_ws DIR [threads] [pairs]\n");
        return 2;
    }
    const char *dir = argv[1];
    int threads = argc > 2 ? atoi(argv[2]) : 16;
    int pairs = argc > 3 ? atoi(argv[3]) : 1000;
    dk_global_init(DK_GLOBAL_ISOLATE_CONFIG);
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        die("scratch dir", -1);

    static const size_t sizes[] = {100, 10000, 100000};
    dk_engine *e = open_engine(dir);
    double create[3];
    for (int i = 0; i < 3; i++) {
        char src[4200], name[32];
        snprintf(src, sizeof(src), "%s/src%zu.git", dir, sizes[i]);
        snprintf(name, sizeof(name), "r%zu", sizes[i]);
        double t0 = now_s();
        make_source(src, sizes[i]);
        int rc = dk_repo_import(e, name, src, NULL);
        if (rc)
            die("import", rc);
        printf("repository of %6zu files built and imported in %.2f s\n", sizes[i], now_s() - t0);
        create[i] = time_connect(e, name, 200);
    }
    /* listing through a session: the whole base, and one directory */
    double list_all, list_dir;
    {
        char *sid = connect_one(e, "r100000", "lister");
        dk_file_entry *l;
        size_t n;
        double t0 = now_s();
        int rc = dk_file_list(&l, &n, e, NULL, sid, NULL, false);
        list_all = now_s() - t0;
        if (rc || n != 100000)
            die("list", rc);
        dk_file_entries_free(l, n);
        t0 = now_s();
        rc = dk_file_list(&l, &n, e, NULL, sid, "d500/", false);
        list_dir = now_s() - t0;
        if (rc || n != 100)
            die("list dir", rc);
        dk_file_entries_free(l, n);
        free(sid);
    }
    dk_repo_info *ri;
    if (dk_repo_get(&ri, e, "r10000"))
        die("repo get", -1);
    double wt = time_worktree(dir, ri->path, 3);
    dk_repo_infos_free(ri, 1);
    printf("\n1. session create, 10,000 files: %.1f us; git worktree add: %.1f ms; ratio %.0fx "
           "(target >= 1000x)\n",
           create[1] * 1e6, wt * 1e3, wt / create[1]);
    printf(
        "   file list through a session, 100,000 files: %.1f ms; one directory of 100: %.1f ms\n",
        list_all * 1e3, list_dir * 1e3);
    printf("2. session create, 100 files: %.1f us; 100,000 files: %.1f us; ratio %.2f "
           "(target flat within 2x)\n",
           create[0] * 1e6, create[2] * 1e6, create[2] / create[0]);

    /* 3: memory per live session with 10 written files */
    enum { NSESS = 200 };
    char *ids[NSESS];
    /* warm the paths once so caches (symbol cache, pools) do not count */
    char *warm = connect_one(e, "r100", "warm");
    for (int f = 0; f < 10; f++) {
        char path[64], text[64];
        snprintf(path, sizeof(path), "m/f%d.py", f);
        snprintf(text, sizeof(text), "def m%d():\n    return %d\n", f, f);
        dk_write_result *r;
        if (dk_file_write(&r, e, NULL, warm, path, text, strlen(text), NULL))
            die("warm write", -1);
        dk_write_result_free(r);
    }
    free(warm);
    malloc_trim(0);
    struct mallinfo2 m0 = mallinfo2();
    double tm0 = now_s();
    for (int i = 0; i < NSESS; i++) {
        ids[i] = connect_one(e, "r100", "mem");
        for (int f = 0; f < 10; f++) {
            char path[64], text[64];
            snprintf(path, sizeof(path), "m/f%d.py", f);
            snprintf(text, sizeof(text), "def m%d_%d():\n    return %d\n", i, f, f);
            dk_write_result *r;
            int rc = dk_file_write(&r, e, NULL, ids[i], path, text, strlen(text), NULL);
            if (rc)
                die("mem write", rc);
            dk_write_result_free(r);
        }
    }
    struct mallinfo2 m1 = mallinfo2();
    double tm1 = now_s();
    /* what closing them gives back is what live sessions hold; caches shared by
     * every session (symbol cache, statement and object caches) stay */
    for (int i = 0; i < NSESS; i++) {
        int rc = dk_session_close(e, NULL, ids[i]);
        if (rc)
            die("close", rc);
        free(ids[i]);
    }
    malloc_trim(0);
    struct mallinfo2 m2 = mallinfo2();
    fprintf(stderr, "(memory phase: %d sessions x 10 writes %.1f s, closes %.1f s)\n", NSESS,
            tm1 - tm0, now_s() - tm1);
    printf("3. memory per live session with 10 written files: %.1f KB held by the session "
           "(%.1f KB with the shared caches it filled) (target < 16 KB)\n",
           ((double)m1.uordblks - (double)m2.uordblks) / NSESS / 1024,
           ((double)m1.uordblks - (double)m0.uordblks) / NSESS / 1024);

    /* 4: threads x pairs */
    struct worker *w = calloc((size_t)threads, sizeof(*w));
    pthread_t *th = calloc((size_t)threads, sizeof(*th));
    for (int i = 0; i < threads; i++) {
        w[i].e = e;
        w[i].n = i;
        w[i].pairs = pairs;
        w[i].lat = calloc((size_t)pairs, sizeof(double));
        w[i].sid = connect_one(e, "r10000", "thr");
    }
    double t0 = now_s();
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, worker_main, &w[i]);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    double el = now_s() - t0;
    size_t total = (size_t)threads * (size_t)pairs;
    double *all = calloc(total, sizeof(double));
    int errors = 0;
    for (int i = 0; i < threads; i++) {
        memcpy(all + (size_t)i * (size_t)pairs, w[i].lat, (size_t)pairs * sizeof(double));
        errors += w[i].errors;
        free(w[i].lat);
        free(w[i].sid);
    }
    qsort(all, total, sizeof(double), dcmp);
    printf("4. %d threads x %d write+read: %.0f pairs/s; p50 %.2f ms, p99 %.2f ms; errors %d\n",
           threads, pairs, (double)total / el, all[total / 2] * 1e3, all[total * 99 / 100] * 1e3,
           errors);
    free(all);
    free(w);
    free(th);
    double tc = now_s();
    dk_engine_close(e);
    fprintf(stderr, "(engine close %.1f s)\n", now_s() - tc);
    return errors ? 1 : 0;
}
