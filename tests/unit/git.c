/*
 * tests/unit/git.c - tests for src/git: real bare repositories in a temporary
 * directory, written through dk_git_* and checked with the git CLI
 * (`git fsck --strict`, `git ls-tree -r`, `git rev-parse`, `git rev-list`),
 * which is used only to verify, never to write.
 */
#include "git/git.h"

#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "harness/th.h"
#include "util/str.h"

#define EMPTY_BLOB "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
#define EMPTY_TREE "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

/* ---- fixtures ----------------------------------------------------------- */

static dk_git_repo *repo;
static char repo_path[4096];

void test_git__initialize(void)
{
    snprintf(repo_path, sizeof(repo_path), "%s/repo.git", th_tmpdir());
    th_assert_ok(dk_git_repo_init(&repo, repo_path));
}

void test_git__cleanup(void)
{
    dk_git_repo_close(repo);
    repo = NULL;
}

/* The repository must pass `git fsck --strict`. */
static void assert_fsck(void)
{
    free(th_git_out(repo_path, "fsck --strict --no-progress"));
}

static dk_oid hex_oid(const char *hex)
{
    dk_oid id;
    th_assert_ok(dk_oid_from_hex(&id, hex, strlen(hex)));
    return id;
}

static const char *oid_str(const dk_oid *id)
{
    static char buf[4][DK_OID_HEXSZ + 1];
    static int next;
    char *b = buf[next++ % 4];
    dk_oid_to_hex(b, id);
    return b;
}

static dk_oid blob(const char *text)
{
    dk_oid id;
    th_assert_ok(dk_git_blob_write(&id, repo, text, strlen(text)));
    return id;
}

static dk_git_edit upsert(const char *path, dk_oid id, unsigned mode)
{
    return (dk_git_edit){.path = path, .op = DK_GIT_EDIT_UPSERT, .id = id, .mode = mode};
}

static dk_git_edit del(const char *path)
{
    return (dk_git_edit){.path = path, .op = DK_GIT_EDIT_DELETE};
}

static dk_oid commit(const dk_oid *tree, const dk_oid *parents, size_t n, const char *msg)
{
    dk_git_commit_opts o = DK_GIT_COMMIT_OPTS_INIT;
    dk_oid id;
    o.author_name = "Test Author";
    o.author_email = "test@example.com";
    o.fixed_time = true;
    o.time = 1700000000;
    o.tz_offset = 60;
    th_assert_ok(dk_git_commit_write(&id, repo, tree, parents, n, msg, &o));
    return id;
}

/* A commit of the standard small tree used by several tests. */
static dk_oid sample_commit(void)
{
    dk_git_edit e[] = {
        upsert("README", blob("readme\n"), DK_GIT_MODE_FILE),
        upsert("src/main.c", blob("int main(void) { return 0; }\n"), DK_GIT_MODE_FILE),
        upsert("src/util/str.h", blob("#pragma once\n"), DK_GIT_MODE_FILE),
        upsert("bin/run", blob("#!/bin/sh\necho hi\n"), DK_GIT_MODE_EXEC),
        upsert("link", blob("src/main.c"), DK_GIT_MODE_LINK),
    };
    dk_oid tree;
    th_assert_ok(dk_git_tree_build(&tree, repo, NULL, e, sizeof(e) / sizeof(e[0])));
    return commit(&tree, NULL, 0, "sample\n");
}

/* `git ls-tree -r --name-only` of a tree-ish, as one string. */
static char *ls_names(const dk_oid *id)
{
    return th_git_out(repo_path, "ls-tree -r --name-only %s", oid_str(id));
}

/* ---- object ids --------------------------------------------------------- */

void test_git__oid_hex_round_trip(void)
{
    const char *hex = "0123456789abcdef0123456789ABCDEF01234567";
    dk_oid a, b;
    char out[DK_OID_HEXSZ + 1];
    th_assert_ok(dk_oid_from_hex(&a, hex, strlen(hex)));
    dk_oid_to_hex(out, &a);
    th_assert_eq_str(out, "0123456789abcdef0123456789abcdef01234567");
    th_assert_ok(dk_oid_from_hex(&b, out, DK_OID_HEXSZ));
    th_assert(dk_oid_is_equal(&a, &b));
    th_assert_eq_int(dk_oid_cmp(&a, &b), 0);
    b.id[19] ^= 1;
    th_assert(!dk_oid_is_equal(&a, &b));
    th_assert(dk_oid_cmp(&a, &b) != 0);
    th_assert(!dk_oid_is_zero(&a));
    dk_oid z = {{0}};
    th_assert(dk_oid_is_zero(&z));
    th_assert(dk_oid_cmp(&z, &a) < 0);
}

void test_git__oid_rejects_bad_hex(void)
{
    dk_oid a = hex_oid(EMPTY_BLOB), keep = a;
    th_assert_err(dk_oid_from_hex(&a, "abc", 3), DK_EINVALID);
    th_assert_err(dk_oid_from_hex(&a, EMPTY_BLOB "0", 41), DK_EINVALID);
    th_assert_err(dk_oid_from_hex(&a, "g69de29bb2d1d6434b8b29ae775ad8c2e48c5391", 40), DK_EINVALID);
    th_assert_err(dk_oid_from_hex(&a, "e69de29bb2d1d6434b8b29ae775ad8c2e48c539 ", 40), DK_EINVALID);
    th_assert_err(dk_oid_from_hex(&a, NULL, 0), DK_EINVALID);
    th_assert(dk_oid_is_equal(&a, &keep));
}

/* ---- repositories ------------------------------------------------------- */

void test_git__init_creates_bare_repo_on_main(void)
{
    char *head = th_git_out(repo_path, "symbolic-ref HEAD");
    th_assert_eq_str(head, "refs/heads/main\n");
    free(head);
    char *bare = th_git_out(repo_path, "rev-parse --is-bare-repository");
    th_assert_eq_str(bare, "true\n");
    free(bare);
    th_assert(dk_git_repo_is_bare(repo));
    th_assert(dk_git_repo_workdir(repo) == NULL);
    th_assert(strstr(dk_git_repo_path(repo), "repo.git/") != NULL);
    th_assert(dk_git_repo_raw(repo) != NULL);

    dk_git_repo *again = NULL;
    th_assert_err(dk_git_repo_init(&again, repo_path), DK_EEXISTS);
    th_assert_ok(dk_git_repo_open(&again, repo_path));
    th_assert(dk_git_repo_is_bare(again));
    dk_git_repo_close(again);
    dk_git_repo_close(NULL);
    assert_fsck();
}

