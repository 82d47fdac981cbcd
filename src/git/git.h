/*
 * git/git.h - dk's wrapper over libgit2 1.5: repositories, object ids, blobs,
 * trees built from path edits, commits, branch compare-and-swap, merge base
 * and the line-level three-way merge of one file.
 *
 * This is an internal header (src/), used by the merge, engine and cli
 * layers. It includes no libgit2 header and exposes no libgit2 type: object
 * ids are the plain value type dk_oid and repositories the opaque
 * dk_git_repo. The one exception is dk_git_repo_raw(), an escape hatch that
 * names `struct git_repository` only as an incomplete type.
 *
 * Conventions for every function below, unless its comment says otherwise:
 *  - Errors: returns DK_OK or a negative dk_err_code and records a one-line
 *    message (for libgit2 failures "what: <libgit2 message>") in the calling
 *    thread's error slot (dk_error_last()).
 *  - Ownership: outputs belong to the caller. Byte buffers are malloc'd and
 *    released with free(); structs holding allocations have a _release.
 *    Inputs are borrowed for the duration of the call only.
 *  - Threads: a dk_git_repo is used by one thread at a time (libgit2 objects
 *    are not thread-safe). Open one handle per thread or guard a handle with a
 *    lock; several handles on one repository, in one or many processes, are
 *    safe (objects are content-addressed, refs are protected by lock files).
 *    dk_oid values and the repository-less dk_git_merge_file are free to use
 *    from any thread.
 *  - Modes are git's octal file modes (DK_GIT_MODE_*); paths are
 *    repository-relative, '/'-separated, checked with dk_path_validate.
 */
#ifndef DK_GIT_GIT_H
#define DK_GIT_GIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/errors.h"

#include "util/str.h"
#include "util/vec.h"

/* ========================================================================== */
/* Library set-up and errors                                                  */
/* ========================================================================== */

/**
 * Make sure libgit2 is initialised (once per process), applying no policy:
 * the application's dk_global_init (dk/dk.h) decides process-wide settings
 * such as ignoring the user's and the system's git configuration.
 *
 * Every function that needs libgit2 calls this itself. Thread-safe,
 * idempotent.
 *
 * @return DK_OK, or DK_ERROR if libgit2 could not be initialised (tried
 *         again by the next call).
 */
int dk_git_global_init(void);

/**
 * Translate a libgit2 failure into a dk error and record it.
 *
 * Maps GIT_ENOTFOUND and GIT_EUNBORNBRANCH to DK_ENOTFOUND, GIT_EEXISTS to
 * DK_EEXISTS, GIT_EMODIFIED and GIT_ELOCKED to DK_ERACE, GIT_EINVALIDSPEC to
 * DK_EINVALID and everything else to DK_ERROR. The message recorded is
 * "<what>: <git_error_last() message>" (or "<what>: libgit2 error <rc>").
 * Must be called on the thread where the libgit2 call failed, before any
 * other libgit2 call (libgit2's error slot is thread-local too).
 *
 * @param git_rc the negative return code of the libgit2 call
 * @param what   what was being done, e.g. "open repository '/x'"; not NULL
 * @return the dk code, so callers can `return dk_error_from_git(rc, "...")`
 */
int dk_error_from_git(int git_rc, const char *what);

/* ========================================================================== */
/* Object ids                                                                 */
/* ========================================================================== */

#define DK_OID_RAWSZ 20
/** Length of the hex form, without the terminator. */
#define DK_OID_HEXSZ 40

/** A SHA-1 object id: a plain value, copy it freely, safe on any thread. */
typedef struct dk_oid {
    /* the 20 raw bytes, as git stores them */
    unsigned char id[DK_OID_RAWSZ];
} dk_oid;

/**
 * Write the 40 lowercase hex digits of `id` and a NUL into `out`.
 * @param[out] out at least DK_OID_HEXSZ + 1 bytes
 */
void dk_oid_to_hex(char *out, const dk_oid *id);

/**
 * Parse exactly 40 hex digits (either case) from `hex` (`len` bytes).
 * @param[out] out untouched on failure
 * @return DK_OK, or DK_EINVALID if the length is not 40 or a byte is not hex
 */
