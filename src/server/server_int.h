/*
 * server/server_int.h - what server.c (routing, bodies, operations, the
 * worker pool, the request log), server_sse.c (the watch stream and its
 * hub) and server_git.c (git http-backend) share.
 *
 * Ownership: a srv_req is created on a connection's first access-handler
 * call and freed by the request-completed callback, the only place; while
 * it waits on a worker or the hub its connection is suspended, so MHD never
 * completes it under them.
 */
#ifndef DK_SERVER_SERVER_INT_H
#define DK_SERVER_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "api/api.h"
#include "server/mhd.h"
#include "server/server.h"
#include "util/str.h"

typedef enum srv_route {
    SRV_NONE = 0,
    SRV_HEALTH,
    SRV_OP,
    SRV_WATCH,
    SRV_GIT,
    SRV_NOT_FOUND,
    SRV_BAD_METHOD,
    /* MCP (mcp_http.c) */
    SRV_MCP,
} srv_route;

struct srv_req;
/*
 * A worker's job. True: done, the worker resumes the connection (which then
 * queues the answer set on `req`). False: the job already resumed it and
 * gave `req` up (an MCP call that switched to a stream, mcp_http.c); the
 * worker must not touch `req` again.
 */
typedef bool (*srv_work_fn)(struct srv_req *req);
struct mcp_stream;

/* One HTTP request. */
struct srv_req {
    struct dk_server *srv;
    struct MHD_Connection *conn;
    srv_route route;
    const dk_api_op *op;
    /* url path (owned) */
    char *path;
    char method[8];
    int64_t start_us;
    /* the request body, capped */
    dk_str body;
    size_t cap;
    bool too_large;
    /* the authenticated token (valid when authed) */
    dk_api_principal who;
    bool authed;
    /* the request's api context (arena) */
    dk_api_ctx ctx;
    /* the answer, once decided */
    bool ready;
    int status;
    char *resp_body;
    size_t resp_len;
    const char *resp_type;
    /* extra headers "Name: value\n" (owned dk_str) */
    dk_str resp_headers;
    /* the worker's job */
    srv_work_fn work;
    json_t *params;
    /* for the log */
    char *log_session;
    char *log_agent;
    const char *log_code;
    size_t sent_bytes;
    /* SSE state (server_sse.c) */
    struct srv_sse *sse;
    /* an MCP answer streamed as SSE while its tool runs (mcp_http.c) */
    struct mcp_stream *mcp_stream;
};

struct srv_hub;

/* A pool of worker threads taking suspended requests from one queue. */
struct srv_pool {
    struct dk_server *srv;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    /* ring buffer of waiting requests */
    struct srv_req **queue;
    size_t head, len, cap;
    pthread_t *threads;
    unsigned nthreads;
    bool stop;
};

struct dk_server {
    dk_api *api;
    dk_engine *engine;
    struct MHD_Daemon *daemon;
    uint16_t port;
    size_t max_body;
    unsigned heartbeat_ms;
    atomic_bool stopping;
    /* slow operations (merges) and git */
    struct srv_pool work;
    /* operations that wait (DK_API_OP_WAITS: the long-poll watch), apart so
     * that waiting never delays a landing */
    struct srv_pool wait;
    /* SSE hub */
    struct srv_hub *hub;
    /* MCP (mcp_http.c): the JSON-RPC layer of /mcp */
    struct dk_mcp *mcp;
};

/** Set the answer: JSON body (consumed) with status. */
void srv_answer_json(struct srv_req *r, int status, json_t *body);
/** Set an error answer from an api error (details kept by reference). */
void srv_answer_error(struct srv_req *r, const dk_api_error *err);
/** Shortcut: an error answer with a code and message. */
void srv_answer_code(struct srv_req *r, dk_api_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Queue the answer set on `r` (MHD frees the body). */
enum MHD_Result srv_queue(struct srv_req *r);
/** Hand `r` to a pool; its connection must be suspended by the caller first. */
void srv_pool_submit(struct srv_pool *p, struct srv_req *r);
int64_t srv_now_us(void);

/* SSE (server_sse.c) */
int srv_hub_start(struct dk_server *s);
void srv_hub_stop(struct dk_server *s);
/** Start the watch stream of `r` (authed, GET); queues the response. */
enum MHD_Result srv_sse_begin(struct srv_req *r);
void srv_sse_free(struct srv_req *r);
/**
 * Queue a 200 text/event-stream answer on `r` whose body `read(cls, ...)`
 * produces (no caching, no proxy buffering); sets r->status.
 */
enum MHD_Result srv_sse_queue(struct srv_req *r, MHD_ContentReaderCallback read, void *cls);

/* git (server_git.c): the worker body of a /git/ request */
bool srv_git_work(struct srv_req *r);
/** Route check before the body: is this a git smart-HTTP read? */
bool srv_git_path_ok(const char *path, const char *method);

#endif
