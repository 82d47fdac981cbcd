/*
 * api/mcp.h - MCP (Model Context Protocol) over the operation table: the
 * JSON-RPC 2.0 layer shared by every MCP transport (stdio in `dk mcp`,
 * streamable HTTP at /mcp in `dk serve`). Transports move bytes; this layer
 * decides everything else: the protocol era of each request, the tool list
 * (generated from the table), tool calls and their texts, protocol errors.
 *
 *   transport ──dk_mcp_request (one JSON-RPC message + HTTP headers, if any)──►
 *   dk_mcp_handle ──► era: modern (_meta protocolVersion, stateless)
 *                       or legacy (initialize → a dk_mcp_session)
 *                 ──► tools/call ──► backend->call(op, params) ──► the table
 *   ◄──dk_mcp_response (JSON-RPC body or none, HTTP status, new session id)
 *
 * Both eras are served on the same endpoint, as the 2026-07-28 versioning
 * page describes for a dual-era server: a request carrying
 * `_meta["io.modelcontextprotocol/protocolVersion"]` is served statelessly
 * (2026-07-28); an `initialize` request opens a legacy session (2025-11-25,
 * 2025-06-18, 2025-03-26, 2024-11-05) scoped to the stdio process or to one
 * Mcp-Session-Id.
 *
 * The backend runs one operation: in-process (dk_mcp_backend_local, over a
 * dk_api) or forwarded to a running server (cli/mcp.c, POST /v1/<op>).
 *
 * Threads: a dk_mcp is shared by every thread of a server; dk_mcp_handle
 * may run concurrently (the legacy-session table and each session lock
 * themselves). Ownership: responses hold new jansson references.
 */
#ifndef DK_API_MCP_H
#define DK_API_MCP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "api/api.h"

/** The modern revision (stateless, per-request _meta). */
#define DK_MCP_MODERN_VERSION "2026-07-28"
/** The newest legacy revision (initialize handshake), offered by default. */
#define DK_MCP_LEGACY_VERSION "2025-11-25"

/** Runs one operation of the table for a tool call. */
typedef struct dk_mcp_backend {
    /*
     * Run `op` with `params` (borrowed) as `principal` (NULL: the local,
     * trusted process). Returns 0 with *result a new reference, or -1 with
     * `err` set (the table's codes, details included).
     */
    int (*call)(void *ud, const dk_api_principal *principal, const char *op, json_t *params,
                json_t **result, dk_api_error *err);
    /*
     * Optional: as `call`, and report the operation's progress (a verify's
     * finished steps; see dk_api_ctx.progress) through `progress`, on the
     * calling thread, before returning. NULL: this backend reports none
     * (`dk mcp --server`: POST /v1/<op> answers once).
     */
    int (*call_progress)(void *ud, const dk_api_principal *principal, const char *op,
                         json_t *params,
                         void (*progress)(void *pud, double done, double total,
                                          const char *message),
                         void *progress_ud, json_t **result, dk_api_error *err);
    /* the operation table whose rows become tools (dk_api_ops() in every backend) */
    const dk_api_op *(*ops)(void *ud, size_t *count);
    void *ud;
} dk_mcp_backend;

typedef struct dk_mcp dk_mcp;

/** A legacy-era session: the stdio process, or one Mcp-Session-Id over HTTP. */
typedef struct dk_mcp_session dk_mcp_session;

/**
 * Create the MCP layer over a backend (copied; its `ud` is borrowed and must
 * outlive the dk_mcp). The tool list is generated here, once.
 * @return DK_OK; DK_ERROR when a table schema does not parse
 */
int dk_mcp_new(dk_mcp **out, const dk_mcp_backend *backend);
void dk_mcp_free(dk_mcp *mcp);

/** The backend over an in-process API (borrowed; must outlive the dk_mcp). */
dk_mcp_backend dk_mcp_backend_local(dk_api *api);

/**
 * A session owned by the caller (the stdio transport: one per process).
 * Free with dk_mcp_session_free.
 */
dk_mcp_session *dk_mcp_session_new(void);
void dk_mcp_session_free(dk_mcp_session *session);

