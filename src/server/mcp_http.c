/*
 * server/mcp_http.c - MCP's streamable HTTP transport at /mcp inside
 * `dk serve`: the byte transport over api/mcp.c, hooked into server.c's
 * router with two calls (srv_mcp_precheck before the body, srv_mcp_work on
 * a worker thread after it).
 *
 *   POST /mcp   one JSON-RPC message ──► dk_mcp_handle ──► application/json
 *               (or one SSE event when the client accepts only text/event-stream)
 *               a tools/call with _meta.progressToken, client accepting
 *               text/event-stream: at the tool's first progress report the
 *               answer becomes an SSE stream - notifications/progress events
 *               as they come, then the response event, then the end
 *   DELETE /mcp ends a 2025-era session (Mcp-Session-Id), else 405
 *   GET /mcp    405: dk sends no server-initiated messages (no standalone stream)
 *
 * Checks, in order (the first failure answers; nothing reaches the engine):
 *   1. Origin, when present, is a loopback origin (http or https, any port)
 *      or one of $DK_MCP_ALLOWED_ORIGINS (comma-separated, exact): the
 *      DNS-rebinding guard every revision requires. Else 403 with a JSON-RPC
 *      error without id.
 *   2. The bearer token, as on every route (server.c: 401 before routing).
 *   3. The method (POST, DELETE; GET and others 405 with Allow).
 *   4. On POST, Accept admits application/json or text/event-stream: else 406.
 *   5. api/mcp.c: era, headers against the body, sessions, tools.
 *
 * Runs on a worker: a tools/call may land (a merge) or wait (dk_watch), so
 * it never holds an MHD pool thread. server.c picks the pool by the tool
 * (dk_mcp_message_op_flags): slow tools on the workers, the rest on the
 * wait pool, so landings queued on a repository never starve reads. Ownership: the response body is
 * a malloc'd string handed to the srv_req (freed with it).
 *
 * The progress stream (struct mcp_stream), shared by the worker and the
 * connection, refcounted (one each), under its lock:
 *   worker: first report ─► stream created, r->mcp_stream set, connection
 *           resumed; from then on the worker touches only the stream (the
 *           request may complete - a client that leaves - at any time);
 *           each report / the final response: append, resume if suspended
 *   MHD:    access handler sees r->mcp_stream ─► queues a callback response;
 *           the reader copies what is there, ends after the response, or
 *           suspends the connection (flag `suspended`) when nothing is
 *   completed: `gone` set, so the worker resumes nothing any more.
 */
#include "server/mcp_http.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/mcp.h"
#include "server/mhd.h"
#include "server/server_int.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

int srv_mcp_start(struct dk_server *s)
{
    dk_mcp_backend b = dk_mcp_backend_local(s->api);
    return dk_mcp_new(&s->mcp, &b);
}

void srv_mcp_stop(struct dk_server *s)
{
    dk_mcp_free(s->mcp);
    s->mcp = NULL;
}

static const char *mcp_header(struct srv_req *r, const char *name)
{
    /* cppcheck-suppress CastIntegerToAddressAtReturn ; a typed call through a table */
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

bool srv_mcp_path(const char *path)
{
    return strcmp(path, "/mcp") == 0 || strcmp(path, "/mcp/") == 0;
}

static void mcp_answer(struct srv_req *r, int status, json_t *body, bool sse)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    r->status = status;
    if (!text) { /* 202 Accepted, DELETE: no body */
        r->resp_body = NULL;
        r->resp_len = 0;
        r->resp_type = "application/json";
    } else if (sse) {
        dk_str s = DK_STR_INIT;
        dk_str_addf(&s, "event: message\ndata: %s\n\n", text);
        free(text);
        r->resp_body = dk_str_detach(&s, &r->resp_len);
        r->resp_type = "text/event-stream";
        dk_str_adds(&r->resp_headers, "Cache-Control: no-cache\nX-Accel-Buffering: no\n");
    } else {
        r->resp_body = text;
        r->resp_len = strlen(text);
        r->resp_type = "application/json";
    }
    r->ready = true;
}

