/*
 * tests/unit/cache.c - the L2 workspace cache (src/store/cache.h): suite
 * cache_redis against real redis-servers (the one tests/run.sh starts with
 * scripts/test-services, named by DK_TEST_REDIS_URL, and private ones this
 * file starts and stops on free ports), suite cache_none for the cache that
 * does nothing and for URL parsing. Without DK_TEST_REDIS_URL the
 * cache_redis tests FAIL with "redis not available: ..."; never skipped.
 */
#include "store/cache.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/th.h"

/* the URL of the test server */
static char t_url[1024];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A loopback port that was free a moment ago (bound to port 0, then closed). */
static int free_port(void)
{
    int port = 0;
    FILE *f = popen("python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); "
                    "print(s.getsockname()[1])'",
                    "r");
    th_assert(f != NULL);
    int n = fscanf(f, "%d", &port);
    pclose(f);
    th_assert(n == 1 && port > 0);
    return port;
}

static dk_cache *t_cache;
/* a private redis-server some tests start and stop (port 0: none) */
static int t_redis_port;

static void redis_stop(void)
{
    if (!t_redis_port)
        return;
    /* a test may have stopped it with SIGSTOP: it must answer the shutdown */
    th_system("kill -CONT $(cat %s/redis-%d.pid 2>/dev/null) 2>/dev/null", th_tmpdir(),
              t_redis_port);
    th_system("timeout 10 redis-cli -h 127.0.0.1 -p %d shutdown nosave >/dev/null 2>&1",
              t_redis_port);
}

/* Start a private redis-server on `port` in the test's directory; wait for PONG. */
static void redis_start(int port)
{
    t_redis_port = port;
    th_assert_eq_int(th_system("redis-server --port %d --bind 127.0.0.1 --daemonize yes --save '' "
                               "--appendonly no --dir %s --pidfile %s/redis-%d.pid --logfile "
                               "%s/redis.log >/dev/null 2>&1",
                               port, th_tmpdir(), th_tmpdir(), port, th_tmpdir()),
                     0);
    for (int i = 0; i < 500; i++) {
        if (th_system("redis-cli -h 127.0.0.1 -p %d ping 2>/dev/null | grep -q PONG", port) == 0)
            return;
        usleep(10 * 1000);
    }
    th_fail(__FILE__, __LINE__, "redis not available: redis-server on port %d did not start", port);
}

void test_cache_redis__initialize(void)
{
    const char *url = getenv("DK_TEST_REDIS_URL");
    if (!url || !url[0]) {
        const char *why = getenv("DK_TEST_REDIS_ERROR");
        th_fail(__FILE__, __LINE__, "redis not available: %s",
                why && why[0] ? why
                              : "DK_TEST_REDIS_URL is not set (tests/run.sh starts a server with "
                                "scripts/test-services)");
    }
    snprintf(t_url, sizeof(t_url), "%s", url);
}

void test_cache_redis__cleanup(void)
{
    dk_cache_close(t_cache);
    t_cache = NULL;
    redis_stop();
    t_redis_port = 0;
}

static void cache_id(char *out, size_t cap, const char *tag)
{
    static atomic_uint seq;
    snprintf(out, cap, "%s-%ld-%u", tag, (long)getpid(), atomic_fetch_add(&seq, 1));
}

