/*
 * verify/verify.c - dk_verify: a changeset checked on the exact tree that
 * landing would commit now, and the verdict recorded with it.
 *
 *   session view (caller checked)
 *     ▼  scratch lock (<scratch>/lock, flock: one run per repository)
 *   changeset (read under the lock) submitted, approved or awaiting
 *     │  approval? (check_only: any); verifying there means the last run
 *     │  was killed before its verdict: it starts again
 *     │  entries: the submitted commit's changes against the base
 *     │           (check_only: the live overlay) - what land.c lands
 *     ▼
 *   changeset -> verifying
 *   head ─► dk_land_merge_tree(base, head, entries) ─► conflicts? ─► rejected
 *     │      (the landing core itself, not a copy of its rules)
 *     ▼
 *   pipeline: .dk/pipeline.yaml read from the HEAD commit (a changeset can
 *     │       never rewrite its own gate), else auto-detected from the head
 *     ▼
 *   scratch.c: <scratch>/tree := merged tree (incremental)
 *   semantic.c on head -> tree ─► step "semantic"
 *   stages in order: sequential (a failed required step skips the rest of
 *     │  the stage) or parallel (one thread per step); every step checked
 *     │  again with the pipeline's own list right before it runs
 *     ▼  on_step after each (serialised)
 *   verdict: no conflict, no error, every required step passed
 *   changeset -> approved | awaiting_approval (stopped at a human-approve
 *   step) | rejected, with the results JSON and the head it was made on
 *
 *   dk_verify_land: under the repository's landing lock (<scratch>/land.lock,
 *   flock: landings of one repository queue; with PostgreSQL also an
 *   advisory lock, so the nodes on one store share the queue), dk_land; refused because the
 *   approval was made on another head (DK_ESTALE), or because the changeset
 *   is still verifying (a killed run)? verify on the new head, land if
 *   approved
 *
 * Invariants:
 *  1. Once verifying was recorded, every exit records a verdict: an I/O
 *     failure or a malformed pipeline rejects with the error in the JSON, so
 *     no changeset stays verifying. Only a killed process leaves one
 *     verifying; the next dk_verify (or dk_verify_land) runs it again.
 *  2. The libgit2 handle goes back to the engine's pool before any command
 *     runs (steps take minutes; landings of other sessions need handles).
 *  3. A step's directory is inside <scratch>/tree after resolving links (a
 *     work_dir that is a symlink in the tree cannot point a step elsewhere).
 *  4. Steps not run are reported as skip, never left out: the agent sees
 *     the whole pipeline (dkod dropped them).
 *  5. A human-approve step is asked (waiting) only when every required step
 *     before it passed; an approval never stands in for a failed check.
 *  6. A session no longer live (stranded, or closed with pinned work) is
 *     verified from its submitted commit, as land.c lands it.
 *
 * Ownership: dk_verify_result and everything in it belong to the caller.
 * Threads: see dk/verify.h; parallel steps run on threads of their own and
 * touch only their own slot of the result.
 */
#include "dk/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "dk/log.h"

#include "engine/changeset.h"
#include "engine/engine_int.h"
#include "engine/land_core.h"
#include "util/alloc.h"
#include "util/str.h"
#include "verify/verify_int.h"

#include "util/banned.h"

static const char *const status_names[] = {
    [DK_VERIFY_PASS] = "pass",       [DK_VERIFY_FAIL] = "fail",       [DK_VERIFY_SKIP] = "skip",
    [DK_VERIFY_TIMEOUT] = "timeout", [DK_VERIFY_WAITING] = "waiting",
};

const char *dk_verify_status_name(dk_verify_status status)
{
    return (unsigned)status < sizeof(status_names) / sizeof(*status_names) ? status_names[status]
                                                                           : "unknown";
}

const char *dk_verify_severity_name(dk_verify_severity severity)
{
    switch (severity) {
    case DK_VERIFY_ERROR:
        return "error";
    case DK_VERIFY_WARNING:
        return "warning";
    case DK_VERIFY_INFO:
        return "info";
    }
    return "unknown";
}

static void step_release(dk_verify_step *s)
{
    free(s->name);
    free(s->stage);
    free(s->command);
    free(s->output);
    for (size_t i = 0; i < s->nfindings; i++)
        dk_vfy_finding_release(&s->findings[i]);
    free(s->findings);
}

