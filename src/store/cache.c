/*
 * store/cache.c - the L2 cache's policy: a cache failure never fails an
 * operation (cache.h), whatever the backend.
 *
 * Every call validates its arguments (errors here are the caller's and are
 * returned), then, for a cache with a backend, takes the mutex and either
 * skips the call (a back-off is running) or makes it. A failed call drops
 * the backend's connection, counts, traces once per failure and starts or
 * doubles the back-off; a successful one resets it.
 *
 *     ok ──fail──► backoff(min) ──fail──► backoff(2·min) … ≤ max
 *      ▲                 │ call after the deadline succeeds
 *      └─────────────────┘
 *
 * The none cache (URL NULL or "") has no backend: put, touch and evict do
 * nothing, get finds nothing.
 *
 * Conventions: `mu` guards the backend, the back-off and the counters.
 */
#include "store/cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dk/log.h"

#include "store/cache_backend.h"
#include "util/alloc.h"

#include "util/banned.h"

#define CACHE_MAX_ID 200

struct dk_cache {
    /* NULL for the none cache */
    const struct cache_backend *be;
    void *b;
    dk_cache_opts opts;
    pthread_mutex_t mu;
    /* no call before this (monotonic ms); 0: none running */
    int64_t retry_at;
    /* the current back-off, ms (0 after a success) */
    unsigned backoff;
    dk_cache_stats stats;
};

static int64_t cache_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int dk_cache_open_opts(dk_cache **out, const char *url, const dk_cache_opts *opts)
{
    dk_cache_opts o = DK_CACHE_OPTS_INIT;
    dk_cache *c;
    int rc;

    *out = NULL;
    if (opts) {
        if (opts->version != DK_CACHE_OPTS_VERSION)
            return dk_error_set(DK_EINVALID, "cache options version %u (expected %u)",
                                opts->version, DK_CACHE_OPTS_VERSION);
        o = *opts;
    }
    if (o.timeout_ms == 0 || o.backoff_min_ms == 0 || o.backoff_max_ms < o.backoff_min_ms)
        return dk_error_set(DK_EINVALID, "cache timeouts must be > 0 and backoff_max >= min");
    c = dk_xcalloc(1, sizeof(*c));
    c->opts = o;
    pthread_mutex_init(&c->mu, NULL);
    if (url && url[0]) {
        if (strncmp(url, "redis://", 8) != 0) {
            rc = dk_error_set(DK_EINVALID, "unknown cache url '%.64s' (expected redis://HOST:PORT)",
                              url);
            dk_cache_close(c);
            return rc;
        }
        c->be = &dk_cache_backend_redis;
        if ((rc = c->be->open(&c->b, url, &o)) < 0) {
            c->be = NULL;
            dk_cache_close(c);
            return rc;
        }
    }
    *out = c;
    return DK_OK;
}

int dk_cache_open(dk_cache **out, const char *url)
{
    return dk_cache_open_opts(out, url, NULL);
}

void dk_cache_close(dk_cache *c)
{
    if (!c)
        return;
    if (c->be)
        c->be->close(c->b);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

dk_cache_kind dk_cache_kind_of(const dk_cache *c)
{
    return c->be ? c->be->kind : DK_CACHE_NONE;
}

void dk_cache_stats_get(dk_cache_stats *out, dk_cache *c)
{
    pthread_mutex_lock(&c->mu);
    *out = c->stats;
    pthread_mutex_unlock(&c->mu);
}

/* "dk:session:<id>" into key, or DK_EINVALID. */
static int cache_key(char *key, size_t cap, const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > CACHE_MAX_ID)
        return dk_error_set(DK_EINVALID, "cache: session id must be 1 to %d bytes", CACHE_MAX_ID);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)id[i] <= ' ' || id[i] == 0x7f)
            return dk_error_set(DK_EINVALID, "cache: session id has a space or control byte");
    }
    snprintf(key, cap, "dk:session:%s", id);
    return DK_OK;
}

