/*
 * dk/engine.h - the workspace engine: repositories, sessions and their
 * copy-on-write overlays, the workspace manager, claims, changesets,
 * landing and events (DESIGN.md decisions 1-5, 8-10).
 *
 *   connect ──► session (base commit pinned, overlay path -> blob | deleted)
 *      write/delete ──► blob in git + overlay row in the store (one transaction
 *                        with the claims it takes) ──► changed symbols kept current
 *      submit ──► commit on the base + refs/dk/changesets/<id>
 *      land ──► head == base: commit; else three-way merge of every changed file
 *               (dk/merge.h) onto the head, commit, move the branch by CAS, retry
 *
 * Contract for every function below, unless its comment says otherwise:
 *  - Errors: DK_OK or a negative dk_err_code with a one-line message in
 *    dk_error_last(). DK_EINVALID: bad input (path, argument); DK_ESTATE: a
 *    well-formed request the current state refuses (a changeset that cannot
 *    make the transition, an empty overlay to submit, a session that changed
 *    since it was submitted); DK_ENOSESSION: no live session by that id
 *    (unknown, or stranded / resumed / closed / abandoned: the message says
 *    which); DK_ENOTFOUND: unknown repository, changeset or path;
 *    DK_EEXISTS: a name already taken; DK_ECONFLICT: claimed symbols, or a
 *    landing conflict (details in the out-struct); DK_ESTALE: stale overlay
 *    (details in the out-struct); DK_ELIMIT: content over 50 MiB; DK_EBINARY
 *    never (binary content is stored, just not parsed); "forbidden" (a
 *    caller acting on a session that is not its own) is DK_EFORBIDDEN. A
 *    failed call changes nothing durable.
 *  - Ownership: out-structs belong to the caller and are released with the
 *    matching _free; input strings are borrowed for the call.
 *  - Threads: a dk_engine is safe to call from any number of threads at
 *    once. The read path (file_read, file_list, status) takes no global lock.
 *  - Durability: when a call that changes state returns DK_OK, the change is
 *    committed in the store (acknowledged means committed).
 *  - Callers: `caller` identifies who acts (the token of the protocol
 *    layer). NULL means the local, trusted process (the CLI in-process,
 *    tests): it may act on every session. A non-NULL caller may act only on
 *    sessions it created, unless it is an admin.
 */
#ifndef DK_ENGINE_H
#define DK_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/errors.h"

/** Largest file content a session accepts (50 MiB). */
#define DK_ENGINE_MAX_FILE (50u * 1024u * 1024u)

typedef struct dk_engine dk_engine;

/** Who is acting. */
typedef struct dk_caller {
    /* token id (never the secret); compared with a session's owner */
    const char *token_id;
    /* admins may act on every session */
    bool admin;
} dk_caller;

/* ========================================================================== */
/* Opening the engine                                                         */
/* ========================================================================== */

/** Options of dk_engine_open. Initialise with DK_ENGINE_OPTS_INIT. */
typedef struct dk_engine_opts {
    unsigned version;
    /* data directory holding repos/ and the default store (default "./dk-data") */
    const char *data_dir;
    /* store URL (store/store.h); NULL: "sqlite:<data_dir>/dk.db" */
    const char *store_url;
    /* L2 workspace cache: NULL or "" for none, or "redis://HOST:PORT" */
    const char *cache_url;
    /* this node's name in the store (default: hostname:pid) */
    const char *node_name;
    /* a session idle this long is collected (default 3,600,000 = 60 min) */
    int64_t idle_ttl_ms;
    /* a session alive this long is collected whatever its activity (default 24 h) */
    int64_t max_ttl_ms;
    /* a stranded session is resumable this long, then abandoned (default 4 h) */
    int64_t strand_ttl_ms;
    /* GC period; 0 = no GC thread (call dk_engine_gc yourself) (default 60,000) */
    int64_t gc_interval_ms;
    /* events kept per repository (default 10,000) */
    int64_t events_window;
    /* the clock, for tests: ms since the epoch; NULL = the real clock */
    int64_t (*clock_ms)(void *clock_ud);
    void *clock_ud;
} dk_engine_opts;

