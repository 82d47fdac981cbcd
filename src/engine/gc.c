/*
 * engine/gc.c - collecting sessions (the seed's gc_expired,
 * gc_expired_sessions and cleanup_disconnected, as one pass) and the GC
 * thread that runs it every gc_interval_ms.
 *
 * One pass (dk_engine_gc), decided from the store so that every node agrees
 * and sessions no node serves are collected too:
 *   1. active sessions past a limit - idle beyond idle_ttl (ephemeral only:
 *      a persistent session lives until its deadline or max_ttl), alive
 *      beyond max_ttl, or past their persistent deadline:
 *        changeset pinned (submitted, verifying, approved, awaiting_approval)
 *                                                -> stranded (never dropped);
 *        anything else (draft, rejected, none)   -> closed;
 *      both in one transaction with the release of the session's claims
 *      (dk_eng_session_end). Activity is refreshed by every operation (dkod
 *      never refreshed it, §14 #3); memory may be up to
 *      ENG_ACTIVITY_WRITE_MS ahead of the store, so a candidate that memory
 *      knows to be active is spared (and its activity stored).
 *   2. stranded sessions older than strand_ttl -> abandoned.
 *   3. event windows trimmed.
 *   4. the registry brought in line with the store: sessions that are no
 *      longer active (ended by another node) leave it, active ones this node
 *      has not seen (connected on another node) join it.
 *   5. what live sessions keep in memory for a while reaches the store and
 *      the repository: pending read marks, and refs/dk/sessions/<id> of
 *      sessions whose overlay changed since the last pass (session.c).
 * Startup reconcile is the same pass, run once by dk_engine_open before the
 * thread starts.
 *
 * Threads: one pass at a time (gc_pass_lock); the thread sleeps on gc_cond
 * so close wakes it at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dk/log.h"

#include "engine/workspace.h"
#include "util/alloc.h"

#include "util/banned.h"

struct gc_cand {
    char *id;
    char *reason;
};

typedef dk_vec(struct gc_cand) gc_cands;

static void gc_cands_release(gc_cands *c)
{
    dk_vec_foreach(c, struct gc_cand *, x) {
        free(x->id);
        free(x->reason);
    }
    dk_vec_release(c);
}

static int gc_collect_expired(gc_cands *out, dk_engine *e, dk_store_conn *conn, int64_t now)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_INT(now), DK_SV_INT(now - e->max_ttl_ms),
                        DK_SV_INT(now - e->idle_ttl_ms), DK_SV_INT(now - e->max_ttl_ms),
                        DK_SV_INT(now)};
    int rc = dk_store_query(&rows, conn,
                            "SELECT id, CASE WHEN expires_at IS NOT NULL AND expires_at < ? THEN "
                            "'expired' WHEN created_at < ? THEN 'max_ttl' ELSE 'idle_ttl' END, "
                            "last_active FROM sessions WHERE state = 'active' AND ((mode = "
                            "'ephemeral' AND last_active < ?) OR created_at < ? OR (expires_at IS "
                            "NOT NULL AND expires_at < ?)) ORDER BY created_at",
                            p, 5);
    if (rc)
        return rc;
    while ((rc = dk_store_rows_next(rows)) == 1) {
        struct gc_cand c = {dk_xstrdup(dk_store_rows_text(rows, 0, NULL)),
                            dk_xstrdup(dk_store_rows_text(rows, 1, NULL))};
        dk_vec_push(out, c);
    }
    dk_store_rows_free(rows);
    return rc < 0 ? rc : DK_OK;
}

/* Memory knows of activity the store has not seen yet? Then spare it. */
static bool gc_spared(dk_engine *e, const struct gc_cand *c, int64_t now)
{
    if (strcmp(c->reason, "idle_ttl") != 0)
        return false;
    struct eng_session *s;
    if (dk_eng_session_find(&s, e, c->id) != DK_OK)
        return false;
    bool spared = atomic_load(&s->last_active_ms) >= now - e->idle_ttl_ms;
    if (spared) {
        atomic_store(&s->stored_active_ms, 0);
        dk_eng_session_touch(e, s);
    }
    dk_eng_session_unref(s);
    return spared;
}

static int gc_changeset_pinned(bool *pinned, dk_store_conn *conn, const char *sid)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(sid)};
    int rc = dk_store_query(&rows, conn,
                            "SELECT c.state FROM sessions s JOIN changesets c ON c.id = "
                            "s.changeset_id WHERE s.id = ?",
                            p, 1);
    if (rc)
        return rc;
    *pinned = false;
    rc = dk_store_rows_next(rows);
    if (rc == 1) {
        const char *st = dk_store_rows_text(rows, 0, NULL);
        *pinned = strcmp(st, "submitted") == 0 || strcmp(st, "verifying") == 0 ||
                  strcmp(st, "approved") == 0;
    }
    dk_store_rows_free(rows);
    return rc < 0 ? rc : DK_OK;
}

