/*
 * cli/replay.c - `dk replay REPO [--merges N] [--lang NAME]... [--json]
 * [--since REV]`: replay a repository's real merges through git's line merge
 * and dk's structured merge, and score both against what was committed.
 *
 * A scenario is one file of one merge: a two-parent merge commit whose
 * parents have one merge base (src/git/history.c lists them, newest first,
 * from HEAD or REV), and a path that both parents modified relative to that
 * base and that is a regular text file in all four commits:
 *
 *     base ──► ours   (first parent)   ─┐
 *       └────► theirs (second parent)  ─┴─► merge commit = the truth
 *
 * For each scenario both merges run on (base, ours, theirs): the line merge
 * (dk_git_merge_file, git merge-file's algorithm) and dk_merge_file with
 * default options, whose wall time is measured (CLOCK_MONOTONIC). Each is
 * then clean or conflicted, and a clean result equal or not, byte for byte,
 * to the committed file. "Truth" is what the author committed, which may
 * include fixes made during the merge ("evil merges"): a clean result that
 * differs from it is flagged for review, not counted as wrong.
 *
 * Output: a table per language plus TOTAL (stdout), then at most 20 lines
 * listing clean-but-different scenarios and at most 20 listing regressions;
 * --json prints the same numbers and every scenario. Exit status: 0 done
 * (even with no merges), 1 if the repository or its history cannot be read,
 * 2 usage.
 *
 * Conventions: single-threaded; everything is held in one `struct replay`
 * released at the end. A scenario whose dk merge returns an error is
 * counted under "errors" and the run goes on; a crash ends the run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dk/dk.h"
#include "dk/merge.h"

#include "cli/cli.h"
#include "git/git.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/vec.h"

#include "util/banned.h"

#define REPLAY_DEFAULT_MERGES 200
#define REPLAY_MAX_MERGES     1000000
#define REPLAY_MAX_LANGS      32
/* lines of each review list in the human output */
#define REPLAY_LIST_LINES 20

/* One file of one merge, and what both merges made of it. */
struct replay_scenario {
    /* the merge commit, 40 hex digits */
    char commit[DK_OID_HEXSZ + 1];
    /* repository-relative path, malloc'd */
    char *path;
    /* dk_language_name() of the file, or "other"; static */
    const char *language;
    /* the line merge had no conflict */
    bool git_clean;
    /* dk's merge had no conflict (false on error) */
    bool dk_clean;
    /* dk clean and its bytes equal the merge commit's file */
    bool dk_equal_truth;
    /* git clean and its bytes equal the merge commit's file */
    bool git_equal_truth;
    /* both clean with the same bytes */
    bool dk_equal_git;
    /* dk_merge_file returned an error */
    bool error;
    /* ours and theirs made the same change */
    bool identical_sides;
    /* dk_merge_result.method ("trivial", "line", ...); static; NULL on error */
    const char *method;
    /* dk's note, or the error message; malloc'd, may be NULL */
    char *note;
    /* wall time of dk_merge_file in milliseconds */
    double ms;
};

/* Counters of one table row. */
struct replay_row {
    /* language name, or "TOTAL"; static */
    const char *language;
    size_t scenarios;
    size_t git_conflicts;
    size_t dk_conflicts;
    /* git conflicted, dk clean */
    size_t wins;
    /* git clean, dk conflicted */
    size_t regressions;
    size_t dk_truth;
    size_t dk_differs;
    size_t git_truth;
    size_t errors;
    /* dk times of the row's scenarios, sorted before printing */
    dk_vec(double) ms;
};

/* The whole run. */
struct replay {
    dk_git_repo *repo;
    /* the repository as given on the command line */
    const char *repo_arg;
    /* --since, or NULL for HEAD */
    const char *since;
    /* --lang filters; none: every language */
    const char *langs[REPLAY_MAX_LANGS];
    size_t nlangs;
    size_t max_merges;
    bool json;
    /* merges replayed, and those the history walk passed over */
    size_t merges;
    dk_git_merges_skipped skipped;
    /* files changed on both sides but not replayable */
    size_t skipped_binary;
    size_t skipped_not_file;
    /* files changed on both sides, left out by --lang */
    size_t skipped_filtered;
    dk_vec(struct replay_scenario) scenarios;
    /* the table: one row per language (sorted), then TOTAL */
    dk_vec(struct replay_row) rows;
    struct replay_row total;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: dk replay REPO [--merges N] [--lang NAME]... [--json] [--since REV]\n"
            "\n"
            "Replay REPO's two-parent merges (newest first, from HEAD or REV; at most N,\n"
            "default %d) file by file through git's line merge and dk's merge, and compare\n"
            "both with the committed result. --lang keeps one language (repeatable;\n"
            "\"other\" for files dk has no language for). See docs/replay.md.\n",
            REPLAY_DEFAULT_MERGES);
}

