/*
 * engine/lifecycle.c - a session's life in the store: connect (a new
 * session, or the resume of a stranded one) and its end (close, abandon,
 * strand), each one transaction; the registry (session.c) follows.
 *
 *   connect ──► active ──close──► closed        (draft work closed, overlay dropped;
 *                 │                               pinned work keeps changeset + rows)
 *                 ├──abandon──► abandoned        (changeset abandoned, overlay dropped)
 *                 └──GC: pinned──► stranded ──resume──► active (new id, same work)
 *                                     └──strand_ttl / abandon──► abandoned
 *
 * What dkod gets wrong and this does not (dkod-behaviour.md §14): agent names
 * come from repos.agent_seq inside the connect transaction, unique across
 * restarts and nodes (#29); every end releases the session's claims in the
 * same transaction (#2, #3); resume checks the client's agent_id and the
 * caller's token (never an authenticated id against a client one, #4),
 * moves overlay, symbols, read marks and the changeset to the new id and
 * re-takes the claims in that transaction, and the new session is in the
 * registry before connect returns.
 *
 * Conventions: every transaction is retried whole on DK_ERACE/DK_EBUSY (a
 * few times); a refused call changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/workspace.h"
#include "util/alloc.h"

#include "util/banned.h"

/* ========================================================================== */
/* Connect and resume                                                         */
/* ========================================================================== */

static int sess_new_agent_name(char **out, dk_store_conn *conn, const char *repo)
{
    int64_t n = 0;
    bool found = false;
    dk_store_val p[] = {DK_SV_TEXT(repo)};
    int rc = dk_store_query_int(&n, &found, conn,
                                "UPDATE repos SET agent_seq = agent_seq + 1 WHERE name = ? "
                                "RETURNING agent_seq",
                                p, 1);
    if (rc)
        return rc;
    if (!found)
        return dk_error_set(DK_ENOTFOUND, "repository '%s' not found", repo);
    dk_str s = DK_STR_INIT;
    dk_str_addf(&s, "agent-%lld", (long long)n);
    *out = dk_str_detach(&s, NULL);
    return DK_OK;
}

static int sess_resolve_base(dk_oid *out, bool *unborn, dk_engine *e, const char *repo,
                             const char *spec)
{
    dk_git_repo *g;
    const char *branch;
    int rc = dk_eng_repo_acquire(&g, &branch, e, repo);
    if (rc)
        return rc;
    *unborn = false;
    if (spec && *spec) {
        rc = dk_git_rev_resolve(out, g, spec);
        if (rc == DK_ENOTFOUND || rc == DK_EINVALID)
            rc = dk_error_set(DK_ENOTFOUND, "base '%s' does not resolve to a commit", spec);
    } else {
        rc = dk_git_branch_read(out, g, branch);
        if (rc == DK_ENOTFOUND) {
            memset(out, 0, sizeof(*out));
            *unborn = true;
            rc = DK_OK;
        }
    }
    dk_eng_repo_release(e, repo, g);
    return rc;
}

void dk_eng_info_fill(dk_session_info *info, struct eng_session *s, dk_changeset_state cs,
                      int64_t now)
{
    pthread_mutex_lock(&s->lock);
    info->session_id = dk_xstrdup(s->id);
    info->repo = dk_xstrdup(s->repo->name);
    info->agent_id = dk_xstrdup(s->agent_id);
    info->agent_name = dk_xstrdup(s->agent_name);
    info->intent = dk_xstrdup(s->intent);
    info->changeset_id = dk_xstrdup(s->changeset_id);
    info->changeset_state = cs;
    if (s->unborn)
        info->base_commit[0] = '\0';
    else
        dk_oid_to_hex(info->base_commit, &s->base);
    info->mode = s->mode;
    info->state = s->state;
    info->created_ms = s->created_ms;
    info->last_active_ms = atomic_load(&s->last_active_ms);
    info->elapsed_s = now > s->created_ms ? (now - s->created_ms) / 1000 : 0;
    info->files_changed = s->overlay.len;
    size_t n = 0;
    dk_map_foreach(&s->overlay, slot)
        n += ((struct eng_entry *)slot->value)->syms.len;
    info->symbols_changed = n;
    pthread_mutex_unlock(&s->lock);
}

