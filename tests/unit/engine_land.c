/*
 * tests/unit/engine_land.c - the changeset half of the engine through its
 * API: the state machine (every transition allowed and refused), submit and
 * its ref, approve and the verification verdict, landing (fast path,
 * rebase, conflicts, dry run, the session continuing or closing), 32
 * sessions landing changes to one file, order independence, revert, and
 * who may act. One set of bodies runs on both stores: suite
 * engine_land_sqlite (a WAL file in the test's directory) and
 * engine_land_pg (a fresh database on the server named by DK_TEST_PG_URL;
 * without one every engine_land_pg test FAILS, it is never skipped).
 *
 * Repositories are real: a source repository is built with dk_git_* and
 * imported; results are checked through the engine, the store and the git
 * CLI (`git show`, `git diff`, `git fsck --strict`), used only to verify.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "dk/context.h"
#include "dk/engine.h"

#include "engine/engine_int.h"
#include "harness/th.h"
#include "harness/th_engine.h"
#include "util/str.h"

/* ========================================================================== */
/* Fixtures                                                                   */
/* ========================================================================== */

static th_engine t_fx;
static _Atomic int64_t t_clock;
static dk_oid t_base;

#define T0     1700000000000LL
#define NFUNCS 32

static int64_t t_clock_fn(void *ud)
{
    (void)ud;
    return atomic_fetch_add(&t_clock, 1);
}

/* The text of function `i` of app.py, with `body` as its return expression. */
static void t_func(dk_str *s, int i, const char *body)
{
    if (i > 0)
        dk_str_adds(s, "\n\n");
    dk_str_addf(s, "def f%d(x):\n    return %s\n", i, body);
}

/*
 * app.py with NFUNCS functions; `changed` maps function index -> new body
 * (NULL entries keep "x + i").
 */
static char *t_app(const char *const changed[NFUNCS])
{
    dk_str s = DK_STR_INIT;
    for (int i = 0; i < NFUNCS; i++) {
        char dflt[32];
        snprintf(dflt, sizeof(dflt), "x + %d", i);
        t_func(&s, i, changed && changed[i] ? changed[i] : dflt);
    }
    return dk_str_detach(&s, NULL);
}

/* app.py with function i's body replaced by `body`. */
static char *t_app_with(int i, const char *body)
{
    const char *changed[NFUNCS] = {0};
    changed[i] = body;
    return t_app(changed);
}

/* The source repository: one commit on main with app.py, a README and a script. */
static void t_make_source(void)
{
    dk_git_repo *g = th_engine_src(&t_fx);
    char *app = t_app(NULL);
    th_file f[] = {
        {"README.md", "hello\n", 0},
        {"app.py", app, 0},
        {"bin/run", "#!/bin/sh\necho hi\n", DK_GIT_MODE_EXEC},
    };
    t_base = th_commit_on(g, "main", f, 3, "first\n");
    free(app);
    dk_git_repo_close(g);
}

static void t_open(void)
{
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.clock_ms = t_clock_fn;
    th_engine_open(&t_fx, &o);
}

static void t_setup(const char *pg_prefix)
{
    atomic_store(&t_clock, T0);
    th_engine_store(&t_fx, pg_prefix);
    t_make_source();
    t_open();
    th_assert_ok(dk_repo_import(t_fx.e, "demo", t_fx.src, NULL));
}

void test_engine_land_sqlite__initialize(void)
{
    t_setup(NULL);
}

void test_engine_land_sqlite__cleanup(void)
{
    th_engine_done(&t_fx);
}

void test_engine_land_pg__initialize(void)
{
    t_setup("dk_l");
}

void test_engine_land_pg__cleanup(void)
{
    th_engine_done(&t_fx);
}

/*
 * Both suites run the same body: each test is t_<name>() with one
 * test_engine_land_sqlite__<name> and one test_engine_land_pg__<name>
 * written out (the registry is a grep, so no macro makes them).
 */

/* ---- helpers ------------------------------------------------------------ */

/* The branch head of `repo` as hex (static slot; "" when unborn). */
static const char *t_head(const char *repo)
{
    static char hex[4][41];
    static int next;
    char *slot = hex[next++ % 4];
    dk_repo_info *info;
    th_assert_ok(dk_repo_get(&info, t_fx.e, repo));
    snprintf(slot, 41, "%s", info->head);
    dk_repo_infos_free(info, 1);
    return slot;
}

/* The content of `path` at the head of `repo` (malloc'd), NULL when absent. */
static char *t_head_file(const char *repo, const char *path)
{
    dk_git_repo *g;
    dk_oid head;
    const char *hex = t_head(repo);
    th_assert_ok(dk_oid_from_hex(&head, hex, strlen(hex)));
    th_assert_ok(dk_git_repo_open(&g, th_engine_repo_path(&t_fx, repo)));
    char *text = NULL;
    size_t len;
    int rc = dk_git_file_read(&text, &len, NULL, g, &head, path);
    dk_git_repo_close(g);
    if (rc == DK_ENOTFOUND)
        return NULL;
    th_assert_ok(rc);
    return text;
}

static const char *t_connect_to(const dk_caller *caller, const char *repo, const char *agent)
{
    return th_connect(&t_fx, caller, repo, agent, NULL, "change things");
}

static const char *t_connect(const char *agent)
{
    return t_connect_to(NULL, "demo", agent);
}

/* Read `path` through the session (a read mark: the agent saw the file), then write it. */
static void t_read_write(const char *sid, const char *path, const char *text)
{
    dk_file *f = NULL;
    int rc = dk_file_read(&f, t_fx.e, NULL, sid, path);
    dk_file_free(f);
    th_assert(rc == DK_OK || rc == DK_ENOTFOUND);
    dk_write_result *r = NULL;
    rc = dk_file_write(&r, t_fx.e, NULL, sid, path, text, strlen(text), NULL);
    dk_write_result_free(r);
    th_assert_ok(rc);
}

static void t_write(const char *sid, const char *path, const char *text)
{
    dk_write_result *r = NULL;
    int rc = dk_file_write(&r, t_fx.e, NULL, sid, path, text, strlen(text), NULL);
    dk_write_result_free(r);
    th_assert_ok(rc);
}

/* The session's status (caller frees). */
/* The session's changeset id (static slot). */
static const char *t_cs_of(const char *sid)
{
    static char ids[8][128];
    static int next;
    dk_session_info *info = th_status(&t_fx, sid);
    char *slot = ids[next++ % 8];
    snprintf(slot, 128, "%s", info->changeset_id);
    dk_session_infos_free(info, 1);
    return slot;
}

static dk_changeset_state t_cs_state(const char *cs)
{
    dk_changeset_info *info;
    th_assert_ok(dk_changeset_get(&info, t_fx.e, NULL, cs));
    dk_changeset_state st = info->state;
    dk_changeset_info_free(info);
    return st;
}

/* Submit; returns the changeset id (static slot). */
static const char *t_submit(const char *sid)
{
    static char ids[8][128];
    static int next;
    dk_changeset_info *info;
    th_assert_ok(dk_changeset_submit(&info, t_fx.e, NULL, sid));
    th_assert_eq_int(info->state, DK_CS_SUBMITTED);
    char *slot = ids[next++ % 8];
    snprintf(slot, 128, "%s", info->id);
    dk_changeset_info_free(info);
    return slot;
}

/* Land with default options; asserts success and returns the retries. */
static unsigned t_land_ok(const char *sid)
{
    dk_land_result *r = NULL;
    int rc = dk_land(&r, t_fx.e, NULL, sid, NULL);
    th_assert_msg(rc == DK_OK, "land %s: %d %s (%zu conflicts: %s)", sid, rc, dk_error_last()->msg,
                  r ? r->nconflicts : 0, r && r->nconflicts ? r->conflicts[0].description : "");
    th_assert_eq_int(r->nconflicts, 0);
    th_assert_eq_str(r->commit, t_head("demo"));
    unsigned retries = r->retries;
    dk_land_result_free(r);
    return retries;
}

/* How many events of `type` the repository "demo" has for changeset `cs`. */
static size_t t_events(const char *type, const char *cs)
{
    dk_event *ev;
    size_t n, hits = 0;
    th_assert_ok(dk_events_watch(&ev, &n, NULL, t_fx.e, "demo", 0, type, 10000, 0));
    for (size_t i = 0; i < n; i++)
        hits += ev[i].changeset_id && strcmp(ev[i].changeset_id, cs) == 0;
    dk_events_free(ev, n);
    return hits;
}

/* ========================================================================== */
/* The state machine                                                          */
/* ========================================================================== */

#define NSTATES 9

/* engine_int.h's table, written out independently of changeset.c. */
static bool t_allowed(dk_changeset_state from, dk_changeset_state to)
{
    static const int pairs[][2] = {
        {DK_CS_DRAFT, DK_CS_SUBMITTED},
        {DK_CS_REJECTED, DK_CS_SUBMITTED},
        {DK_CS_SUBMITTED, DK_CS_VERIFYING},
        {DK_CS_SUBMITTED, DK_CS_APPROVED},
        {DK_CS_VERIFYING, DK_CS_APPROVED},
        {DK_CS_VERIFYING, DK_CS_REJECTED},
        {DK_CS_APPROVED, DK_CS_MERGED},
        {DK_CS_SUBMITTED, DK_CS_MERGED},
        {DK_CS_VERIFYING, DK_CS_AWAITING_APPROVAL},
        {DK_CS_AWAITING_APPROVAL, DK_CS_APPROVED},
        {DK_CS_AWAITING_APPROVAL, DK_CS_REJECTED},
        {DK_CS_AWAITING_APPROVAL, DK_CS_VERIFYING},
        {DK_CS_APPROVED, DK_CS_VERIFYING},
        /* resubmit: the session changed since it was submitted */
        {DK_CS_SUBMITTED, DK_CS_SUBMITTED},
        {DK_CS_APPROVED, DK_CS_SUBMITTED},
        /* reopen: dk_session_rebase moved the session onto a new head */
        {DK_CS_SUBMITTED, DK_CS_DRAFT},
        {DK_CS_VERIFYING, DK_CS_DRAFT},
        {DK_CS_APPROVED, DK_CS_DRAFT},
        {DK_CS_AWAITING_APPROVAL, DK_CS_DRAFT},
        {DK_CS_REJECTED, DK_CS_DRAFT},
        /* a verification killed before its verdict, started again */
        {DK_CS_VERIFYING, DK_CS_VERIFYING},
    };
    bool terminal = from == DK_CS_MERGED || from == DK_CS_CLOSED || from == DK_CS_ABANDONED;
    if (!terminal && (to == DK_CS_CLOSED || to == DK_CS_ABANDONED))
        return true;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        if (pairs[i][0] == (int)from && pairs[i][1] == (int)to)
            return true;
    return false;
}

static void t_transitions(void)
{
    const char *sid = t_connect("a1");
    char cs[128];
    snprintf(cs, sizeof(cs), "%s", t_cs_of(sid));
    dk_store *store = dk_eng_store(t_fx.e);
    int allowed = 0, refused = 0;

    for (int from = 0; from < NSTATES; from++) {
        for (int to = 0; to < NSTATES; to++) {
            dk_store_conn *c;
            dk_changeset_state before, after;
            th_assert_ok(dk_store_acquire(&c, store));
            dk_store_val p[] = {DK_SV_TEXT(dk_changeset_state_name(from)),
                                DK_SV_TEXT("set by the test"), DK_SV_TEXT(cs)};
            th_assert_ok(dk_store_exec(
                c, NULL, "UPDATE changesets SET state = ?, reason = ? WHERE id = ?", p, 3));
            th_assert_ok(dk_store_begin(c));
            int rc =
                dk_eng_changeset_transition_tx(&before, t_fx.e, c, cs, to, "the test's reason");
            char msg[256];
            snprintf(msg, sizeof(msg), "%s", dk_error_last()->msg);
            if (rc == DK_OK)
                th_assert_ok(dk_store_commit(c));
            else
                dk_store_rollback(c);
            th_assert_ok(dk_eng_changeset_state_tx(&after, c, cs));
            int64_t n = -1;
            bool found;
            dk_store_val pr[] = {DK_SV_TEXT(cs)};
            th_assert_ok(dk_store_query_int(&n, &found, c,
                                            "SELECT COUNT(*) FROM changesets WHERE id = ? AND "
                                            "reason = 'the test''s reason'",
                                            pr, 1));
            dk_store_release(c);
            th_assert_eq_int(before, from);
            bool idem = from == to && (to == DK_CS_CLOSED || to == DK_CS_ABANDONED);
            if (t_allowed(from, to)) {
                allowed++;
                th_assert_msg(rc == DK_OK, "%s -> %s refused: %s", dk_changeset_state_name(from),
                              dk_changeset_state_name(to), msg);
                th_assert_eq_int(after, to);
                th_assert_eq_int(n, 1); /* the reason is recorded */
            } else if (idem) {
                th_assert_ok(rc);
                th_assert_eq_int(after, from);
                th_assert_eq_int(n, 0); /* nothing written */
            } else {
                refused++;
                th_assert_msg(rc == DK_ESTATE, "%s -> %s: %d", dk_changeset_state_name(from),
                              dk_changeset_state_name(to), rc);
                char want[256];
                snprintf(want, sizeof(want), "changeset %s is %s, cannot become %s", cs,
                         dk_changeset_state_name(from), dk_changeset_state_name(to));
                th_assert_eq_str(msg, want);
                th_assert_eq_int(after, from);
                th_assert_eq_int(n, 0);
            }
        }
    }
    /* 6 non-terminal states x {closed, abandoned} + 13 others (2 idempotent apart;
     * awaiting_approval -> rejected is a person's reject) + 2 resubmit + 5 reopen
     * + 1 restart of a killed verification */
    th_assert_eq_int(allowed, 6 * 2 + 13 + 2 + 5 + 1);
    th_assert_eq_int(refused, NSTATES * NSTATES - allowed - 2);

    /* names round-trip, unknown ones are refused */
    for (int s = 0; s < NSTATES; s++) {
        dk_changeset_state back;
        th_assert_ok(dk_changeset_state_parse(&back, dk_changeset_state_name(s)));
        th_assert_eq_int(back, s);
    }
    dk_changeset_state x;
    th_assert_err(dk_changeset_state_parse(&x, "open"), DK_EINVALID);
    th_assert_err(dk_changeset_state_parse(&x, NULL), DK_EINVALID);
    th_assert(!dk_eng_changeset_is_terminal(DK_CS_DRAFT));
    th_assert(dk_eng_changeset_is_terminal(DK_CS_ABANDONED));
    th_assert(dk_eng_changeset_is_pinned(DK_CS_VERIFYING));
    th_assert(dk_eng_changeset_is_pinned(DK_CS_AWAITING_APPROVAL));
    th_assert(!dk_eng_changeset_is_pinned(DK_CS_REJECTED));
    th_assert_err(dk_changeset_get(&(dk_changeset_info *){NULL}, t_fx.e, NULL, "cs_demo_999"),
                  DK_ENOTFOUND);
}
void test_engine_land_sqlite__transitions(void)
{
    t_transitions();
}
void test_engine_land_pg__transitions(void)
{
    t_transitions();
}

/* ========================================================================== */
/* Submit                                                                     */
/* ========================================================================== */