void test_git__open_missing_and_non_bare(void)
{
    char path[4200];
    dk_git_repo *r = NULL;
    snprintf(path, sizeof(path), "%s/nothing", th_tmpdir());
    th_assert_err(dk_git_repo_open(&r, path), DK_ENOTFOUND);
    th_assert(strstr(dk_error_last()->msg, "open repository: ") != NULL);
    th_assert_err(dk_git_repo_open(&r, ""), DK_EINVALID);
    th_assert_err(dk_git_repo_init(&r, ""), DK_EINVALID);

    /* a user's checkout, made by git itself */
    snprintf(path, sizeof(path), "%s/checkout", th_tmpdir());
    th_assert_eq_int(th_system("git init -q '%s'", path), 0);
    th_assert_ok(dk_git_repo_open(&r, path));
    th_assert(!dk_git_repo_is_bare(r));
    th_assert(dk_git_repo_workdir(r) != NULL);
    th_assert(strstr(dk_git_repo_path(r), "checkout/.git/") != NULL);
    dk_git_repo_close(r);

    /* the parent of a repository is not searched */
    char sub[4300];
    snprintf(sub, sizeof(sub), "%s/dir", path);
    th_assert_eq_int(th_system("mkdir '%s'", sub), 0);
    th_assert_err(dk_git_repo_open(&r, sub), DK_ENOTFOUND);
}

/* ---- blobs -------------------------------------------------------------- */

void test_git__blob_round_trip(void)
{
    static const char bin[] = {'\0', '\xff', 'a', '\0', '\n', '\x80', '\r'};
    const char *text = "hello\nworld\n";
    dk_oid id, id2;
    char *data;
    size_t len;

    th_assert_ok(dk_git_blob_write(&id, repo, text, strlen(text)));
    th_assert_ok(dk_git_blob_write(&id2, repo, text, strlen(text)));
    th_assert(dk_oid_is_equal(&id, &id2));
    char file[4200];
    snprintf(file, sizeof(file), "%s/blob.txt", th_tmpdir());
    th_write_file(file, text, strlen(text));
    char *want = th_git_out(repo_path, "hash-object --stdin <'%s'", file);
    th_assert(strncmp(want, oid_str(&id), DK_OID_HEXSZ) == 0);
    free(want);
    th_assert_ok(dk_git_blob_read(&data, &len, repo, &id));
    th_assert_eq_int(len, strlen(text));
    th_assert_eq_str(data, text);
    free(data);

    th_assert_ok(dk_git_blob_write(&id, repo, NULL, 0));
    th_assert_eq_str(oid_str(&id), EMPTY_BLOB);
    th_assert_ok(dk_git_blob_read(&data, &len, repo, &id));
    th_assert_eq_int(len, 0);
    th_assert_eq_str(data, "");
    free(data);

    th_assert_ok(dk_git_blob_write(&id, repo, bin, sizeof(bin)));
    th_assert_ok(dk_git_blob_read(&data, &len, repo, &id));
    th_assert_eq_int(len, sizeof(bin));
    th_assert(memcmp(data, bin, sizeof(bin)) == 0);
    th_assert(data[len] == '\0');
    free(data);
    char *size = th_git_out(repo_path, "cat-file -s %s", oid_str(&id));
    th_assert_eq_str(size, "7\n");
    free(size);

    dk_oid missing = hex_oid("1111111111111111111111111111111111111111");
    th_assert_err(dk_git_blob_read(&data, &len, repo, &missing), DK_ENOTFOUND);
    th_assert(strstr(dk_error_last()->msg, "read blob 1111") != NULL);
    th_assert_err(dk_git_blob_write(&id, repo, NULL, 3), DK_EINVALID);
    assert_fsck();
}

/* ---- building trees ----------------------------------------------------- */

void test_git__tree_build_nested_from_empty(void)
{
    dk_oid empty, tree, c;
    th_assert_ok(dk_git_tree_build(&empty, repo, NULL, NULL, 0));
    th_assert_eq_str(oid_str(&empty), EMPTY_TREE);

    dk_oid x = blob("x\n");
    dk_git_edit e[] = {
        upsert("z.txt", x, DK_GIT_MODE_FILE),
        upsert("a/b/c/deep.txt", blob("deep\n"), DK_GIT_MODE_FILE),
        upsert("a.c", x, DK_GIT_MODE_FILE),
        upsert("a/b.txt", blob("b\n"), DK_GIT_MODE_FILE),
        upsert("a-b", x, DK_GIT_MODE_FILE),
        upsert("a/b/c.txt", x, DK_GIT_MODE_FILE),
    };
    th_assert_ok(dk_git_tree_build(&tree, repo, NULL, e, sizeof(e) / sizeof(e[0])));
    c = commit(&tree, NULL, 0, "nested\n");
    char *names = ls_names(&c);
    th_assert_eq_str(names, "a-b\na.c\na/b.txt\na/b/c.txt\na/b/c/deep.txt\nz.txt\n");
    free(names);
    assert_fsck();
}

void test_git__tree_build_from_base(void)
{
    dk_oid c1 = sample_commit(), t1, t2, same, id1, id2;
    th_assert_ok(dk_git_tree_resolve(&t1, repo, &c1));

    dk_git_edit e[] = {
        upsert("src/util/str.c", blob("/* str */\n"), DK_GIT_MODE_FILE),
        upsert("src/main.c", blob("int main(void) { return 1; }\n"), DK_GIT_MODE_FILE),
        upsert("NEWS", blob("news\n"), DK_GIT_MODE_FILE),
    };
    th_assert_ok(dk_git_tree_build(&t2, repo, &c1, e, 3));
    dk_oid c2 = commit(&t2, &c1, 1, "edit\n");
    char *names = ls_names(&c2);
    th_assert_eq_str(names, "NEWS\nREADME\nbin/run\nlink\nsrc/main.c\nsrc/util/str.c\n"
                            "src/util/str.h\n");
    free(names);

    /* untouched entries keep their ids; a base given as a tree id works too */
    th_assert_ok(dk_git_file_lookup(&id1, NULL, repo, &c1, "src/util/str.h"));
    th_assert_ok(dk_git_file_lookup(&id2, NULL, repo, &t2, "src/util/str.h"));
    th_assert(dk_oid_is_equal(&id1, &id2));
    char *diff =
        th_git_out(repo_path, "diff-tree -r --name-status %s %s", oid_str(&t1), oid_str(&t2));
    th_assert_eq_str(diff, "A\tNEWS\nM\tsrc/main.c\nA\tsrc/util/str.c\n");
    free(diff);

    /* no edits: the base's tree itself */
    th_assert_ok(dk_git_tree_build(&same, repo, &c1, NULL, 0));
    th_assert(dk_oid_is_equal(&same, &t1));
    th_assert_ok(dk_git_tree_build(&same, repo, &t1, NULL, 0));
    th_assert(dk_oid_is_equal(&same, &t1));

    dk_oid missing = hex_oid("2222222222222222222222222222222222222222");
    th_assert_err(dk_git_tree_build(&same, repo, &missing, NULL, 0), DK_ENOTFOUND);
    dk_oid a_blob = blob("readme\n");
    th_assert_err(dk_git_tree_build(&same, repo, &a_blob, NULL, 0), DK_EINVALID);
    assert_fsck();
}