/* ========================================================================== */
/* Replaying                                                                  */
/* ========================================================================== */

static bool replay_mode_is_file(unsigned mode)
{
    return mode == DK_GIT_MODE_FILE || mode == DK_GIT_MODE_EXEC;
}

static bool replay_lang_selected(const struct replay *rp, const char *name)
{
    if (rp->nlangs == 0)
        return true;
    for (size_t i = 0; i < rp->nlangs; i++) {
        if (strcmp(rp->langs[i], name) == 0)
            return true;
    }
    return false;
}

static double replay_ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static bool replay_bytes_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* The four versions of one file: [0] base, [1] ours, [2] theirs, [3] truth. */
struct replay_files {
    char *data[4];
    size_t len[4];
    unsigned mode[4];
};

/*
 * Run both merges on one scenario and record the outcome. The line merge is
 * the reference; its failure (xdiff refusing the input) counts as a conflict,
 * as git would stop there too.
 */
static void replay_scenario_run(struct replay *rp, const dk_git_merge_info *m, const char *path,
                                const char *language, const struct replay_files *f)
{
    struct replay_scenario *s = dk_vec_push_zero(&rp->scenarios);
    dk_oid_to_hex(s->commit, &m->merge);
    s->path = dk_xstrdup(path);
    s->language = language;
    s->identical_sides = replay_bytes_equal(f->data[1], f->len[1], f->data[2], f->len[2]);

    dk_git_merge_input in[3];
    for (int k = 0; k < 3; k++)
        in[k] = (dk_git_merge_input){.ptr = f->data[k], .len = f->len[k], .mode = f->mode[k]};
    dk_git_merge_file_result g = {0};
    bool git_ok = dk_git_merge_file(&g, &in[0], &in[1], &in[2], NULL) == DK_OK;
    s->git_clean = git_ok && g.clean;
    s->git_equal_truth = s->git_clean && replay_bytes_equal(g.ptr, g.len, f->data[3], f->len[3]);

    dk_merge_result *r = NULL;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = dk_merge_file(&r, path, f->data[0], f->len[0], f->data[1], f->len[1], f->data[2],
                           f->len[2], NULL);
    s->ms = replay_ms_since(&t0);
    if (rc != DK_OK) {
        s->error = true;
        s->note = dk_xstrdup(dk_error_last()->msg);
    } else {
        s->dk_clean = r->clean;
        s->method = dk_merge_method_name(r->method);
        s->note = r->note ? dk_xstrdup(r->note) : NULL;
        s->dk_equal_truth =
            r->clean && replay_bytes_equal(r->merged, r->merged_len, f->data[3], f->len[3]);
        s->dk_equal_git =
            r->clean && s->git_clean && replay_bytes_equal(r->merged, r->merged_len, g.ptr, g.len);
    }
    dk_merge_result_free(r);
    dk_git_merge_file_result_release(&g);
}

/*
 * Replay one path changed on both sides: find it in the merge commit, read
 * the four versions, skip binaries and filtered languages, run. Returns an
 * error only when the repository cannot be read.
 */
static int replay_path(struct replay *rp, const dk_git_merge_info *m, const dk_git_change *o,
                       const dk_git_change *t)
{
    struct replay_files f;

    memset(&f, 0, sizeof(f));
    dk_oid ids[4] = {o->old_id, o->new_id, t->new_id};
    unsigned tmode = 0;
    int rc = dk_git_file_lookup(&ids[3], &tmode, rp->repo, &m->merge, o->path);
    if (rc == DK_ENOTFOUND || (rc == DK_OK && !replay_mode_is_file(tmode))) {
        rp->skipped_not_file++;
        return DK_OK;
    }
    if (rc < 0)
        return rc;
    f.mode[0] = o->old_mode, f.mode[1] = o->new_mode, f.mode[2] = t->new_mode, f.mode[3] = tmode;
    for (int k = 0; k < 4; k++) {
        if ((rc = dk_git_blob_read(&f.data[k], &f.len[k], rp->repo, &ids[k])) < 0)
            goto out;
    }
    for (int k = 0; k < 4; k++) {
        if (dk_buf_is_binary(f.data[k], f.len[k])) {
            rp->skipped_binary++;
            goto out;
        }
    }
    const dk_language *lang = dk_language_for_path(o->path, f.data[1], f.len[1]);
    const char *name = lang ? dk_language_name(lang) : "other";
    if (!replay_lang_selected(rp, name)) {
        rp->skipped_filtered++;
        goto out;
    }
    replay_scenario_run(rp, m, o->path, name, &f);
out:
    for (int k = 0; k < 4; k++)
        free(f.data[k]);
    return rc;
}

