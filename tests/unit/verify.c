/*
 * tests/unit/verify.c - the verification pipeline (issue 9) on real
 * pipelines: fixture repositories are built with dk_git_*, imported into an
 * engine on SQLite, changed through sessions, submitted and verified; the
 * steps really run (cc, make, seq) in the scratch directory.
 *
 * Suites:
 *  verify_run    dk_verify end to end: a C project with make passing, a
 *                failing test (finding parsed), a timeout killing the whole
 *                process group, megabytes of output capped, a command off the
 *                allow-list refused before anything runs, a deleted file gone
 *                during the run, a fix that passes only merged with the head,
 *                a conflict, the gate read from the head, semantic checks,
 *                a parallel stage.
 *  verify_unit   the parts: incremental materialisation, YAML errors, argv,
 *                allow-list, detection, scoping, findings.
 *
 *  verify_flow   what happens around a verdict: a pytest project (auto-
 *                detected; skipped, not passed, when no python3 with pytest is
 *                found), stranded / closed / abandoned sessions, landing after
 *                the head moved (re-verified), human-approve and agent-review
 *                steps, the verdict read back through status, a run killed
 *                before its verdict started again.
 *  verify_pg     two engines on one PostgreSQL store (two nodes) landing at
 *                once through one queue (the store's advisory lock), and
 *                that lock itself.
 */
#include "dk/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dk/engine.h"

#include "api/api.h"
#include "engine/engine_int.h"
#include "harness/th.h"
#include "harness/th_api.h"
#include "harness/th_engine.h"
#include "store/store.h"
#include "util/str.h"
#include "verify/verify_int.h"

/* ========================================================================== */
/* Fixtures                                                                   */
/* ========================================================================== */

static th_engine t_fx;
static char t_scratch[4096];
/* the engine's clock (ms): tests move it to strand sessions */
static _Atomic int64_t t_clock;

static int64_t t_clock_ms(void *ud)
{
    (void)ud;
    return atomic_load(&t_clock);
}

static const char t_makefile[] = "all: calc\n"
                                 "calc: main.c calc.c calc.h\n"
                                 "\tcc -o calc main.c calc.c\n"
                                 "test: calc\n"
                                 "\t./calc\n"
                                 "check-gone:\n"
                                 "\ttest ! -e stale.txt\n"
                                 "hang:\n"
                                 "\tsleep 300 & echo $$! > bg.pid; sleep 300\n";

static const char t_calc_ok[] = "#include \"calc.h\"\n\n"
                                "int add(int a, int b)\n{\n    return a + b;\n}\n\n"
                                "int mul(int a, int b)\n{\n    return a * b;\n}\n";

static const char t_calc_h[] = "int add(int a, int b);\nint mul(int a, int b);\n";

static const char t_main[] =
    "#include <stdio.h>\n#include \"calc.h\"\n\nint main(void)\n{\n"
    "    if (add(2, 3) != 5) {\n"
    "        fprintf(stderr, \"main.c:6: error: add(2, 3) is %d\\n\", add(2, 3));\n"
    "        return 1;\n    }\n"
    "    if (mul(2, 3) != 6) {\n"
    "        fprintf(stderr, \"main.c:10: error: mul(2, 3) is %d\\n\", mul(2, 3));\n"
    "        return 1;\n    }\n"
    "    puts(\"ok\");\n    return 0;\n}\n";

static const char t_pipeline_make[] = "pipeline:\n  name: c\n  timeout: 5m\n"
                                      "stages:\n"
                                      "  - name: build\n    steps:\n"
                                      "      - name: build\n        run: make\n"
                                      "  - name: test\n    steps:\n"
                                      "      - name: unit\n        run: make test\n"
                                      "        timeout: 60s\n";

/* Commit `files` (text NULL: delete) on main of repository `path` (unborn: a root commit). */
static void t_commit(const char *path, const th_file *files, size_t n)
{
    dk_git_repo *g;
    th_assert_ok(dk_git_repo_open(&g, path));
    th_commit_on(g, "main", files, n, "fixture\n");
    dk_git_repo_close(g);
}

/* A C project with make and `pipeline` (NULL: none) as the source, imported as "demo". */
static void t_project(const char *pipeline, const char *calc)
{
    dk_git_repo_close(th_engine_src(&t_fx));
    th_file f[] = {
        {"Makefile", t_makefile, 0}, {"calc.c", calc ? calc : t_calc_ok, 0},
        {"calc.h", t_calc_h, 0},     {"main.c", t_main, 0},
        {"stale.txt", "old\n", 0},   {".dk/pipeline.yaml", pipeline, 0},
    };
    t_commit(t_fx.src, f, pipeline ? 6 : 5);
    th_assert_ok(dk_repo_import(t_fx.e, "demo", t_fx.src, NULL));
}

/* The engine's copy of "demo". */
static void t_demo_path(char *out, size_t n)
{
    dk_repo_info *info;
    th_assert_ok(dk_repo_get(&info, t_fx.e, "demo"));
    snprintf(out, n, "%s", info->path);
    dk_repo_infos_free(info, 1);
}

static char *t_connect(void)
{
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    o.repo = "demo";
    o.intent = "change";
    o.agent_id = "agent";
    dk_session_info *s;
    th_assert_ok(dk_session_connect(&s, t_fx.e, NULL, &o));
    char *id = strdup(s->session_id);
    dk_session_infos_free(s, 1);
    return id;
}

static void t_write(const char *sid, const char *path, const char *text)
{
    dk_write_result *w = NULL;
    th_assert_ok(dk_file_write(&w, t_fx.e, NULL, sid, path, text, strlen(text), NULL));
    dk_write_result_free(w);
}

static void t_submit(const char *sid)
{
    dk_changeset_info *cs;
    th_assert_ok(dk_changeset_submit(&cs, t_fx.e, NULL, sid));
    dk_changeset_info_free(cs);
}

struct t_seen {
    int calls;
    char names[16][64];
};

static void t_on_step(void *ud, const dk_verify_step *s)
{
    struct t_seen *seen = ud;
    if (seen->calls < 16)
        snprintf(seen->names[seen->calls], sizeof(seen->names[0]), "%s=%s", s->name,
                 dk_verify_status_name(s->status));
    seen->calls++;
}

static dk_verify_opts t_opts(struct t_seen *seen)
{
    dk_verify_opts o = DK_VERIFY_OPTS_INIT;
    o.on_step = t_on_step;
    o.ud = seen;
    o.scratch_dir = t_scratch;
    return o;
}

static const dk_verify_step *t_step(const dk_verify_result *r, const char *name)
{
    for (size_t i = 0; i < r->nsteps; i++)
        if (strcmp(r->steps[i].name, name) == 0)
            return &r->steps[i];
    th_fail(__FILE__, __LINE__, "no step named %s", name);
    return NULL;
}

static dk_changeset_state t_cs_state(const char *sid)
{
    dk_session_info *s;
    th_assert_ok(dk_session_status(&s, t_fx.e, NULL, sid));
    dk_changeset_state st = s->changeset_state;
    dk_session_infos_free(s, 1);
    return st;
}

void test_verify_run__initialize(void)
{
    /* the engine's default store, in its data directory */
    memset(&t_fx, 0, sizeof(t_fx));
    snprintf(t_scratch, sizeof(t_scratch), "%s/scratch", th_tmpdir());
    atomic_store(&t_clock, 1764000000000LL);
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.clock_ms = t_clock_ms;
    th_engine_open(&t_fx, &o);
}

void test_verify_run__cleanup(void)
{
    th_engine_close(&t_fx);
}

void test_verify_flow__initialize(void)
{
    test_verify_run__initialize();
}

void test_verify_flow__cleanup(void)
{
    test_verify_run__cleanup();
}

/* ========================================================================== */
/* dk_verify end to end                                                       */
/* ========================================================================== */

void test_verify_run__c_make_passes(void)
{
    t_project(t_pipeline_make, NULL);
    char *sid = t_connect();
    t_write(sid, "calc.c",
            "/* calc */\n#include \"calc.h\"\n\nint add(int a, int b)\n{\n    return a + "
            "b;\n}\n\nint mul(int a, int b)\n{\n    return b * a;\n}\n");
    t_submit(sid);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_msg(r->passed, "%s", r->json);
    th_assert_eq_str(r->pipeline, ".dk/pipeline.yaml");
    th_assert_eq_int(r->nsteps, 3);
    th_assert_eq_int(seen.calls, 3);
    th_assert_eq_str(seen.names[0], "semantic=pass");
    th_assert_eq_str(seen.names[1], "build=pass");
    th_assert_eq_str(seen.names[2], "unit=pass");
    /* each step was also an event, in order, for watchers */
    dk_event *ev = NULL;
    size_t nev = 0;
    th_assert_ok(
        dk_events_watch(&ev, &nev, NULL, t_fx.e, "demo", 0, "changeset.verify_step", 100, 0));
    th_assert_eq_int(nev, 3);
    th_assert(strstr(ev[0].payload, "\"step\":\"semantic\"") != NULL);
    th_assert(strstr(ev[2].payload, "\"step\":\"unit\"") &&
              strstr(ev[2].payload, "\"status\":\"pass\""));
    dk_events_free(ev, nev);
    th_assert(strstr(t_step(r, "unit")->output, "ok\n") != NULL);
    th_assert_eq_int(r->state, DK_CS_APPROVED);
    th_assert_eq_int(t_cs_state(sid), DK_CS_APPROVED);
    th_assert(strstr(r->json, "\"passed\":true") != NULL);
    /* the approved changeset lands (the repository has verification steps) */
    dk_land_result *lr = NULL;
    th_assert_ok(dk_land(&lr, t_fx.e, NULL, sid, NULL));
    dk_land_result_free(lr);
    dk_verify_result_free(r);
    free(sid);
}

void test_verify_run__failing_test_rejects(void)
{
    t_project(t_pipeline_make, NULL);
    char *sid = t_connect();
    t_write(sid, "calc.c",
            "#include \"calc.h\"\n\nint add(int a, int b)\n{\n    return a - b;\n}\n\nint mul(int "
            "a, int b)\n{\n    return a * b;\n}\n");
    t_submit(sid);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert(!r->passed);
    const dk_verify_step *u = t_step(r, "unit");
    th_assert_eq_int(u->status, DK_VERIFY_FAIL);
    th_assert(u->exit_code != 0);
    th_assert(strstr(u->output, "add(2, 3) is -1") != NULL);
    /* the failure as a structured finding */
    bool found = false;
    for (size_t i = 0; i < u->nfindings; i++)
        found |= strcmp(u->findings[i].file, "main.c") == 0 && u->findings[i].line == 6 &&
                 u->findings[i].severity == DK_VERIFY_ERROR;
    th_assert_msg(found, "%s", r->json);
    th_assert_eq_int(t_cs_state(sid), DK_CS_REJECTED);
    /* rejected cannot land */
    dk_land_result *lr = NULL;
    th_assert_err(dk_land(&lr, t_fx.e, NULL, sid, NULL), DK_ESTATE);
    dk_land_result_free(lr);
    dk_verify_result_free(r);
    free(sid);
}

