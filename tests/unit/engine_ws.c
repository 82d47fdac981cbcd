/*
 * tests/unit/engine_ws.c - the workspace half of the engine (repositories,
 * sessions, overlays, changed symbols, claims, stale overlay, events, GC,
 * strand/resume, restart), one set of bodies run on both stores: suite
 * engine_ws_sqlite (a WAL file in the test's directory) and engine_ws_pg (a
 * fresh database on the server named by DK_TEST_PG_URL; without one every
 * engine_ws_pg test FAILS, it is never skipped).
 *
 * Repositories are real: a source repository is built with dk_git_*, then
 * imported; results are checked through the engine, the store and the git
 * CLI (`git fsck --strict`, `git clone`), used only to verify. The clock is
 * injected, so TTLs are crossed without sleeping. Worker threads never
 * assert: they count what went wrong and the main thread asserts.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>
#include <libpq-fe.h>

#include "dk/engine.h"

#include "engine/engine_int.h"
#include "harness/th.h"
#include "harness/th_engine.h"
#include "store/cache.h"
#include "util/str.h"

/* ========================================================================== */
/* Fixtures                                                                   */
/* ========================================================================== */

static th_engine t_fx;
static _Atomic int64_t t_clock;
static dk_oid t_base;

#define T0        1700000000000LL
#define IDLE_MS   600000LL
#define MAX_MS    7200000LL
#define STRAND_MS 1800000LL

static int64_t t_clock_fn(void *ud)
{
    (void)ud;
    return atomic_load(&t_clock);
}

static void t_advance(int64_t ms)
{
    atomic_fetch_add(&t_clock, ms);
}

static const char TASKS_PY[] = "class Tasks:\n"
                               "    \"\"\"Task list.\"\"\"\n"
                               "\n"
                               "    def create_task(self, name):\n"
                               "        return name\n"
                               "\n"
                               "    def delete_task(self, name):\n"
                               "        return None\n"
                               "\n"
                               "\n"
                               "def helper(x):\n"
                               "    return x + 1\n"
                               "\n"
                               "\n"
                               "def other(y):\n"
                               "    return y * 2\n";

static const char LIB_RS[] = "pub fn greet() -> &'static str {\n    \"hello\"\n}\n";

/* The source repository: main (two commits), a branch "feature", a tag "v1". */
static void t_make_source(void)
{
    dk_git_repo *g = th_engine_src(&t_fx);
    th_file f1[] = {
        {"README.md", "hello\n", 0},
        {"src/tasks.py", TASKS_PY, 0},
        {"src/lib.rs", LIB_RS, 0},
        {"bin/run", "#!/bin/sh\necho hi\n", DK_GIT_MODE_EXEC},
    };
    dk_oid c1 = th_commit_on(g, "main", f1, 4, "first\n");
    th_file f2[] = {{"docs/notes.txt", "notes\n", 0}};
    dk_oid c2 = th_commit_on(g, "main", f2, 1, "second\n");
    th_file f3[] = {{"feature.txt", "feature\n", 0}};
    dk_oid cf = th_commit(g, &c2, f3, 1, "feature\n");
    th_assert_ok(dk_git_branch_cas(g, "feature", NULL, &cf, NULL));
    git_oid tag;
    memcpy(tag.id, c1.id, 20);
    git_reference *ref = NULL;
    th_assert(git_reference_create(&ref, dk_git_repo_raw(g), "refs/tags/v1", &tag, 0, NULL) == 0);
    git_reference_free(ref);
    /* an annotated tag of the feature branch's tip */
    git_object *target = NULL;
    git_signature *sig = NULL;
    git_oid v2, tip;
    memcpy(tip.id, cf.id, 20);
    th_assert(git_object_lookup(&target, dk_git_repo_raw(g), &tip, GIT_OBJECT_COMMIT) == 0);
    th_assert(git_signature_new(&sig, "T", "t@example.com", 1700000000, 0) == 0);
    th_assert(git_tag_create(&v2, dk_git_repo_raw(g), "v2", target, sig, "release 2\n", 0) == 0);
    git_signature_free(sig);
    git_object_free(target);
    dk_git_repo_close(g);
    t_base = c2;
}

static void t_open(void)
{
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.idle_ttl_ms = IDLE_MS;
    o.max_ttl_ms = MAX_MS;
    o.strand_ttl_ms = STRAND_MS;
    o.clock_ms = t_clock_fn;
    th_engine_open(&t_fx, &o);
}

static void t_reopen(void)
{
    th_engine_close(&t_fx);
    t_open();
}

static void t_setup(const char *pg_prefix)
{
    atomic_store(&t_clock, T0);
    th_engine_store(&t_fx, pg_prefix);
    t_make_source();
    t_open();
    th_assert_ok(dk_repo_import(t_fx.e, "demo", t_fx.src, NULL));
}

void test_engine_ws_sqlite__initialize(void)
{
    t_setup(NULL);
}

void test_engine_ws_sqlite__cleanup(void)
{
    th_engine_done(&t_fx);
}

void test_engine_ws_pg__initialize(void)
{
    t_setup("dk_e");
}

void test_engine_ws_pg__cleanup(void)
{
    th_engine_done(&t_fx);
}

/* Both suites run the same bodies: test_engine_ws_{sqlite,pg}__<name> call t_<name>. */

/* ---- helpers ------------------------------------------------------------ */

/* Connect to "demo" as agent `agent_id`; returns the session id (static slot). */
static const char *t_connect_as(const dk_caller *caller, const char *agent_id, const char *name)
{
    return th_connect(&t_fx, caller, "demo", agent_id, name, "test work");
}

static const char *t_connect(const char *agent_id)
{
    return t_connect_as(NULL, agent_id, NULL);
}

static int t_write(const char *sid, const char *path, const char *text)
{
    dk_write_result *r = NULL;
    int rc = dk_file_write(&r, t_fx.e, NULL, sid, path, text, strlen(text), NULL);
    dk_write_result_free(r);
    return rc;
}

static char *t_read(const char *sid, const char *path)
{
    dk_file *f;
    th_assert_ok(dk_file_read(&f, t_fx.e, NULL, sid, path));
    char *s = strdup(f->content);
    dk_file_free(f);
    return s;
}

/* Replace the first `from` in `text` by `to`. */
static char *t_replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    th_assert_msg(at, "fixture has no '%s'", from);
    dk_str s = DK_STR_INIT;
    dk_str_add(&s, text, (size_t)(at - text));
    dk_str_adds(&s, to);
    dk_str_adds(&s, at + strlen(from));
    return dk_str_detach(&s, NULL);
}

static char *t_tasks_with(const char *from, const char *to)
{
    return t_replace(TASKS_PY, from, to);
}

static char *t_changeset_of(const char *sid)
{
    dk_session_info *info;
    th_assert_ok(dk_session_status(&info, t_fx.e, NULL, sid));
    char *cs = strdup(info->changeset_id);
    dk_session_infos_free(info, 1);
    return cs;
}

/* Mark a session's changeset submitted at the engine's clock (what submit does to the row). */
static void t_mark_submitted(const char *sid)
{
    char *cs = t_changeset_of(sid);
    char now[32];
    snprintf(now, sizeof(now), "%lld", (long long)atomic_load(&t_clock));
    dk_store_conn *c;
    th_assert_ok(dk_store_acquire(&c, dk_eng_store(t_fx.e)));
    dk_store_val p[] = {DK_SV_INT(atomic_load(&t_clock)), DK_SV_TEXT(cs)};
    int rc = dk_store_exec(
        c, NULL, "UPDATE changesets SET state = 'submitted', updated_at = ? WHERE id = ?", p, 2);
    dk_store_release(c);
    free(cs);
    th_assert_ok(rc);
}

static int64_t t_last_event(void)
{
    return th_count(&t_fx, "SELECT event_seq FROM repos WHERE name = ?", "demo");
}

/* ========================================================================== */
/* Repositories                                                               */
/* ========================================================================== */

