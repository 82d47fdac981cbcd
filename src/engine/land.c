/*
 * engine/land.c - landing a session's changeset on its repository's branch
 * (dk_land), the dry run, and reverting a landed changeset
 * (dk_changeset_revert). The merge itself is land_core.c; this file adds
 * the changeset state, the session and the store.
 *
 *   dk_land
 *     view the session (caller checked) ─► changeset submitted or approved?
 *     │  the overlay still what was submitted? (what was verified lands)
 *     ▼  repository landing lock (one landing per repository per process)
 *     its landing_commit on the branch already? ─► record it, done (land_recover)
 *     dk_land_publish ── merge onto head ─► commit ─► landing_commit := commit
 *     │                  (committed alone) ─► prepare: BEGIN;
 *     │                    changeset -> merged, claims released,
 *     │                    changeset.merged, session moved to the new head
 *     │                    (or closed) ─► CAS branch ─► COMMIT
 *     │                  lost race: ROLLBACK, merge again onto the new head
 *     ▼
 *     dk_eng_session_reload (registry follows the store)
 *
 * Invariants:
 *  1. Land needs the changeset approved when the head has verification steps
 *     (.dk/pipeline.yaml), submitted or approved otherwise; checked against
 *     the head actually landed on, inside the transaction that records it.
 *  2. The store transaction is open across the compare-and-swap: the
 *     transition (a conditional UPDATE) makes a second landing of the same
 *     changeset - from this node or another - fail before it can move the
 *     branch, and a failed CAS rolls the records back. Only a failing COMMIT
 *     after a won CAS (or a process killed there) leaves the branch ahead of
 *     the store. The commit about to land is recorded first, in a
 *     transaction of its own (changesets.landing_commit); landing again
 *     finds it on the branch, checks that it is exactly this changeset
 *     merged onto its parent, and records it (land_recover): one commit per
 *     landing, and the store names it.
 *  3. After landing the session never re-merges what landed (dkod bug #11):
 *     in the same transaction its base becomes the new commit and its
 *     overlay, changed symbols and read marks are cleared, with a fresh
 *     draft changeset; or it is closed. That transaction first checks that
 *     the overlay in the store is still the one merged, so a write that
 *     committed meanwhile stops the landing instead of being dropped.
 *  4. A conflict lands nothing and changes no state: the changeset stays as
 *     it was, claims included, so the agent can adapt and submit again.
 *  5. A session that left the registry (closed with pinned work, or
 *     stranded) lands what it submitted: its entries come from the submit
 *     commit, its owner or an admin asks, and it stays closed or stranded.
 *  6. Revert works through the same core: the inverse of the landed commit
 *     (its parent's entries for every path it changed) is merged onto the
 *     current head with the landed commit as base, so later work on other
 *     symbols of the same files survives; the result is written into the
 *     session through the ordinary write path (claims, events).
 *
 * Ownership: out-structs belong to the caller (dk_land_result_free).
 * Conventions: one store connection per transaction; the repository handle
 * comes from the engine's pool and goes back before returning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk/log.h"

#include "engine/changeset.h"
#include "engine/land_core.h"
#include "engine/workspace.h"
#include "util/alloc.h"

#include "util/banned.h"

/* Lost compare-and-swaps retried before a landing gives up. */
#define LAND_MAX_RETRIES 16
/* Whole landings retried when the store could not serialise the transaction. */
#define LAND_STORE_RETRIES 3

/* ========================================================================== */
/* Results                                                                    */
/* ========================================================================== */

void dk_land_result_free(dk_land_result *result)
{
    if (!result)
        return;
    for (size_t i = 0; i < result->nmerged_files; i++)
        free(result->merged_files[i]);
    free(result->merged_files);
    for (size_t i = 0; i < result->nconflicts; i++)
        dk_land_conflict_release(&result->conflicts[i]);
    free(result->conflicts);
    free(result);
}

/* Move the merge's conflicts and merged files into the public result. */
static void land_take_merge(dk_land_result *out, struct dk_land_merge *m)
{
    out->conflicts = m->conflicts.items;
    out->nconflicts = m->conflicts.len;
    dk_vec_init(&m->conflicts);
    out->merged_files = m->merged_files.items;
    out->nmerged_files = m->merged_files.len;
    dk_vec_init(&m->merged_files);
}

/* ========================================================================== */
/* Landing                                                                    */
/* ========================================================================== */

struct land_ctx {
    dk_engine *e;
    const struct dk_eng_session_view *view;
    dk_git_repo *repo;
    const dk_land_opts *opts;
    /* the open transaction between prepare and the end of the CAS */
    dk_store_conn *conn;
    /* set by the publish result once known */
    const struct dk_land_publish_result *pub;
    /* the session left the registry (closed or stranded): it stays as it is */
    bool offline;
    /* what the last prepare failed with (DK_OK: it did not) */
    int prepare_rc;
    /* recording a landing whose commit is on the branch already (land_recover) */
    bool recovering;
};