void test_git__tree_deletes(void)
{
    dk_oid c1 = sample_commit(), t1, t, c;
    th_assert_ok(dk_git_tree_resolve(&t1, repo, &c1));

    /* the last file of src/util/ goes, and so does the directory */
    dk_git_edit e1[] = {del("src/util/str.h"), del("README")};
    th_assert_ok(dk_git_tree_build(&t, repo, &c1, e1, 2));
    c = commit(&t, &c1, 1, "delete\n");
    char *names = ls_names(&c);
    th_assert_eq_str(names, "bin/run\nlink\nsrc/main.c\n");
    free(names);
    char *dirs = th_git_out(repo_path, "ls-tree -r -d --name-only %s", oid_str(&t));
    th_assert_eq_str(dirs, "bin\nsrc\n");
    free(dirs);

    /* the last file of a chain of directories removes the whole chain */
    dk_git_edit e2[] = {del("src/main.c")};
    dk_oid t2;
    th_assert_ok(dk_git_tree_build(&t2, repo, &t, e2, 1));
    names = ls_names(&t2);
    th_assert_eq_str(names, "bin/run\nlink\n");
    free(names);

    /* deleting what is not there is a no-op */
    dk_git_edit e3[] = {del("nope.txt"), del("src/nope/deeper.c"), del("link/under-a-file")};
    dk_oid t3;
    th_assert_ok(dk_git_tree_build(&t3, repo, &t2, e3, 3));
    th_assert(dk_oid_is_equal(&t3, &t2));

    /* a whole directory at once */
    dk_git_edit e4[] = {del("src")};
    th_assert_ok(dk_git_tree_build(&t3, repo, &c1, e4, 1));
    names = ls_names(&t3);
    th_assert_eq_str(names, "README\nbin/run\nlink\n");
    free(names);

    /* everything: the empty tree */
    dk_git_edit e5[] = {del("README"), del("bin/run"), del("link"), del("src")};
    th_assert_ok(dk_git_tree_build(&t3, repo, &c1, e5, 4));
    th_assert_eq_str(oid_str(&t3), EMPTY_TREE);
    commit(&t3, &c1, 1, "empty\n");
    assert_fsck();
}

void test_git__tree_file_dir_replacement(void)
{
    dk_oid f = blob("file\n"), t0, t1, t2, t3, t4;
    dk_git_edit e0[] = {upsert("a", f, DK_GIT_MODE_FILE), upsert("b/x", f, DK_GIT_MODE_FILE)};
    th_assert_ok(dk_git_tree_build(&t0, repo, NULL, e0, 2));

    /* file -> directory: writing under "a" replaces the file */
    dk_git_edit e1[] = {upsert("a/inner.txt", blob("inner\n"), DK_GIT_MODE_FILE)};
    th_assert_ok(dk_git_tree_build(&t1, repo, &t0, e1, 1));
    char *names = ls_names(&t1);
    th_assert_eq_str(names, "a/inner.txt\nb/x\n");
    free(names);

    /* directory -> file */
    dk_git_edit e2[] = {upsert("b", f, DK_GIT_MODE_EXEC)};
    th_assert_ok(dk_git_tree_build(&t2, repo, &t1, e2, 1));
    char *ls = th_git_out(repo_path, "ls-tree %s b", oid_str(&t2));
    char want[128];
    snprintf(want, sizeof(want), "100755 blob %s\tb\n", oid_str(&f));
    th_assert_eq_str(ls, want);
    free(ls);
    names = ls_names(&t2);
    th_assert_eq_str(names, "a/inner.txt\nb\n");
    free(names);

    /* delete of a directory plus new content under the same name: a fresh dir */
    dk_git_edit e3[] = {del("a"), upsert("a/only.txt", f, DK_GIT_MODE_FILE)};
    th_assert_ok(dk_git_tree_build(&t3, repo, &t2, e3, 2));
    names = ls_names(&t3);
    th_assert_eq_str(names, "a/only.txt\nb\n");
    free(names);

    /* a delete below a file deletes nothing, and keeps the file */
    dk_git_edit e4[] = {del("b/x")};
    th_assert_ok(dk_git_tree_build(&t4, repo, &t2, e4, 1));
    th_assert(dk_oid_is_equal(&t4, &t2));

    commit(&t3, NULL, 0, "replaced\n");
    assert_fsck();
}

void test_git__tree_modes_preserved(void)
{
    dk_oid sub = hex_oid("3333333333333333333333333333333333333333");
    dk_oid sh = blob("#!/bin/sh\n"), target = blob("../README"), text = blob("text\n");
    dk_git_edit e[] = {
        upsert("tools/run.sh", sh, DK_GIT_MODE_EXEC),
        upsert("docs/link", target, DK_GIT_MODE_LINK),
        upsert("vendor/lib", sub, DK_GIT_MODE_GITLINK),
        upsert("README", text, DK_GIT_MODE_FILE),
    };
    dk_oid t1, t2, c;
    th_assert_ok(dk_git_tree_build(&t1, repo, NULL, e, 4));

    /* rebuild from that base touching other paths: modes pass through */
    dk_git_edit e2[] = {upsert("tools/other", text, DK_GIT_MODE_FILE), del("README")};
    th_assert_ok(dk_git_tree_build(&t2, repo, &t1, e2, 2));
    c = commit(&t2, NULL, 0, "modes\n");

    char *ls = th_git_out(repo_path, "ls-tree -r %s", oid_str(&c));
    char want[1024];
    snprintf(want, sizeof(want),
             "120000 blob %s\tdocs/link\n"
             "100644 blob %s\ttools/other\n"
             "100755 blob %s\ttools/run.sh\n"
             "160000 commit %s\tvendor/lib\n",
             oid_str(&target), oid_str(&text), oid_str(&sh), oid_str(&sub));
    th_assert_eq_str(ls, want);
    free(ls);

    unsigned mode = 0;
    dk_oid id;
    th_assert_ok(dk_git_file_lookup(&id, &mode, repo, &c, "vendor/lib"));
    th_assert_eq_int(mode, DK_GIT_MODE_GITLINK);
    th_assert(dk_oid_is_equal(&id, &sub));
    th_assert_ok(dk_git_file_lookup(NULL, &mode, repo, &c, "docs/link"));
    th_assert_eq_int(mode, DK_GIT_MODE_LINK);
    th_assert_ok(dk_git_file_lookup(NULL, &mode, repo, &c, "tools"));
    th_assert_eq_int(mode, DK_GIT_MODE_TREE);

    /* the exec bit can be switched on and off */
    dk_git_edit e3[] = {upsert("tools/run.sh", sh, DK_GIT_MODE_FILE)};
    th_assert_ok(dk_git_tree_build(&t1, repo, &c, e3, 1));
    th_assert_ok(dk_git_file_lookup(NULL, &mode, repo, &t1, "tools/run.sh"));
    th_assert_eq_int(mode, DK_GIT_MODE_FILE);
    /* the dangling gitlink target is fine for fsck: submodules live elsewhere */
    assert_fsck();
}

