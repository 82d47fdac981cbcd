/*
 * engine/changeset.c - changesets: creation, the one transition function,
 * queries, submit (a commit on the base and refs/dk/changesets/<id>),
 * approve, reject (at a human-approve step), and the verification verdict
 * (DESIGN.md decision 9).
 *
 * The state machine (checked in dk_eng_changeset_transition_tx and nowhere
 * else; every other function asks it):
 *
 *            submit                 verifying              verified(pass)
 *   draft ───────────► submitted ─────────────► verifying ───────────────► approved
 *                        │  ▲   │ approve                  │ verified(fail)   │
 *                        │  │   └──────────────────────────┼────► approved    │ land
 *                        │  │ resubmit                     ▼                  ▼
 *                        │  └──────────────────────── rejected             merged
 *                        └── land (no verification steps) ──────────────────►┘
 *   verifying ──► awaiting_approval (a human-approve step) ──approve──► approved
 *                                                          └──reject───► rejected
 *   approved | awaiting_approval ──► verifying: re-verification, the head moved (docs/verify.md)
 *   resubmit (the session changed since it was submitted):
 *                        submitted -> submitted, approved -> submitted
 *   reopen (dk_session_rebase moved the session onto a new head):
 *                        submitted | verifying | approved | awaiting_approval | rejected -> draft
 *   any non-terminal ──► closed | abandoned          terminal: merged, closed, abandoned
 *
 * Invariants:
 *  1. A transition is one conditional UPDATE (WHERE state = <the state just
 *     read>), so two writers racing on one changeset cannot both move it, on
 *     either backend; the loser sees DK_ERACE and its transaction is retried
 *     from the start (dkod wrote states unconditionally: bug #10).
 *  2. Every transition records its reason; a refusal names the changeset,
 *     its state and the wanted state, and changes nothing.
 *  3. Submit writes the commit object before its transaction and moves
 *     refs/dk/changesets/<id> inside it, after the transition succeeded, so
 *     a refused submit never repoints the ref of a changeset in another
 *     state; a transaction that then fails to commit puts the ref back.
 *     The ref keeps the submitted tree's blobs reachable (git gc).
 *  4. A changeset is acted on only by its session's owner (or an admin, or
 *     the local process); approve and the verdict are the protocol layer's
 *     and the verification layer's to authorise.
 *  5. Submit and dk_session_rebase start their changeset work by locking
 *     the changeset row (dk_eng_changeset_lock_tx), and submit checks the
 *     session's base under it: a rebase that committed first makes the
 *     submit of a commit built on the old base fail (DK_ESTATE, submit
 *     again); a submit that committed first is reopened by the rebase.
 *
 * Ids: "cs_<repo>_<number>", e.g. cs_shop_12: readable; unique, because
 * the number is all digits and comes last, so the id splits at its last
 * '_' into exactly one (repository, number); and a valid ref component
 * (repository names are [A-Za-z0-9._-]; a ".." in one is written ".%2e",
 * '%' being outside that set, so the escape is unambiguous too).
 *
 * Ownership: public out-structs belong to the caller. Conventions: one
 * store connection per call; the engine's clock for every timestamp.
 */
#include "engine/changeset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "dk/log.h"

#include "util/alloc.h"

#include "util/banned.h"

/* ========================================================================== */
/* States                                                                     */
/* ========================================================================== */

static const char *const cs_state_names[] = {
    [DK_CS_DRAFT] = "draft",
    [DK_CS_SUBMITTED] = "submitted",
    [DK_CS_VERIFYING] = "verifying",
    [DK_CS_APPROVED] = "approved",
    [DK_CS_REJECTED] = "rejected",
    [DK_CS_MERGED] = "merged",
    [DK_CS_CLOSED] = "closed",
    [DK_CS_ABANDONED] = "abandoned",
    [DK_CS_AWAITING_APPROVAL] = "awaiting_approval",
};

#define CS_NSTATES (sizeof(cs_state_names) / sizeof(cs_state_names[0]))

const char *dk_changeset_state_name(dk_changeset_state state)
{
    if ((unsigned)state < CS_NSTATES)
        return cs_state_names[state];
    return "unknown";
}

int dk_changeset_state_parse(dk_changeset_state *out, const char *name)
{
    for (unsigned i = 0; name && i < CS_NSTATES; i++) {
        if (strcmp(name, cs_state_names[i]) == 0) {
            *out = (dk_changeset_state)i;
            return DK_OK;
        }
    }
    return dk_error_set(DK_EINVALID, "unknown changeset state '%s'", name ? name : "(null)");
}

bool dk_eng_changeset_is_terminal(dk_changeset_state state)
{
    return state == DK_CS_MERGED || state == DK_CS_CLOSED || state == DK_CS_ABANDONED;
}

bool dk_eng_changeset_is_pinned(dk_changeset_state state)
{
    return state == DK_CS_SUBMITTED || state == DK_CS_VERIFYING || state == DK_CS_APPROVED ||
           state == DK_CS_AWAITING_APPROVAL;
}

#define CS_BIT(s) (1u << (s))