/* The session after landing: closed, or continuing from `commit` with a fresh draft. */
static int land_session_tx(struct land_ctx *c, const char *commit_hex)
{
    const struct dk_eng_session_view *v = c->view;
    dk_store_conn *conn = c->conn;
    int64_t now = dk_eng_now(c->e);
    char *cs_id = NULL;
    int rc;

    static const char *const clears[] = {
        "DELETE FROM overlay WHERE session_id = ?",
        "DELETE FROM session_symbols WHERE session_id = ?",
        "DELETE FROM read_marks WHERE session_id = ?",
    };
    dk_store_val pid[] = {DK_SV_TEXT(v->id)};
    for (size_t i = 0; i < sizeof(clears) / sizeof(clears[0]); i++) {
        if ((rc = dk_store_exec(conn, NULL, clears[i], pid, 1)))
            return rc;
    }
    if (c->offline)
        return DK_OK; /* its work landed; the session itself stays closed or stranded */
    if (c->opts->close_session) {
        dk_store_val p[] = {DK_SV_TEXT(commit_hex), DK_SV_INT(now), DK_SV_TEXT(v->id)};
        if ((rc = dk_store_exec(conn, NULL,
                                "UPDATE sessions SET state = 'closed', base_commit = ?, "
                                "last_active = ? WHERE id = ?",
                                p, 3)))
            return rc;
        return dk_eng_emit_tx(c->e, conn, v->repo, "session.closed", v->id, v->agent_name,
                              v->changeset_id, "{\"reason\":\"landed\"}", NULL);
    }
    if ((rc = dk_eng_changeset_create_tx(&cs_id, c->e, conn, v->repo, v->id, v->intent,
                                         v->agent_name, commit_hex)))
        return rc;
    dk_store_val p[] = {DK_SV_TEXT(commit_hex), DK_SV_TEXT(cs_id), DK_SV_INT(now),
                        DK_SV_TEXT(v->id)};
    rc = dk_store_exec(conn, NULL,
                       "UPDATE sessions SET base_commit = ?, changeset_id = ?, last_active = ? "
                       "WHERE id = ?",
                       p, 4);
    free(cs_id);
    return rc;
}

/* The changeset still belongs to the session the landing was asked for. */
static int land_owns_changeset_tx(dk_store_conn *conn, const struct dk_eng_session_view *v)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(v->changeset_id)};
    int rc = dk_store_query(&rows, conn, "SELECT session_id FROM changesets WHERE id = ?", p, 1);
    if (rc)
        return rc;
    rc = dk_store_rows_next(rows);
    const char *owner = rc == 1 ? dk_store_rows_text(rows, 0, NULL) : NULL;
    if (rc == 1 && (!owner || strcmp(owner, v->id) != 0))
        rc = dk_error_set(DK_ESTATE,
                          "changeset %s now belongs to session %s (resumed): land it there",
                          v->changeset_id, owner ? owner : "(none)");
    else if (rc == 0)
        rc = dk_error_set(DK_ENOTFOUND, "changeset '%s' not found", v->changeset_id);
    dk_store_rows_free(rows);
    return rc < 0 ? rc : DK_OK;
}

/*
 * With verification steps, an approval counts only for the head it was made
 * on (changesets.verified_head): merged onto another head the tree differs
 * from what was checked, so it is refused with DK_ESTALE and verified again
 * (dk_verify_land). An approval that recorded no head (before it was kept)
 * is refused the same way.
 */
static int land_verdict_current_tx(dk_store_conn *conn, const char *changeset_id,
                                   const dk_oid *head)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(changeset_id)};
    char hex[DK_OID_HEXSZ + 1] = "";
    int rc = dk_store_query(&rows, conn, "SELECT verified_head FROM changesets WHERE id = ?", p, 1);
    if (rc)
        return rc;
    if (head && !dk_oid_is_zero(head))
        dk_oid_to_hex(hex, head);
    rc = dk_store_rows_next(rows);
    const char *at = rc == 1 ? dk_store_rows_text(rows, 0, NULL) : NULL;
    if (rc == 1 && (!at || strcmp(at, hex) != 0))
        rc = dk_error_set(DK_ESTALE,
                          "changeset %s was approved on head %.12s, the head is now %.12s: "
                          "verify again",
                          changeset_id, at ? (*at ? at : "(unborn)") : "(not recorded)",
                          *hex ? hex : "(unborn)");
    else if (rc == 0)
        rc = dk_error_set(DK_ENOTFOUND, "changeset '%s' not found", changeset_id);
    dk_store_rows_free(rows);
    return rc < 0 ? rc : DK_OK;
}

