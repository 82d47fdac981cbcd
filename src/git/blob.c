/*
 * git/blob.c - writing and reading blobs.
 *
 * Blobs are content-addressed: writing the same bytes twice gives the same
 * id and one object. Reads copy the content out of libgit2's object cache
 * into a malloc'd buffer with one trailing NUL, so the caller owns plain
 * memory and no libgit2 object outlives the call.
 *
 * Conventions: sizes are size_t end to end; libgit2 reports blob sizes as
 * git_object_size_t (64-bit), checked against SIZE_MAX before copying.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "git/git.h"
#include "util/alloc.h"

#include "util/banned.h"

int dk_git_blob_write(dk_oid *out, dk_git_repo *repo, const void *data, size_t len)
{
    git_oid id;
    int rc;

    if (!data && len > 0)
        return dk_error_set(DK_EINVALID, "blob data is NULL with length %zu", len);
    /* libgit2 wants a valid pointer even for zero bytes */
    rc = git_blob_create_from_buffer(&id, dk_git_repo_raw(repo), data ? data : "", len);
    if (rc < 0)
        return dk_error_from_git(rc, "write blob");
    memcpy(out, &id, sizeof(*out));
    return DK_OK;
}

int dk_git_blob_id(dk_oid *out, const void *data, size_t len)
{
    git_oid id;
    int rc = dk_git_global_init();
    if (rc)
        return rc;
    if (!data && len > 0)
        return dk_error_set(DK_EINVALID, "blob data is NULL with length %zu", len);
    rc = git_odb_hash(&id, data ? data : "", len, GIT_OBJECT_BLOB);
    if (rc < 0)
        return dk_error_from_git(rc, "hash blob");
    memcpy(out, &id, sizeof(*out));
    return DK_OK;
}

int dk_git_blob_read(char **out, size_t *out_len, dk_git_repo *repo, const dk_oid *id)
{
    git_blob *blob = NULL;
    git_oid gid;
    char hex[DK_OID_HEXSZ + 1];
    int rc;

    memcpy(&gid, id, sizeof(gid));
    rc = git_blob_lookup(&blob, dk_git_repo_raw(repo), &gid);
    if (rc < 0) {
        char what[64];
        dk_oid_to_hex(hex, id);
        snprintf(what, sizeof(what), "read blob %s", hex);
        return dk_error_from_git(rc, what);
    }

    git_object_size_t size = git_blob_rawsize(blob);
    if (size >= SIZE_MAX) {
        rc = dk_error_set(DK_ELIMIT, "blob too large for this platform");
        goto out;
    }
    char *buf = dk_xmalloc((size_t)size + 1);
    if (size > 0)
        memcpy(buf, git_blob_rawcontent(blob), (size_t)size);
    buf[size] = '\0';
    *out = buf;
    *out_len = (size_t)size;
    rc = DK_OK;
out:
    git_blob_free(blob);
    return rc;
}
