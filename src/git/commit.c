/*
 * git/commit.c - writing commits, resolving revisions, merge bases.
 *
 * Commits are written with update_ref = NULL: writing an object and moving a
 * branch are separate steps, and the move is a compare-and-swap in ref.c.
 * (libgit2's own update_ref path also insists that the ref's tip is the first
 * parent, which is wrong for merges published by CAS.)
 *
 * Conventions: a fixed time in the options makes commit ids reproducible,
 * which tests rely on; otherwise the clock is read by libgit2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "git/git.h"
#include "util/alloc.h"

#include "util/banned.h"

static int commit_git_error(int rc, const char *verb, const dk_oid *id)
{
    char hex[DK_OID_HEXSZ + 1], what[80];
    dk_oid_to_hex(hex, id);
    snprintf(what, sizeof(what), "%s %.12s", verb, hex);
    return dk_error_from_git(rc, what);
}

/* A signature from the options; identity errors are the caller's input. */
static int commit_signature(git_signature **out, const char *name, const char *email,
                            const dk_git_commit_opts *opts)
{
    int rc;
    if (!name || !name[0] || !email || !email[0])
        return dk_error_set(DK_EINVALID, "commit identity needs a name and an email");
    if (opts->fixed_time)
        rc = git_signature_new(out, name, email, (git_time_t)opts->time, opts->tz_offset);
    else
        rc = git_signature_now(out, name, email);
    if (rc < 0) {
        dk_error_from_git(rc, "commit identity");
        return dk_error_set(DK_EINVALID, "%s", dk_error_last()->msg);
    }
    return DK_OK;
}

int dk_git_commit_write(dk_oid *out, dk_git_repo *repo, const dk_oid *tree, const dk_oid *parents,
                        size_t nparents, const char *message, const dk_git_commit_opts *opts)
{
    git_repository *git = dk_git_repo_raw(repo);
    git_signature *author = NULL, *committer = NULL;
    git_tree *gtree = NULL;
    git_commit **gparents = NULL;
    git_oid gid;
    int rc;

    if (!opts || opts->version != DK_GIT_COMMIT_OPTS_VERSION)
        return dk_error_set(DK_EINVALID, "commit options missing or of an unknown version");
    if (!message)
        return dk_error_set(DK_EINVALID, "commit message is NULL");
    if (nparents > 0 && !parents)
        return dk_error_set(DK_EINVALID, "parents is NULL with count %zu", nparents);

    if ((rc = commit_signature(&author, opts->author_name, opts->author_email, opts)) < 0)
        goto out;
    if (opts->committer_name || opts->committer_email) {
        rc = commit_signature(&committer, opts->committer_name, opts->committer_email, opts);
        if (rc < 0)
            goto out;
    }

    memcpy(&gid, tree, sizeof(gid));
    if ((rc = git_tree_lookup(&gtree, git, &gid)) < 0) {
        rc = commit_git_error(rc, "read tree", tree);
        goto out;
    }
    gparents = dk_xcalloc(nparents ? nparents : 1, sizeof(*gparents));
    for (size_t i = 0; i < nparents; i++) {
        memcpy(&gid, &parents[i], sizeof(gid));
        if ((rc = git_commit_lookup(&gparents[i], git, &gid)) < 0) {
            rc = commit_git_error(rc, "read parent", &parents[i]);
            goto out;
        }
    }

    rc = git_commit_create(&gid, git, NULL, author, committer ? committer : author, NULL, message,
                           gtree, nparents, (const git_commit **)gparents);
    if (rc < 0) {
        rc = dk_error_from_git(rc, "write commit");
        goto out;
    }
    memcpy(out, &gid, sizeof(*out));
out:
    if (gparents) {
        for (size_t i = 0; i < nparents; i++)
            git_commit_free(gparents[i]);
        free(gparents);
    }
    git_tree_free(gtree);
    git_signature_free(committer);
    git_signature_free(author);
    return rc;
}

int dk_git_rev_resolve(dk_oid *out, dk_git_repo *repo, const char *spec)
{
    git_object *obj = NULL, *commit = NULL;
    int rc;

    if (!spec || !spec[0])
        return dk_error_set(DK_EINVALID, "revision is empty");
    rc = git_revparse_single(&obj, dk_git_repo_raw(repo), spec);
    if (rc < 0)
        return dk_error_from_git(rc, "resolve revision");
    rc = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
    git_object_free(obj);
    if (rc < 0)
        return dk_error_set(DK_EINVALID, "revision '%s' is not a commit", spec);
    memcpy(out, git_object_id(commit), sizeof(*out));
    git_object_free(commit);
    return DK_OK;
}

/* Fail with DK_ENOTFOUND unless `id` is a commit. */
static int commit_check_exists(git_repository *git, const dk_oid *id)
{
    git_commit *c = NULL;
    git_oid gid;
    memcpy(&gid, id, sizeof(gid));
    int rc = git_commit_lookup(&c, git, &gid);
    if (rc < 0)
        return commit_git_error(rc, "read commit", id);
    git_commit_free(c);
    return DK_OK;
}

int dk_git_merge_base(dk_oid *out, dk_git_repo *repo, const dk_oid *a, const dk_oid *b)
{
    git_repository *git = dk_git_repo_raw(repo);
    git_oid ga, gb, base;
    int rc;

    /* git_merge_base reports a missing input as a generic error (and leaks
     * on that path in 1.5.1), so check both ends first */
    if ((rc = commit_check_exists(git, a)) < 0 || (rc = commit_check_exists(git, b)) < 0)
        return rc;
    memcpy(&ga, a, sizeof(ga));
    memcpy(&gb, b, sizeof(gb));
    rc = git_merge_base(&base, git, &ga, &gb);
    if (rc < 0)
        return dk_error_from_git(rc, "find merge base");
    memcpy(out, &base, sizeof(*out));
    return DK_OK;
}
