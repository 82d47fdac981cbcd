/*
 * dk/errors.h - error codes and the thread-local error detail.
 *
 * Contract: every fallible libdk function returns DK_OK (0) or a negative
 * dk_err_code. On failure it also records a one-line, lowercase detail message
 * in a thread-local slot, read with dk_error_last(). The slot belongs to the
 * calling thread: no locking, and a message set on one thread is never seen by
 * another. A successful call does not clear the slot.
 */
#ifndef DK_ERRORS_H
#define DK_ERRORS_H

#include <stddef.h>

#if defined(__GNUC__)
#define DK_EXTERN       __attribute__((visibility("default")))
#define DK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DK_EXTERN
#define DK_PRINTF(a, b)
#endif

/** Error codes. Expected failures have names; anything else is DK_ERROR. */
typedef enum dk_err_code {
    DK_OK = 0,
    DK_ERROR = -1,         /* generic failure (I/O, library error, ...) */
    DK_ENOTFOUND = -3,     /* object, path, session or ref does not exist */
    DK_EEXISTS = -4,       /* object already exists */
    DK_ECONFLICT = -5,     /* merge or claim conflict */
    DK_ESTALE = -6,        /* the base moved underneath the caller */
    DK_EINVALID = -7,      /* bad client input (path, JSON, argument) */
    DK_EBUSY = -8,         /* resource busy, try later */
    DK_ELIMIT = -9,        /* input or resource over a configured limit */
    DK_ERACE = -10,        /* a compare-and-swap lost a race: retry */
    DK_EBINARY = -11,      /* binary content where text was required */
    DK_EUNSUPPORTED = -12, /* no support for this language / operation */
    DK_EFORBIDDEN = -13,   /* the caller may not act on this object */
    DK_ESTATE = -14,       /* a well-formed request the object's current state refuses
                            * (a merged changeset, an empty overlay to submit, ...) */
    DK_ENOSESSION = -15,   /* no live session by that id: unknown, or ended (stranded,
                            * resumed, closed, abandoned: the message says which) */
} dk_err_code;

/** Detail of the last error raised on this thread. */
typedef struct dk_error {
    /** the dk_err_code that was returned */
    int code;
    /** "module" or "file:line" where it was raised (static string) */
    const char *where;
    /** one-line lowercase message, NUL-terminated */
    char msg[256];
} dk_error;

/**
 * Record an error on this thread and return `code`, so callers can write
 * `return dk_error_set(DK_EINVALID, "bad path '%s'", p);`.
 * Thread-safe (thread-local). The message is truncated to 255 bytes.
 */
DK_EXTERN int dk_error_set(int code, const char *fmt, ...) DK_PRINTF(2, 3);

/** Like dk_error_set, also recording where the error was raised. */
DK_EXTERN int dk_error_set_at(int code, const char *where, const char *fmt, ...) DK_PRINTF(3, 4);

/**
 * The last error recorded on this thread. Never NULL: if nothing was recorded
 * the code is DK_OK and the message is empty. Borrowed; valid until the next
 * dk_error_set on this thread.
 */
DK_EXTERN const dk_error *dk_error_last(void);

/** Reset this thread's error slot to DK_OK / "". */
DK_EXTERN void dk_error_clear(void);

/** A stable lowercase name for a code ("notfound", "invalid", ...). Never NULL. */
DK_EXTERN const char *dk_error_name(int code);

#endif