/* True if a change is an in-place edit of a regular file (no add, delete, type change). */
static bool replay_change_is_edit(const dk_git_change *c)
{
    return c->kind == DK_GIT_CHANGE_MODIFIED && replay_mode_is_file(c->old_mode) &&
           replay_mode_is_file(c->new_mode);
}

/*
 * Replay one merge: the paths both parents changed are the intersection of
 * two diffs from the base, both in bytewise path order, so one merge-join
 * pass finds them.
 */
static int replay_merge(struct replay *rp, const dk_git_merge_info *m)
{
    dk_git_changes ours = DK_GIT_CHANGES_INIT, theirs = DK_GIT_CHANGES_INIT;
    int rc;
    if ((rc = dk_git_changes_list(&ours, rp->repo, &m->base, &m->ours)) < 0 ||
        (rc = dk_git_changes_list(&theirs, rp->repo, &m->base, &m->theirs)) < 0)
        goto out;
    size_t i = 0, j = 0;
    while (i < ours.len && j < theirs.len) {
        const dk_git_change *o = &ours.items[i], *t = &theirs.items[j];
        int cmp = strcmp(o->path, t->path);
        if (cmp < 0) {
            i++;
            continue;
        }
        if (cmp > 0) {
            j++;
            continue;
        }
        if (replay_change_is_edit(o) && replay_change_is_edit(t) &&
            (rc = replay_path(rp, m, o, t)) < 0)
            goto out;
        i++, j++;
    }
    rp->merges++;
out:
    dk_git_changes_release(&ours);
    dk_git_changes_release(&theirs);
    return rc;
}

/* ========================================================================== */
/* Tables                                                                     */
/* ========================================================================== */

static void replay_row_add(struct replay_row *row, const struct replay_scenario *s)
{
    row->scenarios++;
    row->git_conflicts += !s->git_clean;
    row->dk_conflicts += !s->dk_clean && !s->error;
    row->wins += !s->git_clean && s->dk_clean;
    row->regressions += s->git_clean && !s->dk_clean && !s->error;
    row->dk_truth += s->dk_equal_truth;
    row->dk_differs += s->dk_clean && !s->dk_equal_truth;
    row->git_truth += s->git_equal_truth;
    row->errors += s->error;
    dk_vec_push(&row->ms, s->ms);
}

static int replay_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values; n > 0. */
static double replay_percentile(const double *v, size_t n, unsigned pct)
{
    size_t rank = (n * pct + 99) / 100;
    return v[rank ? rank - 1 : 0];
}

/* Rows by scenario count, most first, then by name. */
static int replay_cmp_row(const void *a, const void *b)
{
    const struct replay_row *x = a, *y = b;
    if (x->scenarios != y->scenarios)
        return x->scenarios < y->scenarios ? 1 : -1;
    return strcmp(x->language, y->language);
}

/*
 * Group the scenarios into one row per language (sorted) plus the TOTAL row;
 * every row's times are sorted for the percentiles.
 */
static void replay_rows_build(struct replay *rp)
{
    struct replay_row *total = &rp->total;
    memset(total, 0, sizeof(*total));
    total->language = "TOTAL";
    dk_vec_foreach(&rp->scenarios, const struct replay_scenario *, s) {
        struct replay_row *row = NULL;
        dk_vec_foreach(&rp->rows, struct replay_row *, r) {
            if (strcmp(r->language, s->language) == 0)
                row = r;
        }
        if (!row) {
            row = dk_vec_push_zero(&rp->rows);
            row->language = s->language;
        }
        replay_row_add(row, s);
        replay_row_add(total, s);
    }
    if (rp->rows.len > 1)
        qsort(rp->rows.items, rp->rows.len, sizeof(*rp->rows.items), replay_cmp_row);
    dk_vec_foreach(&rp->rows, struct replay_row *, r)
        qsort(r->ms.items, r->ms.len, sizeof(double), replay_cmp_double);
    if (total->ms.len > 1)
        qsort(total->ms.items, total->ms.len, sizeof(double), replay_cmp_double);
}

