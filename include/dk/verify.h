/*
 * dk/verify.h - the verification pipeline (DESIGN.md decision 6, issue 9):
 * a session's submitted changeset checked on the exact tree that landing
 * would commit now, then moved verifying -> approved | rejected.
 *
 *   dk_verify(session)
 *     head + submitted changes ── merge (the landing core) ──► conflicts? report, reject
 *     │                                                        ▼ no
 *     steps: .dk/pipeline.yaml at the HEAD (never the changeset's copy),
 *     │      or auto-detected (Cargo, npm/bun, Python, Go, Make/CMake)
 *     tree ──► per-repository scratch directory, updated in place
 *     │        (only changed paths rewritten, deletions applied)
 *     semantic checks (symbol model) ──► command steps, no shell, allow-list,
 *     │   process group, rlimits, timeout, capped output, bwrap when present
 *     ▼   each finished step ──► on_step callback + event changeset.verify_step
 *     verdict: every required step passed ──► approved; up to a human-approve
 *              step ──► awaiting_approval (approve op); else rejected
 *              (results JSON and the head stored with the changeset)
 *   dk_verify_land: an approval made on another head is verified again on
 *     the new merged tree before it lands
 *
 * Contract for every function below, unless its comment says otherwise:
 *  - Errors: DK_OK or a negative dk_err_code with a one-line message in
 *    dk_error_last(). A failing step is not an error: it is a verdict.
 *  - Ownership: results belong to the caller (dk_verify_result_free);
 *    strings handed to a callback are borrowed for the call only.
 *  - Threads: dk_verify may be called from any thread; runs on one
 *    repository are serialised (they share its scratch directory), runs on
 *    different repositories proceed in parallel. It blocks for as long as
 *    the pipeline runs (bounded by the pipeline timeout).
 */
#ifndef DK_VERIFY_H
#define DK_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/engine.h"
#include "dk/errors.h"

typedef enum dk_verify_status {
    DK_VERIFY_PASS = 0,
    DK_VERIFY_FAIL,
    DK_VERIFY_SKIP,
    DK_VERIFY_TIMEOUT,
    /* a human-approve step reached with every required step before it passed:
     * the changeset awaits approval (DK_CS_AWAITING_APPROVAL) */
    DK_VERIFY_WAITING,
} dk_verify_status;

/** "pass", "fail", "skip", "timeout", "waiting". */
DK_EXTERN const char *dk_verify_status_name(dk_verify_status status);

typedef enum dk_verify_severity {
    DK_VERIFY_ERROR = 0,
    DK_VERIFY_WARNING,
    DK_VERIFY_INFO,
} dk_verify_severity;

/** "error", "warning", "info". */
DK_EXTERN const char *dk_verify_severity_name(dk_verify_severity severity);

/** One structured finding parsed from a tool's output or from the symbol model. */
typedef struct dk_verify_finding {
    /* "gcc", "rustc", "tsc", "eslint", "pytest", "go", "semantic", "agent-review" */
    char *tool;
    /* repository-relative where the tool said so; "" when unknown */
    char *file;
    /* 1-based; 0 when unknown */
    uint32_t line;
    dk_verify_severity severity;
    char *message;
} dk_verify_finding;

/** One step's result. */
typedef struct dk_verify_step {
    char *name;
    char *stage;
    /* the argv as run, joined by spaces ("" for the built-in semantic step) */
    char *command;
    dk_verify_status status;
    int64_t duration_ms;
    bool required;
    /* exit status; -1 when it did not exit (signal, timeout, not run) */
    int exit_code;
    /* the last bytes of stdout + stderr (at most opts.output_cap), NUL-terminated */
    char *output;
    /* how many bytes the step printed in all */
    size_t output_bytes;
    /* true when output holds only the tail */
    bool truncated;
    dk_verify_finding *findings;
    size_t nfindings;
} dk_verify_step;

/** Called once per step, as soon as it finishes. `step` is borrowed for the call. */
typedef void (*dk_verify_step_cb)(void *ud, const dk_verify_step *step);

typedef enum dk_verify_sandbox {
    /* bwrap when installed, else plain process isolation (reported) */
    DK_VERIFY_SANDBOX_AUTO = 0,
    /* never bwrap */
    DK_VERIFY_SANDBOX_NONE,
    /* bwrap or DK_EUNSUPPORTED before anything runs */
    DK_VERIFY_SANDBOX_REQUIRE,
} dk_verify_sandbox;

/** Options of dk_verify. Initialise with DK_VERIFY_OPTS_INIT. */
typedef struct dk_verify_opts {
    unsigned version;
    /* per-step callback (may be NULL); calls never overlap, even for parallel stages */
    dk_verify_step_cb on_step;
    void *ud;
    /* check only: verify the session's current overlay (any changeset state)
     * and leave the changeset as it is. Default: verify what was submitted and
     * record the verdict (submitted -> verifying -> approved | rejected). */
    bool check_only;
    /* scratch root; NULL: <data dir>/verify/<repo> (beside repos/) */
    const char *scratch_dir;
    dk_verify_sandbox sandbox;
    /* bytes of output kept per step (the tail); 0: 256 KiB */
    size_t output_cap;
    /* PATH given to steps; NULL: this process's PATH */
    const char *path;
    /* address-space limit of each step process in bytes; 0: 16 GiB; UINT64_MAX: none
     * (sanitizer builds reserve terabytes of shadow memory and need none) */
    uint64_t max_address_space;
} dk_verify_opts;