void test_git__tree_invalid_edits_write_nothing(void)
{
    dk_oid c1 = sample_commit(), t, f = blob("f\n");
    char *before = th_git_out(repo_path, "count-objects -v");
    static const char *const bad_paths[] = {
        "", "/abs", "a//b", "a/", "../x", "a/../b", "./a", ".git/config", "a/.GIT/x", "a\\b",
    };
    for (size_t i = 0; i < sizeof(bad_paths) / sizeof(bad_paths[0]); i++) {
        dk_git_edit e[] = {upsert("ok.txt", blob("new content\n"), DK_GIT_MODE_FILE),
                           upsert(bad_paths[i], f, DK_GIT_MODE_FILE)};
        th_assert_err(dk_git_tree_build(&t, repo, &c1, e, 2), DK_EINVALID);
        e[1] = del(bad_paths[i]);
        th_assert_err(dk_git_tree_build(&t, repo, &c1, e, 2), DK_EINVALID);
    }
    /* "ok.txt" blob above was written once, before this count */
    free(before);
    before = th_git_out(repo_path, "count-objects -v");

    dk_git_edit nopath[] = {upsert(NULL, f, DK_GIT_MODE_FILE)};
    th_assert_err(dk_git_tree_build(&t, repo, &c1, nopath, 1), DK_EINVALID);
    dk_git_edit badmode[] = {upsert("x", f, 0100600)};
    th_assert_err(dk_git_tree_build(&t, repo, &c1, badmode, 1), DK_EINVALID);
    dk_git_edit treemode[] = {upsert("x", f, DK_GIT_MODE_TREE)};
    th_assert_err(dk_git_tree_build(&t, repo, &c1, treemode, 1), DK_EINVALID);
    dk_git_edit dup[] = {upsert("x", f, DK_GIT_MODE_FILE), del("y"), del("x")};
    th_assert_err(dk_git_tree_build(&t, repo, &c1, dup, 3), DK_EINVALID);
    dk_git_edit filedir[] = {upsert("d/e", f, DK_GIT_MODE_FILE), upsert("d.c", f, 0100644),
                             upsert("d", f, DK_GIT_MODE_FILE)};
    th_assert_err(dk_git_tree_build(&t, repo, &c1, filedir, 3), DK_EINVALID);
    dk_git_edit missing[] = {
        upsert("m", hex_oid("4444444444444444444444444444444444444444"), DK_GIT_MODE_FILE)};
    th_assert_err(dk_git_tree_build(&t, repo, &c1, missing, 1), DK_ENOTFOUND);
    dk_git_edit notblob[] = {upsert("m", c1, DK_GIT_MODE_FILE)};
    th_assert_err(dk_git_tree_build(&t, repo, &c1, notblob, 1), DK_EINVALID);
    th_assert_err(dk_git_tree_build(&t, repo, &c1, NULL, 2), DK_EINVALID);

    char *after = th_git_out(repo_path, "count-objects -v");
    th_assert_eq_str(after, before);
    free(before);
    free(after);
    assert_fsck();
}

/* ---- reading ------------------------------------------------------------ */

void test_git__read_file_at_commit(void)
{
    dk_oid c = sample_commit(), t;
    char *data;
    size_t len;
    unsigned mode = 0;

    th_assert_ok(dk_git_file_read(&data, &len, &mode, repo, &c, "src/main.c"));
    th_assert_eq_str(data, "int main(void) { return 0; }\n");
    th_assert_eq_int(len, strlen(data));
    th_assert_eq_int(mode, DK_GIT_MODE_FILE);
    free(data);
    th_assert_ok(dk_git_file_read(&data, &len, &mode, repo, &c, "bin/run"));
    th_assert_eq_int(mode, DK_GIT_MODE_EXEC);
    free(data);
    th_assert_ok(dk_git_tree_resolve(&t, repo, &c));
    th_assert_ok(dk_git_file_read(&data, &len, NULL, repo, &t, "link"));
    th_assert_eq_str(data, "src/main.c");
    free(data);

    th_assert_err(dk_git_file_read(&data, &len, &mode, repo, &c, "src/missing.c"), DK_ENOTFOUND);
    th_assert_err(dk_git_file_read(&data, &len, &mode, repo, &c, "README/x"), DK_ENOTFOUND);
    th_assert_err(dk_git_file_read(&data, &len, &mode, repo, &c, "src"), DK_EINVALID);
    th_assert_err(dk_git_file_read(&data, &len, &mode, repo, &c, "../etc"), DK_EINVALID);
    th_assert_err(dk_git_file_lookup(NULL, NULL, repo, &c, NULL), DK_EINVALID);
    dk_oid missing = hex_oid("5555555555555555555555555555555555555555");
    th_assert_err(dk_git_file_read(&data, &len, &mode, repo, &missing, "README"), DK_ENOTFOUND);
}

