/*
 * api/api.h - the ONE operation table (DESIGN.md decision 7) that drives the
 * HTTP JSON API, the MCP tools and the CLI, its error codes, and auth.
 *
 *   front end (HTTP, MCP, CLI)
 *      │  op name + JSON params + principal (token) or NULL (local, trusted)
 *      ▼
 *   dk_api_call ──► find the row ──► scope check ──► params validated against
 *      the row's JSON schema (unknown field, wrong type, missing field →
 *      INVALID_ARGUMENT naming the field) ──► handler ──► engine
 *      ▼
 *   result (JSON object, the row's result schema) or dk_api_error
 *   {code, message, details}; dk_api_code_http_status() is the only place
 *   a status is decided.
 *
 * Field names are the same on every transport: session_id, changeset_id,
 * repo, path, content, encoding, hash, commit, conflicts, ... File content is
 * a UTF-8 string, or base64 with "encoding": "base64" when it is not valid
 * UTF-8 (both directions). Other strings that may hold arbitrary bytes
 * (conflict sides) follow api_json.h: U+FFFD plus a "<key>_base64" sibling.
 *
 * Driving the table from another front end (MCP, CLI):
 *     dk_api *api; dk_api_new(&api, engine);
 *     dk_api_ctx ctx = DK_API_CTX_INIT(api);   // ctx.principal = NULL: local
 *     json_t *res = NULL; dk_api_error err = DK_API_ERROR_INIT;
 *     if (dk_api_call(&ctx, "file_read", params, &res, &err) == 0) ... json_decref(res);
 *     else ... dk_api_error_json(&err) / err.code; dk_api_error_release(&err);
 *     dk_api_ctx_release(&ctx);
 * The tool list: dk_api_ops() / dk_api_op_schema() (input and output schemas).
 *
 * Threads: a dk_api is shared by every thread; a dk_api_ctx belongs to one
 * request on one thread. Ownership: results are new jansson references.
 */
#ifndef DK_API_API_H
#define DK_API_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dk/engine.h"

#include "util/arena.h"

/* ========================================================================== */
/* Errors                                                                     */
/* ========================================================================== */

/** Stable error codes of the protocol (their names are the wire form). */
typedef enum dk_api_code {
    DK_API_OK = 0,
    DK_API_INVALID_ARGUMENT,
    DK_API_INVALID_PATH,
    DK_API_UNAUTHORIZED,
    DK_API_FORBIDDEN,
    DK_API_NOT_FOUND,
    DK_API_SESSION_NOT_FOUND,
    DK_API_UNKNOWN_OPERATION,
    DK_API_SYMBOL_CLAIMED,
    DK_API_STALE_OVERLAY,
    DK_API_CONFLICT,
    DK_API_INVALID_STATE,
    DK_API_ALREADY_EXISTS,
    DK_API_TOO_LARGE,
    DK_API_BUSY,
    DK_API_INTERNAL,
    DK_API_CODE_COUNT
} dk_api_code;

/** An error as every transport reports it. Caller-owned: _init / _release. */
typedef struct dk_api_error {
    dk_api_code code;
    /* one line, lowercase, names the field or object */
    char message[512];
    /* a JSON object with structured details (claims, conflicts, recovery), or NULL */
    json_t *details;
} dk_api_error;

#define DK_API_ERROR_INIT                                                                          \
    {                                                                                              \
        .code = DK_API_OK                                                                          \
    }

/** The wire name ("SYMBOL_CLAIMED"); never NULL. */
const char *dk_api_code_name(dk_api_code code);

/** The HTTP status of a code: the one table (400, 401, 403, 404, 409, 413, 429, 500). */
int dk_api_code_http_status(dk_api_code code);

/** The JSON-RPC error code of a code (MCP: -32602 invalid params, -32000.. dk codes). */
int dk_api_code_jsonrpc(dk_api_code code);

