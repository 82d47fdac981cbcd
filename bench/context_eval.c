/*
 * bench/context_eval.c - the measuring half of bench/context_eval.py:
 * `context_eval BARE_REPO SAMPLES.tsv` prints, per sample, the rank of the
 * changed function in dk's answer and in the naive baseline, and the
 * query's time.
 *
 * SAMPLES.tsv: one line per sample, "parent<TAB>path<TAB>qualified name<TAB>
 * subject", oldest first. The repository is imported into a scratch engine
 * (SQLite in a temporary directory); for each sample its branch is moved to
 * the parent (so the index follows incrementally, as after landings), then
 *   dk:       dk_context_query(subject, depth signatures, 100 results):
 *             rank of (path, qualified name), 0 when not returned;
 *   baseline: every function and method of the parent's non-test files,
 *             ranked by how many distinct query words (lowercase runs of
 *             letters and digits, 2+ characters) occur in its text; ties
 *             take the mean rank of the tie (1 + higher + equal / 2).
 * Output: "dk_rank<TAB>baseline_rank<TAB>query_ms<TAB>target_words" per
 * sample (target_words: how many distinct query words the changed
 * function's text holds; 0 = the subject names nothing of it); exit 1 on a
 * setup failure. The analyses for the baseline are cached per blob.
 * DK_EVAL_STORE_URL runs dk on another store (an empty PostgreSQL database).
 * DK_EVAL_PG_URL (a PostgreSQL server URL) also answers every query on
 * PostgreSQL, in a scratch database made and dropped on that server, and
 * appends "<TAB>pg_rank<TAB>same" (1 when both stores gave the same symbols
 * in the same order).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "dk/context.h"
#include "dk/engine.h"
#include "dk/lang.h"

#include "engine/context_int.h"
#include "git/git.h"
#include "util/map.h"
#include "util/str.h"
#include "util/vec.h"

typedef dk_vec(char *) words_vec;

struct blob_entry {
    char *text;
    size_t len;
    dk_analysis *a;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The distinct lowercase words (2+ characters) of s, space-separated. */
static void base_words(words_vec *out, const char *s)
{
    size_t i = 0, n = strlen(s);
    while (i < n) {
        while (i < n && !isalnum((unsigned char)s[i]))
            i++;
        size_t st = i;
        while (i < n && isalnum((unsigned char)s[i]))
            i++;
        if (i - st < 2)
            continue;
        char *w = malloc(i - st + 1);
        for (size_t k = 0; k < i - st; k++)
            w[k] = (char)tolower((unsigned char)s[st + k]);
        w[i - st] = 0;
        bool dup = false;
        for (size_t k = 0; k < out->len && !dup; k++)
            dup = strcmp(out->items[k], w) == 0;
        if (dup)
            free(w);
        else
            dk_vec_push(out, w);
    }
}

static double baseline_rank(int *target_words, dk_git_repo *g, dk_map *cache, const dk_oid *at,
                            const char *tpath, const char *tq, const char *subject)
{
    *target_words = 0;
    words_vec words = DK_VEC_INIT;
    base_words(&words, subject);
    dk_git_files files = DK_GIT_FILES_INIT;
    if (dk_git_files_list(&files, g, at) < 0)
        return 0;
    int target = -1;
    dk_vec(int) scores = DK_VEC_INIT;
    dk_str low = DK_STR_INIT;
    dk_vec_foreach(&files, dk_git_file *, f) {
        const dk_language *lang = dk_language_for_path(f->path, NULL, 0);
        if (!lang || f->mode == DK_GIT_MODE_LINK || f->mode == DK_GIT_MODE_GITLINK ||
            dk_ctx_path_is_test(f->path))
            continue;
        struct blob_entry *b = dk_map_get(cache, (const char *)f->id.id, DK_OID_RAWSZ);
        if (!b) {
            b = calloc(1, sizeof(*b));
            /* the language by path and text, as the index and `dk symbols` judge a header */
            if (dk_git_blob_read(&b->text, &b->len, g, &f->id) == DK_OK &&
                dk_lang_analyze(&b->a, dk_language_for_path(f->path, b->text, b->len), b->text,
                                b->len) != DK_OK)
                b->a = NULL;
            dk_map_put(cache, (const char *)f->id.id, DK_OID_RAWSZ, b, NULL);
        }
        if (!b->a)
            continue;
        for (size_t i = 0; i < b->a->nsymbols; i++) {
            const dk_symbol *s = &b->a->symbols[i];
            if (s->kind != DK_SYM_FUNCTION && s->kind != DK_SYM_METHOD)
                continue;
            dk_str_clear(&low);
            for (uint32_t k = s->span.start_byte; k < s->span.end_byte; k++)
                dk_str_addch(&low, (char)tolower((unsigned char)b->text[k]));
            int sc = 0;
            for (size_t w = 0; w < words.len; w++)
                sc += strstr(low.ptr, words.items[w]) != NULL;
            if (target < 0 && strcmp(f->path, tpath) == 0 && strcmp(s->qualified_name, tq) == 0)
                target = (int)scores.len;
            dk_vec_push(&scores, sc);
        }
    }
    double rank = 0;
    if (target >= 0) {
        size_t higher = 0, equal = 0;
        for (size_t i = 0; i < scores.len; i++) {
            if ((int)i == target)
                continue;
            higher += scores.items[i] > scores.items[target];
            equal += scores.items[i] == scores.items[target];
        }
        rank = 1.0 + (double)higher + (double)equal / 2.0;
        *target_words = scores.items[target];
    }
    dk_str_release(&low);
    dk_vec_release(&scores);
    dk_git_files_release(&files);
    for (size_t i = 0; i < words.len; i++)
        free(words.items[i]);
    dk_vec_release(&words);
    return rank;
}