#define DK_VERIFY_OPTS_VERSION 1
#define DK_VERIFY_OPTS_INIT                                                                        \
    {                                                                                              \
        .version = DK_VERIFY_OPTS_VERSION                                                          \
    }

/** What a verification found. Free with dk_verify_result_free. */
typedef struct dk_verify_result {
    /* every required step passed and nothing conflicts */
    bool passed;
    /* every required step passed up to a human-approve step, where the run
     * stopped: the changeset awaits approval (passed is false) */
    bool awaiting_approval;
    /* the head the tree was merged onto ("" unborn) and the tree under test */
    char head[41];
    char tree[41];
    /* ".dk/pipeline.yaml" or "auto-<lang>" / "auto-polyglot" / "auto-none" */
    char *pipeline;
    /* "bwrap" or "none" */
    char *sandbox;
    /* the changeset's state after the call */
    dk_changeset_state state;
    /* when landing would conflict: the conflicts (no step ran) */
    dk_land_conflict *conflicts;
    size_t nconflicts;
    dk_verify_step *steps;
    size_t nsteps;
    /* materialisation: paths written and removed, and its time */
    size_t files_written;
    size_t files_removed;
    int64_t materialise_ms;
    /* why the pipeline could not run (malformed pipeline file, refused
     * command, I/O), NULL when it ran; the verdict is then a rejection */
    char *error;
    /* the results JSON stored with the changeset */
    char *json;
} dk_verify_result;

/**
 * Verify session `session_id`'s changeset.
 *
 * Default: the changeset must be submitted, or approved / awaiting approval
 * on a head that is no longer the branch head (a re-verification);
 * DK_EINVALID otherwise. It becomes verifying, the submitted changes are
 * merged onto the branch head as landing would merge them, checked, and the
 * changeset becomes approved (every required step passed), awaiting_approval
 * (the run stopped at a human-approve step with everything before it
 * passed) or rejected, with the results JSON and the head (dk_changeset_info
 * verify_json, verified_head). A failure after verifying started (I/O, a
 * malformed pipeline file) rejects the changeset with the error in the JSON
 * and is returned as the error.
 *
 * A session that is no longer live - stranded, or closed with its changeset
 * still submitted, approved or awaiting approval - is verified from its
 * submitted commit like a live one (caller: its owner, an admin or the
 * local process). An abandoned session, a closed one whose changeset is
 * closed or merged, and a resumed one (verify the session that resumed it)
 * are refused with DK_EINVALID saying which; check_only needs a live
 * session (it reads the overlay).
 *
 * @param[out] out set whenever a verdict was reached, passed or not (also
 *                 with DK_EINVALID for a pipeline that could not run: then
 *                 out->error says why); free with dk_verify_result_free
 * @param caller   as in dk/engine.h (NULL: local, trusted)
 * @param opts     may be NULL
 * @return DK_OK (passed or not: see out->passed); DK_ENOTFOUND;
 *         DK_EFORBIDDEN; DK_EINVALID (state, a malformed .dk/pipeline.yaml,
 *         a command refused by the allow-list); DK_EUNSUPPORTED (sandbox
 *         required but bwrap missing); DK_ERROR
 */
DK_EXTERN int dk_verify(dk_verify_result **out, dk_engine *engine, const dk_caller *caller,
                        const char *session_id, const dk_verify_opts *opts);

DK_EXTERN void dk_verify_result_free(dk_verify_result *result);

/**
 * Land session `session_id`'s changeset (dk_land), verifying it again first
 * when the approval was made on another head than the one it would land on
 * (the repository has .dk/pipeline.yaml and dk_land refused with
 * DK_ESTALE): the pipeline runs on the new merged tree and the landing is
 * retried only if the changeset is approved again; a head that keeps moving
 * is retried a few times, then DK_ESTALE is returned.
 *
 * @param[out] land    as dk_land's `out` (free with dk_land_result_free)
 * @param[out] verdict the re-verification's result when one ran, else NULL
 *                     (free with dk_verify_result_free)
 * @param land_opts    may be NULL; dry_run never verifies
 * @param verify_opts  may be NULL; check_only is ignored
 * @return dk_land's codes; DK_EINVALID when the re-verification rejected the
 *         changeset or left it awaiting approval (then `verdict` says why
 *         and nothing landed); dk_verify's codes
 */
DK_EXTERN int dk_verify_land(dk_land_result **land, dk_verify_result **verdict, dk_engine *engine,
                             const dk_caller *caller, const char *session_id,
                             const dk_land_opts *land_opts, const dk_verify_opts *verify_opts);

#endif
