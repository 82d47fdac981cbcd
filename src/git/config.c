/*
 * git/config.c - git's configuration as a git command run in the current
 * directory sees it: the repository found the way git finds it (GIT_DIR,
 * GIT_CEILING_DIRECTORIES, discovery upwards from the working directory),
 * with every level git reads (system, XDG, global, the repository's own,
 * and their includes). `dk merge-file` uses it for merge.conflictStyle, as
 * `git merge-file` does.
 *
 * Outside a repository nothing is read (git merge-file reads no
 * configuration there either). What the other levels hold depends on
 * dk_global_init: DK_GLOBAL_ISOLATE_CONFIG empties their search paths.
 */
#include <stdlib.h>

#include <git2.h>

#include "git/git.h"
#include "util/alloc.h"

#include "util/banned.h"

int dk_git_config_discover_string(char **out, const char *key)
{
    git_repository *repo = NULL;
    git_config *cfg = NULL;
    git_buf buf = {0};
    int rc;

    *out = NULL;
    if ((rc = dk_git_global_init()) < 0)
        return rc;
    rc = git_repository_open_ext(&repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
    if (rc == GIT_ENOTFOUND) {
        rc = dk_error_set(DK_ENOTFOUND, "not in a git repository");
        goto out;
    }
    if (rc < 0) {
        rc = dk_error_from_git(rc, "open repository");
        goto out;
    }
    if ((rc = git_repository_config_snapshot(&cfg, repo)) < 0) {
        rc = dk_error_from_git(rc, "read configuration");
        goto out;
    }
    rc = git_config_get_string_buf(&buf, cfg, key);
    if (rc == GIT_ENOTFOUND) {
        rc = dk_error_set(DK_ENOTFOUND, "%s is not set", key);
        goto out;
    }
    if (rc < 0) {
        rc = dk_error_from_git(rc, "read configuration");
        goto out;
    }
    *out = dk_xstrdup(buf.ptr);
    rc = DK_OK;
out:
    git_buf_dispose(&buf);
    git_config_free(cfg);
    git_repository_free(repo);
    return rc;
}