/* The rank of (path, qualified name) in r, 0 when absent. */
static unsigned rank_of(const dk_context_result *r, const char *path, const char *qname)
{
    for (size_t i = 0; i < r->nsymbols; i++)
        if (strcmp(r->symbols[i].path, path) == 0 &&
            strcmp(r->symbols[i].qualified_name, qname) == 0)
            return r->symbols[i].rank;
    return 0;
}

static int move_branch(dk_git_repo *g, const char *branch, const dk_oid *to)
{
    dk_oid cur;
    int rc = dk_git_branch_read(&cur, g, branch);
    if (rc == DK_OK && !dk_oid_is_equal(&cur, to))
        rc = dk_git_branch_cas(g, branch, &cur, to, NULL);
    return rc;
}

/* `server`'s URL with its database replaced by `db` (postgresql://host:port/db). */
static void pg_url_for(char *out, size_t n, const char *server, const char *db)
{
    const char *slash = strstr(server, "://");
    slash = slash ? strchr(slash + 3, '/') : NULL;
    int base = slash ? (int)(slash - server) : (int)strlen(server);
    snprintf(out, n, "%.*s/%s", base, server, db);
}

/* Run "<verb> <db>" on the server (CREATE DATABASE / DROP DATABASE). */
static int pg_admin(const char *server, const char *verb, const char *db)
{
    PGconn *c = PQconnectdb(server);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "postgresql: %s", PQerrorMessage(c));
        PQfinish(c);
        return -1;
    }
    char sql[200];
    snprintf(sql, sizeof(sql), "%s %s", verb, db);
    PGresult *r = PQexec(c, sql);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "postgresql: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: context_eval BARE_REPO SAMPLES.tsv\n");
        return 2;
    }
    char tmpl[] = "/tmp/dk-context-eval-XXXXXX";
    if (!mkdtemp(tmpl)) {
        perror("mkdtemp");
        return 1;
    }
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.data_dir = tmpl;
    /* DK_EVAL_STORE_URL: another store (a PostgreSQL database) instead of SQLite in tmpl */
    o.store_url = getenv("DK_EVAL_STORE_URL");
    o.gc_interval_ms = 0;
    dk_engine *e;
    dk_repo_info *info = NULL;
    dk_git_repo *g = NULL;
    if (dk_engine_open(&e, &o) || dk_repo_import(e, "r", argv[1], NULL) ||
        dk_repo_get(&info, e, "r") || dk_git_repo_open(&g, info->path)) {
        fprintf(stderr, "setup: %s\n", dk_error_last()->msg);
        return 1;
    }
    /* DK_EVAL_PG_URL: also answer every query on PostgreSQL (a scratch database created on
     * that server) and compare the two answers */
    const char *pg_server = getenv("DK_EVAL_PG_URL");
    char pg_db[64] = "", pg_url[1200] = "";
    dk_engine *e2 = NULL;
    dk_repo_info *info2 = NULL;
    dk_git_repo *g2 = NULL;
    if (pg_server) {
        snprintf(pg_db, sizeof(pg_db), "dk_eval_%d", (int)getpid());
        if (pg_admin(pg_server, "CREATE DATABASE", pg_db) < 0)
            return 1;
        pg_url_for(pg_url, sizeof(pg_url), pg_server, pg_db);
        dk_engine_opts o2 = DK_ENGINE_OPTS_INIT;
        char data2[4200];
        snprintf(data2, sizeof(data2), "%s/pg", tmpl);
        o2.data_dir = data2;
        o2.store_url = pg_url;
        o2.gc_interval_ms = 0;
        if (dk_engine_open(&e2, &o2) || dk_repo_import(e2, "r", argv[1], NULL) ||
            dk_repo_get(&info2, e2, "r") || dk_git_repo_open(&g2, info2->path)) {
            fprintf(stderr, "setup (postgresql): %s\n", dk_error_last()->msg);
            return 1;
        }
    }
    FILE *in = fopen(argv[2], "r");
    if (!in) {
        perror(argv[2]);
        return 1;
    }
    dk_map cache = DK_MAP_INIT_STR;
    char line[8192];
    double index_ms = 0;
    while (fgets(line, sizeof(line), in)) {
        line[strcspn(line, "\n")] = 0;
        char *f[4] = {line, NULL, NULL, NULL};
        for (int k = 1; k < 4; k++) {
            char *tab = f[k - 1] ? strchr(f[k - 1], '\t') : NULL;
            if (tab) {
                *tab = 0;
                f[k] = tab + 1;
            }
        }
        if (!f[3])
            continue;
        dk_oid parent;
        if (dk_oid_from_hex(&parent, f[0], strlen(f[0])) || move_branch(g, info->branch, &parent) ||
            (g2 && move_branch(g2, info2->branch, &parent))) {
            fprintf(stderr, "branch: %s\n", dk_error_last()->msg);
            return 1;
        }
        double t0 = now_ms();
        if (dk_context_index(NULL, e, "r")) {
            fprintf(stderr, "index: %s\n", dk_error_last()->msg);
            return 1;
        }
        double t1 = now_ms();
        index_ms += t1 - t0;
        dk_context_opts q = DK_CONTEXT_OPTS_INIT;
        q.query = f[3];
        q.depth = DK_CONTEXT_SIGNATURES;
        q.max_results = 100;
        dk_context_result *r;
        if (dk_context_query(&r, e, NULL, "r", NULL, &q)) {
            fprintf(stderr, "query: %s\n", dk_error_last()->msg);
            return 1;
        }
        double t2 = now_ms();
        if (getenv("DK_EVAL_DEBUG")) {
            fprintf(stderr, "# %s -> %s [%s]:", f[3], f[2], r->words);
            for (size_t i = 0; i < r->nsymbols && i < 6; i++)
                fprintf(stderr, " %s(%s %.2f)", r->symbols[i].qualified_name, r->symbols[i].path,
                        r->symbols[i].score);
            fprintf(stderr, "\n");
        }
        unsigned rank = rank_of(r, f[1], f[2]);
        int target_words;
        double base = baseline_rank(&target_words, g, &cache, &parent, f[1], f[2], f[3]);
        printf("%u\t%.1f\t%.2f\t%d", rank, base, t2 - t1, target_words);
        if (e2) {
            dk_context_result *r2;
            if (dk_context_query(&r2, e2, NULL, "r", NULL, &q)) {
                fprintf(stderr, "query (postgresql): %s\n", dk_error_last()->msg);
                return 1;
            }
            bool same = r->nsymbols == r2->nsymbols;
            for (size_t i = 0; same && i < r->nsymbols; i++)
                same = strcmp(r->symbols[i].path, r2->symbols[i].path) == 0 &&
                       strcmp(r->symbols[i].qualified_name, r2->symbols[i].qualified_name) == 0 &&
                       r->symbols[i].start_line == r2->symbols[i].start_line;
            printf("\t%u\t%d", rank_of(r2, f[1], f[2]), same);
            dk_context_result_free(r2);
        }
        printf("\n");
        dk_context_result_free(r);
        fflush(stdout);
    }
    printf("# index total %.0f ms\n", index_ms);
    fclose(in);
    dk_map_foreach(&cache, it) {
        struct blob_entry *b = it->value;
        free(b->text);
        dk_analysis_unref(b->a);
        free(b);
    }
    dk_map_release(&cache);
    dk_git_repo_close(g);
    dk_repo_infos_free(info, 1);
    dk_engine_close(e);
    if (e2) {
        dk_git_repo_close(g2);
        dk_repo_infos_free(info2, 1);
        dk_engine_close(e2);
        pg_admin(pg_server, "DROP DATABASE", pg_db);
    }
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
    return system(cmd) == 0 ? 0 : 1;
}
