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
 * Output: "dk_rank<TAB>baseline_rank<TAB>query_ms" per sample; exit 1 on a
 * setup failure. The analyses for the baseline are cached per blob.
 * DK_EVAL_STORE_URL runs dk on another store (an empty PostgreSQL database)
 * to compare the backends' rankings.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static double baseline_rank(dk_git_repo *g, dk_map *cache, const dk_oid *at, const char *tpath,
                            const char *tq, const char *subject)
{
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
            if (dk_git_blob_read(&b->text, &b->len, g, &f->id) == DK_OK &&
                dk_lang_analyze(&b->a, lang, b->text, b->len) != DK_OK)
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
    }
    dk_str_release(&low);
    dk_vec_release(&scores);
    dk_git_files_release(&files);
    for (size_t i = 0; i < words.len; i++)
        free(words.items[i]);
    dk_vec_release(&words);
    return rank;
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
        dk_oid parent, cur;
        if (dk_oid_from_hex(&parent, f[0], strlen(f[0])) ||
            dk_git_branch_read(&cur, g, info->branch) ||
            (!dk_oid_is_equal(&cur, &parent) &&
             dk_git_branch_cas(g, info->branch, &cur, &parent, NULL))) {
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
        unsigned rank = 0;
        for (size_t i = 0; i < r->nsymbols && !rank; i++)
            if (strcmp(r->symbols[i].path, f[1]) == 0 &&
                strcmp(r->symbols[i].qualified_name, f[2]) == 0)
                rank = r->symbols[i].rank;
        dk_context_result_free(r);
        double base = baseline_rank(g, &cache, &parent, f[1], f[2], f[3]);
        printf("%u\t%.1f\t%.2f\n", rank, base, t2 - t1);
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
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
    return system(cmd) == 0 ? 0 : 1;
}