/* The allowed targets of each state, besides closed/abandoned from any non-terminal one. */
static const unsigned cs_next[] = {
    [DK_CS_DRAFT] = CS_BIT(DK_CS_SUBMITTED),
    /* submitted -> submitted and approved -> submitted: a resubmission of a
     * session that changed since (submit checks that it did); -> draft: the
     * session was rebased onto a new head (dk_session_rebase), what was
     * submitted or verified no longer describes it */
    [DK_CS_SUBMITTED] = CS_BIT(DK_CS_VERIFYING) | CS_BIT(DK_CS_APPROVED) | CS_BIT(DK_CS_MERGED) |
                        CS_BIT(DK_CS_SUBMITTED) | CS_BIT(DK_CS_DRAFT),
    /* -> awaiting_approval: the pipeline stopped at a human-approve step */
    /* -> verifying: a verification that left no verdict (its process was
     * killed) started again, only through dk_eng_changeset_verify_restart */
    [DK_CS_VERIFYING] = CS_BIT(DK_CS_APPROVED) | CS_BIT(DK_CS_REJECTED) |
                        CS_BIT(DK_CS_AWAITING_APPROVAL) | CS_BIT(DK_CS_DRAFT) |
                        CS_BIT(DK_CS_VERIFYING),
    /* -> verifying: re-verification, the head moved since the approval (dk_verify_land) */
    [DK_CS_APPROVED] = CS_BIT(DK_CS_MERGED) | CS_BIT(DK_CS_VERIFYING) | CS_BIT(DK_CS_SUBMITTED) |
                       CS_BIT(DK_CS_DRAFT),
    [DK_CS_REJECTED] = CS_BIT(DK_CS_SUBMITTED) | CS_BIT(DK_CS_DRAFT),
    [DK_CS_MERGED] = 0,
    [DK_CS_CLOSED] = 0,
    [DK_CS_ABANDONED] = 0,
    /* approve or reject (approve scope), or a fresh run after the head moved */
    [DK_CS_AWAITING_APPROVAL] = CS_BIT(DK_CS_APPROVED) | CS_BIT(DK_CS_REJECTED) |
                                CS_BIT(DK_CS_VERIFYING) | CS_BIT(DK_CS_DRAFT),
};

_Static_assert(sizeof(cs_next) / sizeof(cs_next[0]) == CS_NSTATES, "a row per state");

static bool cs_allowed(dk_changeset_state from, dk_changeset_state to)
{
    if ((unsigned)from >= CS_NSTATES || (unsigned)to >= CS_NSTATES)
        return false;
    if (dk_eng_changeset_is_terminal(from))
        return false;
    if (to == DK_CS_CLOSED || to == DK_CS_ABANDONED)
        return true;
    return (cs_next[from] & CS_BIT(to)) != 0;
}

bool dk_eng_cs_can_become(dk_changeset_state from, dk_changeset_state to)
{
    return cs_allowed(from, to);
}

/* ========================================================================== */
/* Rows                                                                       */
/* ========================================================================== */

static char *cs_col(dk_store_rows *rows, int col)
{
    const char *t = dk_store_rows_text(rows, col, NULL);
    return t ? dk_xstrdup(t) : NULL;
}

static int cs_state_read_tx(dk_changeset_state *out, dk_store_conn *conn, const char *changeset_id,
                            bool lock)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(changeset_id)};
    int rc = dk_store_query(&rows, conn,
                            lock ? "SELECT state FROM changesets WHERE id = ? FOR UPDATE"
                                 : "SELECT state FROM changesets WHERE id = ?",
                            p, 1);
    if (rc)
        return rc;
    rc = dk_store_rows_next(rows);
    if (rc == 1)
        rc = dk_changeset_state_parse(out, dk_store_rows_text(rows, 0, NULL));
    else if (rc == 0)
        rc = dk_error_set(DK_ENOTFOUND, "changeset '%s' not found", changeset_id);
    dk_store_rows_free(rows);
    return rc;
}

int dk_eng_changeset_state_tx(dk_changeset_state *out, dk_store_conn *conn,
                              const char *changeset_id)
{
    return cs_state_read_tx(out, conn, changeset_id, false);
}

int dk_eng_changeset_lock_tx(dk_changeset_state *out, dk_engine *e, dk_store_conn *conn,
                             const char *changeset_id)
{
    /* FOR UPDATE is PostgreSQL's; SQLite has no row locks and needs none */
    bool pg = dk_store_kind_of(dk_eng_store(e)) == DK_STORE_POSTGRESQL;
    return cs_state_read_tx(out, conn, changeset_id, pg);
}

int dk_eng_cs_load_tx(struct dk_eng_cs *out, dk_store_conn *conn, const char *id)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(id)};
    int rc;

    memset(out, 0, sizeof(*out));
    rc = dk_store_query(&rows, conn,
                        "SELECT c.id, c.repo, c.number, c.session_id, c.state, c.reason, "
                        "c.intent, c.agent_name, c.base_commit, c.submit_commit, "
                        "c.merged_commit, c.reverts, s.owner, c.created_at, c.updated_at, "
                        "c.verify_json, c.verified_head "
                        "FROM changesets c LEFT JOIN sessions s ON s.id = c.session_id "
                        "WHERE c.id = ?",
                        p, 1);
    if (rc)
        return rc;
    rc = dk_store_rows_next(rows);
    if (rc == 0)
        rc = dk_error_set(DK_ENOTFOUND, DK_CHANGESET_NOT_FOUND_FMT, id);
    if (rc == 1) {
        out->id = cs_col(rows, 0);
        out->repo = cs_col(rows, 1);
        out->number = dk_store_rows_int(rows, 2);
        out->session_id = cs_col(rows, 3);
        rc = dk_changeset_state_parse(&out->state, dk_store_rows_text(rows, 4, NULL));
        out->reason = cs_col(rows, 5);
        out->intent = cs_col(rows, 6);
        out->agent_name = cs_col(rows, 7);
        out->base_commit = cs_col(rows, 8);
        out->submit_commit = cs_col(rows, 9);
        out->merged_commit = cs_col(rows, 10);
        out->reverts = cs_col(rows, 11);
        out->owner = cs_col(rows, 12);
        out->created_ms = dk_store_rows_int(rows, 13);
        out->updated_ms = dk_store_rows_int(rows, 14);
        out->verify_json = cs_col(rows, 15);
        out->verified_head = cs_col(rows, 16);
    }
    dk_store_rows_free(rows);
    if (rc < 0)
        dk_eng_cs_release(out);
    return rc < 0 ? rc : DK_OK;
}

void dk_eng_cs_release(struct dk_eng_cs *cs)
{
    if (!cs)
        return;
    free(cs->id);
    free(cs->repo);
    free(cs->session_id);
    free(cs->reason);
    free(cs->intent);
    free(cs->agent_name);
    free(cs->base_commit);
    free(cs->submit_commit);
    free(cs->merged_commit);
    free(cs->reverts);
    free(cs->owner);
    free(cs->verify_json);
    free(cs->verified_head);
    memset(cs, 0, sizeof(*cs));
}