void dk_verify_result_free(dk_verify_result *r)
{
    if (!r)
        return;
    free(r->pipeline);
    free(r->sandbox);
    for (size_t i = 0; i < r->nconflicts; i++)
        dk_land_conflict_release(&r->conflicts[i]);
    free(r->conflicts);
    for (size_t i = 0; i < r->nsteps; i++)
        step_release(&r->steps[i]);
    free(r->steps);
    free(r->error);
    free(r->json);
    free(r);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ========================================================================== */
/* Running the stages                                                         */
/* ========================================================================== */

struct run {
    dk_engine *e;
    /* the session being verified (borrowed): where step events go */
    const struct dk_eng_session_view *view;
    const dk_verify_opts *opts;
    const struct dk_vfy_pipeline *p;
    dk_verify_result *res;
    /* <scratch>, <scratch>/tree (resolved) */
    const char *scratch;
    char *tree_dir;
    const char *path;
    const char *bwrap;
    const char *repo_dir;
    /* the paths the changeset touched */
    const char *const *changed;
    size_t nchanged;
    /* agent-review: the file holding the changeset's diff (stdin of reviewers), or NULL */
    const char *review_diff;
    int64_t deadline;
    pthread_mutex_t cb_lock;
};

struct job {
    struct run *run;
    const struct dk_vfy_step *step;
    dk_verify_step *slot;
};

struct step_event {
    struct run *run;
    const dk_verify_step *step;
};

static int step_event_tx(void *ud, dk_store_conn *conn)
{
    struct step_event *ev = ud;
    const struct dk_eng_session_view *v = ev->run->view;
    const dk_verify_step *s = ev->step;
    dk_str payload = DK_STR_INIT;
    dk_str_addch(&payload, '{');
    /* dk_eng_cs_json writes the separating comma itself */
    dk_eng_cs_json(&payload, "step", s->name);
    dk_eng_cs_json(&payload, "stage", s->stage);
    dk_eng_cs_json(&payload, "status", dk_verify_status_name(s->status));
    dk_str_addf(&payload, ",\"duration_ms\":%lld,\"required\":%s,\"findings\":%zu}",
                (long long)s->duration_ms, s->required ? "true" : "false", s->nfindings);
    int rc = dk_eng_emit_tx(ev->run->e, conn, v->repo, "changeset.verify_step", v->id,
                            v->agent_name, v->changeset_id, payload.ptr, NULL);
    dk_str_release(&payload);
    return rc;
}

/*
 * One finished step: the caller's callback, and a changeset.verify_step
 * event so watchers (the `watch` operation, SSE, MCP) follow the run as it
 * goes (DESIGN.md decision 10: long work reports through events). A failed
 * event is traced, never fatal: the verdict does not depend on it.
 */
static void report(struct run *r, const dk_verify_step *s)
{
    pthread_mutex_lock(&r->cb_lock);
    struct step_event ev = {.run = r, .step = s};
    if (dk_eng_cs_tx(r->e, step_event_tx, &ev))
        dk_trace(DK_TRACE_WARN, "verify", "step event for %s: %s", s->name, dk_error_last()->msg);
    if (r->opts->on_step)
        r->opts->on_step(r->opts->ud, s);
    pthread_mutex_unlock(&r->cb_lock);
}

static void slot_init(dk_verify_step *slot, const char *stage, const struct dk_vfy_step *st)
{
    slot->name = dk_xstrdup(st->name);
    slot->stage = dk_xstrdup(stage);
    slot->command = dk_xstrdup(st->run);
    slot->required = st->required;
    slot->exit_code = -1;
    slot->status = DK_VERIFY_SKIP;
    slot->output = dk_xstrdup("");
}

static void slot_message(dk_verify_step *slot, const char *msg)
{
    free(slot->output);
    slot->output = dk_xstrdup(msg);
    slot->output_bytes = strlen(msg);
}

/*
 * `text` as valid UTF-8: each invalid byte (a tail cut inside a character,
 * binary output) becomes U+FFFD, so the results JSON always holds the output
 * and the findings parsed from it.
 */
static char *utf8_clean(const char *text)
{
    size_t len = strlen(text);
    if (dk_utf8_is_valid(text, len))
        return dk_xstrdup(text);
    dk_str out = DK_STR_INIT;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)text[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n && i + n <= len && dk_utf8_is_valid(text + i, n)) {
            dk_str_add(&out, text + i, n);
            i += n;
        } else {
            dk_str_adds(&out, "\xef\xbf\xbd");
            i++;
        }
    }
    return dk_str_detach(&out, NULL);
}

static char *join_argv(char *const *argv)
{
    dk_str s = DK_STR_INIT;
    for (size_t i = 0; argv[i]; i++) {
        if (i)
            dk_str_addch(&s, ' ');
        dk_str_adds(&s, argv[i]);
    }
    return dk_str_detach(&s, NULL);
}

/* The step's directory, resolved, if it is inside the tree (invariant 3). */
static char *step_dir(struct run *r, const char *work_dir)
{
    dk_str d = DK_STR_INIT;
    dk_str_adds(&d, r->tree_dir);
    if (*work_dir)
        dk_str_addf(&d, "/%s", work_dir);
    char *real = realpath(d.ptr, NULL);
    dk_str_release(&d);
    size_t tl = strlen(r->tree_dir);
    struct stat st;
    if (!real || strncmp(real, r->tree_dir, tl) != 0 || (real[tl] && real[tl] != '/') ||
        stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
        free(real);
        return NULL;
    }
    return real;
}

/*
 * A human-approve step (the pipeline's last, pipeline.c check 5): asked only
 * when every required step before it passed - an approval must never stand
 * in for a failed check - and then the run stops there, the step "waiting".
 */
static void run_human_approve(struct run *r, const struct dk_vfy_step *st, dk_verify_step *slot)
{
    for (dk_verify_step *s = r->res->steps; s < slot; s++) {
        if (s->required && s->status != DK_VERIFY_PASS) {
            dk_str m = DK_STR_INIT;
            dk_str_addf(&m, "not asked: required step '%s' did not pass", s->name);
            slot_message(slot, m.ptr);
            dk_str_release(&m);
            return;
        }
    }
    dk_str m = DK_STR_INIT;
    dk_str_addf(&m,
                "awaiting approval%s%s: an approver (a token with approve scope) calls approve "
                "on changeset %s",
                st->prompt ? ": " : "", st->prompt ? st->prompt : "", r->view->changeset_id);
    slot_message(slot, m.ptr);
    dk_str_release(&m);
    slot->status = DK_VERIFY_WAITING;
}

/*
 * An agent-review step ran: its verdict decides (review.c), on top of its
 * exit status. Its issues are the findings; the summary heads the output.
 */
static void review_verdict(dk_verify_step *slot)
{
    bool approve = false;
    char *summary = NULL;
    dk_vfy_findings findings = DK_VEC_INIT;
    int prc = dk_vfy_review_parse(&approve, &summary, &findings, slot->output);
    dk_str m = DK_STR_INIT;
    if (prc)
        dk_str_addf(&m, "no verdict: %s\n", dk_error_last()->msg);
    else
        dk_str_addf(&m, "verdict: %s%s%s\n", approve ? "approve" : "request_changes",
                    *summary ? " - " : "", summary);
    dk_str_adds(&m, slot->output);
    free(slot->output);
    slot->output = utf8_clean(m.ptr);
    dk_str_release(&m);
    free(summary);
    if (slot->status == DK_VERIFY_PASS && !approve)
        slot->status = DK_VERIFY_FAIL;
    slot->findings = findings.items;
    slot->nfindings = findings.len;
}