static void t_submit_writes_ref(void)
{
    const char *sid = t_connect("a1");
    const char *cs0 = t_cs_of(sid);
    char cs[128];
    snprintf(cs, sizeof(cs), "%s", cs0);
    th_assert_eq_str(cs, "cs_demo_1");

    /* nothing to submit yet: refused, nothing changes */
    dk_changeset_info *info = NULL;
    th_assert_err(dk_changeset_submit(&info, t_fx.e, NULL, sid), DK_ESTATE);
    th_assert_eq_int(t_cs_state(cs), DK_CS_DRAFT);

    char *app = t_app_with(3, "x * 3");
    t_write(sid, "app.py", app);
    free(app);
    t_write(sid, "docs/new.md", "# new\n");
    th_assert(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", sid) > 0);

    th_assert_ok(dk_changeset_submit(&info, t_fx.e, NULL, sid));
    th_assert_eq_str(info->id, cs);
    th_assert_eq_int(info->state, DK_CS_SUBMITTED);
    th_assert_eq_int(info->number, 1);
    th_assert(info->submit_commit[0]);
    char commit[41];
    snprintf(commit, sizeof(commit), "%s", info->submit_commit);
    dk_changeset_info_free(info);

    /* plain git sees it: author = agent, message = intent, parent = base */
    const char *path = th_engine_repo_path(&t_fx, "demo");
    char *out = th_git_out(path, "show -s --format='%%an|%%s|%%P' refs/dk/changesets/%s", cs);
    char base_hex[41], want[256];
    dk_oid_to_hex(base_hex, &t_base);
    snprintf(want, sizeof(want), "agent-1|change things|%s\n", base_hex);
    th_assert_eq_str(out, want);
    free(out);
    out = th_git_out(path, "rev-parse refs/dk/changesets/%s", cs);
    snprintf(want, sizeof(want), "%s\n", commit);
    th_assert_eq_str(out, want);
    free(out);
    out = th_git_out(path, "diff --name-status %s refs/dk/changesets/%s", base_hex, cs);
    th_assert_eq_str(out, "M\tapp.py\nA\tdocs/new.md\n");
    free(out);
    out = th_git_out(path, "show refs/dk/changesets/%s:app.py", cs);
    th_assert(strstr(out, "return x * 3\n"));
    free(out);

    /* claims released, event emitted, the branch untouched */
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", sid), 0);
    th_assert_eq_int(t_events("changeset.submitted", cs), 1);
    th_assert_eq_str(t_head("demo"), base_hex);
    dk_session_info *st = th_status(&t_fx, sid);
    th_assert_eq_int(st->changeset_state, DK_CS_SUBMITTED);
    dk_session_infos_free(st, 1);

    /* a second submit is refused and leaves the ref where it was */
    th_assert_err(dk_changeset_submit(&info, t_fx.e, NULL, sid), DK_ESTATE);
    th_assert_msg(strstr(dk_error_last()->msg, "is submitted, cannot become submitted"), "%s",
                  dk_error_last()->msg);
    out = th_git_out(path, "rev-parse refs/dk/changesets/%s", cs);
    snprintf(want, sizeof(want), "%s\n", commit);
    th_assert_eq_str(out, want);
    free(out);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__submit_writes_ref(void)
{
    t_submit_writes_ref();
}
void test_engine_land_pg__submit_writes_ref(void)
{
    t_submit_writes_ref();
}

/* Create the lock file `<repo>/<ref>.lock` with its mtime `age_s` seconds ago. */
static void t_ref_lock(const char *ref, long age_s)
{
    const char *repo = th_engine_repo_path(&t_fx, "demo");
    th_assert_eq_int(th_system("mkdir -p \"$(dirname '%s/%s')\" && touch -d @%lld '%s/%s.lock'",
                               repo, ref, (long long)time(NULL) - age_s, repo, ref),
                     0);
}

static bool t_ref_locked(const char *ref)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s.lock", th_engine_repo_path(&t_fx, "demo"), ref);
    return access(path, F_OK) == 0;
}

/*
 * kill -9 between libgit2's lock and its rename leaves <ref>.lock behind: the
 * changeset ref's (submit) and the branch's (landing) are removed once older
 * than DK_GIT_STALE_LOCK_S, so the work goes on; a younger one is a live
 * writer's and refuses as a busy resource, changing nothing.
 */
static void t_stale_ref_locks(void)
{
    const char *sid = t_connect("a1");
    char cs[128], ref[160];
    snprintf(cs, sizeof(cs), "%s", t_cs_of(sid));
    snprintf(ref, sizeof(ref), "refs/dk/changesets/%s", cs);
    char *app = t_app_with(3, "x * 3");
    t_write(sid, "app.py", app);
    free(app);

    /* young: the submit is refused as busy, nothing changes, the lock stays */
    t_ref_lock(ref, DK_GIT_STALE_LOCK_S - 3);
    dk_changeset_info *info = NULL;
    int rc = dk_changeset_submit(&info, t_fx.e, NULL, sid);
    th_assert_msg(rc == DK_ERACE || rc == DK_EBUSY, "submit under a live lock: %d %s", rc,
                  dk_error_last()->msg);
    th_assert_eq_int(t_cs_state(cs), DK_CS_DRAFT);
    th_assert(t_ref_locked(ref));

    /* stale: removed, submitted */
    t_ref_lock(ref, DK_GIT_STALE_LOCK_S + 5);
    t_submit(sid);
    th_assert(!t_ref_locked(ref));
    th_assert_eq_int(t_cs_state(cs), DK_CS_SUBMITTED);

    /* the branch: young refuses the landing (busy), nothing lands; stale lands */
    const char *before = t_head("demo");
    char head[41];
    snprintf(head, sizeof(head), "%s", before);
    t_ref_lock("refs/heads/main", DK_GIT_STALE_LOCK_S - 3);
    dk_land_result *r = NULL;
    rc = dk_land(&r, t_fx.e, NULL, sid, NULL);
    th_assert_msg(rc == DK_ERACE || rc == DK_EBUSY, "land under a live lock: %d %s", rc,
                  dk_error_last()->msg);
    dk_land_result_free(r);
    th_assert_eq_str(t_head("demo"), head);
    th_assert_eq_int(t_cs_state(cs), DK_CS_SUBMITTED);
    th_assert(t_ref_locked("refs/heads/main"));
    t_ref_lock("refs/heads/main", DK_GIT_STALE_LOCK_S + 5);
    t_land_ok(sid);
    th_assert(!t_ref_locked("refs/heads/main"));
    th_assert_eq_int(t_cs_state(cs), DK_CS_MERGED);
    char *text = t_head_file("demo", "app.py");
    th_assert(strstr(text, "return x * 3\n"));
    free(text);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__stale_ref_locks(void)
{
    t_stale_ref_locks();
}
void test_engine_land_pg__stale_ref_locks(void)
{
    t_stale_ref_locks();
}

/*
 * A look pending in memory when the session lands (a read after its last write) is from
 * before the landing, which cleared the session's read marks: no later flush stores it
 * (crash_restart.sh found such a row after a clean stop).
 */
static void t_land_forgets_pending_reads(void)
{
    const char *sid = t_connect("a1");
    char *app = t_app_with(5, "x * 5");
    t_write(sid, "app.py", app);
    free(app);
    dk_file *f;
    th_assert_ok(dk_file_read(&f, t_fx.e, NULL, sid, "README.md"));
    dk_file_free(f);
    t_submit(sid);
    t_land_ok(sid);
    th_assert_ok(dk_engine_gc(t_fx.e, NULL)); /* flushes pending read marks */
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM read_marks WHERE session_id = ?", sid),
                     0);
    /* a look after the landing is kept */
    atomic_fetch_add(&t_clock, 1000);
    th_assert_ok(dk_file_read(&f, t_fx.e, NULL, sid, "README.md"));
    dk_file_free(f);
    th_assert_ok(dk_engine_gc(t_fx.e, NULL));
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM read_marks WHERE session_id = ?", sid),
                     1);
}
void test_engine_land_sqlite__land_forgets_pending_reads(void)
{
    t_land_forgets_pending_reads();
}
void test_engine_land_pg__land_forgets_pending_reads(void)
{
    t_land_forgets_pending_reads();
}

static void t_submit_unborn(void)
{
    th_assert_ok(dk_repo_init(t_fx.e, "fresh", NULL));
    const char *sid = t_connect_to(NULL, "fresh", "a1");
    dk_write_result *w = NULL;
    th_assert_ok(
        dk_file_write(&w, t_fx.e, NULL, sid, "hello.py", "def hi():\n    return 1\n", 23, NULL));
    dk_write_result_free(w);
    dk_changeset_info *info;
    th_assert_ok(dk_changeset_submit(&info, t_fx.e, NULL, sid));
    th_assert_eq_str(info->base_commit, "");
    char *out = th_git_out(th_engine_repo_path(&t_fx, "fresh"),
                           "rev-list --parents refs/dk/changesets/%s", info->id);
    char want[64];
    snprintf(want, sizeof(want), "%s\n", info->submit_commit);
    th_assert_eq_str(out, want); /* a root commit */
    free(out);
    dk_changeset_info_free(info);

    /* the first landing makes the branch */
    dk_land_result *r;
    th_assert_ok(dk_land(&r, t_fx.e, NULL, sid, NULL));
    th_assert_eq_str(r->commit, t_head("fresh"));
    dk_land_result_free(r);
    char *text = t_head_file("fresh", "hello.py");
    th_assert_eq_str(text, "def hi():\n    return 1\n");
    free(text);
    th_engine_fsck(&t_fx, "fresh");
}
void test_engine_land_sqlite__submit_unborn(void)
{
    t_submit_unborn();
}
void test_engine_land_pg__submit_unborn(void)
{
    t_submit_unborn();
}

/* Does refs/dk/changesets/<cs> exist in "demo"? */
static bool t_ref_exists(const char *cs)
{
    return th_system("git -C '%s' rev-parse -q --verify refs/dk/changesets/%s >/dev/null 2>&1",
                     th_engine_repo_path(&t_fx, "demo"), cs) == 0;
}

/*
 * A store failure at every statement of a submit: either it is submitted
 * (state, commit, ref, event) or nothing is - the changeset still a draft,
 * no ref, claims still held - and submitting again works.
 */
static void t_submit_faults(void)
{
    dk_store *store = dk_eng_store(t_fx.e);
    int failed = 0, ok_first = 0;
    for (int n = 1; n <= 30; n++) {
        char agent[32];
        snprintf(agent, sizeof(agent), "sfault-%d", n);
        const char *sid = t_connect(agent);
        char cs[128];
        snprintf(cs, sizeof(cs), "%s", t_cs_of(sid));
        char *app = t_app_with(n % NFUNCS, "0");
        t_read_write(sid, "app.py", app);
        free(app);
        int64_t claims = th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", sid);
        th_assert(claims > 0);

        dk_changeset_info *info = NULL;
        dk_store_fault_inject(store, (unsigned)n);
        int rc = dk_changeset_submit(&info, t_fx.e, NULL, sid);
        dk_store_fault_inject(store, 0);
        dk_changeset_info_free(info);
        if (rc == DK_OK) {
            ok_first++;
        } else {
            failed++;
            th_assert_eq_int(t_cs_state(cs), DK_CS_DRAFT);
            th_assert_msg(!t_ref_exists(cs), "n=%d: a failed submit left its ref", n);
            th_assert_eq_int(
                th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", sid), claims);
            th_assert_eq_int(t_events("changeset.submitted", cs), 0);
            th_assert_ok(dk_changeset_submit(&info, t_fx.e, NULL, sid));
            dk_changeset_info_free(info);
        }
        th_assert_eq_int(t_cs_state(cs), DK_CS_SUBMITTED);
        th_assert(t_ref_exists(cs));
        th_assert_eq_int(t_events("changeset.submitted", cs), 1);
        th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", sid),
                         0);
        th_assert_ok(dk_session_close(t_fx.e, NULL, sid));
    }
    th_assert_msg(failed >= 5, "only %d submits met a fault", failed);
    th_assert(ok_first >= 1);
}
void test_engine_land_sqlite__submit_faults(void)
{
    t_submit_faults();
}
void test_engine_land_pg__submit_faults(void)
{
    t_submit_faults();
}

/* Changeset ids are ref names whatever the repository is called. */
static void t_ids_are_refs(void)
{
    static const char *const names[] = {"a..b", "x.lock", "-dash", "dot.", "cs_9_9"};
    char ids[5][128];
    for (size_t i = 0; i < 5; i++) {
        int rc = dk_repo_init(t_fx.e, names[i], NULL);
        if (rc == DK_EINVALID) {
            ids[i][0] = '\0';
            continue; /* a name the repository layer refuses needs no id */
        }
        th_assert_ok(rc);
        const char *sid = t_connect_to(NULL, names[i], "a1");
        dk_write_result *w = NULL;
        th_assert_ok(dk_file_write(&w, t_fx.e, NULL, sid, "f.txt", "f\n", 2, NULL));
        dk_write_result_free(w);
        dk_changeset_info *info;
        th_assert_ok(dk_changeset_submit(&info, t_fx.e, NULL, sid));
        snprintf(ids[i], sizeof(ids[i]), "%s", info->id);
        char *out = th_git_out(th_engine_repo_path(&t_fx, names[i]),
                               "show -s --format=%%s refs/dk/changesets/%s", info->id);
        th_assert_eq_str(out, "change things\n");
        free(out);
        out = th_git_out(".", "check-ref-format 'refs/dk/changesets/%s' && echo ok", info->id);
        th_assert_eq_str(out, "ok\n");
        free(out);
        dk_changeset_info_free(info);
    }
    /* unique across repositories */
    for (size_t i = 0; i < 5; i++)
        for (size_t j = i + 1; j < 5; j++)
            th_assert(!ids[i][0] || strcmp(ids[i], ids[j]) != 0);
    th_assert_eq_str(ids[0], "cs_a.%2eb_1");
    th_assert_eq_str(ids[4], "cs_cs_9_9_1");
}
void test_engine_land_sqlite__ids_are_refs(void)
{
    t_ids_are_refs();
}
void test_engine_land_pg__ids_are_refs(void)
{
    t_ids_are_refs();
}

struct t_submitter {
    const char *sid;
    int rc;
};

static void *t_submitter_run(void *arg)
{
    struct t_submitter *t = arg;
    dk_changeset_info *info = NULL;
    t->rc = dk_changeset_submit(&info, t_fx.e, NULL, t->sid);
    dk_changeset_info_free(info);
    return NULL;
}

/* Threads submitting one session at once: one wins; the ref names what the store recorded. */
static void t_concurrent_submit(void)
{
    enum { T = 4 };
    for (int round = 0; round < 3; round++) {
        char agent[32];
        snprintf(agent, sizeof(agent), "cs-%d", round);
        const char *sid = t_connect(agent);
        char cs[128];
        snprintf(cs, sizeof(cs), "%s", t_cs_of(sid));
        char path[32];
        snprintf(path, sizeof(path), "docs/r%d.md", round);
        t_write(sid, path, "round\n");
        struct t_submitter ts[T];
        pthread_t th[T];
        for (int k = 0; k < T; k++) {
            ts[k] = (struct t_submitter){.sid = sid};
            th_assert(pthread_create(&th[k], NULL, t_submitter_run, &ts[k]) == 0);
        }
        int ok = 0;
        for (int k = 0; k < T; k++) {
            pthread_join(th[k], NULL);
            ok += ts[k].rc == DK_OK;
            th_assert_msg(ts[k].rc == DK_OK || ts[k].rc == DK_ESTATE, "submit %d: %d", k, ts[k].rc);
        }
        th_assert_eq_int(ok, 1);
        dk_changeset_info *info;
        th_assert_ok(dk_changeset_get(&info, t_fx.e, NULL, cs));
        th_assert_eq_int(info->state, DK_CS_SUBMITTED);
        char *out =
            th_git_out(th_engine_repo_path(&t_fx, "demo"), "rev-parse refs/dk/changesets/%s", cs);
        char want[64];
        snprintf(want, sizeof(want), "%s\n", info->submit_commit);
        th_assert_eq_str(out, want);
        free(out);
        dk_changeset_info_free(info);
        th_assert_eq_int(t_events("changeset.submitted", cs), 1);
    }
}
void test_engine_land_sqlite__concurrent_submit(void)
{
    t_concurrent_submit();
}
void test_engine_land_pg__concurrent_submit(void)
{
    t_concurrent_submit();
}