static void cs_hex(char out[41], const char *hex)
{
    snprintf(out, 41, "%s", hex ? hex : "");
}

dk_changeset_info *dk_eng_cs_info(const struct dk_eng_cs *cs)
{
    dk_changeset_info *info = dk_xcalloc(1, sizeof(*info));
    info->id = dk_xstrdup(cs->id);
    info->repo = dk_xstrdup(cs->repo);
    info->number = cs->number;
    info->session_id = dk_xstrdup(cs->session_id ? cs->session_id : "");
    info->state = cs->state;
    info->reason = dk_xstrdup(cs->reason ? cs->reason : "");
    info->intent = dk_xstrdup(cs->intent ? cs->intent : "");
    info->agent_name = dk_xstrdup(cs->agent_name ? cs->agent_name : "");
    cs_hex(info->base_commit, cs->base_commit);
    cs_hex(info->submit_commit, cs->submit_commit);
    cs_hex(info->merged_commit, cs->merged_commit);
    info->created_ms = cs->created_ms;
    info->updated_ms = cs->updated_ms;
    info->verify_json = cs->verify_json ? dk_xstrdup(cs->verify_json) : NULL;
    cs_hex(info->verified_head, cs->verified_head);
    return info;
}

void dk_changeset_info_free(dk_changeset_info *info)
{
    if (!info)
        return;
    free(info->id);
    free(info->repo);
    free(info->session_id);
    free(info->reason);
    free(info->intent);
    free(info->agent_name);
    free(info->verify_json);
    free(info);
}

int dk_eng_cs_check_caller(const struct dk_eng_cs *cs, const dk_caller *caller)
{
    if (!caller || caller->admin)
        return DK_OK;
    if (cs->owner && caller->token_id && strcmp(cs->owner, caller->token_id) == 0)
        return DK_OK;
    return dk_error_set(DK_EFORBIDDEN, "changeset '%s' belongs to another caller", cs->id);
}

int dk_eng_cs_load(struct dk_eng_cs *out, dk_engine *e, const dk_caller *caller, const char *id)
{
    dk_store_conn *conn;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!id || !*id)
        return dk_error_set(DK_EINVALID, "changeset id is empty");
    if ((rc = dk_store_acquire(&conn, dk_eng_store(e))))
        return rc;
    rc = dk_eng_cs_load_tx(out, conn, id);
    dk_store_release(conn);
    if (rc == DK_OK && (rc = dk_eng_cs_check_caller(out, caller)))
        dk_eng_cs_release(out);
    return rc;
}

/* ========================================================================== */
/* Helpers shared with land.c                                                 */
/* ========================================================================== */

static char *cs_clean_ident(const char *s)
{
    char *out = dk_xstrdup(s && *s ? s : "agent");
    for (char *p = out; *p; p++) {
        if (*p == '<' || *p == '>' || (unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '-';
    }
    return out;
}

void dk_eng_cs_identity(char **name, char **email, const char *agent_name)
{
    dk_str em = DK_STR_INIT;
    *name = cs_clean_ident(agent_name);
    for (const char *p = *name; *p; p++)
        dk_str_addch(&em, *p == ' ' ? '-' : *p);
    dk_str_adds(&em, "@dk");
    *email = dk_str_detach(&em, NULL);
}

char *dk_eng_cs_message(const char *intent)
{
    dk_str m = DK_STR_INIT;
    const char *t = intent && *intent ? intent : "changes";
    size_t n = strlen(t);
    while (n > 0 && t[n - 1] == '\n')
        n--;
    dk_str_add(&m, t, n);
    dk_str_addch(&m, '\n');
    return dk_str_detach(&m, NULL);
}

void dk_eng_cs_json(dk_str *s, const char *key, const char *value)
{
    dk_eng_json_str(s, key, value, s->len > 1);
}

int dk_eng_cs_tx(dk_engine *e, int (*body)(void *ud, dk_store_conn *conn), void *ud)
{
    int rc;
    for (int attempt = 0;; attempt++) {
        dk_store_conn *conn;
        if ((rc = dk_store_acquire(&conn, dk_eng_store(e))))
            return rc;
        if ((rc = dk_store_begin(conn)) == DK_OK) {
            rc = body(ud, conn);
            if (rc == DK_OK)
                rc = dk_store_commit(conn);
            else
                dk_store_rollback(conn);
        }
        dk_store_release(conn);
        if ((rc != DK_ERACE && rc != DK_EBUSY) || attempt >= 4)
            return rc;
    }
}

void dk_eng_cs_reload(dk_engine *e, const char *session_id)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        if (dk_eng_session_reload(e, session_id) == DK_OK)
            return;
    }
    dk_trace(DK_TRACE_WARN, "engine", "reload of session %s: %s", session_id, dk_error_last()->msg);
}

int dk_eng_cs_has_pipeline(bool *out, dk_git_repo *repo, const dk_oid *head)
{
    *out = false;
    if (!head || dk_oid_is_zero(head))
        return DK_OK;
    int rc = dk_git_file_lookup(NULL, NULL, repo, head, ".dk/pipeline.yaml");
    if (rc == DK_ENOTFOUND)
        return DK_OK;
    if (rc < 0)
        return rc;
    *out = true;
    return DK_OK;
}

static int cs_entry_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const struct dk_eng_overlay_entry *)elem)->path);
}

