/*
 * server/server_sse.c - GET /v1/watch as Server-Sent Events, and the hub
 * that wakes watchers: no thread per watcher.
 *
 *   watcher (MHD content reader)            hub thread
 *   ───────────────────────────             ──────────
 *   out buffer empty? read events > scanned  per repository with waiters:
 *   (unfiltered), scanned = last id read,      dk_events_watch(since = min
 *   matching ones become                        of their `scanned`), blocking
 *     id: N / event: TYPE / data: JSON          on the first repository
 *   nothing to send: join the waiter list,   new events: resume that
 *   suspend, return 0                          repository's waiters
 *                                            every heartbeat: resume all
 *                                              with a ": ping" due
 *
 * Invariants:
 *  1. A suspended watcher is always on the waiter list, and only the hub
 *     (or shutdown) takes it off, always resuming it: none is forgotten,
 *     and MHD never stops with a suspended connection (resume first).
 *  2. No event is lost between a watcher's read and its suspension: the
 *     hub's `since` for the repository is lowered to the watcher's
 *     `scanned` when it joins, under the hub lock, so any later event has
 *     a greater id and wakes it.
 *  3. A watcher never re-reads events it scanned (filtering happens here,
 *     by dk_api_event_matches), so non-matching events cost one read.
 *  4. `id:` is the event id; a reconnecting client's Last-Event-ID (or
 *     ?since=) resumes after it. Events older than the engine's window are
 *     gone: the first answer then carries `event: gap` with the oldest id.
 *  5. Dead clients are found by the heartbeat write (the second one after
 *     the disconnect: the first write to a closed socket succeeds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "dk/engine.h"

#include "api/api.h"
#include "server/server_int.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

struct srv_sse {
    char repo[128];
    char *types;
    /* the last event id read (matching or not) */
    int64_t scanned;
    bool gap_checked;
    bool ping;
    bool end;
    /* on the hub's waiter list */
    bool waiting;
    struct srv_req *req;
    struct srv_sse *next;
    /* what is ready to send, and how much of it went */
    dk_str out;
    size_t out_pos;
};

struct hub_repo {
    char name[128];
    int64_t since;
};

struct srv_hub {
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
    struct srv_sse *waiters;
    size_t nwaiters;
    struct hub_repo *repos;
    size_t nrepos, cap;
};

/* ========================================================================== */
/* The hub                                                                    */
/* ========================================================================== */

/* Resume (and unlist) the waiters of `repo` (NULL: all, with a ping due). Lock held. */
static void hub_resume_locked(struct srv_hub *h, const char *repo)
{
    struct srv_sse **pp = &h->waiters;
    while (*pp) {
        struct srv_sse *w = *pp;
        if (repo && strcmp(w->repo, repo) != 0) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        w->next = NULL;
        w->waiting = false;
        h->nwaiters--;
        if (!repo)
            w->ping = true;
        MHD_resume_connection(w->req->conn);
    }
}

static void *hub_main(void *arg)
{
    struct dk_server *s = arg;
    struct srv_hub *h = s->hub;
    int64_t next_ping = srv_now_us() + (int64_t)s->heartbeat_ms * 1000;
    struct hub_repo *snap = NULL;
    size_t snap_cap = 0;

    pthread_mutex_lock(&h->lock);
    while (!h->stop) {
        if (srv_now_us() >= next_ping) {
            hub_resume_locked(h, NULL);
            next_ping = srv_now_us() + (int64_t)s->heartbeat_ms * 1000;
        }
        /* forget repositories nobody waits on */
        size_t k = 0;
        for (size_t i = 0; i < h->nrepos; i++) {
            bool used = false;
            for (struct srv_sse *w = h->waiters; w && !used; w = w->next)
                used = strcmp(w->repo, h->repos[i].name) == 0;
            if (used)
                h->repos[k++] = h->repos[i];
        }
        h->nrepos = k;
        if (h->nrepos == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 250 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&h->cond, &h->lock, &ts);
            continue;
        }
        if (snap_cap < h->nrepos) {
            snap_cap = h->nrepos;
            snap = dk_xreallocarray(snap, snap_cap, sizeof(*snap));
        }
        size_t n = h->nrepos;
        memcpy(snap, h->repos, n * sizeof(*snap));
        pthread_mutex_unlock(&h->lock);
        for (size_t i = 0; i < n; i++) {
            dk_event *ev = NULL;
            size_t nev = 0;
            /* block on the first repository only, so the others are looked at too */
            int rc = dk_events_watch(&ev, &nev, NULL, s->engine, snap[i].name, snap[i].since, NULL,
                                     1000, i == 0 ? 250 : 0);
            if (rc == DK_OK && nev > 0) {
                int64_t last = ev[nev - 1].id;
                pthread_mutex_lock(&h->lock);
                for (size_t j = 0; j < h->nrepos; j++)
                    if (strcmp(h->repos[j].name, snap[i].name) == 0 && h->repos[j].since < last)
                        h->repos[j].since = last;
                hub_resume_locked(h, snap[i].name);
                pthread_mutex_unlock(&h->lock);
            }
            dk_events_free(ev, nev);
            if (rc != DK_OK && i == 0) {
                /* the store failed at once (busy, lost): do not spin; watchers retry on wake */
                struct timespec pause = {0, 100 * 1000000L};
                nanosleep(&pause, NULL);
            }
        }
        pthread_mutex_lock(&h->lock);
    }
    pthread_mutex_unlock(&h->lock);
    free(snap);
    return NULL;
}