/* Everything the landing records, in the transaction left open for the CAS. */
static int land_record_tx(struct land_ctx *c, const dk_oid *head, const dk_oid *commit)
{
    const struct dk_eng_session_view *v = c->view;
    char hex[DK_OID_HEXSZ + 1], reason[80];
    dk_changeset_state from;
    bool pipeline;
    dk_str payload = DK_STR_INIT;
    int rc;

    /* a recovered landing passed these checks in the prepare before its CAS */
    if (!c->recovering && (rc = dk_eng_cs_has_pipeline(&pipeline, c->repo, head)))
        return rc;
    if (c->recovering)
        pipeline = false;
    if (!c->offline && (rc = dk_eng_cs_overlay_unchanged_tx(c->conn, v, "landing")))
        return rc;
    if ((rc = dk_eng_changeset_state_tx(&from, c->conn, v->changeset_id)))
        return rc;
    if (pipeline && from != DK_CS_APPROVED)
        return dk_error_set(DK_ESTATE,
                            "changeset %s is %s; the repository has verification steps, so it "
                            "must be approved to land",
                            v->changeset_id, dk_changeset_state_name(from));
    if (pipeline && (rc = land_verdict_current_tx(c->conn, v->changeset_id, head)))
        return rc;
    dk_oid_to_hex(hex, commit);
    snprintf(reason, sizeof(reason), "landed as %.12s", hex);
    if ((rc = dk_eng_changeset_transition_tx(NULL, c->e, c->conn, v->changeset_id, DK_CS_MERGED,
                                             reason)))
        return rc;
    /* still this session's: a resume that committed after the view was read
     * moved the changeset (and the overlay) to the new session, whose work it
     * now is (read after the transition's UPDATE, so it sees that resume) */
    if ((rc = land_owns_changeset_tx(c->conn, v)))
        return rc;
    dk_store_val p[] = {DK_SV_TEXT(hex), DK_SV_TEXT(v->changeset_id)};
    if ((rc = dk_store_exec(c->conn, NULL, "UPDATE changesets SET merged_commit = ? WHERE id = ?",
                            p, 2)))
        return rc;
    if ((rc = dk_eng_claims_release_tx(c->e, c->conn, v->id, v->changeset_id, NULL)))
        return rc;
    dk_str_addch(&payload, '{');
    dk_eng_cs_json(&payload, "commit", hex);
    dk_str_addf(&payload, ",\"retries\":%u,\"merged_files\":[", c->pub ? c->pub->retries : 0u);
    if (c->pub) {
        for (size_t i = 0; i < c->pub->merge.merged_files.len; i++) {
            const char *f = c->pub->merge.merged_files.items[i];
            dk_str_adds(&payload, i ? ",\"" : "\"");
            dk_str_add_json_escaped(&payload, f, strlen(f));
            dk_str_addch(&payload, '"');
        }
    }
    dk_str_adds(&payload, "]}");
    rc = dk_eng_emit_tx(c->e, c->conn, v->repo, "changeset.merged", v->id, v->agent_name,
                        v->changeset_id, payload.ptr, NULL);
    dk_str_release(&payload);
    if (rc)
        return rc;
    return land_session_tx(c, hex);
}

/*
 * The commit about to land, committed on its own before the records'
 * transaction opens (and so before the CAS): if the process dies after the
 * CAS and before the records commit, the retry finds its commit through it
 * (land_recover) instead of landing the same change again as an empty commit.
 */
static int land_intent(dk_store_conn *conn, const char *changeset_id, const dk_oid *commit)
{
    char hex[DK_OID_HEXSZ + 1];
    dk_oid_to_hex(hex, commit);
    dk_store_val p[] = {DK_SV_TEXT(hex), DK_SV_TEXT(changeset_id)};
    return dk_store_exec(conn, NULL, "UPDATE changesets SET landing_commit = ? WHERE id = ?", p, 2);
}

static int land_prepare(void *ud, const dk_oid *head, const dk_oid *commit)
{
    struct land_ctx *c = ud;
    int rc;
    if ((rc = dk_store_acquire(&c->conn, dk_eng_store(c->e)))) {
        c->conn = NULL;
        c->prepare_rc = rc;
        return rc;
    }
    if ((rc = land_intent(c->conn, c->view->changeset_id, commit)) == DK_OK &&
        (rc = dk_store_begin(c->conn)) == DK_OK && (rc = land_record_tx(c, head, commit)) == DK_OK)
        return DK_OK;
    dk_store_rollback(c->conn);
    dk_store_release(c->conn);
    c->conn = NULL;
    c->prepare_rc = rc;
    return rc;
}

static void land_abort(void *ud)
{
    struct land_ctx *c = ud;
    if (!c->conn)
        return;
    dk_store_rollback(c->conn);
    dk_store_release(c->conn);
    c->conn = NULL;
}

static const char *const land_session_states[] = {
    [DK_SESSION_ACTIVE] = "active",
    [DK_SESSION_STRANDED] = "stranded",
    [DK_SESSION_ABANDONED] = "abandoned",
    [DK_SESSION_CLOSED] = "closed",
};

/*
 * A session that left the registry - closed with its changeset submitted,
 * or stranded - read from the store, for landing its submitted work
 * (dk/engine.h: such a changeset stays landable). The caller must be the
 * owner, an admin or the local process. The entries are left empty: they
 * come from the submitted commit (land_entries_of_commit). Verification
 * (src/verify/) reads such sessions through it too.
 */
int dk_eng_session_view_ended(struct dk_eng_session_view *out, dk_engine *e,
                              const dk_caller *caller, const char *session_id)
{
    dk_store_conn *conn;
    dk_store_rows *rows = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = dk_store_acquire(&conn, dk_eng_store(e))))
        return rc;
    dk_store_val p[] = {DK_SV_TEXT(session_id)};
    rc = dk_store_query(&rows, conn,
                        "SELECT repo, agent_id, agent_name, intent, changeset_id, owner, "
                        "base_commit, state, superseded_by FROM sessions WHERE id = ?",
                        p, 1);
    if (rc == DK_OK && (rc = dk_store_rows_next(rows)) == 0)
        rc = dk_error_set(DK_ENOSESSION, "session '%s' not found", session_id);
    if (rc == 1) {
        const char *cols[6];
        for (int i = 0; i < 6; i++)
            cols[i] = dk_store_rows_text(rows, i, NULL);
        const char *base = dk_store_rows_text(rows, 6, NULL);
        const char *state = dk_store_rows_text(rows, 7, NULL);
        out->id = dk_xstrdup(session_id);
        out->repo = dk_xstrdup(cols[0]);
        out->agent_id = dk_xstrdup(cols[1]);
        out->agent_name = dk_xstrdup(cols[2]);
        out->intent = dk_xstrdup(cols[3]);
        out->changeset_id = dk_xstrdup(cols[4] ? cols[4] : "");
        out->owner = cols[5] ? dk_xstrdup(cols[5]) : NULL;
        out->state = DK_SESSION_CLOSED;
        for (unsigned i = 0; state && i < 4; i++)
            if (strcmp(state, land_session_states[i]) == 0)
                out->state = (dk_session_state)i;
        rc = base && *base ? dk_oid_from_hex(&out->base, base, strlen(base)) : DK_OK;
        const char *sup = dk_store_rows_text(rows, 8, NULL);
        if (rc == DK_OK && sup)
            /* its work lives on in the session that resumed it: land that one */
            rc = dk_error_set(DK_ESTATE, "session '%s' was resumed as '%s'", session_id, sup);
    }
    dk_store_rows_free(rows);
    dk_store_release(conn);
    if (rc == DK_OK && caller && !caller->admin &&
        !(out->owner && caller->token_id && strcmp(out->owner, caller->token_id) == 0))
        rc = dk_error_set(DK_EFORBIDDEN, "session '%s' belongs to another caller", session_id);
    if (rc < 0)
        dk_eng_session_view_release(out);
    return rc < 0 ? rc : DK_OK;
}