#define DK_ENGINE_OPTS_VERSION 1
#define DK_ENGINE_OPTS_INIT                                                                        \
    {                                                                                              \
        .version = DK_ENGINE_OPTS_VERSION, .gc_interval_ms = 60000                                 \
    }

/**
 * Open the engine on a data directory (created if missing): open the store
 * (migrating it), load the live sessions into the registry, reconcile
 * (sessions whose changeset is submitted/verifying/approved/awaiting
 * approval and that no node serves are stranded), start the GC thread.
 */
DK_EXTERN int dk_engine_open(dk_engine **out, const dk_engine_opts *opts);

/** Stop the GC thread, close everything. Live sessions stay in the store. NULL: no-op. */
DK_EXTERN void dk_engine_close(dk_engine *engine);

/**
 * One GC pass (what the GC thread does every gc_interval_ms): collect idle,
 * over-age and expired sessions (draft work is closed and its claims
 * released; submitted/verifying/approved/awaiting-approval work is
 * stranded, never dropped), abandon sessions stranded longer than
 * strand_ttl_ms, trim event windows.
 * @param[out] collected may be NULL; how many sessions left the registry
 */
DK_EXTERN int dk_engine_gc(dk_engine *engine, size_t *collected);

/* ========================================================================== */
/* Repositories                                                               */
/* ========================================================================== */

typedef struct dk_repo_info {
    char *name;
    /* absolute path of the bare repository */
    char *path;
    /* target branch (short name) */
    char *branch;
    /* 40 hex digits of the branch head, "" when unborn */
    char head[41];
} dk_repo_info;

/**
 * Register a new, empty repository `name` ([A-Za-z0-9._-]{1,100}, not "."
 * or "..") with target branch `branch` (NULL: "main").
 * @return DK_OK; DK_EEXISTS; DK_EINVALID for a bad name or branch
 */
DK_EXTERN int dk_repo_init(dk_engine *engine, const char *name, const char *branch);

/**
 * Register repository `name` as a copy of the local repository at
 * `from_path` (bare or not): every branch, tag and the history they reach.
 * @param branch target branch; NULL: the source's default branch (its HEAD)
 */
DK_EXTERN int dk_repo_import(dk_engine *engine, const char *name, const char *from_path,
                             const char *branch);

/** Every registered repository, sorted by name. Free with dk_repo_infos_free. */
DK_EXTERN int dk_repo_list(dk_repo_info **out, size_t *count, dk_engine *engine);

/** One repository. Free with dk_repo_infos_free(info, 1). */
DK_EXTERN int dk_repo_get(dk_repo_info **out, dk_engine *engine, const char *name);

DK_EXTERN void dk_repo_infos_free(dk_repo_info *infos, size_t count);

/* ========================================================================== */
/* Sessions                                                                   */
/* ========================================================================== */

typedef enum dk_session_mode {
    DK_SESSION_EPHEMERAL = 0,
    DK_SESSION_PERSISTENT = 1,
} dk_session_mode;

typedef enum dk_session_state {
    DK_SESSION_ACTIVE = 0,
    DK_SESSION_STRANDED,
    DK_SESSION_ABANDONED,
    DK_SESSION_CLOSED,
} dk_session_state;

typedef enum dk_changeset_state {
    DK_CS_DRAFT = 0,
    DK_CS_SUBMITTED,
    DK_CS_VERIFYING,
    DK_CS_APPROVED,
    DK_CS_REJECTED,
    DK_CS_MERGED,
    DK_CS_CLOSED,
    DK_CS_ABANDONED,
    /* the verification pipeline reached a human-approve step, every required
     * step before it passed: waits for dk_changeset_approve or
     * dk_changeset_reject (approve scope) */
    DK_CS_AWAITING_APPROVAL,
} dk_changeset_state;

