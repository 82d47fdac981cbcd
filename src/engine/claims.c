/*
 * engine/claims.c - symbol claims as leases (DESIGN.md decision 4).
 *
 * A claim is the row claims(repo, path, qualified_name) -> holder session.
 * The store row is the truth on every node: there is no claim tracker in
 * memory to disagree with it (dkod §14 #2). Taking claims happens inside
 * the writing transaction:
 *
 *   INSERT ... ON CONFLICT DO NOTHING       1 row: taken (fresh)
 *     └─ 0 rows: read the holder
 *          ├─ this session: already held
 *          ├─ live holder (active, and within its idle TTL unless persistent):
 *          │     a conflict {path, name, kind, holder session, agent, since}
 *          └─ dead holder: taken over with UPDATE ... WHERE session_id = <dead>
 *                (0 rows: someone else took it first -> read again)
 *
 * Claims the session held in the path but no longer changes are deleted
 * (a symbol a later write no longer changes is released). The caller rolls
 * the whole transaction back when any conflict was found: all or nothing.
 *
 * Lock order (PostgreSQL row locks): one path's claims are visited in
 * qualified-name order, so two writers of one path cannot deadlock on each
 * other's claims; a serialization failure or deadlock surfaces as DK_ERACE
 * and the writer retries the whole transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/workspace.h"
#include "util/alloc.h"

#include "util/banned.h"

void dk_eng_conflicts_release(eng_conflicts *c)
{
    dk_vec_foreach(c, dk_claim_conflict *, x) {
        free(x->path);
        free(x->qualified_name);
        free(x->kind);
        free(x->holder_session);
        free(x->holder_agent);
    }
    dk_vec_release(c);
}

void dk_eng_names_release(eng_names *n)
{
    dk_vec_foreach(n, char **, p)
        free(*p);
    dk_vec_release(n);
}

/* Is the holder session alive: active and (persistent or within its idle TTL)? */
static int claims_holder_live(bool *live, dk_engine *e, dk_store_conn *conn, const char *sid,
                              int64_t now)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(sid)};
    int rc = dk_store_query(&rows, conn,
                            "SELECT state, last_active, mode FROM sessions WHERE id = ?", p, 1);
    if (rc)
        return rc;
    *live = false;
    rc = dk_store_rows_next(rows);
    if (rc == 1) {
        const char *state = dk_store_rows_text(rows, 0, NULL);
        const char *mode = dk_store_rows_text(rows, 2, NULL);
        int64_t last = dk_store_rows_int(rows, 1);
        *live = strcmp(state, "active") == 0 &&
                (strcmp(mode, "persistent") == 0 || last + e->idle_ttl_ms >= now);
    }
    dk_store_rows_free(rows);
    return rc < 0 ? rc : DK_OK;
}

