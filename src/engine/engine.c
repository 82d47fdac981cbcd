/*
 * engine/engine.c - opening and closing the engine, and the services every
 * other engine file uses: the store, the clock, the symbol cache, store
 * connections, ids, the L2 cache calls, and the notification listeners.
 *
 * Open, in order:
 *   1. data directory (created), L2 cache (none or Redis), store (migrated),
 *      symbol cache;
 *   2. repositories and live sessions loaded from the store (memory is a
 *      cache of it: workspace.h invariant 1);
 *   3. listeners: "dk_events" wakes dk_events_watch, "dk_sessions" re-reads
 *      a session another node changed;
 *   4. reconcile: one GC pass (expired sessions collected, pinned work
 *      stranded - never dropped), landings a killed process left on a branch
 *      unrecorded recorded (dk_eng_land_reconcile), then the GC thread.
 * Close undoes it in reverse; sessions stay in the store.
 *
 * Ownership: the engine owns everything it opened; sessions and repositories
 * are freed at close (after the GC thread and the listeners stopped).
 * Conventions: one store connection per call, taken with dk_eng_conn and given
 * back before returning; no lock is held while waiting for one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dk/log.h"

#include "engine/workspace.h"
#include "util/alloc.h"

#include "util/banned.h"

/* Entries of the shared per-blob symbol cache. */
#define ENG_SYMCACHE_ENTRIES 4096

/* ========================================================================== */
/* Services                                                                   */
/* ========================================================================== */

dk_store *dk_eng_store(dk_engine *e)
{
    return e->store;
}

int64_t dk_eng_now(dk_engine *e)
{
    if (e->clock_ms)
        return e->clock_ms(e->clock_ud);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

dk_symcache *dk_eng_symcache(dk_engine *e)
{
    return e->symcache;
}

int dk_eng_conn(dk_store_conn **out, dk_engine *e)
{
    return dk_store_acquire(out, e->store);
}

bool dk_eng_retryable(int rc)
{
    return rc == DK_ERACE || rc == DK_EBUSY;
}

void dk_eng_new_id(char out[37])
{
    unsigned char b[16];
    size_t got = 0;
    while (got < sizeof(b)) {
        ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
        if (n > 0)
            got += (size_t)n;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

void dk_eng_json_str(dk_str *s, const char *key, const char *val, bool comma)
{
    if (comma)
        dk_str_addch(s, ',');
    dk_str_addch(s, '"');
    dk_str_adds(s, key);
    dk_str_adds(s, "\":");
    if (!val) {
        dk_str_adds(s, "null");
        return;
    }
    dk_str_addch(s, '"');
    dk_str_add_json_escaped(s, val, strlen(val));
    dk_str_addch(s, '"');
}

const char *dk_session_mode_name(dk_session_mode mode)
{
    return mode == DK_SESSION_PERSISTENT ? "persistent" : "ephemeral";
}

const char *dk_session_state_name(dk_session_state state)
{
    switch (state) {
    case DK_SESSION_ACTIVE:
        return "active";
    case DK_SESSION_STRANDED:
        return "stranded";
    case DK_SESSION_ABANDONED:
        return "abandoned";
    case DK_SESSION_CLOSED:
        return "closed";
    }
    return "unknown";
}

const char *dk_symbol_change_name(dk_symbol_change change)
{
    switch (change) {
    case DK_CHANGE_ADDED:
        return "added";
    case DK_CHANGE_MODIFIED:
        return "modified";
    case DK_CHANGE_DELETED:
        return "deleted";
    }
    return "unknown";
}

/* ========================================================================== */
/* The L2 cache (the seed's WorkspaceCache)                                   */
/* ========================================================================== */

/*
 * Write-through on create, touch debounced to once per ENG_CACHE_TOUCH_MS per
 * session, evict on destroy. The snapshot expires after the idle TTL (a
 * session idle that long is collected anyway). dk_cache never fails an
 * operation (store/cache.h): its return values are programmer errors only.
 */
static unsigned eng_cache_ttl_s(dk_engine *e)
{
    int64_t s = e->idle_ttl_ms / 1000;
    return s < 1 ? 1 : s > 0x7fffffff ? 0x7fffffff : (unsigned)s;
}

void dk_eng_cache_put(dk_engine *e, struct eng_session *s)
{
    if (dk_cache_kind_of(e->cache) == DK_CACHE_NONE)
        return;
    dk_str j = DK_STR_INIT;
    char base[DK_OID_HEXSZ + 1] = "";
    pthread_mutex_lock(&s->lock);
    if (!s->unborn)
        dk_oid_to_hex(base, &s->base);
    dk_str_addch(&j, '{');
    dk_eng_json_str(&j, "session_id", s->id, false);
    dk_eng_json_str(&j, "repo", s->repo->name, true);
    dk_eng_json_str(&j, "agent_id", s->agent_id, true);
    dk_eng_json_str(&j, "agent_name", s->agent_name, true);
    dk_eng_json_str(&j, "changeset_id", s->changeset_id, true);
    dk_eng_json_str(&j, "intent", s->intent, true);
    dk_eng_json_str(&j, "base_commit", base, true);
    dk_eng_json_str(&j, "state", dk_session_state_name(s->state), true);
    dk_eng_json_str(&j, "mode", dk_session_mode_name(s->mode), true);
    dk_str_addch(&j, '}');
    pthread_mutex_unlock(&s->lock);
    atomic_store(&s->cache_touched_ms, dk_eng_now(e));
    dk_cache_put_session(e->cache, s->id, j.ptr, j.len, eng_cache_ttl_s(e));
    dk_str_release(&j);
}

void dk_eng_cache_touch(dk_engine *e, struct eng_session *s)
{
    if (dk_cache_kind_of(e->cache) == DK_CACHE_NONE)
        return;
    int64_t now = dk_eng_now(e);
    int64_t last = atomic_load(&s->cache_touched_ms);
    if (now - last <= ENG_CACHE_TOUCH_MS)
        return;
    if (!atomic_compare_exchange_strong(&s->cache_touched_ms, &last, now))
        return;
    dk_cache_touch_session(e->cache, s->id, eng_cache_ttl_s(e));
}

void dk_eng_cache_evict(dk_engine *e, const char *session_id)
{
    if (dk_cache_kind_of(e->cache) == DK_CACHE_NONE)
        return;
    dk_cache_evict_session(e->cache, session_id);
}

/* ========================================================================== */
/* Notifications                                                              */
/* ========================================================================== */

static void eng_on_events(void *ud, const char *channel, const char *payload)
{
    (void)channel;
    dk_engine *e = ud;
    if (atomic_load(&e->closing))
        return;
    dk_eng_events_on_notify(e, payload && *payload ? payload : NULL);
}

static void eng_on_sessions(void *ud, const char *channel, const char *payload)
{
    (void)channel;
    dk_engine *e = ud;
    if (atomic_load(&e->closing))
        return;
    dk_eng_session_on_notify(e, payload);
}

/* ========================================================================== */
/* Open and close                                                             */
/* ========================================================================== */

static int eng_mkdirs(const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(buf))
        return dk_error_set(DK_EINVALID, "bad data directory '%s'", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) != 0) {
                struct stat st;
                if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
                    return dk_error_set(DK_ERROR, "cannot create directory '%s'", buf);
            }
            buf[i] = c;
        }
    }
    return DK_OK;
}