DK_EXTERN const char *dk_session_mode_name(dk_session_mode mode);
DK_EXTERN const char *dk_session_state_name(dk_session_state state);
DK_EXTERN const char *dk_changeset_state_name(dk_changeset_state state);
/** Parse a name back; DK_EINVALID when unknown. */
DK_EXTERN int dk_changeset_state_parse(dk_changeset_state *out, const char *name);

/** Options of dk_session_connect. Initialise with DK_CONNECT_OPTS_INIT. */
typedef struct dk_connect_opts {
    unsigned version;
    /* repository name; required */
    const char *repo;
    /* what the agent means to do; required, becomes the commit message */
    const char *intent;
    /* the agent's own id (client supplied); required */
    const char *agent_id;
    /* display name; NULL: the next "agent-N" of the repository */
    const char *agent_name;
    /* base commit (any revision); NULL: the branch head now */
    const char *base_commit;
    dk_session_mode mode;
    /* persistent sessions: lifetime in ms (0: until closed or max_ttl) */
    int64_t persistent_ttl_ms;
    /* resume a stranded session of the same agent_id (its overlay, changeset
     * and claims come back under a new session id); NULL: a new session */
    const char *resume_session_id;
} dk_connect_opts;

#define DK_CONNECT_OPTS_VERSION 1
#define DK_CONNECT_OPTS_INIT                                                                       \
    {                                                                                              \
        .version = DK_CONNECT_OPTS_VERSION                                                         \
    }

/** A session as seen from outside (status, listings). */
typedef struct dk_session_info {
    char *session_id;
    char *repo;
    char *agent_id;
    char *agent_name;
    char *intent;
    char *changeset_id;
    dk_changeset_state changeset_state;
    /* 40 hex digits, "" for an unborn branch */
    char base_commit[41];
    dk_session_mode mode;
    dk_session_state state;
    int64_t created_ms;
    int64_t last_active_ms;
    int64_t elapsed_s;
    /* overlay size: paths written or deleted */
    size_t files_changed;
    /* symbols added, modified or deleted */
    size_t symbols_changed;
} dk_session_info;

/**
 * Open a session (or resume a stranded one). The session's changeset is
 * created in state draft. Emits session.connected (or session.resumed).
 * @param caller becomes the session's owner
 * @return DK_OK; DK_ENOTFOUND for an unknown repository or base; DK_EINVALID
 *         for missing fields; resume: DK_ENOSESSION (no such session),
 *         DK_ESTATE (not stranded, or already abandoned), DK_EFORBIDDEN
 *         (another agent_id or owner), DK_ECONFLICT (a claim it held was
 *         taken meanwhile)
 */
DK_EXTERN int dk_session_connect(dk_session_info **out, dk_engine *engine, const dk_caller *caller,
                                 const dk_connect_opts *opts);

/** The session's status. Refreshes its activity. */
DK_EXTERN int dk_session_status(dk_session_info **out, dk_engine *engine, const dk_caller *caller,
                                const char *session_id);

/**
 * The live sessions of a repository (the seed's list_sessions), oldest
 * first; `repo` NULL: of every repository.
 */
DK_EXTERN int dk_session_list(dk_session_info **out, size_t *count, dk_engine *engine,
                              const char *repo);

DK_EXTERN void dk_session_infos_free(dk_session_info *infos, size_t count);

/** How many sessions of `repo` are live (NULL: all repositories). */
DK_EXTERN size_t dk_session_active_count(dk_engine *engine, const char *repo);

/**
 * The ids of the live sessions of `repo` (the seed's active_sessions_for_repo),
 * oldest first, without `exclude_session` (may be NULL).
 * @param[out] ids malloc'd array of malloc'd strings; free with dk_session_ids_free
 * @return DK_OK; DK_ENOTFOUND for an unknown repository
 */
DK_EXTERN int dk_session_active_ids(char ***ids, size_t *count, dk_engine *engine, const char *repo,
                                    const char *exclude_session);

DK_EXTERN void dk_session_ids_free(char **ids, size_t count);