/* The changes of `commit` against `base` (zero: the empty tree) as overlay entries. */
static int land_entries_of_commit(struct dk_eng_session_view *v, dk_git_repo *repo,
                                  const dk_oid *commit)
{
    dk_git_changes changes = DK_GIT_CHANGES_INIT;
    dk_oid from = v->base;
    int rc;

    if (dk_oid_is_zero(&from) && (rc = dk_git_tree_build(&from, repo, NULL, NULL, 0)))
        return rc;
    if ((rc = dk_git_changes_list(&changes, repo, &from, commit)))
        return rc;
    v->entries = dk_xcalloc(changes.len ? changes.len : 1, sizeof(*v->entries));
    for (size_t i = 0; i < changes.len; i++) {
        const dk_git_change *c = &changes.items[i];
        struct dk_eng_overlay_entry *en = &v->entries[v->nentries++];
        en->path = dk_xstrdup(c->path);
        en->deleted = c->kind == DK_GIT_CHANGE_DELETED;
        if (!en->deleted) {
            en->blob = c->new_id;
            en->mode = c->new_mode;
        }
    }
    dk_git_changes_release(&changes);
    return DK_OK;
}

/*
 * What was submitted is what lands: the overlay must still give the tree of
 * the submit commit (a write after submit would otherwise land unverified).
 */
static int land_check_submitted(dk_git_repo *repo, const struct dk_eng_session_view *v,
                                const struct dk_eng_cs *cs)
{
    dk_oid submitted, want, have;
    int rc;

    if (!cs->submit_commit || !*cs->submit_commit)
        return dk_error_set(DK_ESTATE, "changeset %s has no submitted commit", cs->id);
    if ((rc = dk_oid_from_hex(&submitted, cs->submit_commit, strlen(cs->submit_commit))) ||
        (rc = dk_git_tree_resolve(&want, repo, &submitted)))
        return rc;
    dk_git_edit *edits = dk_xcalloc(v->nentries ? v->nentries : 1, sizeof(*edits));
    for (size_t i = 0; i < v->nentries; i++) {
        const struct dk_eng_overlay_entry *en = &v->entries[i];
        edits[i].path = en->path;
        edits[i].op = en->deleted ? DK_GIT_EDIT_DELETE : DK_GIT_EDIT_UPSERT;
        edits[i].id = en->blob;
        edits[i].mode = en->mode ? en->mode : DK_GIT_MODE_FILE;
    }
    bool unborn = dk_oid_is_zero(&v->base);
    rc = dk_git_tree_build(&have, repo, unborn ? NULL : &v->base, edits, v->nentries);
    free(edits);
    if (rc)
        return rc;
    if (!dk_oid_is_equal(&want, &have))
        return dk_error_set(DK_ESTATE,
                            "session %s changed after changeset %s was submitted: submit again",
                            v->id, cs->id);
    return DK_OK;
}

/*
 * A landing killed between its compare-and-swap and its COMMIT left its
 * commit on the branch and nothing in the store (invariant 2). Its intent
 * (changesets.landing_commit, land_intent) names the commit; when that commit
 * is on the branch and its tree is exactly the session's entries merged onto
 * its parent, the landing happened: record it now (the same records as a
 * landing, in one transaction, no commit and no CAS), and *out is that commit.
 * Anything else (no intent, a commit that never reached the branch or holds
 * something else) is DK_OK with *out zero: the landing goes on as usual.
 */
static int land_recover(dk_oid *out, struct land_ctx *c, const char *branch)
{
    const struct dk_eng_session_view *v = c->view;
    struct dk_land_merge m = {0};
    dk_store_conn *conn;
    dk_oid landed, head, parent, mb, landed_tree;
    char *hex = NULL, spec[DK_OID_HEXSZ + 2];
    bool found = false;
    int rc, prc = DK_OK;

    memset(out, 0, sizeof(*out));
    if ((rc = dk_store_acquire(&conn, dk_eng_store(c->e))))
        return rc;
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(v->changeset_id)};
    rc = dk_store_query(&rows, conn, "SELECT landing_commit FROM changesets WHERE id = ?", p, 1);
    if (rc == DK_OK) {
        if (dk_store_rows_next(rows) == 1) {
            const char *t = dk_store_rows_text(rows, 0, NULL);
            hex = t && *t ? dk_xstrdup(t) : NULL;
        }
        dk_store_rows_free(rows);
    }
    dk_store_release(conn);
    if (rc || !hex)
        goto out;
    /* on the branch: the commit is the head or one of its ancestors */
    if (dk_oid_from_hex(&landed, hex, strlen(hex)) || dk_git_branch_read(&head, c->repo, branch) ||
        dk_git_merge_base(&mb, c->repo, &landed, &head) || !dk_oid_is_equal(&mb, &landed))
        goto out;
    snprintf(spec, sizeof(spec), "%s^", hex);
    prc = dk_git_rev_resolve(&parent, c->repo, spec);
    if (prc && prc != DK_ENOTFOUND)
        goto out;
    /* exactly this changeset's entries merged onto its parent */
    bool unborn_base = dk_oid_is_zero(&v->base);
    if (dk_land_merge_tree(&m, c->repo, unborn_base ? NULL : &v->base, prc ? NULL : &parent,
                           v->entries, v->nentries, dk_eng_symcache(c->e)) ||
        m.conflicts.len > 0 || dk_git_tree_resolve(&landed_tree, c->repo, &landed) ||
        !dk_oid_is_equal(&landed_tree, &m.tree))
        goto out;
    found = true;