int dk_oid_from_hex(dk_oid *out, const char *hex, size_t len);

/** True if both ids are the same. */
bool dk_oid_is_equal(const dk_oid *a, const dk_oid *b);

/** True if every byte is zero (git's "null oid", never a real object). */
bool dk_oid_is_zero(const dk_oid *id);

/** memcmp-style order of the raw bytes (the order of the hex forms). */
int dk_oid_cmp(const dk_oid *a, const dk_oid *b);

/* ========================================================================== */
/* Repositories                                                               */
/* ========================================================================== */

/** An open repository: owns a libgit2 repository. One thread at a time. */
typedef struct dk_git_repo dk_git_repo;

/** git file modes (the values are the octal modes git stores). */
typedef enum dk_git_mode {
    DK_GIT_MODE_NONE = 0,
    DK_GIT_MODE_TREE = 0040000,
    DK_GIT_MODE_FILE = 0100644,
    DK_GIT_MODE_EXEC = 0100755,
    DK_GIT_MODE_LINK = 0120000,
    DK_GIT_MODE_GITLINK = 0160000,
} dk_git_mode;

/**
 * Create a new bare repository at `path` (parents created as needed) whose
 * HEAD points at the unborn branch "main".
 *
 * @param[out] out the open repository; close with dk_git_repo_close
 * @return DK_OK; DK_EEXISTS if a repository already exists there (use
 *         dk_git_repo_open); DK_EINVALID for an empty path; DK_ERROR otherwise
 */
int dk_git_repo_init(dk_git_repo **out, const char *path);

/**
 * Open an existing repository, bare (`path` is the git directory) or not
 * (`path` is the top of the work tree, or its .git directory). Parent
 * directories are not searched: `path` must be the repository itself.
 *
 * @param[out] out the open repository; close with dk_git_repo_close
 * @return DK_OK; DK_ENOTFOUND if there is no repository at `path`;
 *         DK_EINVALID for an empty path; DK_ERROR otherwise
 */
int dk_git_repo_open(dk_git_repo **out, const char *path);

/** Close the repository and free the handle. NULL is a no-op. */
void dk_git_repo_close(dk_git_repo *repo);

/**
 * The value of configuration `key` ("merge.conflictstyle") as a git command
 * run in the current directory sees it: the repository is found as git
 * finds it (GIT_DIR, discovery upwards), every configuration level is read.
 * @param[out] out malloc'd value (caller frees), NULL on error
 * @return DK_OK; DK_ENOTFOUND outside a repository or when the key is not
 *         set; DK_ERROR when the repository or its configuration cannot be
 *         read
 */
int dk_git_config_discover_string(char **out, const char *key);

/** True if the repository has no work tree. */
bool dk_git_repo_is_bare(const dk_git_repo *repo);

/**
 * The git directory, with a trailing '/'. Borrowed: valid until close.
 */
const char *dk_git_repo_path(const dk_git_repo *repo);

/**
 * The top of the work tree with a trailing '/', or NULL for a bare
 * repository. Borrowed: valid until close.
 */
const char *dk_git_repo_workdir(const dk_git_repo *repo);

struct git_repository;

/**
 * The underlying libgit2 repository, for src/git/ and for the rare caller that
 * needs a libgit2 call dk does not wrap. Borrowed: never free it; the same
 * one-thread-at-a-time rule applies.
 */
struct git_repository *dk_git_repo_raw(dk_git_repo *repo);

/* ========================================================================== */
/* Blobs                                                                      */
/* ========================================================================== */

/**
 * Store `len` bytes (any content, empty allowed; `data` may be NULL when
 * `len` is 0) as a blob.
 * @param[out] out the blob id (same content, same id)
 */
int dk_git_blob_write(dk_oid *out, dk_git_repo *repo, const void *data, size_t len);

/**
 * The blob id `len` bytes would have (git hash-object), without a
 * repository: the content id used to key symbol caches. Thread-safe.
 */