/**
 * The seed's describe_other_modifiers: who else changes `path` in `repo`,
 * as text ("`create_task` modified by agent-2; a, b, c,... modified by
 * agent-3"), answered from the path index. "" when nobody else does.
 * @param exclude_session may be NULL
 * @param[out] out malloc'd string
 */
DK_EXTERN int dk_session_describe_other_modifiers(char **out, dk_engine *engine, const char *repo,
                                                  const char *path, const char *exclude_session);

/**
 * Close the session: its draft changeset is closed, its claims released,
 * its overlay dropped. A submitted or approved changeset stays (landable by
 * an admin or by a resumed session). Emits session.closed.
 */
DK_EXTERN int dk_session_close(dk_engine *engine, const dk_caller *caller, const char *session_id);

/**
 * Abandon the session's work: changeset abandoned, claims released, overlay
 * dropped. Works on active and stranded sessions. Emits session.abandoned.
 */
DK_EXTERN int dk_session_abandon(dk_engine *engine, const dk_caller *caller, const char *session_id,
                                 const char *reason);

/**
 * Strand the session now, as GC does when its owner goes away: it leaves the
 * registry with its overlay, changeset and overlay ref kept and its claims
 * released; its owner can resume it (dk_connect_opts.resume_session_id)
 * within strand_ttl_ms, after which GC abandons it. Emits session.stranded.
 * @return DK_OK (also when already stranded); DK_ENOSESSION; DK_EFORBIDDEN;
 *         DK_ESTATE (closed or abandoned)
 */
DK_EXTERN int dk_session_strand(dk_engine *engine, const dk_caller *caller, const char *session_id,
                                const char *reason);

/* ========================================================================== */
/* Files                                                                      */
/* ========================================================================== */

typedef struct dk_file {
    char *content;
    size_t len;
    /* the git blob id (40 hex digits) */
    char hash[41];
    /* git mode (0100644, 0100755, 0120000) */
    unsigned mode;
    /* whether the content comes from the session's overlay */
    bool modified_in_session;
} dk_file;

/** Read through the session: overlay, then base. Records a read mark.
 *  @return DK_ENOTFOUND if absent at base or deleted in the session */
DK_EXTERN int dk_file_read(dk_file **out, dk_engine *engine, const dk_caller *caller,
                           const char *session_id, const char *path);

DK_EXTERN void dk_file_free(dk_file *file);

typedef enum dk_symbol_change {
    DK_CHANGE_ADDED = 0,
    DK_CHANGE_MODIFIED,
    DK_CHANGE_DELETED,
} dk_symbol_change;

DK_EXTERN const char *dk_symbol_change_name(dk_symbol_change change);

/** A symbol the session changed against its base. */
typedef struct dk_changed_symbol {
    char *path;
    char *qualified_name;
    char *name;
    /* dk_symbol_kind_name() of the symbol */
    char *kind;
    dk_symbol_change change;
} dk_changed_symbol;

/** A claimed symbol that refused a write. */
typedef struct dk_claim_conflict {
    char *path;
    char *qualified_name;
    char *kind;
    char *holder_session;
    char *holder_agent;
    int64_t since_ms;
} dk_claim_conflict;

/** What a write (or delete, or revert) did, or why it was refused. */
typedef struct dk_write_result {
    /* blob id of the new content ("" for a delete) */
    char hash[41];
    /* whether the path did not exist at the base */
    bool is_new;
    /* the session's changed symbols in this path after the write */
    dk_changed_symbol *symbols;
    size_t nsymbols;
    /* DK_ECONFLICT: every claimed symbol the write would change */
    dk_claim_conflict *claims;
    size_t nclaims;
    /* DK_ESTALE: the competing changeset and its agent */
    char *stale_changeset;
    char *stale_agent;
    /* true when the file could not be parsed (unsupported language, binary,
     * syntax errors): stored as is, no symbols and no claims */
    bool unparsed;
} dk_write_result;