static void replay_row_print(const struct replay_row *r)
{
    printf("%-12s %9zu %9zu %8zu %5zu %5zu %9zu %10zu %10zu %7zu", r->language, r->scenarios,
           r->git_conflicts, r->dk_conflicts, r->wins, r->regressions, r->dk_truth, r->dk_differs,
           r->git_truth, r->errors);
    if (r->ms.len)
        printf(" %8.2f %8.2f\n", replay_percentile(r->ms.items, r->ms.len, 50),
               replay_percentile(r->ms.items, r->ms.len, 95));
    else
        printf(" %8s %8s\n", "-", "-");
}

/* "(git: ...)" for a review line: what the line merge did with the same file. */
static const char *replay_git_outcome(const struct replay_scenario *s)
{
    if (!s->git_clean)
        return "git: conflict";
    if (s->dk_equal_git)
        return "git: same result";
    return s->git_equal_truth ? "git: clean, equal to truth" : "git: clean, other result";
}

/* Print up to REPLAY_LIST_LINES lines of the scenarios `pick` selects. */
static void replay_list_print(const struct replay *rp, const char *title,
                              bool (*pick)(const struct replay_scenario *))
{
    size_t n = 0, shown = 0;
    dk_vec_foreach(&rp->scenarios, const struct replay_scenario *, s)
        n += pick(s);
    if (n == 0)
        return;
    printf("\n%s (%zu):\n", title, n);
    dk_vec_foreach(&rp->scenarios, const struct replay_scenario *, s) {
        if (!pick(s))
            continue;
        if (shown == REPLAY_LIST_LINES - 1 && n > REPLAY_LIST_LINES) {
            printf("  ... %zu more (see --json)\n", n - shown);
            break;
        }
        printf("  %.12s %s  (%s, method %s)\n", s->commit, s->path, replay_git_outcome(s),
               s->method ? s->method : "-");
        shown++;
    }
}

static bool replay_pick_differs(const struct replay_scenario *s)
{
    return s->dk_clean && !s->dk_equal_truth;
}

static bool replay_pick_regression(const struct replay_scenario *s)
{
    return s->git_clean && !s->dk_clean && !s->error;
}

static bool replay_pick_error(const struct replay_scenario *s)
{
    return s->error;
}

static void replay_print_human(const struct replay *rp)
{
    printf("dk replay %s (from %s): %zu merges replayed; skipped %zu octopus, %zu with several "
           "merge bases, %zu of unrelated histories\n",
           rp->repo_arg, rp->since ? rp->since : "HEAD", rp->merges, rp->skipped.octopus,
           rp->skipped.multiple_bases, rp->skipped.unrelated);
    size_t identical = 0;
    dk_vec_foreach(&rp->scenarios, const struct replay_scenario *, s)
        identical += s->identical_sides;
    printf("%zu scenarios (files edited on both sides; %zu with the same edit on both); skipped "
           "%zu binary, %zu not a regular file in the merge, %zu by --lang\n\n",
           rp->scenarios.len, identical, rp->skipped_binary, rp->skipped_not_file,
           rp->skipped_filtered);
    printf("%-12s %9s %9s %8s %5s %5s %9s %10s %10s %7s %8s %8s\n", "language", "scenarios",
           "git-conf", "dk-conf", "wins", "regr", "dk=truth", "dk!=truth", "git=truth", "errors",
           "p50-ms", "p95-ms");
    dk_vec_foreach(&rp->rows, const struct replay_row *, r)
        replay_row_print(r);
    replay_row_print(&rp->total);
    replay_list_print(rp, "dk clean but different from the merge commit, for review",
                      replay_pick_differs);
    replay_list_print(rp, "regressions: git clean, dk conflict", replay_pick_regression);
    replay_list_print(rp, "errors: dk_merge_file failed", replay_pick_error);
}

/* ========================================================================== */
/* JSON                                                                       */
/* ========================================================================== */

static const char *json_bool(bool b)
{
    return b ? "true" : "false";
}