static void *t_lander_once(void *arg)
{
    struct t_submitter *t = arg;
    dk_land_result *r = NULL;
    t->rc = dk_land(&r, t_fx.e, NULL, t->sid, NULL);
    dk_land_result_free(r);
    return NULL;
}

/* Threads landing one session at once: it lands once, one commit. */
static void t_concurrent_land(void)
{
    enum { T = 4 };
    const char *sid = t_connect("a1");
    char cs[128];
    snprintf(cs, sizeof(cs), "%s", t_cs_of(sid));
    char *app = t_app_with(8, "x * 8");
    t_write(sid, "app.py", app);
    free(app);
    t_submit(sid);
    struct t_submitter ts[T];
    pthread_t th[T];
    for (int k = 0; k < T; k++) {
        ts[k] = (struct t_submitter){.sid = sid};
        th_assert(pthread_create(&th[k], NULL, t_lander_once, &ts[k]) == 0);
    }
    int ok = 0;
    for (int k = 0; k < T; k++) {
        pthread_join(th[k], NULL);
        ok += ts[k].rc == DK_OK;
        th_assert_msg(ts[k].rc == DK_OK || ts[k].rc == DK_ESTATE, "land %d: %d", k, ts[k].rc);
    }
    th_assert_eq_int(ok, 1);
    th_assert_eq_int(t_cs_state(cs), DK_CS_MERGED);
    th_assert_eq_int(t_events("changeset.merged", cs), 1);
    char *out =
        th_git_out(th_engine_repo_path(&t_fx, "demo"), "rev-list --count %s", t_head("demo"));
    th_assert_eq_str(out, "2\n");
    free(out);
    dk_session_info *st = th_status(&t_fx, sid);
    th_assert_eq_str(st->base_commit, t_head("demo"));
    th_assert_eq_int(st->files_changed, 0);
    dk_session_infos_free(st, 1);
}
void test_engine_land_sqlite__concurrent_land(void)
{
    t_concurrent_land();
}
void test_engine_land_pg__concurrent_land(void)
{
    t_concurrent_land();
}

/* ========================================================================== */
/* Approve, verification, refusals                                            */
/* ========================================================================== */

static void t_refusals(void)
{
    const char *sid = t_connect("a1");
    char cs[128];
    snprintf(cs, sizeof(cs), "%s", t_cs_of(sid));
    char *app = t_app_with(1, "x - 1");
    t_write(sid, "app.py", app);
    free(app);
    const char *head0 = t_head("demo");
    char head[41];
    snprintf(head, sizeof(head), "%s", head0);
    dk_land_result *r = NULL;
    dk_changeset_info *info = NULL;

    /* a draft does not land (but the result is set) */
    th_assert_err(dk_land(&r, t_fx.e, NULL, sid, NULL), DK_ESTATE);
    char want[256];
    snprintf(want, sizeof(want), "changeset %s is draft, cannot become merged", cs);
    th_assert_eq_str(dk_error_last()->msg, want);
    th_assert(r != NULL);
    th_assert_eq_str(r->commit, "");
    dk_land_result_free(r);
    th_assert_eq_int(t_cs_state(cs), DK_CS_DRAFT);
    /* approve: needs a reason, and a submitted changeset */
    th_assert_err(dk_changeset_approve(&info, t_fx.e, NULL, cs, NULL), DK_EINVALID);
    th_assert_err(dk_changeset_approve(&info, t_fx.e, NULL, cs, ""), DK_EINVALID);
    th_assert_err(dk_changeset_approve(&info, t_fx.e, NULL, cs, "looks good"), DK_ESTATE);
    th_assert_err(dk_changeset_verifying(t_fx.e, cs), DK_ESTATE);
    th_assert_err(dk_changeset_verified(t_fx.e, cs, DK_CS_APPROVED, "", "{}"), DK_ESTATE);
    th_assert_eq_int(t_cs_state(cs), DK_CS_DRAFT);

    t_submit(sid);
    /* a verdict needs verification started (state), is a verdict, and names its head (input) */
    th_assert_err(dk_changeset_verified(t_fx.e, cs, DK_CS_APPROVED, "", "{}"), DK_ESTATE);
    th_assert_err(dk_changeset_verified(t_fx.e, cs, DK_CS_MERGED, "", "{}"), DK_EINVALID);
    th_assert_err(dk_changeset_verified(t_fx.e, cs, DK_CS_APPROVED, NULL, "{}"), DK_EINVALID);
    th_assert_ok(dk_changeset_approve(&info, t_fx.e, NULL, cs, "looks good"));
    th_assert_eq_int(info->state, DK_CS_APPROVED);
    th_assert_eq_str(info->reason, "looks good");
    dk_changeset_info_free(info);
    th_assert_eq_int(t_events("changeset.approved", cs), 1);
    /* the approval records the head it was made on */
    th_assert_ok(dk_changeset_get(&info, t_fx.e, NULL, cs));
    th_assert_eq_str(info->verified_head, head);
    th_assert(info->verify_json == NULL);
    dk_changeset_info_free(info);
    /* approved -> rejected is not a verdict (verification not started) */
    th_assert_err(dk_changeset_verified(t_fx.e, cs, DK_CS_REJECTED, head, "{}"), DK_ESTATE);
    th_assert_eq_str(t_head("demo"), head);

    /* a write after submit makes the session differ from what was approved */
    app = t_app_with(1, "x - 2");
    dk_write_result *w = NULL;
    int wrc = dk_file_write(&w, t_fx.e, NULL, sid, "app.py", app, strlen(app), NULL);
    dk_write_result_free(w);
    free(app);
    if (wrc == DK_OK) {
        /* the write path accepts it: landing must refuse what was not approved */
        th_assert_err(dk_land(&r, t_fx.e, NULL, sid, NULL), DK_ESTATE);
        th_assert_msg(strstr(dk_error_last()->msg, "submit again"), "%s", dk_error_last()->msg);
        dk_land_result_free(r);
        th_assert_eq_int(t_cs_state(cs), DK_CS_APPROVED);
        th_assert_eq_str(t_head("demo"), head);
    } else {
        th_assert_eq_int(wrc, DK_EINVALID); /* or the write path refuses it */
    }
    th_assert_err(dk_changeset_get(&info, t_fx.e, NULL, ""), DK_EINVALID);
    th_assert_err(dk_land(&r, t_fx.e, NULL, "no-such-session", NULL), DK_ENOSESSION);
}
void test_engine_land_sqlite__refusals(void)
{
    t_refusals();
}
void test_engine_land_pg__refusals(void)
{
    t_refusals();
}

/* The repository gets verification steps (landed by a session of its own). */
static void t_pipeline_landed(void)
{
    const char *s0 = t_connect("a0");
    t_write(s0, ".dk/pipeline.yaml", "steps:\n  - run: make test\n");
    t_submit(s0);
    t_land_ok(s0);
}

static void t_pipeline_needs_approval(void)
{
    t_pipeline_landed();

    const char *sid = t_connect("a1");
    char cs[128];
    snprintf(cs, sizeof(cs), "%s", t_cs_of(sid));
    char *app = t_app_with(2, "x * 2");
    t_write(sid, "app.py", app);
    free(app);
    t_submit(sid);
    char head[41];
    snprintf(head, sizeof(head), "%s", t_head("demo"));

    dk_land_result *r = NULL;
    th_assert_err(dk_land(&r, t_fx.e, NULL, sid, NULL), DK_ESTATE);
    th_assert_msg(strstr(dk_error_last()->msg, "verification steps"), "%s", dk_error_last()->msg);
    dk_land_result_free(r);
    th_assert_eq_int(t_cs_state(cs), DK_CS_SUBMITTED);
    th_assert_eq_str(t_head("demo"), head);

    /* verification fails: rejected, still no landing; resubmit, pass, land */
    th_assert_ok(dk_changeset_verifying(t_fx.e, cs));
    th_assert_eq_int(t_cs_state(cs), DK_CS_VERIFYING);
    th_assert_ok(dk_changeset_verified(t_fx.e, cs, DK_CS_REJECTED, head, "{\"passed\":false}"));
    th_assert_eq_int(t_cs_state(cs), DK_CS_REJECTED);
    th_assert_err(dk_land(&r, t_fx.e, NULL, sid, NULL), DK_ESTATE);
    dk_land_result_free(r);
    t_submit(sid);
    th_assert_ok(dk_changeset_verifying(t_fx.e, cs));
    th_assert_ok(
        dk_changeset_verified(t_fx.e, cs, DK_CS_APPROVED, head, "{\"passed\":true,\"steps\":1}"));
    th_assert_eq_int(t_cs_state(cs), DK_CS_APPROVED);
    th_assert_eq_int(th_count(&t_fx,
                              "SELECT COUNT(*) FROM changesets WHERE id = ? AND verify_json = "
                              "'{\"passed\":true,\"steps\":1}'",
                              cs),
                     1);
    th_assert_eq_int(t_events("changeset.verified", cs), 2);
    t_land_ok(sid);
    th_assert_eq_int(t_cs_state(cs), DK_CS_MERGED);
}
void test_engine_land_sqlite__pipeline_needs_approval(void)
{
    t_pipeline_needs_approval();
}
void test_engine_land_pg__pipeline_needs_approval(void)
{
    t_pipeline_needs_approval();
}

/*
 * A person's answer at a human-approve step: reject (awaiting_approval ->
 * rejected, with a reason) from that state only; the session submits again
 * and, approved the second time, lands.
 */
static void t_human_reject(void)
{
    t_pipeline_landed();
    const char *sid = t_connect("a1");
    char cs[128], head[41];
    snprintf(cs, sizeof(cs), "%s", t_cs_of(sid));
    char *app = t_app_with(2, "x * 2");
    t_write(sid, "app.py", app);
    free(app);
    t_submit(sid);
    snprintf(head, sizeof(head), "%s", t_head("demo"));
    dk_changeset_info *ci = NULL;

    /* not awaiting approval yet: submitted, then verifying */
    th_assert_err(dk_changeset_reject(&ci, t_fx.e, NULL, cs, "no"), DK_ESTATE);
    th_assert(strstr(dk_error_last()->msg, "is submitted, cannot become rejected"));
    th_assert_ok(dk_changeset_verifying(t_fx.e, cs));
    th_assert_err(dk_changeset_reject(&ci, t_fx.e, NULL, cs, "no"), DK_ESTATE);
    th_assert_ok(dk_changeset_verified(t_fx.e, cs, DK_CS_AWAITING_APPROVAL, head,
                                       "{\"passed\":false,\"awaiting_approval\":true}"));
    th_assert_eq_int(t_cs_state(cs), DK_CS_AWAITING_APPROVAL);

    /* bad input changes nothing */
    th_assert_err(dk_changeset_reject(&ci, t_fx.e, NULL, cs, ""), DK_EINVALID);
    th_assert_err(dk_changeset_reject(&ci, t_fx.e, NULL, cs, NULL), DK_EINVALID);
    th_assert_err(dk_changeset_reject(&ci, t_fx.e, NULL, "", "no"), DK_EINVALID);
    th_assert_err(dk_changeset_reject(&ci, t_fx.e, NULL, "cs_demo_999", "no"), DK_ENOTFOUND);
    th_assert(ci == NULL);
    th_assert_eq_int(t_cs_state(cs), DK_CS_AWAITING_APPROVAL);
    th_assert_eq_int(t_events("changeset.rejected", cs), 0);

    th_assert_ok(dk_changeset_reject(&ci, t_fx.e, NULL, cs, "the sign-off says no"));
    th_assert_eq_int(ci->state, DK_CS_REJECTED);
    th_assert_eq_str(ci->reason, "the sign-off says no");
    th_assert_eq_str(ci->id, cs);
    dk_changeset_info_free(ci);
    ci = NULL;
    th_assert_eq_int(t_cs_state(cs), DK_CS_REJECTED);
    th_assert_eq_int(t_events("changeset.rejected", cs), 1);
    dk_session_info *st = th_status(&t_fx, sid);
    th_assert_eq_int(st->changeset_state, DK_CS_REJECTED);
    dk_session_infos_free(st, 1);

    /* once: neither rejected again nor approved, and it does not land */
    th_assert_err(dk_changeset_reject(&ci, t_fx.e, NULL, cs, "again"), DK_ESTATE);
    th_assert_err(dk_changeset_approve(&ci, t_fx.e, NULL, cs, "after all"), DK_ESTATE);
    dk_land_result *r = NULL;
    th_assert_err(dk_land(&r, t_fx.e, NULL, sid, NULL), DK_ESTATE);
    dk_land_result_free(r);
    th_assert_eq_int(t_events("changeset.rejected", cs), 1);

    /* the session changes and submits again; approved this time, it lands */
    app = t_app_with(2, "x * 3");
    t_write(sid, "app.py", app);
    free(app);
    t_submit(sid);
    th_assert_ok(dk_changeset_verifying(t_fx.e, cs));
    th_assert_ok(dk_changeset_verified(t_fx.e, cs, DK_CS_AWAITING_APPROVAL, head,
                                       "{\"passed\":false,\"awaiting_approval\":true}"));
    th_assert_ok(dk_changeset_approve(&ci, t_fx.e, NULL, cs, "better"));
    th_assert_eq_int(ci->state, DK_CS_APPROVED);
    dk_changeset_info_free(ci);
    t_land_ok(sid);
    th_assert_eq_int(t_cs_state(cs), DK_CS_MERGED);
}
void test_engine_land_sqlite__human_reject(void)
{
    t_human_reject();
}
void test_engine_land_pg__human_reject(void)
{
    t_human_reject();
}

/* ========================================================================== */
/* Landing                                                                    */
/* ========================================================================== */

static void t_land_continues(void)
{
    const char *sid = t_connect("a1");
    char cs1[128];
    snprintf(cs1, sizeof(cs1), "%s", t_cs_of(sid));
    char *app = t_app_with(4, "x * 4");
    t_write(sid, "app.py", app);
    t_write(sid, "README.md", "hello, landed\n");
    t_submit(sid);
    th_assert_eq_int(t_land_ok(sid), 0);

    char head[41];
    snprintf(head, sizeof(head), "%s", t_head("demo"));
    char *text = t_head_file("demo", "app.py");
    th_assert_eq_str(text, app);
    free(text);
    free(app);
    dk_changeset_info *info;
    th_assert_ok(dk_changeset_get(&info, t_fx.e, NULL, cs1));
    th_assert_eq_int(info->state, DK_CS_MERGED);
    th_assert_eq_str(info->merged_commit, head);
    dk_changeset_info_free(info);
    th_assert_eq_int(t_events("changeset.merged", cs1), 1);
    char *out =
        th_git_out(th_engine_repo_path(&t_fx, "demo"), "show -s --format='%%an|%%s|%%at' %s", head);
    /* the commit time is the engine's clock (tests inject it) */
    th_assert_msg(strncmp(out, "agent-1|change things|17000000", 30) == 0, "%s", out);
    free(out);

    /* the session continues from the new head with nothing to re-merge (dkod bug #11) */
    dk_session_info *st = th_status(&t_fx, sid);
    th_assert_eq_str(st->base_commit, head);
    th_assert_eq_int(st->files_changed, 0);
    th_assert_eq_int(st->changeset_state, DK_CS_DRAFT);
    th_assert(strcmp(st->changeset_id, cs1) != 0);
    char cs2[128];
    snprintf(cs2, sizeof(cs2), "%s", st->changeset_id);
    dk_session_infos_free(st, 1);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", sid), 0);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", sid), 0);
    dk_file *f;
    th_assert_ok(dk_file_read(&f, t_fx.e, NULL, sid, "README.md"));
    th_assert(!f->modified_in_session);
    dk_file_free(f);

    /* second round in the same session: only the new change lands */
    const char *changed[NFUNCS] = {0};
    changed[4] = "x * 4";
    changed[9] = "x * 9";
    app = t_app(changed);
    t_write(sid, "app.py", app);
    t_submit(sid);
    th_assert_eq_int(t_land_ok(sid), 0);
    text = t_head_file("demo", "app.py");
    th_assert_eq_str(text, app);
    free(text);
    free(app);
    out = th_git_out(th_engine_repo_path(&t_fx, "demo"), "diff --numstat %s %s", head,
                     t_head("demo"));
    th_assert_eq_str(out, "1\t1\tapp.py\n");
    free(out);
    th_assert_eq_int(t_cs_state(cs2), DK_CS_MERGED);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__land_continues(void)
{
    t_land_continues();
}
void test_engine_land_pg__land_continues(void)
{
    t_land_continues();
}