static void t_repos(void)
{
    dk_repo_info *infos;
    size_t n;
    th_assert_ok(dk_repo_init(t_fx.e, "empty", NULL));
    th_assert_err(dk_repo_init(t_fx.e, "empty", NULL), DK_EEXISTS);
    th_assert_err(dk_repo_init(t_fx.e, "bad/name", NULL), DK_EINVALID);
    th_assert_err(dk_repo_init(t_fx.e, "..", NULL), DK_EINVALID);
    th_assert_err(dk_repo_init(t_fx.e, "x", "bad..branch"), DK_EINVALID);
    th_assert_err(dk_repo_import(t_fx.e, "demo", t_fx.src, NULL), DK_EEXISTS);
    th_assert_err(dk_repo_import(t_fx.e, "nosrc", "/nonexistent/dir", NULL), DK_ENOTFOUND);
    th_assert_err(dk_repo_import(t_fx.e, "nobranch", t_fx.src, "nope"), DK_ENOTFOUND);
    th_assert_ok(dk_repo_list(&infos, &n, t_fx.e));
    th_assert_eq_int(n, 2);
    th_assert_eq_str(infos[0].name, "demo");
    th_assert_eq_str(infos[0].branch, "main");
    char hex[41];
    dk_oid_to_hex(hex, &t_base);
    th_assert_eq_str(infos[0].head, hex);
    th_assert_eq_str(infos[1].name, "empty");
    th_assert_eq_str(infos[1].head, "");
    /* dk's repositories are never auto-gc'd */
    char *cfg = th_git_out(infos[0].path, "config gc.auto");
    th_assert_eq_str(cfg, "0\n");
    free(cfg);
    /* git clone gets every branch, the tag and the history */
    char *out = th_git_out(".", "clone -q --bare '%s' '%s/clone.git'", infos[0].path, th_tmpdir());
    free(out);
    out = th_git_out(th_tmpdir(), "-C clone.git for-each-ref --format='%%(refname)'");
    th_assert_eq_str(out, "refs/heads/feature\nrefs/heads/main\nrefs/tags/v1\nrefs/tags/v2\n");
    free(out);
    out = th_git_out(th_tmpdir(), "-C clone.git cat-file -t v2");
    th_assert_eq_str(out, "tag\n");
    free(out);
    out = th_git_out(th_tmpdir(), "-C clone.git rev-list --count main");
    th_assert_eq_str(out, "2\n");
    free(out);
    out = th_git_out(th_tmpdir(), "-C clone.git symbolic-ref HEAD");
    th_assert_eq_str(out, "refs/heads/main\n");
    free(out);
    dk_repo_infos_free(infos, n);
    /* a target branch other than the source's default */
    th_assert_ok(dk_repo_import(t_fx.e, "demo2", t_fx.src, "feature"));
    dk_repo_info *d2;
    th_assert_ok(dk_repo_get(&d2, t_fx.e, "demo2"));
    th_assert_eq_str(d2->branch, "feature");
    th_assert(d2->head[0]);
    dk_repo_infos_free(d2, 1);
    th_assert_err(dk_repo_get(&d2, t_fx.e, "nope"), DK_ENOTFOUND);
    /* registered repositories survive a restart */
    t_reopen();
    th_assert_ok(dk_repo_list(&infos, &n, t_fx.e));
    th_assert_eq_int(n, 3);
    dk_repo_infos_free(infos, n);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_ws_sqlite__repos(void)
{
    t_repos();
}

void test_engine_ws_pg__repos(void)
{
    t_repos();
}

/* ========================================================================== */
/* Sessions                                                                   */
/* ========================================================================== */

static void t_connect_list(void)
{
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    dk_session_info *info;
    th_assert_err(dk_session_connect(&info, t_fx.e, NULL, &o), DK_EINVALID);
    o.repo = "demo";
    o.agent_id = "claude";
    th_assert_err(dk_session_connect(&info, t_fx.e, NULL, &o), DK_EINVALID);
    o.intent = "fix bug";
    o.repo = "nope";
    th_assert_err(dk_session_connect(&info, t_fx.e, NULL, &o), DK_ENOTFOUND);
    o.repo = "demo";
    o.base_commit = "0123456789012345678901234567890123456789";
    th_assert_err(dk_session_connect(&info, t_fx.e, NULL, &o), DK_ENOTFOUND);
    th_assert_eq_int(dk_session_active_count(t_fx.e, NULL), 0);
    /* the refusals took no agent number */
    o.base_commit = NULL;
    th_assert_ok(dk_session_connect(&info, t_fx.e, NULL, &o));
    th_assert_eq_str(info->agent_name, "agent-1");
    th_assert_eq_str(info->agent_id, "claude");
    th_assert_eq_str(info->intent, "fix bug");
    th_assert_eq_str(info->repo, "demo");
    th_assert_eq_int(info->state, DK_SESSION_ACTIVE);
    th_assert_eq_int(info->changeset_state, DK_CS_DRAFT);
    char hex[41];
    dk_oid_to_hex(hex, &t_base);
    th_assert_eq_str(info->base_commit, hex);
    th_assert(info->changeset_id && info->changeset_id[0]);
    char first[64];
    snprintf(first, sizeof(first), "%s", info->session_id);
    dk_session_infos_free(info, 1);
    t_advance(5000);
    o.agent_name = "reviewer";
    o.base_commit = "main~1";
    th_assert_ok(dk_session_connect(&info, t_fx.e, NULL, &o));
    th_assert_eq_str(info->agent_name, "reviewer");
    th_assert(strcmp(info->base_commit, hex) != 0);
    dk_session_infos_free(info, 1);
    t_advance(5000);
    const char *third = t_connect("codex");
    th_assert_eq_int(dk_session_active_count(t_fx.e, "demo"), 3);
    th_assert_eq_int(dk_session_active_count(t_fx.e, NULL), 3);
    th_assert_eq_int(dk_session_active_count(t_fx.e, "other"), 0);
    dk_session_info *list;
    size_t n;
    th_assert_ok(dk_session_list(&list, &n, t_fx.e, "demo"));
    th_assert_eq_int(n, 3);
    th_assert_eq_str(list[0].session_id, first);
    th_assert_eq_int(list[0].elapsed_s, 10);
    th_assert_eq_str(list[1].agent_name, "reviewer");
    th_assert_eq_str(list[2].session_id, third);
    th_assert_eq_str(list[2].agent_name, "agent-2");
    th_assert_eq_int(list[2].elapsed_s, 0);
    dk_session_infos_free(list, n);
    th_assert_ok(dk_session_list(&list, &n, t_fx.e, "nope"));
    th_assert_eq_int(n, 0);
    dk_session_infos_free(list, n);
    /* the seed's active_sessions_for_repo */
    char **ids;
    th_assert_ok(dk_session_active_ids(&ids, &n, t_fx.e, "demo", first));
    th_assert_eq_int(n, 2);
    th_assert_eq_str(ids[1], third);
    dk_session_ids_free(ids, n);
    th_assert_ok(dk_session_active_ids(&ids, &n, t_fx.e, "demo", NULL));
    th_assert_eq_int(n, 3);
    th_assert_eq_str(ids[0], first);
    dk_session_ids_free(ids, n);
    th_assert_err(dk_session_active_ids(&ids, &n, t_fx.e, "nope", NULL), DK_ENOTFOUND);
    /* agent names count per repository */
    th_assert_ok(dk_repo_import(t_fx.e, "demo2", t_fx.src, NULL));
    o.repo = "demo2";
    o.agent_name = NULL;
    th_assert_ok(dk_session_connect(&info, t_fx.e, NULL, &o));
    th_assert_eq_str(info->agent_name, "agent-1");
    dk_session_infos_free(info, 1);
    o.repo = "demo";
    th_assert_ok(dk_session_connect(&info, t_fx.e, NULL, &o));
    th_assert_eq_str(info->agent_name, "agent-3");
    dk_session_infos_free(info, 1);
    /* events: one session.connected per session */
    dk_event *ev;
    int64_t oldest = -1;
    th_assert_ok(dk_events_watch(&ev, &n, &oldest, t_fx.e, "demo", 0, "session.*", 10, 0));
    th_assert_eq_int(n, 4);
    th_assert_eq_int(oldest, 1);
    th_assert_eq_str(ev[0].type, "session.connected");
    th_assert_eq_str(ev[0].session_id, first);
    th_assert_eq_str(ev[0].agent, "agent-1");
    th_assert_eq_int(ev[0].id, 1);
    th_assert(strstr(ev[0].payload, "\"intent\":\"fix bug\""));
    dk_events_free(ev, n);
    /* status of an unknown session */
    th_assert_err(dk_session_status(&info, t_fx.e, NULL, "nope"), DK_ENOSESSION);
}
void test_engine_ws_sqlite__connect_list(void)
{
    t_connect_list();
}

void test_engine_ws_pg__connect_list(void)
{
    t_connect_list();
}

/* dkod §12.3 scenarios 1, 2 and 4: isolation, overlay over base, listings. */
static void t_isolation(void)
{
    const char *a = t_connect("a");
    const char *b = t_connect("b");
    th_assert_ok(t_write(a, "src/lib.rs", "pub fn greet() -> &'static str {\n    \"hi\"\n}\n"));
    th_assert_ok(t_write(b, "src/farewell.rs", "pub fn bye() {}\n"));
    char *s = t_read(a, "src/lib.rs");
    th_assert(strstr(s, "\"hi\""));
    free(s);
    s = t_read(b, "src/lib.rs");
    th_assert_eq_str(s, LIB_RS);
    free(s);
    dk_file *f;
    th_assert_ok(dk_file_read(&f, t_fx.e, NULL, a, "src/lib.rs"));
    th_assert(f->modified_in_session);
    th_assert_eq_int(f->mode, DK_GIT_MODE_FILE);
    dk_file_free(f);
    th_assert_ok(dk_file_read(&f, t_fx.e, NULL, b, "bin/run"));
    th_assert(!f->modified_in_session);
    th_assert_eq_int(f->mode, DK_GIT_MODE_EXEC);
    dk_file_free(f);
    s = t_read(b, "src/farewell.rs");
    th_assert_eq_str(s, "pub fn bye() {}\n");
    free(s);
    th_assert_err(dk_file_read(&f, t_fx.e, NULL, a, "src/farewell.rs"), DK_ENOTFOUND);
    /* delete hides a base file; listings are base + added/modified - deleted, sorted */
    dk_write_result *r;
    th_assert_ok(dk_file_delete(&r, t_fx.e, NULL, b, "README.md"));
    th_assert_eq_str(r->hash, "");
    dk_write_result_free(r);
    th_assert_err(dk_file_read(&f, t_fx.e, NULL, b, "README.md"), DK_ENOTFOUND);
    th_assert_err(dk_file_delete(&r, t_fx.e, NULL, b, "README.md"), DK_ENOTFOUND);
    dk_file_entry *l;
    size_t n;
    th_assert_ok(dk_file_list(&l, &n, t_fx.e, NULL, b, NULL, false));
    const char *want[] = {"bin/run", "docs/notes.txt", "src/farewell.rs", "src/lib.rs",
                          "src/tasks.py"};
    th_assert_eq_int(n, 5);
    for (size_t i = 0; i < n; i++)
        th_assert_eq_str(l[i].path, want[i]);
    th_assert_eq_int(l[2].status, DK_FILE_ADDED);
    th_assert_eq_int(l[0].status, DK_FILE_UNCHANGED);
    /* a's change to src/lib.rs shows in b's listing */
    th_assert_eq_str(l[3].other_modifiers, "greet modified by agent-1");
    th_assert_eq_str(l[4].other_modifiers, "");
    dk_file_entries_free(l, n);
    th_assert_ok(dk_file_list(&l, &n, t_fx.e, NULL, b, NULL, true));
    th_assert_eq_int(n, 2);
    th_assert_eq_str(l[0].path, "README.md");
    th_assert_eq_int(l[0].status, DK_FILE_DELETED);
    th_assert_eq_str(l[1].path, "src/farewell.rs");
    th_assert_eq_int(l[1].status, DK_FILE_ADDED);
    dk_file_entries_free(l, n);
    th_assert_ok(dk_file_list(&l, &n, t_fx.e, NULL, a, "src/", false));
    th_assert_eq_int(n, 2);
    th_assert_eq_str(l[0].path, "src/lib.rs");
    th_assert_eq_int(l[0].status, DK_FILE_MODIFIED);
    th_assert_eq_str(l[1].path, "src/tasks.py");
    dk_file_entries_free(l, n);
    th_assert_err(dk_file_list(&l, &n, t_fx.e, NULL, a, "../", false), DK_EINVALID);
    /* a prefix is bytes, not only directories; a file or nothing lists nothing */
    th_assert_ok(dk_file_list(&l, &n, t_fx.e, NULL, b, "src/fa", false));
    th_assert_eq_int(n, 1);
    th_assert_eq_str(l[0].path, "src/farewell.rs");
    dk_file_entries_free(l, n);
    th_assert_ok(dk_file_list(&l, &n, t_fx.e, NULL, b, "s", false));
    th_assert_eq_int(n, 3);
    dk_file_entries_free(l, n);
    th_assert_ok(dk_file_list(&l, &n, t_fx.e, NULL, b, "docs/notes.txt", false));
    th_assert_eq_int(n, 1);
    dk_file_entries_free(l, n);
    th_assert_ok(dk_file_list(&l, &n, t_fx.e, NULL, b, "nope/", false));
    th_assert_eq_int(n, 0);
    dk_file_entries_free(l, n);
    th_assert_ok(dk_file_list(&l, &n, t_fx.e, NULL, b, "bin/run/", false));
    th_assert_eq_int(n, 0);
    dk_file_entries_free(l, n);
    /* rewriting a path replaces its entry; writing the base's bytes back drops it */
    th_assert_ok(t_write(b, "src/farewell.rs", "pub fn bye() { }\n"));
    s = t_read(b, "src/farewell.rs");
    th_assert_eq_str(s, "pub fn bye() { }\n");
    free(s);
    th_assert_ok(t_write(a, "src/lib.rs", LIB_RS));
    th_assert_ok(dk_file_list(&l, &n, t_fx.e, NULL, a, NULL, true));
    th_assert_eq_int(n, 0);
    dk_file_entries_free(l, n);
    /* revert: back to the base */
    th_assert_ok(dk_file_revert(t_fx.e, NULL, b, "README.md"));
    s = t_read(b, "README.md");
    th_assert_eq_str(s, "hello\n");
    free(s);
    th_assert_err(dk_file_revert(t_fx.e, NULL, b, "README.md"), DK_ENOTFOUND);
    /* deleting an added file forgets it */
    th_assert_ok(dk_file_delete(&r, t_fx.e, NULL, b, "src/farewell.rs"));
    dk_write_result_free(r);
    th_assert_err(dk_file_read(&f, t_fx.e, NULL, b, "src/farewell.rs"), DK_ENOTFOUND);
    th_assert_ok(dk_file_list(&l, &n, t_fx.e, NULL, b, NULL, true));
    th_assert_eq_int(n, 0);
    dk_file_entries_free(l, n);
    /* modes: an executable write keeps its mode, and the hash is git's blob id */
    dk_write_opts wo = DK_WRITE_OPTS_INIT;
    wo.mode = DK_GIT_MODE_EXEC;
    th_assert_ok(dk_file_write(&r, t_fx.e, NULL, a, "tools/x.run", "echo\n", 5, &wo));
    dk_oid id;
    char hex[41];
    th_assert_ok(dk_git_blob_id(&id, "echo\n", 5));
    dk_oid_to_hex(hex, &id);
    th_assert_eq_str(r->hash, hex);
    th_assert(r->is_new);
    th_assert(r->unparsed);
    dk_write_result_free(r);
    th_assert_ok(dk_file_read(&f, t_fx.e, NULL, a, "tools/x.run"));
    th_assert_eq_int(f->mode, DK_GIT_MODE_EXEC);
    th_assert_eq_str(f->hash, hex);
    dk_file_free(f);
    /* mode 0 keeps the current mode */
    th_assert_ok(t_write(a, "tools/x.run", "echo 2\n"));
    th_assert_ok(dk_file_read(&f, t_fx.e, NULL, a, "tools/x.run"));
    th_assert_eq_int(f->mode, DK_GIT_MODE_EXEC);
    dk_file_free(f);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_ws_sqlite__isolation(void)
{
    t_isolation();
}

void test_engine_ws_pg__isolation(void)
{
    t_isolation();
}

/* ========================================================================== */
/* Refusals: each with its message, each changing nothing                     */
/* ========================================================================== */

/* What a refusal must leave as it was. */
struct snapshot {
    int64_t events, overlay, symbols, claims, sessions;
};

static struct snapshot t_snap(void)
{
    struct snapshot s = {
        .events = t_last_event(),
        .overlay = th_count(&t_fx, "SELECT COUNT(*) FROM overlay", NULL),
        .symbols = th_count(&t_fx, "SELECT COUNT(*) FROM session_symbols", NULL),
        .claims = th_count(&t_fx, "SELECT COUNT(*) FROM claims", NULL),
        .sessions = th_count(&t_fx, "SELECT COUNT(*) FROM sessions", NULL),
    };
    return s;
}

static void t_same(struct snapshot a)
{
    struct snapshot b = t_snap();
    th_assert_eq_int(b.events, a.events);
    th_assert_eq_int(b.overlay, a.overlay);
    th_assert_eq_int(b.symbols, a.symbols);
    th_assert_eq_int(b.claims, a.claims);
    th_assert_eq_int(b.sessions, a.sessions);
}

#define REFUSED(call, code, text)                                                                  \
    do {                                                                                           \
        struct snapshot snap_ = t_snap();                                                          \
        th_assert_err(call, code);                                                                 \
        th_assert_msg(strstr(dk_error_last()->msg, text), "message '%s' lacks '%s'",               \
                      dk_error_last()->msg, text);                                                 \
        t_same(snap_);                                                                             \
    } while (0)

static void t_refusals(void)
{
    dk_caller owner = {.token_id = "tok-1"}, other = {.token_id = "tok-2"},
              admin = {.token_id = "root", .admin = true};
    const char *sid = t_connect_as(&owner, "a", NULL);
    th_assert_ok(t_write(sid, "src/lib.rs", "pub fn greet() {}\n"));
    dk_write_result *r = NULL;
    REFUSED(dk_file_write(&r, t_fx.e, NULL, sid, "../x", "x", 1, NULL), DK_EINVALID, "");
    th_assert(r == NULL);
    REFUSED(dk_file_write(&r, t_fx.e, NULL, sid, "/abs", "x", 1, NULL), DK_EINVALID, "");
    REFUSED(dk_file_write(&r, t_fx.e, NULL, sid, "a//b", "x", 1, NULL), DK_EINVALID, "");
    REFUSED(dk_file_write(&r, t_fx.e, NULL, sid, "", "x", 1, NULL), DK_EINVALID, "");
    REFUSED(dk_file_write(&r, t_fx.e, NULL, sid, ".git/config", "x", 1, NULL), DK_EINVALID, ".git");
    REFUSED(dk_file_write(&r, t_fx.e, NULL, sid, "sub/.GIT/hooks/x", "x", 1, NULL), DK_EINVALID,
            ".git");
    REFUSED(dk_file_write(&r, t_fx.e, NULL, sid, "README.md/x", "x", 1, NULL), DK_EINVALID,
            "'README.md' is a file");
    th_assert_ok(t_write(sid, "newdir/a.txt", "a\n"));
    REFUSED(dk_file_write(&r, t_fx.e, NULL, sid, "newdir", "x", 1, NULL), DK_EINVALID,
            "is a directory");
    th_assert_ok(dk_file_revert(t_fx.e, NULL, sid, "newdir/a.txt"));
    REFUSED(dk_file_write(&r, t_fx.e, NULL, sid, "src", "x", 1, NULL), DK_EINVALID, "directory");
    size_t big = (size_t)DK_ENGINE_MAX_FILE + 1;
    char *huge = calloc(1, big);
    th_assert(huge);
    REFUSED(dk_file_write(&r, t_fx.e, NULL, sid, "big.bin", huge, big, NULL), DK_ELIMIT, "50 MiB");
    free(huge);
    dk_write_opts wo = DK_WRITE_OPTS_INIT;
    wo.mode = 0100600;
    REFUSED(dk_file_write(&r, t_fx.e, NULL, sid, "x", "x", 1, &wo), DK_EINVALID, "mode");
    REFUSED(dk_file_write(&r, t_fx.e, NULL, "no-such-session", "x", "x", 1, NULL), DK_ENOSESSION,
            "not found");
    REFUSED(dk_file_write(&r, t_fx.e, &other, sid, "x", "x", 1, NULL), DK_EFORBIDDEN,
            "another caller");
    dk_file *f;
    REFUSED(dk_file_read(&f, t_fx.e, &other, sid, "README.md"), DK_EFORBIDDEN, "another caller");
    REFUSED(dk_file_read(&f, t_fx.e, NULL, sid, "nope.txt"), DK_ENOTFOUND, "nope.txt");
    REFUSED(dk_file_revert(t_fx.e, &other, sid, "src/lib.rs"), DK_EFORBIDDEN, "another caller");
    REFUSED(dk_session_close(t_fx.e, &other, sid), DK_EFORBIDDEN, "another caller");
    REFUSED(dk_session_abandon(t_fx.e, &other, sid, NULL), DK_EFORBIDDEN, "another caller");
    dk_session_info *info;
    REFUSED(dk_session_status(&info, t_fx.e, &other, sid), DK_EFORBIDDEN, "another caller");
    dk_changed_symbol *cs;
    size_t n;
    REFUSED(dk_session_changes(&cs, &n, t_fx.e, &other, sid), DK_EFORBIDDEN, "another caller");
    dk_file_entry *l;
    REFUSED(dk_file_list(&l, &n, t_fx.e, &other, sid, NULL, false), DK_EFORBIDDEN,
            "another caller");
    /* the local trusted caller and an admin may act; the owner too */
    th_assert_ok(dk_file_read(&f, t_fx.e, &owner, sid, "src/lib.rs"));
    dk_file_free(f);
    th_assert_ok(dk_file_read(&f, t_fx.e, &admin, sid, "src/lib.rs"));
    dk_file_free(f);
    th_assert_ok(dk_session_status(&info, t_fx.e, &admin, sid));
    th_assert_eq_int(info->files_changed, 1);
    dk_session_infos_free(info, 1);
    /* binary content is stored, not parsed */
    const char bin[] = {'a', 0, 'b', (char)0xff};
    th_assert_ok(dk_file_write(&r, t_fx.e, &owner, sid, "blob.py", bin, sizeof(bin), NULL));
    th_assert(r->unparsed);
    th_assert_eq_int(r->nsymbols, 0);
    dk_write_result_free(r);
    th_assert_ok(dk_file_read(&f, t_fx.e, NULL, sid, "blob.py"));
    th_assert_eq_int(f->len, sizeof(bin));
    th_assert(memcmp(f->content, bin, sizeof(bin)) == 0);
    dk_file_free(f);
    /* a session of a caller cannot be closed by anyone else, but by its owner */
    th_assert_ok(dk_session_close(t_fx.e, &owner, sid));
    REFUSED(dk_file_read(&f, t_fx.e, &owner, sid, "README.md"), DK_ENOSESSION, "is closed");
    REFUSED(dk_file_read(&f, t_fx.e, &owner, "no-such-id", "README.md"), DK_ENOSESSION,
            "not found");
    /* its status still answers, from the store */
    th_assert_ok(dk_session_status(&info, t_fx.e, &owner, sid));
    th_assert_eq_int(info->state, DK_SESSION_CLOSED);
    th_assert_eq_int(info->changeset_state, DK_CS_CLOSED);
    dk_session_infos_free(info, 1);
    REFUSED(dk_session_status(&info, t_fx.e, &other, sid), DK_EFORBIDDEN, "another caller");
}
void test_engine_ws_sqlite__refusals(void)
{
    t_refusals();
}

void test_engine_ws_pg__refusals(void)
{
    t_refusals();
}

/* ========================================================================== */
/* Changed symbols and claims                                                 */
/* ========================================================================== */

static bool t_has_sym(const dk_write_result *r, const char *qname, dk_symbol_change ch)
{
    for (size_t i = 0; i < r->nsymbols; i++)
        if (strcmp(r->symbols[i].qualified_name, qname) == 0 && r->symbols[i].change == ch)
            return true;
    return false;
}

static void t_symbols_claims(void)
{
    const char *a = t_connect("a");
    const char *b = t_connect("b");
    dk_write_result *r;
    /* a and b edit different methods of one class: both go through */
    char *ta = t_tasks_with("return name", "return name.strip()");
    th_assert_ok(dk_file_write(&r, t_fx.e, NULL, a, "src/tasks.py", ta, strlen(ta), NULL));
    th_assert_eq_int(r->nsymbols, 1);
    th_assert(t_has_sym(r, "Tasks.create_task", DK_CHANGE_MODIFIED));
    th_assert_eq_str(r->symbols[0].kind, "method");
    th_assert(!r->is_new);
    th_assert(!r->unparsed);
    dk_write_result_free(r);
    char *tb = t_tasks_with("return None", "return False");
    th_assert_ok(dk_file_write(&r, t_fx.e, NULL, b, "src/tasks.py", tb, strlen(tb), NULL));
    th_assert_eq_int(r->nsymbols, 1);
    th_assert(t_has_sym(r, "Tasks.delete_task", DK_CHANGE_MODIFIED));
    dk_write_result_free(r);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims", NULL), 2);
    /* b now touches a's method too: refused whole, holder and since named, nothing stored */
    t_advance(1000);
    char *tb2 = t_replace(tb, "return name", "return name.lower()");
    struct snapshot snap = t_snap();
    th_assert_err(dk_file_write(&r, t_fx.e, NULL, b, "src/tasks.py", tb2, strlen(tb2), NULL),
                  DK_ECONFLICT);
    th_assert(strstr(dk_error_last()->msg, "Tasks.create_task"));
    th_assert(strstr(dk_error_last()->msg, "agent-1"));
    th_assert_eq_int(r->nclaims, 1);
    th_assert_eq_str(r->claims[0].qualified_name, "Tasks.create_task");
    th_assert_eq_str(r->claims[0].holder_agent, "agent-1");
    th_assert_eq_str(r->claims[0].holder_session, a);
    th_assert_eq_str(r->claims[0].path, "src/tasks.py");
    th_assert_eq_int(r->claims[0].since_ms, T0);
    dk_write_result_free(r);
    t_same(snap);
    char *s = t_read(b, "src/tasks.py");
    th_assert_eq_str(s, tb);
    free(s);
    /* a class's own text: its docstring changed -> the class is modified */
    char *tc = t_tasks_with("Task list.", "All tasks.");
    th_assert_ok(dk_file_write(&r, t_fx.e, NULL, a, "src/tasks.py", tc, strlen(tc), NULL));
    th_assert_eq_int(r->nsymbols, 1);
    th_assert(t_has_sym(r, "Tasks", DK_CHANGE_MODIFIED));
    dk_write_result_free(r);
    /* a no longer changes create_task: its claim went, b can take it now */
    th_assert_ok(dk_file_write(&r, t_fx.e, NULL, b, "src/tasks.py", tb2, strlen(tb2), NULL));
    th_assert_eq_int(r->nsymbols, 2);
    dk_write_result_free(r);
    /* b holds delete_task, create_task; a holds Tasks (the class) -- no overlap */
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims", NULL), 3);
    /* added and deleted functions; the file's whole symbol set */
    char *td = t_tasks_with("def other(y):\n    return y * 2\n", "def fresh(z):\n    return z\n");
    th_assert_ok(dk_file_write(&r, t_fx.e, NULL, a, "src/tasks.py", td, strlen(td), NULL));
    th_assert(t_has_sym(r, "fresh", DK_CHANGE_ADDED));
    th_assert(t_has_sym(r, "other", DK_CHANGE_DELETED));
    th_assert_eq_int(r->nsymbols, 2);
    dk_write_result_free(r);
    /* deleting the file deletes every symbol: create_task is b's -> refused */
    th_assert_err(dk_file_delete(&r, t_fx.e, NULL, a, "src/tasks.py"), DK_ECONFLICT);
    th_assert_eq_int(r->nclaims, 2);
    dk_write_result_free(r);
    /* session changes, sorted by path then name */
    dk_changed_symbol *cs;
    size_t n;
    th_assert_ok(dk_session_changes(&cs, &n, t_fx.e, NULL, b));
    th_assert_eq_int(n, 2);
    th_assert_eq_str(cs[0].qualified_name, "Tasks.create_task");
    th_assert_eq_str(cs[1].qualified_name, "Tasks.delete_task");
    dk_changed_symbols_free(cs, n);
    /* events: claim.acquired per path listing names; the refused write left none */
    dk_event *ev;
    th_assert_ok(dk_events_watch(&ev, &n, NULL, t_fx.e, "demo", 0, "claim.*", 100, 0));
    th_assert(n >= 3);
    th_assert_eq_str(ev[0].type, "claim.acquired");
    th_assert(strstr(ev[0].payload, "\"symbols\":[\"Tasks.create_task\"]"));
    bool released = false;
    for (size_t i = 0; i < n; i++)
        released |= strcmp(ev[i].type, "claim.released") == 0 &&
                    strstr(ev[i].payload, "Tasks.create_task") != NULL;
    th_assert(released);
    dk_events_free(ev, n);
    /* close releases b's claims: a can delete the file now */
    th_assert_ok(dk_session_close(t_fx.e, NULL, b));
    th_assert_ok(dk_file_delete(&r, t_fx.e, NULL, a, "src/tasks.py"));
    th_assert(t_has_sym(r, "Tasks.create_task", DK_CHANGE_DELETED));
    th_assert(t_has_sym(r, "helper", DK_CHANGE_DELETED));
    dk_write_result_free(r);
    /* unparsed content: no symbols; the claims of the path stay as they were */
    int64_t held = th_count(&t_fx, "SELECT COUNT(*) FROM claims", NULL);
    th_assert_ok(dk_file_write(&r, t_fx.e, NULL, a, "src/tasks.py", "def (:\n", 8, NULL));
    th_assert(r->unparsed);
    th_assert_eq_int(r->nsymbols, 0);
    dk_write_result_free(r);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims", NULL), held);
    free(ta);
    free(tb);
    free(tb2);
    free(tc);
    free(td);
}
void test_engine_ws_sqlite__symbols_claims(void)
{
    t_symbols_claims();
}

void test_engine_ws_pg__symbols_claims(void)
{
    t_symbols_claims();
}

/* A dead holder's claim is taken over; a persistent holder is never idle. */
static void t_claim_lease(void)
{
    const char *a = t_connect("a");
    const char *b = t_connect("b");
    char *t1 = t_tasks_with("return x + 1", "return x + 2");
    char *t2 = t_tasks_with("return x + 1", "return x + 3");
    th_assert_ok(t_write(a, "src/tasks.py", t1));
    th_assert_err(t_write(b, "src/tasks.py", t2), DK_ECONFLICT);
    /* a goes quiet past its idle TTL while b keeps working: a's lease is over */
    t_advance(IDLE_MS / 2);
    th_assert_ok(t_write(b, "README.md", "x\n"));
    t_advance(IDLE_MS / 2 + 1000);
    th_assert_ok(t_write(b, "src/tasks.py", t2));
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", b), 1);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", a), 0);
    free(t1);
    free(t2);
}
void test_engine_ws_sqlite__claim_lease(void)
{
    t_claim_lease();
}