int dk_eng_cs_state(dk_changeset_state *out, dk_store_conn *conn, const char *cs_id)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(cs_id ? cs_id : "")};
    int rc = dk_store_query(&rows, conn, "SELECT state FROM changesets WHERE id = ?", p, 1);
    if (rc)
        return rc;
    *out = DK_CS_DRAFT;
    rc = dk_store_rows_next(rows);
    if (rc == 1)
        *out = dk_eng_cs_parse(dk_store_rows_text(rows, 0, NULL));
    dk_store_rows_free(rows);
    return rc < 0 ? rc : DK_OK;
}

/*
 * A new session: one transaction (agent name, draft changeset, session row,
 * session.connected), then the session goes straight into the registry, built
 * from what was committed (no read back).
 */
static int sess_connect_new(struct eng_session **out, dk_engine *e, const dk_caller *caller,
                            const dk_connect_opts *o)
{
    struct eng_repo *repo;
    int rc = dk_eng_repo_find(&repo, e, o->repo);
    if (rc)
        return rc;
    dk_oid base;
    bool unborn;
    if ((rc = sess_resolve_base(&base, &unborn, e, repo->name, o->base_commit)))
        return rc;
    char base_hex[DK_OID_HEXSZ + 1] = "";
    if (!unborn)
        dk_oid_to_hex(base_hex, &base);
    char id[37];
    dk_eng_new_id(id);
    char *agent_name = NULL, *cs_id = NULL;
    int64_t now = 0, expires = 0;
    for (int attempt = 0;; attempt++) {
        dk_store_conn *conn;
        if ((rc = dk_eng_conn(&conn, e)))
            return rc;
        free(agent_name);
        free(cs_id);
        agent_name = cs_id = NULL;
        now = dk_eng_now(e);
        if ((rc = dk_store_begin(conn)))
            goto attempt_out;
        if (o->agent_name && *o->agent_name)
            agent_name = dk_xstrdup(o->agent_name);
        else if ((rc = sess_new_agent_name(&agent_name, conn, repo->name)))
            goto attempt_out;
        if ((rc = dk_eng_changeset_create_tx(&cs_id, e, conn, repo->name, id, o->intent, agent_name,
                                             base_hex)))
            goto attempt_out;
        expires = 0;
        if (o->mode == DK_SESSION_PERSISTENT && o->persistent_ttl_ms > 0)
            expires = now + o->persistent_ttl_ms;
        dk_store_val p[] = {
            DK_SV_TEXT(id),
            DK_SV_TEXT(repo->name),
            DK_SV_TEXT(o->agent_id),
            DK_SV_TEXT(agent_name),
            DK_SV_TEXT(o->intent),
            DK_SV_TEXT(base_hex),
            DK_SV_TEXT(dk_session_mode_name(o->mode)),
            DK_SV_TEXT_OR_NULL(caller ? caller->token_id : NULL),
            DK_SV_TEXT(cs_id),
            DK_SV_INT(now),
            DK_SV_INT(now),
            expires ? DK_SV_INT(expires) : DK_SV_NULL,
            DK_SV_TEXT(e->node),
        };
        if ((rc = dk_store_exec(conn, NULL,
                                "INSERT INTO sessions (id, repo, agent_id, agent_name, intent, "
                                "base_commit, mode, state, owner, changeset_id, created_at, "
                                "last_active, expires_at, node) VALUES (?, ?, ?, ?, ?, ?, ?, "
                                "'active', ?, ?, ?, ?, ?, ?)",
                                p, sizeof(p) / sizeof(p[0]))))
            goto attempt_out;
        dk_str payload = DK_STR_INIT;
        dk_str_addch(&payload, '{');
        dk_eng_json_str(&payload, "agent_id", o->agent_id, false);
        dk_eng_json_str(&payload, "intent", o->intent, true);
        dk_eng_json_str(&payload, "base", base_hex, true);
        dk_eng_json_str(&payload, "mode", dk_session_mode_name(o->mode), true);
        dk_str_addch(&payload, '}');
        rc = dk_eng_emit_tx(e, conn, repo->name, "session.connected", id, agent_name, cs_id,
                            payload.ptr, NULL);
        dk_str_release(&payload);
        if (rc == DK_OK)
            rc = dk_store_commit(conn);
    attempt_out:
        if (rc)
            dk_store_rollback(conn);
        dk_store_release(conn);
        if (rc == DK_OK)
            break;
        if (!dk_eng_retryable(rc) || attempt >= 4) {
            free(agent_name);
            free(cs_id);
            return rc;
        }
    }
    struct eng_repo *r = repo;
    struct eng_session *s = dk_eng_session_alloc(id, o->agent_id, agent_name, o->intent);
    s->repo = r;
    s->base = base;
    s->unborn = unborn;
    s->mode = o->mode;
    s->owner = caller && caller->token_id ? dk_xstrdup(caller->token_id) : NULL;
    s->changeset_id = cs_id;
    s->created_ms = now;
    s->expires_ms = expires;
    atomic_init(&s->last_active_ms, now);
    atomic_init(&s->stored_active_ms, now);
    free(agent_name);
    atomic_fetch_add(&s->refs, 1);
    dk_eng_registry_put(e, s);
    *out = s;
    return DK_OK;
}