static void mcp_answer_rpc_error(struct srv_req *r, int status, int code, const char *msg)
{
    json_t *e =
        json_pack("{s:s,s:{s:i,s:s}}", "jsonrpc", "2.0", "error", "code", code, "message", msg);
    mcp_answer(r, status, e, false);
    json_decref(e);
}

bool srv_mcp_precheck(struct srv_req *r)
{
    if (!dk_mcp_origin_allowed(mcp_header(r, "Origin"), getenv("DK_MCP_ALLOWED_ORIGINS"))) {
        mcp_answer_rpc_error(r, 403, -32600, "Forbidden: Origin not allowed");
        return true;
    }
    if (strcmp(r->method, "POST") == 0)
        return false;
    if (strcmp(r->method, "DELETE") == 0) {
        const char *sid = mcp_header(r, "Mcp-Session-Id");
        if (!sid) {
            dk_str_adds(&r->resp_headers, "Allow: POST, DELETE\n");
            mcp_answer_rpc_error(r, 405, -32600,
                                 "Method Not Allowed: DELETE needs an Mcp-Session-Id");
            return true;
        }
        return false; /* decided in srv_mcp_work, after authentication */
    }
    dk_str_adds(&r->resp_headers, "Allow: POST, DELETE\n");
    mcp_answer_rpc_error(r, 405, -32600,
                         "Method Not Allowed: POST one JSON-RPC message to /mcp (dk opens no "
                         "standalone SSE stream)");
    return true;
}

/* ========================================================================== */
/* The progress stream                                                        */
/* ========================================================================== */

struct mcp_stream {
    pthread_mutex_t lock;
    int refs;
    struct MHD_Connection *conn;
    /* SSE text not yet read by MHD from `pos` */
    dk_str out;
    size_t pos;
    /* the response event is in `out`: end once it is read */
    bool done;
    /* the reader suspended the connection for want of data */
    bool suspended;
    /* the request completed: resume nothing */
    bool gone;
    /* for the request log (static strings) */
    const char *log_op;
    const char *log_code;
};

