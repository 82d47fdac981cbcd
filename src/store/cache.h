/*
 * store/cache.h - the L2 workspace cache (the seed's WorkspaceCache): a
 * mirror of live-session snapshots that other nodes and tools can read,
 * never a source of truth (the store is). Two implementations: none (every
 * call does nothing) and Redis ("redis://HOST:PORT", hiredis).
 *
 * The one rule: a cache failure never fails an operation. put, touch and
 * evict return DK_OK whether or not Redis answered; a failure is counted
 * (dk_cache_stats_get), traced (dk_trace warn, module "cache") and followed
 * by a back-off (100 ms doubling to 10 s) during which calls are skipped
 * at once, so a dead Redis costs one timeout per back-off period, not one
 * per operation. The next call after the back-off reconnects. Only get,
 * meant for tests and inspection, reports failures.
 *
 * Keys: "dk:session:<id>"; the value is the JSON snapshot the engine gives,
 * stored as it is, with the TTL of the call (SET ... EX, EXPIRE).
 *
 * Conventions:
 *  - Threads: a dk_cache is shared by every thread; calls are serialised on
 *    one connection by a mutex (each is one short round trip; the timeout
 *    bounds a stuck one).
 *  - Errors: DK_EINVALID for a bad URL, session id (empty, over 200 bytes,
 *    spaces or control characters) or a TTL of 0; those are programmer or
 *    configuration errors and are returned, not swallowed.
 *  - SIGPIPE: writing to a Redis that went away raises no signal in the
 *    process (blocked and consumed around each call on the calling thread).
 */
#ifndef DK_STORE_CACHE_H
#define DK_STORE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dk/errors.h"

/** The L2 cache. Thread-safe. */
typedef struct dk_cache dk_cache;

typedef enum dk_cache_kind {
    DK_CACHE_NONE = 0,
    DK_CACHE_REDIS = 1,
} dk_cache_kind;

/** Options of dk_cache_open_opts. Initialise with DK_CACHE_OPTS_INIT. */
typedef struct dk_cache_opts {
    unsigned version;
    /* connect and command timeout, in ms (default 250) */
    unsigned timeout_ms;
    /* first back-off after a failure, in ms (default 100; doubles) */
    unsigned backoff_min_ms;
    /* longest back-off, in ms (default 10000) */
    unsigned backoff_max_ms;
} dk_cache_opts;

#define DK_CACHE_OPTS_VERSION 1
#define DK_CACHE_OPTS_INIT                                                                         \
    {                                                                                              \
        .version = DK_CACHE_OPTS_VERSION, .timeout_ms = 250, .backoff_min_ms = 100,                \
        .backoff_max_ms = 10000                                                                    \
    }

/** What the cache did so far (dk_cache_stats_get). */
typedef struct dk_cache_stats {
    /* calls Redis answered */
    uint64_t ok;
    /* calls that failed (unreachable, timeout, error reply) */
    uint64_t failed;
    /* calls not attempted because a back-off was running */
    uint64_t skipped;
    /* the last failure's message ("" if none) */
    char last_error[256];
} dk_cache_stats;

/**
 * Open the cache named by `url`: NULL or "" for none, "redis://HOST[:PORT]"
 * (port 6379 by default) for Redis. Redis is connected lazily: an
 * unreachable server is not an error here (it is traced and retried).
 * @param[out] out the cache; close with dk_cache_close
 * @return DK_OK; DK_EINVALID for any other URL
 */
int dk_cache_open(dk_cache **out, const char *url);

/** dk_cache_open with options (`opts` may be NULL: defaults). */
int dk_cache_open_opts(dk_cache **out, const char *url, const dk_cache_opts *opts);

/** Close the connection and free the cache. NULL is a no-op. */
void dk_cache_close(dk_cache *cache);

/** Which implementation this is. */
dk_cache_kind dk_cache_kind_of(const dk_cache *cache);

/**
 * Store the snapshot of session `id` (write-through on create or change).
 * @param json the snapshot, `len` bytes (borrowed for the call)
 * @param ttl_s expiry in seconds (> 0)
 * @return DK_OK (also when Redis failed); DK_EINVALID for a bad id or TTL
 */
int dk_cache_put_session(dk_cache *cache, const char *id, const char *json, size_t len,
                         unsigned ttl_s);

/** Push the expiry of session `id` to `ttl_s` from now (the caller debounces).
 *  @return DK_OK (also when Redis failed or the key is gone); DK_EINVALID */
int dk_cache_touch_session(dk_cache *cache, const char *id, unsigned ttl_s);

/** Remove session `id` from the cache. @return DK_OK (always, for a valid id) */
int dk_cache_evict_session(dk_cache *cache, const char *id);

/**
 * Read session `id` back (tests and inspection; not on an operation's path).
 * @param[out] json the snapshot, NUL-terminated, malloc'd: free() it
 * @param[out] len may be NULL; its length
 * @param[out] ttl_ms may be NULL; milliseconds left before it expires
 * @return DK_OK; DK_ENOTFOUND when absent (always, for the none cache);
 *         DK_ERROR when Redis failed or a back-off is running
 */
int dk_cache_get_session(char **json, size_t *len, int64_t *ttl_ms, dk_cache *cache,
                         const char *id);

/** Copy the counters. Thread-safe. */
void dk_cache_stats_get(dk_cache_stats *out, dk_cache *cache);

#endif
