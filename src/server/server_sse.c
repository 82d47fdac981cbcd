/*
 * server/server_sse.c - GET /v1/watch as Server-Sent Events, and the hub
 * that wakes watchers: no thread per watcher, no wait per repository.
 *
 *   watcher (MHD content reader)          engine notify hook (any repository)
 *   ───────────────────────────           ───────────────────────────────────
 *   note = hub.notes                      hub.notes++; the repository's entry,
 *   read events > scanned (unfiltered),     if it has waiters, becomes due;
 *     scanned = last id read; matching      signal the hub
 *     ones become                                     │
 *     id: N / event: TYPE / data: JSON    hub thread  ▼
 *   nothing to send: join the waiter      ──────────────────────────────────
 *     list (due at once if hub.notes      one wait (its condition) for: a due
 *     moved since `note`), suspend,         repository, the heartbeat, stop;
 *     return 0                              resume the waiters of every due
 *                                           repository; at each heartbeat,
 *                                           resume all with a ": ping" due
 *
 * The hub never reads the store and never blocks on one repository: a
 * notification names its repository (the payload of "dk_events"), so an
 * event in the last of many watched repositories wakes its watchers as
 * promptly as one in the first (the old hub blocked 250 ms on the first).
 *
 * Invariants:
 *  1. A suspended watcher is always on the waiter list, and only the hub
 *     (or shutdown) takes it off, always resuming it: none is forgotten,
 *     and MHD never stops with a suspended connection (resume first).
 *  2. No event is lost between a watcher's read and its suspension: an
 *     event committed after the read is notified after it; if that
 *     notification came before the watcher joined, `notes` moved and the
 *     join marks the repository due; if after, the hook finds the waiter.
 *  3. A watcher never re-reads events it scanned (filtering happens here,
 *     by dk_api_event_matches), so non-matching events cost one read.
 *  4. `id:` is the event id; a reconnecting client's Last-Event-ID (or
 *     ?since=) resumes after it. Events older than the engine's window are
 *     gone: the first answer then carries `event: gap` with the oldest id.
 *  5. Dead clients are found by the heartbeat write (the second one after
 *     the disconnect: the first write to a closed socket succeeds). The
 *     heartbeat's re-read is also the fallback for a notification lost
 *     while a PostgreSQL listener reconnected.
 * Lock order: the engine's event lock, then hub.lock (the hook); the hub
 * never calls the engine while holding hub.lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dk/engine.h"

#include "api/api.h"
#include "server/mhd.h"
#include "server/server_int.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

struct srv_sse {
    char repo[128];
    char *types;
    /* the last event id read (matching or not) */
    int64_t scanned;
    /* hub.notes before the last read (invariant 2) */
    uint64_t note;
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

/* A repository with waiters. */
struct hub_repo {
    char name[128];
    /* a notification came since its waiters last read: resume them */
    bool due;
};

struct srv_hub {
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
    /* notifications seen (any repository) */
    uint64_t notes;
    /* some entry of `repos` is due */
    bool any_due;
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

static struct hub_repo *hub_repo_find(struct srv_hub *h, const char *name)
{
    for (size_t i = 0; i < h->nrepos; i++)
        if (strcmp(h->repos[i].name, name) == 0)
            return &h->repos[i];
    return NULL;
}

/* The engine's notify hook: mark the repository due (NULL: every one). */
static void hub_on_notify(void *ud, const char *repo)
{
    struct srv_hub *h = ud;
    pthread_mutex_lock(&h->lock);
    h->notes++;
    for (size_t i = 0; i < h->nrepos; i++) {
        if (!repo || strcmp(h->repos[i].name, repo) == 0) {
            h->repos[i].due = true;
            h->any_due = true;
        }
    }
    if (h->any_due)
        pthread_cond_signal(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

static struct timespec hub_deadline(int64_t at_us)
{
    /* srv_now_us is CLOCK_MONOTONIC; the condition waits on CLOCK_MONOTONIC too */
    return (struct timespec){.tv_sec = at_us / 1000000, .tv_nsec = (at_us % 1000000) * 1000};
}

static void *hub_main(void *arg)
{
    struct dk_server *s = arg;
    struct srv_hub *h = s->hub;
    int64_t next_ping = srv_now_us() + (int64_t)s->heartbeat_ms * 1000;

    pthread_mutex_lock(&h->lock);
    while (!h->stop) {
        if (srv_now_us() >= next_ping) {
            hub_resume_locked(h, NULL);
            next_ping = srv_now_us() + (int64_t)s->heartbeat_ms * 1000;
        }
        if (h->any_due) {
            h->any_due = false;
            for (size_t i = 0; i < h->nrepos; i++) {
                if (h->repos[i].due) {
                    h->repos[i].due = false;
                    hub_resume_locked(h, h->repos[i].name);
                }
            }
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
        if (h->any_due || h->stop)
            continue;
        struct timespec ts = hub_deadline(next_ping);
        pthread_cond_timedwait(&h->cond, &h->lock, &ts);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

int srv_hub_start(struct dk_server *s)
{
    struct srv_hub *h = dk_xcalloc(1, sizeof(*h));
    pthread_mutex_init(&h->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cond, &ca);
    pthread_condattr_destroy(&ca);
    s->hub = h;
    if (pthread_create(&h->thread, NULL, hub_main, s) != 0)
        return dk_error_set(DK_ERROR, "cannot start the watch hub thread");
    h->started = true;
    dk_events_set_notify(s->engine, hub_on_notify, h);
    return DK_OK;
}

void srv_hub_stop(struct dk_server *s)
{
    struct srv_hub *h = s->hub;
    if (!h)
        return;
    if (h->started)
        dk_events_set_notify(s->engine, NULL, NULL);
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

/* hub.notes now: taken before a watcher reads (invariant 2). */
static uint64_t hub_notes(struct dk_server *s)
{
    struct srv_hub *h = s->hub;
    pthread_mutex_lock(&h->lock);
    uint64_t n = h->notes;
    pthread_mutex_unlock(&h->lock);
    return n;
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
    struct hub_repo *r = hub_repo_find(h, w->repo);
    if (!r) {
        if (h->nrepos == h->cap) {
            h->cap = h->cap ? h->cap * 2 : 8;
            h->repos = dk_xreallocarray(h->repos, h->cap, sizeof(*h->repos));
        }
        r = &h->repos[h->nrepos++];
        snprintf(r->name, sizeof(r->name), "%s", w->repo);
        r->due = false;
    }
    if (h->notes != w->note) {
        /* something was notified since this watcher read: it may be ours */
        r->due = true;
        h->any_due = true;
        pthread_cond_signal(&h->cond);
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
    w->note = hub_notes(s);
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
    r->log_code = "OK";
    return srv_sse_queue(r, sse_read, r);
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

enum MHD_Result srv_sse_queue(struct srv_req *r, MHD_ContentReaderCallback read, void *cls)
{
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, read, cls, NULL);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    r->status = 200;
    enum MHD_Result ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}
