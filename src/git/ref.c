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
 * A process killed while it held a ref's lock (kill -9 between libgit2's
 * lock and its rename) leaves <ref>.lock behind, and libgit2 then refuses
 * every later update of that ref with GIT_ELOCKED, forever: a branch no
 * landing could move again. A writer lives in its lock for the moment of one
 * small file write and a rename, so a lock file older than
 * DK_GIT_STALE_LOCK_S is one a dead process left: dk_git_ref_lock_reap
 * removes it (under a flock on <gitdir>/dk-reap.lock, so two reapers never
 * remove a fresh lock that replaced the stale one), and the update is tried
 * once more. A younger lock is a live writer's, and stays a race.
 *
 * Conventions: branch names are short ("main") or full ("refs/heads/main");
 * anything else is rejected, so this file can never move a tag or HEAD.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "dk/log.h"

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

/* Remove `path` when it is a regular file older than DK_GIT_STALE_LOCK_S at `now`:
 * 1 removed, 0 absent or young, < 0 an error. */
static int ref_reap_file(const char *path, time_t now)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : dk_error_set(DK_ERROR, "stat %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode) || now - st.st_mtime < DK_GIT_STALE_LOCK_S)
        return 0;
    if (unlink(path) != 0)
        return errno == ENOENT ? 0 : dk_error_set(DK_ERROR, "remove %s: %s", path, strerror(errno));
    dk_trace(DK_TRACE_WARN, "git",
             "removed %s, a lock file %lld s old: a process died while writing the ref", path,
             (long long)(now - st.st_mtime));
    return 1;
}

int dk_git_ref_lock_reap(dk_git_repo *repo, const char *refname)
{
    int valid = 0;
    if (!refname || strncmp(refname, "refs/", 5) != 0 ||
        git_reference_name_is_valid(&valid, refname) < 0 || !valid)
        return dk_error_set(DK_EINVALID, "invalid ref name '%s'", refname ? refname : "(null)");
    /* git_repository_path ends with '/' */
    const char *gitdir = git_repository_path(dk_git_repo_raw(repo));
    dk_str guard = DK_STR_INIT, lock = DK_STR_INIT, packed = DK_STR_INIT;
    dk_str_addf(&guard, "%sdk-reap.lock", gitdir);
    dk_str_addf(&lock, "%s%s.lock", gitdir, refname);
    dk_str_addf(&packed, "%spacked-refs.lock", gitdir);
    int rc;
    int fd = open(guard.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = dk_error_set(DK_ERROR, "open %s: %s", guard.ptr, strerror(errno));
        goto out;
    }
    while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
        ;
    if (rc != 0) {
        rc = dk_error_set(DK_ERROR, "flock %s: %s", guard.ptr, strerror(errno));
        goto out;
    }
    /* the age is judged under the guard: a lock that replaced the stale one is young */
    time_t now = time(NULL);
    rc = ref_reap_file(lock.ptr, now);
    if (rc == 0) /* deleting a ref locks packed-refs too */
        rc = ref_reap_file(packed.ptr, now);
out:
    if (fd >= 0)
        close(fd); /* releases the flock */
    dk_str_release(&guard);
    dk_str_release(&lock);
    dk_str_release(&packed);
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

    for (int reaped = 0;; reaped++) {
        if (expected) {
            memcpy(&gold, expected, sizeof(gold));
            rc = git_reference_create_matching(&ref, git, name.ptr, &gnew, 1, &gold, log_msg);
        } else {
            rc = git_reference_create(&ref, git, name.ptr, &gnew, 0, log_msg);
        }
        /* a lock a dead process left: removed, and the update tried once more */
        if (rc != GIT_ELOCKED || reaped || dk_git_ref_lock_reap(repo, name.ptr) != 1)
            break;
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
