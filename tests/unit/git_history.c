/*
 * tests/unit/git_history.c - tests for src/git/history.c: a real bare
 * repository with ordinary, criss-cross, octopus and unrelated merges,
 * written through dk_git_* with fixed, increasing commit times, and checked
 * against the git CLI (`git merge-base --all`, `git rev-list --merges`,
 * `git diff-tree -r --no-renames`), which is used only to verify.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "git/git.h"
#include "harness/th.h"
#include "util/str.h"

/* ---- fixtures ----------------------------------------------------------- */

static dk_git_repo *repo;
static char repo_path[4096];
static int64_t clock_now;

void test_git_history__initialize(void)
{
    snprintf(repo_path, sizeof(repo_path), "%s/repo.git", th_tmpdir());
    th_assert_ok(dk_git_repo_init(&repo, repo_path));
    clock_now = 1700000000;
}

void test_git_history__cleanup(void)
{
    dk_git_repo_close(repo);
    repo = NULL;
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

static dk_git_edit upsert(const char *path, const char *text, unsigned mode)
{
    return (dk_git_edit){.path = path, .op = DK_GIT_EDIT_UPSERT, .id = blob(text), .mode = mode};
}

static dk_git_edit del(const char *path)
{
    return (dk_git_edit){.path = path, .op = DK_GIT_EDIT_DELETE};
}

/*
 * A commit of `base`'s tree (NULL: empty) with `edits` applied, on top of
 * `parents`. Each commit is one second later than the previous one, so the
 * walk's newest-first order is the order of creation, reversed.
 */
static dk_oid commit_edit(const dk_oid *base, const dk_git_edit *edits, size_t nedits,
                          const dk_oid *parents, size_t nparents)
{
    dk_git_commit_opts o = DK_GIT_COMMIT_OPTS_INIT;
    dk_oid tree, id;
    o.author_name = "Test Author";
    o.author_email = "test@example.com";
    o.fixed_time = true;
    o.time = clock_now++;
    th_assert_ok(dk_git_tree_build(&tree, repo, base, edits, nedits));
    th_assert_ok(dk_git_commit_write(&id, repo, &tree, parents, nparents, "c\n", &o));
    return id;
}

/* A commit with one parent and one file rewritten. */
static dk_oid commit_file(const dk_oid *parent, const char *path, const char *text)
{
    dk_git_edit e = upsert(path, text, DK_GIT_MODE_FILE);
    return commit_edit(parent, &e, 1, parent, 1);
}

/* A merge commit whose tree is that of its first parent. */
static dk_oid merge_of(const dk_oid *parents, size_t n)
{
    return commit_edit(&parents[0], NULL, 0, parents, n);
}

/*
 * The history used by the merge tests, oldest first:
 *
 *   A ─ B1 ─────┐
 *    └─ B2 ──── M1 ─┬ X1 ─┬── Y1 ─┐
 *                   └ X2 ─┴── Y2 ─┴ Z ─┬ P ─┐
 *                                      ├ Q ─┼ O (octopus) ─┐
 *                                      └ R ─┘              W (O + unrelated U)
 *                                                   U ─────┘
 *
 * Y1 = X1 + X2 and Y2 = X2 + X1 both have the single base M1; Z = Y1 + Y2
 * is criss-cross (bases X1 and X2).
 */
struct history {
    dk_oid a, b1, b2, m1, x1, x2, y1, y2, z, o, u, w;
};

static struct history build_history(void)
{
    struct history h;
    dk_git_edit root[] = {
        upsert("f.py", "def a():\n    return 1\n\n\ndef b():\n    return 2\n", DK_GIT_MODE_FILE),
        upsert("notes.txt", "n\n", DK_GIT_MODE_FILE),
    };
    h.a = commit_edit(NULL, root, 2, NULL, 0);
    h.b1 = commit_file(&h.a, "f.py", "def a():\n    return 10\n\n\ndef b():\n    return 2\n");
    h.b2 = commit_file(&h.a, "f.py", "def a():\n    return 1\n\n\ndef b():\n    return 20\n");
    dk_oid p[3] = {h.b1, h.b2};
    h.m1 = merge_of(p, 2);
    h.x1 = commit_file(&h.m1, "x1.txt", "x1\n");
    h.x2 = commit_file(&h.m1, "x2.txt", "x2\n");
    p[0] = h.x1, p[1] = h.x2;
    h.y1 = merge_of(p, 2);
    p[0] = h.x2, p[1] = h.x1;
    h.y2 = merge_of(p, 2);
    p[0] = h.y1, p[1] = h.y2;
    h.z = merge_of(p, 2);
    p[0] = commit_file(&h.z, "p.txt", "p\n");
    p[1] = commit_file(&h.z, "q.txt", "q\n");
    p[2] = commit_file(&h.z, "r.txt", "r\n");
    h.o = merge_of(p, 3);
    dk_git_edit lone = upsert("other.txt", "unrelated\n", DK_GIT_MODE_FILE);
    h.u = commit_edit(NULL, &lone, 1, NULL, 0);
    p[0] = h.o, p[1] = h.u;
    h.w = merge_of(p, 2);
    return h;
}

static void assert_merge(const dk_git_merge_info *m, const dk_oid *merge, const dk_oid *ours,
                         const dk_oid *theirs, const dk_oid *base)
{
    th_assert_eq_str(oid_str(&m->merge), oid_str(merge));
    th_assert_eq_str(oid_str(&m->ours), oid_str(ours));
    th_assert_eq_str(oid_str(&m->theirs), oid_str(theirs));
    th_assert_eq_str(oid_str(&m->base), oid_str(base));
}

/* ---- merges ------------------------------------------------------------- */

void test_git_history__merges_newest_first_with_one_base(void)
{
    struct history h = build_history();
    dk_git_merges m = DK_GIT_MERGES_INIT;
    dk_git_merges_skipped sk = {0};
    th_assert_ok(dk_git_merges_list(&m, &sk, repo, &h.w, 0));
    th_assert_eq_int(m.len, 3);
    assert_merge(&m.items[0], &h.y2, &h.x2, &h.x1, &h.m1);
    assert_merge(&m.items[1], &h.y1, &h.x1, &h.x2, &h.m1);
    assert_merge(&m.items[2], &h.m1, &h.b1, &h.b2, &h.a);
    th_assert_eq_int(sk.octopus, 1);
    th_assert_eq_int(sk.multiple_bases, 1);
    th_assert_eq_int(sk.unrelated, 1);
    dk_vec_release(&m);

    /* git agrees: five two-parent merges, Z criss-cross, M1's base is A */
    char *merges =
        th_git_out(repo_path, "rev-list --count --min-parents=2 --max-parents=2 %s", oid_str(&h.w));
    th_assert_eq_str(merges, "5\n");
    free(merges);
    char *bases = th_git_out(repo_path, "merge-base --all %s %s", oid_str(&h.y1), oid_str(&h.y2));
    th_assert_eq_int(strlen(bases), 2 * (DK_OID_HEXSZ + 1));
    free(bases);
    char *base = th_git_out(repo_path, "merge-base %s %s", oid_str(&h.b1), oid_str(&h.b2));
    th_assert(strncmp(base, oid_str(&h.a), DK_OID_HEXSZ) == 0);
    free(base);
}

void test_git_history__merges_limit_and_start(void)
{
    struct history h = build_history();
    dk_git_merges m = DK_GIT_MERGES_INIT;

    /* stops once `max` merges are kept; skipped may be NULL */
    th_assert_ok(dk_git_merges_list(&m, NULL, repo, &h.w, 2));
    th_assert_eq_int(m.len, 2);
    assert_merge(&m.items[0], &h.y2, &h.x2, &h.x1, &h.m1);
    assert_merge(&m.items[1], &h.y1, &h.x1, &h.x2, &h.m1);
    dk_vec_release(&m);

    /* the start commit itself is included; its descendants are not */
    dk_git_merges_skipped sk = {0};
    th_assert_ok(dk_git_merges_list(&m, &sk, repo, &h.m1, 0));
    th_assert_eq_int(m.len, 1);
    assert_merge(&m.items[0], &h.m1, &h.b1, &h.b2, &h.a);
    th_assert_eq_int(sk.octopus + sk.multiple_bases + sk.unrelated, 0);
    dk_vec_release(&m);

    /* no merges at all: empty, not an error */
    th_assert_ok(dk_git_merges_list(&m, NULL, repo, &h.b2, 0));
    th_assert_eq_int(m.len, 0);
    dk_vec_release(&m);
}

void test_git_history__merges_bad_start(void)
{
    struct history h = build_history();
    dk_git_merges m = DK_GIT_MERGES_INIT;
    dk_oid missing = h.a;
    missing.id[0] ^= 0xff;
    th_assert_err(dk_git_merges_list(&m, NULL, repo, &missing, 0), DK_ENOTFOUND);
    th_assert(strstr(dk_error_last()->msg, "read commit") != NULL);
    th_assert_eq_int(m.len, 0);

    /* a blob is not a commit to walk from */
    dk_oid b = blob("not a commit\n");
    th_assert_err(dk_git_merges_list(&m, NULL, repo, &b, 0), DK_ENOTFOUND);
    th_assert(m.items == NULL);
}

/* ---- changes ------------------------------------------------------------ */

static char kind_letter(dk_git_change_kind k)
{
    switch (k) {
    case DK_GIT_CHANGE_ADDED:
        return 'A';
    case DK_GIT_CHANGE_DELETED:
        return 'D';
    case DK_GIT_CHANGE_TYPECHANGE:
        return 'T';
    default:
        return 'M';
    }
}

/* The changes in `git diff-tree -r --no-renames --name-status` form. */
static char *changes_text(const dk_git_changes *c)
{
    dk_str s = DK_STR_INIT;
    dk_vec_foreach(c, const dk_git_change *, it)
        dk_str_addf(&s, "%c\t%s\n", kind_letter(it->kind), it->path);
    return dk_str_detach(&s, NULL);
}

void test_git_history__changes_match_git_diff_tree(void)
{
    dk_git_edit root[] = {
        upsert("a.c", "int a;\n", DK_GIT_MODE_FILE),
        upsert("a/b.txt", "b\n", DK_GIT_MODE_FILE),
        upsert("a-b", "dash\n", DK_GIT_MODE_FILE),
        upsert("old.txt", "same content\n", DK_GIT_MODE_FILE),
        upsert("run.sh", "echo\n", DK_GIT_MODE_FILE),
        upsert("link", "target\n", DK_GIT_MODE_FILE),
        upsert("keep.txt", "keep\n", DK_GIT_MODE_FILE),
    };
    dk_oid a = commit_edit(NULL, root, sizeof(root) / sizeof(root[0]), NULL, 0);
    dk_git_edit edits[] = {
        upsert("a.c", "int a = 1;\n", DK_GIT_MODE_FILE),
        upsert("a/b.txt", "b2\n", DK_GIT_MODE_FILE),
        upsert("a/new.txt", "new\n", DK_GIT_MODE_FILE),
        del("a-b"),
        /* a rename is a deletion plus an addition (rename detection off) */
        del("old.txt"),
        upsert("renamed.txt", "same content\n", DK_GIT_MODE_FILE),
        /* a mode change is a modification; file to symlink a type change */
        upsert("run.sh", "echo\n", DK_GIT_MODE_EXEC),
        upsert("link", "target\n", DK_GIT_MODE_LINK),
    };
    dk_oid b = commit_edit(&a, edits, sizeof(edits) / sizeof(edits[0]), &a, 1);

    dk_git_changes c = DK_GIT_CHANGES_INIT;
    th_assert_ok(dk_git_changes_list(&c, repo, &a, &b));
    char *got = changes_text(&c);
    char *want = th_git_out(repo_path, "diff-tree -r --no-renames --name-status %s %s", oid_str(&a),
                            oid_str(&b));
    th_assert_eq_str(got, want);
    free(got);
    free(want);

    /* ids and modes of both ends */
    for (size_t i = 0; i < c.len; i++) {
        const dk_git_change *x = &c.items[i];
        if (strcmp(x->path, "run.sh") == 0) {
            th_assert_eq_int(x->kind, DK_GIT_CHANGE_MODIFIED);
            th_assert_eq_int(x->old_mode, DK_GIT_MODE_FILE);
            th_assert_eq_int(x->new_mode, DK_GIT_MODE_EXEC);
            th_assert(dk_oid_is_equal(&x->old_id, &x->new_id));
        } else if (strcmp(x->path, "a/b.txt") == 0) {
            dk_oid want_old = blob("b\n"), want_new = blob("b2\n");
            th_assert(dk_oid_is_equal(&x->old_id, &want_old));
            th_assert(dk_oid_is_equal(&x->new_id, &want_new));
        } else if (strcmp(x->path, "renamed.txt") == 0) {
            th_assert_eq_int(x->kind, DK_GIT_CHANGE_ADDED);
            th_assert(dk_oid_is_zero(&x->old_id));
            th_assert_eq_int(x->old_mode, 0);
        } else if (strcmp(x->path, "old.txt") == 0) {
            th_assert_eq_int(x->kind, DK_GIT_CHANGE_DELETED);
            th_assert(dk_oid_is_zero(&x->new_id));
            th_assert_eq_int(x->new_mode, 0);
            th_assert(!dk_oid_is_zero(&x->old_id));
        } else if (strcmp(x->path, "link") == 0) {
            th_assert_eq_int(x->kind, DK_GIT_CHANGE_TYPECHANGE);
            th_assert_eq_int(x->new_mode, DK_GIT_MODE_LINK);
        }
    }
    /* bytewise path order */
    for (size_t i = 1; i < c.len; i++)
        th_assert(strcmp(c.items[i - 1].path, c.items[i].path) < 0);
    dk_git_changes_release(&c);
    th_assert_eq_int(c.len, 0);
    dk_git_changes_release(&c);
}

/*
 * Random trees against git diff-tree: files that become directories and
 * back, nested directories, mode and type changes (file, executable,
 * symlink, submodule), names that sort around '/' ("a", "a-b", "a.c",
 * "a/b"); diffs one, five and (backwards) three commits apart. The walk
 * skips equal subtrees, so this checks it pairs entries as git does.
 */
void test_git_history__changes_random_trees_match_git(void)
{
    static const char *const pool[] = {"a",     "a.c",   "a-b",     "a/b", "a/b/c", "a/b.c",
                                       "a/c",   "a/b/d", "b",       "b/x", "b/y/z", "b/y.z",
                                       "c/d/e", "c/d/g", "c/d/e/f", "z",   "a0",    "a/b-"};
    enum { NPOOL = sizeof(pool) / sizeof(*pool), ROUNDS = 36 };
    static const unsigned modes[] = {DK_GIT_MODE_FILE, DK_GIT_MODE_EXEC, DK_GIT_MODE_LINK,
                                     DK_GIT_MODE_GITLINK};
    static const char *const texts[] = {"one\n", "two\n", "three\n"};
    /* the model: per pool path, 0 absent, else 1 + text index, and its mode */
    int have[NPOOL] = {0};
    unsigned mode[NPOOL] = {0};
    dk_oid commits[ROUNDS];
    uint32_t seed = 12345;
    for (int r = 0; r < ROUNDS; r++) {
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            int at = (int)((seed >> 8) % NPOOL);
            if (have[at] && (seed >> 20) % 3 == 0) {
                have[at] = 0;
                continue;
            }
            have[at] = 1 + (int)((seed >> 4) % 3);
            mode[at] = modes[(seed >> 12) % 4];
            /* a path cannot be a file and a directory: drop whatever is above or below it */
            size_t la = strlen(pool[at]);
            for (int i = 0; i < NPOOL; i++) {
                size_t li = strlen(pool[i]);
                if (i == at || !have[i])
                    continue;
                if ((li < la && strncmp(pool[at], pool[i], li) == 0 && pool[at][li] == '/') ||
                    (la < li && strncmp(pool[i], pool[at], la) == 0 && pool[i][la] == '/'))
                    have[i] = 0;
            }
        }
        dk_git_edit edits[NPOOL];
        size_t n = 0;
        for (int i = 0; i < NPOOL; i++)
            if (have[i]) {
                edits[n] = upsert(pool[i], texts[have[i] - 1], mode[i]);
                n++;
            }
        commits[r] = commit_edit(NULL, edits, n, NULL, 0);
        const int back[] = {1, 5, -3};
        for (size_t b = 0; b < 3; b++) {
            int from = back[b] > 0 ? r - back[b] : r, to = back[b] > 0 ? r : r + back[b];
            if (from < 0 || to < 0)
                continue;
            dk_git_changes c = DK_GIT_CHANGES_INIT;
            th_assert_ok(dk_git_changes_list(&c, repo, &commits[from], &commits[to]));
            char *got = changes_text(&c);
            char *want = th_git_out(repo_path, "diff-tree -r --no-renames --name-status %s %s",
                                    oid_str(&commits[from]), oid_str(&commits[to]));
            th_assert_eq_str(got, want);
            free(got);
            free(want);
            dk_git_changes_release(&c);
        }
    }
}