void test_git__list_files_in_git_order(void)
{
    dk_oid x = blob("x\n"), sub = hex_oid("6666666666666666666666666666666666666666");
    dk_git_edit e[] = {
        upsert("b", x, DK_GIT_MODE_FILE),           upsert("a/b", x, DK_GIT_MODE_EXEC),
        upsert("a.c", x, DK_GIT_MODE_FILE),         upsert("a-b", x, DK_GIT_MODE_LINK),
        upsert("a/z/y", x, DK_GIT_MODE_FILE),       upsert("a0", sub, DK_GIT_MODE_GITLINK),
        upsert("A", blob("A\n"), DK_GIT_MODE_FILE),
    };
    dk_oid t;
    th_assert_ok(dk_git_tree_build(&t, repo, NULL, e, sizeof(e) / sizeof(e[0])));
    dk_oid c = commit(&t, NULL, 0, "list\n");

    dk_git_files files = DK_GIT_FILES_INIT;
    th_assert_ok(dk_git_files_list(&files, repo, &c));
    th_assert_eq_int(files.len, 7);
    dk_str got = DK_STR_INIT;
    dk_vec_foreach(&files, dk_git_file *, f) {
        dk_str_addf(&got, "%06o %s %s\t%s\n", f->mode,
                    f->mode == DK_GIT_MODE_GITLINK ? "commit" : "blob", oid_str(&f->id), f->path);
    }
    char *want = th_git_out(repo_path, "ls-tree -r %s", oid_str(&c));
    th_assert_eq_str(got.ptr, want);
    free(want);
    dk_str_release(&got);
    dk_git_files_release(&files);

    /* the empty tree lists nothing; a missing id fails and leaves the list empty */
    dk_oid empty = hex_oid(EMPTY_TREE);
    th_assert_ok(dk_git_tree_build(&t, repo, NULL, NULL, 0));
    th_assert_ok(dk_git_files_list(&files, repo, &empty));
    th_assert_eq_int(files.len, 0);
    dk_oid missing = hex_oid("7777777777777777777777777777777777777777");
    th_assert_err(dk_git_files_list(&files, repo, &missing), DK_ENOTFOUND);
    th_assert_eq_int(files.len, 0);
    dk_git_files_release(&files);
}

/* ---- commits, refs ------------------------------------------------------ */

void test_git__commit_and_cas(void)
{
    dk_oid c1 = sample_commit(), got, t, c2;

    /* writing a commit moves nothing */
    th_assert_err(dk_git_branch_read(&got, repo, "main"), DK_ENOTFOUND);
    th_assert_err(dk_git_rev_resolve(&got, repo, "HEAD"), DK_ENOTFOUND);

    th_assert_ok(dk_git_branch_cas(repo, "main", NULL, &c1, "create"));
    th_assert_ok(dk_git_branch_read(&got, repo, "main"));
    th_assert(dk_oid_is_equal(&got, &c1));
    th_assert_ok(dk_git_branch_read(&got, repo, "refs/heads/main"));
    th_assert(dk_oid_is_equal(&got, &c1));

    dk_git_edit e[] = {upsert("NEWS", blob("news\n"), DK_GIT_MODE_FILE)};
    th_assert_ok(dk_git_tree_build(&t, repo, &c1, e, 1));
    c2 = commit(&t, &c1, 1, "second\n");
    th_assert_ok(dk_git_branch_cas(repo, "main", &c1, &c2, "advance"));

    char *tip = th_git_out(repo_path, "rev-parse main");
    th_assert(strncmp(tip, oid_str(&c2), DK_OID_HEXSZ) == 0);
    free(tip);
    char *log = th_git_out(repo_path, "log --format='%%an <%%ae> %%at %%s' main");
    th_assert_eq_str(log, "Test Author <test@example.com> 1700000000 second\n"
                          "Test Author <test@example.com> 1700000000 sample\n");
    free(log);

    th_assert_ok(dk_git_rev_resolve(&got, repo, "HEAD"));
    th_assert(dk_oid_is_equal(&got, &c2));
    th_assert_ok(dk_git_rev_resolve(&got, repo, "main~1"));
    th_assert(dk_oid_is_equal(&got, &c1));
    th_assert_ok(dk_git_rev_resolve(&got, repo, oid_str(&c1)));
    th_assert(dk_oid_is_equal(&got, &c1));
    th_assert_err(dk_git_rev_resolve(&got, repo, "nope"), DK_ENOTFOUND);
    th_assert_err(dk_git_rev_resolve(&got, repo, "main^{tree}"), DK_EINVALID);
    th_assert_err(dk_git_rev_resolve(&got, repo, ""), DK_EINVALID);

    /* same inputs, same id: commits are deterministic with a fixed time */
    dk_oid again = commit(&t, &c1, 1, "second\n");
    th_assert(dk_oid_is_equal(&again, &c2));

    /* bad input */
    th_assert_err(dk_git_branch_cas(repo, "bad..name", &c1, &c2, NULL), DK_EINVALID);
    th_assert_err(dk_git_branch_cas(repo, "refs/tags/v1", NULL, &c2, NULL), DK_EINVALID);
    th_assert_err(dk_git_branch_read(&got, repo, ""), DK_EINVALID);
    th_assert_err(dk_git_branch_cas(repo, "other", NULL, &t, NULL), DK_ENOTFOUND);
    dk_git_commit_opts o = DK_GIT_COMMIT_OPTS_INIT;
    th_assert_err(dk_git_commit_write(&got, repo, &t, NULL, 0, "m", &o), DK_EINVALID);
    o.author_name = "A <evil>";
    o.author_email = "a@b";
    th_assert_err(dk_git_commit_write(&got, repo, &t, NULL, 0, "m", &o), DK_EINVALID);
    o.author_name = "A";
    th_assert_err(dk_git_commit_write(&got, repo, &t, &t, 1, "m", &o), DK_ENOTFOUND);
    th_assert_err(dk_git_commit_write(&got, repo, &c1, NULL, 0, "m", &o), DK_ENOTFOUND);
    th_assert_err(dk_git_commit_write(&got, repo, &t, NULL, 0, "m", NULL), DK_EINVALID);
    assert_fsck();
}

