/*
 * cli/remote.c - the CLI's HTTP/1.1 client of `dk serve` (cli/remote.h):
 * POST <url>/v1/<op> with the params as the JSON body and the bearer token,
 * the answer mapped back onto the operation table's result or error.
 *
 *   command ──cli_remote_call(op, params)──► socket: POST /v1/<op>, Connection: close
 *           ◄── 2xx: the result object │ else {"error": {code, message, details}}
 *                                        → dk_api_error with the same code and details
 *
 * Purpose: one client for every front end of the CLI (`dk mcp --server` and
 * the session commands), so a remote call is indistinguishable from an
 * in-process dk_api_call: same fields, same codes. Invariants: the answer
 * is read whole but never past REMOTE_MAX_ANSWER (TOO_LARGE); a missing
 * server is BUSY (unavailable, try again), an answer that is not the API's
 * is INTERNAL naming the HTTP status. Conventions: plain HTTP/1.1, one
 * connection per call, enough for loopback and a LAN; https:// is refused
 * with a message.
 */
#include "cli/remote.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "api/api.h"
#include "cli/cli.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

/* 50 MiB of content as base64 plus JSON framing */
#define REMOTE_MAX_ANSWER (72u * 1024u * 1024u)

static int remote_parse_url(struct cli_remote *r, const char *who, const char *url)
{
    if (strncmp(url, "https://", 8) == 0) {
        fprintf(stderr,
                "%s: https is not supported by --server; reach dk serve over http on "
                "loopback (or through a local TLS proxy)\n",
                who);
        return -1;
    }
    if (strncmp(url, "http://", 7) != 0) {
        fprintf(stderr, "%s: --server needs an http:// URL, got '%s'\n", who, url);
        return -1;
    }
    const char *h = url + 7;
    const char *slash = strchr(h, '/');
    size_t hl = slash ? (size_t)(slash - h) : strlen(h);
    const char *colon = NULL;
    if (h[0] == '[') {
        const char *close = memchr(h, ']', hl);
        if (!close) {
            fprintf(stderr, "%s: bad --server URL '%s'\n", who, url);
            return -1;
        }
        colon = close + 1 < h + hl && close[1] == ':' ? close + 1 : NULL;
        snprintf(r->host, sizeof(r->host), "%.*s", (int)(close - h - 1), h + 1);
    } else {
        colon = memchr(h, ':', hl);
        size_t n = colon ? (size_t)(colon - h) : hl;
        snprintf(r->host, sizeof(r->host), "%.*s", (int)n, h);
    }
    if (colon)
        snprintf(r->port, sizeof(r->port), "%.*s", (int)(h + hl - colon - 1), colon + 1);
    else
        snprintf(r->port, sizeof(r->port), "80");
    snprintf(r->prefix, sizeof(r->prefix), "%s", slash ? slash : "");
    size_t pl = strlen(r->prefix);
    while (pl && r->prefix[pl - 1] == '/')
        r->prefix[--pl] = 0;
    if (!r->host[0] || !r->port[0]) {
        fprintf(stderr, "%s: bad --server URL '%s' (http://HOST[:PORT][/PREFIX])\n", who, url);
        return -1;
    }
    return 0;
}

static int remote_connect(const struct cli_remote *r)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(r->host, r->port, &hints, &ai) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

static int remote_write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Decode a chunked body in place; -1 when malformed. */
static int remote_dechunk(char *body, size_t len, size_t *out_len)
{
    size_t in = 0, out = 0;
    for (;;) {
        char *end = NULL;
        if (in >= len)
            return -1;
        unsigned long n = strtoul(body + in, &end, 16);
        char *crlf = memmem(body + in, len - in, "\r\n", 2);
        if (!crlf || end > crlf)
            return -1;
        in = (size_t)(crlf - body) + 2;
        if (n == 0)
            break;
        if (n > len - in)
            return -1;
        memmove(body + out, body + in, n);
        out += n;
        in += n + 2;
    }
    *out_len = out;
    return 0;
}

static dk_api_code remote_code(const char *name)
{
    for (int c = 0; c < DK_API_CODE_COUNT; c++)
        if (name && strcmp(dk_api_code_name((dk_api_code)c), name) == 0)
            return (dk_api_code)c;
    return DK_API_INTERNAL;
}

/*
 * One call: send the request, read the whole answer (the server closes),
 * then map the status and the {"error": ...} body back onto dk_api_error.
 */