int srv_hub_start(struct dk_server *s)
{
    struct srv_hub *h = dk_xcalloc(1, sizeof(*h));
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, NULL);
    s->hub = h;
    if (pthread_create(&h->thread, NULL, hub_main, s) != 0)
        return dk_error_set(DK_ERROR, "cannot start the watch hub thread");
    h->started = true;
    return DK_OK;
}

void srv_hub_stop(struct dk_server *s)
{
    struct srv_hub *h = s->hub;
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stop = true;
    hub_resume_locked(h, NULL);
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
    if (h->started)
        pthread_join(h->thread, NULL);
    free(h->repos);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->cond);
    free(h);
    s->hub = NULL;
}

/* Join the waiter list and suspend. False when the server is stopping. */
static bool hub_wait(struct dk_server *s, struct srv_sse *w)
{
    struct srv_hub *h = s->hub;
    pthread_mutex_lock(&h->lock);
    if (h->stop) {
        pthread_mutex_unlock(&h->lock);
        return false;
    }
    size_t i = 0;
    for (; i < h->nrepos; i++)
        if (strcmp(h->repos[i].name, w->repo) == 0)
            break;
    if (i == h->nrepos) {
        if (h->nrepos == h->cap) {
            h->cap = h->cap ? h->cap * 2 : 8;
            h->repos = dk_xreallocarray(h->repos, h->cap, sizeof(*h->repos));
        }
        snprintf(h->repos[i].name, sizeof(h->repos[i].name), "%s", w->repo);
        h->repos[i].since = w->scanned;
        h->nrepos++;
        pthread_cond_broadcast(&h->cond);
    } else if (w->scanned < h->repos[i].since) {
        h->repos[i].since = w->scanned;
    }
    w->next = h->waiters;
    h->waiters = w;
    h->nwaiters++;
    w->waiting = true;
    MHD_suspend_connection(w->req->conn);
    pthread_mutex_unlock(&h->lock);
    return true;
}

/* ========================================================================== */
/* One watcher                                                                */
/* ========================================================================== */

/* Fill the out buffer with what is due: a ping, a gap notice, matching events. */
static void sse_fill(struct dk_server *s, struct srv_sse *w)
{
    if (w->ping) {
        dk_str_adds(&w->out, ": ping\n\n");
        w->ping = false;
    }
    dk_event *ev = NULL;
    size_t n = 0;
    int64_t oldest = 0;
    int rc = dk_events_watch(&ev, &n, &oldest, s->engine, w->repo, w->scanned, NULL, 256, 0);
    if (rc) {
        json_t *e = json_pack("{s:s,s:s}", "code", rc == DK_ENOTFOUND ? "NOT_FOUND" : "INTERNAL",
                              "message", dk_error_last()->msg);
        char *text = json_dumps(e, JSON_COMPACT);
        dk_str_addf(&w->out, "event: error\ndata: %s\n\n", text ? text : "{}");
        free(text);
        json_decref(e);
        w->end = true;
        return;
    }
    if (!w->gap_checked) {
        w->gap_checked = true;
        if (oldest > w->scanned + 1 && n > 0)
            dk_str_addf(&w->out, "event: gap\ndata: {\"since\":%lld,\"oldest\":%lld}\n\n",
                        (long long)w->scanned, (long long)oldest);
    }
    for (size_t i = 0; i < n; i++) {
        w->scanned = ev[i].id;
        if (!dk_api_event_matches(w->types, ev[i].type))
            continue;
        json_t *j = dk_api_event_json(&ev[i]);
        char *text = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        if (!text)
            continue;
        dk_str_addf(&w->out, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)ev[i].id, ev[i].type,
                    text);
        free(text);
    }
    dk_events_free(ev, n);
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct srv_req *r = cls;
    struct srv_sse *w = r->sse;
    struct dk_server *s = r->srv;
    (void)pos;
    for (int round = 0; round < 2; round++) {
        if (w->out_pos < w->out.len) {
            size_t n = w->out.len - w->out_pos;
            if (n > max)
                n = max;
            memcpy(buf, w->out.ptr + w->out_pos, n);
            w->out_pos += n;
            r->sent_bytes += n;
            return (ssize_t)n;
        }
        dk_str_clear(&w->out);
        w->out_pos = 0;
        if (w->end || atomic_load(&s->stopping))
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (round == 0)
            sse_fill(s, w);
    }
    if (!hub_wait(s, w))
        return MHD_CONTENT_READER_END_OF_STREAM;
    return 0;
}