/* Whether process `pid` is alive (a zombie is not). */
static bool t_alive(long pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char buf[512] = "";
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

void test_verify_run__timeout_kills_the_group(void)
{
    t_project("stages:\n  - name: s\n    steps:\n      - name: hang\n        run: make hang\n"
              "        timeout: 1s\n      - name: after\n        run: echo after\n",
              NULL);
    char *sid = t_connect();
    t_write(sid, "notes.txt", "x\n");
    t_submit(sid);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert(!r->passed);
    const dk_verify_step *h = t_step(r, "hang");
    th_assert_eq_int(h->status, DK_VERIFY_TIMEOUT);
    th_assert_msg(h->duration_ms >= 900 && h->duration_ms < 10000, "%lld",
                  (long long)h->duration_ms);
    /* the rest of a sequential stage after a failed required step is reported, as skip */
    th_assert_eq_int(t_step(r, "after")->status, DK_VERIFY_SKIP);
    th_assert_eq_int(seen.calls, 3);
    /* the background sleep the recipe started died with the group */
    char pidfile[4200];
    snprintf(pidfile, sizeof(pidfile), "%s/tree/bg.pid", t_scratch);
    char *txt = th_read_file(pidfile, NULL);
    long pid = strtol(txt, NULL, 10);
    free(txt);
    th_assert(pid > 1);
    for (int i = 0; i < 100 && t_alive(pid); i++)
        usleep(20000);
    th_assert_msg(!t_alive(pid), "background process %ld survived the timeout", pid);
    dk_verify_result_free(r);
    free(sid);
}

void test_verify_run__megabytes_are_capped(void)
{
    /* seq is allowed only by this pipeline's list: the run-time check uses the same list */
    t_project("pipeline:\n  allowed_commands: [seq]\nstages:\n  - name: s\n    steps:\n"
              "      - name: spam\n        run: seq 1 1000000\n",
              NULL);
    char *sid = t_connect();
    t_write(sid, "notes.txt", "x\n");
    t_submit(sid);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    o.output_cap = 65536;
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_msg(r->passed, "%s", r->error ? r->error : "");
    const dk_verify_step *s = t_step(r, "spam");
    th_assert_eq_int(s->status, DK_VERIFY_PASS);
    th_assert_eq_int(s->output_bytes, 6888896);
    th_assert(s->truncated);
    size_t len = strlen(s->output);
    th_assert_eq_int(len, 65536);
    th_assert(strcmp(s->output + len - 8, "1000000\n") == 0);
    dk_verify_result_free(r);
    free(sid);
}

void test_verify_run__binary_output_stays_in_the_json(void)
{
    /* printf turns \377 into one 0xff byte: not UTF-8, so it becomes U+FFFD */
    t_project("pipeline:\n  allowed_commands: [printf]\nstages:\n  - name: s\n    steps:\n"
              "      - name: bin\n        run: printf x\\\\377y\n",
              NULL);
    char *sid = t_connect();
    t_write(sid, "notes.txt", "x\n");
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    o.check_only = true;
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_msg(r->passed, "%s", r->json);
    th_assert_eq_str(t_step(r, "bin")->output, "x\xef\xbf\xbdy");
    th_assert_eq_int(t_step(r, "bin")->output_bytes, 3);
    th_assert(strstr(r->json, "\"output_tail\":\"x\xef\xbf\xbdy\"") != NULL);
    dk_verify_result_free(r);
    free(sid);
}

void test_verify_run__step_inherits_no_descriptor(void)
{
    /* a descriptor of this process without close-on-exec (as a server's socket may be) */
    char f[4200];
    snprintf(f, sizeof(f), "%s/secret", th_tmpdir());
    th_write_file(f, "s", 1);
    int fd = open(f, O_RDONLY);
    th_assert(fd > 2);
    t_project("pipeline:\n  allowed_commands: [ls]\nstages:\n  - name: s\n    steps:\n"
              "      - name: fds\n        run: ls /proc/self/fd\n",
              NULL);
    char *sid = t_connect();
    t_write(sid, "notes.txt", "x\n");
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    o.check_only = true;
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    close(fd);
    /* 0-2, and 3: ls's own handle on /proc/self/fd */
    th_assert_eq_str(t_step(r, "fds")->output, "0\n1\n2\n3\n");
    dk_verify_result_free(r);
    free(sid);
}

void test_verify_run__command_not_allowed_is_refused(void)
{
    /* `touch` is on no list: refused before anything runs, so the marker never appears */
    t_project("stages:\n  - name: s\n    steps:\n      - name: first\n        run: echo hi\n"
              "      - name: evil\n        run: touch pwned\n",
              NULL);
    char *sid = t_connect();
    t_write(sid, "notes.txt", "x\n");
    t_submit(sid);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    dk_verify_result *r = NULL;
    th_assert_err(dk_verify(&r, t_fx.e, NULL, sid, &o), DK_EINVALID);
    th_assert(r != NULL);
    th_assert(!r->passed);
    th_assert_msg(strstr(r->error, "touch") && strstr(r->error, "allow-list"), "%s", r->error);
    th_assert_eq_int(r->nsteps, 0);
    th_assert_eq_int(seen.calls, 0);
    th_assert_eq_int(t_cs_state(sid), DK_CS_REJECTED);
    char marker[4200];
    snprintf(marker, sizeof(marker), "%s/tree/pwned", t_scratch);
    th_assert(access(marker, F_OK) != 0);
    th_assert(strstr(r->json, "\"error\"") != NULL);
    dk_verify_result_free(r);
    free(sid);
}

void test_verify_run__deleted_file_is_gone(void)
{
    t_project(
        "stages:\n  - name: s\n    steps:\n      - name: gone\n        run: make check-gone\n",
        NULL);
    char *sid = t_connect();
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    o.check_only = true;
    /* precondition: with the file there, the step fails (so it tests something) */
    t_write(sid, "notes.txt", "x\n");
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert(!r->passed);
    dk_verify_result_free(r);
    th_assert_eq_int(t_cs_state(sid), DK_CS_DRAFT);
    dk_write_result *w = NULL;
    th_assert_ok(dk_file_delete(&w, t_fx.e, NULL, sid, "stale.txt"));
    dk_write_result_free(w);
    t_submit(sid);
    o.check_only = false;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_msg(r->passed, "%s", r->json);
    th_assert_eq_int(r->files_removed, 1);
    dk_verify_result_free(r);
    free(sid);
}

void test_verify_run__fix_passes_only_merged_with_head(void)
{
    /* base: add and mul both wrong; the session fixes mul, the head meanwhile fixes add */
    static const char both_bad[] = "#include \"calc.h\"\n\nint add(int a, int b)\n{\n    return a "
                                   "- b;\n}\n\nint mul(int a, int b)\n{\n    return a + b;\n}\n";
    static const char mul_fixed[] = "#include \"calc.h\"\n\nint add(int a, int b)\n{\n    return a "
                                    "- b;\n}\n\nint mul(int a, int b)\n{\n    return a * b;\n}\n";
    static const char add_fixed[] = "#include \"calc.h\"\n\nint add(int a, int b)\n{\n    return a "
                                    "+ b;\n}\n\nint mul(int a, int b)\n{\n    return a + b;\n}\n";
    t_project(t_pipeline_make, both_bad);
    char *sid = t_connect();
    t_write(sid, "calc.c", mul_fixed);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    o.check_only = true;
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_msg(!r->passed, "the session's own tree must fail: %s", r->json);
    dk_verify_result_free(r);
    /* the head moves */
    char demo[4096];
    t_demo_path(demo, sizeof(demo));
    th_file f[] = {{"calc.c", add_fixed, 0}};
    t_commit(demo, f, 1);
    t_submit(sid);
    o.check_only = false;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_msg(r->passed, "%s", r->json);
    /* the tree under test is the merge: both fixes in calc.c on disk */
    char path[4200];
    snprintf(path, sizeof(path), "%s/tree/calc.c", t_scratch);
    char *txt = th_read_file(path, NULL);
    th_assert(strstr(txt, "return a + b;") && strstr(txt, "return a * b;"));
    free(txt);
    th_assert_eq_int(r->state, DK_CS_APPROVED);
    dk_verify_result_free(r);
    free(sid);
}

void test_verify_run__conflict_is_reported(void)
{
    t_project(t_pipeline_make, NULL);
    char *sid = t_connect();
    t_write(sid, "calc.c",
            "#include \"calc.h\"\n\nint add(int a, int b)\n{\n    return b + a;\n}\n\nint mul(int "
            "a, int b)\n{\n    return a * b;\n}\n");
    t_submit(sid);
    char demo[4096];
    t_demo_path(demo, sizeof(demo));
    th_file f[] = {{"calc.c",
                    "#include \"calc.h\"\n\nint add(int a, int b)\n{\n    return (a + "
                    "b);\n}\n\nint mul(int a, int b)\n{\n    return a * b;\n}\n",
                    0}};
    t_commit(demo, f, 1);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert(!r->passed);
    th_assert(r->nconflicts >= 1);
    th_assert_eq_str(r->conflicts[0].path, "calc.c");
    th_assert_eq_int(r->nsteps, 0);
    th_assert_eq_int(seen.calls, 0);
    th_assert_eq_int(t_cs_state(sid), DK_CS_REJECTED);
    th_assert(strstr(r->json, "\"conflicts\":[{") != NULL);
    dk_verify_result_free(r);
    free(sid);
}

void test_verify_run__gate_comes_from_the_head(void)
{
    t_project(t_pipeline_make, NULL);
    char *sid = t_connect();
    /* break the test and try to replace the gate with one that passes */
    t_write(sid, "calc.c",
            "#include \"calc.h\"\n\nint add(int a, int b)\n{\n    return 0;\n}\n\nint mul(int a, "
            "int b)\n{\n    return a * b;\n}\n");
    t_write(sid, ".dk/pipeline.yaml",
            "stages:\n  - name: s\n    steps:\n      - name: ok\n        run: echo fine\n");
    t_submit(sid);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert(!r->passed);
    th_assert_eq_int(t_step(r, "unit")->status, DK_VERIFY_FAIL);
    dk_verify_result_free(r);
    free(sid);
}

void test_verify_run__semantic_removed_and_changed(void)
{
    const char *pipe =
        "stages:\n  - name: s\n    steps:\n      - name: ok\n        run: echo fine\n";
    t_project(pipe, NULL);
    char *sid = t_connect();
    /* add() removed from calc.c (main.c still calls it); mul() gains a parameter */
    t_write(sid, "calc.c",
            "#include \"calc.h\"\n\nint mul(int a, int b, int c)\n{\n    return a * b * c;\n}\n");
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    o.check_only = true;
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert(!r->passed);
    const dk_verify_step *s = t_step(r, "semantic");
    th_assert_eq_int(s->status, DK_VERIFY_FAIL);
    bool removed = false, changed = false;
    for (size_t i = 0; i < s->nfindings; i++) {
        const dk_verify_finding *f = &s->findings[i];
        if (f->severity == DK_VERIFY_ERROR && strstr(f->message, "'add' removed") &&
            strstr(f->message, "main.c:"))
            removed = true;
        if (f->severity == DK_VERIFY_ERROR && strstr(f->message, "'mul' changed its parameters") &&
            strstr(f->message, "main.c:"))
            changed = true;
    }
    th_assert_msg(removed && changed, "%s", s->output);
    th_assert_eq_int(t_step(r, "ok")->status, DK_VERIFY_PASS);
    dk_verify_result_free(r);
    /* a compatible change (a body only) is not reported */
    t_write(sid, "calc.c",
            "#include \"calc.h\"\n\nint add(int a, int b)\n{\n    return b + a;\n}\n\nint mul(int "
            "a, int b)\n{\n    return a * b;\n}\n");
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_msg(r->passed, "%s", r->json);
    th_assert_eq_int(t_step(r, "semantic")->nfindings, 0);
    dk_verify_result_free(r);
    free(sid);
}

void test_verify_run__parallel_stage_and_draft_refused(void)
{
    t_project("stages:\n  - name: p\n    parallel: true\n    steps:\n"
              "      - name: a\n        run: echo a\n      - name: b\n        run: echo b\n"
              "      - name: c\n        run: make\n",
              NULL);
    char *sid = t_connect();
    t_write(sid, "notes.txt", "x\n");
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    dk_verify_result *r = NULL;
    /* a draft is not verified (record mode needs a submitted changeset) */
    th_assert_err(dk_verify(&r, t_fx.e, NULL, sid, &o), DK_ESTATE);
    th_assert(r == NULL);
    t_submit(sid);
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_msg(r->passed, "%s", r->json);
    th_assert_eq_int(seen.calls, 4);
    th_assert_eq_str(t_step(r, "a")->output, "a\n");
    th_assert_eq_str(t_step(r, "b")->output, "b\n");
    dk_verify_result_free(r);
    free(sid);
}

void test_verify_run__auto_detected_make(void)
{
    t_project(NULL, NULL);
    char *sid = t_connect();
    t_write(sid, "notes.txt", "x\n");
    t_submit(sid);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_eq_str(r->pipeline, "auto-c");
    th_assert_msg(r->passed, "%s", r->json);
    th_assert_eq_int(t_step(r, "c:build")->status, DK_VERIFY_PASS);
    th_assert_eq_int(t_step(r, "c:test")->status, DK_VERIFY_PASS);
    dk_verify_result_free(r);
    free(sid);
}

/*
 * The sandbox path with a stand-in bwrap first on PATH (bwrap itself is not
 * installed here): found and used, with no network, / read-only and only the
 * scratch directory writable; REQUIRE without any bwrap refuses to run.
 */
void test_verify_run__bwrap_when_present(void)
{
    char bin[4200], fake[4300], path[8600], log[4300];
    snprintf(bin, sizeof(bin), "%s/fakebin", th_tmpdir());
    snprintf(fake, sizeof(fake), "%s/bwrap", bin);
    static const char script[] = "#!/bin/sh\n"
                                 "printf '%s\\n' \"$@\" > \"$HOME/bwrap.log\"\n"
                                 "while [ \"$1\" != -- ]; do\n"
                                 "  if [ \"$1\" = --chdir ]; then cd \"$2\" || exit 99; shift; fi\n"
                                 "  shift\n"
                                 "done\n"
                                 "shift\nexec \"$@\"\n";
    th_write_file(fake, script, strlen(script));
    th_assert(chmod(fake, 0755) == 0);
    snprintf(path, sizeof(path), "%s:%s", bin, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");

    t_project("stages:\n  - name: s\n    steps:\n      - name: hi\n        run: echo inside\n",
              NULL);
    char *sid = t_connect();
    t_write(sid, "notes.txt", "x\n");
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    o.check_only = true;
    o.path = path;
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_msg(r->passed, "%s", r->json);
    th_assert_eq_str(r->sandbox, "bwrap");
    th_assert_eq_str(t_step(r, "hi")->output, "inside\n");
    dk_verify_result_free(r);
    snprintf(log, sizeof(log), "%s/home/bwrap.log", t_scratch);
    char *args = th_read_file(log, NULL);
    char want[8800];
    snprintf(want, sizeof(want), "--bind\n%s\n%s\n", t_scratch, t_scratch);
    th_assert_msg(strstr(args, "--unshare-net\n") && strstr(args, "--ro-bind\n/\n/\n") &&
                      strstr(args, want) && strstr(args, "--\necho\ninside\n"),
                  "%s", args);
    free(args);

    /* REQUIRE with no bwrap on PATH: nothing runs */
    o.path = "/nonexistent";
    o.sandbox = DK_VERIFY_SANDBOX_REQUIRE;
    th_assert_err(dk_verify(&r, t_fx.e, NULL, sid, &o), DK_EUNSUPPORTED);
    th_assert(r == NULL);
    /* NONE ignores the one on PATH */
    o.path = path;
    o.sandbox = DK_VERIFY_SANDBOX_NONE;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_eq_str(r->sandbox, "none");
    dk_verify_result_free(r);
    free(sid);
}

/* The `verify` row of the operation table: the result matches its schema. */
void test_verify_run__through_the_op_table(void)
{
    t_project(t_pipeline_make, NULL);
    char *sid = t_connect();
    t_write(sid, "notes.txt", "x\n");
    t_submit(sid);
    dk_api *api;
    th_assert_ok(dk_api_new(&api, t_fx.e));
    char params[512];
    snprintf(params, sizeof(params), "{\"session_id\":\"%s\"}", sid);
    json_t *p = json_loads(params, 0, NULL), *res = NULL;
    dk_api_ctx ctx = DK_API_CTX_INIT(api);
    dk_api_error err = DK_API_ERROR_INIT;
    int rc = dk_api_call(&ctx, "verify", p, &res, &err);
    dk_api_ctx_release(&ctx);
    th_assert_msg(rc == 0, "verify: %s %s", dk_api_code_name(err.code), err.message);
    json_t *schema = dk_api_op_schema(dk_api_op_find("verify"), true);
    dk_api_error verr = DK_API_ERROR_INIT;
    th_assert_msg(dk_api_validate(schema, res, &verr) == 0, "off its schema: %s", verr.message);
    json_decref(schema);
    th_assert(json_is_true(json_object_get(res, "passed")));
    th_assert_eq_str(json_string_value(json_object_get(res, "state")), "approved");
    th_assert_eq_int(json_array_size(json_object_get(res, "steps")), 3);
    json_decref(res);
    /* the default scratch directory sits beside repos/ */
    char tree[4200];
    snprintf(tree, sizeof(tree), "%s/verify/demo/tree/calc", t_fx.data);
    th_assert(access(tree, X_OK) == 0);
    /* approved is no longer submitted: a second verify is refused */
    res = NULL;
    dk_api_ctx ctx2 = DK_API_CTX_INIT(api);
    rc = dk_api_call(&ctx2, "verify", p, &res, &err);
    dk_api_ctx_release(&ctx2);
    th_assert_msg(rc == -1 && err.code == DK_API_INVALID_STATE, "%s %s", dk_api_code_name(err.code),
                  err.message);
    dk_api_error_release(&err);
    json_decref(p);
    dk_api_free(api);
    free(sid);
}

/* ========================================================================== */
/* The parts                                                                  */
/* ========================================================================== */

void test_verify_unit__incremental_materialisation(void)
{
    char repo_path[4200], root[4200], p[4300];
    snprintf(repo_path, sizeof(repo_path), "%s/r.git", th_tmpdir());
    snprintf(root, sizeof(root), "%s/scr", th_tmpdir());
    dk_git_repo *g;
    th_assert_ok(dk_git_repo_init(&g, repo_path));
    dk_git_edit e[52];
    char names[50][32];
    for (int i = 0; i < 50; i++) {
        snprintf(names[i], sizeof(names[i]), "d%d/f%d.txt", i % 5, i);
        e[i] = (dk_git_edit){.path = names[i],
                             .op = DK_GIT_EDIT_UPSERT,
                             .id = th_blob(g, names[i]),
                             .mode = DK_GIT_MODE_FILE};
    }
    e[50] = (dk_git_edit){.path = "bin/run",
                          .op = DK_GIT_EDIT_UPSERT,
                          .id = th_blob(g, "#!/bin/sh\n"),
                          .mode = DK_GIT_MODE_EXEC};
    e[51] = (dk_git_edit){.path = "link",
                          .op = DK_GIT_EDIT_UPSERT,
                          .id = th_blob(g, "d0/f0.txt"),
                          .mode = DK_GIT_MODE_LINK};
    dk_oid t1, t2, t3;
    th_assert_ok(dk_git_tree_build(&t1, g, NULL, e, 52));
    struct dk_vfy_sync_stats st;
    th_assert_ok(dk_vfy_scratch_sync(&st, g, &t1, root));
    th_assert(st.full);
    th_assert_eq_int(st.written, 52);
    struct stat sb;
    snprintf(p, sizeof(p), "%s/tree/bin/run", root);
    th_assert(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0755);
    snprintf(p, sizeof(p), "%s/tree/d1/f1.txt", root);
    th_assert(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0644);
    snprintf(p, sizeof(p), "%s/tree/link", root);
    char target[64] = "";
    th_assert(lstat(p, &sb) == 0 && S_ISLNK(sb.st_mode));
    th_assert(readlink(p, target, sizeof(target) - 1) == 9);
    th_assert_eq_str(target, "d0/f0.txt");

    /* the same tree again: nothing written */
    th_assert_ok(dk_vfy_scratch_sync(&st, g, &t1, root));
    th_assert(!st.full);
    th_assert_eq_int(st.written, 0);
    th_assert_eq_int(st.removed, 0);

    /* one file changed, one deleted (its directory emptied), a build output left alone */
    snprintf(p, sizeof(p), "%s/tree/d1/out.o", root);
    th_write_file(p, "obj", 3);
    dk_git_edit ch[] = {
        {.path = "d2/f2.txt",
         .op = DK_GIT_EDIT_UPSERT,
         .id = th_blob(g, "new"),
         .mode = DK_GIT_MODE_FILE},
        {.path = "bin/run", .op = DK_GIT_EDIT_DELETE},
    };
    th_assert_ok(dk_git_tree_build(&t2, g, &t1, ch, 2));
    th_assert_ok(dk_vfy_scratch_sync(&st, g, &t2, root));
    th_assert(!st.full);
    th_assert_eq_int(st.written, 1);
    th_assert_eq_int(st.removed, 1);
    snprintf(p, sizeof(p), "%s/tree/bin", root);
    th_assert(access(p, F_OK) != 0);
    snprintf(p, sizeof(p), "%s/tree/d2/f2.txt", root);
    char *txt = th_read_file(p, NULL);
    th_assert_eq_str(txt, "new");
    free(txt);
    snprintf(p, sizeof(p), "%s/tree/d1/out.o", root);
    th_assert(access(p, F_OK) == 0);

    /* a step edited a tracked file and replaced a directory by a symlink: repaired */
    snprintf(p, sizeof(p), "%s/tree/d3/f3.txt", root);
    th_write_file(p, "tampered!", 9);
    snprintf(p, sizeof(p), "%s/tree/d4", root);
    th_assert(th_system("rm -rf '%s' && ln -s /tmp '%s'", p, p) == 0);
    th_assert_ok(dk_vfy_scratch_sync(&st, g, &t2, root));
    th_assert_eq_int(st.repaired, 11);
    snprintf(p, sizeof(p), "%s/tree/d3/f3.txt", root);
    txt = th_read_file(p, NULL);
    th_assert_eq_str(txt, "d3/f3.txt");
    free(txt);
    snprintf(p, sizeof(p), "%s/tree/d4", root);
    th_assert(lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode));

    /* a file becomes a directory */
    dk_git_edit fd[] = {
        {.path = "link", .op = DK_GIT_EDIT_DELETE},
        {.path = "link/inner",
         .op = DK_GIT_EDIT_UPSERT,
         .id = th_blob(g, "in"),
         .mode = DK_GIT_MODE_FILE},
    };
    th_assert_ok(dk_git_tree_build(&t3, g, &t2, fd, 2));
    th_assert_ok(dk_vfy_scratch_sync(&st, g, &t3, root));
    snprintf(p, sizeof(p), "%s/tree/link/inner", root);
    txt = th_read_file(p, NULL);
    th_assert_eq_str(txt, "in");
    free(txt);

    /* a damaged manifest: written whole again */
    snprintf(p, sizeof(p), "%s/manifest", root);
    th_write_file(p, "junk\n", 5);
    th_assert_ok(dk_vfy_scratch_sync(&st, g, &t3, root));
    th_assert(st.full);
    dk_git_repo_close(g);
}

/*
 * A file rewritten with the same size must get a later mtime second than the
 * one it replaces, whatever the clock says: Python's bytecode cache judges by
 * (whole-second mtime, size), and the pytest flow test once ran the previous
 * tree's bytecode. The old file's mtime is set far ahead so the rewrite happens
 * "within its second" deterministically.
 */
void test_verify_unit__rewrite_gets_later_mtime(void)
{
    char repo_path[4200], root[4200], p[4300];
    snprintf(repo_path, sizeof(repo_path), "%s/r.git", th_tmpdir());
    snprintf(root, sizeof(root), "%s/scr", th_tmpdir());
    dk_git_repo *g;
    th_assert_ok(dk_git_repo_init(&g, repo_path));
    dk_git_edit e1 = {.path = "calc.py",
                      .op = DK_GIT_EDIT_UPSERT,
                      .id = th_blob(g, "def add(a, b): return a - b\n"),
                      .mode = DK_GIT_MODE_FILE};
    dk_oid t1, t2;
    th_assert_ok(dk_git_tree_build(&t1, g, NULL, &e1, 1));
    struct dk_vfy_sync_stats st;
    th_assert_ok(dk_vfy_scratch_sync(&st, g, &t1, root));
    snprintf(p, sizeof(p), "%s/tree/calc.py", root);
    time_t ahead = time(NULL) + 3600;
    struct timespec ts[2] = {{.tv_sec = ahead}, {.tv_sec = ahead}};
    th_assert(utimensat(AT_FDCWD, p, ts, 0) == 0);
    dk_git_edit e2 = {.path = "calc.py",
                      .op = DK_GIT_EDIT_UPSERT,
                      .id = th_blob(g, "def add(a, b): return a + b\n"),
                      .mode = DK_GIT_MODE_FILE};
    th_assert_ok(dk_git_tree_build(&t2, g, &t1, &e2, 1));
    th_assert_ok(dk_vfy_scratch_sync(&st, g, &t2, root));
    th_assert_eq_int(st.written, 1);
    struct stat sb;
    th_assert(stat(p, &sb) == 0);
    th_assert_eq_int((long long)sb.st_mtim.tv_sec, (long long)ahead + 1);
    /* and the manifest recorded that mtime: the next sync writes nothing */
    th_assert_ok(dk_vfy_scratch_sync(&st, g, &t2, root));
    th_assert_eq_int(st.written, 0);
    th_assert_eq_int(st.repaired, 0);
    dk_git_repo_close(g);
}

static void t_yaml_err(const char *yaml, const char *want)
{
    struct dk_vfy_pipeline p;
    int rc = dk_vfy_pipeline_parse(&p, yaml, strlen(yaml));
    dk_vfy_pipeline_release(&p);
    th_assert_msg(rc == DK_EINVALID, "accepted: %s", yaml);
    th_assert_msg(strstr(dk_error_last()->msg, want), "'%s' lacks '%s'", dk_error_last()->msg,
                  want);
}

void test_verify_unit__pipeline_yaml(void)
{
    const char *good =
        "pipeline:\n  name: ci\n  timeout: 2m\n  allowed_commands: [make, \"cmake --build\"]\n"
        "  semantic: false\n"
        "stages:\n  - name: b\n    parallel: true\n    steps:\n"
        "      - name: one\n        run: make -C 'sub dir' all\n        timeout: 90s\n"
        "        required: false\n        changeset_aware: true\n        work_dir: lib/\n";
    struct dk_vfy_pipeline p;
    th_assert_ok(dk_vfy_pipeline_parse(&p, good, strlen(good)));
    th_assert_eq_str(p.name, "ci");
    th_assert_eq_int(p.timeout_ms, 120000);
    th_assert(!p.semantic);
    th_assert_eq_int(p.allowed.len, 2);
    th_assert_eq_int(p.stages.len, 1);
    th_assert(p.stages.items[0].parallel);
    const struct dk_vfy_step *s = &p.stages.items[0].steps.items[0];
    th_assert_eq_int(s->timeout_ms, 90000);
    th_assert(!s->required && s->changeset_aware);
    th_assert_eq_str(s->work_dir, "lib");
    th_assert_eq_int(s->argc, 4);
    th_assert_eq_str(s->argv[2], "sub dir");
    dk_vfy_pipeline_release(&p);

    t_yaml_err("stages: [\n", "pipeline.yaml:");
    t_yaml_err("- a\n", "mapping");
    t_yaml_err("pipeline:\n  name: x\n", "non-empty list");
    t_yaml_err("stages: []\n", "non-empty list");
    t_yaml_err("stages:\n  - name: s\n    steps:\n      - name: a\n        run: make\n        "
               "requird: false\n",
               ":6: unknown key 'requird'");
    t_yaml_err("stages:\n  - name: s\n    steps:\n      - name: a\n        run: make\n        "
               "timeout: 5 minutes\n",
               "duration");
    t_yaml_err("stages:\n  - name: s\n    steps:\n      - name: a\n", "needs run");
    t_yaml_err("stages:\n  - name: s\n    steps:\n      - name: a\n        run: make\n        "
               "work_dir: ../x\n",
               "work_dir");
    t_yaml_err("stages:\n  - name: s\n    steps:\n      - name: a\n        run: make && rm x\n",
               "shell syntax");
    t_yaml_err("pipeline:\n  allowed_commands: [make]\nstages:\n  - name: s\n    steps:\n"
               "      - name: a\n        run: echo hi\n",
               "allowed_commands");
    t_yaml_err("stages:\n  - name: s\n    steps:\n      - name: a\n        run: make\n"
               "        required: false\n        required: true\n",
               ":7: 'required' is given twice");
    t_yaml_err("stages:\n  - name: s\n    steps:\n      - name: a\n        run: make\n"
               "      - name: a\n        run: make\n",
               "used twice");
    t_yaml_err("stages:\n  - name: s\n    steps:\n      - name: a\n        run: make\n        "
               "required: maybe\n",
               "true or false");

    /* step types: agent-review and human-approve, strictly */
#define T_ST "stages:\n  - name: s\n    steps:\n      - name: a\n        run: make\n"
    th_assert_ok(dk_vfy_pipeline_parse(
        &p,
        "pipeline:\n  allowed_commands: [make, my-reviewer]\n" T_ST
        "      - name: r\n        type: agent-review\n        run: my-reviewer --json\n"
        "  - name: last\n    steps:\n      - name: ok\n        type: human-approve\n"
        "        prompt: sign it\n",
        strlen("pipeline:\n  allowed_commands: [make, my-reviewer]\n" T_ST
               "      - name: r\n        type: agent-review\n        run: my-reviewer --json\n"
               "  - name: last\n    steps:\n      - name: ok\n        type: human-approve\n"
               "        prompt: sign it\n")));
    th_assert_eq_int(p.stages.items[0].steps.items[1].type, DK_VFY_AGENT_REVIEW);
    th_assert_eq_str(p.stages.items[0].steps.items[1].prompt, "Review this changeset");
    th_assert_eq_int(p.stages.items[1].steps.items[0].type, DK_VFY_HUMAN_APPROVE);
    th_assert_eq_str(p.stages.items[1].steps.items[0].prompt, "sign it");
    th_assert_eq_int(p.stages.items[1].steps.items[0].argc, 0);
    dk_vfy_pipeline_release(&p);
    t_yaml_err(T_ST "        type: review\n", ":6: unknown step type 'review'");
    t_yaml_err(T_ST "        type: semantic\n", "built in");
    t_yaml_err(T_ST "        prompt: p\n", "'prompt' does not apply to command steps");
    t_yaml_err(T_ST "      - name: h\n        type: human-approve\n        run: make\n",
               ":8: 'run' does not apply to human-approve steps");
    t_yaml_err(T_ST "      - name: h\n        type: human-approve\n        required: false\n",
               "'required' does not apply to human-approve steps");
    t_yaml_err(T_ST "      - name: h\n        type: human-approve\n        timeout: 1h\n",
               "'timeout' does not apply");
    t_yaml_err(T_ST "      - name: r\n        type: agent-review\n", "needs run (the reviewer");
    t_yaml_err(T_ST "      - name: r\n        type: agent-review\n        run: my-reviewer\n",
               "not on the default allow-list");
    t_yaml_err(T_ST "      - name: r\n        type: agent-review\n        run: make\n"
                    "        changeset_aware: true\n",
               "'changeset_aware' does not apply to agent-review steps");
    t_yaml_err("stages:\n  - name: s\n    steps:\n      - name: h\n        type: human-approve\n"
               "      - name: a\n        run: make\n",
               ":4: human-approve step 'h' must be the pipeline's last step");
    t_yaml_err("stages:\n  - name: s\n    steps:\n      - name: h\n        type: human-approve\n"
               "  - name: t\n    steps:\n      - name: a\n        run: make\n",
               "must be the pipeline's last step");
    t_yaml_err("stages:\n  - name: s\n    parallel: true\n    steps:\n      - name: a\n"
               "        run: make\n      - name: h\n        type: human-approve\n",
               "cannot be in a parallel stage");
#undef T_ST
}

static int t_check(const char *cmd, const char *allowed)
{
    char **argv, **al = NULL;
    size_t argc, nal = 0;
    th_assert_ok(dk_vfy_argv_split(&argv, &argc, cmd));
    if (allowed)
        th_assert_ok(dk_vfy_argv_split(&al, &nal, allowed));
    char **const list[] = {al};
    int rc = dk_vfy_command_check(argv, argc, list, allowed ? 1 : 0);
    dk_vfy_argv_free(argv);
    dk_vfy_argv_free(al);
    return rc;
}

void test_verify_unit__argv_and_allow_list(void)
{
    char **argv;
    size_t argc;
    th_assert_ok(dk_vfy_argv_split(&argv, &argc, "  pytest -k 'a b' \"x\\\"y\" c\\ d  "));
    th_assert_eq_int(argc, 5);
    th_assert_eq_str(argv[2], "a b");
    th_assert_eq_str(argv[3], "x\"y");
    th_assert_eq_str(argv[4], "c d");
    th_assert(argv[5] == NULL);
    dk_vfy_argv_free(argv);
    th_assert_err(dk_vfy_argv_split(&argv, &argc, "make 'x"), DK_EINVALID);
    th_assert_err(dk_vfy_argv_split(&argv, &argc, "make | tee"), DK_EINVALID);
    th_assert_err(dk_vfy_argv_split(&argv, &argc, "echo $HOME"), DK_EINVALID);
    th_assert_err(dk_vfy_argv_split(&argv, &argc, "   "), DK_EINVALID);
    th_assert_ok(dk_vfy_argv_split(&argv, &argc, "echo '$HOME'"));
    dk_vfy_argv_free(argv);

    th_assert_ok(t_check("make -j2 test", NULL));
    th_assert_ok(t_check("cargo test --workspace", NULL));
    th_assert_ok(t_check("python3 -m pytest -q", NULL));
    th_assert_err(t_check("cargo run", NULL), DK_EINVALID);
    th_assert_err(t_check("cargo", NULL), DK_EINVALID);
    th_assert_err(t_check("rm -rf x", NULL), DK_EINVALID);
    th_assert_err(t_check("makefoo", NULL), DK_EINVALID);
    th_assert_err(t_check("bash x.sh", "bash"), DK_EINVALID);
    th_assert_err(t_check("python3 -c x", "python3"), DK_EINVALID);
    th_assert_err(t_check("go run .", "go"), DK_EINVALID);
    th_assert_err(t_check("make -C ../other", NULL), DK_EINVALID);
    th_assert_err(t_check("make --file=a/../../b", NULL), DK_EINVALID);
    th_assert_err(t_check("cargo build --target-dir=/tmp/x", NULL), DK_EINVALID);
    th_assert_err(t_check("pip install -r https://x/y", "pip install"), DK_EINVALID);
    th_assert_err(t_check("/bin/rm x", "/bin/rm"), DK_EINVALID);
    /* a custom list replaces the default one */
    th_assert_ok(t_check("seq 1 3", "seq"));
    th_assert_err(t_check("make", "seq"), DK_EINVALID);
    th_assert_err(t_check("cmake", "cmake --build"), DK_EINVALID);
    th_assert_ok(t_check("cmake --build b", "cmake --build"));
}

void test_verify_unit__detect(void)
{
    const char *paths[] = {
        "Cargo.toml",        "Makefile",        "README.md",  "node_modules/x/package.json",
        "py/pyproject.toml", "py/x.py",         "svc/go.mod", "web/bun.lock",
        "web/package.json",  "z/CMakeLists.txt"};
    struct dk_vfy_pipeline p;
    dk_vfy_pipeline_detect(&p, paths, sizeof(paths) / sizeof(*paths));
    th_assert_eq_str(p.source, "auto-polyglot");
    th_assert_eq_int(p.stages.len, 1);
    dk_str names = DK_STR_INIT;
    dk_vec_foreach(&p.stages.items[0].steps, struct dk_vfy_step *, s)
        dk_str_addf(&names, "%s[%s] ", s->name, s->work_dir);
    th_assert_eq_str(names.ptr,
                     "rust:check[] rust:test[] c:build[] c:test[] python(py):install[py] "
                     "python(py):test[py] go(svc):build[svc] go(svc):vet[svc] go(svc):test[svc] "
                     "bun(web):install[web] bun(web):test[web] cmake(z):configure[z] "
                     "cmake(z):build[z] cmake(z):test[z] ");
    dk_str_release(&names);
    dk_vfy_pipeline_release(&p);

    const char *py[] = {"requirements.txt", "src/a.py"};
    dk_vfy_pipeline_detect(&p, py, 2);
    th_assert_eq_str(p.source, "auto-python");
    th_assert_eq_int(p.stages.items[0].steps.len, 2);
    th_assert_eq_str(p.stages.items[0].steps.items[1].run, "python3 -m pytest");
    /* the install is advisory (PEP 668 / no network), the tests decide */
    th_assert(!p.stages.items[0].steps.items[0].required);
    th_assert(p.stages.items[0].steps.items[1].required);
    dk_vfy_pipeline_release(&p);

    const char *none[] = {"README.md"};
    dk_vfy_pipeline_detect(&p, none, 1);
    th_assert_eq_str(p.source, "auto-none");
    th_assert_eq_int(p.stages.len, 0);
    dk_vfy_pipeline_release(&p);
}

static char *t_scope(const char *cmd, const char *wd, const char *const *changed, size_t n)
{
    char **argv, **out;
    size_t argc;
    th_assert_ok(dk_vfy_argv_split(&argv, &argc, cmd));
    out = dk_vfy_argv_scope(argv, argc, wd, changed, n);
    dk_str s = DK_STR_INIT;
    for (size_t i = 0; out[i]; i++)
        dk_str_addf(&s, "%s%s", i ? " " : "", out[i]);
    dk_vfy_argv_free(argv);
    dk_vfy_argv_free(out);
    return dk_str_detach(&s, NULL);
}

void test_verify_unit__changeset_aware_scope(void)
{
    const char *ch[] = {"crates/zeta/src/lib.rs",
                        "crates/alpha/Cargo.toml",
                        "crates/alpha/x.rs",
                        "pkg/api/h.go",
                        "main.go",
                        "app/models.py",
                        "tests/test_x.py",
                        "web/src/ui/a.ts"};
    size_t n = sizeof(ch) / sizeof(*ch);
    char *s = t_scope("cargo test --release", "", ch, n);
    th_assert_eq_str(s, "cargo test -p alpha -p zeta --release");
    free(s);
    s = t_scope("go test ./...", "", ch, n);
    th_assert_eq_str(s, "go test . ./pkg/api");
    free(s);
    s = t_scope("python3 -m pytest -q", "", ch, n);
    th_assert_eq_str(s, "python3 -m pytest app -q");
    free(s);
    s = t_scope("bun test", "web", ch, n);
    th_assert_eq_str(s, "bun test src/ui");
    free(s);
    s = t_scope("make test", "", ch, n);
    th_assert_eq_str(s, "make test");
    free(s);
    const char *none[] = {"README.md"};
    s = t_scope("cargo test", "", none, 1);
    th_assert_eq_str(s, "cargo test");
    free(s);
}

void test_verify_unit__findings(void)
{
    const char *out =
        "cc -o calc main.c calc.c\n"
        "calc.c:5:12: error: 'x' undeclared (first use in this function)\n"
        "calc.c:5:12: note: each undeclared identifier is reported only once\n"
        "main.c:3:1: warning: implicit declaration of function 'foo'\n"
        "error[E0425]: cannot find value `y` in this scope\n"
        " --> src/lib.rs:7:9\n"
        "src/app.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.\n"
        "/work/web/src/a.js\n"
        "  3:7  error  'z' is not defined  no-undef\n"
        "FAILED tests/test_calc.py::test_add - assert 1 == 2\n"
        "./pkg/x.go:10:2: undefined: Foo\n"
        "    calc_test.go:14: got 3, want 4\n"
        "make: *** [Makefile:4: test] Error 1\n";
    dk_vfy_findings f = DK_VEC_INIT;
    dk_vfy_findings_parse(&f, out, strlen(out));
    dk_str got = DK_STR_INIT;
    dk_vec_foreach(&f, dk_verify_finding *, x) {
        dk_str_addf(&got, "%s|%s|%u|%s|%s\n", x->tool, x->file, x->line,
                    dk_verify_severity_name(x->severity), x->message);
        dk_vfy_finding_release(x);
    }
    dk_vec_release(&f);
    th_assert_eq_str(got.ptr,
                     "gcc|calc.c|5|error|'x' undeclared (first use in this function)\n"
                     "gcc|main.c|3|warning|implicit declaration of function 'foo'\n"
                     "rustc|src/lib.rs|7|error|cannot find value `y` in this scope\n"
                     "tsc|src/app.ts|12|error|TS2322: Type 'string' is not assignable to type "
                     "'number'.\n"
                     "eslint|/work/web/src/a.js|3|error|'z' is not defined  no-undef\n"
                     "pytest|tests/test_calc.py|0|error|test_add failed: assert 1 == 2\n"
                     "go|pkg/x.go|10|error|undefined: Foo\n"
                     "go|calc_test.go|14|error|got 3, want 4\n");
    dk_str_release(&got);
}

/* ========================================================================== */
/* Around the verdict                                                         */
/* ========================================================================== */

/* A PATH on which `python3 -m pytest` runs (this process's, else Debian's), or NULL. */
static const char *t_pytest_path(void)
{
    static char path[4096];
    const char *cands[] = {getenv("PATH"), "/usr/bin:/bin"};
    for (size_t i = 0; i < sizeof(cands) / sizeof(*cands); i++) {
        if (!cands[i])
            continue;
        char cmd[4300];
        snprintf(cmd, sizeof(cmd), "PATH='%s' python3 -m pytest --version >/dev/null 2>&1",
                 cands[i]);
        if (system(cmd) == 0) {
            snprintf(path, sizeof(path), "%s", cands[i]);
            return path;
        }
    }
    return NULL;
}

static const char t_py_calc_ok[] = "def add(a, b):\n    return a + b\n\n\n"
                                   "def mul(a, b):\n    return a * b\n";
static const char t_py_test[] = "import calc\n\n\n"
                                "def test_add():\n    assert calc.add(2, 3) == 5\n\n\n"
                                "def test_mul():\n    assert calc.mul(2, 3) == 6\n";

/* A Python project with pytest tests and no pipeline file (auto-detected), as "demo". */
static void t_py_project(const char *calc)
{
    dk_git_repo_close(th_engine_src(&t_fx));
    th_file f[] = {
        {"requirements.txt", "# no dependencies\n", 0},
        {"calc.py", calc, 0},
        {"tests/test_calc.py", t_py_test, 0},
    };
    t_commit(t_fx.src, f, 3);
    th_assert_ok(dk_repo_import(t_fx.e, "demo", t_fx.src, NULL));
}

void test_verify_flow__pytest_failing_test_rejects(void)
{
    const char *path = t_pytest_path();
    if (!path)
        th_skip("python3 -m pytest is not installed (scripts/deps installs python3-pytest)");
    t_py_project(t_py_calc_ok);
    char *sid = t_connect();
    t_write(sid, "calc.py",
            "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n");
    t_submit(sid);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    o.path = path;
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_eq_str(r->pipeline, "auto-python");
    th_assert(!r->passed);
    th_assert_eq_int(r->state, DK_CS_REJECTED);
    const dk_verify_step *t = t_step(r, "python:test");
    th_assert_eq_str(t->command, "python3 -m pytest");
    th_assert_msg(t->status == DK_VERIFY_FAIL, "%s", t->output);
    th_assert(strstr(t->output, "1 failed, 1 passed") != NULL);
    /* the install step is advisory: pip refuses outside a venv here, pytest decides */
    th_assert(!t_step(r, "python:install-deps")->required);
    bool traceback = false, summary = false;
    for (size_t i = 0; i < t->nfindings; i++) {
        const dk_verify_finding *f = &t->findings[i];
        th_assert_eq_str(f->tool, "pytest");
        traceback |= strcmp(f->file, "tests/test_calc.py") == 0 && f->line == 5 &&
                     strstr(f->message, "AssertionError") != NULL;
        summary |=
            strcmp(f->file, "tests/test_calc.py") == 0 && strstr(f->message, "test_add") != NULL;
    }
    th_assert_msg(traceback && summary, "%s", r->json);
    th_assert_eq_int(t_cs_state(sid), DK_CS_REJECTED);
    dk_verify_result_free(r);
    free(sid);
}

void test_verify_flow__pytest_fix_passes_only_merged_with_head(void)
{
    const char *path = t_pytest_path();
    if (!path)
        th_skip("python3 -m pytest is not installed (scripts/deps installs python3-pytest)");
    /* base: both wrong; the session fixes mul, the head meanwhile fixes add */
    t_py_project("def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a + b\n");
    char *sid = t_connect();
    t_write(sid, "calc.py",
            "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n");
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    o.path = path;
    o.check_only = true;
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_msg(!r->passed, "the session's own tree must fail: %s", r->json);
    th_assert_eq_int(t_step(r, "python:test")->status, DK_VERIFY_FAIL);
    dk_verify_result_free(r);
    char demo[4096];
    t_demo_path(demo, sizeof(demo));
    th_file f[] = {
        {"calc.py", "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a + b\n", 0}};
    t_commit(demo, f, 1);
    t_submit(sid);
    o.check_only = false;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_msg(r->passed, "%s", r->json);
    th_assert(strstr(t_step(r, "python:test")->output, "2 passed") != NULL);
    th_assert_eq_int(r->state, DK_CS_APPROVED);
    dk_verify_result_free(r);
    free(sid);
}

static void t_strand_all(void)
{
    atomic_fetch_add(&t_clock, 2 * 3600 * 1000LL);
    th_assert_ok(dk_engine_gc(t_fx.e, NULL));
}

static dk_session_state t_session_state(const char *sid)
{
    dk_session_info *s;
    th_assert_ok(dk_session_status(&s, t_fx.e, NULL, sid));
    dk_session_state st = s->state;
    dk_session_infos_free(s, 1);
    return st;
}

/* Work that left the registry: stranded and closed-with-submitted verify; abandoned does not. */
void test_verify_flow__sessions_that_left(void)
{
    t_project(t_pipeline_make, NULL);
    char *a = t_connect();
    t_write(a, "calc.c",
            "#include \"calc.h\"\n\nint add(int a, int b)\n{\n    return a + b;\n}\n\nint mul(int "
            "a, int b)\n{\n    return b * a;\n}\n");
    t_submit(a);
    t_strand_all();
    th_assert_eq_int(t_session_state(a), DK_SESSION_STRANDED);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    dk_verify_result *r = NULL;
    /* check reads a live overlay: refused with why */
    o.check_only = true;
    th_assert_err(dk_verify(&r, t_fx.e, NULL, a, &o), DK_ESTATE);
    th_assert_msg(strstr(dk_error_last()->msg, "is stranded"), "%s", dk_error_last()->msg);
    o.check_only = false;
    /* a caller that does not own it may not */
    dk_caller other = {.token_id = "someone-else"};
    th_assert_err(dk_verify(&r, t_fx.e, &other, a, &o), DK_EFORBIDDEN);
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, a, &o));
    th_assert_msg(r->passed, "%s", r->json);
    th_assert_eq_int(r->state, DK_CS_APPROVED);
    th_assert_eq_int(seen.calls, 3);
    dk_verify_result_free(r);
    th_assert_eq_int(t_cs_state(a), DK_CS_APPROVED);
    th_assert_eq_int(t_session_state(a), DK_SESSION_STRANDED);
    dk_land_result *lr = NULL;
    th_assert_ok(dk_land(&lr, t_fx.e, NULL, a, NULL));
    dk_land_result_free(lr);
    th_assert_eq_int(t_cs_state(a), DK_CS_MERGED);

    /* closed with its changeset submitted: still landable, so still verifiable */
    char *b = t_connect();
    t_write(b, "notes.txt", "b\n");
    t_submit(b);
    th_assert_ok(dk_session_close(t_fx.e, NULL, b));
    th_assert_eq_int(t_session_state(b), DK_SESSION_CLOSED);
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, b, &o));
    th_assert_msg(r->passed, "%s", r->json);
    dk_verify_result_free(r);
    th_assert_eq_int(t_cs_state(b), DK_CS_APPROVED);

    /* abandoned: its changeset is abandoned, nothing to verify */
    char *c = t_connect();
    t_write(c, "other.txt", "c\n");
    t_submit(c);
    th_assert_ok(dk_session_abandon(t_fx.e, NULL, c, "gave up"));
    th_assert_err(dk_verify(&r, t_fx.e, NULL, c, &o), DK_ESTATE);
    th_assert(r == NULL);
    th_assert_msg(strstr(dk_error_last()->msg, "is abandoned") &&
                      strstr(dk_error_last()->msg, "nothing to verify"),
                  "%s", dk_error_last()->msg);
    /* an unknown session stays unknown */
    th_assert_err(dk_verify(&r, t_fx.e, NULL, "s_nope", &o), DK_ENOSESSION);
    free(a);
    free(b);
    free(c);
}