static void json_row(dk_str *o, const struct replay_row *r)
{
    dk_str_adds(o, "{\"language\":");
    cli_json_str(o, r->language);
    dk_str_addf(o,
                ",\"scenarios\":%zu,\"git_conflicts\":%zu,\"dk_conflicts\":%zu,\"wins\":%zu,"
                "\"regressions\":%zu,\"dk_clean_equal_truth\":%zu,\"dk_clean_differs\":%zu,"
                "\"git_clean_equal_truth\":%zu,\"errors\":%zu,",
                r->scenarios, r->git_conflicts, r->dk_conflicts, r->wins, r->regressions,
                r->dk_truth, r->dk_differs, r->git_truth, r->errors);
    if (r->ms.len)
        dk_str_addf(o, "\"dk_p50_ms\":%.3f,\"dk_p95_ms\":%.3f}",
                    replay_percentile(r->ms.items, r->ms.len, 50),
                    replay_percentile(r->ms.items, r->ms.len, 95));
    else
        dk_str_adds(o, "\"dk_p50_ms\":null,\"dk_p95_ms\":null}");
}

static void replay_print_json(const struct replay *rp)
{
    dk_str o = DK_STR_INIT;
    dk_str_adds(&o, "{\"repo\":");
    cli_json_str(&o, rp->repo_arg);
    dk_str_adds(&o, ",\"from\":");
    cli_json_str(&o, rp->since ? rp->since : "HEAD");
    dk_str_addf(&o,
                ",\"merges\":%zu,\"skipped_merges\":{\"octopus\":%zu,\"multiple_bases\":%zu,"
                "\"unrelated\":%zu},\"skipped_files\":{\"binary\":%zu,\"not_a_file_in_merge\":%zu,"
                "\"filtered\":%zu},\"languages\":[",
                rp->merges, rp->skipped.octopus, rp->skipped.multiple_bases, rp->skipped.unrelated,
                rp->skipped_binary, rp->skipped_not_file, rp->skipped_filtered);
    for (size_t i = 0; i < rp->rows.len; i++) {
        if (i)
            dk_str_addch(&o, ',');
        json_row(&o, &rp->rows.items[i]);
    }
    dk_str_adds(&o, "],\"total\":");
    json_row(&o, &rp->total);
    dk_str_adds(&o, ",\"scenarios\":[");
    for (size_t i = 0; i < rp->scenarios.len; i++) {
        const struct replay_scenario *s = &rp->scenarios.items[i];
        if (i)
            dk_str_addch(&o, ',');
        dk_str_addf(&o, "{\"commit\":\"%s\",\"path\":", s->commit);
        cli_json_str(&o, s->path);
        dk_str_adds(&o, ",\"language\":");
        cli_json_str(&o, s->language);
        dk_str_addf(&o,
                    ",\"git_clean\":%s,\"dk_clean\":%s,\"dk_equal_truth\":%s,"
                    "\"git_equal_truth\":%s,\"dk_equal_git\":%s,\"identical_sides\":%s,"
                    "\"error\":%s,\"method\":",
                    json_bool(s->git_clean), json_bool(s->dk_clean), json_bool(s->dk_equal_truth),
                    json_bool(s->git_equal_truth), json_bool(s->dk_equal_git),
                    json_bool(s->identical_sides), json_bool(s->error));
        cli_json_str(&o, s->method);
        dk_str_adds(&o, ",\"note\":");
        cli_json_str(&o, s->note);
        dk_str_addf(&o, ",\"ms\":%.3f}", s->ms);
    }
    dk_str_adds(&o, "]}\n");
    fwrite(o.ptr, 1, o.len, stdout);
    dk_str_release(&o);
}

/* ========================================================================== */
/* Command                                                                    */
/* ========================================================================== */