/* Take one claim (see the opening note). */
static int claims_take(eng_conflicts *conflicts, bool *fresh, dk_engine *e, dk_store_conn *conn,
                       const char *repo, const char *sid, const char *agent, const char *path,
                       const struct eng_claim_req *w, int64_t now)
{
    *fresh = false;
    for (int round = 0; round < 3; round++) {
        int64_t changes = 0;
        dk_store_val ins[] = {DK_SV_TEXT(repo),    DK_SV_TEXT(path), DK_SV_TEXT(w->qualified_name),
                              DK_SV_TEXT(w->kind), DK_SV_TEXT(sid),  DK_SV_TEXT(agent),
                              DK_SV_INT(now)};
        int rc = dk_store_exec(conn, &changes,
                               "INSERT INTO claims (repo, path, qualified_name, kind, session_id, "
                               "agent_name, since) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
                               "(repo, path, qualified_name) DO NOTHING",
                               ins, 7);
        if (rc)
            return rc;
        if (changes == 1) {
            *fresh = true;
            return DK_OK;
        }
        dk_store_rows *rows;
        dk_store_val key[] = {DK_SV_TEXT(repo), DK_SV_TEXT(path), DK_SV_TEXT(w->qualified_name)};
        if ((rc = dk_store_query(&rows, conn,
                                 "SELECT session_id, agent_name, since, kind FROM claims WHERE "
                                 "repo = ? AND path = ? AND qualified_name = ?",
                                 key, 3)))
            return rc;
        rc = dk_store_rows_next(rows);
        if (rc <= 0) {
            /* released in between: try again */
            dk_store_rows_free(rows);
            if (rc < 0)
                return rc;
            continue;
        }
        char *holder = dk_xstrdup(dk_store_rows_text(rows, 0, NULL));
        char *hagent = dk_xstrdup(dk_store_rows_text(rows, 1, NULL));
        int64_t since = dk_store_rows_int(rows, 2);
        char *hkind = dk_xstrdup(dk_store_rows_text(rows, 3, NULL));
        dk_store_rows_free(rows);
        bool live = true;
        if (strcmp(holder, sid) == 0) {
            free(holder);
            free(hagent);
            free(hkind);
            return DK_OK;
        }
        /* lock the holder's row first: a write of the holder in flight (its
         * transaction starts by refreshing last_active there) commits before
         * the liveness is read, and one that starts later waits for us */
        dk_store_val hp[] = {DK_SV_TEXT(holder)};
        rc = dk_store_exec(conn, NULL, "UPDATE sessions SET last_active = last_active WHERE id = ?",
                           hp, 1);
        if (rc == DK_OK)
            rc = claims_holder_live(&live, e, conn, holder, now);
        if (rc == DK_OK && !live) {
            dk_store_val up[] = {DK_SV_TEXT(sid),
                                 DK_SV_TEXT(agent),
                                 DK_SV_INT(now),
                                 DK_SV_TEXT(w->kind),
                                 DK_SV_TEXT(repo),
                                 DK_SV_TEXT(path),
                                 DK_SV_TEXT(w->qualified_name),
                                 DK_SV_TEXT(holder),
                                 DK_SV_TEXT(holder),
                                 DK_SV_INT(now - e->idle_ttl_ms)};
            /* ... and the takeover is conditional on the holder still being dead */
            rc = dk_store_exec(conn, &changes,
                               "UPDATE claims SET session_id = ?, agent_name = ?, since = ?, "
                               "kind = ? WHERE repo = ? AND path = ? AND qualified_name = ? AND "
                               "session_id = ? AND NOT EXISTS (SELECT 1 FROM sessions WHERE "
                               "id = ? AND state = 'active' AND (mode = 'persistent' OR "
                               "last_active >= ?))",
                               up, 10);
            if (rc == DK_OK && changes == 1)
                *fresh = true;
        } else if (rc == DK_OK) {
            dk_claim_conflict c = {
                .path = dk_xstrdup(path),
                .qualified_name = dk_xstrdup(w->qualified_name),
                .kind = hkind,
                .holder_session = holder,
                .holder_agent = hagent,
                .since_ms = since,
            };
            dk_vec_push(conflicts, c);
            return DK_OK;
        }
        free(holder);
        free(hagent);
        free(hkind);
        if (rc || *fresh)
            return rc;
    }
    return dk_error_set(DK_ERACE, "claim on '%s' in %s keeps changing hands", w->qualified_name,
                        path);
}

int dk_eng_claims_sync_tx(eng_conflicts *conflicts, eng_names *acquired, eng_names *released,
                          dk_engine *e, dk_store_conn *conn, const char *repo,
                          const char *session_id, const char *agent_name, const char *path,
                          const struct eng_claim_req *want, size_t nwant)
{
    int64_t now = dk_eng_now(e);
    eng_names held = DK_VEC_INIT;
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(session_id), DK_SV_TEXT(repo), DK_SV_TEXT(path)};
    int rc = dk_store_query(&rows, conn,
                            "SELECT qualified_name FROM claims WHERE session_id = ? AND repo = ? "
                            "AND path = ? ORDER BY qualified_name",
                            p, 3);
    if (rc)
        return rc;
    while ((rc = dk_store_rows_next(rows)) == 1)
        dk_vec_push(&held, dk_xstrdup(dk_store_rows_text(rows, 0, NULL)));
    dk_store_rows_free(rows);
    if (rc < 0)
        goto out;
    rc = DK_OK;
    /* take: want is sorted and distinct, so is held (a merge walk) */
    size_t h = 0;
    for (size_t i = 0; i < nwant && rc == DK_OK; i++) {
        while (h < held.len && strcmp(held.items[h], want[i].qualified_name) < 0)
            h++;
        if (h < held.len && strcmp(held.items[h], want[i].qualified_name) == 0)
            continue;
        bool fresh = false;
        rc = claims_take(conflicts, &fresh, e, conn, repo, session_id, agent_name, path, &want[i],
                         now);
        if (rc == DK_OK && fresh && acquired)
            dk_vec_push(acquired, dk_xstrdup(want[i].qualified_name));
    }
    if (rc || conflicts->len)
        goto out;
    /* release what is no longer wanted */
    size_t wi = 0;
    for (size_t i = 0; i < held.len && rc == DK_OK; i++) {
        while (wi < nwant && strcmp(want[wi].qualified_name, held.items[i]) < 0)
            wi++;
        if (wi < nwant && strcmp(want[wi].qualified_name, held.items[i]) == 0)
            continue;
        dk_store_val d[] = {DK_SV_TEXT(repo), DK_SV_TEXT(path), DK_SV_TEXT(held.items[i]),
                            DK_SV_TEXT(session_id)};
        rc = dk_store_exec(conn, NULL,
                           "DELETE FROM claims WHERE repo = ? AND path = ? AND qualified_name = "
                           "? AND session_id = ?",
                           d, 4);
        if (rc == DK_OK && released)
            dk_vec_push(released, dk_xstrdup(held.items[i]));
    }