void test_cache_redis__put_get_touch_evict(void)
{
    static const char snap[] = "{\"session_id\":\"s\",\"intent\":\"r\xc3\xa9sum\xc3\xa9 \\\"x\\\" "
                               "\xe2\x9c\x93\",\"state\":\"active\"}";
    char id[64], missing[64];
    char *got = NULL;
    size_t len = 0;
    int64_t ttl = 0;
    dk_cache_stats st;

    cache_id(id, sizeof(id), "s");
    cache_id(missing, sizeof(missing), "missing");
    th_assert_ok(dk_cache_open(&t_cache, t_url));
    th_assert_eq_int(dk_cache_kind_of(t_cache), DK_CACHE_REDIS);

    th_assert_ok(dk_cache_put_session(t_cache, id, snap, strlen(snap), 100));
    th_assert_ok(dk_cache_get_session(&got, &len, &ttl, t_cache, id));
    th_assert_eq_str(got, snap);
    th_assert_eq_int(len, strlen(snap));
    free(got);
    th_assert_msg(ttl > 90000 && ttl <= 100000, "ttl %lld", (long long)ttl);
    /* the key is the documented one */
    th_assert_eq_int(th_system("test \"$(redis-cli -u %s EXISTS dk:session:%s)\" = 1", t_url, id),
                     0);

    th_assert_ok(dk_cache_touch_session(t_cache, id, 1000));
    th_assert_ok(dk_cache_get_session(&got, NULL, &ttl, t_cache, id));
    free(got);
    th_assert_msg(ttl > 900000 && ttl <= 1000000, "ttl after touch %lld", (long long)ttl);
    /* overwrite keeps one value */
    th_assert_ok(dk_cache_put_session(t_cache, id, "{}", 2, 50));
    th_assert_ok(dk_cache_get_session(&got, &len, &ttl, t_cache, id));
    th_assert_eq_str(got, "{}");
    free(got);
    th_assert(ttl <= 50000);

    /* touching or evicting what is not there is no failure */
    th_assert_ok(dk_cache_touch_session(t_cache, missing, 10));
    th_assert_ok(dk_cache_evict_session(t_cache, missing));
    th_assert_err(dk_cache_get_session(&got, NULL, NULL, t_cache, missing), DK_ENOTFOUND);
    th_assert(got == NULL);

    th_assert_ok(dk_cache_evict_session(t_cache, id));
    th_assert_err(dk_cache_get_session(&got, NULL, NULL, t_cache, id), DK_ENOTFOUND);

    /* caller errors are returned */
    th_assert_err(dk_cache_put_session(t_cache, "", "{}", 2, 10), DK_EINVALID);
    th_assert_err(dk_cache_put_session(t_cache, "a b", "{}", 2, 10), DK_EINVALID);
    th_assert_err(dk_cache_put_session(t_cache, id, "{}", 2, 0), DK_EINVALID);
    th_assert_err(dk_cache_touch_session(t_cache, NULL, 10), DK_EINVALID);

    dk_cache_stats_get(&st, t_cache);
    th_assert_eq_int(st.failed, 0);
    th_assert_eq_int(st.skipped, 0);
    th_assert_eq_int(st.ok, 11);
}

/* Redis goes away and comes back: no call fails, none blocks for long, the cache reconnects. */
void test_cache_redis__server_stops(void)
{
    dk_cache_opts o = DK_CACHE_OPTS_INIT;
    dk_cache_stats st;
    char url[64], id[64];
    char *got = NULL;
    int port = free_port();

    o.timeout_ms = 200;
    o.backoff_min_ms = 50;
    o.backoff_max_ms = 200;
    cache_id(id, sizeof(id), "stop");
    redis_start(port);
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
    th_assert_ok(dk_cache_open_opts(&t_cache, url, &o));
    th_assert_ok(dk_cache_put_session(t_cache, id, "{\"a\":1}", 7, 60));
    th_assert_ok(dk_cache_get_session(&got, NULL, NULL, t_cache, id));
    free(got);

    redis_stop();
    for (int i = 0; i < 500; i++) {
        if (th_system("redis-cli -h 127.0.0.1 -p %d ping >/dev/null 2>&1", port) != 0)
            break;
        usleep(10 * 1000);
    }
    /* a big write into the closed connection: SIGPIPE must not kill us */
    size_t big_len = 4u << 20;
    char *big = malloc(big_len);
    th_assert(big != NULL);
    memset(big, 'x', big_len);
    double t0 = now_s();
    int rc = dk_cache_put_session(t_cache, id, big, big_len, 60);
    free(big);
    th_assert_ok(rc);
    for (int i = 0; i < 200; i++) {
        th_assert_ok(dk_cache_put_session(t_cache, id, "{}", 2, 60));
        th_assert_ok(dk_cache_touch_session(t_cache, id, 60));
        th_assert_ok(dk_cache_evict_session(t_cache, id));
    }
    double dt = now_s() - t0;
    th_assert_err(dk_cache_get_session(&got, NULL, NULL, t_cache, id), DK_ERROR);
    dk_cache_stats_get(&st, t_cache);
    th_assert_msg(st.failed >= 1 && st.skipped >= 100, "failed %llu skipped %llu",
                  (unsigned long long)st.failed, (unsigned long long)st.skipped);
    th_assert(st.last_error[0] != '\0');
    /* 601 calls with a dead server: bounded by timeouts per back-off period, not per call */
    th_assert_msg(dt < 3.0, "601 calls took %.3f s", dt);

    /* back again: after the back-off the next call reconnects */
    redis_start(port);
    usleep(300 * 1000);
    uint64_t ok_before = st.ok;
    th_assert_ok(dk_cache_put_session(t_cache, id, "{\"back\":true}", 13, 60));
    th_assert_ok(dk_cache_get_session(&got, NULL, NULL, t_cache, id));
    th_assert_eq_str(got, "{\"back\":true}");
    free(got);
    dk_cache_stats_get(&st, t_cache);
    th_assert_eq_int(st.ok, ok_before + 2);
}