int dk_git_blob_id(dk_oid *out, const void *data, size_t len);

/**
 * Read a blob's content.
 * @param[out] out     malloc'd copy of the bytes, followed by one extra NUL
 *                     that is not counted in `out_len` (so text can be used as
 *                     a C string); free() it. Never NULL on success, even for
 *                     the empty blob.
 * @param[out] out_len the number of content bytes
 * @return DK_OK; DK_ENOTFOUND if there is no blob with that id
 */
int dk_git_blob_read(char **out, size_t *out_len, dk_git_repo *repo, const dk_oid *id);

/* ========================================================================== */
/* Reading trees                                                              */
/* ========================================================================== */

/**
 * The tree id of `at`: the tree of a commit, or `at` itself if it is a tree
 * (annotated tags are peeled).
 * @return DK_OK; DK_ENOTFOUND if there is no such object; DK_EINVALID if it
 *         is a blob
 */
int dk_git_tree_resolve(dk_oid *out, dk_git_repo *repo, const dk_oid *at);

/**
 * Look up the entry at `path` in a commit's tree.
 * `at` may be a commit id or a tree id (commits are peeled to their tree).
 * @param[out] out_id   the entry's object id (blob, tree, or the submodule's
 *                      commit for a gitlink); may be NULL
 * @param[out] out_mode the entry's mode (DK_GIT_MODE_*); may be NULL
 * @return DK_OK; DK_ENOTFOUND if `at` or the path does not exist;
 *         DK_EINVALID if `path` fails dk_path_validate
 */
int dk_git_file_lookup(dk_oid *out_id, unsigned *out_mode, dk_git_repo *repo, const dk_oid *at,
                       const char *path);

/**
 * Read the content of the file at `path` in a commit (or tree) `at`.
 * For a symlink the content is the link target.
 * @param[out] out      as for dk_git_blob_read: malloc'd, NUL-terminated
 * @param[out] out_len  the number of content bytes
 * @param[out] out_mode DK_GIT_MODE_FILE, _EXEC or _LINK; may be NULL
 * @return DK_OK; DK_ENOTFOUND if `at` or the path does not exist;
 *         DK_EINVALID if `path` is invalid, a directory or a submodule
 */
int dk_git_file_read(char **out, size_t *out_len, unsigned *out_mode, dk_git_repo *repo,
                     const dk_oid *at, const char *path);

/** One non-directory entry of a tree, listed recursively. */
typedef struct dk_git_file {
    /* full repository-relative path, malloc'd, owned by the list */
    char *path;
    /* blob id, or the submodule's commit id for a gitlink */
    dk_oid id;
    /* DK_GIT_MODE_FILE, _EXEC, _LINK or _GITLINK */
    unsigned mode;
} dk_git_file;

/** A list of files; release with dk_git_files_release. */
typedef dk_vec(dk_git_file) dk_git_files;

#define DK_GIT_FILES_INIT DK_VEC_INIT

/**
 * List every file (blobs, symlinks and gitlinks; not directories) under the
 * tree of `at` (a commit or tree id), in git order: bytewise order of the
 * full paths, the order of `git ls-tree -r`.
 * @param[out] out a list initialised with DK_GIT_FILES_INIT; entries are
 *                 appended. On failure it is released.
 * @return DK_OK; DK_ENOTFOUND if `at` does not exist
 */
int dk_git_files_list(dk_git_files *out, dk_git_repo *repo, const dk_oid *at);

/** Free every path and the array; leaves `files` empty and reusable. */
void dk_git_files_release(dk_git_files *files);

/* ========================================================================== */
/* Building trees                                                             */
/* ========================================================================== */

/** What a dk_git_edit does to its path. */
typedef enum dk_git_edit_op {
    /* create or replace the entry at path with {id, mode} */
    DK_GIT_EDIT_UPSERT = 0,
    /* remove the entry at path (file or whole directory), if present */
    DK_GIT_EDIT_DELETE = 1,
} dk_git_edit_op;