/* Whether a call may go to the backend now (mu held); counts a skip. */
static bool cache_may_call(dk_cache *c)
{
    if (c->retry_at && cache_now_ms() < c->retry_at) {
        c->stats.skipped++;
        return false;
    }
    return true;
}

/* Account for a backend call's result (mu held). */
static void cache_done(dk_cache *c, int rc, const char *what)
{
    if (rc == DK_OK || rc == DK_ENOTFOUND) {
        c->stats.ok++;
        c->backoff = 0;
        c->retry_at = 0;
        return;
    }
    c->stats.failed++;
    snprintf(c->stats.last_error, sizeof(c->stats.last_error), "%s", dk_error_last()->msg);
    c->be->drop(c->b);
    c->backoff = c->backoff ? c->backoff * 2 : c->opts.backoff_min_ms;
    if (c->backoff > c->opts.backoff_max_ms)
        c->backoff = c->opts.backoff_max_ms;
    c->retry_at = cache_now_ms() + c->backoff;
    dk_trace(DK_TRACE_WARN, "cache", "%s %s failed (next try in %u ms): %s", c->be->name, what,
             c->backoff, c->stats.last_error);
}

int dk_cache_put_session(dk_cache *c, const char *id, const char *json, size_t len, unsigned ttl_s)
{
    char key[CACHE_MAX_ID + 16];
    int rc;
    if ((rc = cache_key(key, sizeof(key), id)) < 0)
        return rc;
    if (!json || ttl_s == 0)
        return dk_error_set(DK_EINVALID, "cache: put needs a snapshot and a ttl > 0");
    if (!c->be)
        return DK_OK;
    pthread_mutex_lock(&c->mu);
    if (cache_may_call(c))
        cache_done(c, c->be->put(c->b, key, json, len, ttl_s), "put");
    pthread_mutex_unlock(&c->mu);
    return DK_OK;
}

int dk_cache_touch_session(dk_cache *c, const char *id, unsigned ttl_s)
{
    char key[CACHE_MAX_ID + 16];
    int rc;
    if ((rc = cache_key(key, sizeof(key), id)) < 0)
        return rc;
    if (ttl_s == 0)
        return dk_error_set(DK_EINVALID, "cache: touch needs a ttl > 0");
    if (!c->be)
        return DK_OK;
    pthread_mutex_lock(&c->mu);
    if (cache_may_call(c))
        cache_done(c, c->be->touch(c->b, key, ttl_s), "touch");
    pthread_mutex_unlock(&c->mu);
    return DK_OK;
}

int dk_cache_evict_session(dk_cache *c, const char *id)
{
    char key[CACHE_MAX_ID + 16];
    int rc;
    if ((rc = cache_key(key, sizeof(key), id)) < 0)
        return rc;
    if (!c->be)
        return DK_OK;
    pthread_mutex_lock(&c->mu);
    if (cache_may_call(c))
        cache_done(c, c->be->evict(c->b, key), "evict");
    pthread_mutex_unlock(&c->mu);
    return DK_OK;
}

int dk_cache_get_session(char **json, size_t *len, int64_t *ttl_ms, dk_cache *c, const char *id)
{
    char key[CACHE_MAX_ID + 16];
    int rc;
    *json = NULL;
    if ((rc = cache_key(key, sizeof(key), id)) < 0)
        return rc;
    if (!c->be)
        return dk_error_set(DK_ENOTFOUND, "cache: no cache configured");
    pthread_mutex_lock(&c->mu);
    if (!cache_may_call(c)) {
        rc = dk_error_set(DK_ERROR, "cache: %s unavailable (backing off after: %s)", c->be->name,
                          c->stats.last_error);
    } else {
        rc = c->be->get(c->b, json, len, ttl_ms, key);
        cache_done(c, rc, "get");
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}
