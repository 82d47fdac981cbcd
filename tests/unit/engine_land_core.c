/*
 * tests/unit/engine_land_core.c - the landing core (src/engine/land_core.c)
 * on real bare repositories, without sessions or a store: commits are built
 * with dk_git_*, an overlay is a list of entries, and every result is
 * checked through dk_git_* reads and the git CLI (`git fsck --strict`,
 * `git rev-list`), which is used only to verify.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/land_core.h"
#include "harness/th.h"
#include "util/str.h"

static dk_git_repo *repo;
static char repo_path[4096];

void test_engine_land_core__initialize(void)
{
    snprintf(repo_path, sizeof(repo_path), "%s/repo.git", th_tmpdir());
    th_assert_ok(dk_git_repo_init(&repo, repo_path));
}

void test_engine_land_core__cleanup(void)
{
    dk_git_repo_close(repo);
    repo = NULL;
}

/* ---- fixtures ----------------------------------------------------------- */

/* Run git in the repository; return its output (malloc'd); assert exit 0. */
static char *git_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *git_out(const char *fmt, ...)
{
    char args[2048], out[4200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    snprintf(out, sizeof(out), "%s/git-out.txt", th_tmpdir());
    int rc = th_system("git -C '%s' %s >'%s' 2>&1", repo_path, args, out);
    size_t len;
    char *text = th_read_file(out, &len);
    th_assert_msg(rc == 0, "git %s exited %d: %s", args, rc, text);
    return text;
}

static void assert_fsck(void)
{
    free(git_out("fsck --strict --no-progress"));
}

static const char *hex(const dk_oid *id)
{
    static char buf[4][DK_OID_HEXSZ + 1];
    static int next;
    char *b = buf[next++ % 4];
    dk_oid_to_hex(b, id);
    return b;
}

/* A file of a fixture commit or overlay: content NULL means deleted. */
struct fx {
    const char *path;
    const char *content;
    unsigned mode;
};

#define FX_FILE(p, c)                                                                              \
    {                                                                                              \
        (p), (c), DK_GIT_MODE_FILE                                                                 \
    }
#define FX_EXEC(p, c)                                                                              \
    {                                                                                              \
        (p), (c), DK_GIT_MODE_EXEC                                                                 \
    }
#define FX_LINK(p, c)                                                                              \
    {                                                                                              \
        (p), (c), DK_GIT_MODE_LINK                                                                 \
    }
#define FX_DEL(p)                                                                                  \
    {                                                                                              \
        (p), NULL, 0                                                                               \
    }
#define NFX(a) (sizeof(a) / sizeof((a)[0]))

static dk_oid blob(const char *text)
{
    dk_oid id;
    th_assert_ok(dk_git_blob_write(&id, repo, text, strlen(text)));
    return id;
}

/* A commit: `parent`'s tree (NULL: empty) with `files` applied, parent `parent`. */
static dk_oid commit_on(const dk_oid *parent, const struct fx *files, size_t n, const char *msg)
{
    dk_git_edit *edits = calloc(n ? n : 1, sizeof(*edits));
    dk_oid tree, id;
    for (size_t i = 0; i < n; i++) {
        edits[i].path = files[i].path;
        if (files[i].content) {
            edits[i].op = DK_GIT_EDIT_UPSERT;
            edits[i].id = blob(files[i].content);
            edits[i].mode = files[i].mode;
        } else {
            edits[i].op = DK_GIT_EDIT_DELETE;
        }
    }
    th_assert_ok(dk_git_tree_build(&tree, repo, parent, edits, n));
    free(edits);
    dk_git_commit_opts o = DK_GIT_COMMIT_OPTS_INIT;
    o.author_name = "Fixture";
    o.author_email = "fixture@example.com";
    th_assert_ok(dk_git_commit_write(&id, repo, &tree, parent, parent ? 1 : 0, msg, &o));
    return id;
}

/* Point main at `id` (created or moved). */
static void set_main(const dk_oid *id)
{
    dk_oid cur;
    int rc = dk_git_branch_read(&cur, repo, "main");
    th_assert_ok(dk_git_branch_cas(repo, "main", rc == DK_OK ? &cur : NULL, id, "fixture"));
}

static dk_oid main_head(void)
{
    dk_oid id;
    th_assert_ok(dk_git_branch_read(&id, repo, "main"));
    return id;
}

/* Overlay entries from fixture files (sorted by the caller). Free with free_entries. */
static struct dk_eng_overlay_entry *entries_of(const struct fx *files, size_t n)
{
    struct dk_eng_overlay_entry *e = calloc(n ? n : 1, sizeof(*e));
    for (size_t i = 0; i < n; i++) {
        e[i].path = strdup(files[i].path);
        if (files[i].content) {
            e[i].blob = blob(files[i].content);
            e[i].mode = files[i].mode;
        } else {
            e[i].deleted = true;
        }
    }
    return e;
}

static void free_entries(struct dk_eng_overlay_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(e[i].path);
    free(e);
}

static struct dk_land_publish_opts publish_opts(void)
{
    struct dk_land_publish_opts o = {0};
    o.branch = "main";
    o.author_name = "agent-1";
    o.author_email = "agent-1@dk";
    o.message = "the intent\n";
    o.max_retries = 4;
    return o;
}

/* Land `files` (changes against base) on main. Returns the rc; result in *r. */
static int land(struct dk_land_publish_result *r, const dk_oid *base, const struct fx *files,
                size_t n, const struct dk_land_publish_opts *opts)
{
    struct dk_eng_overlay_entry *e = entries_of(files, n);
    struct dk_land_publish_opts def = publish_opts();
    int rc = dk_land_publish(r, repo, base, e, n, opts ? opts : &def);
    free_entries(e, n);
    return rc;
}

/* Content at `path` in commit `at`; asserts the mode. */
static char *read_at(const dk_oid *at, const char *path, unsigned want_mode)
{
    char *text;
    size_t len;
    unsigned mode;
    th_assert_ok(dk_git_file_read(&text, &len, &mode, repo, at, path));
    th_assert_msg(mode == want_mode, "%s: mode %o, expected %o", path, mode, want_mode);
    return text;
}

static void assert_file(const dk_oid *at, const char *path, unsigned mode, const char *want)
{
    char *text = read_at(at, path, mode);
    th_assert_eq_str(text, want);
    free(text);
}

static void assert_absent(const dk_oid *at, const char *path)
{
    th_assert_err(dk_git_file_lookup(NULL, NULL, repo, at, path), DK_ENOTFOUND);
}

static void assert_parent(const dk_oid *c, const dk_oid *parent)
{
    char *out = git_out("rev-list --parents -n 1 %s", hex(c));
    char want[100];
    snprintf(want, sizeof(want), "%s %s\n", hex(c), hex(parent));
    th_assert_eq_str(out, want);
    free(out);
}

static const char PY_BASE[] = "def f():\n    return 1\n\n\ndef g():\n    return 2\n";
static const char PY_F10[] = "def f():\n    return 10\n\n\ndef g():\n    return 2\n";
static const char PY_G20[] = "def f():\n    return 1\n\n\ndef g():\n    return 20\n";
static const char PY_F11[] = "def f():\n    return 11\n\n\ndef g():\n    return 2\n";

/* The standard base: a Python file, a text file, an executable, a symlink. */
static dk_oid base_commit(void)
{
    struct fx files[] = {
        FX_FILE("README", "readme\n"),
        FX_FILE("src/app.py", PY_BASE),
        FX_EXEC("bin/run", "#!/bin/sh\necho run\n"),
        FX_LINK("current", "src/app.py"),
        FX_FILE("notes.txt", "notes\n"),
    };
    dk_oid c = commit_on(NULL, files, NFX(files), "base\n");
    set_main(&c);
    return c;
}

/* ---- fast path ---------------------------------------------------------- */

void test_engine_land_core__fast_path(void)
{
    dk_oid base = base_commit();
    struct fx ov[] = {
        FX_DEL("README"),
        FX_EXEC("bin/new", "#!/bin/sh\n"),
        FX_FILE("docs/a/b.md", "# b\n"),
        FX_FILE("src/app.py", PY_G20),
    };
    struct dk_land_publish_result r;
    th_assert_ok(land(&r, &base, ov, NFX(ov), NULL));
    dk_oid head = main_head();
    th_assert(dk_oid_is_equal(&head, &r.commit));
    th_assert(dk_oid_is_equal(&r.head, &base));
    th_assert_eq_int(r.retries, 0);
    th_assert_eq_int(r.merge.merged_files.len, 0);
    assert_parent(&head, &base);
    assert_absent(&head, "README");
    assert_file(&head, "bin/new", DK_GIT_MODE_EXEC, "#!/bin/sh\n");
    assert_file(&head, "docs/a/b.md", DK_GIT_MODE_FILE, "# b\n");
    assert_file(&head, "src/app.py", DK_GIT_MODE_FILE, PY_G20);
    assert_file(&head, "bin/run", DK_GIT_MODE_EXEC, "#!/bin/sh\necho run\n");
    assert_file(&head, "current", DK_GIT_MODE_LINK, "src/app.py");
    char *log = git_out("log -1 --format=%%an%%n%%B %s", hex(&head));
    th_assert_eq_str(log, "agent-1\nthe intent\n\n");
    free(log);
    dk_land_publish_release(&r);
    assert_fsck();
}

/* ---- rebase path -------------------------------------------------------- */

void test_engine_land_core__rebase_unrelated_file(void)
{
    dk_oid base = base_commit();
    struct fx other[] = {FX_FILE("notes.txt", "notes, edited on the branch\n")};
    dk_oid moved = commit_on(&base, other, 1, "other\n");
    set_main(&moved);

    struct fx ov[] = {FX_FILE("src/app.py", PY_F10)};
    struct dk_land_publish_result r;
    th_assert_ok(land(&r, &base, ov, NFX(ov), NULL));
    dk_oid head = main_head();
    assert_parent(&head, &moved);
    assert_file(&head, "notes.txt", DK_GIT_MODE_FILE, "notes, edited on the branch\n");
    assert_file(&head, "src/app.py", DK_GIT_MODE_FILE, PY_F10);
    th_assert_eq_int(r.merge.merged_files.len, 0);
    dk_land_publish_release(&r);
    assert_fsck();
}

void test_engine_land_core__different_functions_merge(void)
{
    dk_oid base = base_commit();
    struct fx theirs[] = {FX_FILE("src/app.py", PY_F10)};
    dk_oid moved = commit_on(&base, theirs, 1, "f\n");
    set_main(&moved);

    struct fx ov[] = {FX_FILE("src/app.py", PY_G20)};
    struct dk_land_publish_result r;
    th_assert_ok(land(&r, &base, ov, NFX(ov), NULL));
    dk_oid head = main_head();
    assert_parent(&head, &moved);
    assert_file(&head, "src/app.py", DK_GIT_MODE_FILE,
                "def f():\n    return 10\n\n\ndef g():\n    return 20\n");
    th_assert_eq_int(r.merge.merged_files.len, 1);
    th_assert_eq_str(r.merge.merged_files.items[0], "src/app.py");
    dk_land_publish_release(&r);
    assert_fsck();
}

void test_engine_land_core__same_function_conflicts(void)
{
    dk_oid base = base_commit();
    struct fx theirs[] = {FX_FILE("src/app.py", PY_F10)};
    dk_oid moved = commit_on(&base, theirs, 1, "f\n");
    set_main(&moved);

    struct fx ov[] = {FX_FILE("notes.txt", "mine\n"), FX_FILE("src/app.py", PY_F11)};
    struct dk_land_publish_result r;
    th_assert_err(land(&r, &base, ov, NFX(ov), NULL), DK_ECONFLICT);
    dk_oid head = main_head();
    th_assert(dk_oid_is_equal(&head, &moved)); /* nothing landed */
    th_assert(dk_oid_is_zero(&r.commit));
    th_assert_eq_int(r.merge.conflicts.len, 1);
    dk_land_conflict *c = &r.merge.conflicts.items[0];
    th_assert_eq_str(c->path, "src/app.py");
    th_assert_eq_str(c->qualified_name, "f");
    th_assert_eq_str(c->kind, "function");
    th_assert_msg(strstr(c->head_text, "return 10") && !strstr(c->head_text, "return 11"),
                  "head text: %s", c->head_text);
    th_assert_msg(strstr(c->session_text, "return 11"), "session text: %s", c->session_text);
    th_assert_msg(strstr(c->base_text, "return 1\n"), "base text: %s", c->base_text);
    th_assert_msg(!strstr(c->description, "ours") && !strstr(c->description, "theirs"),
                  "description in merge words: %s", c->description);
    dk_land_publish_release(&r);
    assert_fsck();
}

/* ---- whole-file outcomes ------------------------------------------------ */

void test_engine_land_core__delete_vs_modify(void)
{
    dk_oid base = base_commit();
    struct fx theirs[] = {FX_FILE("notes.txt", "edited\n"), FX_DEL("README")};
    dk_oid moved = commit_on(&base, theirs, NFX(theirs), "edit notes, drop readme\n");
    set_main(&moved);

    /* the session deletes what the branch modified, and modifies what it deleted */
    struct fx ov[] = {FX_FILE("README", "readme v2\n"), FX_DEL("notes.txt")};
    struct dk_land_publish_result r;
    th_assert_err(land(&r, &base, ov, NFX(ov), NULL), DK_ECONFLICT);
    th_assert_eq_int(r.merge.conflicts.len, 2);
    dk_land_conflict *c = &r.merge.conflicts.items[0];
    th_assert_eq_str(c->path, "README");
    th_assert_eq_str(c->qualified_name, "<file>");
    th_assert_eq_str(c->description, "the branch deleted the file, the session modified it");
    th_assert_eq_str(c->base_text, "readme\n");
    th_assert(c->head_text == NULL);
    th_assert_eq_str(c->session_text, "readme v2\n");
    c = &r.merge.conflicts.items[1];
    th_assert_eq_str(c->path, "notes.txt");
    th_assert_eq_str(c->description, "the session deleted the file, the branch modified it");
    th_assert_eq_str(c->head_text, "edited\n");
    th_assert(c->session_text == NULL);
    dk_oid head = main_head();
    th_assert(dk_oid_is_equal(&head, &moved));
    dk_land_publish_release(&r);
}

void test_engine_land_core__deletions_honoured(void)
{
    dk_oid base = base_commit();
    struct fx theirs[] = {FX_FILE("src/app.py", PY_F10), FX_DEL("README")};
    dk_oid moved = commit_on(&base, theirs, NFX(theirs), "branch work\n");
    set_main(&moved);

    /* deletes of files the branch did not touch, and of one it deleted too */
    struct fx ov[] = {FX_DEL("README"), FX_DEL("bin/run"), FX_DEL("notes.txt")};
    struct dk_land_publish_result r;
    th_assert_ok(land(&r, &base, ov, NFX(ov), NULL));
    dk_oid head = main_head();
    assert_absent(&head, "README");
    assert_absent(&head, "bin/run");
    assert_absent(&head, "bin"); /* an emptied directory goes too */
    assert_absent(&head, "notes.txt");
    assert_file(&head, "src/app.py", DK_GIT_MODE_FILE, PY_F10);
    dk_land_publish_release(&r);
    assert_fsck();
}

void test_engine_land_core__add_add(void)
{
    dk_oid base = base_commit();
    struct fx theirs[] = {FX_FILE("new/same.txt", "same\n"), FX_FILE("new/diff.txt", "branch\n")};
    dk_oid moved = commit_on(&base, theirs, NFX(theirs), "adds\n");
    set_main(&moved);

    struct fx ov[] = {FX_FILE("new/diff.txt", "session\n")};
    struct dk_land_publish_result r;
    th_assert_err(land(&r, &base, ov, NFX(ov), NULL), DK_ECONFLICT);
    th_assert_eq_int(r.merge.conflicts.len, 1);
    dk_land_conflict *c = &r.merge.conflicts.items[0];
    th_assert_eq_str(c->path, "new/diff.txt");
    th_assert(c->base_text == NULL);
    th_assert_eq_str(c->head_text, "branch\n");
    th_assert_eq_str(c->session_text, "session\n");
    dk_land_publish_release(&r);

    /* the same addition on both sides is no conflict */
    struct fx ov2[] = {FX_FILE("new/same.txt", "same\n")};
    th_assert_ok(land(&r, &base, ov2, NFX(ov2), NULL));
    dk_oid head = main_head();
    assert_file(&head, "new/same.txt", DK_GIT_MODE_FILE, "same\n");
    assert_file(&head, "new/diff.txt", DK_GIT_MODE_FILE, "branch\n");
    dk_land_publish_release(&r);
    assert_fsck();
}

/* ---- modes -------------------------------------------------------------- */

void test_engine_land_core__modes_kept(void)
{
    dk_oid base = base_commit();
    /* the branch makes notes.txt executable and changes the script's body */
    struct fx theirs[] = {
        FX_EXEC("notes.txt", "notes\n"),
        FX_EXEC("bin/run", "#!/bin/sh\necho run\necho more\n"),
    };
    dk_oid moved = commit_on(&base, theirs, NFX(theirs), "modes\n");
    set_main(&moved);

    /* the session edits notes.txt (as a plain file), the script's first
     * line, retargets the symlink and adds a new one */
    struct fx ov[] = {
        FX_EXEC("bin/run", "#!/bin/bash\necho run\n"),
        FX_LINK("current", "README"),
        FX_LINK("docs/latest", "../README"),
        FX_FILE("notes.txt", "notes, edited\n"),
    };
    struct dk_land_publish_result r;
    th_assert_ok(land(&r, &base, ov, NFX(ov), NULL));
    dk_oid head = main_head();
    assert_file(&head, "notes.txt", DK_GIT_MODE_EXEC, "notes, edited\n");
    assert_file(&head, "bin/run", DK_GIT_MODE_EXEC, "#!/bin/bash\necho run\necho more\n");
    assert_file(&head, "current", DK_GIT_MODE_LINK, "README");
    assert_file(&head, "docs/latest", DK_GIT_MODE_LINK, "../README");
    dk_land_publish_release(&r);
    assert_fsck();

    /* a session that only flips a mode keeps the branch's content */
    struct fx ov2[] = {FX_FILE("bin/run", "#!/bin/sh\necho run\n")};
    th_assert_ok(land(&r, &base, ov2, NFX(ov2), NULL));
    dk_oid head2 = main_head();
    assert_file(&head2, "bin/run", DK_GIT_MODE_FILE, "#!/bin/bash\necho run\necho more\n");
    dk_land_publish_release(&r);
}

void test_engine_land_core__symlink_changed_on_both_sides_conflicts(void)
{
    dk_oid base = base_commit();
    struct fx theirs[] = {FX_LINK("current", "notes.txt")};
    dk_oid moved = commit_on(&base, theirs, 1, "link\n");
    set_main(&moved);

    struct fx ov[] = {FX_LINK("current", "README")};
    struct dk_land_publish_result r;
    th_assert_err(land(&r, &base, ov, NFX(ov), NULL), DK_ECONFLICT);
    th_assert_eq_int(r.merge.conflicts.len, 1);
    th_assert_eq_str(r.merge.conflicts.items[0].description,
                     "both the branch and the session changed the symlink");
    th_assert_eq_str(r.merge.conflicts.items[0].head_text, "notes.txt");
    th_assert_eq_str(r.merge.conflicts.items[0].session_text, "README");
    dk_land_publish_release(&r);
}

void test_engine_land_core__file_directory_clash(void)
{
    dk_oid base = base_commit();
    struct fx theirs[] = {FX_FILE("docs", "a file now\n"), FX_FILE("lib/x.py", "x = 1\n")};
    dk_oid moved = commit_on(&base, theirs, NFX(theirs), "clash\n");
    set_main(&moved);

    /* below the branch's new file, and a file where it made a directory */
    struct fx ov[] = {FX_FILE("docs/guide.md", "# guide\n"), FX_FILE("lib", "lib\n")};
    struct dk_land_publish_result r;
    th_assert_err(land(&r, &base, ov, NFX(ov), NULL), DK_ECONFLICT);
    th_assert_eq_int(r.merge.conflicts.len, 2);
    th_assert_eq_str(r.merge.conflicts.items[0].path, "docs/guide.md");
    th_assert_eq_str(r.merge.conflicts.items[0].head_text, "a file now\n");
    th_assert_eq_str(r.merge.conflicts.items[0].session_text, "# guide\n");
    th_assert_eq_str(r.merge.conflicts.items[1].path, "lib");
    dk_oid head = main_head();
    th_assert(dk_oid_is_equal(&head, &moved));
    assert_file(&head, "lib/x.py", DK_GIT_MODE_FILE, "x = 1\n");
    dk_land_publish_release(&r);
}

/* ---- unborn branch ------------------------------------------------------ */

void test_engine_land_core__unborn_branch(void)
{
    struct fx first[] = {FX_FILE("a.txt", "a\n"), FX_EXEC("run.sh", "#!/bin/sh\n")};
    struct dk_land_publish_result r;
    th_assert_err(dk_git_branch_read(&r.head, repo, "main"), DK_ENOTFOUND);
    th_assert_ok(land(&r, NULL, first, NFX(first), NULL));
    dk_oid head = main_head();
    char *parents = git_out("rev-list --parents -n 1 %s", hex(&head));
    char want[64];
    snprintf(want, sizeof(want), "%s\n", hex(&head));
    th_assert_eq_str(parents, want); /* a root commit */
    free(parents);
    assert_file(&head, "run.sh", DK_GIT_MODE_EXEC, "#!/bin/sh\n");
    dk_land_publish_release(&r);

    /* a second session also started on the unborn branch: merged onto the first */
    struct fx second[] = {FX_FILE("b.txt", "b\n")};
    th_assert_ok(land(&r, NULL, second, NFX(second), NULL));
    dk_oid head2 = main_head();
    assert_parent(&head2, &head);
    assert_file(&head2, "a.txt", DK_GIT_MODE_FILE, "a\n");
    assert_file(&head2, "b.txt", DK_GIT_MODE_FILE, "b\n");
    dk_land_publish_release(&r);

    /* and a third that added a.txt differently conflicts */
    struct fx third[] = {FX_FILE("a.txt", "other a\n")};
    th_assert_err(land(&r, NULL, third, NFX(third), NULL), DK_ECONFLICT);
    dk_land_publish_release(&r);
    assert_fsck();
}

/* ---- races -------------------------------------------------------------- */

struct race {
    int prepared;
    int aborted;
    unsigned moves;
};

/* prepare hook: another writer lands on main right before our CAS, `moves` times. */
static int race_prepare(void *ud, const dk_oid *head, const dk_oid *commit)
{
    struct race *rc = ud;
    (void)commit;
    rc->prepared++;
    if ((unsigned)rc->prepared > rc->moves)
        return DK_OK;
    char path[32], text[32];
    snprintf(path, sizeof(path), "racer/%d.txt", rc->prepared);
    snprintf(text, sizeof(text), "racer %d\n", rc->prepared);
    struct fx f[] = {FX_FILE(path, text)};
    dk_oid c = commit_on(head, f, 1, "racer\n");
    th_assert_ok(dk_git_branch_cas(repo, "main", head, &c, "racer"));
    return DK_OK;
}

static void race_abort(void *ud)
{
    ((struct race *)ud)->aborted++;
}

void test_engine_land_core__cas_race_retries(void)
{
    dk_oid base = base_commit();
    struct race rs = {.moves = 2};
    struct dk_land_publish_opts o = publish_opts();
    o.prepare = race_prepare;
    o.abort = race_abort;
    o.ud = &rs;

    struct fx ov[] = {FX_FILE("src/app.py", PY_G20)};
    struct dk_land_publish_result r;
    th_assert_ok(land(&r, &base, ov, NFX(ov), &o));
    th_assert_eq_int(r.retries, 2);
    th_assert_eq_int(rs.prepared, 3);
    th_assert_eq_int(rs.aborted, 2);
    dk_oid head = main_head();
    th_assert(dk_oid_is_equal(&head, &r.commit));
    assert_parent(&head, &r.head);
    /* nothing lost: both racers' files and the session's change */
    assert_file(&head, "racer/1.txt", DK_GIT_MODE_FILE, "racer 1\n");
    assert_file(&head, "racer/2.txt", DK_GIT_MODE_FILE, "racer 2\n");
    assert_file(&head, "src/app.py", DK_GIT_MODE_FILE, PY_G20);
    char *count = git_out("rev-list --count %s", hex(&head));
    th_assert_eq_str(count, "4\n"); /* base, racer 1, racer 2, ours */
    free(count);
    dk_land_publish_release(&r);
    assert_fsck();
}

void test_engine_land_core__cas_race_gives_up(void)
{
    dk_oid base = base_commit();
    struct race rs = {.moves = 100};
    struct dk_land_publish_opts o = publish_opts();
    o.prepare = race_prepare;
    o.abort = race_abort;
    o.ud = &rs;
    o.max_retries = 3;

    struct fx ov[] = {FX_FILE("notes.txt", "x\n")};
    struct dk_land_publish_result r;
    th_assert_err(land(&r, &base, ov, NFX(ov), &o), DK_EBUSY);
    th_assert_eq_int(r.retries, 3);
    th_assert_eq_int(rs.aborted, 4);
    th_assert(dk_oid_is_zero(&r.commit));
    dk_oid head = main_head();
    assert_file(&head, "notes.txt", DK_GIT_MODE_FILE, "notes\n");
    dk_land_publish_release(&r);
}

/* prepare hook that refuses: nothing may be published */
static int refuse_prepare(void *ud, const dk_oid *head, const dk_oid *commit)
{
    (void)ud;
    (void)head;
    (void)commit;
    return dk_error_set(DK_EINVALID, "refused by prepare");
}

void test_engine_land_core__prepare_error_publishes_nothing(void)
{
    dk_oid base = base_commit();
    struct dk_land_publish_opts o = publish_opts();
    o.prepare = refuse_prepare;
    struct fx ov[] = {FX_FILE("notes.txt", "x\n")};
    struct dk_land_publish_result r;
    th_assert_err(land(&r, &base, ov, NFX(ov), &o), DK_EINVALID);
    dk_oid head = main_head();
    th_assert(dk_oid_is_equal(&head, &base));
    dk_land_publish_release(&r);
}

/* ---- dry run and bad input ---------------------------------------------- */

void test_engine_land_core__dry_run_commits_nothing(void)
{
    dk_oid base = base_commit();
    struct fx theirs[] = {FX_FILE("src/app.py", PY_F10)};
    dk_oid moved = commit_on(&base, theirs, 1, "f\n");
    set_main(&moved);
    struct dk_land_publish_opts o = publish_opts();
    o.dry_run = true;

    struct fx ok[] = {FX_FILE("src/app.py", PY_G20)};
    struct dk_land_publish_result r;
    th_assert_ok(land(&r, &base, ok, NFX(ok), &o));
    th_assert(dk_oid_is_zero(&r.commit));
    th_assert(!dk_oid_is_zero(&r.merge.tree));
    th_assert_eq_int(r.merge.merged_files.len, 1);
    dk_land_publish_release(&r);

    struct fx bad[] = {FX_FILE("src/app.py", PY_F11)};
    th_assert_err(land(&r, &base, bad, NFX(bad), &o), DK_ECONFLICT);
    th_assert_eq_int(r.merge.conflicts.len, 1);
    dk_land_publish_release(&r);

    dk_oid head = main_head();
    th_assert(dk_oid_is_equal(&head, &moved));
    char *count = git_out("rev-list --count --all");
    th_assert_eq_str(count, "2\n");
    free(count);
}

void test_engine_land_core__unsorted_entries_refused(void)
{
    dk_oid base = base_commit();
    struct fx ov[] = {FX_FILE("b.txt", "b\n"), FX_FILE("a.txt", "a\n")};
    struct dk_land_publish_result r;
    th_assert_err(land(&r, &base, ov, NFX(ov), NULL), DK_EINVALID);
    dk_land_publish_release(&r);
    struct fx dup[] = {FX_FILE("a.txt", "a\n"), FX_FILE("a.txt", "b\n")};
    th_assert_err(land(&r, &base, dup, NFX(dup), NULL), DK_EINVALID);
    dk_land_publish_release(&r);
    dk_oid head = main_head();
    th_assert(dk_oid_is_equal(&head, &base));
}

void test_engine_land_core__deleted_branch_is_stale(void)
{
    dk_oid base = base_commit();
    th_assert_eq_int(th_system("git -C '%s' update-ref -d refs/heads/main", repo_path), 0);
    struct fx ov[] = {FX_FILE("notes.txt", "x\n")};
    struct dk_land_publish_result r;
    th_assert_err(land(&r, &base, ov, NFX(ov), NULL), DK_ESTALE);
    dk_land_publish_release(&r);
}

void test_engine_land_core__file_becomes_directory(void)
{
    dk_oid base = base_commit();
    struct fx theirs[] = {FX_FILE("README", "readme\n"), FX_FILE("notes.txt", "branch notes\n")};
    dk_oid moved = commit_on(&base, theirs, NFX(theirs), "branch\n");
    set_main(&moved);

    /* the session replaces the file README by a directory README/, on a moved head */
    struct fx ov[] = {FX_DEL("README"), FX_FILE("README/index.md", "# readme\n")};
    struct dk_land_publish_result r;
    th_assert_ok(land(&r, &base, ov, NFX(ov), NULL));
    dk_oid head = main_head();
    assert_file(&head, "README/index.md", DK_GIT_MODE_FILE, "# readme\n");
    assert_file(&head, "notes.txt", DK_GIT_MODE_FILE, "branch notes\n");
    dk_land_publish_release(&r);
    assert_fsck();
}

/* Conflict descriptions speak of the branch and the session, but never rename a symbol. */
void test_engine_land_core__descriptions_keep_symbol_names(void)
{
    static const char base_py[] = "def ours():\n    return 1\n\n\ndef theirs():\n    return 2\n";
    static const char head_py[] = "def theirs():\n    return 20\n";
    static const char sess_py[] = "def ours():\n    return 11\n\n\ndef theirs():\n    return 21\n";
    struct fx b[] = {FX_FILE("m.py", base_py)};
    dk_oid base = commit_on(NULL, b, 1, "base\n");
    struct fx h[] = {FX_FILE("m.py", head_py)};
    dk_oid moved = commit_on(&base, h, 1, "head\n");
    set_main(&moved);
    struct fx ov[] = {FX_FILE("m.py", sess_py)};
    struct dk_land_publish_result r;
    th_assert_err(land(&r, &base, ov, NFX(ov), NULL), DK_ECONFLICT);
    th_assert_eq_int(r.merge.conflicts.len, 2);
    int seen_ours = 0, seen_theirs = 0;
    for (size_t i = 0; i < r.merge.conflicts.len; i++) {
        const dk_land_conflict *c = &r.merge.conflicts.items[i];
        seen_ours += strcmp(c->qualified_name, "ours") == 0;
        seen_theirs += strcmp(c->qualified_name, "theirs") == 0;
        th_assert_msg(strstr(c->description, "`ours`") || strstr(c->description, "`theirs`"),
                      "description lost the symbol's name: %s", c->description);
    }
    th_assert_eq_int(seen_ours, 1);
    th_assert_eq_int(seen_theirs, 1);
    /* the deleted-and-modified one speaks of the sides */
    const dk_land_conflict *del = &r.merge.conflicts.items[0];
    th_assert_msg(strstr(del->description, "the branch deleted `ours`, the session modified it"),
                  "%s", del->description);
    dk_land_publish_release(&r);
}