out:
    dk_land_merge_release(&m);
    free(hex);
    dk_error_clear();
    if (rc || !found)
        return rc;
    /* record it, as land_prepare and the COMMIT after the CAS would have */
    c->recovering = true;
    const struct dk_land_publish_result *pub = c->pub;
    c->pub = NULL;
    if ((rc = dk_store_acquire(&c->conn, dk_eng_store(c->e))) == DK_OK) {
        if ((rc = dk_store_begin(c->conn)) == DK_OK &&
            (rc = land_record_tx(c, prc ? NULL : &parent, &landed)) == DK_OK)
            rc = dk_store_commit(c->conn);
        else
            dk_store_rollback(c->conn);
        dk_store_release(c->conn);
    }
    c->conn = NULL;
    c->pub = pub;
    c->recovering = false;
    if (rc == DK_OK) {
        char lhex[DK_OID_HEXSZ + 1];
        dk_oid_to_hex(lhex, &landed);
        *out = landed;
        dk_trace(DK_TRACE_WARN, "engine",
                 "changeset %s: its landing %.12s was on the branch, unrecorded (a process "
                 "stopped before its COMMIT): recorded now",
                 v->changeset_id, lhex);
    }
    return rc;
}

/* dk_land_publish; a store transaction that failed to serialise (deadlock, busy) is retried whole.
 */
static int land_publish_retrying(struct dk_land_publish_result *pub, struct land_ctx *c,
                                 const struct dk_land_publish_opts *po)
{
    const struct dk_eng_session_view *v = c->view;
    for (int attempt = 0;; attempt++) {
        c->prepare_rc = DK_OK;
        int rc = dk_land_publish(pub, c->repo, &v->base, v->entries, v->nentries, po);
        bool store_busy = rc == c->prepare_rc && (rc == DK_ERACE || rc == DK_EBUSY);
        if (!store_busy || attempt >= LAND_STORE_RETRIES)
            return rc;
        dk_land_publish_release(pub);
    }
}

/* dk_land; with recover_only, only a landing whose records were lost is
 * recorded (land_recover), and anything else is DK_ENOTFOUND, nothing done. */
