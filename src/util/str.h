/*
 * util/str.h - a growable string that is never NULL, and a borrowed slice.
 *
 * Invariants (git strbuf): `ptr` is never NULL and always NUL-terminated; a
 * fresh DK_STR_INIT points at a shared static "" with cap 0, so reading it is
 * free and the first append allocates. `len` excludes the terminator. The
 * buffer may hold NUL bytes (binary-safe through len).
 * Ownership: the dk_str owns ptr once cap > 0; dk_str_detach hands it over.
 * Appends may move ptr: a pointer into the buffer taken before an append is
 * stale after it. The append functions themselves accept a source inside the
 * string (dk_str_add(&s, s.ptr, s.len) doubles it).
 * Not thread-safe; one owner at a time.
 */
#ifndef DK_UTIL_STR_H
#define DK_UTIL_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "dk/errors.h"

extern char dk__str_empty[1];

typedef struct dk_str {
    /* NUL-terminated bytes; dk__str_empty while cap == 0 */
    char *ptr;
    /* bytes in use, excluding the terminator */
    size_t len;
    /* bytes allocated, 0 when ptr is the static empty string */
    size_t cap;
} dk_str;

#define DK_STR_INIT                                                                                \
    {                                                                                              \
        dk__str_empty, 0, 0                                                                        \
    }

/** A borrowed view of bytes (not necessarily NUL-terminated). */
typedef struct dk_slice {
    const char *ptr;
    size_t len;
} dk_slice;

#define DK_SLICE(s) ((dk_slice){(s), sizeof(s) - 1})

void dk_str_init(dk_str *s);
/** Free the buffer and reset to DK_STR_INIT. */
void dk_str_release(dk_str *s);
/** Keep the buffer, set length 0. */
void dk_str_clear(dk_str *s);
/** Ensure room for `extra` more bytes plus the terminator. */
void dk_str_grow(dk_str *s, size_t extra);
/** Append `ptr,len`; ptr may point into s itself (it is re-read after growing). */
void dk_str_add(dk_str *s, const char *ptr, size_t len);
void dk_str_adds(dk_str *s, const char *cstr);
void dk_str_addch(dk_str *s, char c);
/** Append formatted text; the arguments may point into s (formatted apart, then copied). */
void dk_str_addf(dk_str *s, const char *fmt, ...) DK_PRINTF(2, 3);
void dk_str_vaddf(dk_str *s, const char *fmt, va_list ap) DK_PRINTF(2, 0);
/** Append `ptr,len` as the inside of a JSON string (no quotes added). */
void dk_str_add_json_escaped(dk_str *s, const char *ptr, size_t len);
/** Shrink to `len` bytes (len <= s->len). */
void dk_str_truncate(dk_str *s, size_t len);
/** Hand the buffer to the caller (always malloc'd), reset s. @param[out] len may be NULL. */
char *dk_str_detach(dk_str *s, size_t *len);

bool dk_slice_eq(dk_slice a, dk_slice b);
bool dk_slice_eq_cstr(dk_slice a, const char *b);
bool dk_slice_starts_with(dk_slice a, const char *prefix);

/** True if the bytes are valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool dk_utf8_is_valid(const char *ptr, size_t len);
/**
 * Decode the code point that starts `ptr` (`len` > 0 bytes available).
 * @param[out] cp the code point (untouched when invalid)
 * @return its length in bytes (1-4); 0 when the bytes there are not valid
 *         UTF-8 (as dk_utf8_is_valid judges)
 */
size_t dk_utf8_next(unsigned *cp, const char *ptr, size_t len);
/** Heuristic used by git: a NUL byte in the first 8000 bytes means binary. */
bool dk_buf_is_binary(const char *ptr, size_t len);

#endif
