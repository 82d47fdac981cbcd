/*
 * engine/events.c - the per-repository event log and its watchers.
 *
 *   emit (inside the change's transaction):
 *     repos.event_seq += 1  ->  INSERT events(repo, id, ...)  ->  NOTIFY dk_events
 *   watch:
 *     SELECT ... WHERE repo = ? AND id > since ORDER BY id  (filtered by pattern)
 *     nothing yet? wait on ev_cond until a notification (this node's or, with
 *     PostgreSQL, another node's) bumps ev_gen, or the timeout.
 *
 * The id comes from a counter row updated in the same transaction as the
 * change, so ids are dense, increasing per repository and never reused, and
 * an event exists exactly when its change committed (a rolled-back write
 * leaves no event and no gap). The window is bounded: GC deletes events more
 * than events_window behind the newest (dk_eng_events_trim); `oldest` tells a
 * watcher that comes back too late that it missed some (dkod had no replay
 * at all, §14 #23).
 *
 * Threads: ev_gen is read before the query and waited on after it, so a
 * notification between the two is never lost. The notify hook (one per
 * engine, dk_events_set_notify) runs under ev_lock, so once it is replaced
 * no call of the old one is in flight.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/workspace.h"
#include "util/alloc.h"

#include "util/banned.h"

/* Rows read per query while filtering by pattern. */
#define EV_BATCH 256