void test_engine_ws_pg__claim_lease(void)
{
    t_claim_lease();
}

/* ========================================================================== */
/* describe_other_modifiers                                                   */
/* ========================================================================== */

static void t_describe(void)
{
    const char *a = t_connect("a");
    const char *b = t_connect("b");
    t_advance(1);
    const char *c = t_connect("c");
    char *out;
    th_assert_ok(dk_session_describe_other_modifiers(&out, t_fx.e, "demo", "src/tasks.py", a));
    th_assert_eq_str(out, "");
    free(out);
    char *t1 = t_tasks_with("return name", "return name.strip()");
    th_assert_ok(t_write(b, "src/tasks.py", t1));
    th_assert_ok(dk_session_describe_other_modifiers(&out, t_fx.e, "demo", "src/tasks.py", a));
    th_assert_eq_str(out, "Tasks.create_task modified by agent-2");
    free(out);
    th_assert_ok(dk_session_describe_other_modifiers(&out, t_fx.e, "demo", "src/tasks.py", b));
    th_assert_eq_str(out, "");
    free(out);
    th_assert_ok(dk_session_describe_other_modifiers(&out, t_fx.e, "demo", "src/other.rs", a));
    th_assert_eq_str(out, "");
    free(out);
    /* four changed symbols: three names then ",..." */
    char *t2 =
        t_tasks_with("def helper(x):\n    return x + 1\n\n\ndef other(y):\n    return y * 2\n",
                     "def helper(x):\n    return x + 9\n\n\ndef other(y):\n    return y * 9\n"
                     "\n\ndef a1():\n    pass\n\n\ndef a2():\n    pass\n");
    th_assert_ok(t_write(c, "src/tasks.py", t2));
    th_assert_ok(dk_session_describe_other_modifiers(&out, t_fx.e, "demo", "src/tasks.py", a));
    th_assert_eq_str(
        out, "Tasks.create_task modified by agent-2; a1, a2, helper,... modified by agent-3");
    free(out);
    /* no exclusion: everyone */
    th_assert_ok(t_write(a, "notes.bin", "\x01\x02"));
    th_assert_ok(dk_session_describe_other_modifiers(&out, t_fx.e, "demo", "notes.bin", NULL));
    th_assert_eq_str(out, "modified by agent-1");
    free(out);
    /* exactly three: no ",..." */
    th_assert_ok(t_write(c, "src/tasks.py", TASKS_PY));
    char *t3 = t_tasks_with("def other(y):\n    return y * 2\n",
                            "def other(y):\n    return y * 3\n\n\ndef b1():\n    pass\n\n\n"
                            "def b2():\n    pass\n");
    th_assert_ok(t_write(c, "src/tasks.py", t3));
    th_assert_ok(dk_session_describe_other_modifiers(&out, t_fx.e, "demo", "src/tasks.py", b));
    th_assert_eq_str(out, "b1, b2, other modified by agent-3");
    free(out);
    /* a closed session leaves the index */
    th_assert_ok(dk_session_close(t_fx.e, NULL, c));
    th_assert_ok(dk_session_describe_other_modifiers(&out, t_fx.e, "demo", "src/tasks.py", a));
    th_assert_eq_str(out, "Tasks.create_task modified by agent-2");
    free(out);
    th_assert_err(dk_session_describe_other_modifiers(&out, t_fx.e, "nope", "x", NULL),
                  DK_ENOTFOUND);
    free(t1);
    free(t2);
    free(t3);
}
void test_engine_ws_sqlite__describe(void)
{
    t_describe();
}

