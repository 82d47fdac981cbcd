/*
 * server/server.c - `dk serve`'s HTTP front end on libmicrohttpd: routing,
 * body caps, auth, the operation call, the worker pool, the request log.
 *
 * One request through the access handler (MHD calls it several times):
 *
 *   call 1 (*con_cls NULL)  route the URL, pick the body cap; an announced
 *                           Content-Length over it is answered 413 at once
 *                           (the connection then closes); else queue NOTHING
 *                           (queueing on the first call makes MHD 0.9.75 send
 *                           Connection: close: the keep-alive two-call idiom)
 *   calls with data         append to the body up to the cap (then only count)
 *   last call (no data)     answer: 413 if over the cap; /healthz; auth (401);
 *                           POST /v1/<op>: parse (400), then run the op here, or
 *                           - DK_API_OP_SLOW and git - suspend the connection
 *                           and hand it to a worker, which resumes it; MHD then
 *                           calls once more and the answer is queued
 *   completed callback      one logfmt line on stderr; the request is freed
 *
 * Invariants:
 *  1. No body byte past the cap is stored: an announced length over it is
 *     refused before reading, a chunked body over it is counted, dropped,
 *     and answered 413 (TOO_LARGE) with nothing run.
 *  2. A pool thread never runs a merge, a blocking watch or git: those go
 *     to workers (waits to a pool of their own, so waiting delays no
 *     landing), and a long landing stalls no other connection.
 *  3. Statuses come only from dk_api_code_http_status (api/errors.c).
 *  4. A client that never finishes its request is dropped after
 *     idle_timeout_s (MHD's connection timeout); nothing ran for it.
 *
 * Conventions: handlers return MHD_YES unless the connection must die;
 * every response carries Content-Type; JSON bodies are compact.
 */
#include "server/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dk/errors.h"

#include "api/api.h"
#include "api/mcp.h"
#include "server/mcp_http.h" /* MCP (mcp_http.c) */
#include "server/mhd.h"
#include "server/server_int.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

/* file_write and resolve carry up to 50 MiB of content, base64 at worst, plus the JSON around it */
#define SRV_CONTENT_CAP ((size_t)DK_ENGINE_MAX_FILE / 3 * 4 + 8 + 1024 * 1024)
/* git upload-pack requests (wants/haves) */
#define SRV_GIT_CAP (64u * 1024 * 1024)

int64_t srv_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ========================================================================== */
/* Answers                                                                    */
/* ========================================================================== */

static void srv_answer_raw(struct srv_req *r, int status, char *body, size_t len, const char *type)
{
    free(r->resp_body);
    r->resp_body = body;
    r->resp_len = len;
    r->resp_type = type;
    r->status = status;
    r->ready = true;
}

void srv_answer_json(struct srv_req *r, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) {
        /* only invalid UTF-8 from a bug could get here: never send half a document */
        text = dk_xstrdup("{\"error\":{\"code\":\"INTERNAL\",\"message\":\"unencodable result\"}}");
        status = 500;
    }
    size_t len = strlen(text);
    char *with_nl = dk_xrealloc(text, len + 2);
    with_nl[len] = '\n';
    with_nl[len + 1] = '\0';
    srv_answer_raw(r, status, with_nl, len + 1, "application/json");
}

void srv_answer_error(struct srv_req *r, const dk_api_error *err)
{
    r->log_code = dk_api_code_name(err->code);
    if (err->code == DK_API_UNAUTHORIZED)
        dk_str_adds(&r->resp_headers, r->route == SRV_GIT ? "WWW-Authenticate: Basic realm=\"dk\"\n"
                                                          : "WWW-Authenticate: Bearer\n");
    srv_answer_json(r, dk_api_code_http_status(err->code), dk_api_error_json(err));
}

void srv_answer_code(struct srv_req *r, dk_api_code code, const char *fmt, ...)
{
    dk_api_error err = DK_API_ERROR_INIT;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    dk_api_error_set(&err, code, "%s", msg);
    srv_answer_error(r, &err);
}

