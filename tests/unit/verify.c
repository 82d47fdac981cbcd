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
 * Python/pytest: `python3 -m pytest` is not installed on this machine, so
 * no pytest pipeline runs here; detection of a Python project is tested.
 */
#include "dk/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dk/engine.h"

#include "api/api.h"
#include "harness/th.h"
#include "util/str.h"
#include "verify/verify_int.h"

/* ========================================================================== */
/* Fixtures                                                                   */
/* ========================================================================== */

static char t_data[4096];
static char t_src[4096];
static char t_scratch[4096];
static dk_engine *t_e;

struct t_file {
    const char *path;
    const char *text;
    unsigned mode;
};

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

static dk_oid t_blob(dk_git_repo *g, const char *text)
{
    dk_oid id;
    th_assert_ok(dk_git_blob_write(&id, g, text, strlen(text)));
    return id;
}

/* Commit `files` (text NULL: delete) on `branch` of repository `path` (unborn: a root commit). */
static void t_commit(const char *path, const struct t_file *files, size_t n)
{
    dk_git_repo *g;
    th_assert_ok(dk_git_repo_open(&g, path));
    dk_oid head, tree, commit;
    bool born = dk_git_branch_read(&head, g, "main") == DK_OK;
    dk_git_edit *e = calloc(n, sizeof(*e));
    for (size_t i = 0; i < n; i++) {
        e[i].path = files[i].path;
        e[i].op = files[i].text ? DK_GIT_EDIT_UPSERT : DK_GIT_EDIT_DELETE;
        if (files[i].text)
            e[i].id = t_blob(g, files[i].text);
        e[i].mode = files[i].mode ? files[i].mode : DK_GIT_MODE_FILE;
    }
    th_assert_ok(dk_git_tree_build(&tree, g, born ? &head : NULL, e, n));
    free(e);
    dk_git_commit_opts o = DK_GIT_COMMIT_OPTS_INIT;
    o.author_name = "T";
    o.author_email = "t@example.com";
    th_assert_ok(
        dk_git_commit_write(&commit, g, &tree, born ? &head : NULL, born ? 1 : 0, "fixture\n", &o));
    th_assert_ok(dk_git_branch_cas(g, "main", born ? &head : NULL, &commit, NULL));
    dk_git_repo_close(g);
}

/* A C project with make and `pipeline` (NULL: none) as the source, imported as "demo". */
static void t_project(const char *pipeline, const char *calc)
{
    snprintf(t_src, sizeof(t_src), "%s/src.git", th_tmpdir());
    dk_git_repo *g;
    th_assert_ok(dk_git_repo_init(&g, t_src));
    dk_git_repo_close(g);
    struct t_file f[] = {
        {"Makefile", t_makefile, 0}, {"calc.c", calc ? calc : t_calc_ok, 0},
        {"calc.h", t_calc_h, 0},     {"main.c", t_main, 0},
        {"stale.txt", "old\n", 0},   {".dk/pipeline.yaml", pipeline, 0},
    };
    t_commit(t_src, f, pipeline ? 6 : 5);
    th_assert_ok(dk_repo_import(t_e, "demo", t_src, NULL));
}

/* The engine's copy of "demo". */
static void t_demo_path(char *out, size_t n)
{
    dk_repo_info *info;
    th_assert_ok(dk_repo_get(&info, t_e, "demo"));
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
    th_assert_ok(dk_session_connect(&s, t_e, NULL, &o));
    char *id = strdup(s->session_id);
    dk_session_infos_free(s, 1);
    return id;
}

static void t_write(const char *sid, const char *path, const char *text)
{
    dk_write_result *w = NULL;
    th_assert_ok(dk_file_write(&w, t_e, NULL, sid, path, text, strlen(text), NULL));
    dk_write_result_free(w);
}

static void t_submit(const char *sid)
{
    dk_changeset_info *cs;
    th_assert_ok(dk_changeset_submit(&cs, t_e, NULL, sid));
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
    th_assert_ok(dk_session_status(&s, t_e, NULL, sid));
    dk_changeset_state st = s->changeset_state;
    dk_session_infos_free(s, 1);
    return st;
}

void test_verify_run__initialize(void)
{
    snprintf(t_data, sizeof(t_data), "%s/data", th_tmpdir());
    snprintf(t_scratch, sizeof(t_scratch), "%s/scratch", th_tmpdir());
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.data_dir = t_data;
    o.gc_interval_ms = 0;
    th_assert_ok(dk_engine_open(&t_e, &o));
}

void test_verify_run__cleanup(void)
{
    dk_engine_close(t_e);
    t_e = NULL;
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
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_ok(dk_events_watch(&ev, &nev, NULL, t_e, "demo", 0, "changeset.verify_step", 100, 0));
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
    th_assert_ok(dk_land(&lr, t_e, NULL, sid, NULL));
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
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_err(dk_land(&lr, t_e, NULL, sid, NULL), DK_EINVALID);
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
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_err(dk_verify(&r, t_e, NULL, sid, &o), DK_EINVALID);
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
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
    th_assert(!r->passed);
    dk_verify_result_free(r);
    th_assert_eq_int(t_cs_state(sid), DK_CS_DRAFT);
    dk_write_result *w = NULL;
    th_assert_ok(dk_file_delete(&w, t_e, NULL, sid, "stale.txt"));
    dk_write_result_free(w);
    t_submit(sid);
    o.check_only = false;
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
    th_assert_msg(!r->passed, "the session's own tree must fail: %s", r->json);
    dk_verify_result_free(r);
    /* the head moves */
    char demo[4096];
    t_demo_path(demo, sizeof(demo));
    struct t_file f[] = {{"calc.c", add_fixed, 0}};
    t_commit(demo, f, 1);
    t_submit(sid);
    o.check_only = false;
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    struct t_file f[] = {{"calc.c",
                          "#include \"calc.h\"\n\nint add(int a, int b)\n{\n    return (a + "
                          "b);\n}\n\nint mul(int a, int b)\n{\n    return a * b;\n}\n",
                          0}};
    t_commit(demo, f, 1);
    struct t_seen seen = {0};
    dk_verify_opts o = t_opts(&seen);
    dk_verify_result *r = NULL;
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_err(dk_verify(&r, t_e, NULL, sid, &o), DK_EINVALID);
    th_assert(r == NULL);
    t_submit(sid);
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_err(dk_verify(&r, t_e, NULL, sid, &o), DK_EUNSUPPORTED);
    th_assert(r == NULL);
    /* NONE ignores the one on PATH */
    o.path = path;
    o.sandbox = DK_VERIFY_SANDBOX_NONE;
    th_assert_ok(dk_verify(&r, t_e, NULL, sid, &o));
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
    th_assert_ok(dk_api_new(&api, t_e));
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
    snprintf(tree, sizeof(tree), "%s/verify/demo/tree/calc", t_data);
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
                             .id = t_blob(g, names[i]),
                             .mode = DK_GIT_MODE_FILE};
    }
    e[50] = (dk_git_edit){.path = "bin/run",
                          .op = DK_GIT_EDIT_UPSERT,
                          .id = t_blob(g, "#!/bin/sh\n"),
                          .mode = DK_GIT_MODE_EXEC};
    e[51] = (dk_git_edit){.path = "link",
                          .op = DK_GIT_EDIT_UPSERT,
                          .id = t_blob(g, "d0/f0.txt"),
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
         .id = t_blob(g, "new"),
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
         .id = t_blob(g, "in"),
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