/** Set `err` (releasing earlier details) and return -1. */
int dk_api_error_set(dk_api_error *err, dk_api_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/**
 * Set `err` from a libdk failure `rc` and dk_error_last() (by the code alone,
 * never the message): DK_ENOTFOUND → NOT_FOUND, DK_ENOSESSION →
 * SESSION_NOT_FOUND,
 * DK_EFORBIDDEN → FORBIDDEN, DK_EINVALID → INVALID_ARGUMENT, DK_ESTATE →
 * INVALID_STATE, DK_ECONFLICT → CONFLICT, DK_ESTALE →
 * STALE_OVERLAY, DK_ELIMIT → TOO_LARGE, DK_EEXISTS → ALREADY_EXISTS,
 * DK_EBUSY/DK_ERACE → BUSY, anything else → INTERNAL. Returns -1.
 */
int dk_api_error_from_dk(dk_api_error *err, int rc);

/** Drop the details. */
void dk_api_error_release(dk_api_error *err);

/** {"error": {"code", "message", "details"?}}: a new reference. */
json_t *dk_api_error_json(const dk_api_error *err);

/* ========================================================================== */
/* Auth                                                                       */
/* ========================================================================== */

/**
 * Scopes form a ladder: each includes those below it. A token with a
 * repository reaches that repository only, whatever its scope; only an
 * admin token without a repository is the engine's admin (may act on every
 * session; dk_caller.admin).
 */
typedef enum dk_api_scope {
    DK_API_SCOPE_NONE = 0,
    DK_API_SCOPE_READ = 1,
    DK_API_SCOPE_WRITE = 2,
    DK_API_SCOPE_APPROVE = 3,
    DK_API_SCOPE_ADMIN = 4,
} dk_api_scope;

const char *dk_api_scope_name(dk_api_scope scope);
/** @return 0, or -1 for an unknown name */
int dk_api_scope_parse(dk_api_scope *out, const char *name);

/** Who a verified token is. A plain value. */
typedef struct dk_api_principal {
    /* the token's id (public, never the secret); the engine's caller token_id */
    char token_id[40];
    dk_api_scope scope;
    /* the only repository it may touch; "" for every repository */
    char repo[128];
} dk_api_principal;

/** One row of `dk token list`. */
typedef struct dk_api_token_info {
    char id[40];
    char scope[16];
    /* "" for every repository */
    char repo[128];
    char label[128];
    int64_t created_ms;
    /* 0 while valid */
    int64_t revoked_ms;
} dk_api_token_info;

/**
 * Create a token: 256 random bits; only the SHA-256 of the whole token is
 * stored. The token text is "dkt_<id>_<64 hex digits>".
 * @param[out] token malloc'd token text, shown once
 * @param[out] id may be NULL; the token's id (40 bytes)
 * @param repo NULL or "": every repository
 * @return DK_OK or a dk_err_code (DK_EINVALID for a bad scope/repo)
 */
int dk_api_token_create(char **token, char *id, dk_engine *engine, dk_api_scope scope,
                        const char *repo, const char *label);

/**
 * Check a presented token: parse its id, read the stored hash, compare the
 * SHA-256 of what was presented in constant time, refuse revoked ones.
 * @return DK_OK; DK_ENOTFOUND for a wrong, unknown or revoked token (one
 *         answer for all three); DK_ERROR when the store fails
 */
int dk_api_token_verify(dk_api_principal *out, dk_engine *engine, const char *token, size_t len);

/** Every token (revoked included), oldest first. Free with free(). */
int dk_api_token_list(dk_api_token_info **out, size_t *count, dk_engine *engine);

/** Revoke a token by id. @return DK_OK; DK_ENOTFOUND */
int dk_api_token_revoke(dk_engine *engine, const char *id);

/**
 * The first start's admin token: if `<data_dir>/admin.token` holds a valid
 * admin token keep it, else create one and write the file (mode 0600,
 * written aside and renamed).
 * @param[out] created may be NULL; whether a new token was made
 */
int dk_api_admin_token_ensure(bool *created, dk_engine *engine, const char *data_dir);

/** SHA-256 of (p, n) in `out` (32 bytes). */
void dk_api_sha256(unsigned char out[32], const void *p, size_t n);

/* ========================================================================== */
/* The operation table                                                        */
/* ========================================================================== */

typedef struct dk_api dk_api;

/** One request's context. Initialise with DK_API_CTX_INIT; release once. */
typedef struct dk_api_ctx {
    dk_api *api;
    /* the authenticated token; NULL: the local, trusted process (CLI in-process, tests) */
    const dk_api_principal *principal;
    /* request-scoped memory (per STYLE.md §4.3): freed by dk_api_ctx_release */
    dk_arena arena;
    /* filled by dk_api_call for the request log (arena strings, may stay NULL) */
    const char *log_session;
    const char *log_agent;
    /* progress of a long operation, or NULL (none wanted): verify calls it once
     * per finished step with `done` steps so far (increasing), `total` (0:
     * unknown) and a one-line `message` (borrowed for the call). It runs on
     * the operation's thread before the operation returns; calls never
     * overlap. MCP turns them into notifications/progress. */
    void (*progress)(void *ud, double done, double total, const char *message);
    void *progress_ud;
} dk_api_ctx;

#define DK_API_CTX_INIT(a)                                                                         \
    {                                                                                              \
        .api = (a), .arena = DK_ARENA_INIT                                                         \
    }

void dk_api_ctx_release(dk_api_ctx *ctx);

enum dk_api_op_flags {
    /* may run long (merges, blocking waits): transports run it off their I/O threads */
    DK_API_OP_SLOW = 1u << 0,
    /* its params may carry file content (50 MiB): transports size their body cap by it */
    DK_API_OP_CONTENT = 1u << 1,
    /* it may block waiting for others (the long-poll watch): transports keep it apart
     * from the slow work, so waiting never delays a landing */
    DK_API_OP_WAITS = 1u << 2,
};

typedef struct dk_api_op dk_api_op;

typedef int (*dk_api_handler)(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err);

/** One row of the table. */
struct dk_api_op {
    /* wire name: POST /v1/<name>, MCP tool dk_<name> */
    const char *name;
    /* one-line description (MCP tool description, --help) */
    const char *summary;
    /* JSON Schema (draft 2020-12 subset) of the params, as JSON text */
    const char *params_schema;
    /* JSON Schema of the result, as JSON text */
    const char *result_schema;
    /* the least scope a token needs */
    dk_api_scope scope;
    unsigned flags;
    dk_api_handler handler;
};

/** The table (static, never freed). */
const dk_api_op *dk_api_ops(size_t *count);

/** The row named `name`, or NULL. */
const dk_api_op *dk_api_op_find(const char *name);

/** An op's params (result=false) or result (true) schema: a new reference. */
json_t *dk_api_op_schema(const dk_api_op *op, bool result);

/** Create the API over an engine (borrowed; must outlive the API). */
int dk_api_new(dk_api **out, dk_engine *engine);
void dk_api_free(dk_api *api);
dk_engine *dk_api_engine(dk_api *api);

/**
 * Run operation `op_name` with `params` (borrowed; NULL is {}).
 * @param[out] result a new reference on success
 * @return 0 on success, -1 with `err` set (UNKNOWN_OPERATION, UNAUTHORIZED
 *         for a missing scope ... see the table in errors.c)
 */
int dk_api_call(dk_api_ctx *ctx, const char *op_name, json_t *params, json_t **result,
                dk_api_error *err);

/**
 * Validate `value` against JSON schema `schema` (the subset the table uses:
 * type, properties, required, additionalProperties, items, enum, minLength,
 * maxLength, minimum, maximum). On failure `err` is INVALID_ARGUMENT naming
 * the field path ("resolutions[1].action"). Returns 0 or -1.
 */
int dk_api_validate(const json_t *schema, const json_t *value, dk_api_error *err);

/**
 * Whether event type `type` matches a watch pattern: NULL, "" or "*" all;
 * "file.*" a prefix up to a dot; "*.merged" a suffix after a dot; else the
 * exact type; a comma-separated list of such matches any.
 */
bool dk_api_event_matches(const char *pattern, const char *type);

/** One event as JSON (id, repo, type, session_id, agent, changeset_id, payload, created_ms). */
json_t *dk_api_event_json(const dk_event *ev);

/** Scope check helper for transports (SSE, git): may `p` use `repo` with `need`? */
bool dk_api_principal_allows(const dk_api_principal *p, const char *repo, dk_api_scope need);

#endif
