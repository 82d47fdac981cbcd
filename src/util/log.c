/*
 * util/log.c - the trace hook (sqlite3_log / git_trace model).
 *
 * The callback, its payload and the level are published together behind one
 * atomic pointer to an immutable record, so a reader never sees a callback
 * paired with another caller's payload. Records are never freed (a handful
 * per process lifetime at most), which keeps readers lock-free.
 */
#include "dk/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

struct trace_hook {
    dk_trace_cb cb;
    dk_trace_level level;
    void *payload;
    /* the record this one replaced, kept reachable (never freed) */
    struct trace_hook *retired;
};

static _Atomic(struct trace_hook *) trace_current;

void dk_trace_set(dk_trace_cb cb, dk_trace_level level, void *payload)
{
    /*
     * A reader may still hold the old record, so it is never freed; chaining
     * it keeps it reachable (leak checkers stay quiet). Removing the hook
     * installs a record with no callback for the same reason.
     */
    struct trace_hook *h = dk_xmalloc(sizeof(*h));
    h->cb = cb;
    h->level = cb ? level : DK_TRACE_NONE;
    h->payload = payload;
    h->retired = atomic_load(&trace_current);
    atomic_store(&trace_current, h);
}

void dk_trace(dk_trace_level level, const char *module, const char *fmt, ...)
{
    struct trace_hook *h = atomic_load(&trace_current);
    if (!h || !h->cb || level > h->level || level == DK_TRACE_NONE)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    h->cb(level, module, msg, h->payload);
}

bool dk_trace_enabled(dk_trace_level level)
{
    struct trace_hook *h = atomic_load(&trace_current);
    return h && h->cb && level != DK_TRACE_NONE && level <= h->level;
}

static const char *const trace_names[] = {"none", "error", "warn", "info", "debug"};

const char *dk_trace_level_name(dk_trace_level level)
{
    if ((unsigned)level > DK_TRACE_DEBUG)
        return "none";
    return trace_names[level];
}

int dk_trace_level_parse(dk_trace_level *out, const char *name)
{
    for (unsigned i = 0; i <= DK_TRACE_DEBUG; i++) {
        if (strcmp(name, trace_names[i]) == 0) {
            *out = (dk_trace_level)i;
            return DK_OK;
        }
    }
    return dk_error_set(DK_EINVALID, "unknown trace level '%s'", name);
}