/** Options of dk_file_write. Initialise with DK_WRITE_OPTS_INIT. */
typedef struct dk_write_opts {
    unsigned version;
    /* git mode for the file; 0: keep the current mode, or 0100644 for a new file */
    unsigned mode;
    /* skip the stale-overlay check (the caller has reconciled by hand) */
    bool force;
} dk_write_opts;

#define DK_WRITE_OPTS_VERSION 1
#define DK_WRITE_OPTS_INIT                                                                         \
    {                                                                                              \
        .version = DK_WRITE_OPTS_VERSION                                                           \
    }

/**
 * Write a file in the session. The content is stored as a blob, parsed,
 * its changed symbols computed against the base; every changed symbol is
 * claimed. All or nothing: a claimed symbol (DK_ECONFLICT) or a stale
 * overlay (DK_ESTALE) refuses the whole write and stores nothing; `*out`
 * then describes the refusal. Emits file.written and claim.acquired.
 * @param[out] out always set when the arguments were valid (also on
 *                 DK_ECONFLICT/DK_ESTALE); free with dk_write_result_free
 * @param opts may be NULL
 * @return DK_OK; DK_EINVALID (bad path, a path in .git); DK_ELIMIT (over
 *         DK_ENGINE_MAX_FILE); DK_ECONFLICT; DK_ESTALE; DK_ENOTFOUND
 */
DK_EXTERN int dk_file_write(dk_write_result **out, dk_engine *engine, const dk_caller *caller,
                            const char *session_id, const char *path, const char *content,
                            size_t len, const dk_write_opts *opts);

/** Delete a file in the session (claims its symbols as deleted). Emits file.deleted. */
DK_EXTERN int dk_file_delete(dk_write_result **out, dk_engine *engine, const dk_caller *caller,
                             const char *session_id, const char *path);

/** Drop the session's change to `path` (back to the base). Releases its claims. */
DK_EXTERN int dk_file_revert(dk_engine *engine, const dk_caller *caller, const char *session_id,
                             const char *path);

DK_EXTERN void dk_write_result_free(dk_write_result *result);

typedef enum dk_file_status {
    DK_FILE_UNCHANGED = 0,
    DK_FILE_ADDED,
    DK_FILE_MODIFIED,
    DK_FILE_DELETED,
} dk_file_status;

typedef struct dk_file_entry {
    char *path;
    dk_file_status status;
    /* other live sessions changing this path (describe_other_modifiers), "" if none */
    char *other_modifiers;
} dk_file_entry;

/**
 * List files through the session: base ∪ added/modified − deleted, sorted
 * by path (bytewise), filtered by `prefix` (NULL or "": all). With
 * `only_modified`, only the session's overlay paths (deleted ones included).
 */
DK_EXTERN int dk_file_list(dk_file_entry **out, size_t *count, dk_engine *engine,
                           const dk_caller *caller, const char *session_id, const char *prefix,
                           bool only_modified);

DK_EXTERN void dk_file_entries_free(dk_file_entry *entries, size_t count);

/** The session's changed symbols, by path then qualified name. */
DK_EXTERN int dk_session_changes(dk_changed_symbol **out, size_t *count, dk_engine *engine,
                                 const dk_caller *caller, const char *session_id);

DK_EXTERN void dk_changed_symbols_free(dk_changed_symbol *symbols, size_t count);

/* ========================================================================== */
/* Rebase: moving a session onto a new head                                   */
/* ========================================================================== */

/** What the session holds at one path after a rebase. */
typedef enum dk_rebase_action {
    /* the path has `content` (and `mode`) in the session */
    DK_REBASE_WRITE = 0,
    /* the path is deleted in the session */
    DK_REBASE_DELETE,
    /* no overlay entry: the session takes the new base's version */
    DK_REBASE_TAKE_BASE,
} dk_rebase_action;

DK_EXTERN const char *dk_rebase_action_name(dk_rebase_action action);

