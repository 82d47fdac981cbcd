/*
 * api/json.c - JSON strings from arbitrary bytes.
 *
 * JSON text is UTF-8 (RFC 8259 §8.1) and cannot carry raw bytes. Input
 * files are whatever users commit, so a symbol name, a conflict side or a
 * merged file may hold bytes that are not UTF-8. Such a string is written
 * with U+FFFD REPLACEMENT CHARACTER for each byte that does not start a
 * well-formed sequence (RFC 3629: no overlongs, no surrogates, nothing past
 * U+10FFFF), and the exact bytes are added as "<key>_base64", so a client
 * that needs them byte for byte has them and every other client reads text.
 *
 * Conventions: jansson's json_object_set_new consumes the value (its "_new"
 * suffix is our "_take"); allocation failures abort through dk_x*.
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "api/api_json.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

/* Length of the well-formed UTF-8 sequence at p[0, n), or 0 if there is none. */
static size_t json_utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t cp, min;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static bool json_is_utf8(const char *ptr, size_t len)
{
    const unsigned char *p = (const unsigned char *)ptr;
    for (size_t i = 0; i < len;) {
        size_t k = json_utf8_seq(p + i, len - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

static void json_add_base64(dk_str *out, const char *ptr, size_t len)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)ptr;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        char q[4] = {digits[v >> 18], digits[(v >> 12) & 63], digits[(v >> 6) & 63],
                     digits[v & 63]};
        dk_str_add(out, q, 4);
    }
    if (i < len) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
        char q[4] = {digits[v >> 18], digits[(v >> 12) & 63],
                     i + 1 < len ? digits[(v >> 6) & 63] : '=', '='};
        dk_str_add(out, q, 4);
    }
}

void dk_api_json_set_bytes(json_t *obj, const char *key, const char *ptr, size_t len)
{
    if (!ptr) {
        json_object_set_new(obj, key, json_null());
        return;
    }
    if (json_is_utf8(ptr, len)) {
        json_object_set_new(obj, key, json_stringn_nocheck(ptr, len));
        return;
    }
    dk_str text = DK_STR_INIT;
    const unsigned char *p = (const unsigned char *)ptr;
    for (size_t i = 0; i < len;) {
        size_t k = json_utf8_seq(p + i, len - i);
        if (k == 0) {
            dk_str_adds(&text, "\xef\xbf\xbd");
            i++;
        } else {
            dk_str_add(&text, ptr + i, k);
            i += k;
        }
    }
    json_object_set_new(obj, key, json_stringn_nocheck(text.ptr, text.len));
    dk_str_clear(&text);
    json_add_base64(&text, ptr, len);
    dk_str key64 = DK_STR_INIT;
    dk_str_addf(&key64, "%s_base64", key);
    json_object_set_new(obj, key64.ptr, json_stringn_nocheck(text.ptr, text.len));
    dk_str_release(&key64);
    dk_str_release(&text);
}

void dk_api_json_set_str(json_t *obj, const char *key, const char *s)
{
    dk_api_json_set_bytes(obj, key, s, s ? strlen(s) : 0);
}