enum MHD_Result srv_queue(struct srv_req *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->resp_len, r->resp_body, MHD_RESPMEM_MUST_FREE);
    if (!resp)
        return MHD_NO;
    r->resp_body = NULL; /* MHD frees it */
    r->sent_bytes = r->resp_len;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->resp_type);
    /* extra headers, one per line "Name: value" */
    char *h = r->resp_headers.ptr;
    while (h && *h) {
        char *nl = strchr(h, '\n');
        if (nl)
            *nl = '\0';
        char *colon = strchr(h, ':');
        if (colon) {
            *colon = '\0';
            const char *v = colon + 1;
            while (*v == ' ')
                v++;
            MHD_add_response_header(resp, h, v);
        }
        if (!nl)
            break;
        h = nl + 1;
    }
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ========================================================================== */
/* Auth                                                                       */
/* ========================================================================== */

static int srv_b64(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* The token of the request: Bearer, or the password of Basic. */
static bool srv_token(char *out, size_t cap, struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h)
        return false;
    if (strncasecmp(h, "Bearer ", 7) == 0) {
        h += 7;
        while (*h == ' ')
            h++;
        size_t n = strlen(h);
        while (n && h[n - 1] == ' ')
            n--;
        if (n == 0 || n >= cap)
            return false;
        memcpy(out, h, n);
        out[n] = '\0';
        return true;
    }
    if (strncasecmp(h, "Basic ", 6) == 0) {
        char dec[512];
        size_t n = 0;
        uint32_t acc = 0;
        int bits = 0;
        for (h += 6; *h && *h != '='; h++) {
            int v = srv_b64((unsigned char)*h);
            if (v < 0 || n + 1 >= sizeof(dec))
                return false;
            acc = acc << 6 | (uint32_t)v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                dec[n++] = (char)((acc >> bits) & 0xff);
            }
        }
        dec[n] = '\0';
        char *colon = memchr(dec, ':', n);
        if (!colon || strlen(colon + 1) >= cap || !colon[1])
            return false;
        snprintf(out, cap, "%s", colon + 1);
        return true;
    }
    return false;
}

static bool srv_auth(struct srv_req *r)
{
    char tok[256];
    if (!srv_token(tok, sizeof(tok), r->conn)) {
        srv_answer_code(r, DK_API_UNAUTHORIZED,
                        "missing token: send Authorization: Bearer <token> (the admin token is "
                        "in <data>/admin.token)");
        return false;
    }
    int rc = dk_api_token_verify(&r->who, r->srv->engine, tok, strlen(tok));
    if (rc == DK_ENOTFOUND) {
        srv_answer_code(r, DK_API_UNAUTHORIZED, "invalid or revoked token");
        return false;
    }
    if (rc) {
        srv_answer_code(r, DK_API_INTERNAL, "token check failed: %s", dk_error_last()->msg);
        return false;
    }
    r->authed = true;
    r->ctx.principal = &r->who;
    return true;
}

/* ========================================================================== */
/* Operations                                                                 */
/* ========================================================================== */

/* Run the request's operation (on a pool thread or a worker) and set the answer. */
static bool srv_op_work(struct srv_req *r)
{
    json_t *result = NULL;
    dk_api_error err = DK_API_ERROR_INIT;
    if (dk_api_call(&r->ctx, r->op->name, r->params, &result, &err) == 0) {
        /* the agent for the log, when the result names it (connect, status, submit, ...) */
        const char *agent = json_string_value(json_object_get(result, "agent_name"));
        if (agent && !r->ctx.log_agent)
            r->log_agent = dk_xstrdup(agent);
        srv_answer_json(r, 200, result);
        r->log_code = "OK";
    } else {
        srv_answer_error(r, &err);
    }
    if (r->ctx.log_session)
        r->log_session = dk_xstrdup(r->ctx.log_session);
    if (r->ctx.log_agent && !r->log_agent)
        r->log_agent = dk_xstrdup(r->ctx.log_agent);
    dk_api_error_release(&err);
    json_decref(r->params);
    r->params = NULL;
    return true;
}

/* Parse the body of POST /v1/<op>: a JSON object (an empty body is {}). */
static bool srv_parse_params(struct srv_req *r)
{
    if (r->body.len == 0) {
        r->params = json_object();
        return true;
    }
    json_error_t je;
    /* jansson refuses invalid UTF-8 and \u0000; duplicate keys are refused too */
    r->params = json_loadb(r->body.ptr, r->body.len, JSON_REJECT_DUPLICATES, &je);
    if (!r->params) {
        srv_answer_code(r, DK_API_INVALID_ARGUMENT, "invalid JSON at line %d column %d: %s",
                        je.line, je.column, je.text);
        return false;
    }
    if (!json_is_object(r->params)) {
        srv_answer_code(r, DK_API_INVALID_ARGUMENT, "the body must be a JSON object");
        json_decref(r->params);
        r->params = NULL;
        return false;
    }
    return true;
}

