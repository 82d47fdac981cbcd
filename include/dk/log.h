/*
 * dk/log.h - the trace hook. libdk never writes to stdout or stderr; it hands
 * events to a callback installed by the program (the sqlite3_log model).
 *
 * Contract: dk_trace_set may be called at any time; the callback and level are
 * read atomically, so events racing with a change go to either the old or the
 * new callback. The callback may be called from any thread, concurrently, and
 * must not call back into libdk. The message pointer is borrowed for the call.
 */
#ifndef DK_LOG_H
#define DK_LOG_H

#include <stdbool.h>

#include "dk/errors.h"

typedef enum dk_trace_level {
    DK_TRACE_NONE = 0,
    DK_TRACE_ERROR = 1,
    DK_TRACE_WARN = 2,
    DK_TRACE_INFO = 3,
    DK_TRACE_DEBUG = 4,
} dk_trace_level;

/** Callback: level, module name ("merge", "git", ...), formatted message. */
typedef void (*dk_trace_cb)(dk_trace_level level, const char *module, const char *msg,
                            void *payload);

/** Install `cb` (NULL removes it); events above `level` are dropped cheaply. */
DK_EXTERN void dk_trace_set(dk_trace_cb cb, dk_trace_level level, void *payload);

/** Emit an event (used by libdk itself; cheap when no callback is set). */
DK_EXTERN void dk_trace(dk_trace_level level, const char *module, const char *fmt, ...)
    DK_PRINTF(3, 4);

/** True when an installed hook wants events at `level` (to skip costly formatting). */
DK_EXTERN bool dk_trace_enabled(dk_trace_level level);

/** "error", "warn", "info", "debug" or "none". */
DK_EXTERN const char *dk_trace_level_name(dk_trace_level level);

/** Parse a level name; returns DK_EINVALID for an unknown name. */
DK_EXTERN int dk_trace_level_parse(dk_trace_level *out, const char *name);

#endif