static char *t_head_hex(void)
{
    char demo[4096];
    t_demo_path(demo, sizeof(demo));
    dk_git_repo *g;
    th_assert_ok(dk_git_repo_open(&g, demo));
    dk_oid h;
    th_assert_ok(dk_git_branch_read(&h, g, "main"));
    dk_git_repo_close(g);
    char *hex = malloc(DK_OID_HEXSZ + 1);
    dk_oid_to_hex(hex, &h);
    return hex;
}

static dk_changeset_info *t_cs_info(const char *sid)
{
    dk_session_info *s;
    th_assert_ok(dk_session_status(&s, t_fx.e, NULL, sid));
    dk_changeset_info *c;
    th_assert_ok(dk_changeset_get(&c, t_fx.e, NULL, s->changeset_id));
    dk_session_infos_free(s, 1);
    return c;
}

struct t_lander {
    const char *sid;
    int rc;
    char msg[256];
};

static void *t_lander_run(void *arg)
{
    struct t_lander *l = arg;
    dk_verify_opts o = DK_VERIFY_OPTS_INIT;
    o.scratch_dir = t_scratch;
    dk_land_result *lr = NULL;
    dk_verify_result *again = NULL;
    l->rc = dk_verify_land(&lr, &again, t_fx.e, NULL, l->sid, NULL, &o);
    snprintf(l->msg, sizeof(l->msg), "%s", dk_error_last()->msg);
    dk_land_result_free(lr);
    dk_verify_result_free(again);
    return NULL;
}