/*
 * Resume stranded session `old` (dkod §2.7.7, working end to end): one
 * transaction checks the row (stranded, same agent_id, same owner, same
 * repository, changeset not terminal), creates the new session row, moves
 * the overlay, symbols, read marks and the changeset to it, re-takes the
 * claims of every changed symbol (a claim another live session holds now
 * refuses the resume with DK_ECONFLICT and changes nothing), marks the old
 * row superseded and emits session.resumed. The new session is then loaded
 * into the registry: usable at once.
 */
static int sess_resume(char **new_id, dk_engine *e, const dk_caller *caller,
                       const dk_connect_opts *o)
{
    const char *old = o->resume_session_id;
    char id[37];
    dk_eng_new_id(id);
    int rc;
    for (int attempt = 0;; attempt++) {
        dk_store_conn *conn;
        if ((rc = dk_eng_conn(&conn, e)))
            return rc;
        dk_store_rows *rows = NULL;
        char *repo = NULL, *agent_id = NULL, *agent_name = NULL, *owner = NULL, *cs = NULL,
             *sup = NULL, *state = NULL;
        eng_conflicts conflicts = DK_VEC_INIT;
        dk_vec(char *) paths = DK_VEC_INIT;
        int64_t now = dk_eng_now(e);
        if ((rc = dk_store_begin(conn)))
            goto attempt_out;
        dk_store_val p1[] = {DK_SV_TEXT(old)};
        if ((rc = dk_store_query(&rows, conn,
                                 "SELECT repo, agent_id, agent_name, owner, changeset_id, "
                                 "superseded_by, state FROM sessions WHERE id = ?",
                                 p1, 1)))
            goto attempt_out;
        rc = dk_store_rows_next(rows);
        if (rc <= 0) {
            rc = rc < 0 ? rc : dk_error_set(DK_ENOSESSION, "session '%s' not found", old);
            goto attempt_out;
        }
#define DUP_COL(i)                                                                                 \
    (dk_store_rows_is_null(rows, i) ? NULL : dk_xstrdup(dk_store_rows_text(rows, i, NULL)))
        repo = DUP_COL(0);
        agent_id = DUP_COL(1);
        agent_name = DUP_COL(2);
        owner = DUP_COL(3);
        cs = DUP_COL(4);
        sup = DUP_COL(5);
        state = DUP_COL(6);
#undef DUP_COL
        dk_store_rows_free(rows);
        rows = NULL;
        if (sup) {
            rc = dk_error_set(DK_ESTATE, "session '%s' was already resumed as '%s'", old, sup);
            goto attempt_out;
        }
        if (strcmp(state, "stranded") != 0) {
            rc = dk_error_set(DK_ESTATE, "session '%s' is %s, not stranded", old, state);
            goto attempt_out;
        }
        if (strcmp(repo, o->repo) != 0) {
            rc = dk_error_set(DK_EINVALID, "session '%s' belongs to repository '%s', not '%s'", old,
                              repo, o->repo);
            goto attempt_out;
        }
        if (strcmp(agent_id, o->agent_id) != 0) {
            rc = dk_error_set(DK_EFORBIDDEN, "session '%s' can be resumed only by agent '%s'", old,
                              agent_id);
            goto attempt_out;
        }
        if ((rc = dk_eng_caller_ok(owner, caller, old)))
            goto attempt_out;
        dk_changeset_state cst = DK_CS_DRAFT;
        if (cs && (rc = dk_eng_cs_state(&cst, conn, cs)))
            goto attempt_out;
        if (cst == DK_CS_MERGED || cst == DK_CS_CLOSED || cst == DK_CS_ABANDONED) {
            rc = dk_error_set(DK_ESTATE, "session '%s': its changeset is %s", old,
                              dk_changeset_state_name(cst));
            goto attempt_out;
        }
        /* claim the old row: of two resumes racing, one changes it, the other
         * finds zero rows and retries (then reads "already resumed") */
        int64_t changed = 0;
        dk_store_val p0[] = {DK_SV_TEXT(id), DK_SV_TEXT(old)};
        if ((rc = dk_store_exec(conn, &changed,
                                "UPDATE sessions SET superseded_by = ? WHERE id = ? AND "
                                "state = 'stranded' AND superseded_by IS NULL",
                                p0, 2)))
            goto attempt_out;
        if (changed != 1) {
            rc = dk_error_set(DK_ERACE, "session '%s' changed meanwhile", old);
            goto attempt_out;
        }
        /* a persistent deadline restarts: the resume's own TTL when it gives
         * one, else the old lifetime from now once the old deadline passed (a
         * resumed session is never born expired) */
        int64_t ttl = o->persistent_ttl_ms > 0 ? o->persistent_ttl_ms : 0;
        dk_store_val p2[] = {DK_SV_TEXT(id), DK_SV_INT(now),       DK_SV_INT(now),
                             DK_SV_INT(ttl), DK_SV_INT(now + ttl), DK_SV_INT(now),
                             DK_SV_INT(now), DK_SV_TEXT(e->node),  DK_SV_TEXT(old)};
        if ((rc = dk_store_exec(
                 conn, NULL,
                 "INSERT INTO sessions (id, repo, agent_id, agent_name, intent, "
                 "base_commit, mode, state, owner, changeset_id, created_at, "
                 "last_active, expires_at, node) SELECT ?, repo, agent_id, "
                 "agent_name, intent, base_commit, mode, 'active', owner, "
                 "changeset_id, ?, ?, CASE WHEN expires_at IS NULL THEN NULL WHEN ? > 0 THEN ? "
                 "WHEN expires_at < ? THEN ? + (expires_at - created_at) ELSE expires_at END, ? "
                 "FROM sessions WHERE id = ?",
                 p2, 9)))
            goto attempt_out;
        static const char *const moves[] = {
            "UPDATE overlay SET session_id = ? WHERE session_id = ?",
            "UPDATE session_symbols SET session_id = ? WHERE session_id = ?",
            "UPDATE read_marks SET session_id = ? WHERE session_id = ?",
        };
        dk_store_val p3[] = {DK_SV_TEXT(id), DK_SV_TEXT(old)};
        for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]) && rc == DK_OK; i++)
            rc = dk_store_exec(conn, NULL, moves[i], p3, 2);
        if (rc)
            goto attempt_out;
        /* the changeset moves only while not terminal (a landing of the old id
         * may have committed since it was read): else retry, which refuses */
        changed = 0;
        if ((rc = dk_store_exec(conn, &changed,
                                "UPDATE changesets SET session_id = ? WHERE session_id = ? AND "
                                "state NOT IN ('merged', 'closed', 'abandoned')",
                                p3, 2)))
            goto attempt_out;
        if (cs && changed < 1) {
            int64_t one = 0;
            bool found = false;
            dk_store_val pc[] = {DK_SV_TEXT(cs)};
            if ((rc = dk_store_query_int(&one, &found, conn,
                                         "SELECT 1 FROM changesets WHERE id = ?", pc, 1)))
                goto attempt_out;
            if (found) {
                rc = dk_error_set(DK_ERACE, "session '%s': its changeset changed meanwhile", old);
                goto attempt_out;
            }
        }
        /* re-take the claims of every changed symbol, path by path */
        dk_store_val p4[] = {DK_SV_TEXT(id)};
        if ((rc = dk_store_query(&rows, conn,
                                 "SELECT DISTINCT path FROM session_symbols WHERE session_id = ? "
                                 "ORDER BY path",
                                 p4, 1)))
            goto attempt_out;
        while ((rc = dk_store_rows_next(rows)) == 1)
            dk_vec_push(&paths, dk_xstrdup(dk_store_rows_text(rows, 0, NULL)));
        dk_store_rows_free(rows);
        rows = NULL;
        if (rc < 0)
            goto attempt_out;
        rc = DK_OK;
        for (size_t i = 0; i < paths.len && rc == DK_OK; i++) {
            dk_vec(struct eng_claim_req) want = DK_VEC_INIT;
            dk_vec(char *) own = DK_VEC_INIT;
            dk_store_val p5[] = {DK_SV_TEXT(id), DK_SV_TEXT(paths.items[i])};
            rc = dk_store_query(&rows, conn,
                                "SELECT qualified_name, kind FROM session_symbols WHERE "
                                "session_id = ? AND path = ? ORDER BY qualified_name, kind",
                                p5, 2);
            while (rc == DK_OK && (rc = dk_store_rows_next(rows)) == 1) {
                const char *q = dk_store_rows_text(rows, 0, NULL);
                if (want.len && strcmp(want.items[want.len - 1].qualified_name, q) == 0)
                    continue;
                char *qd = dk_xstrdup(q), *kd = dk_xstrdup(dk_store_rows_text(rows, 1, NULL));
                dk_vec_push(&own, qd);
                dk_vec_push(&own, kd);
                struct eng_claim_req w = {qd, kd};
                dk_vec_push(&want, w);
            }
            dk_store_rows_free(rows);
            rows = NULL;
            if (rc >= 0)
                rc = dk_eng_claims_sync_tx(&conflicts, NULL, NULL, e, conn, repo, id, agent_name,
                                           paths.items[i], want.items, want.len);
            dk_vec_foreach(&own, char **, q)
                free(*q);
            dk_vec_release(&own);
            dk_vec_release(&want);
        }
        if (rc)
            goto attempt_out;
        if (conflicts.len) {
            dk_claim_conflict *c = &conflicts.items[0];
            rc = dk_error_set(DK_ECONFLICT,
                              "cannot resume: %zu claimed symbol(s), e.g. '%s' in %s held by %s",
                              conflicts.len, c->qualified_name, c->path, c->holder_agent);
            goto attempt_out;
        }
        dk_store_val p6[] = {DK_SV_TEXT(id), DK_SV_TEXT(old)};
        if ((rc = dk_store_exec(conn, NULL,
                                "UPDATE sessions SET state = 'closed', superseded_by = ? "
                                "WHERE id = ?",
                                p6, 2)))
            goto attempt_out;
        dk_str payload = DK_STR_INIT;
        dk_str_addch(&payload, '{');
        dk_eng_json_str(&payload, "resumed_from", old, false);
        dk_str_addch(&payload, '}');
        rc =
            dk_eng_emit_tx(e, conn, repo, "session.resumed", id, agent_name, cs, payload.ptr, NULL);
        dk_str_release(&payload);
        if (rc == DK_OK)
            rc = dk_store_commit(conn);
    attempt_out:
        dk_store_rows_free(rows);
        if (rc)
            dk_store_rollback(conn);
        dk_store_release(conn);
        free(repo);
        free(agent_id);
        free(agent_name);
        free(owner);
        free(cs);
        free(sup);
        free(state);
        dk_eng_conflicts_release(&conflicts);
        dk_vec_foreach(&paths, char **, p)
            free(*p);
        dk_vec_release(&paths);
        if (rc == DK_OK)
            break;
        if (!dk_eng_retryable(rc) || attempt >= 4)
            return rc;
    }
    /* the old overlay ref goes; the new session's is written on load */
    dk_eng_ref_delete(e, o->repo, old);
    *new_id = dk_xstrdup(id);
    return DK_OK;
}

