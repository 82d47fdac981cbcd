/*
 * bench/bench_sse.c - SSE watchers of `dk serve` (issue 7: 1,000
 * concurrent watchers receiving every event), one epoll thread reading
 * every stream while a writer thread makes a burst of file_write calls.
 *
 *   phase 1: WATCHERS streams GET /v1/watch?repo=demo&types=file.written;
 *            EVENTS writes; every watcher must get every file.written.
 *   phase 2a: half as many watchers, all on demo (the baseline of 2b);
 *   phase 2b: the same burst with as many demo watchers, plus as many
 *            again on IDLE repositories (idle1..idleN, watched first, never
 *            written) - how promptly the hub wakes one repository among
 *            many (it once blocked 250 ms on the first); the 2b/2a p50
 *            ratio is printed.
 * Latency of one delivery: from the start of the write's request to the
 * arrival of its event at the watcher (the j-th file.written a watcher gets
 * belongs to the j-th write). Prints counts, p50/p99/max latency, the
 * server's RSS and threads (from /proc/PID/status) before and after, and
 * the 2b/2a p50 ratio. Exits 0 whatever the times (no timed
 * assertions); 1 when a watcher misses an event or a request fails.
 *
 * Usage: bench_sse HOST:PORT TOKEN SESSION_ID PATH SERVER_PID [watchers] [events] [idle]
 * The server should run with a short --heartbeat-ms (run.sh: 1000), so
 * phase 1's closed streams are gone before phase 2 opens its own.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "bench_http.h"

#define MAX_EVENTS 1000

static struct sockaddr_in g_addr;
static const char *g_hostport, *g_token, *g_sid, *g_path;
static int g_pid;

struct watcher {
    int fd;
    char repo[32];
    /* counts "event: file.written" lines; carry holds the tail of the last read */
    char carry[32];
    size_t carry_len;
    int got;
    bool ready;
    bool counted;
};

/* The start time of each write of the burst (set by the writer thread). */
static double g_write_at[MAX_EVENTS];
static int g_writes_done;
static int g_write_failed;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static void proc_status(long *rss_kb, long *threads)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", g_pid);
    FILE *f = fopen(path, "r");
    *rss_kb = *threads = -1;
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            *rss_kb = atol(line + 6);
        else if (strncmp(line, "Threads:", 8) == 0)
            *threads = atol(line + 8);
    }
    fclose(f);
}