static void t_land_closes(void)
{
    const char *sid = t_connect("a1");
    t_write(sid, "README.md", "bye\n");
    t_submit(sid);
    dk_land_opts o = DK_LAND_OPTS_INIT;
    o.close_session = true;
    o.message = "a message of its own";
    dk_land_result *r;
    th_assert_ok(dk_land(&r, t_fx.e, NULL, sid, &o));
    dk_land_result_free(r);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE id = ? AND state = 'closed'", sid), 1);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", sid), 0);
    th_assert_eq_int(dk_session_active_count(t_fx.e, "demo"), 0);
    char *out =
        th_git_out(th_engine_repo_path(&t_fx, "demo"), "show -s --format=%%s %s", t_head("demo"));
    th_assert_eq_str(out, "a message of its own\n");
    free(out);
}
void test_engine_land_sqlite__land_closes(void)
{
    t_land_closes();
}
void test_engine_land_pg__land_closes(void)
{
    t_land_closes();
}

static void t_conflict_lands_nothing(void)
{
    const char *a = t_connect("a1");
    const char *b = t_connect("a2");
    const char *c = t_connect("a3"); /* on the same base, for the last dry run */
    char csb[128];
    snprintf(csb, sizeof(csb), "%s", t_cs_of(b));
    char *va = t_app_with(5, "x * 50");
    t_write(a, "app.py", va);
    t_submit(a);
    /* b changes the same function: refused at write time while a's claim lives,
     * so b writes after a submitted (claims released), as a stale writer would */
    char *vb = t_app_with(5, "x * 500");
    dk_write_result *w = NULL;
    dk_write_opts wo = DK_WRITE_OPTS_INIT;
    wo.force = true;
    th_assert_ok(dk_file_write(&w, t_fx.e, NULL, b, "app.py", vb, strlen(vb), &wo));
    dk_write_result_free(w);
    t_land_ok(a);
    char head[41];
    snprintf(head, sizeof(head), "%s", t_head("demo"));

    /* the dry run names the symbol with both texts, on a draft, changing nothing */
    dk_land_opts dry = DK_LAND_OPTS_INIT;
    dry.dry_run = true;
    dk_land_result *r = NULL;
    th_assert_err(dk_land(&r, t_fx.e, NULL, b, &dry), DK_ECONFLICT);
    th_assert_eq_int(r->nconflicts, 1);
    th_assert_eq_str(r->conflicts[0].path, "app.py");
    th_assert_eq_str(r->conflicts[0].qualified_name, "f5");
    th_assert_eq_str(r->conflicts[0].kind, "function");
    th_assert(strstr(r->conflicts[0].head_text, "x * 50"));
    th_assert(strstr(r->conflicts[0].session_text, "x * 500"));
    th_assert(strstr(r->conflicts[0].base_text, "x + 5"));
    th_assert_eq_str(r->commit, "");
    dk_land_result_free(r);
    th_assert_eq_int(t_cs_state(csb), DK_CS_DRAFT);

    /* landing it for real: DK_ECONFLICT, nothing lands, the state stays */
    t_submit(b);
    th_assert_err(dk_land(&r, t_fx.e, NULL, b, NULL), DK_ECONFLICT);
    th_assert_eq_int(r->nconflicts, 1);
    th_assert_eq_str(r->commit, "");
    dk_land_result_free(r);
    th_assert_eq_int(t_cs_state(csb), DK_CS_SUBMITTED);
    th_assert_eq_str(t_head("demo"), head);
    th_assert_eq_int(t_events("changeset.merged", csb), 0);
    dk_session_info *st = th_status(&t_fx, b);
    th_assert_eq_int(st->files_changed, 1);
    dk_session_infos_free(st, 1);

    /* a dry run that would land says so without landing */
    char *vc = t_app_with(6, "x * 6");
    th_assert_ok(dk_file_write(&w, t_fx.e, NULL, c, "app.py", vc, strlen(vc), &wo));
    dk_write_result_free(w);
    th_assert_ok(dk_land(&r, t_fx.e, NULL, c, &dry));
    th_assert_eq_int(r->nconflicts, 0);
    th_assert_eq_int(r->nmerged_files, 1);
    th_assert_eq_str(r->commit, "");
    dk_land_result_free(r);
    th_assert_eq_str(t_head("demo"), head);
    free(va);
    free(vb);
    free(vc);
}
void test_engine_land_sqlite__conflict_lands_nothing(void)
{
    t_conflict_lands_nothing();
}
void test_engine_land_pg__conflict_lands_nothing(void)
{
    t_conflict_lands_nothing();
}

/* 32 sessions on one base, each changing its own function of app.py, land one after another. */
static void t_thirty_two_sessions(void)
{
    const char *sids[NFUNCS];
    char bodies[NFUNCS][32];
    for (int i = 0; i < NFUNCS; i++) {
        char agent[32];
        snprintf(agent, sizeof(agent), "agent-%d", i);
        sids[i] = t_connect(agent);
        snprintf(bodies[i], sizeof(bodies[i]), "x * %d + %d", i, i);
        char *app = t_app_with(i, bodies[i]);
        t_read_write(sids[i], "app.py", app);
        free(app);
        t_submit(sids[i]);
    }
    size_t merged = 0;
    for (int i = 0; i < NFUNCS; i++) {
        dk_land_result *r = NULL;
        int rc = dk_land(&r, t_fx.e, NULL, sids[i], NULL);
        th_assert_msg(rc == DK_OK, "landing %d: %s", i, dk_error_last()->msg);
        th_assert_eq_int(r->nconflicts, 0);
        merged += r->nmerged_files;
        dk_land_result_free(r);
    }
    /* every landing after the first merged app.py three-way */
    th_assert_eq_int(merged, NFUNCS - 1);
    const char *all[NFUNCS];
    for (int i = 0; i < NFUNCS; i++)
        all[i] = bodies[i];
    char *want = t_app(all);
    char *text = t_head_file("demo", "app.py");
    th_assert_eq_str(text, want);
    free(text);
    free(want);
    char *out =
        th_git_out(th_engine_repo_path(&t_fx, "demo"), "rev-list --count %s", t_head("demo"));
    th_assert_eq_str(out, "33\n");
    free(out);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__thirty_two_sessions(void)
{
    t_thirty_two_sessions();
}
void test_engine_land_pg__thirty_two_sessions(void)
{
    t_thirty_two_sessions();
}

/* Land four non-conflicting changesets in several orders, each on its own copy: same tree. */
static void t_order_independent(void)
{
    static const int orders[][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}, {1, 3, 0, 2}};
    char trees[4][41];
    for (size_t o = 0; o < 4; o++) {
        char repo[32];
        snprintf(repo, sizeof(repo), "copy%zu", o);
        th_assert_ok(dk_repo_import(t_fx.e, repo, t_fx.src, NULL));
        const char *sids[4];
        for (int k = 0; k < 4; k++) {
            char agent[32];
            snprintf(agent, sizeof(agent), "a%d", k);
            sids[k] = t_connect_to(NULL, repo, agent);
        }
        char *app;
        app = t_app_with(1, "x * 11");
        t_write(sids[0], "app.py", app);
        free(app);
        app = t_app_with(17, "x * 17");
        t_write(sids[1], "app.py", app);
        free(app);
        t_write(sids[1], "docs/b.md", "b\n");
        app = t_app_with(30, "-x");
        t_write(sids[2], "app.py", app);
        free(app);
        dk_write_result *w = NULL;
        th_assert_ok(dk_file_delete(&w, t_fx.e, NULL, sids[2], "README.md"));
        dk_write_result_free(w);
        t_write(sids[3], "bin/run", "#!/bin/sh\necho hello\n");
        for (int k = 0; k < 4; k++)
            t_submit(sids[orders[o][k]]);
        for (int k = 0; k < 4; k++) {
            dk_land_result *r = NULL;
            th_assert_ok(dk_land(&r, t_fx.e, NULL, sids[orders[o][k]], NULL));
            dk_land_result_free(r);
        }
        char *out =
            th_git_out(th_engine_repo_path(&t_fx, repo), "rev-parse %s^{tree}", t_head(repo));
        snprintf(trees[o], sizeof(trees[o]), "%.40s", out);
        free(out);
        /* modes survive: the script stays executable */
        out = th_git_out(th_engine_repo_path(&t_fx, repo), "ls-tree %s bin/run", t_head(repo));
        th_assert(strncmp(out, "100755 ", 7) == 0);
        free(out);
    }
    for (size_t o = 1; o < 4; o++)
        th_assert_eq_str(trees[o], trees[0]);
}
void test_engine_land_sqlite__order_independent(void)
{
    t_order_independent();
}
void test_engine_land_pg__order_independent(void)
{
    t_order_independent();
}

/* ========================================================================== */
/* Revert                                                                     */
/* ========================================================================== */

static void t_revert(void)
{
    const char *a = t_connect("a1");
    char csa[128];
    snprintf(csa, sizeof(csa), "%s", t_cs_of(a));
    char *va = t_app_with(3, "x * 333");
    t_write(a, "app.py", va);
    t_write(a, "docs/added.md", "added by a\n");
    free(va);
    t_submit(a);
    t_land_ok(a);

    /* later work on another function of the same file */
    const char *b = t_connect("a2");
    char *vb = t_app_with(7, "x * 777");
    t_write(b, "app.py", vb);
    free(vb);
    t_submit(b);
    t_land_ok(b);

    const char *c = t_connect("a3");
    dk_land_result *r = NULL;
    /* only merged changesets revert; a busy session cannot take a revert */
    th_assert_err(dk_changeset_revert(&r, t_fx.e, NULL, c, t_cs_of(c)), DK_ESTATE);
    dk_land_result_free(r);
    th_assert_ok(dk_changeset_revert(&r, t_fx.e, NULL, c, csa));
    th_assert_eq_int(r->nconflicts, 0);
    th_assert_eq_int(r->nmerged_files, 1);
    dk_land_result_free(r);
    th_assert_eq_int(t_events("changeset.reverted", t_cs_of(c)), 1);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM changesets WHERE reverts = ?", csa), 1);
    const char *c2 = t_connect("a4");
    t_write(c2, "README.md", "busy\n");
    th_assert_err(dk_changeset_revert(&r, t_fx.e, NULL, c2, csa), DK_ESTATE);
    dk_land_result_free(r);

    t_submit(c);
    t_land_ok(c);
    const char *want[NFUNCS] = {0};
    want[7] = "x * 777";
    char *expect = t_app(want);
    char *text = t_head_file("demo", "app.py");
    th_assert_eq_str(text, expect);
    free(text);
    free(expect);
    text = t_head_file("demo", "docs/added.md");
    th_assert(text == NULL);

    /* reverting it again finds nothing to undo, and changes nothing */
    const char *d = t_connect("a5");
    char csd[128];
    snprintf(csd, sizeof(csd), "%s", t_cs_of(d));
    th_assert_err(dk_changeset_revert(&r, t_fx.e, NULL, d, csa), DK_ESTATE);
    th_assert_msg(strstr(dk_error_last()->msg, "nothing to revert"), "%s", dk_error_last()->msg);
    dk_land_result_free(r);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM changesets WHERE reverts IS NOT NULL AND id = ?",
                 csd),
        0);
    dk_session_info *st = th_status(&t_fx, d);
    th_assert_eq_int(st->files_changed, 0);
    dk_session_infos_free(st, 1);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__revert(void)
{
    t_revert();
}
void test_engine_land_pg__revert(void)
{
    t_revert();
}

/* Reverting a change that later work rewrote conflicts, and changes nothing. */
static void t_revert_conflicts(void)
{
    const char *a = t_connect("a1");
    char csa[128];
    snprintf(csa, sizeof(csa), "%s", t_cs_of(a));
    char *v = t_app_with(3, "x * 333");
    t_write(a, "app.py", v);
    free(v);
    t_submit(a);
    t_land_ok(a);
    const char *b = t_connect("a2");
    v = t_app_with(3, "x * 3333");
    t_write(b, "app.py", v);
    t_submit(b);
    t_land_ok(b);
    char head[41];
    snprintf(head, sizeof(head), "%s", t_head("demo"));

    const char *c = t_connect("a3");
    char csc[128];
    snprintf(csc, sizeof(csc), "%s", t_cs_of(c));
    dk_land_result *r = NULL;
    th_assert_err(dk_changeset_revert(&r, t_fx.e, NULL, c, csa), DK_ECONFLICT);
    th_assert_eq_int(r->nconflicts, 1);
    th_assert_eq_str(r->conflicts[0].path, "app.py");
    th_assert_eq_str(r->conflicts[0].qualified_name, "f3");
    th_assert(strstr(r->conflicts[0].head_text, "x * 3333"));
    th_assert(strstr(r->conflicts[0].session_text, "x + 3"));
    dk_land_result_free(r);
    dk_session_info *st = th_status(&t_fx, c);
    th_assert_eq_int(st->files_changed, 0);
    dk_session_infos_free(st, 1);
    th_assert_eq_int(th_count(&t_fx,
                              "SELECT COUNT(*) FROM changesets WHERE reverts IS NOT NULL AND "
                              "repo = ?",
                              "demo"),
                     0);
    th_assert_eq_int(t_events("changeset.reverted", csc), 0);
    th_assert_eq_str(t_head("demo"), head);
    char *text = t_head_file("demo", "app.py");
    th_assert_eq_str(text, v);
    free(text);
    free(v);
}
void test_engine_land_sqlite__revert_conflicts(void)
{
    t_revert_conflicts();
}
void test_engine_land_pg__revert_conflicts(void)
{
    t_revert_conflicts();
}

/* A revert whose write another session's claim refuses records nothing: no
 * `reverts`, no changeset.reverted, the session empty again. */
