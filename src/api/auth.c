/*
 * api/auth.c - bearer tokens: creation, verification, listing, revocation,
 * and the first start's admin token (issue 7 "Auth").
 *
 *   token text:  dkt_<id: 16 hex>_<secret: 64 hex>     (shown once)
 *   tokens row:  id, hash = hex SHA-256 of the whole text, scope, repo, label
 *
 * Invariants:
 *  1. The secret is never stored or logged: only its SHA-256 (a 256-bit
 *     random secret needs no slow hash; nothing to brute-force).
 *  2. Verification reads the row by the id (public) and compares the hashes
 *     with a constant-time loop, so timing tells nothing about the secret
 *     (dkod compared its shared secret with strcmp, §14 #19).
 *  3. A wrong, unknown or revoked token gets one answer (DK_ENOTFOUND).
 *  4. admin.token is written aside with mode 0600 and renamed into place.
 *
 * Tokens are an api concern, so their SQL lives here, on the store's
 * interface (store/store.h) and the `tokens` table of migration 001; the
 * store handle is the engine's (dk_eng_store). Threads: every function is
 * safe from any thread (one pooled connection per call).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dk/errors.h"

#include "api/api.h"
#include "engine/engine_int.h"
#include "store/store.h"
#include "util/alloc.h"

#include "util/banned.h"

/* ========================================================================== */
/* SHA-256 (FIPS 180-4)                                                       */
/* ========================================================================== */

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define SHA_ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = SHA_ROR(w[i - 15], 7) ^ SHA_ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = SHA_ROR(w[i - 2], 17) ^ SHA_ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = k + (SHA_ROR(e, 6) ^ SHA_ROR(e, 11) ^ SHA_ROR(e, 25)) + ((e & f) ^ (~e & g)) +
                      sha_k[i] + w[i];
        uint32_t t2 =
            (SHA_ROR(a, 2) ^ SHA_ROR(a, 13) ^ SHA_ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += k;
}

void dk_api_sha256(unsigned char out[32], const void *data, size_t n)
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const unsigned char *p = data;
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        sha_block(h, p + i);
    unsigned char tail[128] = {0};
    size_t rest = n - i;
    memcpy(tail, p + i, rest);
    tail[rest] = 0x80;
    size_t tl = rest + 9 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;
    for (int j = 0; j < 8; j++)
        tail[tl - 1 - j] = (unsigned char)(bits >> (8 * j));
    sha_block(h, tail);
    if (tl == 128)
        sha_block(h, tail + 64);
    for (int j = 0; j < 8; j++) {
        out[4 * j] = (unsigned char)(h[j] >> 24);
        out[4 * j + 1] = (unsigned char)(h[j] >> 16);
        out[4 * j + 2] = (unsigned char)(h[j] >> 8);
        out[4 * j + 3] = (unsigned char)h[j];
    }
}

/* ========================================================================== */
/* Tokens                                                                     */
/* ========================================================================== */

#define AUTH_ID_HEX     16
#define AUTH_SECRET_HEX 64

static const char *const auth_scopes[] = {"none", "read", "write", "approve", "admin"};

const char *dk_api_scope_name(dk_api_scope scope)
{
    if ((unsigned)scope > DK_API_SCOPE_ADMIN)
        return "none";
    return auth_scopes[scope];
}

int dk_api_scope_parse(dk_api_scope *out, const char *name)
{
    for (int i = DK_API_SCOPE_READ; i <= DK_API_SCOPE_ADMIN; i++) {
        if (name && strcmp(name, auth_scopes[i]) == 0) {
            *out = (dk_api_scope)i;
            return 0;
        }
    }
    return -1;
}

bool dk_api_principal_allows(const dk_api_principal *p, const char *repo, dk_api_scope need)
{
    if (!p)
        return true;
    if (p->scope < need)
        return false;
    /* a repository-scoped token, admin included, reaches that repository only */
    if (!p->repo[0])
        return true;
    return repo && strcmp(repo, p->repo) == 0;
}

static void auth_hex(char *out, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int auth_random(unsigned char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(p + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return dk_error_set(DK_ERROR, "getrandom: %s", strerror(errno));
        }
        got += (size_t)r;
    }
    return DK_OK;
}

