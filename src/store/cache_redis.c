/*
 * store/cache_redis.c - the Redis L2 cache backend (hiredis 0.14, the old
 * synchronous API: redisConnectWithTimeout, redisCommand).
 *
 * One redisContext, connected on first use and after every drop; cache.c
 * serialises the calls, so there is no locking here. Connect and command
 * timeouts are the cache's timeout_ms. Commands:
 *
 *     put    SET key value EX ttl
 *     touch  EXPIRE key ttl          (0 for a missing key: not an error)
 *     evict  DEL key
 *     get    GET key + PTTL key      (pipelined, one round trip)
 *
 * SIGPIPE. hiredis writes with write(2); on a socket the server closed that
 * raises SIGPIPE, whose default action kills the process. A library must
 * not change the process's signal dispositions, so (as libpq does) each
 * call blocks SIGPIPE on the calling thread, and afterwards consumes a
 * SIGPIPE that the call raised (one that was pending before is left
 * alone), then restores the thread's mask.
 *
 * Conventions: errors are DK_ERROR with "redis: " messages; the context is
 * unusable after an I/O error (hiredis sets ctx->err) and cache.c drops it.
 */
#include <errno.h>
#include <hiredis/hiredis.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "store/cache_backend.h"
#include "util/alloc.h"

#include "util/banned.h"

struct redis_backend {
    /* host name or address */
    char *host;
    int port;
    struct timeval timeout;
    /* NULL until connected, and after a drop */
    redisContext *ctx;
};

/* SIGPIPE blocked on this thread for the duration of one call. */
struct redis_sigpipe {
    sigset_t old;
    bool was_pending;
};

static void redis_sigpipe_block(struct redis_sigpipe *sp)
{
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &sp->old);
    sigpending(&pending);
    sp->was_pending = sigismember(&pending, SIGPIPE) == 1;
}

static void redis_sigpipe_restore(struct redis_sigpipe *sp)
{
    if (!sp->was_pending) {
        sigset_t set, pending;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE) == 1) {
            struct timespec zero = {0, 0};
            while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
                ;
        }
    }
    pthread_sigmask(SIG_SETMASK, &sp->old, NULL);
}

static void redis_drop(void *arg)
{
    struct redis_backend *r = arg;
    if (r->ctx)
        redisFree(r->ctx);
    r->ctx = NULL;
}

static int redis_connect(struct redis_backend *r)
{
    if (r->ctx)
        return DK_OK;
    redisContext *ctx = redisConnectWithTimeout(r->host, r->port, r->timeout);
    if (!ctx)
        return dk_error_set(DK_ERROR, "redis: out of memory");
    if (ctx->err) {
        dk_error_set(DK_ERROR, "redis: cannot connect to %s:%d: %s", r->host, r->port, ctx->errstr);
        redisFree(ctx);
        return DK_ERROR;
    }
    if (redisSetTimeout(ctx, r->timeout) != REDIS_OK) {
        dk_error_set(DK_ERROR, "redis: cannot set the timeout: %s", ctx->errstr);
        redisFree(ctx);
        return DK_ERROR;
    }
    r->ctx = ctx;
    return DK_OK;
}

