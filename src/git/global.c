/*
 * git/global.c - process-wide set-up (dk_global_init) and the libgit2 -> dk
 * error boundary.
 *
 * libgit2 must be initialised before any call (it installs its allocator and
 * thread-local state). The application does it with dk_global_init(flags),
 * which also applies the process-wide policy the flags ask for (today:
 * reading no git configuration from outside the repository). Library code
 * calls dk_git_global_init, which only makes sure libgit2 is initialised and
 * never applies a policy, so a host process that merges a file keeps its
 * own git configuration.
 *
 * Invariants: libgit2 is initialised at most once by dk and never shut down
 * (it is refcounted; its few globals stay reachable at exit); a policy flag,
 * once applied, stays. Conventions: every libgit2 failure in src/git/ goes
 * through dk_error_from_git, on the failing thread, right after the failing
 * call: libgit2's message slot is thread-local and overwritten by the next
 * failure.
 */
#include <pthread.h>
#include <stdatomic.h>

#include <git2.h>

#include "dk/dk.h"

#include "git/git.h"

#include "util/banned.h"

static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
/* libgit2 initialised: set under global_lock, read without it on the fast path */
static atomic_bool global_git_ready;
/* DK_GLOBAL_* flags applied so far */
static unsigned global_flags;

/* Initialise libgit2 once; global_lock held. */
static int global_git_init_locked(void)
{
    if (atomic_load_explicit(&global_git_ready, memory_order_relaxed))
        return DK_OK;
    int rc = git_libgit2_init();
    if (rc < 0)
        return dk_error_from_git(rc, "initialise libgit2");
    atomic_store_explicit(&global_git_ready, true, memory_order_release);
    return DK_OK;
}

static int global_isolate_config_locked(void)
{
    static const int levels[] = {GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
                                 GIT_CONFIG_LEVEL_GLOBAL};
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        int rc = git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], "");
        if (rc < 0)
            return dk_error_from_git(rc, "clear the git config search path");
    }
    return DK_OK;
}

int dk_global_init(unsigned flags)
{
    if (flags & ~(unsigned)DK_GLOBAL_ISOLATE_CONFIG)
        return dk_error_set(DK_EINVALID, "unknown dk_global_init flags 0x%x", flags);
    pthread_mutex_lock(&global_lock);
    int rc = global_git_init_locked();
    if (rc == DK_OK && (flags & DK_GLOBAL_ISOLATE_CONFIG) &&
        !(global_flags & DK_GLOBAL_ISOLATE_CONFIG)) {
        rc = global_isolate_config_locked();
        if (rc == DK_OK)
            global_flags |= DK_GLOBAL_ISOLATE_CONFIG;
    }
    pthread_mutex_unlock(&global_lock);
    return rc;
}

int dk_git_global_init(void)
{
    if (atomic_load_explicit(&global_git_ready, memory_order_acquire))
        return DK_OK;
    pthread_mutex_lock(&global_lock);
    int rc = global_git_init_locked();
    pthread_mutex_unlock(&global_lock);
    return rc;
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
