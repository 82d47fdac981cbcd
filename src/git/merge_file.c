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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "git/git.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/vec.h"

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

/* ------------------------------------------------------------------------ */
/* Conflict markers                                                          */
/* ------------------------------------------------------------------------ */

/*
 * libgit2 says only whether a merge is clean, not where its conflicts are,
 * and reading its markers back is unreliable: a label may be empty or hold a
 * newline, and an input may hold lines such as "=======" (an RST underline)
 * that look like markers. So xdiff is run with private markers no input line
 * can be mistaken for: a size one more than the longest run of one marker
 * character opening any input line (at least git's 7), and one-letter
 * labels. Every line of its output that opens with that many marker
 * characters is then a marker xdiff wrote. Each is rewritten as xdiff writes
 * it with the caller's size and labels (the marker run, then " " and the
 * label for <, | and > even when the label is empty, then the line's own
 * "\n" or "\r\n"), and the blocks are recorded on the way.
 *
 * xdiff's merge does not depend on the marker size or the labels: they are
 * used only when a conflict hunk is written out. So the bytes are the ones
 * git merge-file writes, for any marker size, also over libgit2's 16-bit
 * limit.
 */

#define DK_GIT_DEFAULT_MARKER_SIZE 7

static bool merge_is_marker_char(char c)
{
    return c == '<' || c == '|' || c == '=' || c == '>';
}

/* Longest run of one marker character that opens a line of `in`. */
static size_t merge_marker_run(const dk_git_merge_input *in)
{
    if (!in || !in->ptr)
        return 0;
    size_t best = 0, i = 0;
    while (i < in->len) {
        size_t k = 0;
        while (i + k < in->len && merge_is_marker_char(in->ptr[i]) && in->ptr[i + k] == in->ptr[i])
            k++;
        if (k > best)
            best = k;
        const char *nl = memchr(in->ptr + i + k, '\n', in->len - i - k);
        if (!nl)
            break;
        i = (size_t)(nl - in->ptr) + 1;
    }
    return best;
}

/* Copy xdiff's output `src` into out->ptr with the caller's markers; record the blocks. */
static void merge_markers_rewrite(dk_git_merge_file_result *out, const char *src, size_t len,
                                  size_t private_size, const dk_git_merge_file_opts *opts)
{
    unsigned size = opts->marker_size ? opts->marker_size : DK_GIT_DEFAULT_MARKER_SIZE;
    const char *base_label = opts->base_label ? opts->base_label : "base";
    const char *our_label = opts->our_label ? opts->our_label : "ours";
    const char *their_label = opts->their_label ? opts->their_label : "theirs";
    dk_str text = DK_STR_INIT;
    dk_vec(dk_git_merge_conflict) blocks = DK_VEC_INIT;
    dk_git_merge_conflict *cur = NULL;
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(src + i, '\n', len - i);
        size_t next = nl ? (size_t)(nl - src) + 1 : len;
        char c = src[i];
        size_t k = 0;
        while (i + k < next && merge_is_marker_char(c) && src[i + k] == c)
            k++;
        if (k < private_size) {
            dk_str_add(&text, src + i, next - i);
            i = next;
            continue;
        }
        size_t at = text.len;
        for (unsigned n = 0; n < size; n++)
            dk_str_addch(&text, c);
        const char *label = c == '<'   ? our_label
                            : c == '|' ? base_label
                            : c == '>' ? their_label
                                       : NULL;
        if (label) {
            dk_str_addch(&text, ' ');
            dk_str_adds(&text, label);
        }
        if (nl && nl > src + i && nl[-1] == '\r')
            dk_str_addch(&text, '\r');
        if (nl)
            dk_str_addch(&text, '\n');
        if (c == '<') {
            cur = dk_vec_push_zero(&blocks);
            cur->start = at;
            cur->ours_start = text.len;
            cur->base_start = cur->base_end = SIZE_MAX;
        } else if (cur && c == '|') {
            cur->ours_end = at;
            cur->base_start = text.len;
        } else if (cur && c == '=') {
            if (cur->base_start == SIZE_MAX)
                cur->ours_end = at;
            else
                cur->base_end = at;
            cur->theirs_start = text.len;
        } else if (cur && c == '>') {
            cur->theirs_end = at;
            cur->end = text.len;
            cur = NULL;
        }
        i = next;
    }
    out->ptr = dk_str_detach(&text, &out->len);
    out->conflicts = blocks.items;
    out->nconflicts = blocks.len;
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
    /*
     * libgit2's _INIT macros initialise by position; its _init() functions are
     * the form that stays clean under -Wmissing-field-initializers.
     */
    git_merge_file_input gbase, gours, gtheirs;
    git_merge_file_options gopts;
    git_merge_file_result gres = {0};
    int rc;

    git_merge_file_input_init(&gbase, GIT_MERGE_FILE_INPUT_VERSION);
    git_merge_file_input_init(&gours, GIT_MERGE_FILE_INPUT_VERSION);
    git_merge_file_input_init(&gtheirs, GIT_MERGE_FILE_INPUT_VERSION);
    git_merge_file_options_init(&gopts, GIT_MERGE_FILE_OPTIONS_VERSION);

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
    /* xdiff writes our private markers (see merge_markers_rewrite) */
    size_t run = merge_marker_run(base);
    if (merge_marker_run(ours) > run)
        run = merge_marker_run(ours);
    if (merge_marker_run(theirs) > run)
        run = merge_marker_run(theirs);
    if (run >= UINT16_MAX)
        return dk_error_set(DK_ELIMIT, "a line opens with %zu conflict-marker characters", run);
    gopts.marker_size =
        (unsigned short)(run < DK_GIT_DEFAULT_MARKER_SIZE ? DK_GIT_DEFAULT_MARKER_SIZE : run + 1);
    gopts.ancestor_label = "b";
    gopts.our_label = "o";
    gopts.their_label = "t";
    if (base)
        merge_to_git(&gbase, base);
    merge_to_git(&gours, ours);
    merge_to_git(&gtheirs, theirs);

    rc = git_merge_file(&gres, base ? &gbase : NULL, &gours, &gtheirs, &gopts);
    if (rc < 0) {
        rc = dk_error_from_git(rc, "merge file");
        goto out;
    }
    merge_markers_rewrite(out, gres.ptr, gres.len, gopts.marker_size, opts);
    out->clean = gres.automergeable != 0 && out->nconflicts == 0;
    out->mode = gres.mode;
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
    free(res->conflicts);
    memset(res, 0, sizeof(*res));
}