/** One path of a rebase: every path of the session's overlay has exactly one. */
typedef struct dk_rebase_file {
    const char *path;
    dk_rebase_action action;
    /* DK_REBASE_WRITE: the content (may be NULL when len is 0) */
    const char *content;
    size_t len;
    /* DK_REBASE_WRITE: git mode; 0: the session's mode for the path, else the
     * new base's, else 0100644 */
    unsigned mode;
    /* the session's version the resolution was made from, as dk_file_read /
     * dk_file_list saw it: the blob id (40 hex digits) of its overlay entry,
     * or "" when the session deletes the path. Required (compare-and-swap). */
    const char *expect_hash;
} dk_rebase_file;

/** Options of dk_session_rebase. Initialise with DK_REBASE_OPTS_INIT. */
typedef struct dk_rebase_opts {
    unsigned version;
    /* the base the resolution was made against (40 hex digits, "" for an
     * unborn branch): the session's base now, else DK_ESTATE. Required. */
    const char *from_base;
    /* the new base: a commit (any revision) whose history contains the
     * session's base; NULL: the branch head now */
    const char *onto;
} dk_rebase_opts;

#define DK_REBASE_OPTS_VERSION 1
#define DK_REBASE_OPTS_INIT                                                                        \
    {                                                                                              \
        .version = DK_REBASE_OPTS_VERSION                                                          \
    }

/**
 * Move an active session onto a new base, keeping its id and its changeset:
 * the way to settle a landing conflict. In ONE transaction, under the
 * session's write lock: the base becomes `onto`; the overlay becomes exactly
 * `files` (each path's changed symbols recomputed against the new base,
 * claims taken and released to match, all or nothing); a submitted,
 * verifying, approved or rejected changeset goes back to draft through the
 * transition function (submit it again, then land); session.rebased is
 * emitted (with changeset.reopened, claim.* events).
 *
 * Fail-closed: every input is checked before anything is written, and a
 * refusal changes nothing (no overlay, claim, changeset or base change).
 * `files` must name every path of the session's overlay once, each with the
 * `expect_hash` of the overlay entry now: a session written meanwhile (on
 * any node) is refused with DK_ESTATE, as is a session whose base is no
 * longer `from_base`.
 * @param[out] out may be NULL; on DK_OK the session's changed symbols after
 *             the rebase, on DK_ECONFLICT every claimed symbol that refused it
 *             (dk_write_result: symbols/claims; hash ""); free with
 *             dk_write_result_free
 * @return DK_OK; DK_EINVALID (bad path, duplicate or missing path, bad mode or
 *         action, `onto` not containing the base); DK_ELIMIT (content over
 *         DK_ENGINE_MAX_FILE); DK_ENOSESSION; DK_ENOTFOUND (`onto`); DK_EFORBIDDEN;
 *         DK_ESTATE (session not active, base or overlay changed meanwhile,
 *         changeset merged/closed); DK_ECONFLICT (claims)
 */
DK_EXTERN int dk_session_rebase(dk_write_result **out, dk_engine *engine, const dk_caller *caller,
                                const char *session_id, const dk_rebase_file *files, size_t nfiles,
                                const dk_rebase_opts *opts);

/* ========================================================================== */
/* Changesets and landing                                                     */
/* ========================================================================== */

typedef struct dk_changeset_info {
    char *id;
    char *repo;
    int64_t number;
    char *session_id;
    dk_changeset_state state;
    char *reason;
    char *intent;
    char *agent_name;
    char base_commit[41];
    /* "" until submitted / merged */
    char submit_commit[41];
    char merged_commit[41];
    int64_t created_ms;
    int64_t updated_ms;
    /* the last verification's results JSON (dk/verify.h), NULL when never verified */
    char *verify_json;
    /* the branch head the last verdict or approval was made on (40 hex digits);
     * "" when none was recorded (or the branch was unborn) */
    char verified_head[41];
} dk_changeset_info;

DK_EXTERN int dk_changeset_get(dk_changeset_info **out, dk_engine *engine, const dk_caller *caller,
                               const char *changeset_id);
/**
 * The DK_ENOTFOUND message of an unknown changeset id (printf format, one %s: the
 * id). A layer that must hide a changeset from a caller (another repository's)
 * answers with these same words, so the answer does not tell the two apart.
 */