int dk_session_connect(dk_session_info **out, dk_engine *e, const dk_caller *caller,
                       const dk_connect_opts *o)
{
    if (!o || o->version != DK_CONNECT_OPTS_VERSION)
        return dk_error_set(DK_EINVALID, "connect options missing or of another version");
    if (!o->repo || !*o->repo)
        return dk_error_set(DK_EINVALID, "connect needs a repository");
    if (!o->intent || !*o->intent)
        return dk_error_set(DK_EINVALID, "connect needs an intent");
    if (!o->agent_id || !*o->agent_id)
        return dk_error_set(DK_EINVALID, "connect needs an agent id");
    if (o->mode != DK_SESSION_EPHEMERAL && o->mode != DK_SESSION_PERSISTENT)
        return dk_error_set(DK_EINVALID, "unknown session mode %d", (int)o->mode);
    if (caller && !caller->admin && (!caller->token_id || !*caller->token_id))
        return dk_error_set(DK_EINVALID, "a caller needs a token id");
    struct eng_session *s = NULL;
    bool resume = o->resume_session_id && *o->resume_session_id;
    int rc;
    if (resume) {
        char *id = NULL;
        if ((rc = sess_resume(&id, e, caller, o)) == DK_OK &&
            (rc = dk_eng_session_reload(e, id)) == DK_OK)
            rc = dk_eng_session_find(&s, e, id);
        free(id);
    } else {
        rc = sess_connect_new(&s, e, caller, o);
    }
    if (rc)
        return rc;
    dk_eng_cache_put(e, s);
    dk_session_info *info = dk_xcalloc(1, sizeof(*info));
    dk_eng_info_fill(info, s, DK_CS_DRAFT, dk_eng_now(e));
    dk_eng_session_unref(s);
    if (resume) {
        dk_store_conn *conn;
        if ((rc = dk_eng_conn(&conn, e)) == DK_OK) {
            rc = dk_eng_cs_state(&info->changeset_state, conn, info->changeset_id);
            dk_store_release(conn);
        }
        if (rc) {
            dk_session_infos_free(info, 1);
            return rc;
        }
    }
    *out = info;
    return DK_OK;
}