/*
 * Twelve sessions approved on one head land at once: every one lands. Each landing
 * but the first must be verified again on the head the others made; those runs
 * are one at a time (the scratch lock), so without the repository's landing
 * lock each was made stale by the landing verified just before it and, after
 * LAND_REVERIFY_MAX tries, failed with DK_ESTALE (found by
 * tests/integration/agents20.sh: twenty agents over MCP with a pipeline).
 */
void test_verify_flow__landings_at_once_queue(void)
{
    t_project(t_pipeline_make, NULL);
    enum { T = 12 };
    char *sid[T], cs[T][64];
    struct t_lander l[T];
    pthread_t th[T];
    dk_verify_opts o = DK_VERIFY_OPTS_INIT;
    o.scratch_dir = t_scratch;
    for (int k = 0; k < T; k++) {
        char path[32];
        snprintf(path, sizeof(path), "note%d.txt", k);
        sid[k] = t_connect();
        t_write(sid[k], path, "a note\n");
        t_submit(sid[k]);
        dk_verify_result *r = NULL;
        th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid[k], &o));
        th_assert_msg(r->passed, "%s", r->json);
        dk_verify_result_free(r);
        l[k] = (struct t_lander){.sid = sid[k]};
        dk_changeset_info *ci = t_cs_info(sid[k]);
        snprintf(cs[k], sizeof(cs[k]), "%s", ci->id);
        dk_changeset_info_free(ci);
    }
    char *before = t_head_hex();
    for (int k = 0; k < T; k++)
        th_assert(pthread_create(&th[k], NULL, t_lander_run, &l[k]) == 0);
    for (int k = 0; k < T; k++)
        pthread_join(th[k], NULL);
    for (int k = 0; k < T; k++) {
        free(sid[k]);
        th_assert_msg(l[k].rc == DK_OK, "landing %d: %s (%s)", k, dk_error_name(l[k].rc), l[k].msg);
        dk_changeset_info *ci = NULL;
        th_assert_ok(dk_changeset_get(&ci, t_fx.e, NULL, cs[k]));
        dk_changeset_state st = ci->state;
        dk_changeset_info_free(ci);
        th_assert_eq_int(st, DK_CS_MERGED);
    }
    /* one commit per landing on the branch */
    char demo[4096];
    t_demo_path(demo, sizeof(demo));
    char *n = th_git_out(demo, "rev-list --count --no-merges %s..main", before);
    th_assert_eq_int(atoi(n), T);
    free(n);
    free(before);
}

