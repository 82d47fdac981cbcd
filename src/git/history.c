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
 * Changes. git_diff_tree_to_tree with rename detection off (no
 * git_diff_find_similar) and type changes reported as one delta, so every
 * path appears once; the diff never loads blob content (binary detection
 * is skipped: callers that care read the blobs themselves). libgit2 emits
 * deltas in path order, which is bytewise order of the full paths.
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

static dk_git_change_kind history_change_kind(git_delta_t status)
{
    switch (status) {
    case GIT_DELTA_ADDED:
        return DK_GIT_CHANGE_ADDED;
    case GIT_DELTA_DELETED:
        return DK_GIT_CHANGE_DELETED;
    case GIT_DELTA_TYPECHANGE:
        return DK_GIT_CHANGE_TYPECHANGE;
    default:
        /* with renames, copies and untracked files off, only MODIFIED is left */
        return DK_GIT_CHANGE_MODIFIED;
    }
}

struct history_patch {
    dk_str *out;
    size_t max;
    bool truncated;
};

int dk_git_changes_list(dk_git_changes *out, dk_git_repo *repo, const dk_oid *from,
                        const dk_oid *to)
{
    git_tree *old_tree = NULL, *new_tree = NULL;
    git_diff *diff = NULL;
    git_diff_options opts;
    int rc;

    git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
    if ((rc = history_tree_lookup(&old_tree, repo, from)) < 0 ||
        (rc = history_tree_lookup(&new_tree, repo, to)) < 0)
        goto fail;
    opts.flags = GIT_DIFF_INCLUDE_TYPECHANGE | GIT_DIFF_SKIP_BINARY_CHECK;
    rc = git_diff_tree_to_tree(&diff, dk_git_repo_raw(repo), old_tree, new_tree, &opts);
    if (rc < 0) {
        rc = dk_error_from_git(rc, "diff trees");
        goto fail;
    }
    size_t n = git_diff_num_deltas(diff);
    dk_vec_reserve(out, n);
    for (size_t i = 0; i < n; i++) {
        const git_diff_delta *d = git_diff_get_delta(diff, i);
        dk_git_change *c = dk_vec_push_zero(out);
        dk_git_change_kind kind = history_change_kind(d->status);
        /* both paths are the same without rename detection; the new one is
         * absent (but still set by libgit2) for a deletion */
        c->path = dk_xstrdup(kind == DK_GIT_CHANGE_DELETED ? d->old_file.path : d->new_file.path);
        c->kind = kind;
        if (kind != DK_GIT_CHANGE_ADDED) {
            memcpy(&c->old_id, &d->old_file.id, sizeof(c->old_id));
            c->old_mode = d->old_file.mode;
        }
        if (kind != DK_GIT_CHANGE_DELETED) {
            memcpy(&c->new_id, &d->new_file.id, sizeof(c->new_id));
            c->new_mode = d->new_file.mode;
        }
    }
    git_diff_free(diff);
    git_tree_free(new_tree);
    git_tree_free(old_tree);
    return DK_OK;
fail:
    git_tree_free(new_tree);
    git_tree_free(old_tree);
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
