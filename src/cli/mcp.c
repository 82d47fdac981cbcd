/*
 * cli/mcp.c - `dk mcp`: MCP over stdio for agents that start dk as a
 * subprocess (Claude Code's `claude mcp add`, .mcp.json).
 *
 *   agent ──stdin: one JSON-RPC message per line──► dk_mcp_handle ──► backend
 *         ◄─stdout: one JSON-RPC message per line──          │
 *                                   in-process: dk_api over the engine on --data
 *                                   --server URL: POST URL/v1/<op> with the token
 *
 * Purpose: the byte transport only; api/mcp.c decides everything else. The
 * process is one legacy MCP session (initialize) and answers modern
 * stateless requests too. In-process the caller is the local, trusted
 * process (as every CLI command on a data directory); with --server the
 * token decides, exactly as for any HTTP client.
 *
 * Invariants: stdout carries JSON-RPC messages and nothing else (logs go to
 * stderr through the trace hook); a line longer than LINE_MAX is answered
 * with a parse error and skipped, never buffered whole. The process exits 0
 * when stdin ends. Conventions: the remote client speaks plain HTTP/1.1 with
 * one connection per call (`Connection: close`), enough for loopback and a
 * LAN; https:// is refused with a message.
 */
#include "api/mcp.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "dk/dk.h"

#include "api/api.h"
#include "cli/cli.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

/* 50 MiB of content as base64 plus JSON framing */
#define LINE_MAX (72u * 1024u * 1024u)

static void mcp_usage(FILE *out)
{
    fprintf(out, "usage: dk mcp [--data DIR] [--store URL] [--cache URL]\n"
                 "       dk mcp --server URL [--token TOKEN]\n"
                 "\n"
                 "MCP server on stdin/stdout (one JSON-RPC message per line), for agents that\n"
                 "start dk themselves. Speaks MCP 2026-07-28 (stateless) and 2025-11-25,\n"
                 "2025-06-18, 2025-03-26, 2024-11-05 (initialize).\n"
                 "\n"
                 "  --data DIR      data directory to work on in-process (default ./dk-data)\n"
                 "  --store URL     store URL (default sqlite:<data>/dk.db)\n"
                 "  --cache URL     L2 cache (redis://HOST:PORT)\n"
                 "  --server URL    forward every tool call to a running `dk serve` (http://...)\n"
                 "  --token TOKEN   bearer token for --server (default: $DK_TOKEN, else\n"
                 "                  <data>/admin.token)\n");
}

/* ========================================================================== */
/* Remote backend: POST <url>/v1/<op>                                         */
/* ========================================================================== */

struct remote {
    char host[256];
    char port[8];
    /* path prefix without the trailing '/' ("" or "/dk") */
    char prefix[256];
    char *token;
};