/* An approval counts for the head it was made on; landing on another re-verifies. */
void test_verify_flow__head_moved_after_approval(void)
{
    t_project(t_pipeline_make, NULL);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    dk_verify_result *r = NULL, *again = NULL;
    dk_land_result *lr = NULL;
    char demo[4096];
    t_demo_path(demo, sizeof(demo));

    /* head unchanged since the verdict: lands (no second run) */
    char *s1 = t_connect();
    t_write(s1, "notes.txt", "one\n");
    t_submit(s1);
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, s1, &o));
    th_assert(r->passed);
    char *h1 = t_head_hex();
    th_assert_eq_str(r->head, h1);
    dk_changeset_info *ci = t_cs_info(s1);
    th_assert_eq_str(ci->verified_head, h1);
    th_assert(ci->verify_json && strstr(ci->verify_json, "\"passed\":true"));
    dk_changeset_info_free(ci);
    dk_verify_result_free(r);
    int runs = seen.calls;
    th_assert_ok(dk_verify_land(&lr, &again, t_fx.e, NULL, s1, NULL, &o));
    th_assert(again == NULL);
    th_assert_eq_int(seen.calls, runs);
    th_assert(lr->commit[0] != '\0');
    dk_land_result_free(lr);

    /* approved on H2, then the head gains a test the change fails once merged */
    char *s2 = t_connect();
    t_write(s2, "calc.c",
            "#include \"calc.h\"\n\nint add(int a, int b)\n{\n    return a + b + (a == 7);\n}\n\n"
            "int mul(int a, int b)\n{\n    return a * b;\n}\n");
    t_submit(s2);
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, s2, &o));
    th_assert_msg(r->passed, "%s", r->json);
    dk_verify_result_free(r);
    char *main_more = strdup(t_main);
    const char *ins = "    puts(\"ok\");";
    char *at = strstr(main_more, ins);
    th_assert(at != NULL);
    dk_str m = DK_STR_INIT;
    dk_str_add(&m, main_more, (size_t)(at - main_more));
    dk_str_adds(&m, "    if (add(7, 1) != 8) {\n        fprintf(stderr, \"main.c:14: error: add(7, "
                    "1) is %d\\n\", add(7, 1));\n        return 1;\n    }\n");
    dk_str_adds(&m, at);
    th_file f[] = {{"main.c", m.ptr, 0}};
    t_commit(demo, f, 1);
    dk_str_release(&m);
    free(main_more);
    char *h3 = t_head_hex();
    /* the engine alone refuses: approved on another head */
    th_assert_err(dk_land(&lr, t_fx.e, NULL, s2, NULL), DK_ESTALE);
    th_assert_msg(strstr(dk_error_last()->msg, "verify again"), "%s", dk_error_last()->msg);
    dk_land_result_free(lr);
    char *still = t_head_hex();
    th_assert_eq_str(still, h3);
    free(still);
    /* landing re-verifies on the new merged tree: now rejected, nothing lands */
    th_assert_err(dk_verify_land(&lr, &again, t_fx.e, NULL, s2, NULL, &o), DK_ESTATE);
    th_assert_msg(strstr(dk_error_last()->msg, "nothing landed"), "%s", dk_error_last()->msg);
    th_assert(again != NULL);
    th_assert_eq_str(again->head, h3);
    th_assert_eq_int(again->state, DK_CS_REJECTED);
    th_assert_eq_int(t_step(again, "unit")->status, DK_VERIFY_FAIL);
    dk_verify_result_free(again);
    again = NULL;
    dk_land_result_free(lr);
    th_assert_eq_int(t_cs_state(s2), DK_CS_REJECTED);
    still = t_head_hex();
    th_assert_eq_str(still, h3);
    free(still);

    /* approved on H3, the head moves harmlessly: re-verified on H4 and landed */
    char *s3 = t_connect();
    t_write(s3, "more.txt", "three\n");
    t_submit(s3);
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, s3, &o));
    th_assert(r->passed);
    dk_verify_result_free(r);
    /* verifying again on the same head is refused: nothing would change */
    th_assert_err(dk_verify(&r, t_fx.e, NULL, s3, &o), DK_ESTATE);
    th_assert_msg(strstr(dk_error_last()->msg, "already approved"), "%s", dk_error_last()->msg);
    th_file g[] = {{"README", "moved\n", 0}};
    t_commit(demo, g, 1);
    char *h4 = t_head_hex();
    dk_changeset_info *c3 = t_cs_info(s3);
    th_assert_ok(dk_verify_land(&lr, &again, t_fx.e, NULL, s3, NULL, &o));
    th_assert(again != NULL);
    th_assert_eq_str(again->head, h4);
    th_assert_eq_int(again->state, DK_CS_APPROVED);
    th_assert(lr->commit[0] != '\0');
    dk_verify_result_free(again);
    dk_land_result_free(lr);
    dk_changeset_info *merged = NULL;
    th_assert_ok(dk_changeset_get(&merged, t_fx.e, NULL, c3->id));
    th_assert_eq_int(merged->state, DK_CS_MERGED);
    th_assert_eq_str(merged->verified_head, h4);
    dk_changeset_info_free(merged);
    dk_changeset_info_free(c3);
    free(h1);
    free(h3);
    free(h4);
    free(s1);
    free(s2);
    free(s3);
}