int dk_eng_cs_overlay_unchanged_tx(dk_store_conn *conn, const struct dk_eng_session_view *v,
                                   const char *doing)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(v->id)};
    size_t seen = 0;
    bool same = true;
    int rc = dk_store_query(
        &rows, conn, "SELECT path, blob_id, mode, deleted FROM overlay WHERE session_id = ?", p, 1);
    if (rc)
        return rc;
    while (same && (rc = dk_store_rows_next(rows)) == 1) {
        const char *path = dk_store_rows_text(rows, 0, NULL);
        const struct dk_eng_overlay_entry *en =
            v->nentries ? bsearch(path, v->entries, v->nentries, sizeof(*v->entries), cs_entry_cmp)
                        : NULL;
        bool deleted = dk_store_rows_int(rows, 3) != 0;
        seen++;
        if (!en || en->deleted != deleted) {
            same = false;
        } else if (!deleted) {
            const char *blob = dk_store_rows_text(rows, 1, NULL);
            char hex[DK_OID_HEXSZ + 1];
            dk_oid_to_hex(hex, &en->blob);
            same = blob && strcmp(blob, hex) == 0 &&
                   (unsigned)dk_store_rows_int(rows, 2) == (en->mode ? en->mode : DK_GIT_MODE_FILE);
        }
    }
    dk_store_rows_free(rows);
    if (rc < 0)
        return rc;
    if (!same || seen != v->nentries)
        return dk_error_set(DK_ESTATE, "session %s changed while %s: submit again", v->id, doing);
    return DK_OK;
}

/* ========================================================================== */
/* Creation and transitions                                                   */
/* ========================================================================== */

/* "cs_<repo>_<n>" with every ".." of the name written ".%2e" (ref-safe). */
static char *cs_make_id(const char *repo, int64_t number)
{
    dk_str id = DK_STR_INIT;
    dk_str_adds(&id, "cs_");
    for (const char *p = repo; *p; p++) {
        if (*p == '.' && p > repo && p[-1] == '.')
            dk_str_adds(&id, "%2e");
        else
            dk_str_addch(&id, *p);
    }
    dk_str_addf(&id, "_%lld", (long long)number);
    return dk_str_detach(&id, NULL);
}