static bool sse_int(int64_t *out, const char *s)
{
    if (!s || !*s)
        return false;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v < 0)
        return false;
    *out = v;
    return true;
}

enum MHD_Result srv_sse_begin(struct srv_req *r)
{
    struct MHD_Connection *c = r->conn;
    const char *repo = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "repo");
    const char *since = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
    const char *types = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "types");
    const char *last = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
    int64_t from = 0;
    enum MHD_Result ret;

    if (!repo || !*repo || strlen(repo) >= sizeof(((struct srv_sse *)0)->repo)) {
        srv_answer_code(r, DK_API_INVALID_ARGUMENT, "repo: required (?repo=NAME)");
        goto answer;
    }
    if (since && !sse_int(&from, since)) {
        srv_answer_code(r, DK_API_INVALID_ARGUMENT, "since: expected a non-negative integer");
        goto answer;
    }
    if (last && *last && !sse_int(&from, last)) {
        srv_answer_code(r, DK_API_INVALID_ARGUMENT, "Last-Event-ID: expected an event id");
        goto answer;
    }
    if (types && strlen(types) > 1000) {
        srv_answer_code(r, DK_API_INVALID_ARGUMENT, "types: longer than 1000 bytes");
        goto answer;
    }
    if (!dk_api_principal_allows(&r->who, repo, DK_API_SCOPE_READ)) {
        srv_answer_code(r, DK_API_FORBIDDEN, "this token has no read scope on repository '%s'",
                        repo);
        goto answer;
    }
    dk_repo_info *ri = NULL;
    int rc = dk_repo_get(&ri, r->srv->engine, repo);
    dk_repo_infos_free(ri, ri ? 1 : 0);
    if (rc) {
        dk_api_error err = DK_API_ERROR_INIT;
        dk_api_error_from_dk(&err, rc);
        srv_answer_error(r, &err);
        goto answer;
    }

    struct srv_sse *w = dk_xcalloc(1, sizeof(*w));
    snprintf(w->repo, sizeof(w->repo), "%s", repo);
    w->types = types && *types ? dk_xstrdup(types) : NULL;
    w->scanned = from;
    w->req = r;
    dk_str_init(&w->out);
    dk_str_adds(&w->out, "retry: 2000\n: dk watch\n\n");
    r->sse = w;
    /* a watch stays open: the heartbeat, not the idle timeout, finds dead clients */
    MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)0);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, sse_read, r, NULL);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    r->status = 200;
    r->log_code = "OK";
    ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
answer:
    return srv_queue(r);
}

void srv_sse_free(struct srv_req *r)
{
    struct srv_sse *w = r->sse;
    if (!w)
        return;
    struct srv_hub *h = r->srv->hub;
    if (h && w->waiting) {
        /* defensive: a completed request is never suspended, but never leave a dangling waiter */
        pthread_mutex_lock(&h->lock);
        for (struct srv_sse **pp = &h->waiters; *pp; pp = &(*pp)->next) {
            if (*pp == w) {
                *pp = w->next;
                h->nwaiters--;
                break;
            }
        }
        pthread_mutex_unlock(&h->lock);
    }
    dk_str_release(&w->out);
    free(w->types);
    free(w);
    r->sse = NULL;
}