static void stream_unref(struct mcp_stream *st)
{
    pthread_mutex_lock(&st->lock);
    bool last = --st->refs == 0;
    pthread_mutex_unlock(&st->lock);
    if (!last)
        return;
    dk_str_release(&st->out);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

/* Append one SSE event with `msg` (and `done`), waking the reader. Worker side. */
static void stream_push(struct mcp_stream *st, const json_t *msg, bool done)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    pthread_mutex_lock(&st->lock);
    if (text)
        dk_str_addf(&st->out, "event: message\ndata: %s\n\n", text);
    st->done = st->done || done;
    if (st->suspended && !st->gone) {
        st->suspended = false;
        MHD_resume_connection(st->conn);
    }
    pthread_mutex_unlock(&st->lock);
    free(text);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct srv_req *r = cls;
    struct mcp_stream *st = r->mcp_stream;
    (void)pos;
    pthread_mutex_lock(&st->lock);
    if (st->pos < st->out.len) {
        size_t n = st->out.len - st->pos;
        if (n > max)
            n = max;
        memcpy(buf, st->out.ptr + st->pos, n);
        st->pos += n;
        if (st->pos == st->out.len) {
            dk_str_clear(&st->out);
            st->pos = 0;
        }
        pthread_mutex_unlock(&st->lock);
        r->sent_bytes += n;
        return (ssize_t)n;
    }
    if (st->done) {
        if (st->log_op)
            r->op = dk_api_op_find(st->log_op);
        if (st->log_code)
            r->log_code = st->log_code;
        pthread_mutex_unlock(&st->lock);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    st->suspended = true;
    MHD_suspend_connection(st->conn);
    pthread_mutex_unlock(&st->lock);
    return 0;
}

enum MHD_Result srv_mcp_stream_begin(struct srv_req *r)
{
    return srv_sse_queue(r, stream_read, r);
}

void srv_mcp_stream_free(struct srv_req *r)
{
    struct mcp_stream *st = r->mcp_stream;
    if (!st)
        return;
    pthread_mutex_lock(&st->lock);
    st->gone = true;
    pthread_mutex_unlock(&st->lock);
    stream_unref(st);
    r->mcp_stream = NULL;
}

/* The worker's side of one call: the request until it is handed to a stream. */
struct mcp_work {
    struct srv_req *r;
    struct mcp_stream *st;
};

/* dk_mcp_request.notify: the first report opens the stream and gives the request up. */
static void mcp_work_notify(void *ud, const json_t *notification)
{
    struct mcp_work *w = ud;
    if (!w->st) {
        struct mcp_stream *st = dk_xcalloc(1, sizeof(*st));
        pthread_mutex_init(&st->lock, NULL);
        st->refs = 2;
        st->conn = w->r->conn;
        dk_str_init(&st->out);
        w->st = st;
        stream_push(st, notification, false);
        w->r->mcp_stream = st;
        MHD_resume_connection(w->r->conn);
        w->r = NULL; /* the connection owns it now */
        return;
    }
    stream_push(w->st, notification, false);
}

bool srv_mcp_work(struct srv_req *r)
{
    struct dk_mcp *mcp = r->srv->mcp;
    /* the worker's own copy: once the answer is a stream, `r` may be freed (a client that
     * leaves) while the tool still runs as this principal */
    dk_api_principal who_copy;
    if (r->authed)
        who_copy = r->who;
    const dk_api_principal *who = r->authed ? &who_copy : NULL;
    if (strcmp(r->method, "DELETE") == 0) {
        int st = dk_mcp_session_delete(mcp, mcp_header(r, "Mcp-Session-Id"), who);
        if (st == 200)
            mcp_answer(r, 200, NULL, false);
        else
            mcp_answer_rpc_error(r, st, -32600,
                                 st == 404 ? "Session not found"
                                           : "Forbidden: the "
                                             "session belongs to "
                                             "another token");
        return true;
    }
    const char *accept = mcp_header(r, "Accept");
    bool json_ok = !accept || strstr(accept, "application/json") || strstr(accept, "*/*") ||
                   strstr(accept, "application/*");
    bool sse_ok = accept && strstr(accept, "text/event-stream");
    if (!json_ok && !sse_ok) {
        mcp_answer_rpc_error(r, 406, -32600,
                             "Not Acceptable: accept application/json or text/event-stream");
        return true;
    }
    if (r->too_large) {
        mcp_answer_rpc_error(r, 413, -32600, "Payload Too Large");
        return true;
    }
    struct mcp_work work = {.r = r};
    dk_mcp_request q = {
        .body = r->body.ptr,
        .len = r->body.len,
        .principal = who,
        .http = true,
        .h_protocol_version = mcp_header(r, "MCP-Protocol-Version"),
        .h_method = mcp_header(r, "Mcp-Method"),
        .h_name = mcp_header(r, "Mcp-Name"),
        .h_session_id = mcp_header(r, "Mcp-Session-Id"),
        /* progress only when the answer may be a stream */
        .notify = sse_ok ? mcp_work_notify : NULL,
        .notify_ud = &work,
    };
    dk_mcp_response resp = DK_MCP_RESPONSE_INIT;
    dk_mcp_handle(mcp, NULL, &q, &resp);
    if (work.st) { /* streamed: `r` belongs to the connection now */
        pthread_mutex_lock(&work.st->lock);
        work.st->log_op = resp.log_op;
        work.st->log_code = resp.log_code;
        pthread_mutex_unlock(&work.st->lock);
        stream_push(work.st, resp.body, true);
        dk_mcp_response_release(&resp);
        stream_unref(work.st);
        return false;
    }
    if (resp.new_session_id[0])
        dk_str_addf(&r->resp_headers, "Mcp-Session-Id: %s\n", resp.new_session_id);
    if (resp.protocol_version)
        dk_str_addf(&r->resp_headers, "MCP-Protocol-Version: %s\n", resp.protocol_version);
    /* the request log names the tool's operation and its outcome */
    if (resp.log_op)
        r->op = dk_api_op_find(resp.log_op);
    if (resp.log_code)
        r->log_code = resp.log_code;
    mcp_answer(r, resp.body ? resp.http_status : (resp.http_status == 200 ? 202 : resp.http_status),
               resp.body, resp.body && !json_ok);
    dk_mcp_response_release(&resp);
    return true;
}
