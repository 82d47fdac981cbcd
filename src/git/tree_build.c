/*
 * git/tree_build.c - a new tree from a base tree plus path edits, with no
 * index and no work tree.
 *
 * Why not git_tree_create_updated: in libgit2 1.5 it refuses file <-> directory
 * replacement ("D/F conflict", "cannot replace 'blob' with 'tree'") and fails
 * when a delete names a missing entry, both of which dk needs. Why not an
 * in-memory git_index: git_index_read_tree loads every path of the base, so
 * each build would cost O(files in the repository). The recursive treebuilder
 * below reads and rewrites only the trees along the edited paths:
 * O(edits x depth) objects.
 *
 * Algorithm. The edits are sorted by path with '/' ordered before every other
 * byte, so everything under "a/" directly follows "a" (plain strcmp would put
 * "a.c" between them). build_dir() then handles one directory level over a
 * sorted range, grouping edits by their first remaining component:
 *
 *   edits:  a  a/x  a/y/z  b.c        group "a" = {leaf "a"; children a/x, a/y/z}
 *           ^leaf  ^------children    group "b.c" = {leaf "b.c"}
 *
 *   - a group with only a leaf: upsert inserts (replacing a directory too),
 *     delete removes the entry if it is there;
 *   - a group with children: recurse into the existing subtree (or into an
 *     empty one when the entry is a file, or the leaf deletes it), then put
 *     the result back, or remove the entry if the subtree came out empty.
 *
 * Invariants: all validation (paths, modes, blob existence, duplicates,
 * "a" upserted while "a/x" is edited) happens before the first write, so a
 * rejected edit set writes nothing. Trees are written bottom-up; a failure
 * midway can only leave unreferenced objects, which git gc collects.
 *
 * Conventions: edits and their paths are borrowed from the caller; the sorted
 * array holds pointers into them.
 */
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "git/git.h"
#include "util/alloc.h"
#include "util/path.h"

#include "util/banned.h"

/* Compare paths component-wise: '/' sorts before every other byte. */
static int build_path_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (ca == '/')
            ca = 1;
        if (cb == '/')
            cb = 1;
        if (ca != cb)
            return ca < cb ? -1 : 1;
        if (ca == 0)
            return 0;
    }
}

static int build_edit_cmp(const void *pa, const void *pb)
{
    const dk_git_edit *a = *(const dk_git_edit *const *)pa;
    const dk_git_edit *b = *(const dk_git_edit *const *)pb;
    return build_path_cmp(a->path, b->path);
}

static bool build_mode_is_valid(unsigned mode)
{
    return mode == DK_GIT_MODE_FILE || mode == DK_GIT_MODE_EXEC || mode == DK_GIT_MODE_LINK ||
           mode == DK_GIT_MODE_GITLINK;
}

/* Check one edit on its own: path, op, mode, and that its blob exists. */
static int build_check_edit(git_odb *odb, const dk_git_edit *e)
{
    int rc;

    if (!e->path)
        return dk_error_set(DK_EINVALID, "edit has no path");
    if ((rc = dk_path_validate(e->path, strlen(e->path))) < 0)
        return rc;
    if (e->op == DK_GIT_EDIT_DELETE)
        return DK_OK;
    if (e->op != DK_GIT_EDIT_UPSERT)
        return dk_error_set(DK_EINVALID, "edit of '%s' has unknown op %d", e->path, (int)e->op);
    if (!build_mode_is_valid(e->mode))
        return dk_error_set(DK_EINVALID, "edit of '%s' has invalid mode %06o", e->path, e->mode);
    if (e->mode == DK_GIT_MODE_GITLINK)
        return DK_OK; /* the submodule's commit lives in another repository */

    git_oid gid;
    size_t size;
    git_object_t type;
    char hex[DK_OID_HEXSZ + 1];
    memcpy(&gid, &e->id, sizeof(gid));
    rc = git_odb_read_header(&size, &type, odb, &gid);
    if (rc == GIT_ENOTFOUND) {
        dk_oid_to_hex(hex, &e->id);
        return dk_error_set(DK_ENOTFOUND, "blob %s for '%s' not found", hex, e->path);
    }
    if (rc < 0)
        return dk_error_from_git(rc, "read object header");
    if (type != GIT_OBJECT_BLOB) {
        dk_oid_to_hex(hex, &e->id);
        return dk_error_set(DK_EINVALID, "object %s for '%s' is a %s, not a blob", hex, e->path,
                            git_object_type2string(type));
    }
    return DK_OK;
}

/* Check the sorted set: no duplicate path, no upsert that is also a directory. */
static int build_check_set(const dk_git_edit **sorted, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        const char *a = sorted[i]->path, *b = sorted[i + 1]->path;
        size_t alen = strlen(a);
        if (strcmp(a, b) == 0)
            return dk_error_set(DK_EINVALID, "path '%s' is edited twice", a);
        /* only the direct successor can start with "a/", given the order */
        if (sorted[i]->op == DK_GIT_EDIT_UPSERT && strncmp(a, b, alen) == 0 && b[alen] == '/')
            return dk_error_set(DK_EINVALID, "'%s' is written as a file and edited as a directory",
                                a);
    }
    return DK_OK;
}