void test_engine_ws_pg__describe(void)
{
    t_describe();
}

/* ========================================================================== */
/* Stale overlay                                                              */
/* ========================================================================== */

static void t_stale(void)
{
    const char *a = t_connect("a");
    const char *b = t_connect("b");
    th_assert_ok(t_write(a, "README.md", "from a\n"));
    th_assert_ok(t_write(b, "README.md", "from b\n"));
    t_advance(1000);
    t_mark_submitted(a);
    char *cs_a = t_changeset_of(a);
    /* b's overlay predates a's submitted change to the path */
    dk_write_result *r;
    struct snapshot snap = t_snap();
    th_assert_err(dk_file_write(&r, t_fx.e, NULL, b, "README.md", "b2\n", 3, NULL), DK_ESTALE);
    th_assert_eq_str(r->stale_changeset, cs_a);
    th_assert_eq_str(r->stale_agent, "agent-1");
    th_assert(strstr(dk_error_last()->msg, "stale overlay"));
    th_assert(strstr(dk_error_last()->msg, "README.md"));
    dk_write_result_free(r);
    t_same(snap);
    th_assert_err(dk_file_delete(&r, t_fx.e, NULL, b, "README.md"), DK_ESTALE);
    dk_write_result_free(r);
    /* other paths are not affected; a's own writes are not stale */
    th_assert_ok(t_write(b, "docs/notes.txt", "n\n"));
    th_assert_ok(t_write(a, "README.md", "from a again\n"));
    /* force skips the check */
    dk_write_opts wo = DK_WRITE_OPTS_INIT;
    wo.force = true;
    th_assert_ok(dk_file_write(&r, t_fx.e, NULL, b, "README.md", "forced\n", 7, &wo));
    dk_write_result_free(r);
    /* a read after the changeset's last update clears it */
    const char *c = t_connect("c");
    th_assert_err(t_write(c, "README.md", "c\n"), DK_ESTALE);
    t_advance(10);
    free(t_read(c, "README.md"));
    th_assert_ok(t_write(c, "README.md", "c\n"));
    /* ... until the changeset moves again */
    t_advance(10);
    t_mark_submitted(a);
    th_assert_err(t_write(c, "README.md", "c2\n"), DK_ESTALE);
    /* a revert is never stale */
    th_assert_ok(dk_file_revert(t_fx.e, NULL, c, "README.md"));
    /* a read mark kept in memory survives a restart (written at close) */
    char cid[64];
    snprintf(cid, sizeof(cid), "%s", c);
    t_advance(10);
    free(t_read(cid, "README.md"));
    t_reopen();
    th_assert_ok(t_write(cid, "README.md", "c3\n"));
    free(cs_a);
}
void test_engine_ws_sqlite__stale(void)
{
    t_stale();
}

void test_engine_ws_pg__stale(void)
{
    t_stale();
}

/* ========================================================================== */
/* Restart                                                                    */
/* ========================================================================== */

static void t_restart(void)
{
    const char *a = t_connect("a");
    const char *b = t_connect("b");
    char *t1 = t_tasks_with("return x + 1", "return x + 2");
    th_assert_ok(t_write(a, "src/tasks.py", t1));
    th_assert_ok(t_write(a, "new/file.txt", "new\n"));
    dk_write_result *r;
    th_assert_ok(dk_file_delete(&r, t_fx.e, NULL, b, "README.md"));
    dk_write_result_free(r);
    int64_t events = t_last_event();
    char aid[64], bid[64];
    snprintf(aid, sizeof(aid), "%s", a);
    snprintf(bid, sizeof(bid), "%s", b);
    t_reopen();
    th_assert_eq_int(dk_session_active_count(t_fx.e, "demo"), 2);
    char *s = t_read(aid, "src/tasks.py");
    th_assert_eq_str(s, t1);
    free(s);
    s = t_read(aid, "new/file.txt");
    th_assert_eq_str(s, "new\n");
    free(s);
    dk_file *f;
    th_assert_err(dk_file_read(&f, t_fx.e, NULL, bid, "README.md"), DK_ENOTFOUND);
    /* changed symbols and claims came back */
    dk_changed_symbol *cs;
    size_t n;
    th_assert_ok(dk_session_changes(&cs, &n, t_fx.e, NULL, aid));
    th_assert_eq_int(n, 1);
    th_assert_eq_str(cs[0].qualified_name, "helper");
    dk_changed_symbols_free(cs, n);
    char *t2 = t_tasks_with("return x + 1", "return x + 5");
    th_assert_err(t_write(bid, "src/tasks.py", t2), DK_ECONFLICT);
    char *out;
    th_assert_ok(dk_session_describe_other_modifiers(&out, t_fx.e, "demo", "src/tasks.py", bid));
    th_assert_eq_str(out, "helper modified by agent-1");
    free(out);
    /* the agent counter and event ids continue */
    const char *c = t_connect("c");
    dk_session_info *info;
    th_assert_ok(dk_session_status(&info, t_fx.e, NULL, c));
    th_assert_eq_str(info->agent_name, "agent-3");
    dk_session_infos_free(info, 1);
    th_assert_eq_int(t_last_event(), events + 1);
    /* overlay blobs are reachable from refs/dk/sessions/<id> */
    dk_repo_info *ri;
    th_assert_ok(dk_repo_get(&ri, t_fx.e, "demo"));
    char *refs = th_git_out(ri->path, "for-each-ref --format='%%(refname)' refs/dk/sessions");
    th_assert(strstr(refs, aid));
    free(refs);
    char *tree = th_git_out(ri->path, "ls-tree -r --name-only refs/dk/sessions/%s", aid);
    th_assert_eq_str(tree, "new/file.txt\nsrc/tasks.py\n");
    free(tree);
    /* git gc --prune=now keeps them */
    free(th_git_out(ri->path, "gc -q --prune=now"));
    dk_repo_infos_free(ri, 1);
    s = t_read(aid, "new/file.txt");
    th_assert_eq_str(s, "new\n");
    free(s);
    th_engine_fsck(&t_fx, "demo");
    free(t1);
    free(t2);
}
void test_engine_ws_sqlite__restart(void)
{
    t_restart();
}

void test_engine_ws_pg__restart(void)
{
    t_restart();
}

/* ========================================================================== */
/* GC, strand, resume, abandon                                                */
/* ========================================================================== */

static void t_gc(void)
{
    const char *idle = t_connect("idle");
    const char *busy = t_connect("busy");
    char idle_id[64];
    snprintf(idle_id, sizeof(idle_id), "%s", idle);
    char *t1 = t_tasks_with("return x + 1", "return x + 2");
    th_assert_ok(t_write(idle, "src/tasks.py", t1));
    size_t n = 99;
    th_assert_ok(dk_engine_gc(t_fx.e, &n));
    th_assert_eq_int(n, 0);
    /* every operation refreshes activity: busy reads, idle does nothing */
    for (int i = 0; i < 4; i++) {
        t_advance(IDLE_MS / 3);
        free(t_read(busy, "README.md"));
    }
    th_assert_ok(dk_engine_gc(t_fx.e, &n));
    th_assert_eq_int(n, 1);
    th_assert_eq_int(dk_session_active_count(t_fx.e, "demo"), 1);
    dk_file *f;
    th_assert_err(dk_file_read(&f, t_fx.e, NULL, idle_id, "README.md"), DK_ENOSESSION);
    /* a draft session is closed: claims released, overlay dropped, changeset closed */
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims", NULL), 0);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", idle_id),
                     0);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE state = 'closed' AND id = ?", idle_id),
        1);
    th_assert_eq_int(th_count(&t_fx,
                              "SELECT COUNT(*) FROM changesets WHERE state = 'closed' AND "
                              "session_id = ?",
                              idle_id),
                     1);
    dk_event *ev;
    th_assert_ok(dk_events_watch(&ev, &n, NULL, t_fx.e, "demo", 0, "session.closed", 10, 0));
    th_assert_eq_int(n, 1);
    th_assert_eq_str(ev[0].session_id, idle_id);
    th_assert(strstr(ev[0].payload, "idle_ttl"));
    dk_events_free(ev, n);
    th_assert_ok(t_write(busy, "src/tasks.py", t1));
    /* max TTL: busy or not */
    for (int i = 0; i < 24; i++) {
        t_advance(IDLE_MS / 2);
        free(t_read(busy, "README.md"));
    }
    th_assert_ok(dk_engine_gc(t_fx.e, &n));
    th_assert_eq_int(n, 1);
    th_assert_eq_int(dk_session_active_count(t_fx.e, NULL), 0);
    /* persistent sessions: no idle TTL, a deadline */
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    o.repo = "demo";
    o.intent = "long";
    o.agent_id = "p";
    o.mode = DK_SESSION_PERSISTENT;
    o.persistent_ttl_ms = IDLE_MS * 3;
    dk_session_info *info;
    th_assert_ok(dk_session_connect(&info, t_fx.e, NULL, &o));
    th_assert_eq_int(info->mode, DK_SESSION_PERSISTENT);
    dk_session_infos_free(info, 1);
    t_advance(IDLE_MS * 2);
    th_assert_ok(dk_engine_gc(t_fx.e, &n));
    th_assert_eq_int(n, 0);
    t_advance(IDLE_MS * 2);
    th_assert_ok(dk_engine_gc(t_fx.e, &n));
    th_assert_eq_int(n, 1);
    free(t1);
}
void test_engine_ws_sqlite__gc(void)
{
    t_gc();
}

void test_engine_ws_pg__gc(void)
{
    t_gc();
}

static void t_strand_resume(void)
{
    dk_caller owner = {.token_id = "tok-a"}, other = {.token_id = "tok-b"};
    const char *a0 = t_connect_as(&owner, "agent-a", NULL);
    char a[64];
    snprintf(a, sizeof(a), "%s", a0);
    char *t1 = t_tasks_with("return x + 1", "return x + 2");
    th_assert_ok(t_write(a, "src/tasks.py", t1));
    th_assert_ok(t_write(a, "added.txt", "added\n"));
    t_mark_submitted(a);
    char *cs = t_changeset_of(a);
    /* idle and submitted: stranded, never dropped; claims released */
    t_advance(IDLE_MS + 1);
    size_t n;
    th_assert_ok(dk_engine_gc(t_fx.e, &n));
    th_assert_eq_int(n, 1);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE state = 'stranded' AND id = ?", a), 1);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", a), 2);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims", NULL), 0);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM changesets WHERE state = 'submitted' AND id = ?", cs),
        1);
    /* the agent learns why: status says stranded, operations say how to resume */
    dk_session_info *st;
    th_assert_ok(dk_session_status(&st, t_fx.e, &owner, a));
    th_assert_eq_int(st->state, DK_SESSION_STRANDED);
    th_assert_eq_int(st->files_changed, 2);
    th_assert_eq_int(st->changeset_state, DK_CS_SUBMITTED);
    dk_session_infos_free(st, 1);
    th_assert_err(t_write(a, "x.txt", "x\n"), DK_ENOSESSION);
    th_assert(strstr(dk_error_last()->msg, "stranded: connect with resume_session_id"));
    /* stranding twice is a no-op; the overlay ref is kept and names the overlay */
    th_assert_ok(dk_engine_gc(t_fx.e, &n));
    th_assert_eq_int(n, 0);
    dk_repo_info *ri;
    th_assert_ok(dk_repo_get(&ri, t_fx.e, "demo"));
    char *tree = th_git_out(ri->path, "ls-tree -r --name-only refs/dk/sessions/%s", a);
    th_assert_eq_str(tree, "added.txt\nsrc/tasks.py\n");
    free(tree);
    dk_repo_infos_free(ri, 1);
    /* meanwhile b claims the same function */
    const char *b = t_connect("agent-b");
    char *t2 = t_tasks_with("return x + 1", "return x + 7");
    th_assert_err(t_write(b, "src/tasks.py", t2), DK_ESTALE);
    free(t_read(b, "src/tasks.py"));
    th_assert_ok(t_write(b, "src/tasks.py", t2));
    /* resume: wrong agent, wrong caller, unknown id, not stranded */
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    o.repo = "demo";
    o.intent = "resume";
    o.agent_id = "agent-x";
    o.resume_session_id = a;
    dk_session_info *info;
    struct snapshot snap = t_snap();
    th_assert_err(dk_session_connect(&info, t_fx.e, &owner, &o), DK_EFORBIDDEN);
    o.agent_id = "agent-a";
    th_assert_err(dk_session_connect(&info, t_fx.e, &other, &o), DK_EFORBIDDEN);
    o.resume_session_id = "nope";
    th_assert_err(dk_session_connect(&info, t_fx.e, &owner, &o), DK_ENOSESSION);
    o.resume_session_id = b;
    th_assert_err(dk_session_connect(&info, t_fx.e, NULL, &o), DK_ESTATE);
    /* contended: b holds helper now; nothing changes */
    o.resume_session_id = a;
    th_assert_err(dk_session_connect(&info, t_fx.e, &owner, &o), DK_ECONFLICT);
    th_assert(strstr(dk_error_last()->msg, "helper"));
    t_same(snap);
    /* b goes away: the resume goes through, under a new id, usable at once */
    th_assert_ok(dk_session_close(t_fx.e, NULL, b));
    th_assert_ok(dk_session_connect(&info, t_fx.e, &owner, &o));
    char nid[64];
    snprintf(nid, sizeof(nid), "%s", info->session_id);
    th_assert(strcmp(nid, a) != 0);
    th_assert_eq_str(info->agent_name, "agent-1");
    th_assert_eq_str(info->changeset_id, cs);
    th_assert_eq_int(info->changeset_state, DK_CS_SUBMITTED);
    th_assert_eq_int(info->files_changed, 2);
    dk_session_infos_free(info, 1);
    char *s = t_read(nid, "added.txt");
    th_assert_eq_str(s, "added\n");
    free(s);
    th_assert_ok(t_write(nid, "more.txt", "more\n"));
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", nid), 1);
    /* the changeset follows the session */
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM changesets WHERE session_id = ?", nid),
                     1);
    th_assert_err(t_write(a, "y.txt", "y\n"), DK_ENOSESSION);
    th_assert(strstr(dk_error_last()->msg, "was resumed as"));
    /* resuming the old id again says where it went */
    th_assert_err(dk_session_connect(&info, t_fx.e, &owner, &o), DK_ESTATE);
    th_assert(strstr(dk_error_last()->msg, nid));
    dk_event *ev;
    th_assert_ok(dk_events_watch(&ev, &n, NULL, t_fx.e, "demo", 0,
                                 "session.stranded,session.resumed", 10, 0));
    th_assert_eq_int(n, 2);
    th_assert_eq_str(ev[0].type, "session.stranded");
    th_assert_eq_str(ev[1].type, "session.resumed");
    th_assert_eq_str(ev[1].session_id, nid);
    dk_events_free(ev, n);
    /* stranded too long: abandoned, overlay dropped, changeset abandoned */
    t_advance(IDLE_MS + 1);
    th_assert_ok(dk_engine_gc(t_fx.e, &n));
    th_assert_eq_int(n, 1);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE state = 'stranded' AND id = ?", nid),
        1);
    t_advance(STRAND_MS + 1);
    th_assert_ok(dk_engine_gc(t_fx.e, &n));
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE state = 'abandoned' AND id = ?", nid),
        1);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", nid), 0);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM changesets WHERE state = 'abandoned' AND id = ?", cs),
        1);
    o.resume_session_id = nid;
    th_assert_err(dk_session_connect(&info, t_fx.e, &owner, &o), DK_ESTATE);
    th_engine_fsck(&t_fx, "demo");
    free(t1);
    free(t2);
    free(cs);
}
void test_engine_ws_sqlite__strand_resume(void)
{
    t_strand_resume();
}