static void run_step(struct job *j)
{
    struct run *r = j->run;
    const struct dk_vfy_step *st = j->step;
    dk_verify_step *slot = j->slot;
    int64_t left = r->deadline - mono_ms();
    char **argv = NULL;
    dk_str env_prompt = DK_STR_INIT, env_cs = DK_STR_INIT;

    if (st->type == DK_VFY_HUMAN_APPROVE) {
        run_human_approve(r, st, slot);
        goto done;
    }
    if (left <= 0) {
        slot_message(slot, "not run: the pipeline timeout was reached");
        goto done;
    }
    argv = st->changeset_aware
               ? dk_vfy_argv_scope(st->argv, st->argc, st->work_dir, r->changed, r->nchanged)
               : dk_vfy_argv_scope(st->argv, st->argc, st->work_dir, NULL, 0);
    size_t argc = 0;
    while (argv[argc])
        argc++;
    free(slot->command);
    slot->command = join_argv(argv);
    /* the same check, the same list, as when the pipeline was read */
    if (dk_vfy_command_check(argv, argc, r->p->allowed.items, r->p->allowed.len)) {
        dk_str m = DK_STR_INIT;
        dk_str_addf(&m, "refused before running: %s", dk_error_last()->msg);
        slot_message(slot, m.ptr);
        dk_str_release(&m);
        slot->status = DK_VERIFY_FAIL;
        goto done;
    }
    char *cwd = step_dir(r, st->work_dir);
    if (!cwd) {
        dk_str m = DK_STR_INIT;
        dk_str_addf(&m, "work_dir '%s' is not a directory inside the tree", st->work_dir);
        slot_message(slot, m.ptr);
        dk_str_release(&m);
        slot->status = DK_VERIFY_FAIL;
        goto done;
    }
    struct dk_vfy_exec_opts eo = {
        .cwd = cwd,
        .scratch = r->scratch,
        .path = r->path,
        .timeout_ms = st->timeout_ms < left ? st->timeout_ms : left,
        .output_cap = r->opts->output_cap,
        .bwrap = r->bwrap,
        .repo_dir = r->repo_dir,
        .max_address_space = r->opts->max_address_space,
    };
    const char *env_extra[3] = {NULL};
    if (st->type == DK_VFY_AGENT_REVIEW) {
        /* the reviewer reads the diff on stdin; the prompt and the id in its environment */
        eo.stdin_path = r->review_diff;
        dk_str_addf(&env_prompt, "DK_REVIEW_PROMPT=%s", st->prompt ? st->prompt : "");
        dk_str_addf(&env_cs, "DK_CHANGESET_ID=%s", r->view->changeset_id);
        env_extra[0] = env_prompt.ptr;
        env_extra[1] = env_cs.ptr;
        eo.env_extra = env_extra;
    }
    struct dk_vfy_exec_result er;
    if (dk_vfy_exec(&er, argv, &eo)) {
        dk_str m = DK_STR_INIT;
        dk_str_addf(&m, "could not start: %s", dk_error_last()->msg);
        slot_message(slot, m.ptr);
        dk_str_release(&m);
        slot->status = DK_VERIFY_FAIL;
    } else {
        slot->status = er.status;
        slot->exit_code = er.exit_code;
        free(slot->output);
        slot->output = utf8_clean(er.output);
        slot->output_bytes = er.output_bytes;
        slot->truncated = er.truncated;
        slot->duration_ms = er.duration_ms;
        dk_vfy_findings findings = DK_VEC_INIT;
        dk_vfy_findings_parse(&findings, slot->output, strlen(slot->output));
        /* paths the tools printed absolute become repository-relative */
        size_t tl = strlen(r->tree_dir);
        dk_vec_foreach(&findings, dk_verify_finding *, f) {
            if (strncmp(f->file, r->tree_dir, tl) == 0 && f->file[tl] == '/')
                memmove(f->file, f->file + tl + 1, strlen(f->file + tl + 1) + 1);
            else if (*st->work_dir && f->file[0] != '/') {
                dk_str p = DK_STR_INIT;
                dk_str_addf(&p, "%s/%s", st->work_dir, f->file);
                free(f->file);
                f->file = dk_str_detach(&p, NULL);
            }
        }
        slot->findings = findings.items;
        slot->nfindings = findings.len;
        dk_vfy_exec_result_release(&er);
        if (st->type == DK_VFY_AGENT_REVIEW) {
            for (size_t i = 0; i < slot->nfindings; i++)
                dk_vfy_finding_release(&slot->findings[i]);
            free(slot->findings);
            slot->findings = NULL;
            slot->nfindings = 0;
            review_verdict(slot);
        }
    }
    free(cwd);
done:
    dk_vfy_argv_free(argv);
    dk_str_release(&env_prompt);
    dk_str_release(&env_cs);
    report(r, slot);
}

static void *run_step_thread(void *ud)
{
    run_step(ud);
    return NULL;
}