/* POST /v1/OP with `body` on a new connection; the status, the answer in *out. */
static int post(const char *op, const char *body, char **out)
{
    size_t cap = strlen(body) + 512;
    char *req = malloc(cap);
    int n = snprintf(req, cap,
                     "POST /v1/%s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     op, g_hostport, g_token, strlen(body), body);
    int fd = bh_connect(&g_addr);
    int st = fd < 0 ? -1 : bh_exchange(fd, req, (size_t)n, out);
    if (fd >= 0)
        close(fd);
    free(req);
    return st;
}

/* The last event id of `repo`, or -1: a watch whose filter matches nothing scans to the end and
 * answers "next". */
static long long last_event_id(const char *repo)
{
    char body[256], *ans = NULL;
    snprintf(body, sizeof(body), "{\"repo\":\"%s\",\"since\":0,\"types\":\"bench.none\",\"max\":1}",
             repo);
    int st = post("watch", body, &ans);
    const char *p = ans ? strstr(ans, "\"next\":") : NULL;
    long long v = st == 200 && p ? atoll(p + 7) : -1;
    free(ans);
    return v;
}

struct burst {
    int events;
    int round;
};

static void *writer_main(void *arg)
{
    struct burst *b = arg;
    char body[512];
    for (int k = 0; k < b->events; k++) {
        snprintf(body, sizeof(body),
                 "{\"session_id\":\"%s\",\"path\":\"%s\",\"content\":\"def f(x):\\n    return "
                 "x + %d\\n\"}",
                 g_sid, g_path, b->round * MAX_EVENTS + k);
        double t = bh_now();
        pthread_mutex_lock(&g_lock);
        g_write_at[k] = t;
        pthread_mutex_unlock(&g_lock);
        char *ans = NULL;
        int st = post("file_write", body, &ans);
        if (st != 200) {
            fprintf(stderr, "bench_sse: file_write answered %d: %s\n", st, ans ? ans : "");
            pthread_mutex_lock(&g_lock);
            g_write_failed = 1;
            pthread_mutex_unlock(&g_lock);
        }
        free(ans);
        pthread_mutex_lock(&g_lock);
        g_writes_done = k + 1;
        pthread_mutex_unlock(&g_lock);
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Open a watch stream; -1 on failure. */
static int watch_open(struct watcher *w, int ep, int index, long long since)
{
    char req[512];
    int n = snprintf(req, sizeof(req),
                     "GET /v1/watch?repo=%s&since=%lld&types=file.written HTTP/1.1\r\nHost: "
                     "%s\r\nAuthorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n",
                     w->repo, since, g_hostport, g_token);
    w->fd = bh_connect(&g_addr);
    if (w->fd < 0)
        return -1;
    if (write(w->fd, req, (size_t)n) != n)
        return -1;
    fcntl(w->fd, F_SETFL, O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)index};
    return epoll_ctl(ep, EPOLL_CTL_ADD, w->fd, &ev);
}

/* Read what is there; count file.written events, recording their latency. */
static int watch_read(struct watcher *w, double *lat, size_t *nlat)
{
    static const char pat[] = "event: file.written\n";
    char buf[65536 + 32];
    for (;;) {
        memcpy(buf, w->carry, w->carry_len);
        ssize_t r = read(w->fd, buf + w->carry_len, 65536);
        if (r == 0)
            return -1;
        if (r < 0)
            return errno == EAGAIN ? 0 : -1;
        double now = bh_now();
        size_t len = w->carry_len + (size_t)r;
        if (!w->ready && memmem(buf, len, ": dk watch", 10))
            w->ready = true;
        const char *p = buf, *end = buf + len;
        const char *hit;
        while ((hit = memmem(p, (size_t)(end - p), pat, sizeof(pat) - 1))) {
            if (w->counted) {
                pthread_mutex_lock(&g_lock);
                double at = w->got < MAX_EVENTS ? g_write_at[w->got] : now;
                pthread_mutex_unlock(&g_lock);
                lat[(*nlat)++] = (now - at) * 1000.0;
            }
            w->got++;
            p = hit + sizeof(pat) - 1;
        }
        size_t keep = (size_t)(end - p) < sizeof(pat) - 1 ? (size_t)(end - p) : sizeof(pat) - 1;
        memcpy(w->carry, end - keep, keep);
        w->carry_len = keep;
    }
}

/* One phase: `idle` repositories with `per_idle` watchers each, then `ndemo` on demo. */
static int phase(const char *title, int idle, int per_idle, int ndemo, int events, int round,
                 double *p50_out)
{
    int total = idle * per_idle + ndemo;
    struct watcher *w = calloc((size_t)total, sizeof(*w));
    double *lat = malloc((size_t)ndemo * (size_t)events * sizeof(*lat) + sizeof(*lat));
    size_t nlat = 0;
    int ep = epoll_create1(0);
    long long since_demo = last_event_id("demo");
    if (since_demo < 0) {
        fprintf(stderr, "bench_sse: cannot read the last event id of demo\n");
        return -1;
    }
    printf("%s: %d watchers (%d on demo%s), burst of %d writes\n", title, total, ndemo,
           idle ? ", the rest on idle repositories watched first" : "", events);
    for (int i = 0; i < total; i++) {
        if (i < idle * per_idle)
            snprintf(w[i].repo, sizeof(w[i].repo), "idle%d", i / per_idle + 1);
        else
            snprintf(w[i].repo, sizeof(w[i].repo), "demo");
        w[i].counted = strcmp(w[i].repo, "demo") == 0;
        if (watch_open(&w[i], ep, i, w[i].counted ? since_demo : 0)) {
            fprintf(stderr, "bench_sse: watcher %d: cannot connect: %s\n", i, strerror(errno));
            return -1;
        }
    }
    struct epoll_event evs[512];
    /* every stream answered its preamble */
    int ready = 0;
    double deadline = bh_now() + 60;
    while (ready < total && bh_now() < deadline) {
        int n = epoll_wait(ep, evs, 512, 200);
        for (int k = 0; k < n; k++) {
            struct watcher *x = &w[evs[k].data.u32];
            bool was = x->ready;
            if (watch_read(x, lat, &nlat)) {
                fprintf(stderr, "bench_sse: a watch stream closed early (%s)\n", x->repo);
                return -1;
            }
            ready += !was && x->ready;
        }
    }
    if (ready < total) {
        fprintf(stderr, "bench_sse: only %d of %d streams opened\n", ready, total);
        return -1;
    }
    /* let them join the hub, then measure the server with every stream open */
    struct timespec pause = {0, 300 * 1000000L};
    nanosleep(&pause, NULL);
    long rss0, thr0;
    proc_status(&rss0, &thr0);

    g_writes_done = 0;
    g_write_failed = 0;
    struct burst b = {.events = events, .round = round};
    pthread_t th;
    double t0 = bh_now();
    pthread_create(&th, NULL, writer_main, &b);
    int complete = 0;
    deadline = t0 + 60;
    while (bh_now() < deadline) {
        complete = 0;
        for (int i = 0; i < total; i++)
            complete += w[i].counted ? w[i].got >= events : 1;
        if (complete == total)
            break;
        int n = epoll_wait(ep, evs, 512, 200);
        for (int k = 0; k < n; k++)
            if (watch_read(&w[evs[k].data.u32], lat, &nlat)) {
                fprintf(stderr, "bench_sse: a watch stream closed during the burst\n");
                deadline = 0;
            }
    }
    double t_all = bh_now() - t0;
    pthread_join(th, NULL);
    long rss1, thr1;
    proc_status(&rss1, &thr1);

    long long received = 0, idle_got = 0;
    int missing = 0;
    for (int i = 0; i < total; i++) {
        if (w[i].counted) {
            received += w[i].got;
            missing += w[i].got < events;
        } else {
            idle_got += w[i].got;
        }
        close(w[i].fd);
    }
    close(ep);
    qsort(lat, nlat, sizeof(*lat), cmp_double);
    double p50 = nlat ? lat[nlat / 2] : 0, p99 = nlat ? lat[(size_t)((double)nlat * 0.99)] : 0;
    printf("  received %lld of %lld events (%d watchers x %d); watchers missing some: %d; "
           "events to idle watchers: %lld\n",
           received, (long long)ndemo * events, ndemo, events, missing, idle_got);
    printf("  delivery latency (write start -> event at the watcher): p50 %.2f ms  p99 %.2f ms  "
           "max %.2f ms; the whole burst delivered in %.2f s\n",
           p50, p99, nlat ? lat[nlat - 1] : 0, t_all);
    printf("  server: RSS %.1f MB with the streams open, %.1f MB after the burst; threads %ld\n",
           (double)rss0 / 1024, (double)rss1 / 1024, thr1);
    *p50_out = p50;
    free(lat);
    free(w);
    return missing || idle_got || g_write_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: bench_sse HOST:PORT TOKEN SESSION_ID PATH SERVER_PID [watchers] [events] "
               "[idle-repositories]\n");
        return 0;
    }
    if (argc < 6) {
        fprintf(stderr, "usage: bench_sse HOST:PORT TOKEN SESSION_ID PATH SERVER_PID [watchers] "
                        "[events] [idle-repositories]\n");
        return 2;
    }
    if (!bh_parse_addr(&g_addr, argv[1])) {
        fprintf(stderr, "bench_sse: bad address '%s'\n", argv[1]);
        return 2;
    }
    g_hostport = argv[1];
    g_token = argv[2];
    g_sid = argv[3];
    g_path = argv[4];
    g_pid = atoi(argv[5]);
    int watchers = argc > 6 ? atoi(argv[6]) : 1000;
    int events = argc > 7 ? atoi(argv[7]) : 20;
    int idle = argc > 8 ? atoi(argv[8]) : 50;
    if (watchers < 2 || watchers > 20000 || events < 1 || events > MAX_EVENTS || idle < 0 ||
        idle > watchers / 2) {
        fprintf(stderr, "bench_sse: watchers 2..20000, events 1..%d, idle 0..watchers/2\n",
                MAX_EVENTS);
        return 2;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    double p1 = 0, p2 = 0, p3 = 0;
    int rc = phase("phase 1, one repository", 0, 0, watchers, events, 0, &p1);
    if (rc < 0)
        return 1;
    if (idle > 0) {
        /* phase 1's streams are closed; the server notices at its next heartbeat */
        struct timespec pause = {2, 500 * 1000000L};
        int per_idle = watchers / 2 / idle;
        int ndemo = watchers - idle * per_idle;
        nanosleep(&pause, NULL);
        int r2 = phase("phase 2a, the same repository, fewer watchers (baseline of 2b)", 0, 0,
                       ndemo, events, 1, &p2);
        if (r2 < 0)
            return 1;
        nanosleep(&pause, NULL);
        int r3 = phase("phase 2b, many repositories", idle, per_idle, ndemo, events, 2, &p3);
        if (r3 < 0)
            return 1;
        rc |= r2 | r3;
        printf("  p50 latency, %d demo watchers among %d watched repositories / alone: %.2f\n",
               ndemo, idle + 1, p2 > 0 ? p3 / p2 : 0);
    }
    return rc;
}