/* A NULL or error reply as a dk error (reply freed by the caller). */
static int redis_reply_error(struct redis_backend *r, const redisReply *reply, const char *cmd)
{
    if (!reply)
        return dk_error_set(DK_ERROR, "redis: %s: %s", cmd,
                            r->ctx && r->ctx->err ? r->ctx->errstr : "no reply");
    return dk_error_set(DK_ERROR, "redis: %s: %.200s", cmd,
                        reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
}

/* Connect if needed and run one command; the reply must be of type `want`. */
static int redis_run(struct redis_backend *r, int want, const char *cmd, const char *fmt, ...)
{
    struct redis_sigpipe sp;
    redisReply *reply = NULL;
    int rc;
    va_list ap;

    redis_sigpipe_block(&sp);
    if ((rc = redis_connect(r)) == DK_OK) {
        va_start(ap, fmt);
        reply = redisvCommand(r->ctx, fmt, ap);
        va_end(ap);
        if (!reply || reply->type != want)
            rc = redis_reply_error(r, reply, cmd);
    }
    redis_sigpipe_restore(&sp);
    if (reply)
        freeReplyObject(reply);
    return rc;
}

static int redis_put(void *arg, const char *key, const char *val, size_t len, unsigned ttl_s)
{
    return redis_run(arg, REDIS_REPLY_STATUS, "SET", "SET %s %b EX %u", key, val, len, ttl_s);
}

static int redis_touch(void *arg, const char *key, unsigned ttl_s)
{
    return redis_run(arg, REDIS_REPLY_INTEGER, "EXPIRE", "EXPIRE %s %u", key, ttl_s);
}

static int redis_evict(void *arg, const char *key)
{
    return redis_run(arg, REDIS_REPLY_INTEGER, "DEL", "DEL %s", key);
}

static int redis_get(void *arg, char **val, size_t *len, int64_t *ttl_ms, const char *key)
{
    struct redis_backend *r = arg;
    struct redis_sigpipe sp;
    redisReply *get = NULL, *pttl = NULL;
    int rc;

    redis_sigpipe_block(&sp);
    if ((rc = redis_connect(r)) < 0)
        goto out;
    if (redisAppendCommand(r->ctx, "GET %s", key) != REDIS_OK ||
        redisAppendCommand(r->ctx, "PTTL %s", key) != REDIS_OK) {
        rc = redis_reply_error(r, NULL, "GET");
        goto out;
    }
    if (redisGetReply(r->ctx, (void **)&get) != REDIS_OK ||
        redisGetReply(r->ctx, (void **)&pttl) != REDIS_OK) {
        rc = redis_reply_error(r, NULL, "GET");
        goto out;
    }
    if (get->type == REDIS_REPLY_NIL) {
        rc = dk_error_set(DK_ENOTFOUND, "redis: no %s", key);
        goto out;
    }
    if (get->type != REDIS_REPLY_STRING) {
        rc = redis_reply_error(r, get, "GET");
        goto out;
    }
    if (pttl->type != REDIS_REPLY_INTEGER) {
        rc = redis_reply_error(r, pttl, "PTTL");
        goto out;
    }
    *val = dk_xstrndup(get->str, get->len);
    if (len)
        *len = get->len;
    if (ttl_ms)
        *ttl_ms = pttl->integer;
out:
    redis_sigpipe_restore(&sp);
    if (get)
        freeReplyObject(get);
    if (pttl)
        freeReplyObject(pttl);
    return rc;
}

/* "redis://HOST[:PORT][/]" */
static int redis_open(void **out, const char *url, const dk_cache_opts *opts)
{
    const char *host = url + strlen("redis://");
    const char *end = host + strcspn(host, ":/");
    long port = 6379;

    *out = NULL;
    if (end == host || strchr(host, '@'))
        return dk_error_set(DK_EINVALID, "cache url '%.64s': expected redis://HOST[:PORT]", url);
    if (*end == ':') {
        char *stop = NULL;
        errno = 0;
        port = strtol(end + 1, &stop, 10);
        if (errno || stop == end + 1 || port < 1 || port > 65535 || (*stop && strcmp(stop, "/")))
            return dk_error_set(DK_EINVALID, "cache url '%.64s': bad port", url);
    } else if (*end && strcmp(end, "/") != 0) {
        return dk_error_set(DK_EINVALID, "cache url '%.64s': expected redis://HOST[:PORT]", url);
    }
    struct redis_backend *r = dk_xcalloc(1, sizeof(*r));
    r->host = dk_xstrndup(host, (size_t)(end - host));
    r->port = (int)port;
    r->timeout.tv_sec = opts->timeout_ms / 1000;
    r->timeout.tv_usec = (suseconds_t)(opts->timeout_ms % 1000) * 1000;
    *out = r;
    return DK_OK;
}

static void redis_close(void *arg)
{
    struct redis_backend *r = arg;
    if (!r)
        return;
    redis_drop(r);
    free(r->host);
    free(r);
}

const struct cache_backend dk_cache_backend_redis = {
    .name = "redis",
    .kind = DK_CACHE_REDIS,
    .open = redis_open,
    .close = redis_close,
    .drop = redis_drop,
    .put = redis_put,
    .touch = redis_touch,
    .evict = redis_evict,
    .get = redis_get,
};