static char *eng_abspath(const char *path)
{
    if (path[0] == '/')
        return dk_xstrdup(path);
    char cwd[4096];
    if (!getcwd(cwd, sizeof(cwd)))
        return dk_xstrdup(path);
    dk_str s = DK_STR_INIT;
    dk_str_addf(&s, "%s/%s", cwd, path);
    return dk_str_detach(&s, NULL);
}

static void eng_free(dk_engine *e)
{
    /* the store first: it joins its listener threads, whose callbacks (a
     * session reload) use the registry and the repositories freed below */
    dk_store_close(e->store);
    dk_eng_sessions_free(e);
    dk_eng_repos_free(e);
    dk_symcache_free(e->symcache);
    dk_cache_close(e->cache);
    dk_eng_ctx_indexer_free(e->ctx_indexer);
    for (size_t i = 0; i < ENG_SHARDS; i++) {
        dk_map_release(&e->shards[i].map);
        pthread_rwlock_destroy(&e->shards[i].lock);
    }
    pthread_rwlock_destroy(&e->repos_lock);
    pthread_mutex_destroy(&e->ev_lock);
    pthread_cond_destroy(&e->ev_cond);
    pthread_mutex_destroy(&e->gc_lock);
    pthread_cond_destroy(&e->gc_cond);
    pthread_mutex_destroy(&e->gc_pass_lock);
    free(e->data_dir);
    free(e->repos_dir);
    free(e->node);
    free(e);
}