int cli_remote_call(void *ud, const dk_api_principal *p, const char *op, json_t *params,
                    json_t **result, dk_api_error *err)
{
    (void)p;
    const struct cli_remote *r = ud;
    char *body = json_dumps(params ? params : json_object(), JSON_COMPACT);
    if (!body)
        return dk_api_error_set(err, DK_API_INTERNAL, "cannot encode the request");
    dk_str req = DK_STR_INIT, resp = DK_STR_INIT;
    int rc = -1;
    dk_str_addf(&req,
                "POST %s/v1/%s HTTP/1.1\r\nHost: %s:%s\r\nContent-Type: application/json\r\n"
                "Accept: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n",
                r->prefix, op, r->host, r->port, strlen(body));
    if (r->token)
        dk_str_addf(&req, "Authorization: Bearer %s\r\n", r->token);
    dk_str_adds(&req, "\r\n");
    dk_str_adds(&req, body);
    int fd = remote_connect(r);
    if (fd < 0) {
        dk_api_error_set(err, DK_API_BUSY, "cannot reach dk serve at %s:%s: %s", r->host, r->port,
                         strerror(errno));
        goto out;
    }
    if (remote_write_all(fd, req.ptr, req.len) != 0) {
        dk_api_error_set(err, DK_API_INTERNAL, "sending to dk serve failed: %s", strerror(errno));
        close(fd);
        goto out;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (resp.len + (size_t)n > REMOTE_MAX_ANSWER) {
            close(fd);
            dk_api_error_set(err, DK_API_TOO_LARGE, "the server's answer is too large");
            goto out;
        }
        dk_str_add(&resp, buf, (size_t)n);
    }
    close(fd);
    int status = 0;
    char *hdr_end = memmem(resp.ptr, resp.len, "\r\n\r\n", 4);
    if (!hdr_end || sscanf(resp.ptr, "HTTP/1.%*d %d", &status) != 1) {
        dk_api_error_set(err, DK_API_INTERNAL, "dk serve sent no HTTP answer");
        goto out;
    }
    *hdr_end = 0;
    char *payload = hdr_end + 4;
    size_t plen = resp.len - (size_t)(payload - resp.ptr);
    if (strcasestr(resp.ptr, "\r\ntransfer-encoding: chunked") &&
        remote_dechunk(payload, plen, &plen) != 0) {
        dk_api_error_set(err, DK_API_INTERNAL, "dk serve sent a malformed chunked body");
        goto out;
    }
    json_error_t je;
    json_t *doc = json_loadb(payload, plen, 0, &je);
    if (status >= 200 && status < 300 && json_is_object(doc)) {
        *result = doc;
        rc = 0;
        goto out;
    }
    json_t *e = json_object_get(doc, "error");
    if (json_is_object(e)) {
        const char *msg = json_string_value(json_object_get(e, "message"));
        dk_api_error_set(err, remote_code(json_string_value(json_object_get(e, "code"))), "%s",
                         msg ? msg : "error");
        json_t *details = json_object_get(e, "details");
        if (json_is_object(details))
            err->details = json_incref(details);
    } else {
        dk_api_error_set(err, status == 401 ? DK_API_UNAUTHORIZED : DK_API_INTERNAL,
                         "dk serve answered HTTP %d", status);
    }
    json_decref(doc);
out:
    free(body);
    dk_str_release(&req);
    dk_str_release(&resp);
    return rc;
}

static char *remote_read_token_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char tmp[512];
    size_t len = fread(tmp, 1, sizeof(tmp) - 1, f);
    fclose(f);
    while (len && (tmp[len - 1] == '\n' || tmp[len - 1] == '\r' || tmp[len - 1] == ' '))
        len--;
    return len ? dk_xstrndup(tmp, len) : NULL;
}

int cli_remote_open(struct cli_remote *r, const char *who, const char *url, const char *token,
                    const char *data_dir)
{
    memset(r, 0, sizeof(*r));
    if (remote_parse_url(r, who, url) != 0)
        return -1;
    const char *env = getenv("DK_TOKEN");
    if (token) {
        r->token = dk_xstrdup(token);
    } else if (env && env[0]) {
        r->token = dk_xstrdup(env);
    } else {
        dk_str path = DK_STR_INIT;
        dk_str_addf(&path, "%s/admin.token", cli_data_dir(data_dir));
        r->token = remote_read_token_file(path.ptr);
        dk_str_release(&path);
    }
    return 0;
}

void cli_remote_release(struct cli_remote *r)
{
    free(r->token);
    r->token = NULL;
}
