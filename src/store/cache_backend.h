/*
 * store/cache_backend.h - the vtable of an L2 cache implementation.
 *
 * cache.c owns the policy (validation, the mutex, counting, tracing,
 * back-off: a failure never reaches the caller of put/touch/evict); a
 * backend only talks to its server and reports honestly: DK_OK, or
 * DK_ERROR with dk_error_set. Every call is made with cache.c's mutex
 * held, so a backend needs no locking of its own.
 */
#ifndef DK_STORE_CACHE_BACKEND_H
#define DK_STORE_CACHE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "store/cache.h"

struct cache_backend {
    /* "redis" (messages) */
    const char *name;
    dk_cache_kind kind;
    /* Parse `url` and set up (no I/O needed). DK_EINVALID for a bad URL. */
    int (*open)(void **out, const char *url, const dk_cache_opts *opts);
    void (*close)(void *b);
    /* Forget the connection after a failure (the next call reconnects). */
    void (*drop)(void *b);
    int (*put)(void *b, const char *key, const char *val, size_t len, unsigned ttl_s);
    int (*touch)(void *b, const char *key, unsigned ttl_s);
    int (*evict)(void *b, const char *key);
    /* DK_ENOTFOUND when absent; *val malloc'd and NUL-terminated */
    int (*get)(void *b, char **val, size_t *len, int64_t *ttl_ms, const char *key);
};

extern const struct cache_backend dk_cache_backend_redis;

#endif