/* ========================================================================== */
/* Worker pool                                                                */
/* ========================================================================== */

void srv_pool_submit(struct srv_pool *p, struct srv_req *r)
{
    pthread_mutex_lock(&p->lock);
    if (p->len == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 64;
        struct srv_req **nq = dk_xcalloc(ncap, sizeof(*nq));
        for (size_t i = 0; i < p->len; i++)
            nq[i] = p->queue[(p->head + i) % p->cap];
        free(p->queue);
        p->queue = nq;
        p->head = 0;
        p->cap = ncap;
    }
    p->queue[(p->head + p->len) % p->cap] = r;
    p->len++;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

/* A worker: run queued requests until stopped with an empty queue (none is dropped). */
static void *srv_worker(void *arg)
{
    struct srv_pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        while (p->len == 0 && !p->stop)
            pthread_cond_wait(&p->cond, &p->lock);
        if (p->len == 0) {
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
        struct srv_req *r = p->queue[p->head];
        p->head = (p->head + 1) % p->cap;
        p->len--;
        pthread_mutex_unlock(&p->lock);
        struct MHD_Connection *conn = r->conn;
        if (r->work(r))
            MHD_resume_connection(conn);
    }
}

static void srv_pool_start(struct srv_pool *p, struct dk_server *s, unsigned n)
{
    p->srv = s;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    p->threads = dk_xcalloc(n, sizeof(*p->threads));
    for (unsigned i = 0; i < n; i++)
        if (pthread_create(&p->threads[p->nthreads], NULL, srv_worker, p) == 0)
            p->nthreads++;
}

static void srv_pool_stop(struct srv_pool *p)
{
    if (!p->threads)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    free(p->threads);
    free(p->queue);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->cond);
    p->threads = NULL;
}

/* ========================================================================== */
/* Routing and the access handler                                             */
/* ========================================================================== */

static void srv_route_of(struct srv_req *r, const char *url, const char *method)
{
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    r->cap = r->srv->max_body;
    if (strcmp(url, "/healthz") == 0) {
        r->route = get ? SRV_HEALTH : SRV_BAD_METHOD;
    } else if (strcmp(url, "/v1/watch") == 0 && get) {
        r->route = SRV_WATCH;
    } else if (strncmp(url, "/v1/", 4) == 0) {
        r->op = dk_api_op_find(url + 4);
        r->route = !r->op ? SRV_NOT_FOUND : post ? SRV_OP : SRV_BAD_METHOD;
        if (r->op && (r->op->flags & DK_API_OP_CONTENT))
            r->cap = SRV_CONTENT_CAP;
    } else if (srv_mcp_path(url)) { /* MCP (mcp_http.c) */
        r->route = SRV_MCP;
        r->cap = SRV_CONTENT_CAP;
    } else if (strncmp(url, "/git/", 5) == 0) {
        r->route = srv_git_path_ok(url, method) ? SRV_GIT : SRV_NOT_FOUND;
        r->cap = SRV_GIT_CAP;
    } else {
        r->route = SRV_NOT_FOUND;
    }
}

