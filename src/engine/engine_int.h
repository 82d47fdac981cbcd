/*
 * engine/engine_int.h - what the engine's files share with each other.
 *
 * The engine is cut in two halves that meet here:
 *  - the workspace half (engine.c, repo.c, session.c, overlay.c, claims.c,
 *    events.c, gc.c): the registry of live sessions, overlays, the write
 *    path, claims, events, GC/strand/resume;
 *  - the changeset half (changeset.c, land.c): the changeset state machine,
 *    submit, approve, landing, dry run, revert.
 * Each half calls the other only through the functions below.
 *
 * Transactions: a function ending in _tx runs inside the caller's open
 * write transaction on `conn` (dk_store_begin) and only touches the store;
 * the caller commits. Memory (the registry) is brought in line after the
 * commit with dk_eng_session_reload, which re-reads a session's rows: the
 * store is the source of truth and the registry a cache of it (it is also
 * how another node's change reaches this node's registry).
 *
 * Threads: everything here is safe from any thread, as the public API.
 */
#ifndef DK_ENGINE_ENGINE_INT_H
#define DK_ENGINE_ENGINE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/engine.h"
#include "dk/lang.h"

#include "git/git.h"
#include "store/store.h"
#include "util/str.h"

/* ========================================================================== */
/* Engine-wide services (workspace half)                                      */
/* ========================================================================== */

/** The engine's store (borrowed, lives as long as the engine). */
dk_store *dk_eng_store(dk_engine *e);

/** Now, in ms since the epoch, from the engine's clock (tests can set it). */
int64_t dk_eng_now(dk_engine *e);

/** The per-blob symbol cache shared by every session (borrowed). */
dk_symcache *dk_eng_symcache(dk_engine *e);

/**
 * Take a libgit2 handle on repository `repo` from the engine's pool (one
 * thread at a time may use it), and the repository's target branch.
 * @param[out] branch may be NULL; borrowed, lives as long as the engine
 * @return DK_OK; DK_ENOTFOUND for an unknown repository
 */
int dk_eng_repo_acquire(dk_git_repo **out, const char **branch, dk_engine *e, const char *repo);

/** Give a handle back to the pool. NULL is a no-op. */
void dk_eng_repo_release(dk_engine *e, const char *repo, dk_git_repo *handle);

/**
 * The process-local landing lock of `repo`: landings on one repository are
 * serialised in this process (and the branch still moves by compare-and-
 * swap, so two processes cannot both win).
 * @return the mutex (borrowed), or NULL for an unknown repository
 */
pthread_mutex_t *dk_eng_repo_land_lock(dk_engine *e, const char *repo);

/**
 * The branch of `repo` moved (a landing): the code-context index follows it
 * in the background (context_head.c), so no later request pays for it.
 */
void dk_eng_ctx_follow(dk_engine *e, const char *repo);

/**
 * Add `"key":"value"` (both escaped) to a JSON object under construction,
 * preceded by a comma when `comma`; a NULL value is written as null. The one
 * field writer of the engine's event payloads, for both halves.
 */
void dk_eng_json_str(dk_str *s, const char *key, const char *val, bool comma);

/* ========================================================================== */
/* Sessions (workspace half)                                                  */
/* ========================================================================== */

/** One overlay entry. */
struct dk_eng_overlay_entry {
    char *path;
    /* the blob (zero when deleted) */
    dk_oid blob;
    /* git mode (0 when deleted) */
    unsigned mode;
    bool deleted;
};

/** A consistent copy of a session, taken under its lock. */
struct dk_eng_session_view {
    char *id;
    char *repo;
    char *agent_id;
    char *agent_name;
    char *intent;
    char *changeset_id;
    /* owner token id, NULL for local */
    char *owner;
    /* the base commit; zero when the branch was unborn at connect */
    dk_oid base;
    dk_session_state state;
    dk_session_mode mode;
    /* sorted by path (bytewise) */
    struct dk_eng_overlay_entry *entries;
    size_t nentries;
};

/**
 * Copy session `session_id` after checking that `caller` may act on it
 * (see dk/engine.h) and refreshing its activity.
 * @return DK_OK; DK_ENOTFOUND; DK_EFORBIDDEN
 */
int dk_eng_session_view(struct dk_eng_session_view *out, dk_engine *e, const dk_caller *caller,
                        const char *session_id);

void dk_eng_session_view_release(struct dk_eng_session_view *view);

/**
 * Re-read session `session_id` from the store into the registry (state,
 * base, changeset, overlay, changed symbols, read marks); a session no
 * longer active leaves the registry. Call after committing a transaction
 * that changed the session's rows.
 */
int dk_eng_session_reload(dk_engine *e, const char *session_id);