void test_engine_ws_pg__strand_resume(void)
{
    t_strand_resume();
}

static void t_close_abandon(void)
{
    const char *a = t_connect("a");
    char *t1 = t_tasks_with("return x + 1", "return x + 2");
    th_assert_ok(t_write(a, "src/tasks.py", t1));
    char *cs = t_changeset_of(a);
    th_assert_ok(dk_session_abandon(t_fx.e, NULL, a, "changed my mind"));
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims", NULL), 0);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay", NULL), 0);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM changesets WHERE state = 'abandoned' AND id = ?", cs),
        1);
    /* abandoning again is a no-op; closing an abandoned session is refused */
    th_assert_ok(dk_session_abandon(t_fx.e, NULL, a, NULL));
    th_assert_err(dk_session_close(t_fx.e, NULL, a), DK_ESTATE);
    th_assert_err(dk_session_close(t_fx.e, NULL, "nope"), DK_ENOSESSION);
    /* close of a submitted session keeps its changeset and overlay rows */
    const char *b = t_connect("b");
    th_assert_ok(t_write(b, "x.txt", "x\n"));
    t_mark_submitted(b);
    char *csb = t_changeset_of(b);
    th_assert_ok(dk_session_close(t_fx.e, NULL, b));
    th_assert_ok(dk_session_close(t_fx.e, NULL, b));
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM changesets WHERE state = 'submitted' AND id = ?",
                 csb),
        1);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", b), 1);
    /* ... so the stale check still guards its path */
    const char *c = t_connect("c");
    th_assert_err(t_write(c, "x.txt", "c\n"), DK_ESTALE);
    dk_event *ev;
    size_t n;
    th_assert_ok(
        dk_events_watch(&ev, &n, NULL, t_fx.e, "demo", 0, "*.abandoned,session.closed", 10, 0));
    th_assert_eq_int(n, 2);
    th_assert_eq_str(ev[0].type, "session.abandoned");
    th_assert(strstr(ev[0].payload, "changed my mind"));
    th_assert_eq_str(ev[1].type, "session.closed");
    dk_events_free(ev, n);
    free(t1);
    free(cs);
    free(csb);
}
void test_engine_ws_sqlite__close_abandon(void)
{
    t_close_abandon();
}

void test_engine_ws_pg__close_abandon(void)
{
    t_close_abandon();
}

/* ========================================================================== */
/* Events                                                                     */
/* ========================================================================== */

struct waiter {
    int64_t since;
    size_t got;
    int rc;
    char type[64];
};

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    dk_event *ev = NULL;
    w->rc = dk_events_watch(&ev, &w->got, NULL, t_fx.e, "demo", w->since, "file.*", 10, 10000);
    if (w->rc == 0 && w->got)
        snprintf(w->type, sizeof(w->type), "%s", ev[0].type);
    dk_events_free(ev, w->got);
    return NULL;
}

static void t_events(void)
{
    const char *a = t_connect("a");
    th_assert_ok(t_write(a, "one.txt", "1\n"));
    th_assert_ok(t_write(a, "two.txt", "2\n"));
    dk_event *ev;
    size_t n;
    int64_t oldest;
    th_assert_ok(dk_events_watch(&ev, &n, &oldest, t_fx.e, "demo", 0, NULL, 100, 0));
    th_assert_eq_int(n, 3);
    for (size_t i = 0; i < n; i++)
        th_assert_eq_int(ev[i].id, (int64_t)i + 1);
    th_assert_eq_str(ev[1].type, "file.written");
    th_assert(strstr(ev[1].payload, "\"path\":\"one.txt\""));
    th_assert_eq_int(ev[1].created_ms, T0);
    dk_events_free(ev, n);
    th_assert_ok(dk_events_watch(&ev, &n, NULL, t_fx.e, "demo", 2, "file.written", 100, 0));
    th_assert_eq_int(n, 1);
    th_assert_eq_int(ev[0].id, 3);
    dk_events_free(ev, n);
    th_assert_ok(dk_events_watch(&ev, &n, NULL, t_fx.e, "demo", 0, "*", 2, 0));
    th_assert_eq_int(n, 2);
    dk_events_free(ev, n);
    th_assert_ok(dk_events_watch(&ev, &n, NULL, t_fx.e, "demo", 3, NULL, 10, 0));
    th_assert_eq_int(n, 0);
    dk_events_free(ev, n);
    th_assert_err(dk_events_watch(&ev, &n, NULL, t_fx.e, "nope", 0, NULL, 10, 0), DK_ENOTFOUND);
    /* a blocked watcher wakes on the next event */
    struct waiter w = {.since = 3};
    pthread_t th;
    th_assert(pthread_create(&th, NULL, waiter_main, &w) == 0);
    usleep(100000);
    th_assert_ok(t_write(a, "three.txt", "3\n"));
    pthread_join(th, NULL);
    th_assert_ok(w.rc);
    th_assert_eq_int(w.got, 1);
    th_assert_eq_str(w.type, "file.written");
    /* a timeout with nothing returns nothing */
    th_assert_ok(dk_events_watch(&ev, &n, NULL, t_fx.e, "demo", 4, "session.*", 10, 50));
    th_assert_eq_int(n, 0);
    dk_events_free(ev, n);
}
void test_engine_ws_sqlite__events(void)
{
    t_events();
}

void test_engine_ws_pg__events(void)
{
    t_events();
}

/* What the notify hook saw (dk_events_set_notify). */
struct notes_seen {
    pthread_mutex_t lock;
    int demo, second, other;
};

static void notes_hook(void *ud, const char *repo)
{
    struct notes_seen *n = ud;
    pthread_mutex_lock(&n->lock);
    if (repo && strcmp(repo, "demo") == 0)
        n->demo++;
    else if (repo && strcmp(repo, "second") == 0)
        n->second++;
    else
        n->other++;
    pthread_mutex_unlock(&n->lock);
}

/* Wait (bounded) until the hook saw a notification for "second"; its count. */
static int notes_wait_second(struct notes_seen *n)
{
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&n->lock);
        int got = n->second;
        pthread_mutex_unlock(&n->lock);
        if (got)
            return got;
        usleep(10000);
    }
    return 0;
}

/*
 * The hook the SSE hub waits on: one call per event notification, naming
 * its repository, whichever repository it is (an event in "second" while
 * "demo" is idle reaches it; the hub used to block on one repository at a
 * time); none once it is removed.
 */
static void t_events_notify_hook(void)
{
    th_assert_ok(dk_repo_init(t_fx.e, "second", "main"));
    struct notes_seen n = {.lock = PTHREAD_MUTEX_INITIALIZER};
    dk_events_set_notify(t_fx.e, notes_hook, &n);
    dk_caller *c = NULL;
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    o.repo = "second";
    o.intent = "test work";
    o.agent_id = "b";
    dk_session_info *info;
    th_assert_ok(dk_session_connect(&info, t_fx.e, c, &o));
    dk_session_infos_free(info, 1);
    th_assert_eq_int(notes_wait_second(&n), 1); /* session.connected */
    pthread_mutex_lock(&n.lock);
    th_assert_eq_int(n.demo, 0);
    th_assert_eq_int(n.other, 0);
    pthread_mutex_unlock(&n.lock);
    dk_events_set_notify(t_fx.e, NULL, NULL);
    (void)t_connect("a"); /* an event in demo after removal: not seen */
    dk_event *ev;
    size_t count;
    th_assert_ok(dk_events_watch(&ev, &count, NULL, t_fx.e, "demo", 0, NULL, 10, 0));
    th_assert_eq_int(count, 1);
    dk_events_free(ev, count);
    usleep(100000); /* delivery is asynchronous: give a stray call time to show */
    pthread_mutex_lock(&n.lock);
    th_assert_eq_int(n.demo, 0);
    th_assert_eq_int(n.second, 1);
    pthread_mutex_unlock(&n.lock);
}
void test_engine_ws_sqlite__events_notify_hook(void)
{
    t_events_notify_hook();
}

void test_engine_ws_pg__events_notify_hook(void)
{
    t_events_notify_hook();
}

static void t_events_window(void)
{
    dk_engine_close(t_fx.e);
    t_fx.e = NULL;
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.data_dir = t_fx.data;
    o.store_url = t_fx.url;
    o.gc_interval_ms = 0;
    o.events_window = 5;
    o.clock_ms = t_clock_fn;
    th_assert_ok(dk_engine_open(&t_fx.e, &o));
    const char *a = t_connect("a");
    for (int i = 0; i < 10; i++) {
        char p[32];
        snprintf(p, sizeof(p), "f%d.txt", i);
        th_assert_ok(t_write(a, p, "x\n"));
    }
    th_assert_ok(dk_engine_gc(t_fx.e, NULL));
    dk_event *ev;
    size_t n;
    int64_t oldest = 0;
    th_assert_ok(dk_events_watch(&ev, &n, &oldest, t_fx.e, "demo", 0, NULL, 100, 0));
    th_assert_eq_int(n, 5);
    th_assert_eq_int(oldest, 7);
    th_assert_eq_int(ev[0].id, 7);
    th_assert_eq_int(ev[4].id, 11);
    dk_events_free(ev, n);
}
void test_engine_ws_sqlite__events_window(void)
{
    t_events_window();
}

void test_engine_ws_pg__events_window(void)
{
    t_events_window();
}

/* ========================================================================== */
/* Threads                                                                    */
/* ========================================================================== */

#define NTHREADS 8
#define NFILES   12

struct worker {
    int n;
    char sid[64];
    int errors;
    int claimed;
    int refused;
    char msg[600];
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < NFILES; i++) {
        char path[64], text[64];
        snprintf(path, sizeof(path), "w%d/f%d.txt", w->n, i);
        snprintf(text, sizeof(text), "worker %d file %d\n", w->n, i);
        dk_write_result *r = NULL;
        int rc = dk_file_write(&r, t_fx.e, NULL, w->sid, path, text, strlen(text), NULL);
        dk_write_result_free(r);
        dk_file *f = NULL;
        if (rc == 0)
            rc = dk_file_read(&f, t_fx.e, NULL, w->sid, path);
        if (rc == 0 && strcmp(f->content, text) != 0)
            rc = -100;
        dk_file_free(f);
        if (rc) {
            w->errors++;
            snprintf(w->msg, sizeof(w->msg), "%s: %d %s", path, rc, dk_error_last()->msg);
        }
    }
    /* everyone fights over helper() and one function of its own */
    char fn[64];
    snprintf(fn, sizeof(fn), "def own%d():\n    pass\n", w->n);
    dk_str t = DK_STR_INIT;
    const char *at = strstr(TASKS_PY, "return x + 1");
    dk_str_add(&t, TASKS_PY, (size_t)(at - TASKS_PY));
    dk_str_addf(&t, "return x + %d", 100 + w->n);
    dk_str_adds(&t, at + strlen("return x + 1"));
    dk_str_adds(&t, "\n\n");
    dk_str_adds(&t, fn);
    dk_write_result *r = NULL;
    int rc = dk_file_write(&r, t_fx.e, NULL, w->sid, "src/tasks.py", t.ptr, t.len, NULL);
    if (rc == 0)
        w->claimed++;
    else if (rc == DK_ECONFLICT && r && r->nclaims == 1 &&
             strcmp(r->claims[0].qualified_name, "helper") == 0)
        w->refused++;
    else {
        w->errors++;
        snprintf(w->msg, sizeof(w->msg), "tasks.py: %d %s", rc, dk_error_last()->msg);
    }
    dk_write_result_free(r);
    dk_str_release(&t);
    return NULL;
}

