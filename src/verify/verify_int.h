/*
 * verify/verify_int.h - what the files of the verification layer share:
 *
 *   scratch.c   the tree under test on disk, updated incrementally
 *   pipeline.c  .dk/pipeline.yaml (libyaml), auto-detection, argv, allow-list,
 *               changeset-aware scoping
 *   exec.c      one step: spawn without a shell, limits, timeout, capped output
 *   findings.c  structured findings from compiler / test-runner output
 *   review.c    the verdict an agent-review step's reviewer command printed
 *   semantic.c  public symbols removed or changed under their callers
 *   verify.c    dk_verify: the engine, the merge, the scheduler, the verdict
 *
 * Conventions: as src/git/git.h (DK_OK or a negative dk_err_code with the
 * message in dk_error_last(); outputs belong to the caller and are released
 * with the matching _release/_free; a dk_git_repo is used by one thread).
 */
#ifndef DK_VERIFY_VERIFY_INT_H
#define DK_VERIFY_VERIFY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/lang.h"
#include "dk/verify.h"

#include "git/git.h"
#include "util/vec.h"

/* ========================================================================== */
/* scratch.c                                                                  */
/* ========================================================================== */

/** What one dk_vfy_scratch_sync did. */
struct dk_vfy_sync_stats {
    /* files (and links) written */
    size_t written;
    /* paths removed (deleted from the tree, or in the way of a tree entry) */
    size_t removed;
    /* tracked files found changed on disk since the last sync (rewritten) */
    size_t repaired;
    /* whether the whole tree was listed (no usable manifest) */
    bool full;
};

/**
 * Make `<root>/tree` hold exactly the files of `tree` (a tree or commit id):
 * with the manifest `<root>/manifest` of the previous sync (tree id, and per
 * path blob id, mode, size, mtime, inode), only paths that differ between
 * the previous tree and `tree` are written or removed, and every tracked
 * file is lstat'ed so one a step modified is rewritten. Files the tree does
 * not track (build outputs) stay, unless they are in the way. Modes: 0644,
 * 0755 for executables, symlinks as symlinks, gitlinks as empty directories.
 * No write ever follows a symlink: a path component that is not a real
 * directory is removed first.
 * @param[out] stats may be NULL
 * @return DK_OK; DK_ENOTFOUND for a missing object; DK_ERROR for I/O
 */
int dk_vfy_scratch_sync(struct dk_vfy_sync_stats *stats, dk_git_repo *repo, const dk_oid *tree,
                        const char *root);

/* ========================================================================== */
/* pipeline.c                                                                 */
/* ========================================================================== */

/** What a step does. */
enum dk_vfy_step_type {
    /* run a command; pass when it exits 0 */
    DK_VFY_COMMAND = 0,
    /* run a reviewer command (`run`) with the changeset's diff on stdin and
     * parse the verdict it prints (dk_vfy_review_parse) */
    DK_VFY_AGENT_REVIEW,
    /* stop: the changeset awaits an approval from a token with approve scope */
    DK_VFY_HUMAN_APPROVE,
};

/** One step. */
struct dk_vfy_step {
    enum dk_vfy_step_type type;
    char *name;
    /* the command as written ("" for human-approve) */
    char *run;
    /* agent-review: the instructions handed to the reviewer (DK_REVIEW_PROMPT);
     * human-approve: what the approver is asked */
    char *prompt;
    /* split into words (NULL-terminated) */
    char **argv;
    size_t argc;
    int64_t timeout_ms;
    bool required;
    bool changeset_aware;
    /* relative to the tree, "" for the top */
    char *work_dir;
    /* its line in .dk/pipeline.yaml (0: auto-detected) */
    size_t line;
};

struct dk_vfy_stage {
    char *name;
    bool parallel;
    dk_vec(struct dk_vfy_step) steps;
};

/** A pipeline: from .dk/pipeline.yaml or auto-detected. Release with dk_vfy_pipeline_release. */
struct dk_vfy_pipeline {
    /* ".dk/pipeline.yaml", "auto-c", "auto-polyglot", "auto-none", ... */
    char *source;
    char *name;
    int64_t timeout_ms;
    /* the pipeline's allowed_commands (argv prefixes); empty: the default list */
    dk_vec(char **) allowed;
    /* run the built-in semantic step (pipeline key `semantic`, default true) */
    bool semantic;
    dk_vec(struct dk_vfy_stage) stages;
};

void dk_vfy_pipeline_release(struct dk_vfy_pipeline *p);

/**
 * Parse `.dk/pipeline.yaml` (`len` bytes) and validate every step against
 * its allow-list. Unknown keys, wrong types, a stage without steps, a step
 * without run, bad durations, unsafe work_dir are errors naming the line.
 * @param[out] out zeroed by the call; release it whatever the result
 * @return DK_OK; DK_EINVALID with ".dk/pipeline.yaml:<line>: <what>"
 */
int dk_vfy_pipeline_parse(struct dk_vfy_pipeline *out, const char *yaml, size_t len);

/**
 * The pipeline auto-detected from the files of a tree (dkod §7.3 plus
 * Make/CMake for C and C++): the top and its immediate non-hidden
 * subdirectories except node_modules and target.
 * @param paths `n` repository-relative paths, sorted
 */
