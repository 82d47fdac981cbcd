/*
 * git/history.c - reading history: the merge commits reachable from a
 * commit, the files two commits differ in, and that difference as a patch.
 *
 * Merges. A revision walk (git_revwalk, committer-time order, newest first,
 * as `git log`) visits every commit reachable from the start; a commit with
 * two parents is kept when git_merge_bases finds exactly one base for them.
 * That is the question a replay of the merge needs answered: with one base,
 * (base, first parent, second parent) are the three inputs a three-way file
 * merge saw. Criss-cross merges (several bases, where git would build a
 * virtual base by merging the bases recursively) and octopus merges have no
 * such triple and are counted, not listed.
 *
 *     base ── ... ── ours ──┐
 *       └──── ... ── theirs ┴── merge      (merge = ours + theirs)
 *
 * Changes. An own walk of the two trees, as `git diff-tree -r
 * --no-renames`: the entries of both are in git's tree order, so one merge
 * pass pairs them, and a subtree whose id is the same on both sides is
 * skipped unread (git_diff_tree_to_tree flattened both trees and compared
 * every file: 1.8 ms for one changed file among 10,000, the largest cost of
 * the code-context index's one-file update). Type changes are one change,
 * so every path appears once; no blob is read. Tree order walked
 * depth-first is bytewise order of the full paths.
 *
 * Patches. The same diff printed as a unified patch (git_diff_print,
 * GIT_DIFF_FORMAT_PATCH: what `git diff` shows), cut at a size the caller
 * gives; the verification layer hands it to reviewer commands.
 *
 * Conventions: libgit2 objects live only inside one call; everything
 * handed out is a dk_oid or malloc'd memory. Lists are appended to and
 * released on failure, as dk_git_files_list does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "git/git.h"
#include "util/alloc.h"

#include "util/banned.h"

/* ========================================================================== */
/* Merges                                                                     */
/* ========================================================================== */

/* Record "<verb> <12 hex digits>" through dk_error_from_git. */
static int history_git_error(int rc, const char *verb, const git_oid *id)
{
    char hex[GIT_OID_HEXSZ + 1], what[80];
    git_oid_tostr(hex, sizeof(hex), id);
    snprintf(what, sizeof(what), "%s %.12s", verb, hex);
    return dk_error_from_git(rc, what);
}

/*
 * Classify one visited commit: append it to `out` if it is a two-parent
 * merge with one base, count it in `skipped` if it is a merge dk cannot
 * replay, ignore it otherwise.
 */
static int history_visit(dk_git_merges *out, dk_git_merges_skipped *skipped, git_repository *git,
                         const git_oid *id)
{
    git_commit *c = NULL;
    git_oidarray bases = {0};
    int rc = git_commit_lookup(&c, git, id);
    if (rc < 0)
        return history_git_error(rc, "read commit", id);

    unsigned n = git_commit_parentcount(c);
    if (n < 2) {
        rc = DK_OK;
        goto out;
    }
    if (n > 2) {
        skipped->octopus++;
        rc = DK_OK;
        goto out;
    }
    const git_oid *p0 = git_commit_parent_id(c, 0), *p1 = git_commit_parent_id(c, 1);
    rc = git_merge_bases(&bases, git, p0, p1);
    if (rc == GIT_ENOTFOUND) {
        skipped->unrelated++;
        rc = DK_OK;
        goto out;
    }
    if (rc < 0) {
        rc = history_git_error(rc, "find the merge bases of", id);
        goto out;
    }
    if (bases.count != 1) {
        skipped->multiple_bases++;
    } else {
        dk_git_merge_info *m = dk_vec_push_zero(out);
        memcpy(&m->merge, id, sizeof(m->merge));
        memcpy(&m->ours, p0, sizeof(m->ours));
        memcpy(&m->theirs, p1, sizeof(m->theirs));
        memcpy(&m->base, &bases.ids[0], sizeof(m->base));
    }
    rc = DK_OK;
out:
    git_oidarray_dispose(&bases);
    git_commit_free(c);
    return rc;
}

int dk_git_merges_list(dk_git_merges *out, dk_git_merges_skipped *skipped, dk_git_repo *repo,
                       const dk_oid *from, size_t max)
{
    git_repository *git = dk_git_repo_raw(repo);
    dk_git_merges_skipped ignored = {0};
    git_revwalk *walk = NULL;
    git_commit *start = NULL;
    git_oid gid;
    int rc;

    if (!skipped)
        skipped = &ignored;
    memcpy(&gid, from, sizeof(gid));
    /* libgit2 reports a missing object, and one that is not a commit, as
     * GIT_ENOTFOUND; check first so the error names the start */
    if ((rc = git_commit_lookup(&start, git, &gid)) < 0) {
        rc = history_git_error(rc, "read commit", &gid);
        goto fail;
    }
    git_commit_free(start);
    if ((rc = git_revwalk_new(&walk, git)) < 0 ||
        (rc = git_revwalk_sorting(walk, GIT_SORT_TIME)) < 0 ||
        (rc = git_revwalk_push(walk, &gid)) < 0) {
        rc = dk_error_from_git(rc, "walk history");
        goto fail;
    }
    while (max == 0 || out->len < max) {
        rc = git_revwalk_next(&gid, walk);
        if (rc == GIT_ITEROVER)
            break;
        if (rc < 0) {
            rc = dk_error_from_git(rc, "walk history");
            goto fail;
        }
        if ((rc = history_visit(out, skipped, git, &gid)) < 0)
            goto fail;
    }
    git_revwalk_free(walk);
    return DK_OK;
fail:
    git_revwalk_free(walk);
    dk_vec_release(out);
    return rc;
}

