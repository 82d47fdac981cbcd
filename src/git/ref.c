/*
 * git/ref.c - reading branches and moving them with compare-and-swap.
 *
 * A branch move is the only way dk publishes history, and many writers
 * (threads with their own handles, other processes, plain git) may race on
 * one branch. libgit2 makes the update atomic: it takes refs/heads/<b>.lock,
 * compares the current value with the expected one under the lock, and
 * renames the new value into place. A loser sees one of:
 *
 *   GIT_ELOCKED    another writer holds the lock right now
 *   GIT_EMODIFIED  the value under the lock is not the expected one
 *   GIT_EEXISTS    "must not exist", but it does
 *   GIT_ENOTFOUND  an expected value was given, but the branch is gone
 *
 * All four mean "someone else moved it: re-read and retry", so all four
 * become DK_ERACE. The lock is never waited for: retrying is the caller's
 * policy.
 *
 * Conventions: branch names are short ("main") or full ("refs/heads/main");
 * anything else is rejected, so this file can never move a tag or HEAD.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "git/git.h"
#include "util/str.h"

#include "util/banned.h"

/* "main" or "refs/heads/main" -> "refs/heads/main" in `out`, validated. */
static int ref_branch_name(dk_str *out, const char *branch)
{
    int valid = 0;

    if (!branch || !branch[0])
        return dk_error_set(DK_EINVALID, "branch name is empty");
    if (strncmp(branch, "refs/", 5) != 0)
        dk_str_adds(out, "refs/heads/");
    else if (strncmp(branch, "refs/heads/", 11) != 0)
        return dk_error_set(DK_EINVALID, "'%s' is not a branch", branch);
    dk_str_adds(out, branch);
    if (git_reference_name_is_valid(&valid, out->ptr) < 0 || !valid)
        return dk_error_set(DK_EINVALID, "invalid branch name '%s'", branch);
    return DK_OK;
}

int dk_git_branch_read(dk_oid *out, dk_git_repo *repo, const char *branch)
{
    dk_str name = DK_STR_INIT;
    git_oid gid;
    int rc;

    if ((rc = ref_branch_name(&name, branch)) < 0)
        goto out;
    rc = git_reference_name_to_id(&gid, dk_git_repo_raw(repo), name.ptr);
    if (rc == GIT_ENOTFOUND) {
        rc = dk_error_set(DK_ENOTFOUND, "no branch '%s'", branch);
        goto out;
    }
    if (rc < 0) {
        rc = dk_error_from_git(rc, "read branch");
        goto out;
    }
    memcpy(out, &gid, sizeof(*out));
out:
    dk_str_release(&name);
    return rc;
}

int dk_git_branch_cas(dk_git_repo *repo, const char *branch, const dk_oid *expected,
                      const dk_oid *new_id, const char *log_msg)
{
    git_repository *git = dk_git_repo_raw(repo);
    dk_str name = DK_STR_INIT;
    git_reference *ref = NULL;
    git_object *target = NULL;
    git_oid gnew, gold;
    int rc;

    if ((rc = ref_branch_name(&name, branch)) < 0)
        goto out;
    if (!new_id) {
        rc = dk_error_set(DK_EINVALID, "new branch value is NULL");
        goto out;
    }
    /* libgit2 checks the object exists, not that it is a commit */
    memcpy(&gnew, new_id, sizeof(gnew));
    if ((rc = git_object_lookup(&target, git, &gnew, GIT_OBJECT_COMMIT)) < 0) {
        rc = dk_error_from_git(rc, "look up new branch tip");
        goto out;
    }

    if (expected) {
        memcpy(&gold, expected, sizeof(gold));
        rc = git_reference_create_matching(&ref, git, name.ptr, &gnew, 1, &gold, log_msg);
    } else {
        rc = git_reference_create(&ref, git, name.ptr, &gnew, 0, log_msg);
    }
    if (rc == GIT_ELOCKED || rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ENOTFOUND) {
        const git_error *e = git_error_last();
        rc = dk_error_set(DK_ERACE, "branch '%s' moved under us: %s", branch,
                          e && e->message ? e->message : "lost the race");
        goto out;
    }
    if (rc < 0) {
        rc = dk_error_from_git(rc, "update branch");
        goto out;
    }
    rc = DK_OK;
out:
    git_reference_free(ref);
    git_object_free(target);
    dk_str_release(&name);
    return rc;
}