int dk_eng_changeset_create_tx(char **id, dk_engine *e, dk_store_conn *conn, const char *repo,
                               const char *session_id, const char *intent, const char *agent_name,
                               const char *base_hex)
{
    int64_t number = 0, now = dk_eng_now(e);
    bool found = false;
    int rc;

    *id = NULL;
    dk_store_val p[] = {DK_SV_TEXT(repo)};
    if ((rc = dk_store_query_int(&number, &found, conn,
                                 "UPDATE repos SET changeset_seq = changeset_seq + 1 "
                                 "WHERE name = ? RETURNING changeset_seq",
                                 p, 1)))
        return rc;
    if (!found)
        return dk_error_set(DK_ENOTFOUND, "repository '%s' not found", repo);
    char *cs = cs_make_id(repo, number);
    dk_store_val ins[] = {
        DK_SV_TEXT(cs),         DK_SV_TEXT(repo),       DK_SV_INT(number),
        DK_SV_TEXT(session_id), DK_SV_TEXT("draft"),    DK_SV_TEXT("created at connect"),
        DK_SV_TEXT(intent),     DK_SV_TEXT(agent_name), DK_SV_TEXT(base_hex ? base_hex : ""),
        DK_SV_INT(now),         DK_SV_INT(now),
    };
    rc = dk_store_exec(conn, NULL,
                       "INSERT INTO changesets (id, repo, number, session_id, state, reason, "
                       "intent, agent_name, base_commit, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       ins, sizeof(ins) / sizeof(ins[0]));
    if (rc) {
        free(cs);
        return rc;
    }
    *id = cs;
    return DK_OK;
}

/*
 * The transition, optionally narrowed to the states in `from_mask` (a
 * verification verdict moves only a changeset being verified, although
 * approve moves a submitted one to approved too). Every transition of the
 * engine goes through here.
 */
static int cs_transition_tx(dk_changeset_state *from, dk_engine *e, dk_store_conn *conn,
                            const char *changeset_id, dk_changeset_state to, const char *reason,
                            unsigned from_mask)
{
    dk_changeset_state cur;
    int64_t changes = 0;
    int rc;

    if ((rc = dk_eng_changeset_state_tx(&cur, conn, changeset_id)))
        return rc;
    if (from)
        *from = cur;
    if (cur == to && (to == DK_CS_CLOSED || to == DK_CS_ABANDONED))
        return DK_OK;
    if (!cs_allowed(cur, to) || !(from_mask & CS_BIT(cur)))
        return dk_error_set(DK_ESTATE, "changeset %s is %s, cannot become %s", changeset_id,
                            dk_changeset_state_name(cur), dk_changeset_state_name(to));
    dk_store_val p[] = {
        DK_SV_TEXT(dk_changeset_state_name(to)),
        DK_SV_TEXT_OR_NULL(reason),
        DK_SV_INT(dk_eng_now(e)),
        DK_SV_TEXT(changeset_id),
        DK_SV_TEXT(dk_changeset_state_name(cur)),
    };
    if ((rc = dk_store_exec(conn, &changes,
                            "UPDATE changesets SET state = ?, reason = ?, updated_at = ? "
                            "WHERE id = ? AND state = ?",
                            p, 5)))
        return rc;
    if (changes != 1)
        return dk_error_set(DK_ERACE, "changeset %s changed state concurrently", changeset_id);
    return DK_OK;
}

int dk_eng_changeset_transition_tx(dk_changeset_state *from, dk_engine *e, dk_store_conn *conn,
                                   const char *changeset_id, dk_changeset_state to,
                                   const char *reason)
{
    return cs_transition_tx(from, e, conn, changeset_id, to, reason, ~0u);
}

/* ========================================================================== */
/* Queries                                                                    */
/* ========================================================================== */

int dk_changeset_get(dk_changeset_info **out, dk_engine *e, const dk_caller *caller,
                     const char *changeset_id)
{
    struct dk_eng_cs cs;
    int rc;

    *out = NULL;
    if ((rc = dk_eng_cs_load(&cs, e, caller, changeset_id)))
        return rc;
    *out = dk_eng_cs_info(&cs);
    dk_eng_cs_release(&cs);
    return DK_OK;
}

/* ========================================================================== */
/* Submit                                                                     */
/* ========================================================================== */

/* Point refs/dk/changesets/<id> at `commit` (created or moved). */
static int cs_ref_write(dk_git_repo *repo, const char *id, const dk_oid *commit)
{
    dk_str name = DK_STR_INIT;
    git_reference *ref = NULL;
    git_oid gid;
    int rc;

    dk_str_addf(&name, "refs/dk/changesets/%s", id);
    memcpy(gid.id, commit->id, DK_OID_RAWSZ);
    for (int reaped = 0;; reaped++) {
        rc = git_reference_create(&ref, dk_git_repo_raw(repo), name.ptr, &gid, 1, "dk: submit");
        /* a lock a process killed while writing this ref left: removed, tried again */
        if (rc != GIT_ELOCKED || reaped || dk_git_ref_lock_reap(repo, name.ptr) != 1)
            break;
    }
    if (rc < 0)
        rc = dk_error_from_git(rc, "write the changeset ref");
    git_reference_free(ref);
    dk_str_release(&name);
    return rc < 0 ? rc : DK_OK;
}

/* The commit refs/dk/changesets/<id> names now; *found false when there is none. */
static void cs_ref_read(dk_oid *out, bool *found, dk_git_repo *repo, const char *id)
{
    dk_str name = DK_STR_INIT;
    git_oid gid;
    dk_str_addf(&name, "refs/dk/changesets/%s", id);
    *found = git_reference_name_to_id(&gid, dk_git_repo_raw(repo), name.ptr) == 0;
    if (*found)
        memcpy(out->id, gid.id, DK_OID_RAWSZ);
    dk_str_release(&name);
}

/*
 * A submit whose transaction did not commit puts the ref back where it was
 * (or removes it), so the ref names submitted work only - unless the ref no
 * longer holds this submit's commit, or the store records that commit as
 * submitted (a concurrent submit of the same session that won): then it is
 * someone else's and stays. The move back is a compare-and-swap against
 * this submit's commit. Best effort: a failure is traced.
 */
static void cs_ref_restore(dk_engine *e, dk_git_repo *repo, const char *id, const dk_oid *ours,
                           const dk_oid *old, bool had)
{
    git_repository *g = dk_git_repo_raw(repo);
    dk_str name = DK_STR_INIT;
    git_reference *ref = NULL, *moved = NULL;
    struct dk_eng_cs row;
    char hex[DK_OID_HEXSZ + 1];
    dk_oid cur;
    bool found;
    int rc = DK_OK;

    cs_ref_read(&cur, &found, repo, id);
    if (!found || !dk_oid_is_equal(&cur, ours))
        return;
    dk_oid_to_hex(hex, ours);
    if (dk_eng_cs_load(&row, e, NULL, id) == DK_OK) {
        bool recorded = row.submit_commit && strcmp(row.submit_commit, hex) == 0 &&
                        row.state != DK_CS_DRAFT && row.state != DK_CS_REJECTED;
        dk_eng_cs_release(&row);
        if (recorded)
            return;
    }
    dk_str_addf(&name, "refs/dk/changesets/%s", id);
    if (had) {
        git_oid gold, gours;
        memcpy(gold.id, old->id, DK_OID_RAWSZ);
        memcpy(gours.id, ours->id, DK_OID_RAWSZ);
        if (git_reference_create_matching(&moved, g, name.ptr, &gold, 1, &gours,
                                          "dk: submit undone") < 0)
            rc = dk_error_from_git(-1, "restore the changeset ref");
    } else if (git_reference_lookup(&ref, g, name.ptr) == 0 && git_reference_delete(ref) < 0) {
        /* libgit2 deletes only if the ref still has the value looked up */
        rc = dk_error_from_git(-1, "remove the changeset ref");
    }
    git_reference_free(ref);
    git_reference_free(moved);
    dk_str_release(&name);
    if (rc < 0)
        dk_trace(DK_TRACE_WARN, "engine", "changeset %s: ref not restored: %s", id,
                 dk_error_last()->msg);
}

struct cs_submit {
    dk_engine *e;
    const struct dk_eng_session_view *view;
    dk_git_repo *repo;
    dk_oid commit;
    size_t nfiles;
    /* the row as the transaction leaves it (the answer, read before COMMIT) */
    struct dk_eng_cs row;
};

/*
 * A resubmit (submitted -> submitted, approved -> submitted: edges of the
 * state table, made by the transition function like every other) needs the
 * session to have changed since its submitted commit (an agent settling a
 * landing conflict by hand writes and submits again); an approval then
 * lapses. A resubmit that changes nothing is refused here, in the
 * transaction, against the state and commit read in it.
 */
static int cs_resubmit_check_tx(dk_changeset_state *read, struct cs_submit *sb, dk_store_conn *conn)
{
    const struct dk_eng_session_view *v = sb->view;
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(v->changeset_id)};
    int rc = dk_store_query(&rows, conn, "SELECT state, submit_commit FROM changesets WHERE id = ?",
                            p, 1);
    if (rc)
        return rc;
    if ((rc = dk_store_rows_next(rows)) <= 0) {
        dk_store_rows_free(rows);
        return rc;
    }
    dk_changeset_state cur = DK_CS_DRAFT;
    if ((rc = dk_changeset_state_parse(&cur, dk_store_rows_text(rows, 0, NULL)))) {
        dk_store_rows_free(rows);
        return rc;
    }
    dk_oid old = {{0}};
    bool had = !dk_store_rows_is_null(rows, 1) &&
               dk_oid_from_hex(&old, dk_store_rows_text(rows, 1, NULL), DK_OID_HEXSZ) == DK_OK;
    dk_store_rows_free(rows);
    *read = cur;
    if (cur != DK_CS_SUBMITTED && cur != DK_CS_APPROVED)
        return DK_OK;
    dk_oid t_old, t_new;
    if (!had || dk_git_tree_resolve(&t_old, sb->repo, &old) != DK_OK ||
        dk_git_tree_resolve(&t_new, sb->repo, &sb->commit) != DK_OK ||
        dk_oid_is_equal(&t_old, &t_new))
        return dk_error_set(DK_ESTATE,
                            "changeset %s is %s, cannot become submitted: nothing changed since "
                            "it was submitted",
                            v->changeset_id, dk_changeset_state_name(cur));
    return DK_OK;
}