/* Step 4: the registry follows the store. */
static int gc_sync_registry(size_t *left, dk_engine *e, dk_store_conn *conn)
{
    dk_map active = DK_MAP_INIT_STR;
    dk_store_rows *rows;
    int rc = dk_store_query(&rows, conn, "SELECT id FROM sessions WHERE state = 'active'", NULL, 0);
    if (rc)
        return rc;
    while ((rc = dk_store_rows_next(rows)) == 1) {
        size_t n;
        const char *id = dk_store_rows_text(rows, 0, &n);
        dk_map_put(&active, id, n, (void *)1, NULL);
    }
    dk_store_rows_free(rows);
    if (rc < 0) {
        dk_map_release(&active);
        return rc;
    }
    dk_vec(char *) gone = DK_VEC_INIT;
    for (size_t i = 0; i < ENG_SHARDS; i++) {
        pthread_rwlock_rdlock(&e->shards[i].lock);
        dk_map_foreach(&e->shards[i].map, slot) {
            if (!dk_map_del(&active, slot->key, slot->key_len, NULL))
                dk_vec_push(&gone, dk_xstrdup(slot->key));
        }
        pthread_rwlock_unlock(&e->shards[i].lock);
    }
    dk_vec_foreach(&gone, char **, id) {
        dk_eng_registry_remove(e, *id);
        (*left)++;
        free(*id);
    }
    dk_vec_release(&gone);
    /* what is left in `active` is active in the store and unknown here */
    rc = DK_OK;
    dk_map_foreach(&active, slot) {
        char *id = dk_xstrndup(slot->key, slot->key_len);
        if (dk_eng_session_reload(e, id) != DK_OK)
            dk_trace(DK_TRACE_WARN, "engine", "gc: session %s not loaded: %s", id,
                     dk_error_last()->msg);
        free(id);
    }
    dk_map_release(&active);
    return rc;
}

int dk_engine_gc(dk_engine *e, size_t *collected)
{
    size_t n = 0;
    pthread_mutex_lock(&e->gc_pass_lock);
    int64_t now = dk_eng_now(e);
    gc_cands cands = DK_VEC_INIT, stale = DK_VEC_INIT;
    dk_store_conn *conn;
    int rc = dk_eng_conn(&conn, e);
    if (rc)
        goto out;
    rc = gc_collect_expired(&cands, e, conn, now);
    if (rc == DK_OK) {
        dk_store_rows *rows;
        dk_store_val p[] = {DK_SV_INT(now - e->strand_ttl_ms)};
        rc = dk_store_query(&rows, conn,
                            "SELECT id FROM sessions WHERE state = 'stranded' AND stranded_at < ? "
                            "ORDER BY stranded_at",
                            p, 1);
        if (rc == DK_OK) {
            while ((rc = dk_store_rows_next(rows)) == 1) {
                struct gc_cand c = {dk_xstrdup(dk_store_rows_text(rows, 0, NULL)),
                                    dk_xstrdup("auto_ttl")};
                dk_vec_push(&stale, c);
            }
            dk_store_rows_free(rows);
            rc = rc < 0 ? rc : DK_OK;
        }
    }
    /* 1: expired active sessions */
    for (size_t i = 0; rc == DK_OK && i < cands.len; i++) {
        if (gc_spared(e, &cands.items[i], now))
            continue;
        bool pinned = false;
        if ((rc = gc_changeset_pinned(&pinned, conn, cands.items[i].id)))
            break;
        bool ended = false;
        int r = dk_eng_session_end(e, NULL, cands.items[i].id,
                                   pinned ? DK_SESSION_STRANDED : DK_SESSION_CLOSED,
                                   cands.items[i].reason, true, &ended);
        if (r == DK_OK && ended)
            n++; /* not one the re-check in the transaction spared */
        else
            dk_trace(DK_TRACE_WARN, "engine", "gc: session %s: %s", cands.items[i].id,
                     dk_error_last()->msg);
    }
    /* 2: stranded too long */
    for (size_t i = 0; rc == DK_OK && i < stale.len; i++) {
        if (dk_eng_session_end(e, NULL, stale.items[i].id, DK_SESSION_ABANDONED, "auto_ttl", true,
                               NULL))
            dk_trace(DK_TRACE_WARN, "engine", "gc: abandon %s: %s", stale.items[i].id,
                     dk_error_last()->msg);
    }
    /* 3 and 4; and what sessions keep in memory for a while: read marks, overlay refs */
    if (rc == DK_OK)
        rc = dk_eng_events_trim(e, conn);
    if (rc == DK_OK)
        rc = gc_sync_registry(&n, e, conn);
    dk_store_release(conn);
    dk_eng_sessions_flush_reads(e);
    dk_eng_sessions_ref_sync_dirty(e);
out:
    gc_cands_release(&cands);
    gc_cands_release(&stale);
    pthread_mutex_unlock(&e->gc_pass_lock);
    if (collected)
        *collected = n;
    return rc;
}

/* ========================================================================== */
/* The thread                                                                 */
/* ========================================================================== */

static void *gc_main(void *arg)
{
    dk_engine *e = arg;
    pthread_mutex_lock(&e->gc_lock);
    while (!e->gc_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += e->gc_interval_ms / 1000;
        until.tv_nsec += (long)(e->gc_interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        int w = 0;
        while (!e->gc_stop && w != ETIMEDOUT)
            w = pthread_cond_timedwait(&e->gc_cond, &e->gc_lock, &until);
        if (e->gc_stop)
            break;
        pthread_mutex_unlock(&e->gc_lock);
        if (dk_engine_gc(e, NULL) != DK_OK)
            dk_trace(DK_TRACE_WARN, "engine", "gc pass: %s", dk_error_last()->msg);
        pthread_mutex_lock(&e->gc_lock);
    }
    pthread_mutex_unlock(&e->gc_lock);
    return NULL;
}

int dk_eng_gc_start(dk_engine *e)
{
    if (e->gc_interval_ms <= 0)
        return DK_OK;
    if (pthread_create(&e->gc_thread, NULL, gc_main, e) != 0)
        return dk_error_set(DK_ERROR, "cannot start the gc thread");
    e->gc_running = true;
    return DK_OK;
}

void dk_eng_gc_stop(dk_engine *e)
{
    if (!e->gc_running)
        return;
    pthread_mutex_lock(&e->gc_lock);
    e->gc_stop = true;
    pthread_cond_broadcast(&e->gc_cond);
    pthread_mutex_unlock(&e->gc_lock);
    pthread_join(e->gc_thread, NULL);
    e->gc_running = false;
}