/*
 * A Redis that hangs (SIGSTOP): one call waits out the timeout, the calls
 * after it are skipped during the back-off, so 100 calls cost about one
 * timeout, not 100; once it runs again the cache recovers.
 */
void test_cache_redis__server_hangs(void)
{
    dk_cache_opts o = DK_CACHE_OPTS_INIT;
    dk_cache_stats st;
    char url[64], id[64];
    char *got = NULL;
    int port = free_port();

    o.timeout_ms = 300;
    o.backoff_min_ms = 2000;
    o.backoff_max_ms = 2000;
    cache_id(id, sizeof(id), "hang");
    redis_start(port);
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
    th_assert_ok(dk_cache_open_opts(&t_cache, url, &o));
    th_assert_ok(dk_cache_put_session(t_cache, id, "{}", 2, 60));
    th_assert_ok(dk_cache_get_session(&got, NULL, NULL, t_cache, id));
    free(got);

    th_assert_eq_int(th_system("kill -STOP $(cat %s/redis-%d.pid)", th_tmpdir(), port), 0);
    double t0 = now_s();
    for (int i = 0; i < 50; i++) {
        th_assert_ok(dk_cache_put_session(t_cache, id, "{\"n\":1}", 7, 60));
        th_assert_ok(dk_cache_touch_session(t_cache, id, 60));
    }
    double dt = now_s() - t0;
    th_assert_msg(dt >= 0.25 && dt < 1.5, "100 calls to a hung redis took %.3f s", dt);
    dk_cache_stats_get(&st, t_cache);
    th_assert_eq_int(st.failed, 1);
    th_assert_eq_int(st.skipped, 99);
    th_assert_msg(strstr(st.last_error, "redis") != NULL, "last error: %s", st.last_error);

    th_assert_eq_int(th_system("kill -CONT $(cat %s/redis-%d.pid)", th_tmpdir(), port), 0);
    usleep(2100 * 1000);
    th_assert_ok(dk_cache_put_session(t_cache, id, "{\"n\":2}", 7, 60));
    th_assert_ok(dk_cache_get_session(&got, NULL, NULL, t_cache, id));
    th_assert_eq_str(got, "{\"n\":2}");
    free(got);
}

/* A Redis that was never there: opening works, calls succeed, failures are counted. */
void test_cache_redis__never_up(void)
{
    dk_cache_stats st;
    char url[64];
    char *got = NULL;
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", free_port());
    th_assert_ok(dk_cache_open(&t_cache, url));
    th_assert_ok(dk_cache_put_session(t_cache, "s1", "{}", 2, 10));
    th_assert_ok(dk_cache_touch_session(t_cache, "s1", 10));
    th_assert_ok(dk_cache_evict_session(t_cache, "s1"));
    th_assert_err(dk_cache_get_session(&got, NULL, NULL, t_cache, "s1"), DK_ERROR);
    dk_cache_stats_get(&st, t_cache);
    th_assert_eq_int(st.failed, 1);
    th_assert_eq_int(st.skipped, 3);
    th_assert_eq_int(st.ok, 0);
    th_assert_msg(strstr(st.last_error, "cannot connect") != NULL, "last error: %s", st.last_error);
}

void test_cache_none__calls(void)
{
    dk_cache *c = NULL;
    char *got = (char *)1;
    th_assert_ok(dk_cache_open(&c, NULL));
    th_assert_eq_int(dk_cache_kind_of(c), DK_CACHE_NONE);
    th_assert_ok(dk_cache_put_session(c, "s1", "{}", 2, 10));
    th_assert_ok(dk_cache_touch_session(c, "s1", 10));
    th_assert_ok(dk_cache_evict_session(c, "s1"));
    th_assert_err(dk_cache_get_session(&got, NULL, NULL, c, "s1"), DK_ENOTFOUND);
    th_assert(got == NULL);
    th_assert_err(dk_cache_put_session(c, "", "{}", 2, 10), DK_EINVALID);
    dk_cache_close(c);
    th_assert_ok(dk_cache_open(&c, ""));
    th_assert_eq_int(dk_cache_kind_of(c), DK_CACHE_NONE);
    dk_cache_close(c);
    dk_cache_close(NULL);

    static const char *const bad[] = {"memcached://x:1", "redis://",        "redis://:6379",
                                      "redis://h:0",     "redis://h:99999", "redis://h:12x",
                                      "redis://u:p@h:1", "redis://h:1/x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c = (dk_cache *)1;
        th_assert_msg(dk_cache_open(&c, bad[i]) == DK_EINVALID && c == NULL, "url %s accepted",
                      bad[i]);
    }
    th_assert_ok(dk_cache_open(&c, "redis://localhost"));
    th_assert_eq_int(dk_cache_kind_of(c), DK_CACHE_REDIS);
    dk_cache_close(c);
}