/* Call an op as `who` (NULL: local); the result checked against the row's schema. */
static json_t *t_op(dk_api *api, const dk_api_principal *who, const char *op, const char *params,
                    dk_api_code want)
{
    return th_api_op(api, who, op, params, want);
}

static const char t_pipeline_human[] = "stages:\n"
                                       "  - name: build\n    steps:\n"
                                       "      - name: build\n        run: make\n"
                                       "      - name: unit\n        run: make test\n"
                                       "  - name: sign-off\n    steps:\n"
                                       "      - name: lead\n        type: human-approve\n"
                                       "        prompt: a person reads the diff\n";

/* human-approve: the run stops there; only an approve-scope token moves it on. */
void test_verify_flow__human_approve(void)
{
    t_project(t_pipeline_human, NULL);
    char *sid = t_connect();
    t_write(sid, "notes.txt", "fine\n");
    t_submit(sid);
    dk_api *api;
    th_assert_ok(dk_api_new(&api, t_fx.e));
    char params[512];
    snprintf(params, sizeof(params), "{\"session_id\":\"%s\"}", sid);
    json_t *res = t_op(api, NULL, "verify", params, DK_API_OK);
    th_assert_eq_str(json_string_value(json_object_get(res, "state")), "awaiting_approval");
    th_assert(json_is_false(json_object_get(res, "passed")));
    th_assert(json_is_true(json_object_get(res, "awaiting_approval")));
    json_t *steps = json_object_get(res, "steps");
    json_t *last = json_array_get(steps, json_array_size(steps) - 1);
    th_assert_eq_str(json_string_value(json_object_get(last, "name")), "lead");
    th_assert_eq_str(json_string_value(json_object_get(last, "status")), "waiting");
    th_assert(strstr(json_string_value(json_object_get(last, "output_tail")),
                     "a person reads the diff") != NULL);
    json_decref(res);
    th_assert_eq_int(t_cs_state(sid), DK_CS_AWAITING_APPROVAL);
    /* waiting is not approved: it does not land */
    dk_land_result *lr = NULL;
    th_assert_err(dk_land(&lr, t_fx.e, NULL, sid, NULL), DK_ESTATE);
    dk_land_result_free(lr);
    /* the verdict is readable later, through status */
    res = t_op(api, NULL, "status", params, DK_API_OK);
    json_t *ver = json_object_get(res, "verification");
    th_assert(json_is_true(json_object_get(ver, "awaiting_approval")));
    char *head = t_head_hex();
    th_assert_eq_str(json_string_value(json_object_get(ver, "verified_head")), head);
    char cs[128];
    snprintf(cs, sizeof(cs), "%s", json_string_value(json_object_get(res, "changeset_id")));
    json_decref(res);
    /* a write-scope token cannot approve; an approve-scope one can */
    dk_api_principal writer = {.token_id = "tok-writer", .scope = DK_API_SCOPE_WRITE};
    dk_api_principal approver = {.token_id = "tok-approver", .scope = DK_API_SCOPE_APPROVE};
    snprintf(params, sizeof(params), "{\"changeset_id\":\"%s\",\"reason\":\"read it\"}", cs);
    th_assert(t_op(api, &writer, "approve", params, DK_API_FORBIDDEN) == NULL);
    th_assert_eq_int(t_cs_state(sid), DK_CS_AWAITING_APPROVAL);
    res = t_op(api, &approver, "approve", params, DK_API_OK);
    th_assert_eq_str(json_string_value(json_object_get(res, "state")), "approved");
    /* the stored results come back with the changeset */
    th_assert(
        json_is_true(json_object_get(json_object_get(res, "verification"), "awaiting_approval")));
    json_decref(res);
    /* the approval answers the run on that head: it keeps the verdict's head, and lands */
    dk_changeset_info *ci = t_cs_info(sid);
    th_assert_eq_str(ci->verified_head, head);
    dk_changeset_info_free(ci);
    snprintf(params, sizeof(params), "{\"session_id\":\"%s\"}", sid);
    res = t_op(api, NULL, "land", params, DK_API_OK);
    th_assert(json_is_null(json_object_get(res, "verification")));
    json_decref(res);
    th_assert_eq_int(t_cs_state(sid), DK_CS_DRAFT); /* the session continues with a new one */
    free(head);
    free(sid);

    /* a failing check: the person is not asked, the changeset is rejected */
    sid = t_connect();
    t_write(sid, "calc.c",
            "#include \"calc.h\"\n\nint add(int a, int b)\n{\n    return a - b;\n}\n\nint mul(int "
            "a, int b)\n{\n    return a * b;\n}\n");
    t_submit(sid);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert(!r->passed && !r->awaiting_approval);
    th_assert_eq_int(r->state, DK_CS_REJECTED);
    th_assert_eq_int(t_step(r, "lead")->status, DK_VERIFY_SKIP);
    th_assert(strstr(t_step(r, "lead")->output, "not asked") != NULL);
    dk_verify_result_free(r);
    dk_api_free(api);
    free(sid);
}