out:
    dk_eng_names_release(&held);
    return rc;
}

int dk_eng_claims_emit_tx(dk_engine *e, dk_store_conn *conn, const char *repo, const char *type,
                          const char *session_id, const char *agent, const char *changeset_id,
                          const char *path, const eng_names *names)
{
    if (!names->len)
        return DK_OK;
    dk_str p = DK_STR_INIT;
    dk_str_addch(&p, '{');
    dk_eng_json_str(&p, "path", path, false);
    dk_str_adds(&p, ",\"symbols\":[");
    for (size_t i = 0; i < names->len; i++) {
        if (i)
            dk_str_addch(&p, ',');
        dk_str_addch(&p, '"');
        dk_str_add_json_escaped(&p, names->items[i], strlen(names->items[i]));
        dk_str_addch(&p, '"');
    }
    dk_str_adds(&p, "]}");
    int rc = dk_eng_emit_tx(e, conn, repo, type, session_id, agent, changeset_id, p.ptr, NULL);
    dk_str_release(&p);
    return rc;
}

int dk_eng_claims_release_tx(dk_engine *e, dk_store_conn *conn, const char *session_id,
                             const char *changeset_id, size_t *released)
{
    if (released)
        *released = 0;
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(session_id)};
    int rc = dk_store_query(&rows, conn,
                            "SELECT repo, path, qualified_name, agent_name FROM claims WHERE "
                            "session_id = ? ORDER BY repo, path, qualified_name",
                            p, 1);
    if (rc)
        return rc;
    struct rel {
        char *repo, *path, *name, *agent;
    };
    dk_vec(struct rel) all = DK_VEC_INIT;
    while ((rc = dk_store_rows_next(rows)) == 1) {
        struct rel r = {dk_xstrdup(dk_store_rows_text(rows, 0, NULL)),
                        dk_xstrdup(dk_store_rows_text(rows, 1, NULL)),
                        dk_xstrdup(dk_store_rows_text(rows, 2, NULL)),
                        dk_xstrdup(dk_store_rows_text(rows, 3, NULL))};
        dk_vec_push(&all, r);
    }
    dk_store_rows_free(rows);
    if (rc < 0)
        goto out;
    rc = dk_store_exec(conn, NULL, "DELETE FROM claims WHERE session_id = ?", p, 1);
    /* one claim.released per path, listing its symbols */
    for (size_t i = 0; rc == DK_OK && i < all.len;) {
        size_t j = i;
        eng_names names = DK_VEC_INIT;
        while (j < all.len && strcmp(all.items[j].repo, all.items[i].repo) == 0 &&
               strcmp(all.items[j].path, all.items[i].path) == 0) {
            dk_vec_push(&names, dk_xstrdup(all.items[j].name));
            j++;
        }
        rc = dk_eng_claims_emit_tx(e, conn, all.items[i].repo, "claim.released", session_id,
                                   all.items[i].agent, changeset_id, all.items[i].path, &names);
        dk_eng_names_release(&names);
        i = j;
    }
    if (rc == DK_OK && released)
        *released = all.len;
out:
    dk_vec_foreach(&all, struct rel *, r) {
        free(r->repo);
        free(r->path);
        free(r->name);
        free(r->agent);
    }
    dk_vec_release(&all);
    return rc;
}