/** One change to a tree. */
typedef struct dk_git_edit {
    /* repository-relative path; borrowed */
    const char *path;
    dk_git_edit_op op;
    /* UPSERT: the blob id (the submodule commit for a gitlink) */
    dk_oid id;
    /* UPSERT: DK_GIT_MODE_FILE, _EXEC, _LINK or _GITLINK */
    unsigned mode;
} dk_git_edit;

/**
 * Write a new tree: `base` with `edits` applied, and return its id. No index
 * or work tree is involved; only the trees along the edited paths are read
 * and rewritten, and the result is written to the object database (no ref
 * changes).
 *
 * Semantics:
 *  - An UPSERT replaces whatever is at its path, a directory included
 *    (directory -> file). An UPSERT below an existing file replaces that file
 *    with a directory (file -> directory).
 *  - A DELETE removes a file, or a whole directory. Deleting a path that does
 *    not exist is a no-op, not an error: a delete says "nothing here in the
 *    result", which stays true when applied twice or on a base that already
 *    lost the file (edits are re-applied on moving bases).
 *  - A directory left empty is removed, up to the root; an empty result is
 *    the empty tree.
 *  - Entries not touched, gitlinks included, pass through unchanged.
 *  - The edits are a set: their order does not matter. The same path twice,
 *    or an UPSERT of a path that is also a directory of another edit, is
 *    DK_EINVALID. A DELETE of "a" together with UPSERTs under "a/" means
 *    "replace a by this new directory".
 *
 * Every edit is checked before anything is written: paths with
 * dk_path_validate, modes against the list above, blob ids for existence.
 *
 * @param[out] out  the new tree's id
 * @param base      a tree or commit id to start from, or NULL for the empty tree
 * @param edits     `nedits` edits (may be 0: the result is base's tree)
 * @return DK_OK; DK_EINVALID for a bad path, mode or edit set (nothing
 *         written); DK_ENOTFOUND if `base` or an upserted blob does not exist
 */
int dk_git_tree_build(dk_oid *out, dk_git_repo *repo, const dk_oid *base, const dk_git_edit *edits,
                      size_t nedits);

/* ========================================================================== */
/* Commits, revisions, branches                                               */
/* ========================================================================== */

/** Options of dk_git_commit_write. Initialise with DK_GIT_COMMIT_OPTS_INIT. */
typedef struct dk_git_commit_opts {
    /* DK_GIT_COMMIT_OPTS_VERSION */
    unsigned version;
    /* author identity; both required, non-empty, without '<' '>' '\n' */
    const char *author_name;
    const char *author_email;
    /* committer identity; NULL: same as the author */
    const char *committer_name;
    const char *committer_email;
    /* use `time` / `tz_offset` instead of the clock (deterministic ids) */
    bool fixed_time;
    /* seconds since the epoch, used when fixed_time */
    int64_t time;
    /* minutes east of UTC, used when fixed_time */
    int tz_offset;
} dk_git_commit_opts;

#define DK_GIT_COMMIT_OPTS_VERSION 1
#define DK_GIT_COMMIT_OPTS_INIT                                                                    \
    {                                                                                              \
        .version = DK_GIT_COMMIT_OPTS_VERSION                                                      \
    }

/**
 * Write a commit object. No ref moves: publish it with dk_git_branch_cas.
 * @param[out] out     the commit id
 * @param tree         the commit's tree (must exist)
 * @param parents      `nparents` commit ids (may be NULL when 0: a root commit)
 * @param message      the message, stored as given; not NULL
 * @return DK_OK; DK_EINVALID for bad options or identities; DK_ENOTFOUND if
 *         the tree or a parent does not exist
 */
int dk_git_commit_write(dk_oid *out, dk_git_repo *repo, const dk_oid *tree, const dk_oid *parents,
                        size_t nparents, const char *message, const dk_git_commit_opts *opts);

/**
 * Resolve a revision (anything git rev-parse takes: "main", "refs/heads/x",
 * "HEAD~2", a hex id or prefix, "v1^{commit}") to a commit id, peeling tags.
 * @return DK_OK; DK_ENOTFOUND if it names nothing (or an unborn HEAD);
 *         DK_EINVALID for a malformed revision or one that is not a commit
 */
