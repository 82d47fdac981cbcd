/*
 * server/mcp_http.h - the /mcp route of `dk serve` (MCP streamable HTTP),
 * hooked into server.c's router. See mcp_http.c for the checks and order.
 *
 * The hook in server.c, all of it:
 *   srv_route_of:    srv_mcp_path(url) -> SRV_MCP, body cap of file content
 *   access handler:  SRV_MCP: srv_mcp_precheck (before auth: Origin, method);
 *                    after auth: r->work = srv_mcp_work on a worker;
 *                    r->mcp_stream set (a worker resumed it): srv_mcp_stream_begin
 *   completed:       srv_mcp_stream_free
 *   start / stop:    srv_mcp_start / srv_mcp_stop (the dk_mcp in s->mcp)
 */
#ifndef DK_SERVER_MCP_HTTP_H
#define DK_SERVER_MCP_HTTP_H

#include <stdbool.h>

#include "server/mhd.h"

struct srv_req;
struct dk_server;

/** Whether `path` is the MCP endpoint ("/mcp"). */
bool srv_mcp_path(const char *path);

/** Create s->mcp over s->api. @return DK_OK or a dk_err_code */
int srv_mcp_start(struct dk_server *s);
void srv_mcp_stop(struct dk_server *s);

/**
 * Before authentication, on the MHD thread: Origin (403) and method (405).
 * @return true when the answer is already set on `r` (queue it), false to
 *         go on: authenticate, then srv_mcp_work on a worker
 */
bool srv_mcp_precheck(struct srv_req *r);

/**
 * On a worker, after the body and authentication: set the answer of `r`
 * (true), or, when the tool reports progress and the client accepts
 * text/event-stream, switch `r` to a stream, resume it and give it up
 * (false; see srv_work_fn).
 */
bool srv_mcp_work(struct srv_req *r);

/** On the MHD thread, once a worker switched `r` to a stream: queue the SSE response. */
enum MHD_Result srv_mcp_stream_begin(struct srv_req *r);

/** When `r` completes (server.c): drop its reference on the stream, if any. */
void srv_mcp_stream_free(struct srv_req *r);

#endif