/*
 * The session is still on the base the commit was built on: a rebase that
 * committed meanwhile moved it (its overlay can be the very same rows, the
 * resolution keeping the session's content, so the overlay check alone
 * does not see it).
 */
static int cs_base_unchanged_tx(dk_store_conn *conn, const struct dk_eng_session_view *v)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(v->id)};
    int rc = dk_store_query(&rows, conn, "SELECT base_commit FROM sessions WHERE id = ?", p, 1);
    if (rc)
        return rc;
    if ((rc = dk_store_rows_next(rows)) <= 0) {
        dk_store_rows_free(rows);
        return rc < 0 ? rc : dk_error_set(DK_ENOSESSION, "session '%s' not found", v->id);
    }
    size_t len;
    const char *hex = dk_store_rows_text(rows, 0, &len);
    dk_oid base = {{0}};
    if (!hex || len != DK_OID_HEXSZ || dk_oid_from_hex(&base, hex, len) != DK_OK)
        memset(&base, 0, sizeof(base));
    char now[DK_OID_HEXSZ + 1];
    dk_oid_to_hex(now, &base);
    dk_store_rows_free(rows);
    if (dk_oid_is_equal(&base, &v->base))
        return DK_OK;
    return dk_error_set(DK_ESTATE,
                        "session %s moved to base %.12s while submitting (rebased): submit again",
                        v->id, now);
}

static int cs_submit_body(void *ud, dk_store_conn *conn)
{
    struct cs_submit *sb = ud;
    const struct dk_eng_session_view *v = sb->view;
    char hex[DK_OID_HEXSZ + 1], reason[160];
    dk_str payload = DK_STR_INIT;
    dk_changeset_state locked;
    int rc;

    dk_oid_to_hex(hex, &sb->commit);
    snprintf(reason, sizeof(reason), "submitted by %s", v->agent_name);
    /* first the changeset's row lock, which dk_session_rebase takes too: a
     * rebase of this session either committed before (and the checks below
     * see it) or waits for this transaction (and reopens what it submits) */
    if ((rc = dk_eng_changeset_lock_tx(&locked, sb->e, conn, v->changeset_id)))
        return rc;
    /* what the commit was built from is still the session: its base, and its
     * overlay (a write that committed meanwhile would be in the store but not
     * in what is submitted) */
    if ((rc = cs_base_unchanged_tx(conn, v)) ||
        (rc = dk_eng_cs_overlay_unchanged_tx(conn, v, "submitting")))
        return rc;
    /* the transition starts from the state the check read, or the whole
     * transaction is tried again (a concurrent submit committed in between:
     * submitted -> submitted is an edge, but only for a session that changed) */
    dk_changeset_state read = DK_CS_DRAFT, now;
    if ((rc = cs_resubmit_check_tx(&read, sb, conn)))
        return rc;
    rc =
        cs_transition_tx(&now, sb->e, conn, v->changeset_id, DK_CS_SUBMITTED, reason, CS_BIT(read));
    if (rc == DK_ESTATE && now != read)
        rc = dk_error_set(DK_ERACE, "changeset %s changed state meanwhile", v->changeset_id);
    if (rc)
        return rc;
    dk_store_val p[] = {DK_SV_TEXT(hex), DK_SV_TEXT(v->changeset_id)};
    if ((rc = dk_store_exec(conn, NULL, "UPDATE changesets SET submit_commit = ? WHERE id = ?", p,
                            2)))
        return rc;
    if ((rc = dk_eng_claims_release_tx(sb->e, conn, v->id, v->changeset_id, NULL)))
        return rc;
    dk_str_addch(&payload, '{');
    dk_eng_cs_json(&payload, "commit", hex);
    dk_str_addf(&payload, ",\"files\":%zu}", sb->nfiles);
    rc = dk_eng_emit_tx(sb->e, conn, v->repo, "changeset.submitted", v->id, v->agent_name,
                        v->changeset_id, payload.ptr, NULL);
    dk_str_release(&payload);
    if (rc)
        return rc;
    dk_eng_cs_release(&sb->row);
    if ((rc = dk_eng_cs_load_tx(&sb->row, conn, v->changeset_id)))
        return rc;
    /* last: only a submit that is going to commit moves the ref */
    return cs_ref_write(sb->repo, v->changeset_id, &sb->commit);
}

/* The session's tree (base + overlay) as a commit on its base. */
static int cs_write_commit(dk_oid *out, dk_engine *e, dk_git_repo *repo,
                           const struct dk_eng_session_view *v)
{
    dk_git_edit *edits = dk_xcalloc(v->nentries, sizeof(*edits));
    bool unborn = dk_oid_is_zero(&v->base);
    char *name = NULL, *email = NULL, *msg = NULL;
    dk_oid tree;
    int rc;

    for (size_t i = 0; i < v->nentries; i++) {
        const struct dk_eng_overlay_entry *en = &v->entries[i];
        edits[i].path = en->path;
        edits[i].op = en->deleted ? DK_GIT_EDIT_DELETE : DK_GIT_EDIT_UPSERT;
        edits[i].id = en->blob;
        edits[i].mode = en->mode ? en->mode : DK_GIT_MODE_FILE;
    }
    rc = dk_git_tree_build(&tree, repo, unborn ? NULL : &v->base, edits, v->nentries);
    free(edits);
    if (rc)
        return rc;
    dk_eng_cs_identity(&name, &email, v->agent_name);
    msg = dk_eng_cs_message(v->intent);
    dk_git_commit_opts co = DK_GIT_COMMIT_OPTS_INIT;
    co.author_name = name;
    co.author_email = email;
    co.fixed_time = true;
    co.time = dk_eng_now(e) / 1000;
    rc = dk_git_commit_write(out, repo, &tree, unborn ? NULL : &v->base, unborn ? 0 : 1, msg, &co);
    free(name);
    free(email);
    free(msg);
    return rc;
}