static void t_revert_claimed(void)
{
    const char *a = t_connect("a1");
    char csa[128];
    snprintf(csa, sizeof(csa), "%s", t_cs_of(a));
    char *v = t_app_with(3, "x * 333");
    t_write(a, "app.py", v);
    free(v);
    t_submit(a);
    t_land_ok(a);
    /* d, live, changes (and claims) f3 again */
    const char *d = t_connect("a4");
    v = t_app_with(3, "x * 4444");
    t_write(d, "app.py", v);
    free(v);

    const char *c = t_connect("a3");
    char csc[128];
    snprintf(csc, sizeof(csc), "%s", t_cs_of(c));
    dk_land_result *r = NULL;
    th_assert_err(dk_changeset_revert(&r, t_fx.e, NULL, c, csa), DK_ECONFLICT);
    th_assert_eq_int(r->nconflicts, 1);
    th_assert_eq_str(r->conflicts[0].qualified_name, "f3");
    th_assert(strstr(r->conflicts[0].description, "claimed by"));
    dk_land_result_free(r);
    dk_session_info *st = th_status(&t_fx, c);
    th_assert_eq_int(st->files_changed, 0);
    dk_session_infos_free(st, 1);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM changesets WHERE reverts IS NOT NULL AND id = ?",
                 csc),
        0);
    th_assert_eq_int(t_events("changeset.reverted", csc), 0);
    /* once d lets go, the same revert goes through and is recorded */
    th_assert_ok(dk_session_close(t_fx.e, NULL, d));
    th_assert_ok(dk_changeset_revert(&r, t_fx.e, NULL, c, csa));
    dk_land_result_free(r);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM changesets WHERE reverts IS NOT NULL AND id = ?",
                 csc),
        1);
    th_assert_eq_int(t_events("changeset.reverted", csc), 1);
}
void test_engine_land_sqlite__revert_claimed(void)
{
    t_revert_claimed();
}
void test_engine_land_pg__revert_claimed(void)
{
    t_revert_claimed();
}

/* A closed session's submitted changeset still lands (by its owner or an admin). */
static void t_land_closed_session(void)
{
    dk_caller owner = {.token_id = "tok-1"}, other = {.token_id = "tok-2"};
    dk_caller admin = {.token_id = "tok-admin", .admin = true};
    const char *sid = t_connect_to(&owner, "demo", "a1");
    char *v = t_app_with(12, "x * 12");
    dk_write_result *w = NULL;
    th_assert_ok(dk_file_write(&w, t_fx.e, &owner, sid, "app.py", v, strlen(v), NULL));
    dk_write_result_free(w);
    th_assert_ok(dk_file_delete(&w, t_fx.e, &owner, sid, "README.md"));
    dk_write_result_free(w);
    char cs[128];
    snprintf(cs, sizeof(cs), "%s", t_cs_of(sid));
    dk_changeset_info *info;
    th_assert_ok(dk_changeset_submit(&info, t_fx.e, &owner, sid));
    dk_changeset_info_free(info);
    th_assert_ok(dk_session_close(t_fx.e, &owner, sid));
    th_assert_eq_int(t_cs_state(cs), DK_CS_SUBMITTED);

    /* another session moves the head meanwhile */
    const char *b = t_connect("a2");
    char *vb = t_app_with(13, "x * 13");
    t_read_write(b, "app.py", vb);
    free(vb);
    t_submit(b);
    t_land_ok(b);

    dk_land_result *r = NULL;
    th_assert_err(dk_land(&r, t_fx.e, &other, sid, NULL), DK_EFORBIDDEN);
    dk_land_result_free(r);
    th_assert_eq_int(t_cs_state(cs), DK_CS_SUBMITTED);
    th_assert_ok(dk_land(&r, t_fx.e, &admin, sid, NULL));
    th_assert_eq_int(r->nmerged_files, 1);
    th_assert_eq_str(r->commit, t_head("demo"));
    dk_land_result_free(r);
    th_assert_eq_int(t_cs_state(cs), DK_CS_MERGED);
    const char *changed[NFUNCS] = {0};
    changed[12] = "x * 12";
    changed[13] = "x * 13";
    char *want = t_app(changed);
    char *text = t_head_file("demo", "app.py");
    th_assert_eq_str(text, want);
    free(text);
    free(want);
    text = t_head_file("demo", "README.md");
    th_assert(text == NULL);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE id = ? AND state = 'closed'", sid), 1);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", sid), 0);
    /* landed once: a second landing is refused */
    th_assert_err(dk_land(&r, t_fx.e, &admin, sid, NULL), DK_ESTATE);
    dk_land_result_free(r);

    /* a closed session whose work was a draft has nothing to land */
    const char *c = t_connect("a3");
    t_write(c, "docs/x.md", "x\n");
    th_assert_ok(dk_session_close(t_fx.e, NULL, c));
    th_assert_err(dk_land(&r, t_fx.e, NULL, c, NULL), DK_ESTATE);
    dk_land_result_free(r);
    free(v);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__land_closed_session(void)
{
    t_land_closed_session();
}
void test_engine_land_pg__land_closed_session(void)
{
    t_land_closed_session();
}

/*
 * A write the landing's view did not see (committed to the store while the
 * merge ran; simulated by a row the registry does not have) stops the
 * landing instead of being dropped with the overlay.
 */
static void t_write_during_land(void)
{
    const char *sid = t_connect("a1");
    char cs[128];
    snprintf(cs, sizeof(cs), "%s", t_cs_of(sid));
    t_write(sid, "README.md", "hello there\n");
    t_submit(sid);
    char head[41];
    snprintf(head, sizeof(head), "%s", t_head("demo"));
    dk_store_conn *c;
    th_assert_ok(dk_store_acquire(&c, dk_eng_store(t_fx.e)));
    dk_store_val p[] = {DK_SV_TEXT(sid), DK_SV_TEXT("late.txt"),
                        DK_SV_TEXT("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"), DK_SV_INT(T0)};
    int rc = dk_store_exec(c, NULL,
                           "INSERT INTO overlay (session_id, path, blob_id, mode, deleted, "
                           "updated_at) VALUES (?, ?, ?, 33188, 0, ?)",
                           p, 4);
    dk_store_release(c);
    th_assert_ok(rc);

    dk_land_result *r = NULL;
    th_assert_err(dk_land(&r, t_fx.e, NULL, sid, NULL), DK_ESTATE);
    th_assert_msg(strstr(dk_error_last()->msg, "changed while landing"), "%s",
                  dk_error_last()->msg);
    th_assert_eq_str(r->commit, "");
    dk_land_result_free(r);
    th_assert_eq_str(t_head("demo"), head);
    th_assert_eq_int(t_cs_state(cs), DK_CS_SUBMITTED);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", sid), 2);
    th_assert_eq_int(t_events("changeset.merged", cs), 0);
}
void test_engine_land_sqlite__write_during_land(void)
{
    t_write_during_land();
}
void test_engine_land_pg__write_during_land(void)
{
    t_write_during_land();
}

/* A write that committed while submit built its commit (simulated: a row
 * the registry has not seen) stops the submit: what is submitted is what
 * the store holds, or nothing. */
static void t_write_during_submit(void)
{
    const char *sid = t_connect("a1");
    char cs[128];
    snprintf(cs, sizeof(cs), "%s", t_cs_of(sid));
    t_write(sid, "README.md", "hello there\n");
    dk_store_conn *c;
    th_assert_ok(dk_store_acquire(&c, dk_eng_store(t_fx.e)));
    dk_store_val p[] = {
        DK_SV_TEXT(sid), DK_SV_TEXT("late.txt"),
        DK_SV_TEXT("c7c7da3c64e86c3270f2639a1379e67e14891b6a") /* README.md's blob */,
        DK_SV_INT(T0)};
    int rc = dk_store_exec(c, NULL,
                           "INSERT INTO overlay (session_id, path, blob_id, mode, deleted, "
                           "updated_at) VALUES (?, ?, ?, 33188, 0, ?)",
                           p, 4);
    dk_store_release(c);
    th_assert_ok(rc);

    dk_changeset_info *info = NULL;
    th_assert_err(dk_changeset_submit(&info, t_fx.e, NULL, sid), DK_ESTATE);
    th_assert_msg(strstr(dk_error_last()->msg, "changed while submitting"), "%s",
                  dk_error_last()->msg);
    th_assert(info == NULL);
    th_assert_eq_int(t_cs_state(cs), DK_CS_DRAFT);
    th_assert(!t_ref_exists(cs));
    th_assert_eq_int(t_events("changeset.submitted", cs), 0);
    /* once the registry has the write, submitting takes both files */
    th_assert_ok(dk_eng_session_reload(t_fx.e, sid));
    t_submit(sid);
    char *late =
        th_git_out(th_engine_repo_path(&t_fx, "demo"), "show refs/dk/changesets/%s:late.txt", cs);
    th_assert_eq_str(late, "hello there\n");
    free(late);
    t_land_ok(sid);
}
void test_engine_land_sqlite__write_during_submit(void)
{
    t_write_during_submit();
}
void test_engine_land_pg__write_during_submit(void)
{
    t_write_during_submit();
}

/*
 * A store failure at every point of a landing (the n-th statement fails,
 * n = 1, 2, ...): either the landing happened and is recorded, or nothing
 * changed, or - the one window there is - the branch moved and the COMMIT
 * of the records failed, which the error says; in every case landing again
 * without faults completes it, and each change is in the head exactly once.
 * In the window, landing again records the commit already on the branch
 * (changesets.landing_commit) instead of landing an empty commit on top.
 */
