/*
 * util/err.c - the thread-local error slot (libgit2 error-handling model).
 *
 * One dk_error per thread, overwritten by each failure. Functions return the
 * code, so `return dk_error_set(...)` is the idiom. No allocation: the
 * message lives in a fixed buffer and is truncated.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dk/errors.h"

static _Thread_local dk_error err_last;

static int err_vset(int code, const char *where, const char *fmt, va_list ap)
{
    /* formatted apart: an argument may be the previous message (wrapping an error) */
    char msg[sizeof(err_last.msg)];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    memcpy(err_last.msg, msg, strlen(msg) + 1);
    err_last.code = code;
    err_last.where = where;
    return code;
}

int dk_error_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(code, NULL, fmt, ap);
    va_end(ap);
    return code;
}

int dk_error_set_at(int code, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(code, where, fmt, ap);
    va_end(ap);
    return code;
}

const dk_error *dk_error_last(void)
{
    return &err_last;
}

void dk_error_clear(void)
{
    err_last.code = DK_OK;
    err_last.where = NULL;
    err_last.msg[0] = '\0';
}

const char *dk_error_name(int code)
{
    switch (code) {
    case DK_OK:
        return "ok";
    case DK_ENOTFOUND:
        return "notfound";
    case DK_EEXISTS:
        return "exists";
    case DK_ECONFLICT:
        return "conflict";
    case DK_ESTALE:
        return "stale";
    case DK_EINVALID:
        return "invalid";
    case DK_EBUSY:
        return "busy";
    case DK_ELIMIT:
        return "limit";
    case DK_ERACE:
        return "race";
    case DK_EBINARY:
        return "binary";
    case DK_EUNSUPPORTED:
        return "unsupported";
    case DK_EFORBIDDEN:
        return "forbidden";
    case DK_ESTATE:
        return "state";
    case DK_ENOSESSION:
        return "nosession";
    default:
        return "error";
    }
}