void test_git__cas_lost_race(void)
{
    dk_oid c1 = sample_commit(), t, c2, c3, got;
    th_assert_ok(dk_git_branch_cas(repo, "main", NULL, &c1, NULL));
    dk_git_edit e2[] = {upsert("two", blob("2\n"), DK_GIT_MODE_FILE)};
    dk_git_edit e3[] = {upsert("three", blob("3\n"), DK_GIT_MODE_FILE)};
    th_assert_ok(dk_git_tree_build(&t, repo, &c1, e2, 1));
    c2 = commit(&t, &c1, 1, "two\n");
    th_assert_ok(dk_git_tree_build(&t, repo, &c1, e3, 1));
    c3 = commit(&t, &c1, 1, "three\n");

    /* a second writer, with its own handle, read the same tip */
    dk_git_repo *other = NULL;
    th_assert_ok(dk_git_repo_open(&other, repo_path));
    th_assert_ok(dk_git_branch_read(&got, other, "main"));
    th_assert_ok(dk_git_branch_cas(repo, "main", &c1, &c2, NULL));
    th_assert_err(dk_git_branch_cas(other, "main", &got, &c3, NULL), DK_ERACE);
    th_assert_eq_int(dk_error_last()->code, DK_ERACE);
    dk_git_repo_close(other);

    char *tip = th_git_out(repo_path, "rev-parse main");
    th_assert(strncmp(tip, oid_str(&c2), DK_OID_HEXSZ) == 0);
    free(tip);

    /* "must not exist" but it does; expected a value but it is gone */
    th_assert_err(dk_git_branch_cas(repo, "main", NULL, &c3, NULL), DK_ERACE);
    th_assert_err(dk_git_branch_cas(repo, "feature", &c1, &c3, NULL), DK_ERACE);
    th_assert_err(dk_git_branch_read(&got, repo, "feature"), DK_ENOTFOUND);

    /* another writer holds the lock */
    th_assert_eq_int(th_system("touch '%s/refs/heads/main.lock'", repo_path), 0);
    th_assert_err(dk_git_branch_cas(repo, "main", &c2, &c3, NULL), DK_ERACE);
    th_assert_eq_int(th_system("rm '%s/refs/heads/main.lock'", repo_path), 0);
    th_assert_ok(dk_git_branch_read(&got, repo, "main"));
    th_assert(dk_oid_is_equal(&got, &c2));

    /* the retry with the fresh value wins */
    th_assert_ok(dk_git_branch_cas(repo, "main", &got, &c3, NULL));
    assert_fsck();
}

/* Create `path` (a lock file) with its mtime `age_s` seconds in the past. */
static void lock_file_aged(const char *path, long age_s)
{
    FILE *f = fopen(path, "w");
    th_assert(f != NULL);
    fputs("0000000000000000000000000000000000000000\n", f);
    fclose(f);
    struct timeval tv[2];
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= age_s;
    tv[1] = tv[0];
    th_assert_eq_int(utimes(path, tv), 0);
}

void test_git__cas_stale_lock_reaped(void)
{
    dk_oid c1 = sample_commit(), t, c2, c3, got;
    char lock[4200], packed[4200];
    th_assert_ok(dk_git_branch_cas(repo, "main", NULL, &c1, NULL));
    dk_git_edit e2[] = {upsert("two", blob("2\n"), DK_GIT_MODE_FILE)};
    th_assert_ok(dk_git_tree_build(&t, repo, &c1, e2, 1));
    c2 = commit(&t, &c1, 1, "two\n");
    dk_git_edit e3[] = {upsert("three", blob("3\n"), DK_GIT_MODE_FILE)};
    th_assert_ok(dk_git_tree_build(&t, repo, &c2, e3, 1));
    c3 = commit(&t, &c2, 1, "three\n");
    snprintf(lock, sizeof(lock), "%s/refs/heads/main.lock", repo_path);
    snprintf(packed, sizeof(packed), "%s/packed-refs.lock", repo_path);

    /* a lock younger than DK_GIT_STALE_LOCK_S is a live writer's: a race, and it stays */
    lock_file_aged(lock, DK_GIT_STALE_LOCK_S - 3);
    th_assert_err(dk_git_branch_cas(repo, "main", &c1, &c2, NULL), DK_ERACE);
    th_assert(access(lock, F_OK) == 0);
    th_assert_eq_int(dk_git_ref_lock_reap(repo, "refs/heads/main"), 0);
    th_assert(access(lock, F_OK) == 0);
    th_assert_ok(dk_git_branch_read(&got, repo, "main"));
    th_assert(dk_oid_is_equal(&got, &c1));

    /* one a killed process left (older): removed, and the CAS goes through */
    lock_file_aged(lock, DK_GIT_STALE_LOCK_S + 5);
    th_assert_ok(dk_git_branch_cas(repo, "main", &c1, &c2, NULL));
    th_assert(access(lock, F_OK) != 0);
    th_assert_ok(dk_git_branch_read(&got, repo, "main"));
    th_assert(dk_oid_is_equal(&got, &c2));
    /* still a compare-and-swap after the reaping: a stale expected value loses */
    lock_file_aged(lock, DK_GIT_STALE_LOCK_S + 5);
    th_assert_err(dk_git_branch_cas(repo, "main", &c1, &c3, NULL), DK_ERACE);
    th_assert(access(lock, F_OK) != 0);
    th_assert_ok(dk_git_branch_read(&got, repo, "main"));
    th_assert(dk_oid_is_equal(&got, &c2));

    /* the reaper alone: packed-refs.lock too, nothing when there is nothing, bad names */
    lock_file_aged(packed, DK_GIT_STALE_LOCK_S + 5);
    th_assert_eq_int(dk_git_ref_lock_reap(repo, "refs/dk/changesets/cs_x_1"), 1);
    th_assert(access(packed, F_OK) != 0);
    th_assert_eq_int(dk_git_ref_lock_reap(repo, "refs/heads/main"), 0);
    th_assert_err(dk_git_ref_lock_reap(repo, "HEAD"), DK_EINVALID);
    th_assert_err(dk_git_ref_lock_reap(repo, "refs/heads/a..b"), DK_EINVALID);
    th_assert_err(dk_git_ref_lock_reap(repo, NULL), DK_EINVALID);
    /* a directory of that name is not a lock file */
    th_assert_eq_int(th_system("mkdir '%s/refs/heads/dir.lock'", repo_path), 0);
    th_assert_eq_int(dk_git_ref_lock_reap(repo, "refs/heads/dir"), 0);
    th_assert_eq_int(th_system("rmdir '%s/refs/heads/dir.lock'", repo_path), 0);

    th_assert_ok(dk_git_branch_cas(repo, "main", &c2, &c3, NULL));
    assert_fsck();
}

#define CAS_THREADS 4
#define CAS_WINS    12

struct cas_worker {
    int index;
    int wins;
    int races;
    /* first unexpected failure, or DK_OK */
    int rc;
    char msg[256];
};