int dk_git_rev_resolve(dk_oid *out, dk_git_repo *repo, const char *spec);

/**
 * The commit a branch points at.
 * @param branch a short name ("main") or a full ref name ("refs/heads/main")
 * @return DK_OK; DK_ENOTFOUND if the branch does not exist; DK_EINVALID for
 *         a malformed name
 */
int dk_git_branch_read(dk_oid *out, dk_git_repo *repo, const char *branch);

/**
 * Move a branch from `expected` to `new_id`, atomically (compare-and-swap).
 *
 * With `expected` == NULL the branch must not exist and is created. The
 * update is atomic against every other writer (threads, processes, git
 * itself): libgit2 takes the ref's lock file and compares under it.
 *
 * @param branch   a short or full branch name, as for dk_git_branch_read
 * @param expected the value the caller last read, or NULL for "absent"
 * @param new_id   the commit to point at (must exist)
 * @param log_msg  reflog message (used if the repository keeps reflogs);
 *                 may be NULL
 * @return DK_OK; DK_ERACE if the branch no longer has the expected value (it
 *         moved, was created, or was deleted) or another writer holds its
 *         lock: re-read and retry; DK_EINVALID for a malformed name;
 *         DK_ENOTFOUND if `new_id` is not a commit in the repository
 */
int dk_git_branch_cas(dk_git_repo *repo, const char *branch, const dk_oid *expected,
                      const dk_oid *new_id, const char *log_msg);

/* A ref lock file this many seconds old was left by a dead process (a live
 * writer holds one for the moment of a small write and a rename). */
#define DK_GIT_STALE_LOCK_S 10

/**
 * Remove the lock file of ref `refname` (<gitdir>/<refname>.lock), or else
 * <gitdir>/packed-refs.lock, when it is older than DK_GIT_STALE_LOCK_S: the
 * lock of a process killed while it wrote the ref, which would make libgit2
 * refuse every later update of the ref (GIT_ELOCKED). Call it after an update
 * failed with GIT_ELOCKED and try the update once more when it returns 1.
 * Reapers are serialised by a flock on <gitdir>/dk-reap.lock; a younger lock
 * (a live writer's) is never removed. Logs a warning for each removal.
 * dk_git_branch_cas does this itself.
 *
 * @param refname a full ref name ("refs/...")
 * @return 1 a stale lock was removed; 0 none (absent or younger); DK_EINVALID
 *         for a malformed name; DK_ERROR for an I/O failure
 */
int dk_git_ref_lock_reap(dk_git_repo *repo, const char *refname);

/**
 * The best common ancestor of two commits (git merge-base).
 * @return DK_OK; DK_ENOTFOUND if they share no history or one is missing
 */
int dk_git_merge_base(dk_oid *out, dk_git_repo *repo, const dk_oid *a, const dk_oid *b);

/* ========================================================================== */
/* Three-way merge of one file                                                */
/* ========================================================================== */

/** How conflicts are written (git's merge.conflictStyle). */
typedef enum dk_git_merge_style {
    /* <<<<<<< ours ======= theirs >>>>>>> */
    DK_GIT_MERGE_STYLE_MERGE = 0,
    /* adds ||||||| base between ours and theirs */
    DK_GIT_MERGE_STYLE_DIFF3 = 1,
    /* diff3, with lines common to both sides moved out of the conflict */
    DK_GIT_MERGE_STYLE_ZDIFF3 = 2,
} dk_git_merge_style;

/** One side of a file merge: bytes plus mode, no repository needed. */
typedef struct dk_git_merge_input {
    /* content (need not be NUL-terminated); may be NULL when len is 0 */
    const char *ptr;
    size_t len;
    /* file mode; 0 means DK_GIT_MODE_FILE */
    unsigned mode;
} dk_git_merge_input;