static int64_t auth_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int dk_api_token_create(char **token, char *id_out, dk_engine *engine, dk_api_scope scope,
                        const char *repo, const char *label)
{
    unsigned char rnd[AUTH_ID_HEX / 2 + AUTH_SECRET_HEX / 2], sum[32];
    char id[AUTH_ID_HEX + 1], secret[AUTH_SECRET_HEX + 1], hash[65];
    int rc;

    *token = NULL;
    if (scope < DK_API_SCOPE_READ || scope > DK_API_SCOPE_ADMIN)
        return dk_error_set(DK_EINVALID, "unknown scope");
    if (repo && !*repo)
        repo = NULL;
    if (repo && strlen(repo) >= sizeof(((dk_api_principal *)0)->repo))
        return dk_error_set(DK_EINVALID, "repository name too long");
    if ((rc = auth_random(rnd, sizeof(rnd))))
        return rc;
    auth_hex(id, rnd, AUTH_ID_HEX / 2);
    auth_hex(secret, rnd + AUTH_ID_HEX / 2, AUTH_SECRET_HEX / 2);
    size_t tlen = 4 + AUTH_ID_HEX + 1 + AUTH_SECRET_HEX;
    char *text = dk_xmalloc(tlen + 1);
    snprintf(text, tlen + 1, "dkt_%s_%s", id, secret);
    dk_api_sha256(sum, text, tlen);
    auth_hex(hash, sum, 32);

    char tid[40];
    snprintf(tid, sizeof(tid), "tok_%s", id);
    dk_store_conn *conn;
    if ((rc = dk_store_acquire(&conn, dk_eng_store(engine)))) {
        free(text);
        return rc;
    }
    dk_store_val p[] = {DK_SV_TEXT(tid),
                        DK_SV_TEXT(hash),
                        DK_SV_TEXT_OR_NULL(repo),
                        DK_SV_TEXT(dk_api_scope_name(scope)),
                        DK_SV_TEXT_OR_NULL(label && *label ? label : NULL),
                        DK_SV_INT(auth_now_ms())};
    rc = dk_store_exec(conn, NULL,
                       "INSERT INTO tokens (id, hash, repo, scope, label, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       p, 6);
    dk_store_release(conn);
    if (rc) {
        free(text);
        return rc;
    }
    if (id_out)
        snprintf(id_out, 40, "%s", tid);
    *token = text;
    return DK_OK;
}

/* Constant-time equality of two equal-length byte strings. */
static bool auth_equal(const char *a, const char *b, size_t n)
{
    volatile unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

int dk_api_token_verify(dk_api_principal *out, dk_engine *engine, const char *token, size_t len)
{
    memset(out, 0, sizeof(*out));
    /* shape first: dkt_ + 16 hex + _ + 64 hex */
    if (len != 4 + AUTH_ID_HEX + 1 + AUTH_SECRET_HEX || memcmp(token, "dkt_", 4) != 0 ||
        token[4 + AUTH_ID_HEX] != '_')
        return dk_error_set(DK_ENOTFOUND, "invalid token");
    for (size_t i = 4; i < len; i++) {
        char c = token[i];
        if (i == 4 + AUTH_ID_HEX)
            continue;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return dk_error_set(DK_ENOTFOUND, "invalid token");
    }
    char tid[40];
    snprintf(tid, sizeof(tid), "tok_%.*s", AUTH_ID_HEX, token + 4);
    unsigned char sum[32];
    char hash[65];
    dk_api_sha256(sum, token, len);
    auth_hex(hash, sum, 32);

    dk_store_conn *conn;
    dk_store_rows *rows = NULL;
    int rc;
    if ((rc = dk_store_acquire(&conn, dk_eng_store(engine))))
        return rc;
    dk_store_val p[] = {DK_SV_TEXT(tid)};
    rc = dk_store_query(&rows, conn,
                        "SELECT hash, scope, repo, revoked_at FROM tokens WHERE id = ?", p, 1);
    if (rc)
        goto out;
    rc = dk_store_rows_next(rows);
    if (rc < 0)
        goto out;
    bool ok = false;
    if (rc == 1) {
        size_t hl = 0;
        const char *stored = dk_store_rows_text(rows, 0, &hl);
        dk_api_scope scope = DK_API_SCOPE_NONE;
        ok = stored && hl == 64 && auth_equal(stored, hash, 64) && dk_store_rows_is_null(rows, 3) &&
             dk_api_scope_parse(&scope, dk_store_rows_text(rows, 1, NULL)) == 0;
        if (ok) {
            snprintf(out->token_id, sizeof(out->token_id), "%s", tid);
            out->scope = scope;
            if (!dk_store_rows_is_null(rows, 2))
                snprintf(out->repo, sizeof(out->repo), "%s", dk_store_rows_text(rows, 2, NULL));
        }
    }
    rc = ok ? DK_OK : dk_error_set(DK_ENOTFOUND, "invalid token");
out:
    dk_store_rows_free(rows);
    dk_store_release(conn);
    return rc;
}

int dk_api_token_list(dk_api_token_info **out, size_t *count, dk_engine *engine)
{
    dk_store_conn *conn;
    dk_store_rows *rows = NULL;
    dk_api_token_info *v = NULL;
    size_t n = 0, cap = 0;
    int rc;

    *out = NULL;
    *count = 0;
    if ((rc = dk_store_acquire(&conn, dk_eng_store(engine))))
        return rc;
    rc = dk_store_query(&rows, conn,
                        "SELECT id, scope, repo, label, created_at, revoked_at FROM tokens "
                        "ORDER BY created_at, id",
                        NULL, 0);
    while (rc == DK_OK && (rc = dk_store_rows_next(rows)) == 1) {
        if (n == cap) {
            cap = dk_alloc_grow(cap, n + 1);
            v = dk_xreallocarray(v, cap, sizeof(*v));
        }
        dk_api_token_info *t = &v[n++];
        memset(t, 0, sizeof(*t));
        snprintf(t->id, sizeof(t->id), "%s", dk_store_rows_text(rows, 0, NULL));
        snprintf(t->scope, sizeof(t->scope), "%s", dk_store_rows_text(rows, 1, NULL));
        if (!dk_store_rows_is_null(rows, 2))
            snprintf(t->repo, sizeof(t->repo), "%s", dk_store_rows_text(rows, 2, NULL));
        if (!dk_store_rows_is_null(rows, 3))
            snprintf(t->label, sizeof(t->label), "%s", dk_store_rows_text(rows, 3, NULL));
        t->created_ms = dk_store_rows_int(rows, 4);
        t->revoked_ms = dk_store_rows_is_null(rows, 5) ? 0 : dk_store_rows_int(rows, 5);
        rc = DK_OK;
    }
    dk_store_rows_free(rows);
    dk_store_release(conn);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *out = v;
    *count = n;
    return DK_OK;
}

int dk_api_token_revoke(dk_engine *engine, const char *id)
{
    dk_store_conn *conn;
    int64_t changes = 0;
    int rc;
    if ((rc = dk_store_acquire(&conn, dk_eng_store(engine))))
        return rc;
    dk_store_val p[] = {DK_SV_INT(auth_now_ms()), DK_SV_TEXT(id)};
    rc =
        dk_store_exec(conn, &changes,
                      "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", p, 2);
    dk_store_release(conn);
    if (rc == DK_OK && changes == 0)
        rc = dk_error_set(DK_ENOTFOUND, "no valid token '%s'", id);
    return rc;
}

/* Read <data>/admin.token (at most one line) into buf. */
static bool auth_read_file(char *buf, size_t cap, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    return n > 0;
}

int dk_api_admin_token_ensure(bool *created, dk_engine *engine, const char *data_dir)
{
    char path[4096], tmp[4200], buf[256];
    dk_api_principal p;
    int rc;

    if (created)
        *created = false;
    if ((size_t)snprintf(path, sizeof(path), "%s/admin.token", data_dir) >= sizeof(path))
        return dk_error_set(DK_EINVALID, "data directory path too long");
    if (auth_read_file(buf, sizeof(buf), path) &&
        dk_api_token_verify(&p, engine, buf, strlen(buf)) == DK_OK && p.scope == DK_API_SCOPE_ADMIN)
        return DK_OK;
    char *token = NULL;
    if ((rc = dk_api_token_create(&token, NULL, engine, DK_API_SCOPE_ADMIN, NULL, "admin.token")))
        return rc;
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        rc = dk_error_set(DK_ERROR, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    size_t len = strlen(token);
    bool ok = fchmod(fd, 0600) == 0 && write(fd, token, len) == (ssize_t)len &&
              write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        rc = dk_error_set(DK_ERROR, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (created)
        *created = true;
out:
    free(token);
    return rc;
}
