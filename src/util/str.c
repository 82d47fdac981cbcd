/*
 * util/str.c - dk_str (never-NULL growable string), slices, UTF-8 checks.
 *
 * Conventions: every append goes through dk_str_grow, which keeps the
 * terminator invariant; nothing else touches cap.
 */
#include "util/str.h"

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

void dk_str_add(dk_str *s, const char *ptr, size_t len)
{
    if (len == 0)
        return;
    dk_str_grow(s, len);
    memmove(s->ptr + s->len, ptr, len);
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
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(s->ptr + s->len, s->cap ? s->cap - s->len : 0, fmt, cp);
    va_end(cp);
    dk_assert(n >= 0);
    if ((size_t)n >= (s->cap ? s->cap - s->len : 0)) {
        dk_str_grow(s, (size_t)n);
        n = vsnprintf(s->ptr + s->len, s->cap - s->len, fmt, ap);
        dk_assert(n >= 0);
    }
    s->len += (size_t)n;
}

void dk_str_addf(dk_str *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dk_str_vaddf(s, fmt, ap);
    va_end(ap);
}

void dk_str_add_json_escaped(dk_str *s, const char *ptr, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)ptr[i];
        switch (c) {
        case '"':
            dk_str_add(s, "\\\"", 2);
            break;
        case '\\':
            dk_str_add(s, "\\\\", 2);
            break;
        case '\n':
            dk_str_add(s, "\\n", 2);
            break;
        case '\r':
            dk_str_add(s, "\\r", 2);
            break;
        case '\t':
            dk_str_add(s, "\\t", 2);
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                dk_str_add(s, esc, 6);
            } else {
                dk_str_addch(s, (char)c);
            }
        }
    }
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

bool dk_utf8_is_valid(const char *ptr, size_t len)
{
    const unsigned char *p = (const unsigned char *)ptr, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n;
        unsigned cp, min;
        if ((c & 0xe0) == 0xc0) {
            n = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if ((size_t)(end - p) <= n)
            return false;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += n + 1;
    }
    return true;
}

bool dk_buf_is_binary(const char *ptr, size_t len)
{
    size_t n = len < 8000 ? len : 8000;
    return n > 0 && memchr(ptr, '\0', n) != NULL;
}