static void t_threads(void)
{
    struct worker w[NTHREADS];
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].n = i;
        char agent[16];
        snprintf(agent, sizeof(agent), "w%d", i);
        snprintf(w[i].sid, sizeof(w[i].sid), "%s", t_connect(agent));
    }
    for (int i = 0; i < NTHREADS; i++)
        th_assert(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    int claimed = 0, refused = 0;
    for (int i = 0; i < NTHREADS; i++) {
        th_assert_msg(w[i].errors == 0, "worker %d: %d errors, last %s", i, w[i].errors, w[i].msg);
        claimed += w[i].claimed;
        refused += w[i].refused;
    }
    th_assert_eq_int(claimed, 1);
    th_assert_eq_int(refused, NTHREADS - 1);
    /* nothing lost: every file of every worker, in the store and in memory */
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay", NULL), NTHREADS * NFILES + 1);
    for (int i = 0; i < NTHREADS; i++) {
        dk_file_entry *l;
        size_t n;
        th_assert_ok(dk_file_list(&l, &n, t_fx.e, NULL, w[i].sid, NULL, true));
        th_assert_eq_int(n, NFILES + (size_t)w[i].claimed);
        dk_file_entries_free(l, n);
    }
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE qualified_name = 'helper'", NULL), 1);
    /* event ids are dense: one per committed change, no gaps */
    int64_t last = t_last_event();
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM events WHERE repo = ?", "demo"), last);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM events WHERE type = 'file.written'", NULL),
        NTHREADS * NFILES + 1);
    t_reopen();
    th_assert_eq_int(dk_session_active_count(t_fx.e, "demo"), NTHREADS);
    th_engine_fsck(&t_fx, "demo");
}
void test_engine_ws_sqlite__threads(void)
{
    t_threads();
}

void test_engine_ws_pg__threads(void)
{
    t_threads();
}

/* ========================================================================== */
/* The L2 cache                                                               */
/* ========================================================================== */

static void t_open_cached(const char *cache_url)
{
    dk_engine_close(t_fx.e);
    t_fx.e = NULL;
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.data_dir = t_fx.data;
    o.store_url = t_fx.url;
    o.cache_url = cache_url;
    o.idle_ttl_ms = IDLE_MS;
    o.gc_interval_ms = 0;
    o.clock_ms = t_clock_fn;
    th_assert_ok(dk_engine_open(&t_fx.e, &o));
}

static void t_cache(void)
{
    const char *url = getenv("DK_TEST_REDIS_URL");
    if (!url || !url[0]) {
        const char *why = getenv("DK_TEST_REDIS_ERROR");
        th_fail(__FILE__, __LINE__, "redis not available: %s",
                why && why[0] ? why : "DK_TEST_REDIS_URL is not set (tests/run.sh sets it)");
    }
    t_open_cached(url);
    const char *a = t_connect("a");
    dk_cache *c;
    th_assert_ok(dk_cache_open(&c, url));
    char *json = NULL;
    int64_t ttl = 0;
    th_assert_ok(dk_cache_get_session(&json, NULL, &ttl, c, a));
    th_assert(strstr(json, "\"agent_name\":\"agent-1\""));
    th_assert(strstr(json, a));
    th_assert(ttl > 0 && ttl <= IDLE_MS);
    free(json);
    th_assert_ok(t_write(a, "x.txt", "x\n"));
    th_assert_ok(dk_session_close(t_fx.e, NULL, a));
    th_assert_err(dk_cache_get_session(&json, NULL, NULL, c, a), DK_ENOTFOUND);
    dk_cache_close(c);
    /* a cache that is down never fails an operation */
    t_open_cached("redis://127.0.0.1:1");
    const char *b = t_connect("b");
    th_assert_ok(t_write(b, "y.txt", "y\n"));
    free(t_read(b, "y.txt"));
    th_assert_ok(dk_session_close(t_fx.e, NULL, b));
    /* a URL that names no cache is refused at open */
    dk_engine_close(t_fx.e);
    t_fx.e = NULL;
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.data_dir = t_fx.data;
    o.store_url = t_fx.url;
    o.cache_url = "memcached://x";
    th_assert_err(dk_engine_open(&t_fx.e, &o), DK_EINVALID);
    t_open();
}

void test_engine_ws_sqlite__cache(void)
{
    t_cache();
}

void test_engine_ws_pg__cache(void)
{
    t_cache();
}

/* ========================================================================== */
/* Two nodes on one PostgreSQL and one data directory                         */
/* ========================================================================== */

static dk_engine *t_open_node(const char *node)
{
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.data_dir = t_fx.data;
    o.store_url = t_fx.url;
    o.node_name = node;
    o.idle_ttl_ms = IDLE_MS;
    o.gc_interval_ms = 0;
    o.clock_ms = t_clock_fn;
    dk_engine *e;
    th_assert_ok(dk_engine_open(&e, &o));
    return e;
}

/* Wait (up to 5 s) until `cond` holds; notifications cross nodes asynchronously. */
#define EVENTUALLY(cond)                                                                           \
    do {                                                                                           \
        int tries_ = 0;                                                                            \
        bool ok_ = false;                                                                          \
        while (!(ok_ = (cond)) && tries_++ < 500)                                                  \
            usleep(10000);                                                                         \
        th_assert_msg(ok_, "never became true: %s", #cond);                                        \
    } while (0)

struct node_waiter {
    dk_engine *e;
    size_t got;
    int rc;
};

static void *node_waiter_main(void *arg)
{
    struct node_waiter *w = arg;
    dk_event *ev = NULL;
    int64_t since = 0;
    dk_event *all = NULL;
    size_t n = 0;
    if (dk_events_watch(&all, &n, NULL, w->e, "demo", 0, NULL, 1000, 0) == 0 && n)
        since = all[n - 1].id;
    dk_events_free(all, n);
    w->rc = dk_events_watch(&ev, &w->got, NULL, w->e, "demo", since, "file.*", 10, 10000);
    dk_events_free(ev, w->got);
    return NULL;
}

void test_engine_ws_pg__two_nodes(void)
{
    dk_engine *n2 = t_open_node("node-2");
    /* one counter of agent names */
    const char *a = t_connect("a");
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    o.repo = "demo";
    o.intent = "other node";
    o.agent_id = "b";
    dk_session_info *info;
    th_assert_ok(dk_session_connect(&info, n2, NULL, &o));
    th_assert_eq_str(info->agent_name, "agent-2");
    char b[64];
    snprintf(b, sizeof(b), "%s", info->session_id);
    dk_session_infos_free(info, 1);
    /* node 1 serves b at once, before any notification arrived */
    th_assert_ok(t_write(b, "early.txt", "e\n"));
    /* each node learns of the other's session */
    EVENTUALLY(dk_session_active_count(n2, "demo") == 2);
    EVENTUALLY(dk_session_active_count(t_fx.e, "demo") == 2);
    /* claims are the store's: node 2 is refused what node 1 claimed */
    char *t1 = t_tasks_with("return x + 1", "return x + 2");
    char *t2 = t_tasks_with("return x + 1", "return x + 3");
    th_assert_ok(t_write(a, "src/tasks.py", t1));
    dk_write_result *r;
    th_assert_err(dk_file_write(&r, n2, NULL, b, "src/tasks.py", t2, strlen(t2), NULL),
                  DK_ECONFLICT);
    th_assert_eq_str(r->claims[0].holder_agent, "agent-1");
    dk_write_result_free(r);
    /* any node serves any session: node 2 writes in a, node 1 reads it */
    th_assert_ok(dk_file_write(&r, n2, NULL, a, "from-n2.txt", "n2\n", 3, NULL));
    dk_write_result_free(r);
    dk_file *f = NULL;
    EVENTUALLY(dk_file_read(&f, t_fx.e, NULL, a, "from-n2.txt") == DK_OK);
    th_assert_eq_str(f->content, "n2\n");
    dk_file_free(f);
    char *out = NULL;
    EVENTUALLY((free(out), out = NULL,
                dk_session_describe_other_modifiers(&out, n2, "demo", "src/tasks.py", b) == 0 &&
                    strcmp(out, "helper modified by agent-1") == 0));
    free(out);
    /* a watcher on node 2 wakes on node 1's event */
    struct node_waiter w = {.e = n2};
    pthread_t th;
    th_assert(pthread_create(&th, NULL, node_waiter_main, &w) == 0);
    usleep(200000);
    th_assert_ok(t_write(a, "wake.txt", "w\n"));
    pthread_join(th, NULL);
    th_assert_ok(w.rc);
    th_assert_eq_int(w.got, 1);
    /* node 1 closes a: node 2 lets it go, and the claim is free */
    th_assert_ok(dk_session_close(t_fx.e, NULL, a));
    EVENTUALLY(dk_session_active_count(n2, "demo") == 1);
    th_assert_ok(dk_file_write(&r, n2, NULL, b, "src/tasks.py", t2, strlen(t2), NULL));
    dk_write_result_free(r);
    dk_engine_close(n2);
    th_engine_fsck(&t_fx, "demo");
    free(t1);
    free(t2);
}

/* dkod §12.3 #13 through the changeset half: submit releases the claims (one
 * claim.released per path), the stale check guards the path until it lands. */
static void t_submit_flow(void)
{
    const char *a = t_connect("a");
    const char *b = t_connect("b");
    char *t1 = t_tasks_with("return x + 1", "return x + 2");
    char *t2 = t_tasks_with("return x + 1", "return x + 3");
    th_assert_ok(t_write(a, "src/tasks.py", t1));
    th_assert_ok(t_write(a, "src/lib.rs", "pub fn greet() -> &'static str {\n    \"yo\"\n}\n"));
    th_assert_err(t_write(b, "src/tasks.py", t2), DK_ECONFLICT);
    int64_t before = t_last_event();
    t_advance(1000);
    dk_changeset_info *ci;
    th_assert_ok(dk_changeset_submit(&ci, t_fx.e, NULL, a));
    th_assert_eq_int(ci->state, DK_CS_SUBMITTED);
    dk_changeset_info_free(ci);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims", NULL), 0);
    dk_event *ev;
    size_t n;
    th_assert_ok(dk_events_watch(&ev, &n, NULL, t_fx.e, "demo", before, "claim.released", 10, 0));
    th_assert_eq_int(n, 2);
    th_assert(strstr(ev[0].payload, "\"path\":\"src/lib.rs\""));
    th_assert(strstr(ev[1].payload, "\"path\":\"src/tasks.py\""));
    dk_events_free(ev, n);
    /* b may claim helper now, once it has looked at a's change */
    th_assert_err(t_write(b, "src/tasks.py", t2), DK_ESTALE);
    t_advance(10);
    free(t_read(b, "src/tasks.py"));
    th_assert_ok(t_write(b, "src/tasks.py", t2));
    free(t1);
    free(t2);
}

void test_engine_ws_sqlite__submit_flow(void)
{
    t_submit_flow();
}

void test_engine_ws_pg__submit_flow(void)
{
    t_submit_flow();
}

/* A session whose base moves under it (a landing here or on another node):
 * a change prepared against the old base is prepared again, never stored
 * against the wrong base. */
static void t_base_moved(void)
{
    const char *a0 = t_connect("a");
    char a[64];
    snprintf(a, sizeof(a), "%s", a0);
    /* another node moved a to main~1 (where docs/notes.txt does not exist) */
    dk_oid c1;
    dk_git_repo *g;
    th_assert_ok(dk_git_repo_open(&g, t_fx.src));
    th_assert_ok(dk_git_rev_resolve(&c1, g, "main~1"));
    dk_git_repo_close(g);
    char hex1[41];
    dk_oid_to_hex(hex1, &c1);
    dk_store_conn *c;
    th_assert_ok(dk_store_acquire(&c, dk_eng_store(t_fx.e)));
    dk_store_val p[] = {DK_SV_TEXT(hex1), DK_SV_TEXT(a)};
    th_assert_ok(dk_store_exec(c, NULL, "UPDATE sessions SET base_commit = ? WHERE id = ?", p, 2));
    dk_store_release(c);
    dk_write_result *r;
    th_assert_ok(dk_file_write(&r, t_fx.e, NULL, a, "fresh.txt", "n\n", 2, NULL));
    th_assert(r->is_new);
    dk_write_result_free(r);
    dk_file *f;
    th_assert_err(dk_file_read(&f, t_fx.e, NULL, a, "docs/notes.txt"), DK_ENOTFOUND);
    dk_session_info *info;
    th_assert_ok(dk_session_status(&info, t_fx.e, NULL, a));
    th_assert_eq_str(info->base_commit, hex1);
    dk_session_infos_free(info, 1);
    /* through the changeset half: submit, land, continue from the new head */
    char *t1 = t_tasks_with("return x + 1", "return x + 2");
    th_assert_ok(t_write(a, "src/tasks.py", t1));
    dk_changeset_info *ci;
    th_assert_ok(dk_changeset_submit(&ci, t_fx.e, NULL, a));
    dk_changeset_info_free(ci);
    dk_land_result *lr;
    th_assert_ok(dk_land(&lr, t_fx.e, NULL, a, NULL));
    char head[41];
    snprintf(head, sizeof(head), "%s", lr->commit);
    dk_land_result_free(lr);
    th_assert_ok(dk_session_status(&info, t_fx.e, NULL, a));
    th_assert_eq_str(info->base_commit, head);
    th_assert_eq_int(info->files_changed, 0);
    th_assert_eq_int(info->changeset_state, DK_CS_DRAFT);
    dk_session_infos_free(info, 1);
    char *s = t_read(a, "src/tasks.py");
    th_assert_eq_str(s, t1);
    free(s);
    /* the next change is against the landed content: helper is no longer changed */
    char *t2 = t_replace(t1, "return y * 2", "return y * 4");
    th_assert_ok(dk_file_write(&r, t_fx.e, NULL, a, "src/tasks.py", t2, strlen(t2), NULL));
    th_assert_eq_int(r->nsymbols, 1);
    th_assert_eq_str(r->symbols[0].qualified_name, "other");
    dk_write_result_free(r);
    th_engine_fsck(&t_fx, "demo");
    free(t1);
    free(t2);
}

void test_engine_ws_sqlite__base_moved(void)
{
    t_base_moved();
}

void test_engine_ws_pg__base_moved(void)
{
    t_base_moved();
}

/* ========================================================================== */
/* Reconcile at start, kill -9                                                */
/* ========================================================================== */

/* What expired while no node ran is collected when one starts: pinned work
 * stranded, drafts closed (dkod's startup_reconcile, done by the first GC pass). */
static void t_reconcile(void)
{
    const char *d0 = t_connect("draft");
    const char *p0 = t_connect("pinned");
    char d[64], p[64];
    snprintf(d, sizeof(d), "%s", d0);
    snprintf(p, sizeof(p), "%s", p0);
    th_assert_ok(t_write(d, "d.txt", "d\n"));
    th_assert_ok(t_write(p, "p.txt", "p\n"));
    t_mark_submitted(p);
    dk_engine_close(t_fx.e);
    t_fx.e = NULL;
    t_advance(IDLE_MS + 1);
    t_open();
    th_assert_eq_int(dk_session_active_count(t_fx.e, NULL), 0);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE state = 'closed' AND id = ?", d), 1);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE state = 'stranded' AND id = ?", p), 1);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", p), 1);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", d), 0);
}