#define DK_CHANGESET_NOT_FOUND_FMT "changeset '%s' not found"
DK_EXTERN void dk_changeset_info_free(dk_changeset_info *info);

/**
 * Submit the session's changeset: draft -> submitted (also from rejected,
 * for a resubmission). Writes the session's tree as a commit on its base
 * and points refs/dk/changesets/<id> at it; releases the session's claims
 * (the stale-overlay check guards the window until it lands). Emits
 * changeset.submitted. An empty overlay is DK_ESTATE.
 */
DK_EXTERN int dk_changeset_submit(dk_changeset_info **out, dk_engine *engine,
                                  const dk_caller *caller, const char *session_id);

/**
 * Approve a submitted (or verified) changeset, or one awaiting approval
 * (a human-approve step): -> approved, with a reason. The caller must be an
 * admin or hold approve scope (checked by the protocol layer; the engine
 * requires a non-NULL reason). From awaiting_approval the verdict's head is
 * kept (what the pipeline checked); otherwise the branch head now is
 * recorded as the head the approval was made on. Emits changeset.approved.
 */
DK_EXTERN int dk_changeset_approve(dk_changeset_info **out, dk_engine *engine,
                                   const dk_caller *caller, const char *changeset_id,
                                   const char *reason);

/**
 * Reject a changeset awaiting approval (a person's answer at a
 * human-approve step): awaiting_approval -> rejected, with a reason (the
 * counterpart of dk_changeset_approve there; the same approve scope,
 * checked by the protocol layer; the engine requires a non-empty reason).
 * From any other state DK_ESTATE "changeset <id> is <state>, cannot become
 * rejected", nothing changed. The session goes on as after a failed
 * verification: write and submit again (rejected -> submitted), or
 * abandon. Emits changeset.rejected.
 */
DK_EXTERN int dk_changeset_reject(dk_changeset_info **out, dk_engine *engine,
                                  const dk_caller *caller, const char *changeset_id,
                                  const char *reason);

/**
 * Record a verification verdict (the verification layer): submitted ->
 * verifying with dk_changeset_verifying (also approved or awaiting_approval
 * -> verifying: a re-verification after the head moved), then ->
 * `verdict` (DK_CS_APPROVED, DK_CS_REJECTED or DK_CS_AWAITING_APPROVAL)
 * with dk_changeset_verified, storing `results_json` and `head` (40 hex
 * digits, "" unborn: the head the tree under test was merged onto). Emits
 * changeset.verified. DK_EINVALID for another verdict or state.
 */
DK_EXTERN int dk_changeset_verifying(dk_engine *engine, const char *changeset_id);
DK_EXTERN int dk_changeset_verified(dk_engine *engine, const char *changeset_id,
                                    dk_changeset_state verdict, const char *head,
                                    const char *results_json);

/** One conflicting symbol (or region) of a landing. */
typedef struct dk_land_conflict {
    char *path;
    /* qualified name, "" for text between declarations, "<file>" for a whole file */
    char *qualified_name;
    char *kind;
    char *description;
    /* each side's text; NULL when the side has none */
    char *base_text;
    /* what the branch head has ("theirs" from the session's point of view) */
    char *head_text;
    /* what the session has */
    char *session_text;
} dk_land_conflict;

typedef struct dk_land_result {
    /* the commit now at the branch head (40 hex), "" when nothing landed */
    char commit[41];
    /* files merged three-way because the head had moved */
    char **merged_files;
    size_t nmerged_files;
    dk_land_conflict *conflicts;
    size_t nconflicts;
    /* how many compare-and-swap retries the landing needed */
    unsigned retries;
} dk_land_result;

/** Options of dk_land. Initialise with DK_LAND_OPTS_INIT. */
typedef struct dk_land_opts {
    unsigned version;
    /* commit message; NULL: the session's intent */
    const char *message;
    /* only check: would it land now, and which symbols conflict */
    bool dry_run;
    /* after landing, close the session (default: it continues from the new head
     * with an empty overlay and a fresh draft changeset) */
    bool close_session;
} dk_land_opts;

