/*
 * api/errors.c - the protocol's error codes and the ONE table that maps
 * them to HTTP statuses and JSON-RPC codes (STYLE.md §5: no other file
 * decides a status).
 *
 *   libdk rc + dk_error_last() ──dk_api_error_from_dk──► dk_api_code ──► status
 *
 * Invariants: every dk_api_code has exactly one row, in enum order (checked
 * at compile time by the array size and at run time by the unit tests).
 * Conventions: messages are one line, lowercase; details are a JSON object
 * owned by the dk_api_error (released by dk_api_error_release).
 */
#include "dk/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"

#include "util/banned.h"

static const struct {
    const char *name;
    int http;
    int jsonrpc;
} errors_table[] = {
    [DK_API_OK] = {"OK", 200, 0},
    [DK_API_INVALID_ARGUMENT] = {"INVALID_ARGUMENT", 400, -32602},
    [DK_API_INVALID_PATH] = {"INVALID_PATH", 400, -32602},
    [DK_API_UNAUTHORIZED] = {"UNAUTHORIZED", 401, -32001},
    [DK_API_FORBIDDEN] = {"FORBIDDEN", 403, -32003},
    [DK_API_NOT_FOUND] = {"NOT_FOUND", 404, -32004},
    [DK_API_SESSION_NOT_FOUND] = {"SESSION_NOT_FOUND", 404, -32004},
    [DK_API_UNKNOWN_OPERATION] = {"UNKNOWN_OPERATION", 404, -32601},
    [DK_API_SYMBOL_CLAIMED] = {"SYMBOL_CLAIMED", 409, -32009},
    [DK_API_STALE_OVERLAY] = {"STALE_OVERLAY", 409, -32009},
    [DK_API_CONFLICT] = {"CONFLICT", 409, -32009},
    [DK_API_INVALID_STATE] = {"INVALID_STATE", 409, -32009},
    [DK_API_ALREADY_EXISTS] = {"ALREADY_EXISTS", 409, -32009},
    [DK_API_TOO_LARGE] = {"TOO_LARGE", 413, -32013},
    [DK_API_BUSY] = {"BUSY", 503, -32005},
    [DK_API_INTERNAL] = {"INTERNAL", 500, -32603},
};

_Static_assert(sizeof(errors_table) / sizeof(errors_table[0]) == DK_API_CODE_COUNT,
               "one row per dk_api_code");

const char *dk_api_code_name(dk_api_code code)
{
    if ((unsigned)code >= DK_API_CODE_COUNT)
        return "INTERNAL";
    return errors_table[code].name;
}

int dk_api_code_http_status(dk_api_code code)
{
    if ((unsigned)code >= DK_API_CODE_COUNT)
        return 500;
    return errors_table[code].http;
}

int dk_api_code_jsonrpc(dk_api_code code)
{
    if ((unsigned)code >= DK_API_CODE_COUNT)
        return -32603;
    return errors_table[code].jsonrpc;
}

int dk_api_error_set(dk_api_error *err, dk_api_code code, const char *fmt, ...)
{
    va_list ap;
    dk_api_error_release(err);
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}

int dk_api_error_from_dk(dk_api_error *err, int rc)
{
    const dk_error *e = dk_error_last();
    const char *m = e->code == rc && e->msg[0] ? e->msg : dk_error_name(rc);
    dk_api_code code;
    switch (rc) {
    case DK_ENOTFOUND:
        code = DK_API_NOT_FOUND;
        break;
    case DK_ENOSESSION:
        code = DK_API_SESSION_NOT_FOUND;
        break;
    case DK_EFORBIDDEN:
        code = DK_API_FORBIDDEN;
        break;
    case DK_EINVALID:
        code = DK_API_INVALID_ARGUMENT;
        break;
    case DK_ESTATE:
        /* well-formed, but the session's or changeset's state refuses it */
        code = DK_API_INVALID_STATE;
        break;
    case DK_ECONFLICT:
        code = DK_API_CONFLICT;
        break;
    case DK_ESTALE:
        code = DK_API_STALE_OVERLAY;
        break;
    case DK_ELIMIT:
        code = DK_API_TOO_LARGE;
        break;
    case DK_EEXISTS:
        code = DK_API_ALREADY_EXISTS;
        break;
    case DK_EBUSY:
    case DK_ERACE:
        code = DK_API_BUSY;
        break;
    default:
        code = DK_API_INTERNAL;
        break;
    }
    return dk_api_error_set(err, code, "%s", m);
}

void dk_api_error_release(dk_api_error *err)
{
    if (err->details)
        json_decref(err->details);
    err->details = NULL;
}

json_t *dk_api_error_json(const dk_api_error *err)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", json_string(dk_api_code_name(err->code)));
    /* messages quote client input: never let bad bytes make the document invalid */
    json_t *msg = json_string(err->message);
    json_object_set_new(e, "message", msg ? msg : json_string("(message not valid utf-8)"));
    if (err->details)
        json_object_set(e, "details", err->details);
    return json_pack("{s:o}", "error", e);
}
