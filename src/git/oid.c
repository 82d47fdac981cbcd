/*
 * git/oid.c - dk_oid, the plain-value object id.
 *
 * A dk_oid is the 20 raw bytes of a SHA-1, with no libgit2 type in sight, so
 * every layer can store, hash and compare ids. src/git/ converts to and from
 * git_oid with a plain memcpy: the asserts below pin both at 20 bytes (a
 * libgit2 built for SHA-256 would fail to compile here, not corrupt ids).
 *
 * Conventions: pure functions on values, safe on any thread; hex is written
 * lowercase and read in either case.
 */
#include <string.h>

#include <git2.h>

#include "git/git.h"

#include "util/banned.h"

_Static_assert(sizeof(git_oid) == DK_OID_RAWSZ, "libgit2 oids are 20 bytes");
_Static_assert(sizeof(dk_oid) == DK_OID_RAWSZ, "dk_oid has no padding");

void dk_oid_to_hex(char *out, const dk_oid *id)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < DK_OID_RAWSZ; i++) {
        out[2 * i] = digits[id->id[i] >> 4];
        out[2 * i + 1] = digits[id->id[i] & 0xf];
    }
    out[DK_OID_HEXSZ] = '\0';
}

static int oid_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int dk_oid_from_hex(dk_oid *out, const char *hex, size_t len)
{
    dk_oid id;
    if (!hex || len != DK_OID_HEXSZ)
        return dk_error_set(DK_EINVALID, "object id must be %d hex digits, got %zu bytes",
                            DK_OID_HEXSZ, hex ? len : 0);
    for (size_t i = 0; i < DK_OID_RAWSZ; i++) {
        int hi = oid_hexval(hex[2 * i]), lo = oid_hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return dk_error_set(DK_EINVALID, "object id has a non-hex byte at offset %zu",
                                hi < 0 ? 2 * i : 2 * i + 1);
        id.id[i] = (unsigned char)(hi << 4 | lo);
    }
    *out = id;
    return DK_OK;
}

bool dk_oid_is_equal(const dk_oid *a, const dk_oid *b)
{
    return memcmp(a->id, b->id, DK_OID_RAWSZ) == 0;
}

bool dk_oid_is_zero(const dk_oid *id)
{
    static const dk_oid zero;
    return dk_oid_is_equal(id, &zero);
}

int dk_oid_cmp(const dk_oid *a, const dk_oid *b)
{
    return memcmp(a->id, b->id, DK_OID_RAWSZ);
}