static int land_run(dk_land_result **out, dk_engine *e, const dk_caller *caller,
                    const char *session_id, const dk_land_opts *opts, bool recover_only)
{
    static const dk_land_opts defaults = DK_LAND_OPTS_INIT;
    struct dk_eng_session_view v;
    struct dk_eng_cs cs = {0};
    struct dk_land_publish_result pub = {0};
    dk_git_repo *repo = NULL;
    const char *branch = NULL;
    pthread_mutex_t *lock = NULL;
    char *name = NULL, *email = NULL, *msg = NULL;
    int rc;

    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != DK_LAND_OPTS_VERSION)
        return dk_error_set(DK_EINVALID, "unsupported land options version %u", opts->version);
    bool offline = false;
    rc = dk_eng_session_view(&v, e, caller, session_id);
    if (rc == DK_ENOSESSION && session_id && *session_id) {
        /* not live here: a closed or stranded session's submitted work still lands */
        if ((rc = dk_eng_session_view_ended(&v, e, caller, session_id)))
            return rc;
        offline = true;
    }
    if (rc)
        return rc;
    *out = dk_xcalloc(1, sizeof(**out));
    if (offline ? v.state == DK_SESSION_ABANDONED || v.state == DK_SESSION_ACTIVE
                : v.state != DK_SESSION_ACTIVE) {
        rc =
            dk_error_set(DK_ESTATE, "session %s is %s", session_id, dk_session_state_name(v.state));
        goto out;
    }
    if ((rc = dk_eng_cs_load(&cs, e, NULL, v.changeset_id)))
        goto out;
    if (offline && !dk_eng_changeset_is_pinned(cs.state)) {
        rc = dk_error_set(DK_ESTATE, "session %s is %s and its changeset %s is %s", session_id,
                          dk_session_state_name(v.state), cs.id, dk_changeset_state_name(cs.state));
        goto out;
    }
    /* refuse before merging; the transition in land_record_tx decides */
    if (!opts->dry_run && !dk_eng_cs_can_become(cs.state, DK_CS_MERGED)) {
        rc = dk_error_set(DK_ESTATE, "changeset %s is %s, cannot become merged", cs.id,
                          dk_changeset_state_name(cs.state));
        goto out;
    }
    if ((rc = dk_eng_repo_acquire(&repo, &branch, e, v.repo)))
        goto out;
    if (offline) {
        dk_oid submitted;
        if ((rc = dk_oid_from_hex(&submitted, cs.submit_commit ? cs.submit_commit : "",
                                  cs.submit_commit ? strlen(cs.submit_commit) : 0)) ||
            (rc = land_entries_of_commit(&v, repo, &submitted)))
            goto out;
    }
    if (v.nentries == 0) {
        rc = dk_error_set(DK_ESTATE, "session %s has no changes to land", session_id);
        goto out;
    }
    if (!opts->dry_run && !offline && (rc = land_check_submitted(repo, &v, &cs)))
        goto out;

    dk_eng_cs_identity(&name, &email, v.agent_name);
    msg = dk_eng_cs_message(opts->message ? opts->message : v.intent);
    struct land_ctx ctx = {.e = e, .view = &v, .repo = repo, .opts = opts, .offline = offline};
    struct dk_land_publish_opts po = {
        .branch = branch,
        .author_name = name,
        .author_email = email,
        .message = msg,
        .time_s = dk_eng_now(e) / 1000,
        .max_retries = LAND_MAX_RETRIES,
        .dry_run = opts->dry_run,
        .cache = dk_eng_symcache(e),
        .prepare = land_prepare,
        .abort = land_abort,
        .ud = &ctx,
    };
    ctx.pub = &pub;
    if (!opts->dry_run) {
        lock = dk_eng_repo_land_lock(e, v.repo);
        if (lock)
            pthread_mutex_lock(lock);
    }
    /* landed already by a landing killed before its records committed? */
    dk_oid recovered = {{0}};
    if (!opts->dry_run)
        rc = land_recover(&recovered, &ctx, branch);
    if (rc == DK_OK && !dk_oid_is_zero(&recovered))
        pub.commit = recovered;
    else if (rc == DK_OK && recover_only)
        rc = dk_error_set(DK_ENOTFOUND, "changeset %s: no unrecorded landing on the branch",
                          v.changeset_id);
    else if (rc == DK_OK)
        rc = land_publish_retrying(&pub, &ctx, &po);
    if (rc == DK_OK && ctx.conn) {
        /* the branch moved: make the records durable */
        rc = dk_store_commit(ctx.conn);
        dk_store_release(ctx.conn);
        ctx.conn = NULL;
        if (rc) {
            char hex[DK_OID_HEXSZ + 1];
            dk_oid_to_hex(hex, &pub.commit);
            rc = dk_error_set(rc, "landed as %s but recording it failed: %s", hex,
                              dk_error_last()->msg);
        }
    }
    land_abort(&ctx);
    if (lock)
        pthread_mutex_unlock(lock);
    if (!dk_oid_is_zero(&pub.commit))
        dk_oid_to_hex((*out)->commit, &pub.commit);
    (*out)->retries = pub.retries;
    land_take_merge(*out, &pub.merge);
    if (!opts->dry_run && !dk_oid_is_zero(&pub.commit)) {
        /* the landing deleted the session's stored read marks; its looks still pending in
         * memory are from before the landing too (a flush after it would store them) */
        if (rc == DK_OK)
            dk_eng_reads_forget(e, session_id, dk_eng_now(e));
        dk_eng_cs_reload(e, session_id);
        if (rc == DK_OK)
            dk_eng_ctx_follow(e, v.repo);
    }
out:
    dk_land_publish_release(&pub);
    dk_eng_repo_release(e, v.repo, repo);
    dk_eng_cs_release(&cs);
    dk_eng_session_view_release(&v);
    free(name);
    free(email);
    free(msg);
    return rc;
}

int dk_land(dk_land_result **out, dk_engine *e, const dk_caller *caller, const char *session_id,
            const dk_land_opts *opts)
{
    return land_run(out, e, caller, session_id, opts, false);
}

int dk_eng_land_reconcile(dk_engine *e, unsigned *recorded)
{
    dk_store_conn *conn;
    dk_store_rows *rows = NULL;
    dk_vec(char *) sids = DK_VEC_INIT;
    int rc;

    *recorded = 0;
    if ((rc = dk_store_acquire(&conn, dk_eng_store(e))))
        return rc;
    rc = dk_store_query(&rows, conn,
                        "SELECT session_id FROM changesets WHERE landing_commit IS NOT NULL AND "
                        "state IN ('submitted', 'approved') ORDER BY number",
                        NULL, 0);
    while (rc == DK_OK && dk_store_rows_next(rows) == 1) {
        const char *sid = dk_store_rows_text(rows, 0, NULL);
        if (sid)
            dk_vec_push(&sids, dk_xstrdup(sid));
    }
    dk_store_rows_free(rows);
    dk_store_release(conn);
    dk_vec_foreach(&sids, char **, sid) {
        dk_land_result *r = NULL;
        int lrc = rc ? rc : land_run(&r, e, NULL, *sid, NULL, true);
        if (lrc == DK_OK)
            (*recorded)++;
        else if (lrc != DK_ENOTFOUND && !rc)
            dk_trace(DK_TRACE_WARN, "engine", "reconcile landing of session %s: %s", *sid,
                     dk_error_last()->msg);
        dk_land_result_free(r);
        free(*sid);
    }
    dk_vec_release(&sids);
    dk_error_clear();
    return rc;
}

/* ========================================================================== */
/* Revert                                                                     */
/* ========================================================================== */

/* The revert's record: the session's changeset names what it reverts. */
struct land_revert_rec {
    dk_engine *e;
    const struct dk_eng_session_view *view;
    const char *target;
    const char *head_hex;
};