void test_engine_ws_sqlite__reconcile(void)
{
    t_reconcile();
}

void test_engine_ws_pg__reconcile(void)
{
    t_reconcile();
}

/*
 * A child process writes (each write claims a function of its own) and
 * reports every acknowledged write on a pipe; it is killed with SIGKILL in
 * the middle of its writes; the parent reopens the engine: every
 * acknowledged write and its claim are back, and the repository is sound.
 */
static void t_kill9(void)
{
    dk_engine_close(t_fx.e);
    t_fx.e = NULL;
    int fd[2];
    th_assert(pipe(fd) == 0);
    pid_t pid = fork();
    th_assert(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        t_open();
        const char *sid = t_connect("k");
        char line[128];
        int n = snprintf(line, sizeof(line), "%s\n", sid);
        if (write(fd[1], line, (size_t)n) != n)
            _exit(3);
        for (int i = 0;; i++) {
            char path[64], text[64];
            snprintf(path, sizeof(path), "k/f%d.py", i);
            snprintf(text, sizeof(text), "def f%d():\n    return %d\n", i, i);
            dk_write_result *r = NULL;
            int rc = dk_file_write(&r, t_fx.e, NULL, sid, path, text, strlen(text), NULL);
            dk_write_result_free(r);
            if (rc)
                _exit(4);
            n = snprintf(line, sizeof(line), "%d\n", i);
            if (write(fd[1], line, (size_t)n) != n)
                _exit(5);
        }
    }
    close(fd[1]);
    FILE *in = fdopen(fd[0], "r");
    th_assert(in);
    char sid[128] = "", line[128];
    th_assert(fgets(sid, sizeof(sid), in));
    sid[strcspn(sid, "\n")] = '\0';
    int acked = -1, lines = 0;
    while (lines < 40 && fgets(line, sizeof(line), in)) {
        acked = atoi(line);
        lines++;
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    while (fgets(line, sizeof(line), in))
        acked = atoi(line);
    fclose(in);
    th_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                  "the writer ended on its own (status %d)", status);
    th_assert(acked >= 39);
    t_open();
    for (int i = 0; i <= acked; i++) {
        char path[64], text[64];
        snprintf(path, sizeof(path), "k/f%d.py", i);
        snprintf(text, sizeof(text), "def f%d():\n    return %d\n", i, i);
        char *s = t_read(sid, path);
        th_assert_eq_str(s, text);
        free(s);
    }
    th_assert(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", sid) >=
              acked + 1);
    /* a claim survives the crash: another session is refused */
    const char *b = t_connect("b");
    th_assert_err(t_write(b, "k/f0.py", "def f0():\n    return -1\n"), DK_ECONFLICT);
    th_engine_fsck(&t_fx, "demo");
}

void test_engine_ws_sqlite__kill9(void)
{
    t_kill9();
}

void test_engine_ws_pg__kill9(void)
{
    t_kill9();
}

/* A repository with no commit yet: sessions start from nothing. */
static void t_unborn(void)
{
    th_assert_ok(dk_repo_init(t_fx.e, "fresh", "trunk"));
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    o.repo = "fresh";
    o.intent = "start";
    o.agent_id = "a";
    dk_session_info *info;
    th_assert_ok(dk_session_connect(&info, t_fx.e, NULL, &o));
    th_assert_eq_str(info->base_commit, "");
    char sid[64];
    snprintf(sid, sizeof(sid), "%s", info->session_id);
    dk_session_infos_free(info, 1);
    dk_write_result *r;
    th_assert_ok(
        dk_file_write(&r, t_fx.e, NULL, sid, "main.py", "def main():\n    pass\n", 21, NULL));
    th_assert(r->is_new);
    th_assert_eq_int(r->nsymbols, 1);
    th_assert_eq_int(r->symbols[0].change, DK_CHANGE_ADDED);
    dk_write_result_free(r);
    dk_file_entry *l;
    size_t n;
    th_assert_ok(dk_file_list(&l, &n, t_fx.e, NULL, sid, NULL, false));
    th_assert_eq_int(n, 1);
    th_assert_eq_str(l[0].path, "main.py");
    th_assert_eq_int(l[0].status, DK_FILE_ADDED);
    dk_file_entries_free(l, n);
    char *s = t_read(sid, "main.py");
    th_assert_eq_str(s, "def main():\n    pass\n");
    free(s);
    th_assert_ok(dk_file_delete(&r, t_fx.e, NULL, sid, "main.py"));
    dk_write_result_free(r);
    th_assert_ok(dk_file_list(&l, &n, t_fx.e, NULL, sid, NULL, false));
    th_assert_eq_int(n, 0);
    dk_file_entries_free(l, n);
    dk_repo_info *ri;
    th_assert_ok(dk_repo_get(&ri, t_fx.e, "fresh"));
    char *head = th_git_out(ri->path, "symbolic-ref HEAD");
    th_assert_eq_str(head, "refs/heads/trunk\n");
    free(head);
    dk_repo_infos_free(ri, 1);
}

void test_engine_ws_sqlite__unborn(void)
{
    t_unborn();
}

void test_engine_ws_pg__unborn(void)
{
    t_unborn();
}

/* The GC thread runs the pass on its own. */
static void t_gc_thread(void)
{
    dk_engine_close(t_fx.e);
    t_fx.e = NULL;
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.data_dir = t_fx.data;
    o.store_url = t_fx.url;
    o.idle_ttl_ms = IDLE_MS;
    o.gc_interval_ms = 20;
    o.clock_ms = t_clock_fn;
    th_assert_ok(dk_engine_open(&t_fx.e, &o));
    const char *a = t_connect("a");
    th_assert_ok(t_write(a, "x.txt", "x\n"));
    usleep(100000);
    th_assert_eq_int(dk_session_active_count(t_fx.e, NULL), 1);
    t_advance(IDLE_MS + 1);
    EVENTUALLY(dk_session_active_count(t_fx.e, NULL) == 0);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE state = 'closed'", NULL),
                     1);
}

void test_engine_ws_sqlite__gc_thread(void)
{
    t_gc_thread();
}

void test_engine_ws_pg__gc_thread(void)
{
    t_gc_thread();
}

/* A reload (what the listener does on another node's change, what approve /
 * verify / land do) racing this node's writes: no acknowledged write vanishes. */
struct ws_reloader {
    const char *sid;
    atomic_bool stop;
    int n;
};

static void *ws_reload_main(void *arg)
{
    struct ws_reloader *r = arg;
    while (!atomic_load(&r->stop)) {
        dk_eng_session_reload(t_fx.e, r->sid);
        r->n++;
    }
    return NULL;
}

static void t_reload_race(void)
{
    const char *a = t_connect("a");
    /* a large overlay makes each reload's read long: writes commit inside it */
    dk_store_conn *c;
    th_assert_ok(dk_store_acquire(&c, dk_eng_store(t_fx.e)));
    th_assert_ok(dk_store_begin(c));
    for (int i = 0; i < 1000; i++) {
        char path[32];
        snprintf(path, sizeof(path), "pad/%d.txt", i);
        dk_store_val p[] = {DK_SV_TEXT(a), DK_SV_TEXT(path), DK_SV_INT(T0)};
        th_assert_ok(dk_store_exec(c, NULL,
                                   "INSERT INTO overlay (session_id, path, blob_id, mode, deleted, "
                                   "updated_at) VALUES (?, ?, NULL, 33188, 1, ?)",
                                   p, 3));
    }
    th_assert_ok(dk_store_commit(c));
    dk_store_release(c);
    th_assert_ok(dk_eng_session_reload(t_fx.e, a));
    struct ws_reloader r = {.sid = a};
    pthread_t th;
    th_assert(pthread_create(&th, NULL, ws_reload_main, &r) == 0);
    int lost = 0;
    for (int i = 0; i < 60; i++) {
        char path[64], text[64];
        snprintf(path, sizeof(path), "f%d.txt", i);
        snprintf(text, sizeof(text), "v%d\n", i);
        th_assert_ok(t_write(a, path, text));
        /* read it back for a while: a stale reload applied after the write
         * would hide it until the next reload */
        for (int k = 0; k < 20; k++) {
            dk_file *f = NULL;
            int rc = dk_file_read(&f, t_fx.e, NULL, a, path);
            if (rc != DK_OK || strcmp(f->content, text) != 0)
                lost++;
            if (rc == DK_OK)
                dk_file_free(f);
            usleep(1000);
        }
    }
    atomic_store(&r.stop, true);
    pthread_join(th, NULL);
    th_assert_msg(lost == 0, "%d reads missed an acknowledged write (reloads %d)", lost, r.n);
}

void test_engine_ws_sqlite__reload_race(void)
{
    t_reload_race();
}

void test_engine_ws_pg__reload_race(void)
{
    t_reload_race();
}

/* Two ends of one session at once (close against abandon, each its own
 * thread): exactly one wins, one end event, never both. */
struct ws_ender {
    const char *sid;
    bool abandon;
    pthread_barrier_t *go;
    int rc;
};

static void *ws_end_main(void *arg)
{
    struct ws_ender *w = arg;
    pthread_barrier_wait(w->go);
    w->rc = w->abandon ? dk_session_abandon(t_fx.e, NULL, w->sid, "race")
                       : dk_session_close(t_fx.e, NULL, w->sid);
    return NULL;
}

static void t_end_race(void)
{
    int both = 0;
    for (int i = 0; i < 30; i++) {
        const char *sid = t_connect("a");
        char path[32];
        snprintf(path, sizeof(path), "e%d.txt", i);
        th_assert_ok(t_write(sid, path, "x\n"));
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        struct ws_ender w[2] = {{.sid = sid, .abandon = false, .go = &go},
                                {.sid = sid, .abandon = true, .go = &go}};
        pthread_t th[2];
        for (int k = 0; k < 2; k++)
            th_assert(pthread_create(&th[k], NULL, ws_end_main, &w[k]) == 0);
        for (int k = 0; k < 2; k++)
            pthread_join(th[k], NULL);
        pthread_barrier_destroy(&go);
        int64_t ends = th_count(&t_fx,
                                "SELECT COUNT(*) FROM events WHERE session_id = ? AND type IN "
                                "('session.closed', 'session.abandoned')",
                                sid);
        if (ends != 1 || (w[0].rc == DK_OK && w[1].rc == DK_OK))
            both++;
    }
    th_assert_msg(both == 0, "%d of 30 sessions ended twice", both);
}

void test_engine_ws_sqlite__end_race(void)
{
    t_end_race();
}

void test_engine_ws_pg__end_race(void)
{
    t_end_race();
}

/* Two resumes of one stranded session at once: exactly one wins; the other
 * is refused naming the winner, and one session carries the work on. */
struct ws_resumer {
    const char *old;
    const char *agent;
    pthread_barrier_t *go;
    int rc;
    char id[64];
};

static void *ws_resume_main(void *arg)
{
    struct ws_resumer *r = arg;
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    o.repo = "demo";
    o.intent = "resume";
    o.agent_id = r->agent;
    o.resume_session_id = r->old;
    dk_session_info *info = NULL;
    pthread_barrier_wait(r->go);
    r->rc = dk_session_connect(&info, t_fx.e, NULL, &o);
    if (r->rc == DK_OK) {
        snprintf(r->id, sizeof(r->id), "%s", info->session_id);
        dk_session_infos_free(info, 1);
    }
    return NULL;
}

static void t_resume_race(void)
{
    int bad = 0;
    for (int i = 0; i < 10; i++) {
        char agent[32], path[32], old[64];
        snprintf(agent, sizeof(agent), "r%d", i);
        snprintf(path, sizeof(path), "r%d.txt", i);
        snprintf(old, sizeof(old), "%s", t_connect(agent));
        th_assert_ok(t_write(old, path, "x\n"));
        t_mark_submitted(old);
        t_advance(IDLE_MS + 1);
        size_t n;
        th_assert_ok(dk_engine_gc(t_fx.e, &n));
        th_assert_eq_int(
            th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE state = 'stranded' AND id = ?",
                     old),
            1);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        struct ws_resumer r[2] = {{.old = old, .agent = agent, .go = &go},
                                  {.old = old, .agent = agent, .go = &go}};
        pthread_t th[2];
        for (int k = 0; k < 2; k++)
            th_assert(pthread_create(&th[k], NULL, ws_resume_main, &r[k]) == 0);
        for (int k = 0; k < 2; k++)
            pthread_join(th[k], NULL);
        pthread_barrier_destroy(&go);
        int ok = (r[0].rc == DK_OK) + (r[1].rc == DK_OK);
        int64_t live = th_count(&t_fx,
                                "SELECT COUNT(*) FROM sessions WHERE agent_id = ? AND state = "
                                "'active'",
                                agent);
        if (ok != 1 || live != 1) {
            fprintf(stderr, "resume race %d: rc %d/%d live %lld\n", i, r[0].rc, r[1].rc,
                    (long long)live);
            bad++;
        }
        const char *won = r[0].rc == DK_OK ? r[0].id : r[1].id;
        if (ok >= 1 &&
            th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", won) != 1)
            bad++;
    }
    th_assert_msg(bad == 0, "%d of 10 resumes raced wrong", bad);
}

void test_engine_ws_sqlite__resume_race(void)
{
    t_resume_race();
}

void test_engine_ws_pg__resume_race(void)
{
    t_resume_race();
}

/* A holder past its idle TTL renews (its write's transaction, in flight,
 * has refreshed last_active) while another session writes the same method:
 * the taker waits for the holder's transaction and sees it live. */
struct ws_writer {
    const char *sid;
    const char *text;
    int rc;
};

static void *ws_write_main(void *arg)
{
    struct ws_writer *w = arg;
    w->rc = t_write(w->sid, "src/tasks.py", w->text);
    return NULL;
}