/* A reviewer: approves unless the diff adds a TODO; echoes its prompt; needs a diff on stdin. */
static const char t_reviewer[] =
    "#!/bin/sh\n"
    "diff=$(cat)\n"
    "case \"$diff\" in *'+++ b/'*) ;; *) echo 'no diff on stdin'; exit 0;; esac\n"
    "case \"$diff\" in\n"
    "*'+'*TODO*) echo 'reading...'\n"
    "  echo '{\"verdict\":\"request_changes\",\"summary\":\"'\"$DK_REVIEW_PROMPT\"'\","
    "\"issues\":[{\"severity\":\"error\",\"file\":\"calc.c\",\"line\":3,"
    "\"message\":\"a TODO is left\"}]}' ;;\n"
    "*) echo '{\"verdict\":\"approve\",\"summary\":\"'\"$DK_CHANGESET_ID\"'\"}' ;;\n"
    "esac\n";

static const char t_pipeline_review[] = "pipeline:\n"
                                        "  allowed_commands: [make, dk-test-reviewer]\n"
                                        "stages:\n"
                                        "  - name: build\n    steps:\n"
                                        "      - name: build\n        run: make\n"
                                        "  - name: review\n    steps:\n"
                                        "      - name: reviewer\n        type: agent-review\n"
                                        "        run: dk-test-reviewer --strict\n"
                                        "        prompt: look for TODOs\n";

void test_verify_flow__agent_review(void)
{
    t_project(t_pipeline_review, NULL);
    char bin[4200], script[4300], path[8400];
    snprintf(bin, sizeof(bin), "%s/bin", th_tmpdir());
    th_assert(mkdir(bin, 0755) == 0);
    snprintf(script, sizeof(script), "%s/dk-test-reviewer", bin);
    th_write_file(script, t_reviewer, strlen(t_reviewer));
    th_assert(chmod(script, 0755) == 0);
    snprintf(path, sizeof(path), "%s:/usr/bin:/bin", bin);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    o.path = path;
    dk_verify_result *r = NULL;

    char *sid = t_connect();
    t_write(sid, "calc.c",
            "#include \"calc.h\"\n\n/* TODO: overflow */\nint add(int a, int b)\n{\n    return a "
            "+ b;\n}\n\nint mul(int a, int b)\n{\n    return a * b;\n}\n");
    t_submit(sid);
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    const dk_verify_step *rv = t_step(r, "reviewer");
    th_assert_msg(rv->status == DK_VERIFY_FAIL, "%s", rv->output);
    th_assert_eq_str(rv->command, "dk-test-reviewer --strict");
    th_assert(strstr(rv->output, "verdict: request_changes - look for TODOs") != NULL);
    th_assert_eq_int(rv->nfindings, 1);
    th_assert_eq_str(rv->findings[0].tool, "agent-review");
    th_assert_eq_str(rv->findings[0].file, "calc.c");
    th_assert_eq_int(rv->findings[0].line, 3);
    th_assert_eq_str(rv->findings[0].message, "a TODO is left");
    th_assert_eq_int(r->state, DK_CS_REJECTED);
    dk_verify_result_free(r);
    free(sid);

    sid = t_connect();
    t_write(sid, "notes.txt", "no todo here\n");
    t_submit(sid);
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    rv = t_step(r, "reviewer");
    th_assert_msg(rv->status == DK_VERIFY_PASS, "%s", rv->output);
    th_assert(strstr(rv->output, "verdict: approve - cs_demo_") != NULL);
    th_assert_eq_int(r->state, DK_CS_APPROVED);
    dk_verify_result_free(r);
    free(sid);
}