static void run_stages(struct run *r, dk_verify_step *slots)
{
    size_t k = 0;
    dk_vec_foreach(&r->p->stages, struct dk_vfy_stage *, stage) {
        size_t n = stage->steps.len;
        struct job *jobs = dk_xcalloc(n, sizeof(*jobs));
        for (size_t i = 0; i < n; i++) {
            jobs[i] = (struct job){.run = r, .step = &stage->steps.items[i], .slot = &slots[k + i]};
            slot_init(jobs[i].slot, stage->name, jobs[i].step);
        }
        if (stage->parallel) {
            pthread_t *th = dk_xcalloc(n, sizeof(*th));
            bool *started = dk_xcalloc(n, sizeof(*started));
            for (size_t i = 0; i < n; i++)
                started[i] = pthread_create(&th[i], NULL, run_step_thread, &jobs[i]) == 0;
            for (size_t i = 0; i < n; i++) {
                if (started[i])
                    pthread_join(th[i], NULL);
                else
                    run_step(&jobs[i]); /* no thread: run it here rather than not at all */
            }
            free(th);
            free(started);
        } else {
            bool stop = false;
            for (size_t i = 0; i < n; i++) {
                if (stop) {
                    slot_message(jobs[i].slot,
                                 "not run: an earlier required step of the stage failed");
                    report(r, jobs[i].slot);
                    continue;
                }
                run_step(&jobs[i]);
                if (jobs[i].slot->required && jobs[i].slot->status != DK_VERIFY_PASS)
                    stop = true;
            }
        }
        free(jobs);
        k += n;
    }
}

/* ========================================================================== */
/* Results JSON                                                               */
/* ========================================================================== */

static json_t *findings_json(const dk_verify_finding *f, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:s, s:s}", "tool", f[i].tool, "file",
                                           f[i].file, "line", (json_int_t)f[i].line, "severity",
                                           dk_verify_severity_name(f[i].severity), "message",
                                           f[i].message));
    return a;
}

static char *result_json(const dk_verify_result *r)
{
    json_t *steps = json_array(), *conflicts = json_array();
    for (size_t i = 0; i < r->nsteps; i++) {
        const dk_verify_step *s = &r->steps[i];
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:s, s:I, s:b, s:i, s:I, s:b, s:s}", "name", s->name,
                      "stage", s->stage, "command", s->command, "status",
                      dk_verify_status_name(s->status), "duration_ms", (json_int_t)s->duration_ms,
                      "required", s->required, "exit_code", s->exit_code, "output_bytes",
                      (json_int_t)s->output_bytes, "truncated", s->truncated, "output_tail", "");
        /* valid UTF-8 by construction (utf8_clean) */
        json_object_set_new(o, "output_tail", json_string(s->output));
        json_object_set_new(o, "findings", findings_json(s->findings, s->nfindings));
        json_array_append_new(steps, o);
    }
    for (size_t i = 0; i < r->nconflicts; i++) {
        const dk_land_conflict *c = &r->conflicts[i];
        json_array_append_new(conflicts,
                              json_pack("{s:s, s:s, s:s, s:s}", "path", c->path, "qualified_name",
                                        c->qualified_name ? c->qualified_name : "", "kind",
                                        c->kind ? c->kind : "", "description",
                                        c->description ? c->description : ""));
    }
    json_t *root = json_pack(
        "{s:b, s:b, s:s, s:s, s:s, s:s, s:o, s:o, s:{s:I, s:I, s:I}}", "passed", r->passed,
        "awaiting_approval", r->awaiting_approval, "head", r->head, "tree", r->tree, "pipeline",
        r->pipeline ? r->pipeline : "", "sandbox", r->sandbox ? r->sandbox : "none", "steps", steps,
        "conflicts", conflicts, "materialise", "written", (json_int_t)r->files_written, "removed",
        (json_int_t)r->files_removed, "ms", (json_int_t)r->materialise_ms);
    if (r->error)
        json_object_set_new(root, "error", json_string(r->error));
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    char *out = dk_xstrdup(s ? s : "{}");
    free(s);
    return out;
}

/* ========================================================================== */
/* dk_verify                                                                  */
/* ========================================================================== */

/* The changes of `commit` against `base` (zero: the empty tree) as overlay entries. */
static int entries_of_commit(struct dk_eng_overlay_entry **out, size_t *n, dk_git_repo *repo,
                             const dk_oid *base, const dk_oid *commit)
{
    dk_git_changes changes = DK_GIT_CHANGES_INIT;
    dk_oid from = *base;
    int rc;
    *out = NULL;
    *n = 0;
    if (dk_oid_is_zero(&from) && (rc = dk_git_tree_build(&from, repo, NULL, NULL, 0)))
        return rc;
    if ((rc = dk_git_changes_list(&changes, repo, &from, commit)))
        return rc;
    *out = dk_xcalloc(changes.len ? changes.len : 1, sizeof(**out));
    for (size_t i = 0; i < changes.len; i++) {
        const dk_git_change *c = &changes.items[i];
        struct dk_eng_overlay_entry *en = &(*out)[(*n)++];
        en->path = dk_xstrdup(c->path);
        en->deleted = c->kind == DK_GIT_CHANGE_DELETED;
        if (!en->deleted) {
            en->blob = c->new_id;
            en->mode = c->new_mode;
        }
    }
    dk_git_changes_release(&changes);
    return DK_OK;
}

static void entries_free(struct dk_eng_overlay_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(e[i].path);
    free(e);
}

/* <data>/verify/<repo>, beside <data>/repos/<repo>.git. */
static char *default_scratch(const char *repo_path, const char *name)
{
    dk_str s = DK_STR_INIT;
    dk_str_adds(&s, repo_path);
    while (s.len && s.ptr[s.len - 1] == '/')
        dk_str_truncate(&s, s.len - 1);
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(s.ptr, '/');
        dk_str_truncate(&s, slash ? (size_t)(slash - s.ptr) : 0);
    }
    dk_str_addf(&s, "%s/verify/%s", s.len ? "" : ".", name);
    return dk_str_detach(&s, NULL);
}