int dk_engine_open(dk_engine **out, const dk_engine_opts *opts)
{
    dk_engine_opts defaults = DK_ENGINE_OPTS_INIT;
    if (!opts)
        opts = &defaults;
    if (opts->version != DK_ENGINE_OPTS_VERSION)
        return dk_error_set(DK_EINVALID, "engine options version %u, expected %u", opts->version,
                            DK_ENGINE_OPTS_VERSION);
    int rc = dk_git_global_init();
    if (rc)
        return rc;

    dk_engine *e = dk_xcalloc(1, sizeof(*e));
    e->data_dir = eng_abspath(opts->data_dir && *opts->data_dir ? opts->data_dir : "./dk-data");
    dk_str s = DK_STR_INIT;
    dk_str_addf(&s, "%s/repos", e->data_dir);
    e->repos_dir = dk_str_detach(&s, NULL);
    if (opts->node_name && *opts->node_name) {
        e->node = dk_xstrdup(opts->node_name);
    } else {
        char host[256] = "localhost";
        gethostname(host, sizeof(host) - 1);
        dk_str_addf(&s, "%s:%ld", host, (long)getpid());
        e->node = dk_str_detach(&s, NULL);
    }
    e->idle_ttl_ms = opts->idle_ttl_ms > 0 ? opts->idle_ttl_ms : 3600000;
    e->max_ttl_ms = opts->max_ttl_ms > 0 ? opts->max_ttl_ms : 86400000;
    e->strand_ttl_ms = opts->strand_ttl_ms > 0 ? opts->strand_ttl_ms : 4 * 3600000;
    e->gc_interval_ms = opts->gc_interval_ms > 0 ? opts->gc_interval_ms : 0;
    e->events_window = opts->events_window > 0 ? opts->events_window : 10000;
    e->clock_ms = opts->clock_ms;
    e->clock_ud = opts->clock_ud;
    pthread_rwlock_init(&e->repos_lock, NULL);
    e->repos = (dk_map)DK_MAP_INIT_STR;
    for (size_t i = 0; i < ENG_SHARDS; i++) {
        pthread_rwlock_init(&e->shards[i].lock, NULL);
        e->shards[i].map = (dk_map)DK_MAP_INIT_STR;
    }
    pthread_mutex_init(&e->ev_lock, NULL);
    pthread_cond_init(&e->ev_cond, NULL);
    pthread_mutex_init(&e->gc_lock, NULL);
    pthread_cond_init(&e->gc_cond, NULL);
    pthread_mutex_init(&e->gc_pass_lock, NULL);
    e->ctx_indexer = dk_eng_ctx_indexer_new();

    if ((rc = eng_mkdirs(e->repos_dir)))
        goto out_free;
    if ((rc = dk_cache_open(&e->cache, opts->cache_url)))
        goto out_free;
    if ((rc = dk_symcache_new(&e->symcache, ENG_SYMCACHE_ENTRIES)))
        goto out_free;
    if (opts->store_url && *opts->store_url) {
        rc = dk_store_open(&e->store, opts->store_url, NULL);
    } else {
        dk_str_addf(&s, "sqlite:%s/dk.db", e->data_dir);
        rc = dk_store_open(&e->store, s.ptr, NULL);
        dk_str_release(&s);
    }
    if (rc)
        goto out_free;
    if ((rc = dk_store_listen(e->store, "dk_events", eng_on_events, e)))
        goto out_free;
    if ((rc = dk_store_listen(e->store, "dk_sessions", eng_on_sessions, e)))
        goto out_free;
    if ((rc = dk_eng_repos_load(e)))
        goto out_free;
    if ((rc = dk_eng_sessions_load(e)))
        goto out_free;
    /* reconcile: what expired while no node served it is collected now */
    if ((rc = dk_engine_gc(e, NULL)))
        goto out_free;
    /* and landings a killed process put on a branch without recording them */
    unsigned landed = 0;
    if ((rc = dk_eng_land_reconcile(e, &landed)))
        goto out_free;
    if (landed)
        dk_trace(DK_TRACE_WARN, "engine", "%u landing%s found on a branch unrecorded: recorded",
                 landed, landed == 1 ? "" : "s");
    if ((rc = dk_eng_gc_start(e)))
        goto out_free;
    *out = e;
    return DK_OK;

out_free:
    atomic_store(&e->closing, true);
    eng_free(e);
    return rc;
}

void dk_engine_close(dk_engine *e)
{
    if (!e)
        return;
    atomic_store(&e->closing, true);
    dk_eng_gc_stop(e);
    dk_eng_ctx_indexer_stop(e);
    dk_eng_sessions_flush_reads(e);
    dk_eng_sessions_ref_sync_dirty(e);
    /* wake watchers so they return before the engine goes */
    pthread_mutex_lock(&e->ev_lock);
    e->ev_gen++;
    pthread_cond_broadcast(&e->ev_cond);
    pthread_mutex_unlock(&e->ev_lock);
    eng_free(e);
}