/* ========================================================================== */
/* Changes between two commits                                                */
/* ========================================================================== */

/* The tree of `at` (commit, tree or tag of either); caller frees it. */
static int history_tree_lookup(git_tree **out, dk_git_repo *repo, const dk_oid *at)
{
    dk_oid tree_id;
    git_oid gid;
    int rc = dk_git_tree_resolve(&tree_id, repo, at);
    if (rc < 0)
        return rc;
    memcpy(&gid, &tree_id, sizeof(gid));
    rc = git_tree_lookup(out, dk_git_repo_raw(repo), &gid);
    if (rc < 0)
        return history_git_error(rc, "read tree", &gid);
    return DK_OK;
}

struct history_patch {
    dk_str *out;
    size_t max;
    bool truncated;
};

/* git's tree order: names compared bytewise as if a tree's name ended in '/'. */
static int history_entry_cmp(const git_tree_entry *a, const git_tree_entry *b)
{
    const char *na = git_tree_entry_name(a), *nb = git_tree_entry_name(b);
    size_t la = strlen(na), lb = strlen(nb), n = la < lb ? la : lb;
    int c = memcmp(na, nb, n);
    if (c)
        return c;
    unsigned char ca =
        la > n ? (unsigned char)na[n] : (git_tree_entry_filemode(a) == GIT_FILEMODE_TREE ? '/' : 0);
    unsigned char cb =
        lb > n ? (unsigned char)nb[n] : (git_tree_entry_filemode(b) == GIT_FILEMODE_TREE ? '/' : 0);
    return (int)ca - (int)cb;
}

struct history_walk {
    git_repository *repo;
    dk_git_changes *out;
    /* the directory being walked, with its trailing '/' ("" at the root) */
    dk_str path;
};

static int history_walk_trees(struct history_walk *w, const git_oid *old_id, const git_oid *new_id);

/* Append one change for entry `o` (old side, may be NULL) / `n` (new side, may be NULL). */
static void history_change_add(struct history_walk *w, const git_tree_entry *o,
                               const git_tree_entry *n, dk_git_change_kind kind)
{
    dk_git_change *c = dk_vec_push_zero(w->out);
    const char *name = git_tree_entry_name(o ? o : n);
    size_t dl = w->path.len, nl = strlen(name);
    c->path = dk_xmalloc(dl + nl + 1);
    memcpy(c->path, w->path.ptr, dl);
    memcpy(c->path + dl, name, nl + 1);
    c->kind = kind;
    if (o) {
        memcpy(&c->old_id, git_tree_entry_id(o), sizeof(c->old_id));
        c->old_mode = (unsigned)git_tree_entry_filemode(o);
    }
    if (n) {
        memcpy(&c->new_id, git_tree_entry_id(n), sizeof(c->new_id));
        c->new_mode = (unsigned)git_tree_entry_filemode(n);
    }
}

/* Entry `o` only in the old tree (`n` NULL) or `n` only in the new one: every file under it. */
static int history_walk_one_side(struct history_walk *w, const git_tree_entry *o,
                                 const git_tree_entry *n)
{
    const git_tree_entry *x = o ? o : n;
    if (git_tree_entry_filemode(x) != GIT_FILEMODE_TREE) {
        history_change_add(w, o, n, o ? DK_GIT_CHANGE_DELETED : DK_GIT_CHANGE_ADDED);
        return DK_OK;
    }
    size_t at = w->path.len;
    dk_str_adds(&w->path, git_tree_entry_name(x));
    dk_str_addch(&w->path, '/');
    int rc =
        history_walk_trees(w, o ? git_tree_entry_id(o) : NULL, n ? git_tree_entry_id(n) : NULL);
    dk_str_truncate(&w->path, at);
    return rc;
}

/*
 * The changes between trees `old_id` and `new_id` (either NULL: an empty
 * tree) under w->path: both entry lists are in git's tree order, so one
 * merge pass pairs them; a subtree with the same id on both sides is
 * skipped without being read.
 */
