/*
 * bench/bench_http.c - request throughput of `dk serve` over keep-alive
 * (issue 7: file_read >= 20,000 requests/s on the 2-core machine), with a
 * small load generator: one thread, epoll, C connections each sending one
 * request, reading the whole answer (Content-Length), sending the next.
 *
 *   1. a bare libmicrohttpd answer (a daemon in this process, configured as
 *      dk serve's: internal epoll thread pool of 2): the ceiling of the
 *      HTTP layer on this machine with this generator;
 *   2. GET /healthz on dk serve (routing and logging, no token, no engine);
 *   3. POST /v1/file_read on dk serve (token check against the store, the
 *      session's overlay, JSON both ways) - the figure the issue names.
 * Each runs WARMUP + SECONDS; prints requests/s, latency p50/p99 and errors,
 * then the ratios. Exits 0 whatever the numbers (no timed assertions),
 * non-zero when a request fails outright.
 *
 * Usage: bench_http HOST:PORT TOKEN SESSION_ID PATH [connections] [seconds]
 * The generator shares the machine's cores with the server: figures are
 * for both together, as a client on the same host sees them.
 */
#include "bench_http.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/epoll.h>

#include <microhttpd.h>

#define WARMUP 0.5

struct lg_conn {
    int fd;
    size_t sent;
    char *in;
    size_t in_len, in_cap;
    double started;
};

struct lg_result {
    uint64_t ok, errors;
    double seconds;
    double p50_ms, p99_ms;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Drive `nconn` keep-alive connections with `req` for WARMUP + seconds. */
static int lg_run(struct lg_result *res, const struct sockaddr_in *sa, const char *req, int nconn,
                  double seconds)
{
    size_t req_len = strlen(req);
    int ep = epoll_create1(0);
    struct lg_conn *c = calloc((size_t)nconn, sizeof(*c));
    size_t lat_cap = 1 << 20, nlat = 0;
    double *lat = malloc(lat_cap * sizeof(*lat));
    memset(res, 0, sizeof(*res));
    for (int i = 0; i < nconn; i++) {
        c[i].fd = bh_connect(sa);
        if (c[i].fd < 0) {
            fprintf(stderr, "bench_http: connect: %s\n", strerror(errno));
            return -1;
        }
        fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
        c[i].in_cap = 16384;
        c[i].in = malloc(c[i].in_cap);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
        c[i].started = bh_now();
    }
    double t0 = bh_now(), measure_from = t0 + WARMUP, end = measure_from + seconds;
    struct epoll_event evs[256];
    int fatal = 0;
    while (!fatal) {
        double now = bh_now();
        if (now >= end)
            break;
        int n = epoll_wait(ep, evs, 256, 100);
        for (int k = 0; k < n; k++) {
            struct lg_conn *x = &c[evs[k].data.u32];
            if ((evs[k].events & EPOLLOUT) && x->sent < req_len) {
                ssize_t w = write(x->fd, req + x->sent, req_len - x->sent);
                if (w > 0)
                    x->sent += (size_t)w;
                if (x->sent == req_len) {
                    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = evs[k].data.u32};
                    epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &ev);
                }
            }
            if (!(evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                continue;
            for (;;) {
                if (x->in_len == x->in_cap) {
                    x->in_cap *= 2;
                    x->in = realloc(x->in, x->in_cap);
                }
                ssize_t r = read(x->fd, x->in + x->in_len, x->in_cap - x->in_len);
                if (r == 0 || (r < 0 && errno != EAGAIN)) {
                    fprintf(stderr, "bench_http: the server closed a connection\n");
                    fatal = 1;
                    break;
                }
                if (r < 0)
                    break;
                x->in_len += (size_t)r;
            }
            int status = 0;
            long total;
            while (!fatal && (total = bh_response_len(x->in, x->in_len, &status)) != 0) {
                if (total < 0) {
                    fprintf(stderr, "bench_http: an answer without Content-Length\n");
                    fatal = 1;
                    break;
                }
                double done = bh_now();
                if (done >= measure_from && done < end) {
                    if (status == 200)
                        res->ok++;
                    else
                        res->errors++;
                    if (nlat == lat_cap) {
                        lat_cap *= 2;
                        lat = realloc(lat, lat_cap * sizeof(*lat));
                    }
                    lat[nlat++] = (done - x->started) * 1000.0;
                } else if (status != 200) {
                    res->errors++;
                }
                memmove(x->in, x->in + total, x->in_len - (size_t)total);
                x->in_len -= (size_t)total;
                /* the next request */
                x->sent = 0;
                x->started = done;
                ssize_t w = write(x->fd, req, req_len);
                if (w > 0)
                    x->sent = (size_t)w;
                if (x->sent < req_len) {
                    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT,
                                             .data.u32 = evs[k].data.u32};
                    epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &ev);
                }
            }
        }
    }
    res->seconds = seconds;
    if (nlat) {
        qsort(lat, nlat, sizeof(*lat), cmp_double);
        res->p50_ms = lat[nlat / 2];
        res->p99_ms = lat[(size_t)((double)nlat * 0.99)];
    }
    for (int i = 0; i < nconn; i++) {
        close(c[i].fd);
        free(c[i].in);
    }
    free(c);
    free(lat);
    close(ep);
    return fatal ? -1 : 0;
}

