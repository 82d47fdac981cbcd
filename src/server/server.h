/*
 * server/server.h - `dk serve`: the HTTP front end of the operation table
 * (libmicrohttpd).
 *
 *   POST /v1/<operation>          JSON params in, JSON result (or {"error"}) out
 *   GET  /v1/watch?repo=&since=&types=
 *                                 Server-Sent Events; `id:` lines, Last-Event-ID resumes
 *   GET  /healthz                 {"status":"ok"}
 *   GET  /git/<repo>.git/info/refs?service=git-upload-pack
 *   POST /git/<repo>.git/git-upload-pack
 *                                 read-only smart HTTP through `git http-backend`
 *
 * Every request but /healthz carries a token (Authorization: Bearer, or
 * Basic with the token as password for git). Statuses come from the api
 * layer's one table (dk_api_code_http_status).
 *
 * Threads: MHD's epoll pool threads parse requests and run quick operations;
 * operations flagged DK_API_OP_SLOW and git requests run on the server's own
 * worker threads while their connection is suspended; SSE watchers are
 * suspended connections woken by one hub thread (no thread per watcher).
 */
#ifndef DK_SERVER_SERVER_H
#define DK_SERVER_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "api/api.h"

typedef struct dk_server dk_server;

/** Options of dk_server_start. Initialise with DK_SERVER_OPTS_INIT. */
typedef struct dk_server_opts {
    unsigned version;
    /* "ADDR:PORT" (IPv4; PORT 0 picks a free one); NULL: "127.0.0.1:7777" */
    const char *listen;
    /* MHD pool threads (default 2) */
    unsigned threads;
    /* worker threads for slow operations, slow MCP tools (land, verify, resolve) and git
     * (default 4) */
    unsigned workers;
    /* worker threads for what may wait: the long-poll watch, the other MCP tools (default 16) */
    unsigned wait_workers;
    /* seconds a connection may stay idle or unfinished before it is closed (default 30) */
    unsigned idle_timeout_s;
    /* SSE heartbeat period in ms (default 15000) */
    unsigned heartbeat_ms;
    /* body cap of operations without file content (default 1 MiB) */
    size_t max_body;
} dk_server_opts;

#define DK_SERVER_OPTS_VERSION 1
#define DK_SERVER_OPTS_INIT                                                                        \
    {                                                                                              \
        .version = DK_SERVER_OPTS_VERSION                                                          \
    }

/**
 * Start serving `api` (borrowed; must outlive the server).
 * @return DK_OK; DK_EINVALID for a bad listen address; DK_ERROR when the
 *         socket cannot be bound (message says why)
 */
int dk_server_start(dk_server **out, dk_api *api, const dk_server_opts *opts);

/** The port actually bound. */
uint16_t dk_server_port(const dk_server *server);

/** Wake every watcher, stop accepting, join every thread, free. NULL: no-op. */
void dk_server_stop(dk_server *server);

#endif