static void t_takeover_race(void)
{
    char *t1 = t_tasks_with("return x + 1", "return x + 2");
    char *t2 = t_tasks_with("return x + 1", "return x + 3");
    char h[64], t[64];
    snprintf(h, sizeof(h), "%s", t_connect("holder"));
    snprintf(t, sizeof(t), "%s", t_connect("taker"));
    th_assert_ok(t_write(h, "src/tasks.py", t1));
    t_advance(IDLE_MS + 1);
    /* the holder's renewing transaction, held open */
    dk_store_conn *c;
    th_assert_ok(dk_store_acquire(&c, dk_eng_store(t_fx.e)));
    th_assert_ok(dk_store_begin(c));
    dk_store_val p[] = {DK_SV_INT(atomic_load(&t_clock)), DK_SV_TEXT(h)};
    th_assert_ok(dk_store_exec(c, NULL, "UPDATE sessions SET last_active = ? WHERE id = ?", p, 2));
    struct ws_writer w = {.sid = t, .text = t2};
    pthread_t th;
    th_assert(pthread_create(&th, NULL, ws_write_main, &w) == 0);
    usleep(300000);
    th_assert_ok(dk_store_commit(c));
    dk_store_release(c);
    pthread_join(th, NULL);
    th_assert_err(w.rc, DK_ECONFLICT);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", h), 1);
    free(t1);
    free(t2);
}

void test_engine_ws_sqlite__takeover_race(void)
{
    t_takeover_race();
}

void test_engine_ws_pg__takeover_race(void)
{
    t_takeover_race();
}

/* GC decides from what it read; a change committing before its close runs
 * (a write refreshing last_active, a submit) is seen by the close: a session
 * written to lives on, one that submitted is stranded, never closed. */
static void *ws_gc_main(void *arg)
{
    size_t *n = arg;
    dk_engine_gc(t_fx.e, n);
    return NULL;
}

static void t_gc_race_one(bool write, const char *want_state)
{
    const char *a0 = t_connect("a");
    char a[64];
    snprintf(a, sizeof(a), "%s", a0);
    th_assert_ok(t_write(a, "g.txt", "g\n"));
    char *cs = t_changeset_of(a);
    t_advance(IDLE_MS + 1);
    dk_store_conn *c;
    th_assert_ok(dk_store_acquire(&c, dk_eng_store(t_fx.e)));
    th_assert_ok(dk_store_begin(c));
    int64_t now = atomic_load(&t_clock);
    if (write) {
        dk_store_val p[] = {DK_SV_INT(now), DK_SV_TEXT(a)};
        th_assert_ok(
            dk_store_exec(c, NULL, "UPDATE sessions SET last_active = ? WHERE id = ?", p, 2));
    } else {
        dk_store_val p[] = {DK_SV_INT(now), DK_SV_TEXT(cs)};
        th_assert_ok(dk_store_exec(
            c, NULL, "UPDATE changesets SET state = 'submitted', updated_at = ? WHERE id = ?", p,
            2));
    }
    size_t n = 0;
    pthread_t th;
    th_assert(pthread_create(&th, NULL, ws_gc_main, &n) == 0);
    usleep(300000);
    th_assert_ok(dk_store_commit(c));
    dk_store_release(c);
    pthread_join(th, NULL);
    dk_store_conn *q;
    th_assert_ok(dk_store_acquire(&q, dk_eng_store(t_fx.e)));
    int64_t got = 0;
    bool found = false;
    dk_store_val p[] = {DK_SV_TEXT(a), DK_SV_TEXT(want_state)};
    th_assert_ok(dk_store_query_int(
        &got, &found, q, "SELECT COUNT(*) FROM sessions WHERE id = ? AND state = ?", p, 2));
    dk_store_release(q);
    th_assert_msg(got == 1, "session should be %s", want_state);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", a), 1);
    /* a session the re-check spared is not counted as collected; a stranded one
     * is (the second round also closes the first round's session, idle since) */
    th_assert_eq_int(n, (size_t)(write ? 0 : 2));
    free(cs);
}

static void t_gc_race(void)
{
    t_gc_race_one(true, "active");
    t_gc_race_one(false, "stranded");
}

void test_engine_ws_sqlite__gc_race(void)
{
    t_gc_race();
}

void test_engine_ws_pg__gc_race(void)
{
    t_gc_race();
}

/* dk_session_strand: what GC does to a session whose owner went away, now. */
static void t_strand_now(void)
{
    dk_caller owner = {.token_id = "tok-s"}, other = {.token_id = "tok-o"};
    char a[64];
    snprintf(a, sizeof(a), "%s", t_connect_as(&owner, "agent-s", NULL));
    char *ta = t_tasks_with("return x + 1", "return x + 5");
    th_assert_ok(t_write(a, "src/tasks.py", ta));
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", a), 1);
    th_assert_err(dk_session_strand(t_fx.e, &other, a, "gone"), DK_EFORBIDDEN);
    th_assert_err(dk_session_strand(t_fx.e, NULL, "nope", "gone"), DK_ENOSESSION);
    th_assert_err(dk_session_strand(t_fx.e, NULL, "", "gone"), DK_EINVALID);
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE id = ? AND state = 'active'", a), 1);
    th_assert_ok(dk_session_strand(t_fx.e, &owner, a, "laptop closed"));
    th_assert_eq_int(
        th_count(&t_fx,
                 "SELECT COUNT(*) FROM sessions WHERE id = ? AND state = 'stranded' AND "
                 "stranded_reason = 'laptop closed'",
                 a),
        1);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", a), 0);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM overlay WHERE session_id = ?", a), 1);
    th_assert_ok(dk_session_strand(t_fx.e, &owner, a, "again")); /* already stranded */
    dk_write_result *w = NULL;
    th_assert_err(dk_file_write(&w, t_fx.e, NULL, a, "x.txt", "x", 1, NULL), DK_ENOSESSION);
    th_assert(strstr(dk_error_last()->msg, "stranded"));
    dk_write_result_free(w);
    /* its owner resumes it, work and claims back */
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    o.repo = "demo";
    o.intent = "resume";
    o.agent_id = "agent-s";
    o.resume_session_id = a;
    dk_session_info *info;
    th_assert_ok(dk_session_connect(&info, t_fx.e, &owner, &o));
    char nid[64];
    snprintf(nid, sizeof(nid), "%s", info->session_id);
    th_assert_eq_int(info->files_changed, 1);
    dk_session_infos_free(info, 1);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", nid), 1);
    /* an ended session does not strand */
    th_assert_ok(dk_session_abandon(t_fx.e, NULL, nid, "done"));
    th_assert_err(dk_session_strand(t_fx.e, NULL, nid, "late"), DK_ESTATE);
    free(ta);
}

void test_engine_ws_sqlite__strand_now(void)
{
    t_strand_now();
}

void test_engine_ws_pg__strand_now(void)
{
    t_strand_now();
}

/* After a landing conflict the changeset stays submitted: the agent writes
 * its resolution and submits again, which lands. An approved changeset
 * written to is submitted again too (the approval lapses); a resubmit that
 * changes nothing is refused. */
static void t_resubmit(void)
{
    const char *a0 = t_connect("a");
    char a[64];
    snprintf(a, sizeof(a), "%s", a0);
    const char *b0 = t_connect("b");
    char b[64];
    snprintf(b, sizeof(b), "%s", b0);
    char *ta = t_tasks_with("return x + 1", "return x + 2");
    char *tb = t_tasks_with("return x + 1", "return x + 3");
    th_assert_ok(t_write(a, "src/tasks.py", ta));
    size_t ngc;
    th_assert_ok(dk_engine_gc(t_fx.e, &ngc)); /* writes refs/dk/sessions/<a> */
    dk_repo_info *ri;
    th_assert_ok(dk_repo_get(&ri, t_fx.e, "demo"));
    char *refs = th_git_out(ri->path, "for-each-ref --format='%%(refname)' refs/dk/sessions/%s", a);
    th_assert(strstr(refs, a));
    free(refs);
    dk_changeset_info *ci = NULL;
    th_assert_ok(dk_changeset_submit(&ci, t_fx.e, NULL, a));
    dk_changeset_info_free(ci);
    dk_land_result *lr = NULL;
    dk_land_opts lo = DK_LAND_OPTS_INIT;
    lo.close_session = true;
    th_assert_ok(dk_land(&lr, t_fx.e, NULL, a, &lo));
    dk_land_result_free(lr);
    /* the landing closed a: its overlay ref is gone */
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE id = ? AND state = 'closed'", a), 1);
    refs = th_git_out(ri->path, "for-each-ref --format='%%(refname)' refs/dk/sessions/%s", a);
    th_assert_eq_str(refs, "");
    free(refs);
    dk_repo_infos_free(ri, 1);
    dk_write_result *w = NULL;
    dk_write_opts wo = DK_WRITE_OPTS_INIT;
    wo.force = true;
    th_assert_ok(dk_file_write(&w, t_fx.e, NULL, b, "src/tasks.py", tb, strlen(tb), &wo));
    dk_write_result_free(w);
    th_assert_ok(dk_changeset_submit(&ci, t_fx.e, NULL, b));
    dk_changeset_info_free(ci);
    lr = NULL;
    th_assert_err(dk_land(&lr, t_fx.e, NULL, b, NULL), DK_ECONFLICT);
    dk_land_result_free(lr);
    /* the resolution: the head's helper, and b's own change elsewhere */
    char *resolved = t_replace(ta, "return y * 2", "return y * 3");
    th_assert_ok(t_write(b, "src/tasks.py", resolved));
    th_assert_ok(dk_changeset_submit(&ci, t_fx.e, NULL, b));
    th_assert_eq_int(ci->state, DK_CS_SUBMITTED);
    dk_changeset_info_free(ci);
    lr = NULL;
    th_assert_ok(dk_land(&lr, t_fx.e, NULL, b, NULL));
    dk_land_result_free(lr);

    /* approved, then written to: submitted again, the approval lapses */
    const char *c0 = t_connect("c");
    char c[64];
    snprintf(c, sizeof(c), "%s", c0);
    th_assert_ok(t_write(c, "c1.txt", "one\n"));
    th_assert_ok(dk_changeset_submit(&ci, t_fx.e, NULL, c));
    char *cs = strdup(ci->id);
    dk_changeset_info_free(ci);
    th_assert_ok(dk_changeset_approve(&ci, t_fx.e, NULL, cs, "ok"));
    dk_changeset_info_free(ci);
    th_assert_ok(t_write(c, "c2.txt", "two\n"));
    th_assert_ok(dk_changeset_submit(&ci, t_fx.e, NULL, c));
    th_assert_eq_int(ci->state, DK_CS_SUBMITTED);
    dk_changeset_info_free(ci);
    th_assert_err(dk_changeset_submit(&ci, t_fx.e, NULL, c), DK_ESTATE);
    th_assert(strstr(dk_error_last()->msg, "nothing changed since it was submitted"));
    free(cs);
    free(resolved);
    free(ta);
    free(tb);
}

void test_engine_ws_sqlite__resubmit(void)
{
    t_resubmit();
}

void test_engine_ws_pg__resubmit(void)
{
    t_resubmit();
}

/* A persistent session stranded at its deadline and resumed gets a new
 * deadline: the next GC pass leaves it alone. */
static void t_resume_deadline(void)
{
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    o.repo = "demo";
    o.intent = "long";
    o.agent_id = "p";
    o.mode = DK_SESSION_PERSISTENT;
    o.persistent_ttl_ms = IDLE_MS * 3;
    dk_session_info *info;
    th_assert_ok(dk_session_connect(&info, t_fx.e, NULL, &o));
    char old[64];
    snprintf(old, sizeof(old), "%s", info->session_id);
    dk_session_infos_free(info, 1);
    th_assert_ok(t_write(old, "p.txt", "p\n"));
    t_mark_submitted(old);
    t_advance(IDLE_MS * 4);
    size_t n;
    th_assert_ok(dk_engine_gc(t_fx.e, &n));
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE state = 'stranded' AND id = ?", old),
        1);
    o.persistent_ttl_ms = 0;
    o.resume_session_id = old;
    th_assert_ok(dk_session_connect(&info, t_fx.e, NULL, &o));
    char id[64];
    snprintf(id, sizeof(id), "%s", info->session_id);
    dk_session_infos_free(info, 1);
    t_advance(1000);
    th_assert_ok(dk_engine_gc(t_fx.e, &n));
    th_assert_eq_int(
        th_count(&t_fx, "SELECT COUNT(*) FROM sessions WHERE state = 'active' AND id = ?", id), 1);
}

void test_engine_ws_sqlite__resume_deadline(void)
{
    t_resume_deadline();
}

void test_engine_ws_pg__resume_deadline(void)
{
    t_resume_deadline();
}

/* Content that cannot be parsed keeps the claims the session held in the path. */
static void t_unparsed_keeps_claims(void)
{
    const char *a0 = t_connect("a");
    char a[64];
    snprintf(a, sizeof(a), "%s", a0);
    char *t1 = t_tasks_with("return x + 1", "return x + 2");
    th_assert_ok(t_write(a, "src/tasks.py", t1));
    int64_t held = th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", a);
    th_assert(held >= 1);
    char *broken = t_tasks_with("def helper(x):", "def helper(x:");
    dk_write_result *r = NULL;
    th_assert_ok(dk_file_write(&r, t_fx.e, NULL, a, "src/tasks.py", broken, strlen(broken), NULL));
    th_assert(r->unparsed);
    dk_write_result_free(r);
    th_assert_eq_int(th_count(&t_fx, "SELECT COUNT(*) FROM claims WHERE session_id = ?", a), held);
    /* another session still cannot take the method */
    const char *b = t_connect("b");
    char *t2 = t_tasks_with("return x + 1", "return x + 3");
    th_assert_err(t_write(b, "src/tasks.py", t2), DK_ECONFLICT);
    free(t1);
    free(t2);
    free(broken);
}

void test_engine_ws_sqlite__unparsed_keeps_claims(void)
{
    t_unparsed_keeps_claims();
}

void test_engine_ws_pg__unparsed_keeps_claims(void)
{
    t_unparsed_keeps_claims();
}