/**
 * Release every claim of `session_id`, emitting claim.released (one event per
 * path, listing its symbols) with `changeset_id` (may be NULL).
 * @param[out] released may be NULL; how many claims were released
 */
int dk_eng_claims_release_tx(dk_engine *e, dk_store_conn *conn, const char *session_id,
                             const char *changeset_id, size_t *released);

/**
 * Append an event to `repo`'s window, with the next id of the repository,
 * and notify watchers (on every node) when the transaction commits.
 * @param session_id, agent, changeset_id may be NULL
 * @param payload_json a JSON object ("{}" when there is nothing to add)
 * @param[out] id may be NULL; the event's id
 */
int dk_eng_emit_tx(dk_engine *e, dk_store_conn *conn, const char *repo, const char *type,
                   const char *session_id, const char *agent, const char *changeset_id,
                   const char *payload_json, int64_t *id);

/* ========================================================================== */
/* Changesets (changeset half)                                                */
/* ========================================================================== */

/**
 * Create a draft changeset for a new session (number = the repository's
 * next changeset number).
 * @param[out] id malloc'd changeset id
 */
int dk_eng_changeset_create_tx(char **id, dk_engine *e, dk_store_conn *conn, const char *repo,
                               const char *session_id, const char *intent, const char *agent_name,
                               const char *base_hex);

/**
 * The one place where changeset transitions are checked and made:
 *   draft -> submitted; rejected -> submitted (resubmission);
 *   submitted -> submitted, approved -> submitted (resubmission of a
 *   session that changed: submit checks that it did);
 *   submitted -> verifying | approved; verifying -> approved | rejected;
 *   verifying -> awaiting_approval -> approved | rejected (a person's answer)
 *   | verifying (a fresh run);
 *   approved -> merged; submitted -> merged (no verification steps);
 *   submitted | verifying | approved | rejected -> draft (reopened by
 *   dk_session_rebase); any non-terminal -> closed | abandoned.
 * Terminal: merged, closed, abandoned. Any other transition to the current
 * state is refused, except idempotent close/abandon (DK_OK, nothing written).
 * @param[out] from may be NULL; the state before
 * @return DK_OK; DK_ENOTFOUND; DK_ESTATE "changeset <id> is <state>,
 *         cannot become <to>"
 */
int dk_eng_changeset_transition_tx(dk_changeset_state *from, dk_engine *e, dk_store_conn *conn,
                                   const char *changeset_id, dk_changeset_state to,
                                   const char *reason);

/**
 * verifying -> verifying: start again a verification that left no verdict
 * (the process running it was killed; every other exit records one). Only
 * the verification layer calls it, holding the repository's scratch lock,
 * so no verification of that changeset is running (dk_changeset_verifying
 * refuses a changeset that is verifying). Emits changeset.verifying.
 * @return DK_OK; DK_EINVALID (empty id); DK_ENOTFOUND; DK_ESTATE when the
 *         changeset is not verifying
 */
int dk_eng_changeset_verify_restart(dk_engine *e, const char *changeset_id);

/**
 * Startup reconcile of landings (dk_engine_open): every changeset still
 * submitted or approved whose landing_commit is on the branch and is exactly
 * its changes merged onto its parent (a process killed between the CAS and
 * the COMMIT) is recorded as landed, as landing it again would, so the
 * store names every commit of the branch even when the agent never comes
 * back. Anything else is left as it is. *recorded counts those recorded.
 * @return DK_OK; the store's error when the candidates cannot be read
 */
int dk_eng_land_reconcile(dk_engine *e, unsigned *recorded);

/** The changeset's state. @return DK_OK; DK_ENOTFOUND */
int dk_eng_changeset_state_tx(dk_changeset_state *out, dk_store_conn *conn,
                              const char *changeset_id);

/**
 * The changeset's state, read with its row locked until the transaction
 * ends (PostgreSQL: SELECT ... FOR UPDATE, waiting for a transaction that
 * holds it and then reading what that one committed; SQLite: its
 * transactions are serialised at BEGIN IMMEDIATE already). A transaction
 * that starts with it is ordered against every other one that does, so the
 * checks it makes afterwards see the other's commit (dk_session_rebase
 * against a submit of the same session). Lock order: the session's row
 * (if at all) before its changeset's, the changeset's before any other
 * row. @return DK_OK; DK_ENOTFOUND
 */
int dk_eng_changeset_lock_tx(dk_changeset_state *out, dk_engine *e, dk_store_conn *conn,
                             const char *changeset_id);

/** True for merged, closed and abandoned. */
bool dk_eng_changeset_is_terminal(dk_changeset_state state);

/** True for submitted, verifying and approved: work that must never be dropped silently. */
bool dk_eng_changeset_is_pinned(dk_changeset_state state);

#endif