/* Move the (empty) session onto the head the revert was merged on. */
static int land_revert_rebase_tx(void *ud, dk_store_conn *conn)
{
    struct land_revert_rec *r = ud;
    int64_t n = 0;
    bool found = false;
    int rc;
    dk_store_val pid[] = {DK_SV_TEXT(r->view->id)};
    if ((rc = dk_store_query_int(&n, &found, conn,
                                 "SELECT COUNT(*) FROM overlay WHERE session_id = ?", pid, 1)))
        return rc;
    if (n != 0)
        return dk_error_set(DK_ESTATE, "session %s has changes: revert needs an empty session",
                            r->view->id);
    dk_changeset_state st;
    if ((rc = dk_eng_changeset_state_tx(&st, conn, r->view->changeset_id)))
        return rc;
    if (st != DK_CS_DRAFT)
        return dk_error_set(DK_ESTATE, "changeset %s is %s: revert needs a draft",
                            r->view->changeset_id, dk_changeset_state_name(st));
    dk_store_val ps[] = {DK_SV_TEXT(r->head_hex), DK_SV_TEXT(r->view->id)};
    if ((rc = dk_store_exec(conn, NULL, "UPDATE sessions SET base_commit = ? WHERE id = ?", ps, 2)))
        return rc;
    dk_store_val pc[] = {DK_SV_TEXT(r->head_hex), DK_SV_INT(dk_eng_now(r->e)),
                         DK_SV_TEXT(r->view->changeset_id)};
    return dk_store_exec(
        conn, NULL, "UPDATE changesets SET base_commit = ?, updated_at = ? WHERE id = ?", pc, 3);
}

/*
 * Once every path of the revert is written: the changeset records what it
 * reverts and changeset.reverted is emitted. Not before: a write refused
 * half way (a claim) undoes the writes, and the changeset must not then
 * claim to revert anything.
 */
static int land_revert_record_tx(void *ud, dk_store_conn *conn)
{
    struct land_revert_rec *r = ud;
    int rc;
    dk_store_val pc[] = {DK_SV_TEXT(r->target), DK_SV_INT(dk_eng_now(r->e)),
                         DK_SV_TEXT(r->view->changeset_id)};
    if ((rc = dk_store_exec(
             conn, NULL, "UPDATE changesets SET reverts = ?, updated_at = ? WHERE id = ?", pc, 3)))
        return rc;
    dk_str payload = DK_STR_INIT;
    dk_str_addch(&payload, '{');
    dk_eng_cs_json(&payload, "reverts", r->target);
    dk_str_addch(&payload, '}');
    rc = dk_eng_emit_tx(r->e, conn, r->view->repo, "changeset.reverted", r->view->id,
                        r->view->agent_name, r->view->changeset_id, payload.ptr, NULL);
    dk_str_release(&payload);
    return rc;
}

/* The inverse of `merged` (its parent's entries, for every path it changed). */
static int land_inverse(struct dk_eng_overlay_entry **out, size_t *n, dk_git_repo *repo,
                        const dk_oid *merged)
{
    dk_git_changes changes = DK_GIT_CHANGES_INIT;
    char hex[DK_OID_HEXSZ + 1], spec[DK_OID_HEXSZ + 3];
    dk_oid parent, from;
    int rc;

    *out = NULL;
    *n = 0;
    dk_oid_to_hex(hex, merged);
    snprintf(spec, sizeof(spec), "%s^", hex);
    rc = dk_git_rev_resolve(&parent, repo, spec);
    if (rc == DK_OK)
        from = parent;
    else if (rc == DK_ENOTFOUND || rc == DK_EINVALID)
        rc = dk_git_tree_build(&from, repo, NULL, NULL, 0); /* a root commit: from nothing */
    if (rc)
        return rc;
    if ((rc = dk_git_changes_list(&changes, repo, &from, merged)))
        return rc;
    struct dk_eng_overlay_entry *e = dk_xcalloc(changes.len ? changes.len : 1, sizeof(*e));
    for (size_t i = 0; i < changes.len; i++) {
        const dk_git_change *c = &changes.items[i];
        e[i].path = dk_xstrdup(c->path);
        e[i].deleted = c->kind == DK_GIT_CHANGE_ADDED;
        if (!e[i].deleted) {
            e[i].blob = c->old_id;
            e[i].mode = c->old_mode;
        }
    }
    *out = e;
    *n = changes.len;
    dk_git_changes_release(&changes);
    return DK_OK;
}

static void land_entries_free(struct dk_eng_overlay_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(e[i].path);
    free(e);
}

/* Drop the session's changes to the first `n` paths again (a revert that failed half way). */
static void land_revert_undo(dk_engine *e, const dk_caller *caller, const char *session_id,
                             const struct dk_eng_overlay_entry *entries, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (dk_file_revert(e, caller, session_id, entries[i].path) != DK_OK)
            dk_trace(DK_TRACE_WARN, "engine", "revert: undo of %s in session %s: %s",
                     entries[i].path, session_id, dk_error_last()->msg);
    }
}

/* A write the claims refused, as landing conflicts. */
static void land_claims_as_conflicts(dk_land_result *out, const dk_write_result *w)
{
    if (!w || w->nclaims == 0)
        return;
    out->conflicts =
        dk_xreallocarray(out->conflicts, out->nconflicts + w->nclaims, sizeof(*out->conflicts));
    for (size_t i = 0; i < w->nclaims; i++) {
        const dk_claim_conflict *cc = &w->claims[i];
        dk_land_conflict *c = &out->conflicts[out->nconflicts++];
        dk_str d = DK_STR_INIT;
        memset(c, 0, sizeof(*c));
        dk_str_addf(&d, "claimed by %s (session %s)", cc->holder_agent, cc->holder_session);
        c->path = dk_xstrdup(cc->path);
        c->qualified_name = dk_xstrdup(cc->qualified_name);
        c->kind = dk_xstrdup(cc->kind);
        c->description = dk_str_detach(&d, NULL);
    }
}