/** One JSON-RPC message as a transport received it. */
typedef struct dk_mcp_request {
    /* the message bytes (one JSON value) */
    const char *body;
    size_t len;
    /* who sent it: NULL for the local, trusted process (stdio in-process) */
    const dk_api_principal *principal;
    /* streamable HTTP: the header checks below apply; false on stdio */
    bool http;
    /* HTTP header values (NULL when absent) */
    const char *h_protocol_version;
    const char *h_method;
    const char *h_name;
    const char *h_session_id;
    /*
     * Where this request's notifications go, or NULL to send none: a
     * tools/call with params._meta.progressToken (string or integer) on a
     * long tool (dk_verify: one per finished step) sends
     * notifications/progress {progressToken, progress, message}. Called with
     * a complete JSON-RPC notification (borrowed for the call) on the thread
     * of dk_mcp_handle, before it returns, so before the response.
     */
    void (*notify)(void *ud, const json_t *notification);
    void *notify_ud;
} dk_mcp_request;

/** What to send back. Release with dk_mcp_response_release. */
typedef struct dk_mcp_response {
    /* the JSON-RPC response, or NULL when nothing is sent (notifications) */
    json_t *body;
    /* HTTP status: 200, 202 (notification accepted), 400, 403, 404 */
    int http_status;
    /* HTTP: an initialize opened this session: send it as Mcp-Session-Id */
    char new_session_id[48];
    /* HTTP: the legacy protocol version of the session, for the response header */
    const char *protocol_version;
    /* for the request log (static strings, NULL when not a tool call): the
     * tool's operation and the outcome, "OK" or the error code's name */
    const char *log_op;
    const char *log_code;
} dk_mcp_response;

#define DK_MCP_RESPONSE_INIT                                                                       \
    {                                                                                              \
        .http_status = 200                                                                         \
    }

/**
 * Handle one message. `session` is the transport's own legacy session (the
 * stdio process) or NULL, in which case HTTP sessions are looked up by
 * Mcp-Session-Id in the dk_mcp's table (and created by initialize).
 * Never fails: every problem is a JSON-RPC error in resp->body.
 */
void dk_mcp_handle(dk_mcp *mcp, dk_mcp_session *session, const dk_mcp_request *req,
                   dk_mcp_response *resp);

void dk_mcp_response_release(dk_mcp_response *resp);

/**
 * The operation flags (DK_API_OP_SLOW, DK_API_OP_WAITS) of what one JSON-RPC
 * message would run: a tools/call of a tool whose operation is slow or waits
 * gives that operation's flags; any other message, a pending tool, a body
 * over 1 MiB or one that does not parse gives 0 (dk_mcp_handle decides and
 * answers it as usual). For a transport choosing the thread a message runs
 * on; reads nothing but its arguments; any thread.
 */
unsigned dk_mcp_message_op_flags(const dk_mcp *mcp, const char *body, size_t len);

/**
 * End an HTTP legacy session (DELETE /mcp). Only the token that opened it
 * may end it. @return 200, 404 (unknown) or 403 (another token)
 */
int dk_mcp_session_delete(dk_mcp *mcp, const char *session_id, const dk_api_principal *principal);

/**
 * Whether `origin` (an Origin header) may talk to a server listening on
 * loopback: http(s)://localhost, 127.0.0.1 or [::1], any port, or one of
 * the comma-separated `allowed` origins (may be NULL). DNS-rebinding guard.
 */
bool dk_mcp_origin_allowed(const char *origin, const char *allowed);

/* ---- the texts (mcp_text.c) ------------------------------------------------ */

/**
 * The readable text of a successful tool call: what happened, the fields an
 * agent acts on, and the next step. @return malloc'd text
 */
char *dk_mcp_text_result(const char *tool, const json_t *result);

/**
 * The readable text of a failed tool call: the code, the message, the
 * details (claims, conflicts with every version) and the recovery steps.
 * @return malloc'd text
 */
char *dk_mcp_text_error(const char *tool, const dk_api_error *err);

#endif