int dk_changeset_submit(dk_changeset_info **out, dk_engine *e, const dk_caller *caller,
                        const char *session_id)
{
    struct dk_eng_session_view v;
    struct dk_eng_cs cs = {0};
    struct cs_submit sb = {0};
    dk_git_repo *repo = NULL;
    int rc;

    *out = NULL;
    if ((rc = dk_eng_session_view(&v, e, caller, session_id)))
        return rc;
    sb.e = e;
    sb.view = &v;
    if (v.state != DK_SESSION_ACTIVE) {
        rc =
            dk_error_set(DK_ESTATE, "session %s is %s", session_id, dk_session_state_name(v.state));
        goto out;
    }
    if (v.nentries == 0) {
        rc = dk_error_set(DK_ESTATE, "session %s has no changes to submit", session_id);
        goto out;
    }
    /* refuse before writing anything (the transaction checks again) */
    if ((rc = dk_eng_cs_load(&cs, e, NULL, v.changeset_id)))
        goto out;
    if (!cs_allowed(cs.state, DK_CS_SUBMITTED)) {
        rc = dk_error_set(DK_ESTATE, "changeset %s is %s, cannot become submitted", cs.id,
                          dk_changeset_state_name(cs.state));
        goto out;
    }
    if ((rc = dk_eng_repo_acquire(&repo, NULL, e, v.repo)))
        goto out;
    sb.repo = repo;
    sb.nfiles = v.nentries;
    if ((rc = cs_write_commit(&sb.commit, e, repo, &v)))
        goto out;
    dk_oid old_ref = {{0}};
    bool had_ref;
    cs_ref_read(&old_ref, &had_ref, repo, v.changeset_id);
    if (had_ref && (cs.state == DK_CS_SUBMITTED || cs.state == DK_CS_APPROVED)) {
        /* a resubmit needs changes since the submitted commit */
        dk_oid t_old, t_new;
        if (dk_git_tree_resolve(&t_old, repo, &old_ref) == DK_OK &&
            dk_git_tree_resolve(&t_new, repo, &sb.commit) == DK_OK &&
            dk_oid_is_equal(&t_old, &t_new)) {
            rc = dk_error_set(DK_ESTATE,
                              "changeset %s is %s, cannot become submitted: nothing changed "
                              "since it was submitted",
                              cs.id, dk_changeset_state_name(cs.state));
            goto out;
        }
    }
    if ((rc = dk_eng_cs_tx(e, cs_submit_body, &sb))) {
        cs_ref_restore(e, repo, v.changeset_id, &sb.commit, &old_ref, had_ref);
        goto out;
    }
    dk_eng_repo_release(e, v.repo, repo);
    repo = NULL;
    dk_eng_cs_reload(e, session_id);
    *out = dk_eng_cs_info(&sb.row);
out:
    dk_eng_cs_release(&sb.row);
    dk_eng_repo_release(e, v.repo, repo);
    dk_eng_cs_release(&cs);
    dk_eng_session_view_release(&v);
    return rc;
}

/* ========================================================================== */
/* Approve and the verification verdict                                       */
/* ========================================================================== */

struct cs_move {
    dk_engine *e;
    const char *id;
    dk_changeset_state to;
    const char *reason;
    const char *event;
    /* the changeset's row, read in the transaction, before and after the change */
    struct dk_eng_cs cs;
    struct dk_eng_cs after;
    /* the states it may start from (narrower than the table for a verdict) */
    unsigned from_mask;
    /* verified: the verdict and its results */
    bool verdict;
    const char *results_json;
    /* verified, approve: the head the verdict or approval was made on (NULL: leave it) */
    const char *head;
};

static int cs_move_body(void *ud, dk_store_conn *conn)
{
    struct cs_move *m = ud;
    dk_str payload = DK_STR_INIT;
    int rc;

    dk_eng_cs_release(&m->cs);
    if ((rc = dk_eng_cs_load_tx(&m->cs, conn, m->id)))
        return rc;
    if ((rc = cs_transition_tx(NULL, m->e, conn, m->id, m->to, m->reason, m->from_mask)))
        return rc;
    if (m->verdict) {
        dk_store_val p[] = {DK_SV_TEXT_OR_NULL(m->results_json), DK_SV_TEXT_OR_NULL(m->head),
                            DK_SV_TEXT(m->id)};
        if ((rc = dk_store_exec(
                 conn, NULL,
                 "UPDATE changesets SET verify_json = ?, verified_head = ? WHERE id = ?", p, 3)))
            return rc;
    } else if (m->head && m->cs.state != DK_CS_AWAITING_APPROVAL) {
        /* an approval outside a verdict: made on the head now; one that answers a
         * human-approve step keeps the head the pipeline checked */
        dk_store_val p[] = {DK_SV_TEXT(m->head), DK_SV_TEXT(m->id)};
        if ((rc = dk_store_exec(conn, NULL, "UPDATE changesets SET verified_head = ? WHERE id = ?",
                                p, 2)))
            return rc;
    }
    dk_str_addch(&payload, '{');
    dk_eng_cs_json(&payload, "state", dk_changeset_state_name(m->to));
    dk_eng_cs_json(&payload, "reason", m->reason);
    if (m->verdict)
        dk_str_addf(&payload, ",\"passed\":%s", m->to == DK_CS_APPROVED ? "true" : "false");
    if (m->head)
        dk_eng_cs_json(&payload, "head", m->head);
    dk_str_addch(&payload, '}');
    rc = dk_eng_emit_tx(m->e, conn, m->cs.repo, m->event, m->cs.session_id, m->cs.agent_name, m->id,
                        payload.ptr, NULL);
    dk_str_release(&payload);
    if (rc)
        return rc;
    /* the answer, as this transaction leaves the row */
    dk_eng_cs_release(&m->after);
    return dk_eng_cs_load_tx(&m->after, conn, m->id);
}