static int remote_parse_url(struct remote *r, const char *url)
{
    if (strncmp(url, "https://", 8) == 0) {
        fprintf(stderr, "dk mcp: https is not supported by --server; put dk serve behind "
                        "loopback or use the streamable HTTP endpoint /mcp directly\n");
        return -1;
    }
    if (strncmp(url, "http://", 7) != 0) {
        fprintf(stderr, "dk mcp: --server needs an http:// URL, got '%s'\n", url);
        return -1;
    }
    const char *h = url + 7;
    const char *slash = strchr(h, '/');
    size_t hl = slash ? (size_t)(slash - h) : strlen(h);
    const char *colon = NULL;
    if (h[0] == '[') {
        const char *close = memchr(h, ']', hl);
        if (!close) {
            fprintf(stderr, "dk mcp: bad --server URL '%s'\n", url);
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
        fprintf(stderr, "dk mcp: bad --server URL '%s' (http://HOST[:PORT][/PREFIX])\n", url);
        return -1;
    }
    return 0;
}

static int remote_connect(const struct remote *r)
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
static int remote_call(void *ud, const dk_api_principal *p, const char *op, json_t *params,
                       json_t **result, dk_api_error *err)
{
    (void)p;
    struct remote *r = ud;
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
        dk_api_error_set(err, DK_API_INTERNAL, "cannot reach dk serve at %s:%s: %s", r->host,
                         r->port, strerror(errno));
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
        if (resp.len + (size_t)n > LINE_MAX) {
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

static const dk_api_op *remote_ops(void *ud, size_t *count)
{
    (void)ud;
    return dk_api_ops(count);
}

/* ========================================================================== */
/* The stdio loop                                                             */
/* ========================================================================== */

static int mcp_write_line(const json_t *msg)
{
    char *s = json_dumps(msg, JSON_COMPACT);
    if (!s)
        return -1;
    int rc = fputs(s, stdout) < 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0 ? -1 : 0;
    free(s);
    return rc;
}

/* Read one line; returns its length, -1 at EOF; sets *too_long and skips an oversized one. */
static ssize_t mcp_read_line(dk_str *line, bool *too_long)
{
    dk_str_clear(line);
    *too_long = false;
    int c;
    while ((c = getchar()) != EOF && c != '\n') {
        if (line->len >= LINE_MAX) {
            *too_long = true;
            continue;
        }
        dk_str_addch(line, (char)c);
    }
    if (c == EOF && line->len == 0 && !*too_long)
        return -1;
    return (ssize_t)line->len;
}

static int mcp_serve_stdio(dk_mcp *mcp)
{
    dk_mcp_session *session = dk_mcp_session_new();
    dk_str line = DK_STR_INIT;
    bool too_long;
    int rc = 0;
    while (mcp_read_line(&line, &too_long) >= 0) {
        if (too_long) {
            json_t *e = json_pack("{s:s,s:n,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", "error", "code",
                                  -32700, "message", "Parse error: message too large");
            rc = mcp_write_line(e);
            json_decref(e);
            if (rc)
                break;
            continue;
        }
        size_t start = 0;
        while (start < line.len &&
               (line.ptr[start] == ' ' || line.ptr[start] == '\r' || line.ptr[start] == '\t'))
            start++;
        if (start == line.len)
            continue;
        dk_mcp_request req = {.body = line.ptr + start, .len = line.len - start};
        dk_mcp_response resp = DK_MCP_RESPONSE_INIT;
        dk_mcp_handle(mcp, session, &req, &resp);
        if (resp.body)
            rc = mcp_write_line(resp.body);
        dk_mcp_response_release(&resp);
        if (rc) {
            fprintf(stderr, "dk mcp: cannot write to standard output\n");
            break;
        }
    }
    dk_str_release(&line);
    dk_mcp_session_free(session);
    return rc ? 1 : 0;
}

static char *mcp_read_token_file(const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char tmp[512];
    len = fread(tmp, 1, sizeof(tmp) - 1, f);
    fclose(f);
    while (len && (tmp[len - 1] == '\n' || tmp[len - 1] == '\r' || tmp[len - 1] == ' '))
        len--;
    if (len)
        buf = dk_xstrndup(tmp, len);
    return buf;
}

int cmd_mcp(int argc, char **argv)
{
    const char *data = NULL, *store = NULL, *cache = NULL, *server = NULL, *token = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            mcp_usage(stdout);
            return cli_close_stdout("standard output");
        }
        const char **slot = strcmp(a, "--data") == 0     ? &data
                            : strcmp(a, "--store") == 0  ? &store
                            : strcmp(a, "--cache") == 0  ? &cache
                            : strcmp(a, "--server") == 0 ? &server
                            : strcmp(a, "--token") == 0  ? &token
                                                         : NULL;
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "dk mcp: %s '%s'\n", slot ? "missing value for" : "unknown option", a);
            mcp_usage(stderr);
            return 2;
        }
        *slot = argv[++i];
    }
    if (!data)
        data = getenv("DK_DATA") && getenv("DK_DATA")[0] ? getenv("DK_DATA") : "dk-data";
    if (!store && getenv("DK_STORE") && getenv("DK_STORE")[0])
        store = getenv("DK_STORE");
    if (!cache && getenv("DK_CACHE") && getenv("DK_CACHE")[0])
        cache = getenv("DK_CACHE");
    int status = 1;
    dk_mcp *mcp = NULL;
    if (server) {
        struct remote r = {0};
        if (remote_parse_url(&r, server) != 0)
            return 2;
        if (token)
            r.token = dk_xstrdup(token);
        else if (getenv("DK_TOKEN") && getenv("DK_TOKEN")[0])
            r.token = dk_xstrdup(getenv("DK_TOKEN"));
        else {
            char path[4096];
            snprintf(path, sizeof(path), "%s/admin.token", data);
            r.token = mcp_read_token_file(path);
        }
        dk_mcp_backend b = {.call = remote_call, .ops = remote_ops, .ud = &r};
        if (dk_mcp_new(&mcp, &b) != DK_OK) {
            fprintf(stderr, "dk mcp: %s\n", dk_error_last()->msg);
        } else {
            status = mcp_serve_stdio(mcp);
            dk_mcp_free(mcp);
        }
        free(r.token);
        return status;
    }
    dk_engine_opts eo = DK_ENGINE_OPTS_INIT;
    eo.data_dir = data;
    eo.store_url = store;
    eo.cache_url = cache;
    dk_engine *engine = NULL;
    dk_api *api = NULL;
    if (dk_engine_open(&engine, &eo) != DK_OK) {
        fprintf(stderr, "dk mcp: %s\n", dk_error_last()->msg);
        return 1;
    }
    if (dk_api_new(&api, engine) != DK_OK) {
        fprintf(stderr, "dk mcp: %s\n", dk_error_last()->msg);
        goto out;
    }
    dk_mcp_backend b = dk_mcp_backend_local(api);
    if (dk_mcp_new(&mcp, &b) != DK_OK) {
        fprintf(stderr, "dk mcp: %s\n", dk_error_last()->msg);
        goto out;
    }
    status = mcp_serve_stdio(mcp);
out:
    dk_mcp_free(mcp);
    dk_api_free(api);
    dk_engine_close(engine);
    return status;
}
