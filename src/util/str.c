/*
 * util/str.c - dk_str (never-NULL growable string), slices, UTF-8 checks.
 *
 * Conventions: every append goes through dk_str_grow, which keeps the
 * terminator invariant; nothing else touches cap.
 *
 * Appending from the string itself: growing may move the buffer, so an append
 * whose source lies inside it (dk_str_add(&s, s.ptr, s.len)) remembers the
 * source's offset, grows, and reads from the new buffer (git's strbuf leaves
 * this to the caller; we handle it because the mistake is silent until an
 * append happens to cross a realloc). dk_str_addf formats into a scratch
 * buffer first, as its arguments may point into the string too.
 */
#include "util/str.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

char dk__str_empty[1];

void dk_str_init(dk_str *s)
{
    s->ptr = dk__str_empty;
    s->len = 0;
    s->cap = 0;
}

void dk_str_release(dk_str *s)
{
    if (s->cap)
        free(s->ptr);
    dk_str_init(s);
}

void dk_str_clear(dk_str *s)
{
    s->len = 0;
    if (s->cap)
        s->ptr[0] = '\0';
}

void dk_str_grow(dk_str *s, size_t extra)
{
    dk_assert(s->len + extra + 1 > s->len);
    size_t need = s->len + extra + 1;
    if (need <= s->cap)
        return;
    size_t cap = dk_alloc_grow(s->cap, need);
    if (s->cap == 0) {
        s->ptr = dk_xmalloc(cap);
        s->ptr[0] = '\0';
    } else {
        s->ptr = dk_xrealloc(s->ptr, cap);
    }
    s->cap = cap;
}

/*
 * Offset of `ptr` inside the buffer of s, or SIZE_MAX when it points
 * elsewhere. Compared as integers: relational operators between pointers into
 * different objects are undefined in C.
 */
static size_t str_offset_of(const dk_str *s, const char *ptr)
{
    uintptr_t p = (uintptr_t)ptr, b = (uintptr_t)s->ptr;
    if (s->cap == 0 || p < b || p - b >= s->cap)
        return SIZE_MAX;
    return (size_t)(p - b);
}

/* Grow s for `extra` bytes; return `ptr`, moved along with the buffer if it pointed into it. */
static const char *str_grow_keep(dk_str *s, size_t extra, const char *ptr, size_t len)
{
    size_t off = str_offset_of(s, ptr);
    dk_assert(off == SIZE_MAX || (off <= s->len && len <= s->len - off));
    dk_str_grow(s, extra);
    return off == SIZE_MAX ? ptr : s->ptr + off;
}

void dk_str_add(dk_str *s, const char *ptr, size_t len)
{
    if (len == 0)
        return;
    ptr = str_grow_keep(s, len, ptr, len);
    memcpy(s->ptr + s->len, ptr, len);
    s->len += len;
    s->ptr[s->len] = '\0';
}

void dk_str_adds(dk_str *s, const char *cstr)
{
    dk_str_add(s, cstr, strlen(cstr));
}

void dk_str_addch(dk_str *s, char c)
{
    dk_str_grow(s, 1);
    s->ptr[s->len++] = c;
    s->ptr[s->len] = '\0';
}

void dk_str_vaddf(dk_str *s, const char *fmt, va_list ap)
{
    /* never format into s itself: an argument may point into it (see the note at the top) */
    char small[256];
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(small, sizeof(small), fmt, cp);
    va_end(cp);
    dk_assert(n >= 0);
    if ((size_t)n < sizeof(small)) {
        dk_str_add(s, small, (size_t)n);
        return;
    }
    char *big = dk_xmalloc((size_t)n + 1);
    int m = vsnprintf(big, (size_t)n + 1, fmt, ap);
    dk_assert(m == n);
    dk_str_add(s, big, (size_t)n);
    free(big);
}

void dk_str_addf(dk_str *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dk_str_vaddf(s, fmt, ap);
    va_end(ap);
}

/* The JSON escape of byte c, written to out (room for 6 bytes); returns its length. */
static size_t json_escape_byte(char *out, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char e = 0;
    switch (c) {
    case '"':
        e = '"';
        break;
    case '\\':
        e = '\\';
        break;
    case '\n':
        e = 'n';
        break;
    case '\r':
        e = 'r';
        break;
    case '\t':
        e = 't';
        break;
    default:
        if (c < 0x20 || c == 0x7f) {
            memcpy(out, "\\u00", 4);
            out[4] = hex[c >> 4];
            out[5] = hex[c & 15];
            return 6;
        }
        out[0] = (char)c;
        return 1;
    }
    out[0] = '\\';
    out[1] = e;
    return 2;
}

void dk_str_add_json_escaped(dk_str *s, const char *ptr, size_t len)
{
    /* measure, grow once, then write: ptr may point into s (see the note at the top) */
    char esc[6];
    size_t need = 0;
    for (size_t i = 0; i < len; i++)
        need += json_escape_byte(esc, (unsigned char)ptr[i]);
    if (need == 0)
        return;
    ptr = str_grow_keep(s, need, ptr, len);
    char *out = s->ptr + s->len;
    for (size_t i = 0; i < len; i++)
        out += json_escape_byte(out, (unsigned char)ptr[i]);
    s->len += need;
    s->ptr[s->len] = '\0';
}

void dk_str_truncate(dk_str *s, size_t len)
{
    dk_assert(len <= s->len);
    s->len = len;
    if (s->cap)
        s->ptr[len] = '\0';
}

char *dk_str_detach(dk_str *s, size_t *len)
{
    if (s->cap == 0)
        dk_str_grow(s, 0);
    char *p = s->ptr;
    if (len)
        *len = s->len;
    dk_str_init(s);
    return p;
}

bool dk_slice_eq(dk_slice a, dk_slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool dk_slice_eq_cstr(dk_slice a, const char *b)
{
    return dk_slice_eq(a, (dk_slice){b, strlen(b)});
}

bool dk_slice_starts_with(dk_slice a, const char *prefix)
{
    size_t n = strlen(prefix);
    return a.len >= n && memcmp(a.ptr, prefix, n) == 0;
}

size_t dk_utf8_next(unsigned *cp, const char *ptr, size_t len)
{
    const unsigned char *p = (const unsigned char *)ptr;
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    unsigned v, min;
    if ((c & 0xe0) == 0xc0) {
        n = 1, v = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 2, v = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 3, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len <= n)
        return 0;
    for (size_t i = 1; i <= n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n + 1;
}

bool dk_utf8_is_valid(const char *ptr, size_t len)
{
    size_t off = 0;
    while (off < len) {
        /* eight ASCII bytes at a time (source text is mostly ASCII) */
        uint64_t word;
        if (len - off >= 8 && (memcpy(&word, ptr + off, 8), (word & 0x8080808080808080ull) == 0)) {
            off += 8;
            continue;
        }
        if ((unsigned char)ptr[off] < 0x80) {
            off++;
            continue;
        }
        unsigned cp;
        size_t n = dk_utf8_next(&cp, ptr + off, len - off);
        if (n == 0)
            return false;
        off += n;
    }
    return true;
}

bool dk_buf_is_binary(const char *ptr, size_t len)
{
    size_t n = len < 8000 ? len : 8000;
    return n > 0 && memchr(ptr, '\0', n) != NULL;
}