void dk_vfy_pipeline_detect(struct dk_vfy_pipeline *out, const char *const *paths, size_t n);

/**
 * Split a command into words without a shell: whitespace separates words,
 * '...' is literal, "..." honours \" and \\, a backslash outside quotes
 * escapes the next byte. Unquoted shell syntax (; & | < > $ ` ( ) and
 * globs) is refused: nothing would interpret it.
 * @param[out] argv malloc'd NULL-terminated array of malloc'd words
 * @return DK_OK; DK_EINVALID (empty, unterminated quote, shell syntax)
 */
int dk_vfy_argv_split(char ***argv, size_t *argc, const char *cmd);

void dk_vfy_argv_free(char **argv);

/**
 * Check an argv against the permanent denials (shells, interpreters with
 * inline code, network fetchers, paths escaping the tree, output
 * redirection flags) and then the allow-list: `allowed` (argv prefixes),
 * or the default list when `nallowed` is 0. The one check used both when
 * a pipeline is validated and right before a step runs.
 * @return DK_OK; DK_EINVALID naming the command and why
 */
int dk_vfy_command_check(char *const *argv, size_t argc, char **const *allowed, size_t nallowed);

/**
 * The argv of a changeset-aware step scoped to what the changeset touched
 * (dkod §7.5, Go added): `changed` are repository-relative paths,
 * `work_dir` the step's. Returns a copy of `argv` when there is no scope.
 */
char **dk_vfy_argv_scope(char *const *argv, size_t argc, const char *work_dir,
                         const char *const *changed, size_t nchanged);

/* ========================================================================== */
/* exec.c                                                                     */
/* ========================================================================== */

struct dk_vfy_exec_opts {
    /* absolute directory to run in (inside `scratch`) */
    const char *cwd;
    /* the scratch root: HOME, and the one writable place under bwrap */
    const char *scratch;
    /* PATH for the step and for finding the program */
    const char *path;
    int64_t timeout_ms;
    size_t output_cap;
    /* run under bwrap (the caller checked it exists: dk_vfy_bwrap_path) */
    const char *bwrap;
    /* the repository's git directory, mounted read-only under bwrap (may be NULL) */
    const char *repo_dir;
    /* RLIMIT_AS in bytes; 0: 16 GiB; UINT64_MAX: unlimited */
    uint64_t max_address_space;
    /* a file given as stdin (NULL: /dev/null) */
    const char *stdin_path;
    /* more NAME=value entries for the environment (NULL-terminated; may be NULL) */
    const char *const *env_extra;
};

struct dk_vfy_exec_result {
    dk_verify_status status;
    int exit_code;
    int64_t duration_ms;
    /* the tail, NUL-terminated, malloc'd */
    char *output;
    size_t output_bytes;
    bool truncated;
};

/**
 * Run argv in a new process group: cleared environment (PATH, HOME=scratch,
 * LANG=C.UTF-8), rlimits (CPU, address space, file size, open files,
 * processes, no core), stdin from /dev/null, stdout and stderr into one
 * pipe kept to its last output_cap bytes. At the timeout the whole group is
 * killed (status timeout); when the program exits its group is killed too,
 * so nothing it left behind survives the step. Exit 0: pass, else fail (a
 * program that cannot be found or started: fail, with why in the output).
 * @return DK_OK (the step's status in out); DK_ERROR when no process could
 *         be made (pipe, fork)
 */
int dk_vfy_exec(struct dk_vfy_exec_result *out, char *const *argv,
                const struct dk_vfy_exec_opts *opts);

void dk_vfy_exec_result_release(struct dk_vfy_exec_result *r);

/** The absolute path of `bwrap` on `path`, or NULL (malloc'd). */
char *dk_vfy_bwrap_path(const char *path);

/* ========================================================================== */
/* findings.c, semantic.c                                                     */
/* ========================================================================== */

typedef dk_vec(dk_verify_finding) dk_vfy_findings;

/**
 * The verdict a reviewer command printed (agent-review steps): a JSON object
 * {"verdict": "approve"|"request_changes"|"comment", "summary": "...",
 * "issues": [{"severity", "message", "file", "line"}]}, either the whole
 * output or its last line that is such an object. Issues become findings
 * (tool "agent-review"). approve and comment pass, request_changes fails.
 * @param[out] summary malloc'd, "" when none
 * @return DK_OK; DK_EINVALID (no verdict found, unknown verdict: the step fails)
 */
int dk_vfy_review_parse(bool *approve, char **summary, dk_vfy_findings *findings,
                        const char *output);

/** Append the findings of a tool's output (gcc/clang, rustc, tsc, eslint, pytest, go). */
void dk_vfy_findings_parse(dk_vfy_findings *out, const char *output, size_t len);

void dk_vfy_finding_release(dk_verify_finding *f);

/**
 * The semantic checks on the changes from `head` (zero: unborn) to `tree`:
 * a public symbol removed from a changed file, an error when a call to it
 * remains elsewhere in `tree` (a warning otherwise); a public function
 * whose parameter count changed while a call elsewhere still passes the
 * old count (an error).
 */
int dk_vfy_semantic(dk_vfy_findings *out, dk_git_repo *repo, const dk_oid *head, const dk_oid *tree,
                    dk_symcache *cache);

#endif