void test_git_history__changes_of_a_merge(void)
{
    struct history h = build_history();
    dk_git_changes ours = DK_GIT_CHANGES_INIT, theirs = DK_GIT_CHANGES_INIT;
    th_assert_ok(dk_git_changes_list(&ours, repo, &h.a, &h.b1));
    th_assert_ok(dk_git_changes_list(&theirs, repo, &h.a, &h.b2));
    th_assert_eq_int(ours.len, 1);
    th_assert_eq_int(theirs.len, 1);
    th_assert_eq_str(ours.items[0].path, "f.py");
    th_assert_eq_str(theirs.items[0].path, "f.py");
    th_assert(dk_oid_is_equal(&ours.items[0].old_id, &theirs.items[0].old_id));
    th_assert(!dk_oid_is_equal(&ours.items[0].new_id, &theirs.items[0].new_id));
    dk_git_changes_release(&ours);
    dk_git_changes_release(&theirs);

    /* the same commit twice, or a commit and its own tree: nothing */
    dk_oid tree;
    th_assert_ok(dk_git_tree_resolve(&tree, repo, &h.m1));
    th_assert_ok(dk_git_changes_list(&ours, repo, &h.m1, &tree));
    th_assert_eq_int(ours.len, 0);
    dk_git_changes_release(&ours);
}

void test_git_history__changes_bad_input(void)
{
    struct history h = build_history();
    dk_git_changes c = DK_GIT_CHANGES_INIT;
    dk_oid missing = h.a;
    missing.id[5] ^= 0xff;
    th_assert_err(dk_git_changes_list(&c, repo, &h.a, &missing), DK_ENOTFOUND);
    th_assert_eq_int(c.len, 0);
    dk_oid b = blob("a blob\n");
    th_assert_err(dk_git_changes_list(&c, repo, &b, &h.a), DK_EINVALID);
    th_assert(c.items == NULL);
}