/*
 * Apply the sorted edits[0..n) to the directory `base` (NULL: empty). All
 * their paths share the first `off` bytes, the directory's own prefix. Writes
 * the directory unless it ends up empty and is not the root; sets *out_count
 * to its number of entries.
 *
 * Why the case analysis on the existing entry when a group has children:
 * an existing directory is the base to recurse into; an existing file is
 * replaced by the new directory (file -> dir) only if the subtree comes out
 * non-empty, since deletes below a file delete nothing and must not remove
 * the file itself; a leaf delete ("a" with "a/x") starts the directory from
 * empty.
 */
static int build_dir(git_oid *out, size_t *out_count, git_repository *git, const git_tree *base,
                     const dk_git_edit **edits, size_t n, size_t off, bool root)
{
    git_treebuilder *bld = NULL;
    char *name = NULL;
    int rc;

    rc = git_treebuilder_new(&bld, git, base);
    if (rc < 0)
        return dk_error_from_git(rc, "create tree builder");

    for (size_t i = 0; i < n;) {
        const char *comp = edits[i]->path + off;
        size_t clen = strcspn(comp, "/");
        const dk_git_edit *leaf = comp[clen] == '\0' ? edits[i] : NULL;
        size_t first_child = leaf ? i + 1 : i;
        size_t j = first_child;

        /* the group: every edit whose component at `off` is `comp` */
        while (j < n && strncmp(edits[j]->path + off, comp, clen) == 0 &&
               edits[j]->path[off + clen] == '/')
            j++;

        free(name);
        name = dk_xstrndup(comp, clen);
        const git_tree_entry *existing = git_treebuilder_get(bld, name);

        if (leaf && first_child == j) {
            /* a leaf alone (without a leaf, the group holds at least edits[i]) */
            if (leaf->op == DK_GIT_EDIT_UPSERT) {
                git_oid gid;
                memcpy(&gid, &leaf->id, sizeof(gid));
                rc = git_treebuilder_insert(NULL, bld, name, &gid, (git_filemode_t)leaf->mode);
                if (rc < 0) {
                    rc = dk_error_from_git(rc, "insert tree entry");
                    goto out;
                }
            } else if (existing && (rc = git_treebuilder_remove(bld, name)) < 0) {
                rc = dk_error_from_git(rc, "remove tree entry");
                goto out;
            }
        } else {
            bool had_entry = existing != NULL;
            bool was_dir = existing && git_tree_entry_type(existing) == GIT_OBJECT_TREE;
            bool replace = leaf != NULL; /* a leaf here is a delete (build_check_set) */
            git_tree *sub = NULL;
            git_oid sub_id;
            size_t sub_count;

            if (was_dir && !replace) {
                rc = git_tree_lookup(&sub, git, git_tree_entry_id(existing));
                if (rc < 0) {
                    rc = dk_error_from_git(rc, "read subtree");
                    goto out;
                }
            }
            rc = build_dir(&sub_id, &sub_count, git, sub, edits + first_child, j - first_child,
                           off + clen + 1, false);
            git_tree_free(sub);
            if (rc < 0)
                goto out;

            if (sub_count > 0) {
                rc = git_treebuilder_insert(NULL, bld, name, &sub_id, GIT_FILEMODE_TREE);
                if (rc < 0) {
                    rc = dk_error_from_git(rc, "insert subtree");
                    goto out;
                }
            } else if (had_entry && (was_dir || replace)) {
                if ((rc = git_treebuilder_remove(bld, name)) < 0) {
                    rc = dk_error_from_git(rc, "remove tree entry");
                    goto out;
                }
            }
        }
        i = j;
    }

    *out_count = git_treebuilder_entrycount(bld);
    rc = DK_OK;
    if ((*out_count > 0 || root) && (rc = git_treebuilder_write(out, bld)) < 0)
        rc = dk_error_from_git(rc, "write tree");
out:
    free(name);
    git_treebuilder_free(bld);
    return rc;
}

int dk_git_tree_build(dk_oid *out, dk_git_repo *repo, const dk_oid *base, const dk_git_edit *edits,
                      size_t nedits)
{
    git_repository *git = dk_git_repo_raw(repo);
    const dk_git_edit **sorted = NULL;
    git_odb *odb = NULL;
    git_tree *base_tree = NULL;
    git_oid root;
    size_t count;
    int rc;

    if (nedits > 0 && !edits)
        return dk_error_set(DK_EINVALID, "edits is NULL with count %zu", nedits);
    if ((rc = git_repository_odb(&odb, git)) < 0)
        return dk_error_from_git(rc, "open object database");

    sorted = dk_xcalloc(nedits ? nedits : 1, sizeof(*sorted));
    for (size_t i = 0; i < nedits; i++) {
        if ((rc = build_check_edit(odb, &edits[i])) < 0)
            goto out;
        sorted[i] = &edits[i];
    }
    qsort(sorted, nedits, sizeof(*sorted), build_edit_cmp);
    if ((rc = build_check_set(sorted, nedits)) < 0)
        goto out;

    if (base) {
        dk_oid tree_id;
        git_oid gid;
        if ((rc = dk_git_tree_resolve(&tree_id, repo, base)) < 0)
            goto out;
        memcpy(&gid, &tree_id, sizeof(gid));
        if ((rc = git_tree_lookup(&base_tree, git, &gid)) < 0) {
            rc = dk_error_from_git(rc, "read base tree");
            goto out;
        }
    }

    if ((rc = build_dir(&root, &count, git, base_tree, sorted, nedits, 0, true)) < 0)
        goto out;
    memcpy(out, &root, sizeof(*out));
out:
    git_tree_free(base_tree);
    free(sorted);
    git_odb_free(odb);
    return rc;
}