static double lg_print(const char *name, const struct lg_result *r)
{
    double rps = (double)r->ok / r->seconds;
    printf("  %-34s %9.0f req/s   p50 %6.3f ms   p99 %6.3f ms   errors %llu\n", name, rps,
           r->p50_ms, r->p99_ms, (unsigned long long)r->errors);
    return rps;
}

/* The bare libmicrohttpd baseline: every request answered 200 with a small JSON body. */
static enum MHD_Result bare_answer(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_size, void **req_cls)
{
    (void)cls, (void)url, (void)method, (void)version, (void)upload_data;
    if (!*req_cls) {
        *req_cls = (void *)1;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    static const char body[] = "{\"status\":\"ok\"}";
    struct MHD_Response *r =
        MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: bench_http HOST:PORT TOKEN SESSION_ID PATH [connections] [seconds]\n");
        return 0;
    }
    if (argc < 5) {
        fprintf(stderr, "usage: bench_http HOST:PORT TOKEN SESSION_ID PATH [connections] "
                        "[seconds]\n");
        return 2;
    }
    struct sockaddr_in dk;
    if (!bh_parse_addr(&dk, argv[1])) {
        fprintf(stderr, "bench_http: bad address '%s'\n", argv[1]);
        return 2;
    }
    const char *token = argv[2], *sid = argv[3], *path = argv[4];
    int nconn = argc > 5 ? atoi(argv[5]) : 16;
    double seconds = argc > 6 ? atof(argv[6]) : 5.0;
    if (nconn < 1 || nconn > 10000 || seconds <= 0) {
        fprintf(stderr, "bench_http: connections 1..10000, seconds > 0\n");
        return 2;
    }

    struct MHD_Daemon *bare = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, bare_answer, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_CONNECTION_LIMIT, 10000u, MHD_OPTION_END);
    if (!bare) {
        fprintf(stderr, "bench_http: cannot start the bare libmicrohttpd daemon\n");
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(bare, MHD_DAEMON_INFO_BIND_PORT);
    struct sockaddr_in bare_sa = {.sin_family = AF_INET, .sin_port = htons(di->port)};
    inet_pton(AF_INET, "127.0.0.1", &bare_sa.sin_addr);

    char healthz[256], file_read[2048];
    snprintf(healthz, sizeof(healthz), "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", argv[1]);
    char body[1024];
    int blen = snprintf(body, sizeof(body), "{\"session_id\":\"%s\",\"path\":\"%s\"}", sid, path);
    snprintf(file_read, sizeof(file_read),
             "POST /v1/file_read HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
             "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
             argv[1], token, blen, body);

    /* one checked request first: a wrong token or session fails here, not as a rate */
    int fd = bh_connect(&dk);
    char *answer = NULL;
    int st = fd < 0 ? -1 : bh_exchange(fd, file_read, strlen(file_read), &answer);
    if (fd >= 0)
        close(fd);
    if (st != 200 || !answer || !strstr(answer, "\"content\"")) {
        fprintf(stderr, "bench_http: file_read answered %d: %s\n", st, answer ? answer : "");
        return 1;
    }
    free(answer);

    printf("%d keep-alive connections, %.1f s each (after %.1f s warm-up), one generator "
           "thread\n",
           nconn, seconds, WARMUP);
    struct lg_result r_bare, r_health, r_read;
    if (lg_run(&r_bare, &bare_sa, healthz, nconn, seconds) ||
        lg_run(&r_health, &dk, healthz, nconn, seconds) ||
        lg_run(&r_read, &dk, file_read, nconn, seconds))
        return 1;
    MHD_stop_daemon(bare);
    double b = lg_print("bare libmicrohttpd (baseline)", &r_bare);
    double h = lg_print("dk serve GET /healthz", &r_health);
    double f = lg_print("dk serve POST /v1/file_read", &r_read);
    printf("  file_read / bare libmicrohttpd: %.2f   file_read / healthz: %.2f   healthz / bare: "
           "%.2f\n",
           b > 0 ? f / b : 0, h > 0 ? f / h : 0, b > 0 ? h / b : 0);
    printf("  target file_read >= 20,000 req/s: %s (%.0f)\n", f >= 20000 ? "met" : "NOT met", f);
    return r_read.errors || r_health.errors ? 1 : 0;
}