int dk_eng_emit_tx(dk_engine *e, dk_store_conn *conn, const char *repo, const char *type,
                   const char *session_id, const char *agent, const char *changeset_id,
                   const char *payload_json, int64_t *id)
{
    int64_t seq = 0;
    bool found = false;
    dk_store_val p1[] = {DK_SV_TEXT(repo)};
    int rc = dk_store_query_int(&seq, &found, conn,
                                "UPDATE repos SET event_seq = event_seq + 1 WHERE name = ? "
                                "RETURNING event_seq",
                                p1, 1);
    if (rc)
        return rc;
    if (!found)
        return dk_error_set(DK_ENOTFOUND, "repository '%s' not found", repo);
    dk_store_val p2[] = {DK_SV_TEXT(repo),
                         DK_SV_INT(seq),
                         DK_SV_TEXT(type),
                         DK_SV_TEXT_OR_NULL(session_id),
                         DK_SV_TEXT_OR_NULL(agent),
                         DK_SV_TEXT_OR_NULL(changeset_id),
                         DK_SV_TEXT(payload_json && *payload_json ? payload_json : "{}"),
                         DK_SV_INT(dk_eng_now(e))};
    rc = dk_store_exec(conn, NULL,
                       "INSERT INTO events (repo, id, type, session_id, agent, changeset_id, "
                       "payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       p2, 8);
    if (rc == DK_OK)
        rc = dk_store_notify(conn, "dk_events", repo);
    if (rc == DK_OK && session_id)
        rc = dk_eng_session_notify_tx(e, conn, session_id);
    if (rc == DK_OK && id)
        *id = seq;
    return rc;
}

void dk_eng_events_on_notify(dk_engine *e, const char *repo)
{
    pthread_mutex_lock(&e->ev_lock);
    e->ev_gen++;
    pthread_cond_broadcast(&e->ev_cond);
    if (e->ev_hook)
        e->ev_hook(e->ev_hook_ud, repo);
    pthread_mutex_unlock(&e->ev_lock);
}

void dk_events_set_notify(dk_engine *e, dk_events_notify_cb cb, void *ud)
{
    pthread_mutex_lock(&e->ev_lock);
    e->ev_hook = cb;
    e->ev_hook_ud = ud;
    pthread_mutex_unlock(&e->ev_lock);
}

int dk_eng_events_trim(dk_engine *e, dk_store_conn *conn)
{
    dk_store_val p[] = {DK_SV_INT(e->events_window)};
    return dk_store_exec(conn, NULL,
                         "DELETE FROM events WHERE id <= (SELECT r.event_seq FROM repos r WHERE "
                         "r.name = events.repo) - ?",
                         p, 1);
}

/* "*", "file.*" (prefix), "*.released" (suffix) or an exact type; comma lists. */
static bool ev_match(const char *pattern, const char *type)
{
    if (!pattern || !*pattern)
        return true;
    size_t tlen = strlen(type);
    const char *p = pattern;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && *p == ' ')
            p++, n--;
        while (n && p[n - 1] == ' ')
            n--;
        if (n == 1 && p[0] == '*')
            return true;
        if (n >= 2 && p[n - 1] == '*' && p[n - 2] == '.' && tlen >= n - 1 &&
            memcmp(type, p, n - 1) == 0)
            return true;
        if (n >= 2 && p[0] == '*' && p[1] == '.' && tlen >= n - 1 &&
            memcmp(type + tlen - (n - 1), p + 1, n - 1) == 0)
            return true;
        if (n == tlen && memcmp(type, p, n) == 0)
            return true;
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

typedef dk_vec(dk_event) ev_vec;

/* Read matching events with id > since into `out`, at most `max`. */
static int ev_read(ev_vec *out, int64_t *oldest, dk_store_conn *conn, const char *repo,
                   int64_t since, const char *pattern, size_t max)
{
    int64_t after = since;
    int rc = DK_OK;
    if (oldest) {
        int64_t v = 0;
        bool found = false;
        dk_store_val p[] = {DK_SV_TEXT(repo), DK_SV_TEXT(repo)};
        rc = dk_store_query_int(&v, &found, conn,
                                "SELECT COALESCE((SELECT MIN(id) FROM events WHERE repo = ?), "
                                "(SELECT event_seq + 1 FROM repos WHERE name = ?))",
                                p, 2);
        if (rc)
            return rc;
        *oldest = found ? v : 1;
    }
    for (;;) {
        dk_store_rows *rows;
        dk_store_val p[] = {DK_SV_TEXT(repo), DK_SV_INT(after), DK_SV_INT(EV_BATCH)};
        rc = dk_store_query(&rows, conn,
                            "SELECT id, type, session_id, agent, changeset_id, payload, "
                            "created_at FROM events WHERE repo = ? AND id > ? ORDER BY id "
                            "LIMIT ?",
                            p, 3);
        if (rc)
            return rc;
        size_t got = 0;
        while (out->len < max && (rc = dk_store_rows_next(rows)) == 1) {
            got++;
            after = dk_store_rows_int(rows, 0);
            const char *type = dk_store_rows_text(rows, 1, NULL);
            if (!ev_match(pattern, type))
                continue;
            const char *sid = dk_store_rows_text(rows, 2, NULL);
            const char *agent = dk_store_rows_text(rows, 3, NULL);
            const char *cs = dk_store_rows_text(rows, 4, NULL);
            dk_event ev = {
                .id = after,
                .repo = dk_xstrdup(repo),
                .type = dk_xstrdup(type),
                .session_id = sid ? dk_xstrdup(sid) : NULL,
                .agent = agent ? dk_xstrdup(agent) : NULL,
                .changeset_id = cs ? dk_xstrdup(cs) : NULL,
                .payload = dk_xstrdup(dk_store_rows_text(rows, 5, NULL)),
                .created_ms = dk_store_rows_int(rows, 6),
            };
            dk_vec_push(out, ev);
        }
        dk_store_rows_free(rows);
        if (rc < 0)
            return rc;
        if (out->len >= max || got < EV_BATCH)
            return DK_OK;
    }
}

int dk_events_watch(dk_event **out, size_t *count, int64_t *oldest, dk_engine *e, const char *repo,
                    int64_t since, const char *pattern, size_t max, int timeout_ms)
{
    struct eng_repo *r;
    int rc = dk_eng_repo_find(&r, e, repo);
    if (rc)
        return rc;
    if (max == 0)
        max = 1000;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    if (timeout_ms > 0) {
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    ev_vec evs = DK_VEC_INIT;
    for (;;) {
        pthread_mutex_lock(&e->ev_lock);
        uint64_t gen = e->ev_gen;
        pthread_mutex_unlock(&e->ev_lock);
        dk_store_conn *conn;
        if ((rc = dk_eng_conn(&conn, e)))
            break;
        rc = ev_read(&evs, oldest, conn, r->name, since, pattern, max);
        dk_store_release(conn);
        if (rc || evs.len || timeout_ms <= 0 || atomic_load(&e->closing))
            break;
        /* nothing yet: wait for a notification or the deadline */
        bool timed_out = false;
        pthread_mutex_lock(&e->ev_lock);
        while (e->ev_gen == gen && !atomic_load(&e->closing)) {
            if (pthread_cond_timedwait(&e->ev_cond, &e->ev_lock, &deadline) == ETIMEDOUT) {
                timed_out = true;
                break;
            }
        }
        pthread_mutex_unlock(&e->ev_lock);
        if (timed_out) {
            /* one last look: an event may have committed just before the deadline */
            dk_store_conn *c2;
            if ((rc = dk_eng_conn(&c2, e)) == DK_OK) {
                rc = ev_read(&evs, NULL, c2, r->name, since, pattern, max);
                dk_store_release(c2);
            }
            break;
        }
    }
    if (rc) {
        dk_events_free(evs.items, evs.len);
        return rc;
    }
    *count = evs.len;
    *out = evs.items ? evs.items : dk_xcalloc(1, sizeof(dk_event));
    return DK_OK;
}

void dk_events_free(dk_event *events, size_t count)
{
    if (!events)
        return;
    for (size_t i = 0; i < count; i++) {
        free(events[i].repo);
        free(events[i].type);
        free(events[i].session_id);
        free(events[i].agent);
        free(events[i].changeset_id);
        free(events[i].payload);
    }
    free(events);
}