static enum MHD_Result srv_access(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    struct dk_server *s = cls;
    struct srv_req *r = *con_cls;
    (void)version;

    if (!r) {
        r = dk_xcalloc(1, sizeof(*r));
        r->srv = s;
        r->conn = c;
        r->start_us = srv_now_us();
        r->path = dk_xstrdup(url);
        snprintf(r->method, sizeof(r->method), "%s", method);
        dk_str_init(&r->body);
        dk_str_init(&r->resp_headers);
        r->ctx = (dk_api_ctx)DK_API_CTX_INIT(s->api);
        srv_route_of(r, url, method);
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        *con_cls = r;
        if (cl && strtoull(cl, NULL, 10) > r->cap) {
            /* refused before reading a byte: the connection closes after the answer */
            r->too_large = true;
            srv_answer_code(r, DK_API_TOO_LARGE,
                            "request body of %s bytes is over the %zu-byte limit of %s", cl, r->cap,
                            r->path);
            return srv_queue(r);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_large && r->body.len + *upload_size > r->cap) {
            r->too_large = true;
            dk_str_release(&r->body);
        }
        if (!r->too_large)
            dk_str_add(&r->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->mcp_stream)
        return srv_mcp_stream_begin(r); /* MCP (mcp_http.c): progress, then the answer */
    if (r->ready)
        return srv_queue(r); /* a worker finished */

    if (r->too_large) {
        srv_answer_code(r, DK_API_TOO_LARGE, "request body over the %zu-byte limit of %s", r->cap,
                        r->path);
        return srv_queue(r);
    }
    switch (r->route) {
    case SRV_HEALTH:
        srv_answer_json(r, 200, json_pack("{s:s}", "status", "ok"));
        r->log_code = "OK";
        return srv_queue(r);
    case SRV_NOT_FOUND:
    case SRV_NONE:
        if (strncmp(r->path, "/v1/", 4) == 0)
            srv_answer_code(r, DK_API_UNKNOWN_OPERATION, "unknown operation '%s'", r->path + 4);
        else
            srv_answer_code(r, DK_API_NOT_FOUND, "no such resource %s", r->path);
        return srv_queue(r);
    case SRV_BAD_METHOD:
        srv_answer_code(r, DK_API_INVALID_ARGUMENT, "%s is not allowed on %s", r->method, r->path);
        r->status = 405;
        dk_str_adds(&r->resp_headers,
                    strcmp(r->path, "/healthz") == 0 ? "Allow: GET\n" : "Allow: POST\n");
        return srv_queue(r);
    default:
        break;
    }
    if (r->route == SRV_MCP && srv_mcp_precheck(r)) /* MCP (mcp_http.c): Origin, method */
        return srv_queue(r);
    if (!srv_auth(r))
        return srv_queue(r);
    if (r->route == SRV_MCP) { /* MCP (mcp_http.c): on a worker (tools may land or wait) */
        r->work = srv_mcp_work;
        MHD_suspend_connection(c);
        /* A landing, verification or resolve queues on the workers as POST /v1/land does;
         * every other message (reads, writes, dk_watch's wait) runs on the wait pool, so
         * twenty agents landing at once never hold the threads their reads need. */
        unsigned f = dk_mcp_message_op_flags(s->mcp, r->body.ptr, r->body.len);
        srv_pool_submit((f & DK_API_OP_SLOW) && !(f & DK_API_OP_WAITS) ? &s->work : &s->wait, r);
        return MHD_YES;
    }
    if (r->route == SRV_WATCH)
        return srv_sse_begin(r);
    if (r->route == SRV_GIT) {
        r->work = srv_git_work;
        MHD_suspend_connection(c);
        srv_pool_submit(&s->work, r);
        return MHD_YES;
    }
    /* SRV_OP */
    if (!srv_parse_params(r))
        return srv_queue(r);
    dk_str_release(&r->body);
    r->work = srv_op_work;
    if (r->op->flags & (DK_API_OP_SLOW | DK_API_OP_WAITS)) {
        MHD_suspend_connection(c);
        srv_pool_submit(r->op->flags & DK_API_OP_WAITS ? &s->wait : &s->work, r);
        return MHD_YES;
    }
    srv_op_work(r);
    return srv_queue(r);
}

/* ========================================================================== */
/* The request log and cleanup                                                */
/* ========================================================================== */

static void srv_log_value(dk_str *line, const char *key, const char *v)
{
    if (!v || !*v)
        return;
    dk_str_addf(line, " %s=", key);
    bool quote = strpbrk(v, " \"=") != NULL;
    if (!quote) {
        dk_str_adds(line, v);
        return;
    }
    dk_str_addch(line, '"');
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            dk_str_addch(line, '\\');
        dk_str_addch(line, *p);
    }
    dk_str_addch(line, '"');
}

