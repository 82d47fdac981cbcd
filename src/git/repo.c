/*
 * git/repo.c - opening, creating and closing repositories.
 *
 *   dk_git_repo ──owns──> git_repository (libgit2)
 *
 * The handle is a thin owner of one git_repository; it exists so that no
 * libgit2 type crosses git.h. Repositories dk manages are bare, created with
 * HEAD on "main"; dk_git_repo_open also accepts a user's non-bare checkout.
 *
 * Invariants: `git` is never NULL in a handle returned to a caller.
 * Conventions: one thread at a time per handle (libgit2 rule); open one
 * handle per thread, they share nothing but the files on disk.
 */
#include <stdlib.h>

#include <git2.h>

#include "git/git.h"
#include "util/alloc.h"

#include "util/banned.h"

struct dk_git_repo {
    /* the libgit2 repository, owned */
    git_repository *git;
};

static dk_git_repo *repo_wrap(git_repository *git)
{
    dk_git_repo *r = dk_xmalloc(sizeof(*r));
    r->git = git;
    return r;
}

int dk_git_repo_init(dk_git_repo **out, const char *path)
{
    git_repository_init_options opts;
    git_repository *git = NULL;
    int rc;

    git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
    if ((rc = dk_git_global_init()) < 0)
        return rc;
    if (!path || !path[0])
        return dk_error_set(DK_EINVALID, "repository path is empty");

    /* NO_REINIT: re-initialising an existing repository is never what a
     * caller of _init means, and would silently keep its old HEAD. */
    opts.flags =
        GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
    opts.initial_head = "main";
    rc = git_repository_init_ext(&git, path, &opts);
    if (rc < 0)
        return dk_error_from_git(rc, "init repository");
    *out = repo_wrap(git);
    return DK_OK;
}

int dk_git_repo_open(dk_git_repo **out, const char *path)
{
    git_repository *git = NULL;
    int rc;

    if ((rc = dk_git_global_init()) < 0)
        return rc;
    if (!path || !path[0])
        return dk_error_set(DK_EINVALID, "repository path is empty");

    /* NO_SEARCH: `path` is the repository; never wander up to a parent's. */
    rc = git_repository_open_ext(&git, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
    if (rc < 0)
        return dk_error_from_git(rc, "open repository");
    *out = repo_wrap(git);
    return DK_OK;
}

void dk_git_repo_close(dk_git_repo *repo)
{
    if (!repo)
        return;
    git_repository_free(repo->git);
    free(repo);
}

bool dk_git_repo_is_bare(const dk_git_repo *repo)
{
    return git_repository_is_bare(repo->git) == 1;
}

const char *dk_git_repo_path(const dk_git_repo *repo)
{
    return git_repository_path(repo->git);
}

const char *dk_git_repo_workdir(const dk_git_repo *repo)
{
    return git_repository_workdir(repo->git);
}

struct git_repository *dk_git_repo_raw(dk_git_repo *repo)
{
    return repo->git;
}
