/*
 * engine/changeset.h - what changeset.c shares with land.c (the changeset
 * half of the engine, engine_int.h): a changeset row, its conversion to the
 * public dk_changeset_info, commit identities, events and transactions.
 *
 * Conventions: as engine_int.h. Functions ending in _tx run inside the
 * caller's open transaction on `conn`.
 */
#ifndef DK_ENGINE_CHANGESET_H
#define DK_ENGINE_CHANGESET_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/engine_int.h"
#include "util/str.h"

/** A changeset row (every string malloc'd; NULL where the column is NULL). */
struct dk_eng_cs {
    char *id;
    char *repo;
    int64_t number;
    char *session_id;
    dk_changeset_state state;
    char *reason;
    char *intent;
    char *agent_name;
    /* 40 hex digits or "" (unborn) */
    char *base_commit;
    char *submit_commit;
    char *merged_commit;
    char *reverts;
    /* the owner token of its session (NULL: local, or no session row) */
    char *owner;
    int64_t created_ms;
    int64_t updated_ms;
    /* the last verification's results; the head its verdict (or an approval) was made on */
    char *verify_json;
    char *verified_head;
};

/**
 * Whether the state table allows `from` -> `to` (what the transition
 * function checks): for refusing early, before work the transition would
 * make pointless. The transition itself still decides.
 */
bool dk_eng_cs_can_become(dk_changeset_state from, dk_changeset_state to);

/** Read changeset `id` (and its session's owner). @return DK_OK; DK_ENOTFOUND */
int dk_eng_cs_load_tx(struct dk_eng_cs *out, dk_store_conn *conn, const char *id);

void dk_eng_cs_release(struct dk_eng_cs *cs);

/** A public copy of the row. */
dk_changeset_info *dk_eng_cs_info(const struct dk_eng_cs *cs);

/** Whether `caller` may act on a changeset whose session is owned by `owner`. */
int dk_eng_cs_check_caller(const struct dk_eng_cs *cs, const dk_caller *caller);

/**
 * Read changeset `id` on a connection of its own (no transaction) and check
 * the caller.
 * @param caller NULL: trusted (no check)
 */
int dk_eng_cs_load(struct dk_eng_cs *out, dk_engine *e, const dk_caller *caller, const char *id);

/**
 * A commit identity from an agent name: the name with '<', '>' and control
 * characters replaced by '-' (git refuses them), and "<name>@dk" as email.
 * Release both with free().
 */
void dk_eng_cs_identity(char **name, char **email, const char *agent_name);

/** `intent` as a commit message: ends with exactly one newline ("changes" if empty). */
char *dk_eng_cs_message(const char *intent);

/** dk_eng_json_str with the comma implied: the object `s` is past its "{" when it is longer than 1.
 */
void dk_eng_cs_json(dk_str *s, const char *key, const char *value);

/**
 * Run `body` in a write transaction on a connection of its own, committing
 * when it returns DK_OK and rolling back otherwise; a whole attempt is
 * retried a few times on DK_ERACE / DK_EBUSY (serialisation failures).
 */
int dk_eng_cs_tx(dk_engine *e, int (*body)(void *ud, dk_store_conn *conn), void *ud);

/**
 * dk_eng_session_reload after a committed change, tried a few times: the
 * change is durable, so a failure is traced (the registry then catches up
 * at the next notification or restart), not returned.
 */
void dk_eng_cs_reload(dk_engine *e, const char *session_id);

/**
 * The session's overlay rows in the store are exactly `v`'s entries (a set
 * comparison: the store's ORDER BY need not be bytewise). Run in the
 * transaction that acts on what `v` was built from (submit, land).
 * @param doing "submitting", "landing": for the message
 * @return DK_OK; DK_EINVALID "session <id> changed while <doing>: submit again"
 */
int dk_eng_cs_overlay_unchanged_tx(dk_store_conn *conn, const struct dk_eng_session_view *v,
                                   const char *doing);

/**
 * A session that left the registry (closed or stranded; abandoned read too,
 * for the caller to refuse) from its row, with no entries (they come from
 * its submitted commit). Resumed sessions are DK_EINVALID naming the
 * session that took over. Caller: the owner, an admin, or NULL (local).
 * @return DK_OK; DK_ENOTFOUND; DK_EINVALID; DK_EFORBIDDEN
 */
int dk_eng_session_view_ended(struct dk_eng_session_view *out, dk_engine *e,
                              const dk_caller *caller, const char *session_id);

/** True when the head commit `head` (NULL or zero: unborn) has verification steps. */
int dk_eng_cs_has_pipeline(bool *out, dk_git_repo *repo, const dk_oid *head);

#endif