static void *cas_worker_main(void *arg)
{
    struct cas_worker *w = arg;
    dk_git_repo *r = NULL;
    char path[64], content[64];
    dk_git_commit_opts o = DK_GIT_COMMIT_OPTS_INIT;
    o.author_name = "Worker";
    o.author_email = "worker@example.com";

    if ((w->rc = dk_git_repo_open(&r, repo_path)) < 0)
        goto out;
    while (w->wins < CAS_WINS) {
        dk_oid tip, blob_id, tree, c;
        snprintf(path, sizeof(path), "w%d/f%d.txt", w->index, w->wins);
        snprintf(content, sizeof(content), "worker %d change %d\n", w->index, w->wins);
        if ((w->rc = dk_git_branch_read(&tip, r, "main")) < 0 ||
            (w->rc = dk_git_blob_write(&blob_id, r, content, strlen(content))) < 0)
            goto out;
        dk_git_edit e = {
            .path = path, .op = DK_GIT_EDIT_UPSERT, .id = blob_id, .mode = DK_GIT_MODE_FILE};
        if ((w->rc = dk_git_tree_build(&tree, r, &tip, &e, 1)) < 0 ||
            (w->rc = dk_git_commit_write(&c, r, &tree, &tip, 1, content, &o)) < 0)
            goto out;
        int rc = dk_git_branch_cas(r, "main", &tip, &c, "worker");
        if (rc == DK_ERACE) {
            w->races++;
            sched_yield();
            continue;
        }
        if ((w->rc = rc) < 0)
            goto out;
        w->wins++;
    }
out:
    if (w->rc < 0)
        snprintf(w->msg, sizeof(w->msg), "%s", dk_error_last()->msg);
    dk_git_repo_close(r);
    return NULL;
}

void test_git__cas_concurrent_threads(void)
{
    dk_oid c0 = sample_commit();
    th_assert_ok(dk_git_branch_cas(repo, "main", NULL, &c0, NULL));

    pthread_t threads[CAS_THREADS];
    struct cas_worker workers[CAS_THREADS];
    for (int i = 0; i < CAS_THREADS; i++) {
        workers[i] = (struct cas_worker){.index = i};
        th_assert_eq_int(pthread_create(&threads[i], NULL, cas_worker_main, &workers[i]), 0);
    }
    int wins = 0;
    for (int i = 0; i < CAS_THREADS; i++)
        th_assert_eq_int(pthread_join(threads[i], NULL), 0);
    for (int i = 0; i < CAS_THREADS; i++) {
        th_assert_msg(workers[i].rc == DK_OK, "worker %d failed (%d): %s", i, workers[i].rc,
                      workers[i].msg);
        wins += workers[i].wins;
    }
    th_assert_eq_int(wins, CAS_THREADS * CAS_WINS);

    /* linear history: every win is one more first-parent commit on main */
    char *count = th_git_out(repo_path, "rev-list --count main");
    char want[32];
    snprintf(want, sizeof(want), "%d\n", wins + 1);
    th_assert_eq_str(count, want);
    free(count);
    count = th_git_out(repo_path, "rev-list --count --first-parent main");
    th_assert_eq_str(count, want);
    free(count);
    char *names = th_git_out(repo_path, "ls-tree -r --name-only main | grep -c '^w'");
    snprintf(want, sizeof(want), "%d\n", wins);
    th_assert_eq_str(names, want);
    free(names);
    assert_fsck();
}

void test_git__merge_base(void)
{
    dk_oid c1 = sample_commit(), t, a, b, a2, got;
    dk_git_edit ea[] = {upsert("a", blob("a\n"), DK_GIT_MODE_FILE)};
    dk_git_edit eb[] = {upsert("b", blob("b\n"), DK_GIT_MODE_FILE)};
    th_assert_ok(dk_git_tree_build(&t, repo, &c1, ea, 1));
    a = commit(&t, &c1, 1, "a\n");
    a2 = commit(&t, &a, 1, "a2\n");
    th_assert_ok(dk_git_tree_build(&t, repo, &c1, eb, 1));
    b = commit(&t, &c1, 1, "b\n");

    th_assert_ok(dk_git_merge_base(&got, repo, &a2, &b));
    th_assert(dk_oid_is_equal(&got, &c1));
    th_assert_ok(dk_git_merge_base(&got, repo, &a2, &a));
    th_assert(dk_oid_is_equal(&got, &a));
    char *cli = th_git_out(repo_path, "merge-base %s %s", oid_str(&a2), oid_str(&b));
    th_assert(strncmp(cli, oid_str(&c1), DK_OID_HEXSZ) == 0);
    free(cli);

    /* a second root shares no history */
    dk_oid root2 = commit(&t, NULL, 0, "unrelated\n");
    th_assert_err(dk_git_merge_base(&got, repo, &a, &root2), DK_ENOTFOUND);
    assert_fsck();
}

/* ---- merging one file --------------------------------------------------- */

static dk_git_merge_input in(const char *text)
{
    return (dk_git_merge_input){.ptr = text, .len = strlen(text)};
}

void test_git__merge_file_clean(void)
{
    dk_git_merge_input base = in("a\nb\nc\nd\ne\n"), ours = in("A\nb\nc\nd\ne\n"),
                       theirs = in("a\nb\nc\nd\nE\n");
    dk_git_merge_file_result res;
    th_assert_ok(dk_git_merge_file(&res, &base, &ours, &theirs, NULL));
    th_assert(res.clean);
    th_assert_eq_str(res.ptr, "A\nb\nc\nd\nE\n");
    th_assert_eq_int(res.len, 10);
    th_assert_eq_int(res.mode, DK_GIT_MODE_FILE);
    dk_git_merge_file_result_release(&res);
    dk_git_merge_file_result_release(&res);
    dk_git_merge_file_result_release(NULL);

    /* the side that changed the mode wins */
    ours.mode = DK_GIT_MODE_EXEC;
    th_assert_ok(dk_git_merge_file(&res, &base, &ours, &theirs, NULL));
    th_assert_eq_int(res.mode, DK_GIT_MODE_EXEC);
    dk_git_merge_file_result_release(&res);
}

void test_git__merge_file_conflict_with_labels(void)
{
    dk_git_merge_input base = in("one\ntwo\nthree\n"), ours = in("one\nTWO-A\nthree\n"),
                       theirs = in("one\nTWO-B\nthree\n");
    dk_git_merge_file_opts o = DK_GIT_MERGE_FILE_OPTS_INIT;
    o.our_label = "session-A";
    o.their_label = "session-B";
    dk_git_merge_file_result res;
    th_assert_ok(dk_git_merge_file(&res, &base, &ours, &theirs, &o));
    th_assert(!res.clean);
    th_assert_eq_str(res.ptr, "one\n"
                              "<<<<<<< session-A\n"
                              "TWO-A\n"
                              "=======\n"
                              "TWO-B\n"
                              ">>>>>>> session-B\n"
                              "three\n");
    dk_git_merge_file_result_release(&res);

    /* default labels */
    th_assert_ok(dk_git_merge_file(&res, &base, &ours, &theirs, NULL));
    th_assert(strstr(res.ptr, "<<<<<<< ours\n") && strstr(res.ptr, ">>>>>>> theirs\n"));
    dk_git_merge_file_result_release(&res);

    o.version = 99;
    th_assert_err(dk_git_merge_file(&res, &base, &ours, &theirs, &o), DK_EINVALID);
    o.version = DK_GIT_MERGE_FILE_OPTS_VERSION;
    o.style = (dk_git_merge_style)7;
    th_assert_err(dk_git_merge_file(&res, &base, &ours, &theirs, &o), DK_EINVALID);
    th_assert_err(dk_git_merge_file(&res, &base, NULL, &theirs, NULL), DK_EINVALID);
}