/** Options of dk_git_merge_file. Initialise with DK_GIT_MERGE_FILE_OPTS_INIT. */
typedef struct dk_git_merge_file_opts {
    /* DK_GIT_MERGE_FILE_OPTS_VERSION */
    unsigned version;
    /* conflict marker labels; NULL: "base", "ours", "theirs" */
    const char *base_label;
    const char *our_label;
    const char *their_label;
    dk_git_merge_style style;
    /* length of the conflict markers, any size (xdiff's are 16-bit, see
     * merge_file.c); 0: git's default of 7 */
    unsigned marker_size;
} dk_git_merge_file_opts;

#define DK_GIT_MERGE_FILE_OPTS_VERSION 1
#define DK_GIT_MERGE_FILE_OPTS_INIT                                                                \
    {                                                                                              \
        .version = DK_GIT_MERGE_FILE_OPTS_VERSION                                                  \
    }

/**
 * One conflict block of a line merge, as byte offsets into the merged bytes,
 * recorded where xdiff wrote it (never guessed from marker lines, which the
 * inputs themselves may contain). Each section is [start, end).
 */
typedef struct dk_git_merge_conflict {
    /* the whole block: first byte of the <<<<<<< line .. after the >>>>>>> line */
    size_t start, end;
    /* our lines, between the <<<<<<< line and the ||||||| or ======= line */
    size_t ours_start, ours_end;
    /* the base lines after ||||||| (diff3, zdiff3); both SIZE_MAX otherwise */
    size_t base_start, base_end;
    /* their lines, between the ======= line and the >>>>>>> line */
    size_t theirs_start, theirs_end;
} dk_git_merge_conflict;

/** What dk_git_merge_file produces. Release with dk_git_merge_file_result_release. */
typedef struct dk_git_merge_file_result {
    /* true if merged without conflict (no markers in ptr) */
    bool clean;
    /* the merged mode, by git's rule: the side that changed it wins; if both
     * changed it differently, ours; with no base, executable if either is */
    unsigned mode;
    /* merged bytes, malloc'd, NUL-terminated (not counted in len) */
    char *ptr;
    size_t len;
    /* the conflict blocks in ptr, in order (malloc'd; NULL when clean) */
    dk_git_merge_conflict *conflicts;
    size_t nconflicts;
} dk_git_merge_file_result;

/**
 * Line-level three-way merge of one file with git's xdiff (git merge-file).
 * Pure: no repository, safe on any thread.
 * A conflict is not an error: the call succeeds with `clean` false and the
 * markers in the result. Binary content (a NUL byte in the first 8000 bytes
 * of a side) is merged only when trivial: both sides equal, or one side
 * equal to the base.
 *
 * @param[out] out  filled on success; release with
 *                  dk_git_merge_file_result_release
 * @param base      the common ancestor, or NULL when there is none (both
 *                  sides added the file)
 * @param opts      may be NULL for the defaults
 * The markers are byte for byte xdiff's (git merge-file's) with the given
 * labels and size, whatever the labels hold (empty, newlines) and whatever
 * marker-like lines the inputs hold; out->conflicts says where each block is.
 *
 * @return DK_OK; DK_EINVALID for a NULL side, a bad options version or
 *         style; DK_EBINARY for binary content changed on both sides;
 *         DK_ELIMIT when an input line opens with 65,535 or more marker
 *         characters; DK_ERROR if xdiff fails (e.g. input too large)
 */
int dk_git_merge_file(dk_git_merge_file_result *out, const dk_git_merge_input *base,
                      const dk_git_merge_input *ours, const dk_git_merge_input *theirs,
                      const dk_git_merge_file_opts *opts);

/** Free the merged bytes; NULL or an already released result is fine. */
void dk_git_merge_file_result_release(dk_git_merge_file_result *res);

/* ========================================================================== */
/* History: merge commits and the files two commits differ in (history.c)     */
/* ========================================================================== */

/** A two-parent merge commit whose parents have exactly one merge base. */
typedef struct dk_git_merge_info {
    /* the merge commit itself */
    dk_oid merge;
    /* its first parent (the branch merged into) */
    dk_oid ours;
    /* its second parent (the branch merged in) */
    dk_oid theirs;
    /* the one merge base of ours and theirs */
    dk_oid base;
} dk_git_merge_info;