/* ========================================================================== */
/* Ending sessions: close, abandon, strand                                    */
/* ========================================================================== */

/*
 * End session `id` in one transaction:
 *   to CLOSED     (active): a non-pinned, non-terminal changeset is closed
 *                 and the overlay rows dropped; pinned work keeps its
 *                 changeset and overlay rows (landable by an admin, and the
 *                 stale-overlay check still sees its paths);
 *   to STRANDED   (active): nothing dropped, resumable;
 *   to ABANDONED  (active or stranded): changeset abandoned, overlay dropped.
 * Every claim is released (claim.released per path) and session.<state>
 * emitted. `caller` NULL: trusted (GC). A session already in `to` is DK_OK.
 * `*ended` (may be NULL) tells whether this call changed the session's state:
 * false for one already in `to`, and for one GC's re-check spared.
 */
int dk_eng_session_end(dk_engine *e, const dk_caller *caller, const char *id, dk_session_state to,
                       const char *reason, bool from_gc, bool *ended)
{
    int rc;
    bool was_noop = false;
    if (ended)
        *ended = false;
    char *repo = NULL;
    /* GC's closing or stranding of an active session: decided again in the
     * transaction (the store may have changed since GC read it) */
    bool gc_expiry = from_gc && (to == DK_SESSION_CLOSED || to == DK_SESSION_STRANDED);
    bool gc_noop = false;
    for (int attempt = 0;; attempt++) {
        dk_store_conn *conn;
        if ((rc = dk_eng_conn(&conn, e)))
            return rc;
        dk_store_rows *rows = NULL;
        char *agent = NULL, *cs = NULL, *owner = NULL;
        dk_session_state from = DK_SESSION_ACTIVE;
        int64_t now = dk_eng_now(e);
        bool noop = false;
        gc_noop = false;
        free(repo);
        repo = NULL;
        if ((rc = dk_store_begin(conn)))
            goto attempt_out;
        dk_store_val p1[] = {DK_SV_TEXT(id)};
        /* lock the row first (PostgreSQL: a row lock held to the commit; SQLite:
         * BEGIN IMMEDIATE already serialises): a write, close, strand or resume
         * of this session waits, and the state read below is the latest */
        if ((rc = dk_store_exec(conn, NULL, "UPDATE sessions SET state = state WHERE id = ?", p1,
                                1)))
            goto attempt_out;
        if ((rc = dk_store_query(&rows, conn,
                                 "SELECT repo, agent_name, changeset_id, owner, state FROM "
                                 "sessions WHERE id = ?",
                                 p1, 1)))
            goto attempt_out;
        rc = dk_store_rows_next(rows);
        if (rc <= 0) {
            rc = rc < 0 ? rc : dk_error_set(DK_ENOSESSION, "session '%s' not found", id);
            goto attempt_out;
        }
        repo = dk_xstrdup(dk_store_rows_text(rows, 0, NULL));
        agent = dk_xstrdup(dk_store_rows_text(rows, 1, NULL));
        cs = dk_store_rows_is_null(rows, 2) ? NULL : dk_xstrdup(dk_store_rows_text(rows, 2, NULL));
        owner =
            dk_store_rows_is_null(rows, 3) ? NULL : dk_xstrdup(dk_store_rows_text(rows, 3, NULL));
        from = dk_eng_state_parse(dk_store_rows_text(rows, 4, NULL));
        dk_store_rows_free(rows);
        rows = NULL;
        if ((rc = dk_eng_caller_ok(owner, caller, id)))
            goto attempt_out;
        if (gc_expiry && from == DK_SESSION_ACTIVE) {
            /* still expired now that the row is locked? (a write since GC read
             * the store refreshed last_active: the session lives on) */
            int64_t one = 0;
            bool expired = false;
            dk_store_val pe[] = {DK_SV_TEXT(id), DK_SV_INT(now - e->idle_ttl_ms),
                                 DK_SV_INT(now - e->max_ttl_ms), DK_SV_INT(now)};
            if ((rc = dk_store_query_int(&one, &expired, conn,
                                         "SELECT 1 FROM sessions WHERE id = ? AND "
                                         "((mode = 'ephemeral' AND last_active < ?) OR "
                                         "created_at < ? OR (expires_at IS NOT NULL AND "
                                         "expires_at < ?))",
                                         pe, 4)))
                goto attempt_out;
            if (!expired) {
                noop = gc_noop = true;
                goto attempt_out;
            }
        }
        if (from == to) {
            noop = true;
            goto attempt_out;
        }
        if (from != DK_SESSION_ACTIVE &&
            !(to == DK_SESSION_ABANDONED && from == DK_SESSION_STRANDED)) {
            rc = dk_error_set(DK_ESTATE, "session '%s' is %s, cannot become %s", id,
                              dk_session_state_name(from), dk_session_state_name(to));
            goto attempt_out;
        }
        dk_changeset_state cst = DK_CS_DRAFT;
        bool has_cs = false;
        if (cs && *cs) {
            rc = dk_eng_changeset_state_tx(&cst, conn, cs);
            if (rc == DK_OK)
                has_cs = true;
            else if (rc != DK_ENOTFOUND)
                goto attempt_out;
            rc = DK_OK;
        }
        bool pinned = has_cs && dk_eng_changeset_is_pinned(cst);
        bool terminal = has_cs && dk_eng_changeset_is_terminal(cst);
        /* GC: pinned work (submitted since GC looked, too) is stranded, never closed */
        if (gc_expiry)
            to = pinned ? DK_SESSION_STRANDED : DK_SESSION_CLOSED;
        bool drop_overlay = false;
        if (to == DK_SESSION_CLOSED) {
            if (has_cs && !pinned && !terminal &&
                (rc = dk_eng_changeset_transition_tx(NULL, e, conn, cs, DK_CS_CLOSED,
                                                     reason ? reason : "session closed")))
                goto attempt_out;
            drop_overlay = !pinned;
        } else if (to == DK_SESSION_ABANDONED) {
            if (has_cs && !terminal &&
                (rc = dk_eng_changeset_transition_tx(NULL, e, conn, cs, DK_CS_ABANDONED,
                                                     reason ? reason : "session abandoned")))
                goto attempt_out;
            drop_overlay = true;
        }
        if ((rc = dk_eng_claims_release_tx(e, conn, id, cs, NULL)))
            goto attempt_out;
        if (drop_overlay) {
            static const char *const drops[] = {
                "DELETE FROM overlay WHERE session_id = ?",
                "DELETE FROM session_symbols WHERE session_id = ?",
                "DELETE FROM read_marks WHERE session_id = ?",
            };
            for (size_t i = 0; i < 3 && rc == DK_OK; i++)
                rc = dk_store_exec(conn, NULL, drops[i], p1, 1);
            if (rc)
                goto attempt_out;
        }
        /* conditional on the state read: zero rows means another end won */
        int64_t changed = 0;
        const char *from_name = dk_session_state_name(from);
        if (to == DK_SESSION_CLOSED) {
            dk_store_val p2[] = {DK_SV_TEXT(id), DK_SV_TEXT(from_name)};
            rc = dk_store_exec(conn, &changed,
                               "UPDATE sessions SET state = 'closed' WHERE id = ? AND state = ?",
                               p2, 2);
        } else {
            dk_store_val p2[] = {DK_SV_INT(now), DK_SV_TEXT(reason ? reason : "explicit"),
                                 DK_SV_TEXT(id), DK_SV_TEXT(from_name)};
            rc = dk_store_exec(conn, &changed,
                               to == DK_SESSION_STRANDED
                                   ? "UPDATE sessions SET state = 'stranded', stranded_at = ?, "
                                     "stranded_reason = ? WHERE id = ? AND state = ?"
                                   : "UPDATE sessions SET state = 'abandoned', abandoned_at = ?, "
                                     "abandoned_reason = ? WHERE id = ? AND state = ?",
                               p2, 4);
        }
        if (rc == DK_OK && changed != 1)
            rc = dk_error_set(DK_ERACE, "session '%s' changed state meanwhile", id);
        if (rc)
            goto attempt_out;
        dk_str payload = DK_STR_INIT;
        dk_str_addch(&payload, '{');
        dk_eng_json_str(&payload, "reason", reason ? reason : "explicit", false);
        dk_str_addf(&payload, ",\"gc\":%s}", from_gc ? "true" : "false");
        const char *type = to == DK_SESSION_CLOSED     ? "session.closed"
                           : to == DK_SESSION_STRANDED ? "session.stranded"
                                                       : "session.abandoned";
        rc = dk_eng_emit_tx(e, conn, repo, type, id, agent, cs, payload.ptr, NULL);
        dk_str_release(&payload);
        if (rc == DK_OK)
            rc = dk_store_commit(conn);
    attempt_out:
        dk_store_rows_free(rows);
        if (rc || noop)
            dk_store_rollback(conn);
        dk_store_release(conn);
        free(agent);
        free(cs);
        free(owner);
        was_noop = noop;
        if (rc == DK_OK || !dk_eng_retryable(rc) || attempt >= 4)
            break;
    }
    if (ended)
        *ended = rc == DK_OK && !was_noop;
    if (rc == DK_OK && gc_noop) {
        free(repo);
        return DK_OK;
    }
    bool keep_ref = to == DK_SESSION_STRANDED;
    if (rc == DK_OK) {
        struct eng_session *live = NULL;
        if (keep_ref && dk_eng_session_find(&live, e, id) == DK_OK) {
            /* stranded: the ref must name the overlay as it is now */
            dk_eng_session_ref_sync(e, live);
            dk_eng_session_unref(live);
        }
        if (!keep_ref && repo)
            dk_eng_ref_delete(e, repo, id);
        dk_eng_registry_remove(e, id);
    }
    free(repo);
    return rc;
}

int dk_session_close(dk_engine *e, const dk_caller *caller, const char *session_id)
{
    if (!session_id || !*session_id)
        return dk_error_set(DK_EINVALID, "session id required");
    return dk_eng_session_end(e, caller, session_id, DK_SESSION_CLOSED, "session closed", false,
                              NULL);
}

int dk_session_abandon(dk_engine *e, const dk_caller *caller, const char *session_id,
                       const char *reason)
{
    if (!session_id || !*session_id)
        return dk_error_set(DK_EINVALID, "session id required");
    return dk_eng_session_end(e, caller, session_id, DK_SESSION_ABANDONED,
                              reason && *reason ? reason : "abandoned", false, NULL);
}

int dk_session_strand(dk_engine *e, const dk_caller *caller, const char *session_id,
                      const char *reason)
{
    if (!session_id || !*session_id)
        return dk_error_set(DK_EINVALID, "session id required");
    return dk_eng_session_end(e, caller, session_id, DK_SESSION_STRANDED,
                              reason && *reason ? reason : "stranded", false, NULL);
}