void test_git__merge_file_diff3_and_zdiff3(void)
{
    dk_git_merge_input base = in("a\nX\nz\n"), ours = in("a\n1\n2\nOURS\nz\n"),
                       theirs = in("a\n1\n2\nTHEIRS\nz\n");
    dk_git_merge_file_opts o = DK_GIT_MERGE_FILE_OPTS_INIT;
    o.base_label = "base-commit";
    o.our_label = "A";
    o.their_label = "B";
    o.style = DK_GIT_MERGE_STYLE_DIFF3;
    dk_git_merge_file_result res;
    th_assert_ok(dk_git_merge_file(&res, &base, &ours, &theirs, &o));
    th_assert(!res.clean);
    th_assert_eq_str(res.ptr, "a\n"
                              "<<<<<<< A\n1\n2\nOURS\n"
                              "||||||| base-commit\nX\n"
                              "=======\n1\n2\nTHEIRS\n"
                              ">>>>>>> B\n"
                              "z\n");
    dk_git_merge_file_result_release(&res);

    /* zdiff3 moves the lines both sides share out of the conflict */
    o.style = DK_GIT_MERGE_STYLE_ZDIFF3;
    th_assert_ok(dk_git_merge_file(&res, &base, &ours, &theirs, &o));
    th_assert(!res.clean);
    th_assert_eq_str(res.ptr, "a\n1\n2\n"
                              "<<<<<<< A\nOURS\n"
                              "||||||| base-commit\nX\n"
                              "=======\nTHEIRS\n"
                              ">>>>>>> B\n"
                              "z\n");
    dk_git_merge_file_result_release(&res);
}

void test_git__merge_file_identical_changes(void)
{
    dk_git_merge_input base = in("x\ny\n"), same = in("x\nY\nnew\n");
    dk_git_merge_file_result res;
    th_assert_ok(dk_git_merge_file(&res, &base, &same, &same, NULL));
    th_assert(res.clean);
    th_assert_eq_str(res.ptr, "x\nY\nnew\n");
    dk_git_merge_file_result_release(&res);

    /* no base: both sides added the same file */
    th_assert_ok(dk_git_merge_file(&res, NULL, &same, &same, NULL));
    th_assert(res.clean);
    th_assert_eq_str(res.ptr, "x\nY\nnew\n");
    dk_git_merge_file_result_release(&res);

    /* no base, different additions: a whole-file conflict */
    dk_git_merge_input other = in("other\n");
    th_assert_ok(dk_git_merge_file(&res, NULL, &same, &other, NULL));
    th_assert(!res.clean);
    th_assert(strstr(res.ptr, "=======\nother\n>>>>>>> theirs\n") != NULL);
    dk_git_merge_file_result_release(&res);
}

void test_git__merge_file_no_trailing_newline(void)
{
    dk_git_merge_input base = in("first\nmiddle\nlast"), ours = in("FIRST\nmiddle\nlast"),
                       theirs = in("first\nmiddle\nlast, changed");
    dk_git_merge_file_result res;
    th_assert_ok(dk_git_merge_file(&res, &base, &ours, &theirs, NULL));
    th_assert(res.clean);
    th_assert_eq_str(res.ptr, "FIRST\nmiddle\nlast, changed");
    dk_git_merge_file_result_release(&res);

    /* both change the unterminated last line: the markers stay on their own lines */
    dk_git_merge_input ours2 = in("first\nmiddle\nours");
    th_assert_ok(dk_git_merge_file(&res, &base, &ours2, &theirs, NULL));
    th_assert(!res.clean);
    th_assert_eq_str(res.ptr, "first\nmiddle\n"
                              "<<<<<<< ours\nours\n=======\nlast, changed\n>>>>>>> theirs\n");
    dk_git_merge_file_result_release(&res);

    /* empty inputs are fine */
    dk_git_merge_input empty = {0};
    th_assert_ok(dk_git_merge_file(&res, &empty, &empty, &theirs, NULL));
    th_assert(res.clean);
    th_assert_eq_str(res.ptr, "first\nmiddle\nlast, changed");
    dk_git_merge_file_result_release(&res);
}

void test_git__merge_file_binary(void)
{
    static const char b0[] = "bin\0base", b1[] = "bin\0ours", b2[] = "bin\0theirs";
    dk_git_merge_input base = {b0, sizeof(b0), 0}, ours = {b1, sizeof(b1), 0},
                       theirs = {b2, sizeof(b2), 0};
    dk_git_merge_file_result res;
    th_assert_ok(dk_git_merge_file(&res, &base, &base, &theirs, NULL));
    th_assert(res.clean);
    th_assert_eq_int(res.len, sizeof(b2));
    th_assert(memcmp(res.ptr, b2, sizeof(b2)) == 0);
    dk_git_merge_file_result_release(&res);
    th_assert_err(dk_git_merge_file(&res, &base, &ours, &theirs, NULL), DK_EBINARY);
    th_assert(res.ptr == NULL);
}

void test_git__error_messages_wrap_libgit2(void)
{
    dk_oid c = sample_commit(), missing = hex_oid("8888888888888888888888888888888888888888"), got;
    th_assert_err(dk_git_merge_base(&got, repo, &c, &missing), DK_ENOTFOUND);
    th_assert(strncmp(dk_error_last()->msg, "read commit 888888888888: ", 26) == 0);
    th_assert(strlen(dk_error_last()->msg) > 26);
    th_assert_eq_int(dk_error_from_git(-15 /* GIT_EMODIFIED */, "x"), DK_ERACE);
    th_assert_eq_int(dk_error_from_git(-14 /* GIT_ELOCKED */, "x"), DK_ERACE);
    th_assert_eq_int(dk_error_from_git(-4 /* GIT_EEXISTS */, "x"), DK_EEXISTS);
    th_assert_eq_int(dk_error_from_git(-3 /* GIT_ENOTFOUND */, "x"), DK_ENOTFOUND);
    th_assert_eq_int(dk_error_from_git(-1, "x"), DK_ERROR);
    th_assert(strncmp(dk_error_last()->msg, "x: ", 3) == 0);
}