static int history_walk_trees(struct history_walk *w, const git_oid *old_id, const git_oid *new_id)
{
    git_tree *ot = NULL, *nt = NULL;
    int rc = DK_OK, g;
    if (old_id && (g = git_tree_lookup(&ot, w->repo, old_id)) < 0)
        return history_git_error(g, "read tree", old_id);
    if (new_id && (g = git_tree_lookup(&nt, w->repo, new_id)) < 0) {
        git_tree_free(ot);
        return history_git_error(g, "read tree", new_id);
    }
    size_t no = ot ? git_tree_entrycount(ot) : 0, nn = nt ? git_tree_entrycount(nt) : 0;
    size_t i = 0, j = 0;
    while (rc == DK_OK && (i < no || j < nn)) {
        const git_tree_entry *o = i < no ? git_tree_entry_byindex(ot, i) : NULL;
        const git_tree_entry *n = j < nn ? git_tree_entry_byindex(nt, j) : NULL;
        int c = !o ? 1 : !n ? -1 : history_entry_cmp(o, n);
        if (c < 0) {
            rc = history_walk_one_side(w, o, NULL);
            i++;
            continue;
        }
        if (c > 0) {
            rc = history_walk_one_side(w, NULL, n);
            j++;
            continue;
        }
        i++;
        j++;
        git_filemode_t om = git_tree_entry_filemode(o), nm = git_tree_entry_filemode(n);
        if (om == nm && git_oid_equal(git_tree_entry_id(o), git_tree_entry_id(n)))
            continue;
        if (om == GIT_FILEMODE_TREE) {
            /* equal names sort equal only when both are trees */
            size_t at = w->path.len;
            dk_str_adds(&w->path, git_tree_entry_name(o));
            dk_str_addch(&w->path, '/');
            rc = history_walk_trees(w, git_tree_entry_id(o), git_tree_entry_id(n));
            dk_str_truncate(&w->path, at);
            continue;
        }
        /* a file's mode change (644/755) is a modification; another kind of entry a type change */
        bool same_kind = (om & 0170000) == (nm & 0170000);
        history_change_add(w, o, n, same_kind ? DK_GIT_CHANGE_MODIFIED : DK_GIT_CHANGE_TYPECHANGE);
    }
    git_tree_free(nt);
    git_tree_free(ot);
    return rc;
}

int dk_git_changes_list(dk_git_changes *out, dk_git_repo *repo, const dk_oid *from,
                        const dk_oid *to)
{
    dk_oid old_tree, new_tree;
    int rc;
    if ((rc = dk_git_tree_resolve(&old_tree, repo, from)) < 0 ||
        (rc = dk_git_tree_resolve(&new_tree, repo, to)) < 0)
        goto fail;
    git_oid o, n;
    memcpy(&o, &old_tree, sizeof(o));
    memcpy(&n, &new_tree, sizeof(n));
    struct history_walk w = {.repo = dk_git_repo_raw(repo), .out = out, .path = DK_STR_INIT};
    rc = git_oid_equal(&o, &n) ? DK_OK : history_walk_trees(&w, &o, &n);
    dk_str_release(&w.path);
    if (rc == DK_OK)
        return DK_OK;
fail:
    dk_git_changes_release(out);
    return rc;
}

void dk_git_changes_release(dk_git_changes *changes)
{
    dk_vec_foreach(changes, dk_git_change *, c)
        free(c->path);
    dk_vec_release(changes);
}

/* Append each line of a patch (git_diff_print's callback), up to the cap. */
static int history_patch_line(const git_diff_delta *delta, const git_diff_hunk *hunk,
                              const git_diff_line *line, void *payload)
{
    (void)delta;
    (void)hunk;
    struct history_patch *p = payload;
    if (p->out->len >= p->max) {
        p->truncated = true;
        return 1; /* stop: the reader gets the head of the patch, marked as cut */
    }
    if (line->origin == GIT_DIFF_LINE_CONTEXT || line->origin == GIT_DIFF_LINE_ADDITION ||
        line->origin == GIT_DIFF_LINE_DELETION)
        dk_str_addch(p->out, line->origin);
    dk_str_add(p->out, line->content, line->content_len);
    return 0;
}

int dk_git_diff_patch(dk_str *out, bool *truncated, dk_git_repo *repo, const dk_oid *from,
                      const dk_oid *to, size_t max)
{
    git_tree *old_tree = NULL, *new_tree = NULL;
    git_diff *diff = NULL;
    git_diff_options opts;
    struct history_patch p = {.out = out, .max = max ? max : SIZE_MAX};
    int rc;

    git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
    if ((rc = history_tree_lookup(&old_tree, repo, from)) < 0 ||
        (rc = history_tree_lookup(&new_tree, repo, to)) < 0)
        goto out;
    opts.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
    if ((rc = git_diff_tree_to_tree(&diff, dk_git_repo_raw(repo), old_tree, new_tree, &opts)) < 0) {
        rc = dk_error_from_git(rc, "diff trees");
        goto out;
    }
    rc = git_diff_print(diff, GIT_DIFF_FORMAT_PATCH, history_patch_line, &p);
    if (rc < 0 && !p.truncated)
        rc = dk_error_from_git(rc, "print diff");
    else
        rc = DK_OK;
out:
    if (truncated)
        *truncated = p.truncated;
    git_diff_free(diff);
    git_tree_free(new_tree);
    git_tree_free(old_tree);
    return rc;
}
