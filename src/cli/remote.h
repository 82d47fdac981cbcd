/*
 * cli/remote.h - the CLI's client of a running `dk serve`: one operation of
 * the table as POST <url>/v1/<op>, its answer mapped back onto the table's
 * result or dk_api_error, so a command cannot tell a remote call from an
 * in-process dk_api_call. Used by `dk mcp --server` and every session
 * command with --server.
 *
 * Threads: a cli_remote is read-only once opened; cli_remote_call may run on
 * several threads at once (one connection per call).
 */
#ifndef DK_CLI_REMOTE_H
#define DK_CLI_REMOTE_H

#include <jansson.h>

#include "api/api.h"

/** Where a server is and how to authenticate. Caller-owned: _open / _release. */
struct cli_remote {
    char host[256];
    char port[8];
    /* path prefix without the trailing '/' ("" or "/dk") */
    char prefix[256];
    /* bearer token (malloc'd) or NULL: requests go without Authorization */
    char *token;
};

/**
 * Parse `url` (http://HOST[:PORT][/PREFIX]; https is refused) and pick the
 * token: `token`, else $DK_TOKEN, else the contents of <data_dir>/admin.token
 * (`data_dir` NULL: $DK_DATA, else ./dk-data), else none.
 * @param who the command name for messages ("dk mcp")
 * @return 0, or -1 after printing "<who>: <why>" on stderr
 */
int cli_remote_open(struct cli_remote *r, const char *who, const char *url, const char *token,
                    const char *data_dir);

/** Free the token. */
void cli_remote_release(struct cli_remote *r);

/**
 * Run `op` with `params` (borrowed; NULL is {}) on the server. The signature
 * is dk_mcp_backend.call's, with `ud` the cli_remote (the principal is the
 * token, so `p` is ignored).
 * @return 0 with *result a new reference, or -1 with `err` set from the
 *         server's {"error": {code, message, details}}; a server that cannot
 *         be reached is BUSY ("cannot reach dk serve at ..."), an answer that
 *         is not the API's is INTERNAL naming the HTTP status
 */
int cli_remote_call(void *ud, const dk_api_principal *p, const char *op, json_t *params,
                    json_t **result, dk_api_error *err);

#endif
