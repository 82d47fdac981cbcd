/*
 * bench/bench_http.h - what the protocol benchmarks (bench_http.c,
 * bench_sse.c) share: a monotonic clock, a loopback connect, and one
 * blocking HTTP/1.1 exchange with a Content-Length answer. Header-only
 * (static functions), test-side code: no libdk.
 */
#ifndef DK_BENCH_HTTP_H
#define DK_BENCH_HTTP_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double bh_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "127.0.0.1:PORT" or "http://127.0.0.1:PORT" into an address; false when malformed. */
static int bh_parse_addr(struct sockaddr_in *sa, const char *hostport)
{
    char host[64];
    if (strncmp(hostport, "http://", 7) == 0)
        hostport += 7;
    const char *colon = strrchr(hostport, ':');
    if (!colon || (size_t)(colon - hostport) >= sizeof(host))
        return 0;
    memcpy(host, hostport, (size_t)(colon - hostport));
    host[colon - hostport] = 0;
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)atoi(colon + 1));
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

/* A connected TCP socket (blocking, no Nagle), or -1. */
static int bh_connect(const struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * The length of a complete response at the start of buf[0..len), or 0 when
 * more bytes are needed, or -1 when it has no Content-Length (chunked).
 * *status gets the status code.
 */
static long bh_response_len(const char *buf, size_t len, int *status)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t head = (size_t)(end - buf) + 4;
    *status = len > 12 ? atoi(buf + 9) : 0;
    const char *p = buf;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
        if (!eol)
            break;
        if ((size_t)(eol - p) > 15 && strncasecmp(p, "Content-Length:", 15) == 0) {
            long body = atol(p + 15);
            return len >= head + (size_t)body ? (long)(head + (size_t)body) : 0;
        }
        p = eol + 2;
    }
    return -1;
}

/*
 * One request on a blocking keep-alive socket; the status (or -1 on an I/O
 * or framing error). The body, when `body` is not NULL, is malloc'd there.
 */
static int bh_exchange(int fd, const char *req, size_t req_len, char **body)
{
    size_t off = 0;
    while (off < req_len) {
        ssize_t n = write(fd, req + off, req_len - off);
        if (n <= 0)
            return -1;
        off += (size_t)n;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int status = -1;
    for (;;) {
        long total = len ? bh_response_len(buf, len, &status) : 0;
        if (total < 0)
            break;
        if (total > 0) {
            if (body) {
                const char *b = memmem(buf, len, "\r\n\r\n", 4) + 4;
                size_t blen = (size_t)total - (size_t)(b - buf);
                *body = malloc(blen + 1);
                memcpy(*body, b, blen);
                (*body)[blen] = 0;
            }
            free(buf);
            return status;
        }
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    free(buf);
    return -1;
}

#endif