/* One state change in its own transaction, then the session's registry entry reloaded. */
static int cs_move(dk_changeset_info **out, struct cs_move *m)
{
    int rc = dk_eng_cs_tx(m->e, cs_move_body, m);
    if (rc == DK_OK && m->cs.session_id)
        dk_eng_cs_reload(m->e, m->cs.session_id);
    if (rc == DK_OK && out)
        *out = dk_eng_cs_info(&m->after);
    dk_eng_cs_release(&m->cs);
    dk_eng_cs_release(&m->after);
    return rc;
}

/* The branch head of the changeset's repository now (40 hex digits, "" unborn). */
static int cs_branch_head(char out[DK_OID_HEXSZ + 1], dk_engine *e, const char *changeset_id)
{
    struct dk_eng_cs cs;
    dk_git_repo *repo = NULL;
    const char *branch = NULL;
    dk_oid head;
    int rc;

    out[0] = '\0';
    if ((rc = dk_eng_cs_load(&cs, e, NULL, changeset_id)))
        return rc;
    if ((rc = dk_eng_repo_acquire(&repo, &branch, e, cs.repo)) == DK_OK) {
        rc = dk_git_branch_read(&head, repo, branch);
        if (rc == DK_OK)
            dk_oid_to_hex(out, &head);
        else if (rc == DK_ENOTFOUND)
            rc = DK_OK;
        dk_eng_repo_release(e, cs.repo, repo);
    }
    dk_eng_cs_release(&cs);
    return rc;
}

/* The arguments of a person's answer (approve, reject); approve scope is
 * the protocol layer's check (dk/engine.h). */
static int cs_answer_args(dk_changeset_info **out, const char *changeset_id, const char *reason,
                          const char *doing)
{
    *out = NULL;
    if (!changeset_id || !*changeset_id)
        return dk_error_set(DK_EINVALID, "changeset id is empty");
    if (!reason || !*reason)
        return dk_error_set(DK_EINVALID, "%s needs a reason", doing);
    return DK_OK;
}

int dk_changeset_approve(dk_changeset_info **out, dk_engine *e, const dk_caller *caller,
                         const char *changeset_id, const char *reason)
{
    (void)caller;
    char head[DK_OID_HEXSZ + 1] = "";
    int rc;
    if ((rc = cs_answer_args(out, changeset_id, reason, "approving")) ||
        (rc = cs_branch_head(head, e, changeset_id)))
        return rc;
    struct cs_move m = {.e = e,
                        .id = changeset_id,
                        .to = DK_CS_APPROVED,
                        .reason = reason,
                        .event = "changeset.approved",
                        .from_mask = ~0u,
                        .head = head};
    return cs_move(out, &m);
}

int dk_changeset_reject(dk_changeset_info **out, dk_engine *e, const dk_caller *caller,
                        const char *changeset_id, const char *reason)
{
    (void)caller;
    int rc = cs_answer_args(out, changeset_id, reason, "rejecting");
    if (rc)
        return rc;
    /* only a human-approve step's question is answered here: a changeset in
     * any other state is rejected by its verification, not by a person */
    struct cs_move m = {.e = e,
                        .id = changeset_id,
                        .to = DK_CS_REJECTED,
                        .reason = reason,
                        .event = "changeset.rejected",
                        .from_mask = CS_BIT(DK_CS_AWAITING_APPROVAL)};
    return cs_move(out, &m);
}

int dk_changeset_verifying(dk_engine *e, const char *changeset_id)
{
    if (!changeset_id || !*changeset_id)
        return dk_error_set(DK_EINVALID, "changeset id is empty");
    struct cs_move m = {.e = e,
                        .id = changeset_id,
                        .to = DK_CS_VERIFYING,
                        .reason = "verification started",
                        .event = "changeset.verifying",
                        /* a verification in progress is never started over here */
                        .from_mask = ~CS_BIT(DK_CS_VERIFYING)};
    return cs_move(NULL, &m);
}

int dk_eng_changeset_verify_restart(dk_engine *e, const char *changeset_id)
{
    if (!changeset_id || !*changeset_id)
        return dk_error_set(DK_EINVALID, "changeset id is empty");
    struct cs_move m = {.e = e,
                        .id = changeset_id,
                        .to = DK_CS_VERIFYING,
                        .reason = "verification started again (the last one left no verdict)",
                        .event = "changeset.verifying",
                        .from_mask = CS_BIT(DK_CS_VERIFYING)};
    return cs_move(NULL, &m);
}

int dk_changeset_verified(dk_engine *e, const char *changeset_id, dk_changeset_state verdict,
                          const char *head, const char *results_json)
{
    if (!changeset_id || !*changeset_id)
        return dk_error_set(DK_EINVALID, "changeset id is empty");
    if (verdict != DK_CS_APPROVED && verdict != DK_CS_REJECTED &&
        verdict != DK_CS_AWAITING_APPROVAL)
        return dk_error_set(DK_EINVALID, "'%s' is not a verdict", dk_changeset_state_name(verdict));
    if (!head || (*head && strlen(head) != DK_OID_HEXSZ))
        return dk_error_set(DK_EINVALID, "a verdict needs the head it was made on");
    struct cs_move m = {.e = e,
                        .id = changeset_id,
                        .to = verdict,
                        .reason = verdict == DK_CS_APPROVED   ? "verification passed"
                                  : verdict == DK_CS_REJECTED ? "verification failed"
                                                              : "verification passed; awaiting "
                                                                "human approval",
                        .event = "changeset.verified",
                        .from_mask = CS_BIT(DK_CS_VERIFYING),
                        .verdict = true,
                        .results_json = results_json,
                        .head = head};
    return cs_move(NULL, &m);
}
