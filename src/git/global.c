/*
 * git/global.c - process-wide libgit2 set-up and the libgit2 -> dk error
 * boundary.
 *
 * libgit2 must be initialised before any call (it installs its allocator and
 * thread-local state), and it reads git configuration from the user's home
 * and /etc unless told otherwise. dk_git_global_init does both once, under
 * pthread_once, so any thread may be the first caller.
 *
 * Conventions: every libgit2 failure in src/git/ goes through
 * dk_error_from_git, on the failing thread, right after the failing call:
 * libgit2's message slot is thread-local and overwritten by the next failure.
 */
#include <pthread.h>

#include <git2.h>

#include "git/git.h"

#include "util/banned.h"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
/* DK_OK once initialised; a failure is sticky and reported to every caller */
static int global_rc = DK_ERROR;

static void global_init_once(void)
{
    static const int levels[] = {GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
                                 GIT_CONFIG_LEVEL_GLOBAL};
    int rc = git_libgit2_init();
    if (rc < 0) {
        global_rc = dk_error_from_git(rc, "initialise libgit2");
        return;
    }
    /* Determinism: read no configuration from outside the repository. */
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        rc = git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], "");
        if (rc < 0) {
            global_rc = dk_error_from_git(rc, "clear the git config search path");
            return;
        }
    }
    global_rc = DK_OK;
}

int dk_git_global_init(void)
{
    pthread_once(&global_once, global_init_once);
    if (global_rc != DK_OK)
        return dk_error_set(DK_ERROR, "libgit2 could not be initialised");
    return DK_OK;
}

int dk_error_from_git(int git_rc, const char *what)
{
    int code;
    switch (git_rc) {
    case GIT_ENOTFOUND:
    case GIT_EUNBORNBRANCH:
        code = DK_ENOTFOUND;
        break;
    case GIT_EEXISTS:
        code = DK_EEXISTS;
        break;
    case GIT_EMODIFIED:
    case GIT_ELOCKED:
        code = DK_ERACE;
        break;
    case GIT_EINVALIDSPEC:
        code = DK_EINVALID;
        break;
    default:
        code = DK_ERROR;
        break;
    }
    const git_error *e = git_error_last();
    if (e && e->message && e->message[0])
        return dk_error_set(code, "%s: %s", what, e->message);
    return dk_error_set(code, "%s: libgit2 error %d", what, git_rc);
}
