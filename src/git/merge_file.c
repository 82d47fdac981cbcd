/*
 * git/merge_file.c - line-level three-way merge of one file, on plain
 * buffers (git merge-file through libgit2's xdiff).
 *
 * No repository is involved, so this is the entry point the structured merge
 * falls back to for text it cannot parse, and it may run on any thread.
 *
 * Binary content (a NUL in the first 8000 bytes of any side, git's rule) is
 * not given to xdiff: libgit2 would return no content and no error for it.
 * The trivial cases are resolved here instead (both sides equal, or one side
 * unchanged from the base) and anything else is DK_EBINARY, so a caller
 * never mistakes "binary" for an empty merge.
 *
 * Conventions: the result is copied out of libgit2's buffer into malloc'd
 * memory with a trailing NUL; libgit2's result is freed before returning.
 */
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "git/git.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

static unsigned merge_input_mode(const dk_git_merge_input *in)
{
    return in->mode ? in->mode : DK_GIT_MODE_FILE;
}

static bool merge_input_is_binary(const dk_git_merge_input *in)
{
    return in && in->len > 0 && dk_buf_is_binary(in->ptr, in->len);
}

static bool merge_input_is_same(const dk_git_merge_input *a, const dk_git_merge_input *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

/* git's mode rule (libgit2 git_merge_file__best_mode), for the binary path. */
static unsigned merge_mode(const dk_git_merge_input *base, const dk_git_merge_input *ours,
                           const dk_git_merge_input *theirs)
{
    unsigned o = merge_input_mode(ours), t = merge_input_mode(theirs);
    if (!base)
        return o == DK_GIT_MODE_EXEC || t == DK_GIT_MODE_EXEC ? DK_GIT_MODE_EXEC : DK_GIT_MODE_FILE;
    return merge_input_mode(base) == o ? t : o;
}

static void merge_result_set(dk_git_merge_file_result *out, bool clean, unsigned mode,
                             const char *ptr, size_t len)
{
    out->clean = clean;
    out->mode = mode;
    out->ptr = dk_xmalloc(len + 1);
    if (len > 0)
        memcpy(out->ptr, ptr, len);
    out->ptr[len] = '\0';
    out->len = len;
}

/* Binary sides: only the trivial merges are possible. */
static int merge_binary(dk_git_merge_file_result *out, const dk_git_merge_input *base,
                        const dk_git_merge_input *ours, const dk_git_merge_input *theirs)
{
    const dk_git_merge_input *pick = NULL;
    if (merge_input_is_same(ours, theirs))
        pick = ours;
    else if (base && merge_input_is_same(base, ours))
        pick = theirs;
    else if (base && merge_input_is_same(base, theirs))
        pick = ours;
    if (!pick)
        return dk_error_set(DK_EBINARY, "binary file changed on both sides");
    merge_result_set(out, true, merge_mode(base, ours, theirs), pick->ptr, pick->len);
    return DK_OK;
}

static int merge_check_input(const dk_git_merge_input *in, const char *which)
{
    if (!in)
        return dk_error_set(DK_EINVALID, "merge input '%s' is NULL", which);
    if (!in->ptr && in->len > 0)
        return dk_error_set(DK_EINVALID, "merge input '%s' has no data", which);
    return DK_OK;
}

static void merge_to_git(git_merge_file_input *out, const dk_git_merge_input *in)
{
    out->ptr = in->ptr ? in->ptr : "";
    out->size = in->len;
    out->mode = merge_input_mode(in);
}

int dk_git_merge_file(dk_git_merge_file_result *out, const dk_git_merge_input *base,
                      const dk_git_merge_input *ours, const dk_git_merge_input *theirs,
                      const dk_git_merge_file_opts *opts)
{
    static const dk_git_merge_file_opts defaults = DK_GIT_MERGE_FILE_OPTS_INIT;
    git_merge_file_input gbase = GIT_MERGE_FILE_INPUT_INIT, gours = GIT_MERGE_FILE_INPUT_INIT,
                         gtheirs = GIT_MERGE_FILE_INPUT_INIT;
    git_merge_file_options gopts = GIT_MERGE_FILE_OPTIONS_INIT;
    git_merge_file_result gres = {0};
    int rc;

    memset(out, 0, sizeof(*out));
    if (!opts)
        opts = &defaults;
    if (opts->version != DK_GIT_MERGE_FILE_OPTS_VERSION)
        return dk_error_set(DK_EINVALID, "merge options of unknown version %u", opts->version);
    if ((base && (rc = merge_check_input(base, "base")) < 0) ||
        (rc = merge_check_input(ours, "ours")) < 0 ||
        (rc = merge_check_input(theirs, "theirs")) < 0)
        return rc;

    switch (opts->style) {
    case DK_GIT_MERGE_STYLE_MERGE:
        gopts.flags = GIT_MERGE_FILE_STYLE_MERGE;
        break;
    case DK_GIT_MERGE_STYLE_DIFF3:
        gopts.flags = GIT_MERGE_FILE_STYLE_DIFF3;
        break;
    case DK_GIT_MERGE_STYLE_ZDIFF3:
        gopts.flags = GIT_MERGE_FILE_STYLE_ZDIFF3;
        break;
    default:
        return dk_error_set(DK_EINVALID, "unknown merge style %d", (int)opts->style);
    }

    if (merge_input_is_binary(base) || merge_input_is_binary(ours) || merge_input_is_binary(theirs))
        return merge_binary(out, base, ours, theirs);

    if ((rc = dk_git_global_init()) < 0)
        return rc;
    gopts.ancestor_label = opts->base_label ? opts->base_label : "base";
    gopts.our_label = opts->our_label ? opts->our_label : "ours";
    gopts.their_label = opts->their_label ? opts->their_label : "theirs";
    if (opts->marker_size > UINT16_MAX)
        return dk_error_set(DK_EINVALID, "marker size %u is too large", opts->marker_size);
    gopts.marker_size = (unsigned short)opts->marker_size;
    if (base)
        merge_to_git(&gbase, base);
    merge_to_git(&gours, ours);
    merge_to_git(&gtheirs, theirs);

    rc = git_merge_file(&gres, base ? &gbase : NULL, &gours, &gtheirs, &gopts);
    if (rc < 0) {
        rc = dk_error_from_git(rc, "merge file");
        goto out;
    }
    merge_result_set(out, gres.automergeable != 0, gres.mode, gres.ptr, gres.len);
    rc = DK_OK;
out:
    git_merge_file_result_free(&gres);
    return rc;
}

void dk_git_merge_file_result_release(dk_git_merge_file_result *res)
{
    if (!res)
        return;
    free(res->ptr);
    memset(res, 0, sizeof(*res));
}