int dk_changeset_revert(dk_land_result **out, dk_engine *e, const dk_caller *caller,
                        const char *session_id, const char *changeset_id)
{
    struct dk_eng_session_view v;
    struct dk_eng_cs target = {0};
    struct dk_land_merge m = {0};
    struct dk_eng_overlay_entry *inv = NULL;
    size_t ninv = 0, written = 0;
    dk_git_repo *repo = NULL;
    const char *branch = NULL;
    dk_oid merged, head = {{0}};
    char head_hex[DK_OID_HEXSZ + 1];
    int rc;

    *out = NULL;
    if ((rc = dk_eng_session_view(&v, e, caller, session_id)))
        return rc;
    *out = dk_xcalloc(1, sizeof(**out));
    if (v.state != DK_SESSION_ACTIVE) {
        rc =
            dk_error_set(DK_ESTATE, "session %s is %s", session_id, dk_session_state_name(v.state));
        goto out;
    }
    if (v.nentries != 0) {
        rc = dk_error_set(DK_ESTATE, "session %s has changes: revert needs an empty session",
                          session_id);
        goto out;
    }
    /*
     * any caller who may act on the session may revert any landed changeset of its
     * repository; one of another repository is not found, in the same words as an
     * unknown id (a caller scoped to one repository must not learn another's ids)
     */
    rc = dk_eng_cs_load(&target, e, NULL, changeset_id);
    if (rc == DK_OK && strcmp(target.repo, v.repo) != 0)
        rc = dk_error_set(DK_ENOTFOUND, DK_CHANGESET_NOT_FOUND_FMT, changeset_id);
    if (rc)
        goto out;
    if (target.state != DK_CS_MERGED || !target.merged_commit || !*target.merged_commit) {
        rc = dk_error_set(DK_ESTATE, "changeset %s is %s: only a merged changeset reverts",
                          target.id, dk_changeset_state_name(target.state));
        goto out;
    }
    if ((rc = dk_oid_from_hex(&merged, target.merged_commit, strlen(target.merged_commit))))
        goto out;
    if ((rc = dk_eng_repo_acquire(&repo, &branch, e, v.repo)))
        goto out;
    if ((rc = dk_git_branch_read(&head, repo, branch)))
        goto out;
    if ((rc = land_inverse(&inv, &ninv, repo, &merged)))
        goto out;
    /* base = the landed commit, head = now, session = its parent's entries */
    if ((rc = dk_land_merge_tree(&m, repo, &merged, &head, inv, ninv, dk_eng_symcache(e))))
        goto out;
    if (m.conflicts.len > 0) {
        land_take_merge(*out, &m);
        rc = dk_error_set(DK_ECONFLICT, "%zu conflict%s reverting changeset %s", (*out)->nconflicts,
                          (*out)->nconflicts == 1 ? "" : "s", target.id);
        goto out;
    }
    dk_oid head_tree;
    if ((rc = dk_git_tree_resolve(&head_tree, repo, &head)))
        goto out;
    if (dk_oid_is_equal(&head_tree, &m.tree)) {
        rc = dk_error_set(DK_ESTATE,
                          "nothing to revert: the head no longer has the changes of "
                          "changeset %s",
                          target.id);
        goto out;
    }

    /* the session starts from the head the inverse was merged onto */
    dk_oid_to_hex(head_hex, &head);
    struct land_revert_rec rec = {.e = e, .view = &v, .target = target.id, .head_hex = head_hex};
    if ((rc = dk_eng_cs_tx(e, land_revert_rebase_tx, &rec)))
        goto out;
    if ((rc = dk_eng_session_reload(e, session_id)))
        goto out;

    /* write the merged result of every path into the session */
    for (; written < ninv; written++) {
        const char *path = inv[written].path;
        dk_write_result *w = NULL;
        char *content = NULL;
        size_t len = 0;
        unsigned mode = 0;
        int frc = dk_git_file_read(&content, &len, &mode, repo, &m.tree, path);
        if (frc == DK_ENOTFOUND) {
            int hrc = dk_git_file_lookup(NULL, NULL, repo, &head, path);
            if (hrc == DK_ENOTFOUND)
                continue; /* absent on the head and in the result: nothing to do */
            rc = dk_file_delete(&w, e, caller, session_id, path);
        } else if (frc == DK_OK) {
            dk_write_opts wo = DK_WRITE_OPTS_INIT;
            wo.mode = mode;
            wo.force = true;
            rc = dk_file_write(&w, e, caller, session_id, path, content, len, &wo);
        } else {
            rc = frc;
        }
        free(content);
        if (rc == DK_ECONFLICT)
            land_claims_as_conflicts(*out, w);
        dk_write_result_free(w);
        if (rc)
            break;
    }
    if (rc == DK_OK)
        rc = dk_eng_cs_tx(e, land_revert_record_tx, &rec);
    if (rc) {
        land_revert_undo(e, caller, session_id, inv, written);
        goto out;
    }
    land_take_merge(*out, &m);
out:
    dk_land_merge_release(&m);
    land_entries_free(inv, ninv);
    dk_eng_repo_release(e, v.repo, repo);
    dk_eng_cs_release(&target);
    dk_eng_session_view_release(&v);
    return rc;
}