static void srv_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                          enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    struct srv_req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    dk_str line = DK_STR_INIT;
    dk_str_addf(&line, "ts=%s level=info mod=http method=%s", ts, r->method);
    srv_log_value(&line, "path", r->path);
    if (r->op)
        srv_log_value(&line, "op", r->op->name);
    dk_str_addf(&line, " status=%d dur_ms=%.3f", r->status ? r->status : 0,
                (double)(srv_now_us() - r->start_us) / 1000.0);
    srv_log_value(&line, "code", r->log_code);
    srv_log_value(&line, "session", r->log_session);
    srv_log_value(&line, "agent", r->log_agent);
    if (r->authed)
        srv_log_value(&line, "token", r->who.token_id);
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        srv_log_value(&line, "end",
                      toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED   ? "timeout"
                      : toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT    ? "client-abort"
                      : toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? "shutdown"
                      : toe == MHD_REQUEST_TERMINATED_READ_ERROR      ? "read-error"
                      : toe == MHD_REQUEST_TERMINATED_WITH_ERROR      ? "error"
                                                                      : "other");
    dk_str_addch(&line, '\n');
    fwrite(line.ptr, 1, line.len, stderr);
    dk_str_release(&line);

    srv_sse_free(r);
    srv_mcp_stream_free(r); /* MCP (mcp_http.c) */
    json_decref(r->params);
    free(r->resp_body);
    free(r->path);
    free(r->log_session);
    free(r->log_agent);
    dk_str_release(&r->body);
    dk_str_release(&r->resp_headers);
    dk_api_ctx_release(&r->ctx);
    free(r);
}

/* MHD's own messages (a client gone mid-stream, ...) at debug level only. */
static void srv_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    if (getenv("DK_HTTP_DEBUG"))
        vfprintf(stderr, fmt, ap);
}

/* ========================================================================== */
/* Start and stop                                                             */
/* ========================================================================== */

static int srv_parse_listen(struct sockaddr_in *sa, const char *listen)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof(host) || colon == listen)
        return dk_error_set(DK_EINVALID, "listen address '%s': expected ADDR:PORT", listen);
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || port > 65535)
        return dk_error_set(DK_EINVALID, "listen address '%s': bad port", listen);
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return dk_error_set(DK_EINVALID, "listen address '%s': not an IPv4 address", listen);
    return DK_OK;
}

int dk_server_start(dk_server **out, dk_api *api, const dk_server_opts *opts)
{
    dk_server_opts o = DK_SERVER_OPTS_INIT;
    if (opts)
        o = *opts;
    struct sockaddr_in sa;
    int rc = srv_parse_listen(&sa, o.listen ? o.listen : "127.0.0.1:7777");
    if (rc)
        return rc;
    /* libmicrohttpd is loaded here, not at process start (mhd.h) */
    if ((rc = dk_server_mhd_load()))
        return rc;
    /* a client that vanishes must not kill the process with SIGPIPE */
    signal(SIGPIPE, SIG_IGN);

    dk_server *s = dk_xcalloc(1, sizeof(*s));
    s->api = api;
    s->engine = dk_api_engine(api);
    s->max_body = o.max_body ? o.max_body : 1024 * 1024;
    s->heartbeat_ms = o.heartbeat_ms ? o.heartbeat_ms : 15000;
    srv_pool_start(&s->work, s, o.workers ? o.workers : 4);
    srv_pool_start(&s->wait, s, o.wait_workers ? o.wait_workers : 16);
    if ((rc = srv_hub_start(s)))
        goto fail;
    if ((rc = srv_mcp_start(s))) /* MCP (mcp_http.c) */
        goto fail;

    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
            MHD_USE_ERROR_LOG,
        0, NULL, NULL, srv_access, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o.threads ? o.threads : 2),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o.idle_timeout_s ? o.idle_timeout_s : 30),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096, MHD_OPTION_NOTIFY_COMPLETED, srv_completed, s,
        MHD_OPTION_EXTERNAL_LOGGER, srv_mhd_log, s, MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_END);
    if (!s->daemon) {
        rc = dk_error_set(DK_ERROR, "cannot listen on %s (in use, or not an address of this host)",
                          o.listen ? o.listen : "127.0.0.1:7777");
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : ntohs(sa.sin_port);
    *out = s;
    return DK_OK;
fail:
    dk_server_stop(s);
    return rc;
}

uint16_t dk_server_port(const dk_server *s)
{
    return s->port;
}

void dk_server_stop(dk_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, true);
    /* wake every watcher first: MHD must not stop with suspended connections */
    srv_hub_stop(s);
    srv_pool_stop(&s->work);
    srv_pool_stop(&s->wait);
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    srv_mcp_stop(s); /* MCP (mcp_http.c) */
    free(s);
}
