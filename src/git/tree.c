/*
 * git/tree.c - reading trees: the tree of a commit, one entry or one file by
 * path, and the recursive list of files.
 *
 * Every entry point takes an id `at` that may name a commit or a tree (or a
 * tag of either), peeled with tree_lookup_peeled; callers do not need to
 * know which one they hold.
 *
 * Listing walks the tree pre-order with git_tree_walk. Tree entries are
 * stored sorted with directories compared as "name/", so a pre-order walk
 * visits full paths in bytewise order, the order of `git ls-tree -r`.
 * Gitlinks (submodules, mode 160000) are reported as files with the
 * submodule's commit id; they are never descended into.
 *
 * Conventions: libgit2 objects live only inside one call; everything handed
 * out is copied into malloc'd memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "git/git.h"
#include "util/alloc.h"
#include "util/path.h"
#include "util/str.h"

#include "util/banned.h"

/* Record "<verb> <12 hex digits>" through dk_error_from_git. */
static int tree_git_error(int rc, const char *verb, const dk_oid *id)
{
    char hex[DK_OID_HEXSZ + 1], what[80];
    dk_oid_to_hex(hex, id);
    snprintf(what, sizeof(what), "%s %.12s", verb, hex);
    return dk_error_from_git(rc, what);
}

/* The tree that `at` (commit, tree or tag) names; caller frees it. */
static int tree_lookup_peeled(git_tree **out, git_repository *git, const dk_oid *at)
{
    git_object *obj = NULL;
    git_oid gid;
    int rc;

    memcpy(&gid, at, sizeof(gid));
    rc = git_object_lookup(&obj, git, &gid, GIT_OBJECT_ANY);
    if (rc < 0)
        return tree_git_error(rc, "look up", at);
    rc = git_object_peel((git_object **)out, obj, GIT_OBJECT_TREE);
    git_object_free(obj);
    if (rc < 0) {
        /* a blob (or a tag of one) has no tree: bad input, not a missing object */
        if (rc == GIT_EINVALIDSPEC || rc == GIT_ENOTFOUND || rc == GIT_EPEEL)
            rc = GIT_EINVALIDSPEC;
        return tree_git_error(rc, "find the tree of", at);
    }
    return DK_OK;
}

int dk_git_tree_resolve(dk_oid *out, dk_git_repo *repo, const dk_oid *at)
{
    git_tree *tree = NULL;
    int rc = tree_lookup_peeled(&tree, dk_git_repo_raw(repo), at);
    if (rc < 0)
        return rc;
    memcpy(out, git_tree_id(tree), sizeof(*out));
    git_tree_free(tree);
    return DK_OK;
}

/* The entry at `path` below `at`; caller frees it with git_tree_entry_free. */
static int tree_entry_at(git_tree_entry **out, dk_git_repo *repo, const dk_oid *at,
                         const char *path)
{
    git_tree *tree = NULL;
    int rc;

    if (!path)
        return dk_error_set(DK_EINVALID, "path is NULL");
    if ((rc = dk_path_validate(path, strlen(path))) < 0)
        return rc;
    if ((rc = tree_lookup_peeled(&tree, dk_git_repo_raw(repo), at)) < 0)
        return rc;
    rc = git_tree_entry_bypath(out, tree, path);
    if (rc == GIT_ENOTFOUND)
        rc = dk_error_set(DK_ENOTFOUND, "no file '%s'", path);
    else if (rc < 0)
        rc = dk_error_from_git(rc, "look up path");
    git_tree_free(tree);
    return rc;
}

int dk_git_file_lookup(dk_oid *out_id, unsigned *out_mode, dk_git_repo *repo, const dk_oid *at,
                       const char *path)
{
    git_tree_entry *entry = NULL;
    int rc = tree_entry_at(&entry, repo, at, path);
    if (rc < 0)
        return rc;
    if (out_id)
        memcpy(out_id, git_tree_entry_id(entry), sizeof(*out_id));
    if (out_mode)
        *out_mode = (unsigned)git_tree_entry_filemode(entry);
    git_tree_entry_free(entry);
    return DK_OK;
}

int dk_git_file_read(char **out, size_t *out_len, unsigned *out_mode, dk_git_repo *repo,
                     const dk_oid *at, const char *path)
{
    git_tree_entry *entry = NULL;
    dk_oid id;
    int rc = tree_entry_at(&entry, repo, at, path);
    if (rc < 0)
        return rc;

    unsigned mode = (unsigned)git_tree_entry_filemode(entry);
    memcpy(&id, git_tree_entry_id(entry), sizeof(id));
    git_tree_entry_free(entry);

    if (mode == DK_GIT_MODE_TREE)
        return dk_error_set(DK_EINVALID, "'%s' is a directory", path);
    if (mode == DK_GIT_MODE_GITLINK)
        return dk_error_set(DK_EINVALID, "'%s' is a submodule", path);
    if ((rc = dk_git_blob_read(out, out_len, repo, &id)) < 0)
        return rc;
    if (out_mode)
        *out_mode = mode;
    return DK_OK;
}

/* ---- listing ------------------------------------------------------------ */

struct list_ctx {
    dk_git_files *out;
    /* reused buffer for root + name */
    dk_str path;
};

static int list_cb(const char *root, const git_tree_entry *entry, void *payload)
{
    struct list_ctx *cx = payload;
    if (git_tree_entry_type(entry) == GIT_OBJECT_TREE)
        return 0; /* descend; directories are not listed */

    dk_str_clear(&cx->path);
    dk_str_adds(&cx->path, root);
    dk_str_adds(&cx->path, git_tree_entry_name(entry));

    dk_git_file *f = dk_vec_push_zero(cx->out);
    f->path = dk_xstrndup(cx->path.ptr, cx->path.len);
    memcpy(&f->id, git_tree_entry_id(entry), sizeof(f->id));
    f->mode = (unsigned)git_tree_entry_filemode(entry);
    return 0;
}

int dk_git_files_list(dk_git_files *out, dk_git_repo *repo, const dk_oid *at)
{
    git_tree *tree = NULL;
    struct list_ctx cx = {.out = out, .path = DK_STR_INIT};
    int rc;

    if ((rc = tree_lookup_peeled(&tree, dk_git_repo_raw(repo), at)) < 0)
        goto out;
    rc = git_tree_walk(tree, GIT_TREEWALK_PRE, list_cb, &cx);
    if (rc < 0)
        rc = tree_git_error(rc, "walk tree", at);
    git_tree_free(tree);
out:
    dk_str_release(&cx.path);
    if (rc < 0)
        dk_git_files_release(out);
    return rc;
}

void dk_git_files_release(dk_git_files *files)
{
    dk_vec_foreach(files, dk_git_file *, f) {
        free(f->path);
    }
    dk_vec_release(files);
}