static void t_store_faults(void)
{
    dk_store *store = dk_eng_store(t_fx.e);
    int failed = 0, window = 0, ok_first = 0;
    const char *changed[NFUNCS] = {0};
    char bodies[NFUNCS][32];
    for (int n = 1; n <= 28; n++) {
        char agent[32];
        snprintf(agent, sizeof(agent), "fault-%d", n);
        const char *sid = t_connect(agent);
        char cs[128];
        snprintf(cs, sizeof(cs), "%s", t_cs_of(sid));
        snprintf(bodies[n], sizeof(bodies[n]), "x * %d - 1", n);
        /* the session's base has the earlier changes: it changes one more function */
        changed[n] = bodies[n];
        char *app = t_app(changed);
        t_read_write(sid, "app.py", app);
        free(app);
        t_submit(sid);
        char head[41];
        snprintf(head, sizeof(head), "%s", t_head("demo"));

        dk_land_result *r = NULL;
        /* the fault counts the statements of every thread: the code-context
         * indexer following the previous landing finishes first */
        th_assert_ok(dk_context_index(NULL, t_fx.e, "demo"));
        dk_store_fault_inject(store, (unsigned)n);
        int rc = dk_land(&r, t_fx.e, NULL, sid, NULL);
        char msg[300];
        snprintf(msg, sizeof(msg), "%s", dk_error_last()->msg);
        dk_store_fault_inject(store, 0);
        dk_land_result_free(r);
        bool moved = strcmp(t_head("demo"), head) != 0;
        if (rc == DK_OK) {
            ok_first++;
            th_assert(moved);
            th_assert_eq_int(t_cs_state(cs), DK_CS_MERGED);
        } else {
            failed++;
            th_assert_eq_int(t_cs_state(cs), DK_CS_SUBMITTED);
            char landed[41] = "";
            if (moved) {
                window++;
                th_assert_msg(strstr(msg, "landed as"), "n=%d: head moved, error: %s", n, msg);
                snprintf(landed, sizeof(landed), "%s", t_head("demo"));
            }
            th_assert_eq_int(
                th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", sid), 1);
            th_assert_eq_int(t_events("changeset.merged", cs), 0);
            /* the session is still usable: land again */
            r = NULL;
            rc = dk_land(&r, t_fx.e, NULL, sid, NULL);
            th_assert_msg(rc == DK_OK, "n=%d: landing again: %s", n, dk_error_last()->msg);
            if (*landed) {
                /* recorded, not landed twice: the same commit, the head did not move */
                th_assert_eq_str(r->commit, landed);
                th_assert_eq_str(t_head("demo"), landed);
                th_assert_eq_int(th_count(&t_fx,
                                          "SELECT COUNT(*) FROM changesets WHERE id = ? AND "
                                          "merged_commit = landing_commit",
                                          cs),
                                 1);
                th_assert_eq_int(t_events("changeset.merged", cs), 1);
                th_assert_eq_int(
                    th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", sid), 0);
            }
            dk_land_result_free(r);
            th_assert_eq_int(t_cs_state(cs), DK_CS_MERGED);
        }
        char *want = t_app(changed);
        char *text = t_head_file("demo", "app.py");
        th_assert_msg(strcmp(text, want) == 0, "n=%d: head app.py differs:\n%s", n, text);
        free(text);
        free(want);
    }
    /* anti-vacuity: faults hit inside landings, and later ones let them through */
    th_assert_msg(failed >= 10, "only %d landings met a fault", failed);
    th_assert(ok_first >= 1);
    /* and one of them was the COMMIT after a won compare-and-swap */
    th_assert_eq_int(window, 1);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__store_faults(void)
{
    t_store_faults();
}
void test_engine_land_pg__store_faults(void)
{
    t_store_faults();
}

/*
 * A landing whose records failed after its CAS, by an agent that never lands
 * again: the next engine open (a restarted server) finds the commit on the
 * branch and records it (dk_eng_land_reconcile): the changeset merged with
 * that commit, the session moved past it, no new commit. The fault is moved
 * along the landing's statements until it hits the COMMIT after the CAS.
 */
static void t_reconcile_at_open(void)
{
    bool hit = false;
    for (int n = 1; n <= 40 && !hit; n++) {
        char agent[32];
        snprintf(agent, sizeof(agent), "gone-%d", n);
        const char *sid = t_connect(agent);
        char sidc[64], cs[128], head[41];
        snprintf(sidc, sizeof(sidc), "%s", sid);
        char body[32];
        snprintf(body, sizeof(body), "x * %d + 7", n);
        char *app = t_app_with(n % NFUNCS, body);
        t_read_write(sidc, "app.py", app);
        snprintf(cs, sizeof(cs), "%s", t_submit(sidc));
        snprintf(head, sizeof(head), "%s", t_head("demo"));
        th_assert_ok(dk_context_index(NULL, t_fx.e, "demo"));
        dk_store_fault_inject(dk_eng_store(t_fx.e), (unsigned)n);
        dk_land_result *r = NULL;
        int rc = dk_land(&r, t_fx.e, NULL, sidc, NULL);
        char msg[300];
        snprintf(msg, sizeof(msg), "%s", dk_error_last()->msg);
        dk_store_fault_inject(dk_eng_store(t_fx.e), 0);
        dk_land_result_free(r);
        char landed[41];
        snprintf(landed, sizeof(landed), "%s", t_head("demo"));
        if (rc == DK_OK || strcmp(landed, head) == 0) {
            /* landed and recorded, or nothing happened: finish it, try the next point */
            if (rc != DK_OK)
                t_land_ok(sidc);
            free(app);
            continue;
        }
        hit = true;
        th_assert_msg(strstr(msg, "landed as"), "n=%d: %s", n, msg);
        th_assert_eq_int(t_cs_state(cs), DK_CS_SUBMITTED);
        /* the server restarts; the agent does not come back */
        th_engine_close(&t_fx);
        t_open();
        th_assert_eq_int(t_cs_state(cs), DK_CS_MERGED);
        th_assert_eq_str(t_head("demo"), landed);
        th_assert_eq_int(th_count(&t_fx,
                                  "SELECT COUNT(*) FROM changesets WHERE id = ? AND "
                                  "merged_commit = landing_commit",
                                  cs),
                         1);
        th_assert_eq_int(t_events("changeset.merged", cs), 1);
        dk_session_info *si = th_status(&t_fx, sidc);
        th_assert_eq_str(si->base_commit, landed);
        th_assert_eq_int(si->changeset_state, DK_CS_DRAFT);
        dk_session_infos_free(si, 1);
        char *text = t_head_file("demo", "app.py");
        th_assert_eq_str(text, app);
        free(text);
        free(app);
    }
    th_assert(hit);
    /* a second open finds nothing more to record */
    th_engine_close(&t_fx);
    t_open();
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__reconcile_at_open(void)
{
    t_reconcile_at_open();
}
void test_engine_land_pg__reconcile_at_open(void)
{
    t_reconcile_at_open();
}

/*
 * The commit a landing records before its CAS (changesets.landing_commit) is
 * believed only when it is true: a commit that is not on the branch (here the
 * changeset's own submit commit, whose tree is exactly its entries on its
 * parent), or one on the branch that is not this changeset merged onto its
 * parent (the head), is passed over, and the landing lands as usual: one new
 * commit with the change, recorded with its own landing_commit.
 */
static void t_landing_commit_checked(void)
{
    dk_store *store = dk_eng_store(t_fx.e);
    for (int k = 0; k < 2; k++) {
        char agent[32];
        snprintf(agent, sizeof(agent), "intent-%d", k);
        const char *sid = t_connect(agent);
        char *app = t_app_with(k + 1, k ? "x * 41" : "x * 40");
        t_read_write(sid, "app.py", app);
        char cs[128], head[41], intent[41];
        snprintf(cs, sizeof(cs), "%s", t_submit(sid));
        snprintf(head, sizeof(head), "%s", t_head("demo"));
        dk_changeset_info *ci;
        th_assert_ok(dk_changeset_get(&ci, t_fx.e, NULL, cs));
        snprintf(intent, sizeof(intent), "%s", k ? head : ci->submit_commit);
        dk_changeset_info_free(ci);
        dk_store_conn *c;
        th_assert_ok(dk_store_acquire(&c, store));
        dk_store_val p[] = {DK_SV_TEXT(intent), DK_SV_TEXT(cs)};
        th_assert_ok(
            dk_store_exec(c, NULL, "UPDATE changesets SET landing_commit = ? WHERE id = ?", p, 2));
        dk_store_release(c);

        /* a message of its own: the landed commit is not the submit commit */
        dk_land_opts lo = DK_LAND_OPTS_INIT;
        lo.message = "landed through the checks";
        dk_land_result *r = NULL;
        th_assert_ok(dk_land(&r, t_fx.e, NULL, sid, &lo));
        th_assert_eq_str(r->commit, t_head("demo"));
        dk_land_result_free(r);
        th_assert(strcmp(t_head("demo"), head) != 0);
        th_assert(strcmp(t_head("demo"), intent) != 0);
        char *text = t_head_file("demo", "app.py");
        th_assert_eq_str(text, app);
        free(text);
        free(app);
        th_assert_eq_int(t_cs_state(cs), DK_CS_MERGED);
        th_assert_eq_int(th_count(&t_fx,
                                  "SELECT COUNT(*) FROM changesets WHERE id = ? AND "
                                  "merged_commit = landing_commit",
                                  cs),
                         1);
    }
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__landing_commit_checked(void)
{
    t_landing_commit_checked();
}
void test_engine_land_pg__landing_commit_checked(void)
{
    t_landing_commit_checked();
}

/*
 * kill -9 in the middle of landings: a child process lands twelve
 * changesets, reporting each on a pipe; after the fourth the parent kills
 * it. After reopening, every changeset recorded merged is on the branch, the
 * branch holds at most one landing the store did not record (the COMMIT
 * window), and landing the rest (their sessions now stranded) completes
 * with every change in the head exactly once.
 */
static void t_kill_while_landing(void)
{
    enum { N = 12, KILL_AFTER = 4 };
    static char sids[N][64];
    char cs[N][128], bodies[N][32];
    const char *changed[NFUNCS] = {0};
    for (int i = 0; i < N; i++) {
        char agent[32];
        snprintf(agent, sizeof(agent), "k-%d", i);
        snprintf(sids[i], sizeof(sids[i]), "%s", t_connect(agent));
        snprintf(cs[i], sizeof(cs[i]), "%s", t_cs_of(sids[i]));
        snprintf(bodies[i], sizeof(bodies[i]), "x ** %d", i + 2);
        changed[i] = bodies[i];
        char *app = t_app_with(i, bodies[i]);
        t_read_write(sids[i], "app.py", app);
        free(app);
        t_submit(sids[i]);
    }
    dk_engine_close(t_fx.e);
    t_fx.e = NULL;

    int fds[2];
    th_assert(pipe(fds) == 0);
    pid_t pid = fork();
    th_assert(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dk_engine *e;
        dk_engine_opts o = DK_ENGINE_OPTS_INIT;
        o.data_dir = t_fx.data;
        o.store_url = t_fx.url;
        o.gc_interval_ms = 0;
        if (dk_engine_open(&e, &o) != DK_OK)
            _exit(2);
        for (int i = 0; i < N; i++) {
            dk_land_result *r = NULL;
            int rc = dk_land(&r, e, NULL, sids[i], NULL);
            dk_land_result_free(r);
            char c = rc == DK_OK ? 'o' : 'x';
            if (write(fds[1], &c, 1) != 1 || rc != DK_OK)
                _exit(3);
        }
        _exit(0);
    }
    close(fds[1]);
    int done = 0;
    char c;
    while (done < KILL_AFTER && read(fds[0], &c, 1) == 1) {
        th_assert_msg(c == 'o', "the child's landing %d failed", done);
        done++;
    }
    usleep(3000);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    close(fds[0]);
    th_assert_eq_int(done, KILL_AFTER);

    t_open();
    const char *repo = th_engine_repo_path(&t_fx, "demo");
    char head[41];
    snprintf(head, sizeof(head), "%s", t_head("demo"));
    int merged = 0;
    for (int i = 0; i < N; i++) {
        dk_changeset_info *info;
        th_assert_ok(dk_changeset_get(&info, t_fx.e, NULL, cs[i]));
        if (info->state == DK_CS_MERGED) {
            merged++;
            th_assert_eq_int(th_system("git -C '%s' merge-base --is-ancestor %s %s", repo,
                                       info->merged_commit, head),
                             0);
        } else {
            th_assert_eq_int(info->state, DK_CS_SUBMITTED);
        }
        dk_changeset_info_free(info);
    }
    th_assert_msg(merged >= KILL_AFTER && merged < N, "%d landed before the kill", merged);
    char *out = th_git_out(repo, "rev-list --count %s", head);
    int commits = (int)strtol(out, NULL, 10);
    free(out);
    th_assert_msg(commits == 1 + merged || commits == 2 + merged, "%d commits, %d merged", commits,
                  merged);

    /* land the rest */
    for (int i = 0; i < N; i++) {
        if (t_cs_state(cs[i]) == DK_CS_MERGED)
            continue;
        dk_land_result *r = NULL;
        int rc = dk_land(&r, t_fx.e, NULL, sids[i], NULL);
        th_assert_msg(rc == DK_OK, "landing %d after the restart: %s", i, dk_error_last()->msg);
        dk_land_result_free(r);
    }
    for (int i = 0; i < N; i++)
        th_assert_eq_int(t_cs_state(cs[i]), DK_CS_MERGED);
    char *want = t_app(changed);
    char *text = t_head_file("demo", "app.py");
    th_assert_eq_str(text, want);
    free(text);
    free(want);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__kill_while_landing(void)
{
    t_kill_while_landing();
}
void test_engine_land_pg__kill_while_landing(void)
{
    t_kill_while_landing();
}

/*
 * A stranded session (idle past the TTL with its work submitted): its work
 * lands as it is, or - once resumed - through the session that resumed it,
 * never through the old id as well.
 */
static void t_land_stranded(void)
{
    const char *a = t_connect("agent-a");
    char sa[64], csa[128];
    snprintf(sa, sizeof(sa), "%s", a);
    snprintf(csa, sizeof(csa), "%s", t_cs_of(sa));
    char *v = t_app_with(20, "x * 20");
    t_write(sa, "app.py", v);
    free(v);
    t_submit(sa);
    const char *b = t_connect("agent-b");
    char sb[64], csb[128];
    snprintf(sb, sizeof(sb), "%s", b);
    snprintf(csb, sizeof(csb), "%s", t_cs_of(sb));
    v = t_app_with(21, "x * 21");
    dk_write_result *w = NULL;
    dk_write_opts wo = DK_WRITE_OPTS_INIT;
    wo.force = true;
    th_assert_ok(dk_file_write(&w, t_fx.e, NULL, sb, "app.py", v, strlen(v), &wo));
    dk_write_result_free(w);
    free(v);
    t_submit(sb);

    /* both go idle past the TTL: stranded, not dropped */
    atomic_fetch_add(&t_clock, 2 * 3600 * 1000LL);
    th_assert_ok(dk_engine_gc(t_fx.e, NULL));
    th_assert_eq_int(th_count(&t_fx,
                              "SELECT COUNT(*) FROM sessions WHERE state = 'stranded' AND repo = ?",
                              "demo"),
                     2);

    /* a's work lands as it is */
    dk_land_result *r = NULL;
    th_assert_ok(dk_land(&r, t_fx.e, NULL, sa, NULL));
    dk_land_result_free(r);
    th_assert_eq_int(t_cs_state(csa), DK_CS_MERGED);

    /* a resume that commits after a landing of the old id read the session
     * (simulated: the changeset moved to another session, the old row not yet
     * marked) stops that landing: nothing lands, nothing changes */
    char head[41];
    snprintf(head, sizeof(head), "%s", t_head("demo"));
    {
        dk_store_conn *c;
        th_assert_ok(dk_store_acquire(&c, dk_eng_store(t_fx.e)));
        dk_store_val p[] = {DK_SV_TEXT(csb)};
        th_assert_ok(dk_store_exec(
            c, NULL, "UPDATE changesets SET session_id = 'resumed-elsewhere' WHERE id = ?", p, 1));
        dk_store_release(c);
    }
    th_assert_err(dk_land(&r, t_fx.e, NULL, sb, NULL), DK_ESTATE);
    th_assert_msg(strstr(dk_error_last()->msg, "now belongs to session resumed-elsewhere"), "%s",
                  dk_error_last()->msg);
    dk_land_result_free(r);
    th_assert_eq_str(t_head("demo"), head);
    th_assert_eq_int(t_cs_state(csb), DK_CS_SUBMITTED);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", sb), 1);
    {
        dk_store_conn *c;
        th_assert_ok(dk_store_acquire(&c, dk_eng_store(t_fx.e)));
        dk_store_val p[] = {DK_SV_TEXT(sb), DK_SV_TEXT(csb)};
        th_assert_ok(
            dk_store_exec(c, NULL, "UPDATE changesets SET session_id = ? WHERE id = ?", p, 2));
        dk_store_release(c);
    }

    /* b is resumed: its old id no longer lands, the new one does */
    dk_connect_opts co = DK_CONNECT_OPTS_INIT;
    co.repo = "demo";
    co.intent = "change things";
    co.agent_id = "agent-b";
    co.resume_session_id = sb;
    dk_session_info *info;
    th_assert_ok(dk_session_connect(&info, t_fx.e, NULL, &co));
    char resumed[64];
    snprintf(resumed, sizeof(resumed), "%s", info->session_id);
    dk_session_infos_free(info, 1);
    th_assert_err(dk_land(&r, t_fx.e, NULL, sb, NULL), DK_ESTATE);
    th_assert_msg(strstr(dk_error_last()->msg, "was resumed as"), "%s", dk_error_last()->msg);
    dk_land_result_free(r);
    th_assert_ok(dk_land(&r, t_fx.e, NULL, resumed, NULL));
    dk_land_result_free(r);
    const char *changed[NFUNCS] = {0};
    changed[20] = "x * 20";
    changed[21] = "x * 21";
    char *want = t_app(changed);
    char *text = t_head_file("demo", "app.py");
    th_assert_eq_str(text, want);
    free(text);
    free(want);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__land_stranded(void)
{
    t_land_stranded();
}
void test_engine_land_pg__land_stranded(void)
{
    t_land_stranded();
}

/* ========================================================================== */
/* Who may act                                                                */
/* ========================================================================== */

static void t_callers(void)
{
    dk_caller owner = {.token_id = "tok-1"}, other = {.token_id = "tok-2"};
    dk_caller admin = {.token_id = "tok-admin", .admin = true};
    const char *sid = t_connect_to(&owner, "demo", "a1");
    dk_write_result *w = NULL;
    th_assert_ok(dk_file_write(&w, t_fx.e, &owner, sid, "README.md", "mine\n", 5, NULL));
    dk_write_result_free(w);
    char cs[128];
    snprintf(cs, sizeof(cs), "%s", t_cs_of(sid));

    dk_changeset_info *info = NULL;
    dk_land_result *r = NULL;
    th_assert_err(dk_changeset_get(&info, t_fx.e, &other, cs), DK_EFORBIDDEN);
    th_assert_err(dk_changeset_submit(&info, t_fx.e, &other, sid), DK_EFORBIDDEN);
    th_assert_eq_int(t_cs_state(cs), DK_CS_DRAFT);
    th_assert_ok(dk_changeset_get(&info, t_fx.e, &admin, cs));
    dk_changeset_info_free(info);
    th_assert_ok(dk_changeset_submit(&info, t_fx.e, &owner, sid));
    dk_changeset_info_free(info);
    th_assert_err(dk_land(&r, t_fx.e, &other, sid, NULL), DK_EFORBIDDEN);
    dk_land_result_free(r);
    th_assert_eq_int(t_cs_state(cs), DK_CS_SUBMITTED);
    th_assert_ok(dk_land(&r, t_fx.e, &owner, sid, NULL));
    dk_land_result_free(r);
    th_assert_eq_int(t_cs_state(cs), DK_CS_MERGED);
}
void test_engine_land_sqlite__callers(void)
{
    t_callers();
}
void test_engine_land_pg__callers(void)
{
    t_callers();
}

/* ========================================================================== */
/* Two nodes landing at once                                                  */
/* ========================================================================== */

struct t_lander {
    dk_engine *e;
    const char *sids[NFUNCS];
    int n;
    /* what went wrong (threads never assert) */
    int failures;
    char first_error[300];
    unsigned retries;
};

static void *t_lander_run(void *arg)
{
    struct t_lander *l = arg;
    for (int i = 0; i < l->n; i++) {
        dk_land_result *r = NULL;
        int rc = dk_land(&r, l->e, NULL, l->sids[i], NULL);
        if (rc != DK_OK || !r || r->nconflicts != 0) {
            if (!l->failures++)
                snprintf(l->first_error, sizeof(l->first_error), "%d %s", rc, dk_error_last()->msg);
        }
        if (r)
            l->retries += r->retries;
        dk_land_result_free(r);
    }
    return NULL;
}

/*
 * Two engines on one store and data directory (two nodes): each lands its
 * own sessions while the other does. Their landing locks are separate, so
 * they race on the branch itself: a lost compare-and-swap rolls the store
 * transaction back and merges again. Nothing may be lost or landed twice.
 */
static void t_two_nodes(void)
{
    dk_engine *e2;
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.data_dir = t_fx.data;
    o.store_url = t_fx.url;
    o.gc_interval_ms = 0;
    o.clock_ms = t_clock_fn;
    o.node_name = "node-2";
    th_assert_ok(dk_engine_open(&e2, &o));

    enum { PER_NODE = 8 };
    struct t_lander nodes[2] = {{.e = t_fx.e, .n = PER_NODE}, {.e = e2, .n = PER_NODE}};
    static char sids[2 * PER_NODE][64];
    char bodies[2 * PER_NODE][32];
    for (int i = 0; i < 2 * PER_NODE; i++) {
        struct t_lander *l = &nodes[i % 2];
        char agent[32];
        snprintf(agent, sizeof(agent), "node-agent-%d", i);
        dk_connect_opts co = DK_CONNECT_OPTS_INIT;
        co.repo = "demo";
        co.intent = "two nodes";
        co.agent_id = agent;
        dk_session_info *info;
        th_assert_ok(dk_session_connect(&info, l->e, NULL, &co));
        snprintf(sids[i], sizeof(sids[i]), "%s", info->session_id);
        dk_session_infos_free(info, 1);
        l->sids[i / 2] = sids[i];
        snprintf(bodies[i], sizeof(bodies[i]), "x - %d", i);
        char *app = t_app_with(i, bodies[i]);
        dk_write_result *w = NULL;
        dk_write_opts wo = DK_WRITE_OPTS_INIT;
        wo.force = true;
        th_assert_ok(dk_file_write(&w, l->e, NULL, sids[i], "app.py", app, strlen(app), &wo));
        dk_write_result_free(w);
        free(app);
        dk_changeset_info *cs;
        th_assert_ok(dk_changeset_submit(&cs, l->e, NULL, sids[i]));
        dk_changeset_info_free(cs);
    }

    pthread_t th[2];
    for (int k = 0; k < 2; k++)
        th_assert(pthread_create(&th[k], NULL, t_lander_run, &nodes[k]) == 0);
    for (int k = 0; k < 2; k++)
        pthread_join(th[k], NULL);
    dk_engine_close(e2);
    for (int k = 0; k < 2; k++)
        th_assert_msg(nodes[k].failures == 0, "node %d: %d failures, first: %s", k + 1,
                      nodes[k].failures, nodes[k].first_error);

    const char *changed[NFUNCS] = {0};
    for (int i = 0; i < 2 * PER_NODE; i++)
        changed[i] = bodies[i];
    char *want = t_app(changed);
    char *text = t_head_file("demo", "app.py");
    th_assert_eq_str(text, want);
    free(text);
    free(want);
    /* one commit per landing, each changeset merged once */
    char *out =
        th_git_out(th_engine_repo_path(&t_fx, "demo"), "rev-list --count %s", t_head("demo"));
    th_assert_eq_str(out, "17\n");
    free(out);
    th_assert_eq_int(th_count(&t_fx,
                              "SELECT COUNT(*) FROM changesets WHERE state = 'merged' AND "
                              "merged_commit IS NOT NULL AND repo = ?",
                              "demo"),
                     2 * PER_NODE);
    th_assert_eq_int(th_count(&t_fx,
                              "SELECT COUNT(DISTINCT merged_commit) FROM changesets WHERE repo = ?",
                              "demo"),
                     2 * PER_NODE);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__two_nodes(void)
{
    t_two_nodes();
}
void test_engine_land_pg__two_nodes(void)
{
    t_two_nodes();
}

/*
 * Many threads of one engine landing at once (the repository's landing lock
 * serialises them; the branch still moves by compare-and-swap), each thread
 * with its own sessions changing their own functions of one file.
 */
static void t_many_threads(void)
{
    enum { THREADS = 4, PER_THREAD = 6 };
    struct t_lander ls[THREADS];
    static char sids[THREADS * PER_THREAD][64];
    char bodies[THREADS * PER_THREAD][32];
    memset(ls, 0, sizeof(ls));
    for (int i = 0; i < THREADS * PER_THREAD; i++) {
        struct t_lander *l = &ls[i % THREADS];
        l->e = t_fx.e;
        char agent[32];
        snprintf(agent, sizeof(agent), "thread-agent-%d", i);
        snprintf(sids[i], sizeof(sids[i]), "%s", t_connect(agent));
        l->sids[l->n++] = sids[i];
        snprintf(bodies[i], sizeof(bodies[i]), "x // %d", i + 1);
        char *app = t_app_with(i, bodies[i]);
        t_read_write(sids[i], "app.py", app);
        free(app);
        t_submit(sids[i]);
    }
    pthread_t th[THREADS];
    for (int k = 0; k < THREADS; k++)
        th_assert(pthread_create(&th[k], NULL, t_lander_run, &ls[k]) == 0);
    for (int k = 0; k < THREADS; k++)
        pthread_join(th[k], NULL);
    for (int k = 0; k < THREADS; k++)
        th_assert_msg(ls[k].failures == 0, "thread %d: %d failures, first: %s", k, ls[k].failures,
                      ls[k].first_error);
    const char *changed[NFUNCS] = {0};
    for (int i = 0; i < THREADS * PER_THREAD; i++)
        changed[i] = bodies[i];
    char *want = t_app(changed);
    char *text = t_head_file("demo", "app.py");
    th_assert_eq_str(text, want);
    free(text);
    free(want);
    char *out =
        th_git_out(th_engine_repo_path(&t_fx, "demo"), "rev-list --count %s", t_head("demo"));
    th_assert_eq_str(out, "25\n");
    free(out);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__many_threads(void)
{
    t_many_threads();
}
void test_engine_land_pg__many_threads(void)
{
    t_many_threads();
}

/* ========================================================================== */
/* Rebase: settling a landing conflict in the same session                    */
/* ========================================================================== */

/* The session's blob id of `path` ("" when it deletes it) into `out`. */
static void t_expect(char out[41], const char *sid, const char *path)
{
    dk_file *f = NULL;
    int rc = dk_file_read(&f, t_fx.e, NULL, sid, path);
    out[0] = '\0';
    if (rc == DK_OK)
        snprintf(out, 41, "%s", f->hash);
    else
        th_assert_err(rc, DK_ENOTFOUND);
    dk_file_free(f);
}

/* Everything a refused rebase must leave as it was, as one string (caller frees). */
static char *t_snap(const char *sid)
{
    dk_str s = DK_STR_INIT;
    dk_session_info *st = th_status(&t_fx, sid);
    char app[41];
    t_expect(app, sid, "app.py");
    dk_str_addf(&s, "base=%s cs=%s/%s state=%d files=%zu syms=%zu app=%s", st->base_commit,
                st->changeset_id, dk_changeset_state_name(st->changeset_state), (int)st->state,
                st->files_changed, st->symbols_changed, app);
    dk_session_infos_free(st, 1);
    static const char *const counts[] = {
        "SELECT COUNT(*) FROM overlay WHERE session_id = ?",
        "SELECT COUNT(*) FROM session_symbols WHERE session_id = ?",
        "SELECT COUNT(*) FROM claims WHERE session_id = ?",
        "SELECT COUNT(*) FROM events WHERE session_id = ?",
        "SELECT COUNT(*) FROM sessions s JOIN changesets c ON c.id = s.changeset_id WHERE "
        "s.id = ? AND c.base_commit = s.base_commit",
    };
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        dk_str_addf(&s, " %lld", (long long)th_count(&t_fx, counts[i], sid));
    return dk_str_detach(&s, NULL);
}

/* A session that changed f1 (and `extra` function, when >= 0), submitted after a1's f1. */
struct t_rb_fixture {
    char a[64], b[64], c[64], d[64];
    char base[41];
};

static void t_rb_write_force(const char *sid, const char *path, const char *text)
{
    dk_write_result *w = NULL;
    dk_write_opts wo = DK_WRITE_OPTS_INIT;
    wo.force = true;
    int rc = dk_file_write(&w, t_fx.e, NULL, sid, path, text, strlen(text), &wo);
    th_assert_msg(rc == DK_OK, "write %s: %s", path, dk_error_last()->msg);
    dk_write_result_free(w);
}

/*
 * a changes f1 and submits; b (f1, f3), c (f1, f5) and d (f1, notes.txt)
 * change and submit one after another (claims are released at submit);
 * then a lands: b, c and d now conflict on f1.
 */
static void t_rb_setup(struct t_rb_fixture *fx)
{
    snprintf(fx->base, sizeof(fx->base), "%s", t_head("demo"));
    snprintf(fx->a, sizeof(fx->a), "%s", t_connect("a1"));
    snprintf(fx->b, sizeof(fx->b), "%s", t_connect("a2"));
    snprintf(fx->c, sizeof(fx->c), "%s", t_connect("a3"));
    snprintf(fx->d, sizeof(fx->d), "%s", t_connect("a4"));
    char *va = t_app_with(1, "x * 10");
    t_write(fx->a, "app.py", va);
    t_submit(fx->a);
    const char *cb[NFUNCS] = {[1] = "x - 1", [3] = "x * 3"};
    const char *cc[NFUNCS] = {[1] = "x - 2", [5] = "x * 5"};
    char *vb = t_app(cb), *vc = t_app(cc), *vd = t_app_with(1, "x - 4");
    t_rb_write_force(fx->b, "app.py", vb);
    t_submit(fx->b);
    t_rb_write_force(fx->c, "app.py", vc);
    t_submit(fx->c);
    t_rb_write_force(fx->d, "app.py", vd);
    t_rb_write_force(fx->d, "notes.txt", "scratch\n");
    t_submit(fx->d);
    t_land_ok(fx->a);
    dk_land_result *r = NULL;
    th_assert_err(dk_land(&r, t_fx.e, NULL, fx->b, NULL), DK_ECONFLICT);
    th_assert_eq_int(r->nconflicts, 1);
    th_assert_eq_str(r->conflicts[0].qualified_name, "f1");
    dk_land_result_free(r);
    free(va);
    free(vb);
    free(vc);
    free(vd);
}

/* Rebase `sid` onto the head with `n` files, expectations read from the session. */
static int t_rebase(dk_write_result **w, const char *sid, dk_rebase_file *files, size_t n)
{
    char hashes[8][41];
    dk_session_info *st = th_status(&t_fx, sid);
    char from[41];
    snprintf(from, sizeof(from), "%s", st->base_commit);
    dk_session_infos_free(st, 1);
    th_assert(n <= 8);
    for (size_t i = 0; i < n; i++) {
        if (!files[i].expect_hash) {
            t_expect(hashes[i], sid, files[i].path);
            files[i].expect_hash = hashes[i];
        }
    }
    dk_rebase_opts o = DK_REBASE_OPTS_INIT;
    o.from_base = from;
    int rc = dk_session_rebase(w, t_fx.e, NULL, sid, files, n, &o);
    for (size_t i = 0; i < n; i++)
        if (files[i].expect_hash >= hashes[0] && files[i].expect_hash <= hashes[7])
            files[i].expect_hash = NULL;
    return rc;
}

static bool t_has_symbol(const dk_write_result *w, const char *qname)
{
    for (size_t i = 0; i < w->nsymbols; i++)
        if (strcmp(w->symbols[i].qualified_name, qname) == 0)
            return true;
    return false;
}

static void t_rebase_resolves(void)
{
    struct t_rb_fixture fx;
    t_rb_setup(&fx);
    char csb[128], csc[128], csd[128];
    snprintf(csb, sizeof(csb), "%s", t_cs_of(fx.b));
    snprintf(csc, sizeof(csc), "%s", t_cs_of(fx.c));
    snprintf(csd, sizeof(csd), "%s", t_cs_of(fx.d));

    /* keep_mine: b's f1 (and f3) on the new head */
    const char *mine[NFUNCS] = {[1] = "x - 1", [3] = "x * 3"};
    char *vb = t_app(mine);
    dk_rebase_file fb[] = {
        {.path = "app.py", .action = DK_REBASE_WRITE, .content = vb, .len = strlen(vb)}};
    dk_write_result *w = NULL;
    th_assert_ok(t_rebase(&w, fx.b, fb, 1));
    th_assert(t_has_symbol(w, "f1") && t_has_symbol(w, "f3"));
    th_assert_eq_int(w->nsymbols, 2);
    dk_write_result_free(w);
    dk_session_info *st = th_status(&t_fx, fx.b);
    th_assert_eq_str(st->session_id, fx.b);
    th_assert_eq_str(st->changeset_id, csb);
    th_assert_eq_str(st->base_commit, t_head("demo"));
    th_assert_eq_int(st->state, DK_SESSION_ACTIVE);
    th_assert_eq_int(st->changeset_state, DK_CS_DRAFT);
    dk_session_infos_free(st, 1);
    /* a draft again: its changed symbols are claimed, on the new base */
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", fx.b), 2);
    dk_changeset_info *ci;
    th_assert_ok(dk_changeset_get(&ci, t_fx.e, NULL, csb));
    th_assert_eq_str(ci->base_commit, t_head("demo"));
    dk_changeset_info_free(ci);
    th_assert_eq_int(t_events("session.rebased", csb), 1);
    th_assert_eq_int(t_events("changeset.reopened", csb), 1);
    th_assert_eq_str(t_submit(fx.b), csb);
    t_land_ok(fx.b);
    char *h = t_head_file("demo", "app.py");
    th_assert_eq_str(h, vb);
    free(h);

    /* keep_theirs: c's f1 gives way to the head's, its f5 stays */
    const char *theirs[NFUNCS] = {[1] = "x - 1", [3] = "x * 3", [5] = "x * 5"};
    char *vc = t_app(theirs);
    dk_land_result *r = NULL;
    th_assert_err(dk_land(&r, t_fx.e, NULL, fx.c, NULL), DK_ECONFLICT);
    dk_land_result_free(r);
    dk_rebase_file fc[] = {
        {.path = "app.py", .action = DK_REBASE_WRITE, .content = vc, .len = strlen(vc)}};
    th_assert_ok(t_rebase(&w, fx.c, fc, 1));
    th_assert(!t_has_symbol(w, "f1") && t_has_symbol(w, "f5"));
    th_assert_eq_int(w->nsymbols, 1);
    dk_write_result_free(w);
    dk_changed_symbol *syms;
    size_t nsyms;
    th_assert_ok(dk_session_changes(&syms, &nsyms, t_fx.e, NULL, fx.c));
    th_assert_eq_int(nsyms, 1);
    th_assert_eq_str(syms[0].qualified_name, "f5");
    dk_changed_symbols_free(syms, nsyms);
    th_assert_eq_str(t_submit(fx.c), csc);
    t_land_ok(fx.c);
    h = t_head_file("demo", "app.py");
    th_assert_eq_str(h, vc);
    free(h);

    /* content: d's whole-file text; its notes.txt change is given up (take the base's) */
    const char *given[NFUNCS] = {[1] = "x + 100", [3] = "x * 3", [5] = "x * 5"};
    char *vd = t_app(given);
    dk_rebase_file fd[] = {
        {.path = "app.py", .action = DK_REBASE_WRITE, .content = vd, .len = strlen(vd)},
        {.path = "notes.txt", .action = DK_REBASE_TAKE_BASE},
    };
    th_assert_ok(t_rebase(&w, fx.d, fd, 2));
    dk_write_result_free(w);
    st = th_status(&t_fx, fx.d);
    th_assert_eq_int(st->files_changed, 1);
    dk_session_infos_free(st, 1);
    th_assert_eq_str(t_submit(fx.d), csd);
    t_land_ok(fx.d);
    h = t_head_file("demo", "app.py");
    th_assert_eq_str(h, vd);
    free(h);
    th_assert(t_head_file("demo", "notes.txt") == NULL);
    th_engine_fsck(&t_fx, "demo");
    free(vb);
    free(vc);
    free(vd);
}
void test_engine_land_sqlite__rebase_resolves(void)
{
    t_rebase_resolves();
}
void test_engine_land_pg__rebase_resolves(void)
{
    t_rebase_resolves();
}

/* Every refused rebase leaves the session, its changeset, claims and events as they were. */
static void t_rebase_refusals(void)
{
    struct t_rb_fixture fx;
    t_rb_setup(&fx);
    const char *mine[NFUNCS] = {[1] = "x - 1", [3] = "x * 3"};
    char *vb = t_app(mine);
    char *before = t_snap(fx.b), *after;
    char good_hash[41], head[41];
    t_expect(good_hash, fx.b, "app.py");
    snprintf(head, sizeof(head), "%s", t_head("demo"));
    dk_write_result *w = NULL;
    dk_rebase_opts o = DK_REBASE_OPTS_INIT;
    o.from_base = fx.base;
    struct {
        dk_rebase_file f[2];
        size_t n;
        const char *from;
        const char *onto;
        int want;
        const char *msg;
    } cases[] = {
        /* arguments */
        {{{.path = "app.py", .action = DK_REBASE_WRITE, .content = vb, .len = strlen(vb)}},
         1,
         NULL,
         NULL,
         DK_EINVALID,
         "from_base"},
        {{{.path = ".git/config",
           .action = DK_REBASE_WRITE,
           .content = "x",
           .len = 1,
           .expect_hash = ""}},
         1,
         fx.base,
         NULL,
         DK_EINVALID,
         ".git"},
        {{{.path = "app.py",
           .action = DK_REBASE_WRITE,
           .content = vb,
           .len = strlen(vb),
           .expect_hash = "xyz"}},
         1,
         fx.base,
         NULL,
         DK_EINVALID,
         "expect_hash"},
        {{{.path = "app.py", .action = (dk_rebase_action)9, .expect_hash = good_hash}},
         1,
         fx.base,
         NULL,
         DK_EINVALID,
         "action"},
        {{{.path = "app.py",
           .action = DK_REBASE_WRITE,
           .content = vb,
           .len = strlen(vb),
           .mode = 0100600,
           .expect_hash = good_hash}},
         1,
         fx.base,
         NULL,
         DK_EINVALID,
         "mode"},
        {{{.path = "app.py", .action = DK_REBASE_TAKE_BASE, .expect_hash = good_hash},
          {.path = "app.py", .action = DK_REBASE_TAKE_BASE, .expect_hash = good_hash}},
         2,
         fx.base,
         NULL,
         DK_EINVALID,
         "twice"},
        {{{.path = "app.py",
           .action = DK_REBASE_WRITE,
           .content = vb,
           .len = DK_ENGINE_MAX_FILE + 1,
           .expect_hash = good_hash}},
         1,
         fx.base,
         NULL,
         DK_ELIMIT,
         "50 MiB"},
        /* the session moved on or differs from what was resolved */
        {{{.path = "app.py",
           .action = DK_REBASE_WRITE,
           .content = vb,
           .len = strlen(vb),
           .expect_hash = good_hash}},
         1,
         head,
         NULL,
         DK_ESTATE,
         "not"},
        {{{.path = "app.py",
           .action = DK_REBASE_WRITE,
           .content = vb,
           .len = strlen(vb),
           .expect_hash = "0123456789012345678901234567890123456789"}},
         1,
         fx.base,
         NULL,
         DK_ESTATE,
         "resolve again"},
        {{{.path = "app.py",
           .action = DK_REBASE_WRITE,
           .content = vb,
           .len = strlen(vb),
           .expect_hash = good_hash},
          {.path = "README.md", .action = DK_REBASE_TAKE_BASE, .expect_hash = ""}},
         2,
         fx.base,
         NULL,
         DK_ESTATE,
         "changes 1 path"},
        {{{.path = "README.md", .action = DK_REBASE_TAKE_BASE, .expect_hash = ""}},
         1,
         fx.base,
         NULL,
         DK_ESTATE,
         "does not change README.md"},
        /* onto */
        {{{.path = "app.py",
           .action = DK_REBASE_WRITE,
           .content = vb,
           .len = strlen(vb),
           .expect_hash = good_hash}},
         1,
         fx.base,
         "no-such-branch",
         DK_ENOTFOUND,
         "onto"},
        {{{.path = "app.py",
           .action = DK_REBASE_WRITE,
           .content = vb,
           .len = strlen(vb),
           .expect_hash = good_hash}},
         1,
         fx.base,
         fx.base,
         DK_ESTATE,
         "already"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        o.from_base = cases[i].from;
        o.onto = cases[i].onto;
        int rc = dk_session_rebase(&w, t_fx.e, NULL, fx.b, cases[i].f, cases[i].n, &o);
        th_assert_msg(rc == cases[i].want, "case %zu: %d (%s)", i, rc, dk_error_last()->msg);
        th_assert_msg(strstr(dk_error_last()->msg, cases[i].msg), "case %zu: %s", i,
                      dk_error_last()->msg);
        th_assert(w == NULL);
        after = t_snap(fx.b);
        th_assert_eq_str(after, before);
        free(after);
    }
    /* onto a commit that does not contain the base: the base of a session at the head */
    const char *fresh = t_connect("a9");
    t_write(fresh, "README.md", "fresh\n");
    char *fresh_before = t_snap(fresh), rh[41];
    t_expect(rh, fresh, "README.md");
    dk_rebase_file ff[] = {{.path = "README.md", .action = DK_REBASE_TAKE_BASE, .expect_hash = rh}};
    o.from_base = head;
    o.onto = fx.base;
    th_assert_err(dk_session_rebase(&w, t_fx.e, NULL, fresh, ff, 1, &o), DK_EINVALID);
    th_assert(strstr(dk_error_last()->msg, "does not contain"));
    after = t_snap(fresh);
    th_assert_eq_str(after, fresh_before);
    free(after);
    free(fresh_before);

    /* a symbol claimed by a live session: DK_ECONFLICT naming it, nothing changes */
    const char *holder = t_connect("a8");
    const char *held[NFUNCS] = {[1] = "x * 10", [3] = "x + 333"}; /* the head's f1 */
    char *vh = t_app(held);
    t_rb_write_force(holder, "app.py", vh);
    dk_rebase_file fb[] = {{.path = "app.py",
                            .action = DK_REBASE_WRITE,
                            .content = vb,
                            .len = strlen(vb),
                            .expect_hash = good_hash}};
    o.from_base = fx.base;
    o.onto = NULL;
    th_assert_err(dk_session_rebase(&w, t_fx.e, NULL, fx.b, fb, 1, &o), DK_ECONFLICT);
    th_assert_eq_int(w->nclaims, 1);
    th_assert_eq_str(w->claims[0].qualified_name, "f3");
    th_assert_eq_str(w->claims[0].holder_session, holder);
    dk_write_result_free(w);
    w = NULL;
    after = t_snap(fx.b);
    th_assert_eq_str(after, before);
    free(after);
    /* another caller may not rebase the session */
    dk_caller other = {.token_id = "someone-else"};
    th_assert_err(dk_session_rebase(&w, t_fx.e, &other, fx.b, fb, 1, &o), DK_EFORBIDDEN);
    /* once the holder lets go, the same rebase goes through */
    th_assert_ok(dk_file_revert(t_fx.e, NULL, holder, "app.py"));
    th_assert_ok(dk_session_rebase(&w, t_fx.e, NULL, fx.b, fb, 1, &o));
    dk_write_result_free(w);
    after = t_snap(fx.b);
    th_assert(strcmp(after, before) != 0);
    free(after);
    free(before);
    free(vb);
    free(vh);
}
void test_engine_land_sqlite__rebase_refusals(void)
{
    t_rebase_refusals();
}
void test_engine_land_pg__rebase_refusals(void)
{
    t_rebase_refusals();
}

/* A write between reading the session and rebasing it refuses the rebase; none is lost. */
struct t_rb_writer {
    const char *sid;
    int n;
    /* the last content acknowledged */
    char last[64];
};

static void *t_rb_writer_run(void *arg)
{
    struct t_rb_writer *wr = arg;
    for (int i = 0; i < wr->n; i++) {
        char text[64];
        snprintf(text, sizeof(text), "note %d\n", i);
        dk_write_result *w = NULL;
        dk_write_opts wo = DK_WRITE_OPTS_INIT;
        wo.force = true;
        if (dk_file_write(&w, t_fx.e, NULL, wr->sid, "notes.txt", text, strlen(text), &wo) == DK_OK)
            snprintf(wr->last, sizeof(wr->last), "%s", text);
        dk_write_result_free(w);
    }
    return NULL;
}

static void t_rebase_concurrent_write(void)
{
    struct t_rb_fixture fx;
    t_rb_setup(&fx);
    const char *mine[NFUNCS] = {[1] = "x - 1", [3] = "x * 3"};
    char *vb = t_app(mine);
    char app_hash[41];
    t_expect(app_hash, fx.b, "app.py");

    /* written after the resolution was read: refused, the write stays */
    char *v2 = t_app_with(1, "x - 11");
    t_rb_write_force(fx.b, "app.py", v2);
    char *before = t_snap(fx.b);
    dk_rebase_file fb[] = {{.path = "app.py",
                            .action = DK_REBASE_WRITE,
                            .content = vb,
                            .len = strlen(vb),
                            .expect_hash = app_hash}};
    dk_rebase_opts o = DK_REBASE_OPTS_INIT;
    o.from_base = fx.base;
    dk_write_result *w = NULL;
    th_assert_err(dk_session_rebase(&w, t_fx.e, NULL, fx.b, fb, 1, &o), DK_ESTATE);
    th_assert(strstr(dk_error_last()->msg, "resolve again"));
    char *after = t_snap(fx.b);
    th_assert_eq_str(after, before);
    free(after);
    free(before);

    /* a writer racing the rebase on a path the resolution did not see: either
     * the write came first (rebase refused) or the rebase did (the write lands
     * on the new base); every acknowledged write is in the session */
    t_expect(app_hash, fx.b, "app.py");
    struct t_rb_writer wr = {.sid = fx.b, .n = 20};
    pthread_t th;
    pthread_create(&th, NULL, t_rb_writer_run, &wr);
    int rc = dk_session_rebase(&w, t_fx.e, NULL, fx.b, fb, 1, &o);
    pthread_join(th, NULL);
    th_assert_msg(rc == DK_OK || rc == DK_ESTATE, "%d %s", rc, dk_error_last()->msg);
    dk_write_result_free(w);
    dk_file *f = NULL;
    th_assert_ok(dk_file_read(&f, t_fx.e, NULL, fx.b, "notes.txt"));
    th_assert_eq_str(f->content, wr.last);
    dk_file_free(f);
    dk_session_info *st = th_status(&t_fx, fx.b);
    th_assert_eq_str(st->base_commit, rc == DK_OK ? t_head("demo") : fx.base);
    th_assert_eq_int(st->changeset_state, rc == DK_OK ? DK_CS_DRAFT : DK_CS_SUBMITTED);
    dk_session_infos_free(st, 1);
    th_assert_ok(dk_file_read(&f, t_fx.e, NULL, fx.b, "app.py"));
    th_assert_eq_str(f->content, rc == DK_OK ? vb : v2);
    dk_file_free(f);
    free(vb);
    free(v2);
}
void test_engine_land_sqlite__rebase_concurrent_write(void)
{
    t_rebase_concurrent_write();
}
void test_engine_land_pg__rebase_concurrent_write(void)
{
    t_rebase_concurrent_write();
}

/*
 * A submit racing a rebase of the same session. The resolution keeps the
 * session's content, so the overlay rows are the same before and after the
 * rebase: only the base tells the submitted commit is stale. Three orders
 * are clean: the submit commits first (the rebase then reopens the
 * changeset on the new base); the rebase does and the submit, having read
 * the session before, is refused; or the submit reads the session after the
 * rebase and submits on the new base. Never a changeset submitted with a
 * commit on the old base while the session and the changeset are on the
 * new one (landing would refuse it).
 */
struct t_rb_submitter {
    const char *sid;
    pthread_barrier_t *go;
    int rc;
    char msg[256];
};

static void *t_rb_submit_run(void *arg)
{
    struct t_rb_submitter *sb = arg;
    dk_changeset_info *info = NULL;
    pthread_barrier_wait(sb->go);
    sb->rc = dk_changeset_submit(&info, t_fx.e, NULL, sb->sid);
    snprintf(sb->msg, sizeof(sb->msg), "%s", sb->rc ? dk_error_last()->msg : "");
    dk_changeset_info_free(info);
    return NULL;
}

static void t_rebase_submit_race(void)
{
    enum { ROUNDS = 12 };
    int orders[3] = {0};
    for (int i = 0; i < ROUNDS; i++) {
        char agent[32], path[32], text[32], opath[32], sid[64], from[41], hash[41];
        snprintf(agent, sizeof(agent), "racer-%d", i);
        snprintf(sid, sizeof(sid), "%s", t_connect(agent));
        snprintf(path, sizeof(path), "race/%d.txt", i);
        snprintf(text, sizeof(text), "round %d\n", i);
        t_write(sid, path, text);
        snprintf(from, sizeof(from), "%s", t_head("demo"));
        /* the head moves under the session */
        const char *mover = t_connect("mover");
        snprintf(opath, sizeof(opath), "moved/%d.txt", i);
        t_write(mover, opath, "moved\n");
        t_submit(mover);
        t_land_ok(mover);
        char head[41];
        snprintf(head, sizeof(head), "%s", t_head("demo"));

        t_expect(hash, sid, path);
        dk_rebase_file f[] = {{.path = path,
                               .action = DK_REBASE_WRITE,
                               .content = text,
                               .len = strlen(text),
                               .expect_hash = hash}};
        dk_rebase_opts o = DK_REBASE_OPTS_INIT;
        o.from_base = from;
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        struct t_rb_submitter sb = {.sid = sid, .go = &go};
        pthread_t th;
        th_assert(pthread_create(&th, NULL, t_rb_submit_run, &sb) == 0);
        pthread_barrier_wait(&go);
        dk_write_result *w = NULL;
        int rc = dk_session_rebase(&w, t_fx.e, NULL, sid, f, 1, &o);
        char rmsg[256];
        snprintf(rmsg, sizeof(rmsg), "%s", rc ? dk_error_last()->msg : "");
        pthread_join(th, NULL);
        pthread_barrier_destroy(&go);
        dk_write_result_free(w);
        /* the submit changes nothing the rebase checks: the rebase always goes through */
        th_assert_msg(rc == DK_OK, "round %d: rebase %d %s", i, rc, rmsg);
        th_assert_msg(sb.rc == DK_OK || sb.rc == DK_ESTATE, "round %d: submit %d %s", i, sb.rc,
                      sb.msg);
        if (sb.rc == DK_ESTATE)
            th_assert_msg(strstr(sb.msg, "submit again"), "round %d: %s", i, sb.msg);

        /* the session and its changeset are on the new head, whatever the order */
        dk_session_info *st = th_status(&t_fx, sid);
        char cs[128];
        snprintf(cs, sizeof(cs), "%s", st->changeset_id);
        th_assert_eq_str(st->base_commit, head);
        dk_session_infos_free(st, 1);
        dk_changeset_info *ci;
        th_assert_ok(dk_changeset_get(&ci, t_fx.e, NULL, cs));
        dk_changeset_state state = ci->state;
        char submitted[41];
        snprintf(submitted, sizeof(submitted), "%s", ci->submit_commit);
        th_assert_eq_str(ci->base_commit, head);
        dk_changeset_info_free(ci);
        size_t reopened = t_events("changeset.reopened", cs);
        if (state == DK_CS_SUBMITTED) {
            /* submitted after the rebase: its commit is on the new head */
            th_assert_eq_int(sb.rc, DK_OK);
            th_assert_eq_int(reopened, 0);
            char *parent =
                th_git_out(th_engine_repo_path(&t_fx, "demo"), "rev-parse '%s^'", submitted);
            th_assert_msg(strncmp(parent, head, 40) == 0,
                          "round %d: submitted commit %.12s is on %.12s, the session on %.12s", i,
                          submitted, parent, head);
            free(parent);
            orders[2]++;
        } else {
            /* submitted first and reopened, or refused */
            th_assert_msg(state == DK_CS_DRAFT, "round %d: changeset %s is %s", i, cs,
                          dk_changeset_state_name(state));
            th_assert_eq_int(reopened, sb.rc == DK_OK ? 1 : 0);
            orders[sb.rc == DK_OK ? 0 : 1]++;
            t_submit(sid);
        }
        /* and it lands from there */
        t_land_ok(sid);
        char *landed = t_head_file("demo", path);
        th_assert_eq_str(landed, text);
        free(landed);
    }
    fprintf(stderr,
            "rebase/submit race: submit first %d, submit refused %d, submit after %d of %d\n",
            orders[0], orders[1], orders[2], ROUNDS);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_land_sqlite__rebase_submit_race(void)
{
    t_rebase_submit_race();
}
void test_engine_land_pg__rebase_submit_race(void)
{
    t_rebase_submit_race();
}