#define DK_LAND_OPTS_VERSION 1
#define DK_LAND_OPTS_INIT                                                                          \
    {                                                                                              \
        .version = DK_LAND_OPTS_VERSION                                                            \
    }

/**
 * Land the session's changeset on its repository's branch. Needs the
 * changeset approved when the repository has verification steps, submitted
 * (or approved) otherwise; with verification steps, approved on the head
 * landed on: an approval recorded on another head is refused with
 * DK_ESTALE ("verify again"; dk_verify_land re-verifies and lands).
 * Head equal to the base: commit directly; else
 * merge every changed file three-way (base, head, session) and commit on the
 * head; move the branch by compare-and-swap, retrying on a lost race. A
 * conflict lands nothing: DK_ECONFLICT with every conflict in `*out`.
 * Author = the agent, message = the intent. Emits changeset.merged.
 * A closed or stranded session whose changeset is still submitted,
 * verifying or approved lands its submitted commit (caller: its owner or an
 * admin); the session itself stays closed or stranded.
 * @param[out] out always set when the arguments were valid
 * @param opts may be NULL
 */
DK_EXTERN int dk_land(dk_land_result **out, dk_engine *engine, const dk_caller *caller,
                      const char *session_id, const dk_land_opts *opts);

/**
 * Revert a merged changeset: in session `session_id` (which must have an
 * empty overlay), write the inverse of the changeset's commit merged onto
 * the current head through the structured merge (later work on other
 * symbols of the same files survives); the session then submits and lands
 * as usual. DK_ECONFLICT with the conflicts when the inverse does not merge.
 * A changeset of another repository than the session's is DK_ENOTFOUND in the
 * words of an unknown id (DK_CHANGESET_NOT_FOUND_FMT).
 */
DK_EXTERN int dk_changeset_revert(dk_land_result **out, dk_engine *engine, const dk_caller *caller,
                                  const char *session_id, const char *changeset_id);

DK_EXTERN void dk_land_result_free(dk_land_result *result);

/* ========================================================================== */
/* Events                                                                     */
/* ========================================================================== */

typedef struct dk_event {
    /* increasing per repository, from 1 */
    int64_t id;
    char *repo;
    /* "session.connected", "file.written", "claim.acquired", ... */
    char *type;
    char *session_id;
    char *agent;
    char *changeset_id;
    /* a JSON object with the details */
    char *payload;
    int64_t created_ms;
} dk_event;

/**
 * Events of `repo` with id > `since`, oldest first, at most `max`, whose
 * type matches `pattern` (NULL or "*": all; "file.*": a prefix; a
 * comma-separated list of such). Blocks up to `timeout_ms` when there is
 * none yet (0: do not block). Events older than the window are gone:
 * `*oldest` (may be NULL) tells the first id still kept, so a watcher can
 * see it missed some.
 */
DK_EXTERN int dk_events_watch(dk_event **out, size_t *count, int64_t *oldest, dk_engine *engine,
                              const char *repo, int64_t since, const char *pattern, size_t max,
                              int timeout_ms);

DK_EXTERN void dk_events_free(dk_event *events, size_t count);

/** Called once per event notification; `repo` is borrowed (NULL when unknown). */
typedef void (*dk_events_notify_cb)(void *ud, const char *repo);

/**
 * Install the engine's one notify hook (NULL removes it): `cb(ud, repo)`
 * runs after each committed event of any repository (this node's or, with
 * PostgreSQL, another node's), so one waiter can watch every repository at
 * once (the SSE hub) instead of blocking on each in turn. It runs on the
 * notification thread with an engine lock held: it must be quick and must
 * not call the engine. Once this returns, the previous hook is not running
 * and will not be called again. Notifications can be lost while a
 * PostgreSQL listener reconnects: a hook user keeps a slow fallback (the
 * SSE heartbeat re-reads).
 */
DK_EXTERN void dk_events_set_notify(dk_engine *engine, dk_events_notify_cb cb, void *ud);

#endif