/* Parse the options into `rp`; returns 0, or 2 after printing a usage error. */
static int replay_parse_args(struct replay *rp, int argc, char **argv)
{
    rp->max_merges = REPLAY_DEFAULT_MERGES;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (strcmp(a, "--json") == 0) {
            rp->json = true;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        }
        static const char *const with_value[] = {"--merges", "--lang", "--since"};
        size_t opt = 0;
        for (; opt < 3; opt++) {
            size_t n = strlen(with_value[opt]);
            if (strncmp(a, with_value[opt], n) == 0 && (a[n] == '\0' || a[n] == '=')) {
                if (a[n] == '=')
                    val = a + n + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else {
                    fprintf(stderr, "dk replay: %s needs a value\n", with_value[opt]);
                    return 2;
                }
                break;
            }
        }
        if (opt == 0) {
            char *end;
            errno = 0;
            long long n = strtoll(val, &end, 10);
            if (!*val || *end || errno || n < 1 || n > REPLAY_MAX_MERGES) {
                fprintf(stderr, "dk replay: bad --merges '%s' (a number from 1 to %d)\n", val,
                        REPLAY_MAX_MERGES);
                return 2;
            }
            rp->max_merges = (size_t)n;
        } else if (opt == 1) {
            if (strcmp(val, "other") != 0 && !dk_language_by_name(val)) {
                fprintf(stderr,
                        "dk replay: unknown language '%s' (see `dk languages`, or "
                        "\"other\")\n",
                        val);
                return 2;
            }
            if (rp->nlangs == REPLAY_MAX_LANGS) {
                fprintf(stderr, "dk replay: too many --lang options (at most %d)\n",
                        REPLAY_MAX_LANGS);
                return 2;
            }
            rp->langs[rp->nlangs++] = val;
        } else if (opt == 2) {
            if (!*val) {
                fprintf(stderr, "dk replay: --since needs a revision\n");
                return 2;
            }
            rp->since = val;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "dk replay: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else if (rp->repo_arg) {
            fprintf(stderr, "dk replay: one repository only ('%s' and '%s')\n", rp->repo_arg, a);
            return 2;
        } else {
            rp->repo_arg = a;
        }
    }
    if (!rp->repo_arg) {
        usage(stderr);
        return 2;
    }
    return 0;
}

/*
 * Open the repository and find the start: --since REV, else HEAD. An unborn
 * HEAD (a repository without commits) has no merges: *has_start is false.
 * Returns 0 or the exit status 1 after printing why.
 */
static int replay_open(struct replay *rp, dk_oid *start, bool *has_start)
{
    int rc = dk_git_repo_open(&rp->repo, rp->repo_arg);
    if (rc < 0) {
        fprintf(stderr, "dk replay: %s is not a git repository (%s)\n", rp->repo_arg,
                dk_error_last()->msg);
        return 1;
    }
    rc = dk_git_rev_resolve(start, rp->repo, rp->since ? rp->since : "HEAD");
    if (rc == DK_ENOTFOUND && !rp->since) {
        *has_start = false;
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "dk replay: cannot resolve '%s': %s\n", rp->since ? rp->since : "HEAD",
                dk_error_last()->msg);
        return 1;
    }
    *has_start = true;
    return 0;
}

int cmd_replay(int argc, char **argv)
{
    struct replay rp = {0};
    dk_git_merges merges = DK_GIT_MERGES_INIT;
    dk_oid start;
    bool has_start = false;
    int status = replay_parse_args(&rp, argc, argv);
    if (status != 0)
        return status < 0 ? cli_close_stdout("standard output") : status;

    if ((status = replay_open(&rp, &start, &has_start)) != 0)
        goto out;
    if (has_start && dk_git_merges_list(&merges, &rp.skipped, rp.repo, &start, rp.max_merges) < 0) {
        fprintf(stderr, "dk replay: cannot list merges: %s\n", dk_error_last()->msg);
        status = 1;
        goto out;
    }
    dk_vec_foreach(&merges, const dk_git_merge_info *, m) {
        if (replay_merge(&rp, m) < 0) {
            char hex[DK_OID_HEXSZ + 1];
            dk_oid_to_hex(hex, &m->merge);
            fprintf(stderr, "dk replay: cannot read merge %.12s: %s\n", hex, dk_error_last()->msg);
            status = 1;
            goto out;
        }
    }
    replay_rows_build(&rp);
    if (rp.json)
        replay_print_json(&rp);
    else
        replay_print_human(&rp);
    if (cli_close_stdout("standard output") != 0)
        status = 255;
out:
    dk_vec_foreach(&rp.rows, struct replay_row *, r)
        dk_vec_release(&r->ms);
    dk_vec_release(&rp.rows);
    dk_vec_release(&rp.total.ms);
    dk_vec_foreach(&rp.scenarios, struct replay_scenario *, s) {
        free(s->path);
        free(s->note);
    }
    dk_vec_release(&rp.scenarios);
    dk_vec_release(&merges);
    dk_git_repo_close(rp.repo);
    return status;
}