/* What a reviewer prints, read fail-closed. */
void test_verify_unit__review_verdict(void)
{
    struct {
        const char *out;
        int rc;
        bool approve;
        size_t issues;
    } cases[] = {
        {"{\"verdict\":\"approve\"}", DK_OK, true, 0},
        {"thinking...\n{\"verdict\":\"comment\",\"summary\":\"s\"}\n", DK_OK, true, 0},
        {"{\"verdict\":\"request_changes\",\"issues\":[{\"message\":\"m\",\"line\":2},"
         "{\"severity\":\"error\"}]}",
         DK_OK, false, 1},
        {"no json at all", DK_EINVALID, false, 0},
        {"{\"summary\":\"no verdict\"}", DK_EINVALID, false, 0},
        {"{\"verdict\":\"lgtm\"}", DK_EINVALID, false, 0},
        {"{\"verdict\":true}", DK_EINVALID, false, 0},
        {"{\"verdict\":\"approve\",\"issues\":{}}", DK_EINVALID, false, 0},
        {"[\"verdict\",\"approve\"]", DK_EINVALID, false, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        bool approve = !cases[i].approve;
        char *summary = NULL;
        dk_vfy_findings f = DK_VEC_INIT;
        int rc = dk_vfy_review_parse(&approve, &summary, &f, cases[i].out);
        th_assert_msg(rc == cases[i].rc, "case %zu: %d", i, rc);
        th_assert_msg(approve == cases[i].approve, "case %zu", i);
        th_assert_msg(f.len == cases[i].issues, "case %zu: %zu", i, f.len);
        dk_vec_foreach(&f, dk_verify_finding *, x)
            dk_vfy_finding_release(x);
        dk_vec_release(&f);
        free(summary);
    }
}

/*
 * A verification whose process was killed leaves the changeset verifying with
 * no verdict. The next verify (under the scratch lock, so none is running)
 * starts it again, and a landing of such a changeset verifies it and lands,
 * instead of refusing a state the agent cannot leave. A verification in
 * progress is never started over by dk_changeset_verifying.
 */
void test_verify_flow__killed_run_starts_again(void)
{
    t_project(t_pipeline_make, NULL);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    dk_verify_result *r = NULL, *again = NULL;
    dk_land_result *lr = NULL;

    char *sid = t_connect();
    t_write(sid, "notes.txt", "one\n");
    t_submit(sid);
    dk_changeset_info *ci = t_cs_info(sid);
    char cs[128];
    snprintf(cs, sizeof(cs), "%s", ci->id);
    dk_changeset_info_free(ci);
    /* what a killed run leaves */
    th_assert_ok(dk_changeset_verifying(t_fx.e, cs));
    th_assert_err(dk_changeset_verifying(t_fx.e, cs), DK_ESTATE);
    th_assert_eq_int(t_cs_state(sid), DK_CS_VERIFYING);
    th_assert_ok(dk_verify(&r, t_fx.e, NULL, sid, &o));
    th_assert_msg(r->passed, "%s", r->json);
    th_assert_eq_int(r->state, DK_CS_APPROVED);
    th_assert_eq_int(t_cs_state(sid), DK_CS_APPROVED);
    dk_verify_result_free(r);
    th_assert_ok(dk_verify_land(&lr, &again, t_fx.e, NULL, sid, NULL, &o));
    th_assert(lr->commit[0] != '\0');
    dk_land_result_free(lr);
    dk_verify_result_free(again);
    again = NULL;
    free(sid);

    /* killed while verifying, then landed directly: verified again, landed */
    sid = t_connect();
    t_write(sid, "notes.txt", "two\n");
    t_submit(sid);
    ci = t_cs_info(sid);
    snprintf(cs, sizeof(cs), "%s", ci->id);
    dk_changeset_info_free(ci);
    th_assert_ok(dk_changeset_verifying(t_fx.e, cs));
    char *before = t_head_hex();
    int runs = seen.calls;
    th_assert_ok(dk_verify_land(&lr, &again, t_fx.e, NULL, sid, NULL, &o));
    th_assert(again != NULL && again->state == DK_CS_APPROVED);
    th_assert(seen.calls > runs);
    char *after = t_head_hex();
    th_assert_eq_str(lr->commit, after);
    th_assert(strcmp(before, after) != 0);
    dk_land_result_free(lr);
    dk_verify_result_free(again);
    free(before);
    free(after);
    free(sid);

    /* a changeset that is not verifying is not "started again" */
    sid = t_connect();
    t_write(sid, "notes.txt", "three\n");
    t_submit(sid);
    ci = t_cs_info(sid);
    th_assert_err(dk_eng_changeset_verify_restart(t_fx.e, ci->id), DK_ESTATE);
    th_assert_eq_int(t_cs_state(sid), DK_CS_SUBMITTED);
    dk_changeset_info_free(ci);
    free(sid);
}

/* ========================================================================== */
/* Two nodes on one PostgreSQL store                                          */
/* ========================================================================== */

void test_verify_pg__initialize(void)
{
    memset(&t_fx, 0, sizeof(t_fx));
    snprintf(t_scratch, sizeof(t_scratch), "%s/scratch", th_tmpdir());
    atomic_store(&t_clock, 1764000000000LL);
    th_engine_store(&t_fx, "dk_v");
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.clock_ms = t_clock_ms;
    th_engine_open(&t_fx, &o);
}

void test_verify_pg__cleanup(void)
{
    th_engine_done(&t_fx);
}

struct t_node_lander {
    dk_engine *e;
    const char *scratch;
    char sid[64];
    int rc;
    char msg[256];
};

static void *t_node_lander_run(void *arg)
{
    struct t_node_lander *l = arg;
    dk_verify_opts o = DK_VERIFY_OPTS_INIT;
    o.scratch_dir = l->scratch;
    dk_land_result *lr = NULL;
    dk_verify_result *again = NULL;
    l->rc = dk_verify_land(&lr, &again, l->e, NULL, l->sid, NULL, &o);
    snprintf(l->msg, sizeof(l->msg), "%s", dk_error_last()->msg);
    dk_land_result_free(lr);
    dk_verify_result_free(again);
    return NULL;
}

/*
 * Two engines on one PostgreSQL store and data directory, each with a scratch
 * directory of its own: two dk serve on two machines, whose <scratch>/land.lock
 * flocks do not see each other. Sessions approved on one head land at once
 * from both: every one lands, one commit each. The flock alone made two
 * queues, each landing making the other queue's approvals stale until the
 * re-verifications ran out (DK_ESTALE); the advisory lock taken with
 * PostgreSQL (dk_store_lock_take) makes one queue across the nodes.
 */
void test_verify_pg__two_nodes_one_queue(void)
{
    t_project(t_pipeline_make, NULL);
    dk_engine *e2;
    dk_engine_opts eo = DK_ENGINE_OPTS_INIT;
    eo.data_dir = t_fx.data;
    eo.store_url = t_fx.url;
    eo.gc_interval_ms = 0;
    eo.clock_ms = t_clock_ms;
    eo.node_name = "node-2";
    th_assert_ok(dk_engine_open(&e2, &eo));
    char scratch2[4200];
    snprintf(scratch2, sizeof(scratch2), "%s/scratch-node-2", th_tmpdir());

    enum { T = 8 };
    struct t_node_lander l[T];
    pthread_t th[T];
    for (int k = 0; k < T; k++) {
        l[k] = (struct t_node_lander){.e = k % 2 ? e2 : t_fx.e,
                                      .scratch = k % 2 ? scratch2 : t_scratch};
        dk_connect_opts co = DK_CONNECT_OPTS_INIT;
        co.repo = "demo";
        co.intent = "two nodes";
        co.agent_id = "agent";
        dk_session_info *s;
        th_assert_ok(dk_session_connect(&s, l[k].e, NULL, &co));
        snprintf(l[k].sid, sizeof(l[k].sid), "%s", s->session_id);
        dk_session_infos_free(s, 1);
        char path[32];
        snprintf(path, sizeof(path), "note%d.txt", k);
        dk_write_result *w = NULL;
        th_assert_ok(dk_file_write(&w, l[k].e, NULL, l[k].sid, path, "a note\n", 7, NULL));
        dk_write_result_free(w);
        dk_changeset_info *ci;
        th_assert_ok(dk_changeset_submit(&ci, l[k].e, NULL, l[k].sid));
        dk_changeset_info_free(ci);
        dk_verify_opts o = DK_VERIFY_OPTS_INIT;
        o.scratch_dir = l[k].scratch;
        dk_verify_result *r = NULL;
        th_assert_ok(dk_verify(&r, l[k].e, NULL, l[k].sid, &o));
        th_assert_msg(r->passed, "%s", r->json);
        dk_verify_result_free(r);
    }
    char *before = t_head_hex();
    for (int k = 0; k < T; k++)
        th_assert(pthread_create(&th[k], NULL, t_node_lander_run, &l[k]) == 0);
    for (int k = 0; k < T; k++)
        pthread_join(th[k], NULL);
    dk_engine_close(e2);
    for (int k = 0; k < T; k++)
        th_assert_msg(l[k].rc == DK_OK, "landing %d (node %d): %s (%s)", k, k % 2 + 1,
                      dk_error_name(l[k].rc), l[k].msg);
    char demo[4096];
    t_demo_path(demo, sizeof(demo));
    char *n = th_git_out(demo, "rev-list --count --no-merges %s..main", before);
    th_assert_eq_int(atoi(n), T);
    free(n);
    free(before);
    th_assert_eq_int(th_count(&t_fx,
                              "SELECT COUNT(*) FROM changesets WHERE state = 'merged' AND repo = ?",
                              "demo"),
                     T);
    th_engine_fsck(&t_fx, "demo");
}

struct t_lock_waiter {
    dk_store *store;
    dk_store_lock *lock;
    int rc;
    atomic_int taken;
};

static void *t_lock_waiter_run(void *arg)
{
    struct t_lock_waiter *w = arg;
    w->rc = dk_store_lock_take(&w->lock, w->store, "dk.land:demo");
    atomic_store(&w->taken, 1);
    return NULL;
}

/* The number of advisory locks on the database, granted or waited for. */
static int64_t t_advisory(dk_store *s, bool granted)
{
    dk_store_conn *c;
    int64_t n = -1;
    bool found;
    th_assert_ok(dk_store_acquire(&c, s));
    th_assert_ok(dk_store_query_int(&n, &found, c,
                                    granted ? "SELECT COUNT(*) FROM pg_locks WHERE locktype = "
                                              "'advisory' AND granted"
                                            : "SELECT COUNT(*) FROM pg_locks WHERE locktype = "
                                              "'advisory' AND NOT granted",
                                    NULL, 0));
    dk_store_release(c);
    return n;
}

/*
 * The lock itself, from two stores on one database (two nodes): the second
 * taker waits while the first holds it and gets it once released; closing
 * the holder's connection leaves no advisory lock behind. Polled with a
 * bound, never timed.
 */
void test_verify_pg__store_lock(void)
{
    dk_store *a = dk_eng_store(t_fx.e), *b;
    th_assert_ok(dk_store_open(&b, t_fx.url, NULL));
    dk_store_lock *la = NULL;
    th_assert_err(dk_store_lock_take(&la, a, ""), DK_EINVALID);
    th_assert(la == NULL);
    th_assert_ok(dk_store_lock_take(&la, a, "dk.land:demo"));
    th_assert_eq_int(t_advisory(a, true), 1);
    struct t_lock_waiter w = {.store = b};
    pthread_t th;
    th_assert(pthread_create(&th, NULL, t_lock_waiter_run, &w) == 0);
    int64_t waiting = 0;
    for (int i = 0; i < 400 && waiting == 0; i++) {
        waiting = t_advisory(a, false);
        if (waiting == 0)
            usleep(25000);
    }
    th_assert_eq_int(waiting, 1);
    th_assert(atomic_load(&w.taken) == 0);
    dk_store_lock_release(la);
    pthread_join(th, NULL);
    th_assert_ok(w.rc);
    th_assert(w.lock != NULL);
    dk_store_lock_release(w.lock);
    int64_t left = 1;
    for (int i = 0; i < 400 && left != 0; i++) {
        left = t_advisory(a, true) + t_advisory(a, false);
        if (left != 0)
            usleep(25000);
    }
    th_assert_eq_int(left, 0);
    dk_store_close(b);
}