static int mkdir_p(const char *path)
{
    dk_str p = DK_STR_INIT;
    int rc = DK_OK;
    for (const char *c = path;; c++) {
        if ((*c == '/' || !*c) && c > path) {
            dk_str_clear(&p);
            dk_str_add(&p, path, (size_t)(c - path));
            if (mkdir(p.ptr, 0755) != 0 && errno != EEXIST) {
                rc = dk_error_set(DK_ERROR, "mkdir %s: %s", p.ptr, strerror(errno));
                break;
            }
        }
        if (!*c)
            break;
    }
    dk_str_release(&p);
    return rc;
}

/* Open `path` (made if missing) and flock it exclusively, waiting; -1 with errno on failure. */
static int lock_file(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    while (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int err = errno;
            close(fd);
            errno = err;
            return -1;
        }
    }
    return fd;
}

/* The pipeline: .dk/pipeline.yaml at the head, else auto-detected. */
static int load_pipeline(struct dk_vfy_pipeline *p, dk_git_repo *repo, const dk_oid *head,
                         const dk_oid *tree)
{
    char *yaml = NULL;
    size_t len = 0;
    int rc = dk_oid_is_zero(head)
                 ? DK_ENOTFOUND
                 : dk_git_file_read(&yaml, &len, NULL, repo, head, ".dk/pipeline.yaml");
    if (rc == DK_OK) {
        rc = dk_vfy_pipeline_parse(p, yaml, len);
        free(yaml);
        return rc;
    }
    if (rc != DK_ENOTFOUND)
        return rc;
    dk_git_files files = DK_GIT_FILES_INIT;
    /* detected from the head too: deleting the Makefile must not remove its step */
    if ((rc = dk_git_files_list(&files, repo, dk_oid_is_zero(head) ? tree : head)))
        return rc;
    const char **paths = dk_xcalloc(files.len ? files.len : 1, sizeof(*paths));
    for (size_t i = 0; i < files.len; i++)
        paths[i] = files.items[i].path;
    dk_vfy_pipeline_detect(p, paths, files.len);
    free(paths);
    dk_git_files_release(&files);
    return DK_OK;
}

/*
 * A session that left the registry (dk_eng_session_view_ended): its
 * submitted work is verified while landing could still land it - stranded,
 * or closed with the changeset pinned (submitted, verifying, approved,
 * awaiting approval) - the same rule as land.c. Everything else is refused
 * with what happened to it.
 */
static int ended_check(const struct dk_eng_session_view *v, const struct dk_eng_cs *cs,
                       const dk_verify_opts *opts)
{
    if (v->state == DK_SESSION_ABANDONED || v->state == DK_SESSION_ACTIVE ||
        !dk_eng_changeset_is_pinned(cs->state))
        return dk_error_set(
            DK_ESTATE, "session %s is %s and its changeset %s is %s: nothing to verify", v->id,
            dk_session_state_name(v->state), cs->id, dk_changeset_state_name(cs->state));
    if (opts->check_only)
        return dk_error_set(DK_ESTATE,
                            "session %s is %s: check verifies a live overlay; verify without "
                            "check checks what it submitted",
                            v->id, dk_session_state_name(v->state));
    return DK_OK;
}

/*
 * An approved changeset (or one awaiting approval) is verified again only
 * when its verdict was made on another head than the branch head now: on
 * the same head the run would check the same tree (and drop a human
 * approval for nothing).
 */
static int reverify_check(const struct dk_eng_cs *cs, const dk_oid *head)
{
    if (cs->state != DK_CS_APPROVED && cs->state != DK_CS_AWAITING_APPROVAL)
        return DK_OK;
    char hex[DK_OID_HEXSZ + 1] = "";
    if (!dk_oid_is_zero(head))
        dk_oid_to_hex(hex, head);
    if (!cs->verified_head || strcmp(cs->verified_head, hex) != 0)
        return DK_OK;
    return dk_error_set(DK_ESTATE,
                        cs->state == DK_CS_APPROVED
                            ? "changeset %s is already approved on the current head %.12s"
                            : "changeset %s awaits approval on the current head %.12s: an "
                              "approver calls approve",
                        cs->id, *hex ? hex : "(unborn)");
}

static bool pipeline_has(const struct dk_vfy_pipeline *p, enum dk_vfy_step_type type)
{
    dk_vec_foreach(&p->stages, struct dk_vfy_stage *, st) {
        dk_vec_foreach(&st->steps, struct dk_vfy_step *, s) {
            if (s->type == type)
                return true;
        }
    }
    return false;
}

/* At most this much diff reaches a reviewer (it is told when it was cut). */
#define REVIEW_DIFF_MAX (8u * 1024 * 1024)