/** A list of merges; release with dk_vec_release. */
typedef dk_vec(dk_git_merge_info) dk_git_merges;

#define DK_GIT_MERGES_INIT DK_VEC_INIT

/** What dk_git_merges_list passed over, for reporting. */
typedef struct dk_git_merges_skipped {
    /* merges with three or more parents */
    size_t octopus;
    /* two-parent merges whose parents have several merge bases (criss-cross) */
    size_t multiple_bases;
    /* two-parent merges whose parents share no history */
    size_t unrelated;
} dk_git_merges_skipped;

/**
 * List the two-parent merge commits reachable from `from`, newest first
 * (committer time, as `git log`), keeping those whose parents have exactly
 * one merge base (as `git merge-base --all`). Octopus merges, criss-cross
 * merges (several bases) and merges of unrelated histories are passed over
 * and counted in `skipped`.
 *
 * @param[out] out     a list initialised with DK_GIT_MERGES_INIT; merges are
 *                     appended. On failure it is released.
 * @param[out] skipped counts of the merges passed over, added to; may be NULL
 * @param from         the commit to start from (included if a merge)
 * @param max          stop after this many merges are kept; 0: no limit
 * @return DK_OK; DK_ENOTFOUND if `from` is not a commit in the repository;
 *         DK_ERROR if the history cannot be read (e.g. a shallow clone's
 *         missing parents)
 */
int dk_git_merges_list(dk_git_merges *out, dk_git_merges_skipped *skipped, dk_git_repo *repo,
                       const dk_oid *from, size_t max);

/** How a file differs between two commits (no rename detection). */
typedef enum dk_git_change_kind {
    /* only in `to` */
    DK_GIT_CHANGE_ADDED = 0,
    /* only in `from` */
    DK_GIT_CHANGE_DELETED = 1,
    /* in both, same kind of entry, other content or mode */
    DK_GIT_CHANGE_MODIFIED = 2,
    /* in both, but the kind of entry changed (file, symlink, submodule) */
    DK_GIT_CHANGE_TYPECHANGE = 3,
} dk_git_change_kind;

/** One file that differs between two commits. */
typedef struct dk_git_change {
    /* repository-relative path, malloc'd, owned by the list */
    char *path;
    dk_git_change_kind kind;
    /* the entry in `from` and in `to`; zero id and mode 0 where absent */
    dk_oid old_id;
    dk_oid new_id;
    unsigned old_mode;
    unsigned new_mode;
} dk_git_change;

/** A list of changes; release with dk_git_changes_release. */
typedef dk_vec(dk_git_change) dk_git_changes;

#define DK_GIT_CHANGES_INIT DK_VEC_INIT

/**
 * List the files (blobs, symlinks, gitlinks) that differ between the trees
 * of `from` and `to` (commit or tree ids), as git diff-tree -r --no-renames:
 * a rename is a deletion plus an addition, each path appears at most once,
 * and the list is in bytewise order of the paths. Only trees are compared;
 * no blob is read.
 *
 * @param[out] out a list initialised with DK_GIT_CHANGES_INIT; changes are
 *                 appended. On failure it is released.
 * @return DK_OK; DK_ENOTFOUND if `from` or `to` does not exist; DK_EINVALID
 *         if one is a blob
 */
int dk_git_changes_list(dk_git_changes *out, dk_git_repo *repo, const dk_oid *from,
                        const dk_oid *to);

/**
 * The changes from `from` to `to` (trees or commits) as a unified patch
 * (git diff's format, three lines of context; binary files named, not
 * shown), appended to `out`, at most about `max` bytes (0: no limit).
 * @param[out] truncated may be NULL; true when the patch was cut at `max`
 * @return DK_OK; DK_ENOTFOUND for a missing object; DK_ERROR
 */
int dk_git_diff_patch(dk_str *out, bool *truncated, dk_git_repo *repo, const dk_oid *from,
                      const dk_oid *to, size_t max);

/** Free every path and the array; leaves `changes` empty and reusable. */
void dk_git_changes_release(dk_git_changes *changes);

#endif