/* The unified diff head -> tree (what landing would change) into `path`, for reviewers. */
static int review_diff_write(dk_git_repo *repo, const dk_oid *head, const dk_oid *tree,
                             const char *path)
{
    dk_str diff = DK_STR_INIT;
    dk_oid from = *head;
    bool cut = false;
    int rc = DK_OK;
    if (dk_oid_is_zero(&from))
        rc = dk_git_tree_build(&from, repo, NULL, NULL, 0);
    if (rc == DK_OK)
        rc = dk_git_diff_patch(&diff, &cut, repo, &from, tree, REVIEW_DIFF_MAX);
    if (rc == DK_OK && cut)
        dk_str_adds(&diff, "\n[dk: the diff was cut here]\n");
    if (rc == DK_OK) {
        (void)unlink(path);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        size_t done = 0;
        while (fd >= 0 && done < diff.len) {
            ssize_t w = write(fd, diff.ptr + done, diff.len - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            done += (size_t)w;
        }
        if (fd < 0 || done < diff.len)
            rc = dk_error_set(DK_ERROR, "write %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    dk_str_release(&diff);
    return rc;
}

int dk_verify(dk_verify_result **out, dk_engine *e, const dk_caller *caller, const char *session_id,
              const dk_verify_opts *opts)
{
    static const dk_verify_opts defaults = DK_VERIFY_OPTS_INIT;
    struct dk_eng_session_view v;
    struct dk_eng_cs cs = {0};
    struct dk_land_merge m = {0};
    struct dk_vfy_pipeline p = {0};
    struct dk_eng_overlay_entry *entries = NULL;
    size_t nentries = 0;
    dk_git_repo *repo = NULL;
    dk_repo_info *info = NULL;
    const char *branch = NULL;
    char *scratch = NULL, *tree_dir = NULL, *bwrap = NULL;
    dk_str lockp = DK_STR_INIT, tdir = DK_STR_INIT, review_path = DK_STR_INIT;
    dk_verify_result *res = NULL;
    bool verifying = false;
    int lock_fd = -1, rc;

    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != DK_VERIFY_OPTS_VERSION)
        return dk_error_set(DK_EINVALID, "unsupported verify options version %u", opts->version);
    const char *path = opts->path ? opts->path : getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    if (opts->sandbox != DK_VERIFY_SANDBOX_NONE)
        bwrap = dk_vfy_bwrap_path(path);
    if (opts->sandbox == DK_VERIFY_SANDBOX_REQUIRE && !bwrap)
        return dk_error_set(DK_EUNSUPPORTED, "sandbox required but bwrap is not installed");
    bool ended = false;
    rc = dk_eng_session_view(&v, e, caller, session_id);
    if (rc == DK_ENOSESSION && session_id && *session_id) {
        /* not live: a stranded (or closed) session's submitted work is still verified */
        rc = dk_eng_session_view_ended(&v, e, caller, session_id);
        ended = rc == DK_OK;
    }
    if (rc) {
        free(bwrap);
        return rc;
    }
    if ((rc = dk_repo_get(&info, e, v.repo)))
        goto out;
    scratch =
        opts->scratch_dir ? dk_xstrdup(opts->scratch_dir) : default_scratch(info->path, v.repo);
    if ((rc = mkdir_p(scratch)))
        goto out;
    dk_str_addf(&lockp, "%s/lock", scratch);
    if ((lock_fd = lock_file(lockp.ptr)) < 0) {
        rc = dk_error_set(DK_ERROR, "lock %s: %s", lockp.ptr, strerror(errno));
        goto out;
    }
    /* read under the lock: a verification that ran meanwhile left its verdict;
     * one still verifying was interrupted (its process died) and starts again */
    if ((rc = dk_eng_cs_load(&cs, e, NULL, v.changeset_id)))
        goto out;
    if (ended && (rc = ended_check(&v, &cs, opts)))
        goto out;
    if (!opts->check_only && cs.state != DK_CS_SUBMITTED && cs.state != DK_CS_APPROVED &&
        cs.state != DK_CS_AWAITING_APPROVAL && cs.state != DK_CS_VERIFYING) {
        rc = dk_error_set(
            DK_ESTATE,
            "changeset %s is %s, cannot become verifying (submit it, or verify with check)", cs.id,
            dk_changeset_state_name(cs.state));
        goto out;
    }
    if ((rc = dk_eng_repo_acquire(&repo, &branch, e, v.repo)))
        goto out;
    if (opts->check_only) {
        nentries = v.nentries;
        entries = dk_xcalloc(nentries ? nentries : 1, sizeof(*entries));
        for (size_t i = 0; i < nentries; i++) {
            entries[i] = v.entries[i];
            entries[i].path = dk_xstrdup(v.entries[i].path);
        }
    } else {
        dk_oid submitted;
        if ((rc = dk_oid_from_hex(&submitted, cs.submit_commit ? cs.submit_commit : "",
                                  cs.submit_commit ? strlen(cs.submit_commit) : 0)) ||
            (rc = entries_of_commit(&entries, &nentries, repo, &v.base, &submitted)))
            goto out;
    }
    dk_oid head = {{0}};
    rc = dk_git_branch_read(&head, repo, branch);
    if (rc == DK_ENOTFOUND)
        rc = DK_OK;
    if (rc)
        goto out;
    if (!opts->check_only && (rc = reverify_check(&cs, &head)))
        goto out;

    if (!opts->check_only) {
        /* the lock stays held: nothing else verifies this repository meanwhile */
        if ((rc = cs.state == DK_CS_VERIFYING ? dk_eng_changeset_verify_restart(e, cs.id)
                                              : dk_changeset_verifying(e, cs.id)))
            goto out;
        verifying = true;
    }
    res = dk_xcalloc(1, sizeof(*res));
    res->sandbox = dk_xstrdup(bwrap ? "bwrap" : "none");
    if (!dk_oid_is_zero(&head))
        dk_oid_to_hex(res->head, &head);

    /* 1. the tree landing would commit now, or its conflicts */
    if ((rc = dk_land_merge_tree(&m, repo, &v.base, &head, entries, nentries, dk_eng_symcache(e))))
        goto verdict_error;
    if (m.conflicts.len) {
        res->conflicts = m.conflicts.items;
        res->nconflicts = m.conflicts.len;
        dk_vec_init(&m.conflicts);
        goto verdict;
    }
    dk_oid_to_hex(res->tree, &m.tree);

    /* 2. what runs: decided by the head */
    if ((rc = load_pipeline(&p, repo, &head, &m.tree))) {
        res->pipeline = dk_xstrdup(".dk/pipeline.yaml");
        goto verdict_error;
    }
    res->pipeline = dk_xstrdup(p.source);

    /* 3. the tree on disk */
    struct dk_vfy_sync_stats ss;
    int64_t t0 = mono_ms();
    if ((rc = dk_vfy_scratch_sync(&ss, repo, &m.tree, scratch)))
        goto verdict_error;
    res->materialise_ms = mono_ms() - t0;
    res->files_written = ss.written + ss.repaired;
    res->files_removed = ss.removed;
    dk_str_addf(&tdir, "%s/tree", scratch);
    tree_dir = realpath(tdir.ptr, NULL);
    if (!tree_dir) {
        rc = dk_error_set(DK_ERROR, "realpath %s: %s", tdir.ptr, strerror(errno));
        goto verdict_error;
    }

    /* agent-review steps read the diff landing would make, head -> merged tree */
    if (pipeline_has(&p, DK_VFY_AGENT_REVIEW)) {
        dk_str_addf(&review_path, "%s/review.diff", scratch);
        if ((rc = review_diff_write(repo, &head, &m.tree, review_path.ptr)))
            goto verdict_error;
    }

    size_t total = p.semantic ? 1 : 0;
    dk_vec_foreach(&p.stages, struct dk_vfy_stage *, st)
        total += st->steps.len;
    res->steps = dk_xcalloc(total ? total : 1, sizeof(*res->steps));
    res->nsteps = total;
    struct run run = {.e = e,
                      .view = &v,
                      .opts = opts,
                      .p = &p,
                      .res = res,
                      .scratch = scratch,
                      .tree_dir = tree_dir,
                      .path = path,
                      .bwrap = bwrap,
                      .repo_dir = info->path,
                      .review_diff = review_path.len ? review_path.ptr : NULL,
                      .deadline = mono_ms() + p.timeout_ms};
    pthread_mutex_init(&run.cb_lock, NULL);

    /* 4. the symbol model's checks */
    if (p.semantic) {
        dk_verify_step *s = &res->steps[0];
        dk_vfy_findings f = DK_VEC_INIT;
        int64_t s0 = mono_ms();
        s->name = dk_xstrdup("semantic");
        s->stage = dk_xstrdup("semantic");
        s->command = dk_xstrdup("");
        s->required = true;
        s->exit_code = -1;
        if ((rc = dk_vfy_semantic(&f, repo, &head, &m.tree, dk_eng_symcache(e)))) {
            dk_vec_foreach(&f, dk_verify_finding *, x)
                dk_vfy_finding_release(x);
            dk_vec_release(&f);
            pthread_mutex_destroy(&run.cb_lock);
            goto verdict_error;
        }
        size_t errors = 0;
        dk_vec_foreach(&f, dk_verify_finding *, x)
            errors += x->severity == DK_VERIFY_ERROR;
        s->status = errors ? DK_VERIFY_FAIL : DK_VERIFY_PASS;
        s->findings = f.items;
        s->nfindings = f.len;
        dk_str o = DK_STR_INIT;
        dk_vec_foreach(&f, dk_verify_finding *, x)
            dk_str_addf(&o, "%s:%u: %s: %s\n", x->file, x->line,
                        dk_verify_severity_name(x->severity), x->message);
        s->output_bytes = o.len;
        s->output = dk_str_detach(&o, NULL);
        s->duration_ms = mono_ms() - s0;
        report(&run, s);
    }
    /* invariant 2: no handle held while commands run */
    dk_eng_repo_release(e, v.repo, repo);
    repo = NULL;

    /* 5. the commands; the changeset's paths scope the changeset-aware ones */
    const char **changed = dk_xcalloc(nentries ? nentries : 1, sizeof(*changed));
    for (size_t i = 0; i < nentries; i++)
        changed[i] = entries[i].path;
    run.changed = changed;
    run.nchanged = nentries;
    run_stages(&run, res->steps + (p.semantic ? 1 : 0));
    free(changed);
    pthread_mutex_destroy(&run.cb_lock);

verdict:
    res->passed = res->nconflicts == 0;
    for (size_t i = 0; i < res->nsteps; i++) {
        if (res->steps[i].status == DK_VERIFY_WAITING)
            res->awaiting_approval = true;
        else if (res->steps[i].required && res->steps[i].status != DK_VERIFY_PASS)
            res->passed = false;
    }
    /* a human-approve step is asked only when everything before it passed */
    if (res->awaiting_approval)
        res->awaiting_approval = res->passed, res->passed = false;
    rc = DK_OK;
    goto record;
verdict_error:
    /* invariant 1: verifying never stays; the error is the verdict's reason */
    res->passed = false;
    res->error = dk_xstrdup(dk_error_last()->msg);
record:
    res->json = result_json(res);
    res->state = cs.state;
    if (verifying) {
        int saved = rc;
        char saved_msg[sizeof(dk_error_last()->msg)];
        snprintf(saved_msg, sizeof(saved_msg), "%s", dk_error_last()->msg);
        dk_changeset_state verdict = res->passed              ? DK_CS_APPROVED
                                     : res->awaiting_approval ? DK_CS_AWAITING_APPROVAL
                                                              : DK_CS_REJECTED;
        int vrc = dk_changeset_verified(e, cs.id, verdict, res->head, res->json);
        if (vrc == DK_OK)
            res->state = verdict;
        if (saved)
            rc = dk_error_set(saved, "%s", saved_msg);
        else
            rc = vrc;
    }
    if (rc == DK_OK || res->error) {
        *out = res;
        res = NULL;
    }
out:
    dk_verify_result_free(res);
    if (lock_fd >= 0)
        close(lock_fd);
    dk_land_merge_release(&m);
    dk_vfy_pipeline_release(&p);
    entries_free(entries, nentries);
    dk_eng_repo_release(e, v.repo, repo);
    dk_repo_infos_free(info, info ? 1 : 0);
    dk_eng_cs_release(&cs);
    dk_eng_session_view_release(&v);
    dk_str_release(&lockp);
    dk_str_release(&tdir);
    dk_str_release(&review_path);
    free(scratch);
    free(tree_dir);
    free(bwrap);
    return rc;
}

/* ========================================================================== */
/* dk_verify_land                                                             */
/* ========================================================================== */

/* Re-verifications a landing tries before giving up on a head that keeps moving. */
#define LAND_REVERIFY_MAX 3

/*
 * The landing lock of the session's repository: <scratch>/land.lock, flock'd
 * exclusively, or -1 when there is none to take (the session is not live, the
 * directory cannot be made): the landing then goes on unserialised, as before.
 * Then, in *slock, the same lock for every node on the store: a flock is one
 * machine's (two dk serve on two machines sharing a PostgreSQL store each
 * had their own queue and made each other's approvals stale), so with
 * PostgreSQL an advisory lock "dk.land:<repo>" is taken too, after the flock
 * (one waiter per repository per process). NULL when it cannot be taken: the
 * landing goes on, as without the flock (the CAS keeps it correct).
 * Held from the first dk_land to the last, it makes landings of one repository
 * a queue: without it, twenty agents landing at once with a pipeline starved
 * each other (each re-verification, serialised by the scratch lock, was made
 * stale by the landing of the one verified before it; after LAND_REVERIFY_MAX
 * tries the landing failed with DK_ESTALE). It is not the scratch lock: dk_verify
 * takes that one inside.
 */
static int land_lock(dk_store_lock **slock, dk_engine *e, const dk_caller *caller,
                     const char *session_id, const dk_verify_opts *vo)
{
    dk_session_info *si = NULL;
    dk_repo_info *info = NULL;
    int fd = -1;
    *slock = NULL;
    if (dk_session_status(&si, e, caller, session_id) == DK_OK &&
        dk_repo_get(&info, e, si->repo) == DK_OK) {
        char *scratch =
            vo->scratch_dir ? dk_xstrdup(vo->scratch_dir) : default_scratch(info->path, si->repo);
        if (mkdir_p(scratch) == DK_OK) {
            dk_str lockp = DK_STR_INIT;
            dk_str_addf(&lockp, "%s/land.lock", scratch);
            fd = lock_file(lockp.ptr);
            dk_str_release(&lockp);
        }
        free(scratch);
        dk_str name = DK_STR_INIT;
        dk_str_addf(&name, "dk.land:%s", si->repo);
        if (dk_store_lock_take(slock, dk_eng_store(e), name.ptr))
            dk_trace(DK_TRACE_WARN, "verify", "landing lock of %s across nodes: %s", si->repo,
                     dk_error_last()->msg);
        dk_str_release(&name);
    }
    dk_repo_infos_free(info, info ? 1 : 0);
    dk_session_infos_free(si, si ? 1 : 0);
    /* whatever failed here, the landing reports its own errors */
    dk_error_clear();
    return fd;
}

/*
 * The session's changeset is verifying. Under the landing lock that is a
 * verification killed before its verdict (or one still running elsewhere:
 * dk_verify then waits for it on the scratch lock), so the landing verifies
 * it again rather than refusing a state the agent cannot leave.
 */
static bool land_cs_verifying(dk_engine *e, const dk_caller *caller, const char *session_id)
{
    dk_error refused = *dk_error_last();
    dk_session_info *si = NULL;
    bool verifying = dk_session_status(&si, e, caller, session_id) == DK_OK &&
                     si->changeset_state == DK_CS_VERIFYING;
    dk_session_infos_free(si, si ? 1 : 0);
    /* the landing's refusal stays the error to report */
    dk_error_set(refused.code, "%s", refused.msg);
    return verifying;
}

/*
 * Why the landing re-verifies rather than only refusing (docs/verify.md):
 * dkod landed whatever was approved onto whatever the head had become, so a
 * change approved on H1 reached H2 unchecked. dk_land refuses that
 * (DK_ESTALE, inside the transaction that would land, so no race lets it
 * through); here the refusal is answered the way an agent would answer it -
 * verify on the new head, land if approved - so an approved changeset does
 * not bounce back to its agent every time another one lands first.
 */
int dk_verify_land(dk_land_result **land, dk_verify_result **verdict, dk_engine *e,
                   const dk_caller *caller, const char *session_id, const dk_land_opts *land_opts,
                   const dk_verify_opts *verify_opts)
{
    dk_verify_opts vo = DK_VERIFY_OPTS_INIT;
    if (verify_opts)
        vo = *verify_opts;
    vo.check_only = false;
    *land = NULL;
    *verdict = NULL;
    int rc = DK_OK;
    bool dry = land_opts && land_opts->dry_run;
    dk_store_lock *slock = NULL;
    int lock_fd = dry ? -1 : land_lock(&slock, e, caller, session_id, &vo);
    for (int attempt = 0;; attempt++) {
        rc = dk_land(land, e, caller, session_id, land_opts);
        bool interrupted = rc == DK_ESTATE && !dry && land_cs_verifying(e, caller, session_id);
        if ((rc != DK_ESTALE && !interrupted) || dry || attempt >= LAND_REVERIFY_MAX)
            break;
        /* the refusal's message, kept in case it was not about the verdict */
        dk_error refused = *dk_error_last();
        dk_verify_result_free(*verdict);
        *verdict = NULL;
        int vrc = dk_verify(verdict, e, caller, session_id, &vo);
        if (vrc && !*verdict) {
            /* nothing to re-verify (the approval is current): the landing's refusal stands */
            rc = dk_error_set(refused.code, "%s", refused.msg);
            break;
        }
        if (vrc) {
            rc = vrc;
            break;
        }
        if ((*verdict)->state != DK_CS_APPROVED) {
            rc = dk_error_set(DK_ESTATE,
                              "verified again on head %.12s (the head moved since the "
                              "approval): the changeset of session %s is %s, nothing landed",
                              *(*verdict)->head ? (*verdict)->head : "(unborn)", session_id,
                              dk_changeset_state_name((*verdict)->state));
            break;
        }
        dk_land_result_free(*land);
        *land = NULL;
    }
    dk_store_lock_release(slock);
    if (lock_fd >= 0)
        close(lock_fd);
    return rc;
}
