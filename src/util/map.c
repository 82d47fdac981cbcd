/*
 * util/map.c - open-addressing hash map (khash / Valkey hashtable ideas).
 *
 *   slots: [empty][used k1][deleted][used k2][empty]...
 *
 * Invariants: cap is 0 or a power of two; filled = used + deleted slots;
 * filled <= 3/4 cap after every insert (a rehash drops tombstones). A probe
 * sequence stops at the first empty slot, so deleted slots must stay marked
 * until a rehash. Hash: FNV-1a 64 followed by a murmur finaliser, good enough
 * for path and id keys; not DoS-resistant (keys come from trusted layers).
 */
#include "util/map.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

enum { SLOT_EMPTY = 0, SLOT_USED = 1, SLOT_DELETED = 2 };

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t dk_hash_bytes(const void *ptr, size_t len)
{
    const unsigned char *p = ptr;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return mix64(h);
}

static bool slot_matches(const dk_map *m, const struct dk_map_slot *s, uint64_t hash,
                         const char *key, size_t key_len, uint64_t key_u64)
{
    if (s->state != SLOT_USED || s->hash != hash)
        return false;
    if (m->u64_keys)
        return s->key_u64 == key_u64;
    return s->key_len == key_len && (key_len == 0 || memcmp(s->key, key, key_len) == 0);
}

/* Index of the matching slot, or of the slot an insert should use. */
static size_t map_find(const dk_map *m, uint64_t hash, const char *key, size_t key_len,
                       uint64_t key_u64, bool *found)
{
    size_t mask = m->cap - 1, i = hash & mask, first_free = SIZE_MAX;
    for (;;) {
        const struct dk_map_slot *s = &m->slots[i];
        if (s->state == SLOT_EMPTY) {
            *found = false;
            return first_free != SIZE_MAX ? first_free : i;
        }
        if (s->state == SLOT_DELETED) {
            if (first_free == SIZE_MAX)
                first_free = i;
        } else if (slot_matches(m, s, hash, key, key_len, key_u64)) {
            *found = true;
            return i;
        }
        i = (i + 1) & mask;
    }
}

static void map_rehash(dk_map *m, size_t new_cap)
{
    struct dk_map_slot *old = m->slots;
    size_t old_cap = m->cap;
    m->slots = dk_xcalloc(new_cap, sizeof(*m->slots));
    m->cap = new_cap;
    m->filled = m->len;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].state != SLOT_USED)
            continue;
        size_t j = old[i].hash & (new_cap - 1);
        while (m->slots[j].state != SLOT_EMPTY)
            j = (j + 1) & (new_cap - 1);
        m->slots[j] = old[i];
    }
    free(old);
}

/* Grow (dropping tombstones) when one more filled slot would pass 3/4. */
static void map_reserve_one(dk_map *m)
{
    if (m->cap == 0 || (m->filled + 1) * 4 > m->cap * 3) {
        size_t cap = m->cap ? m->cap : 8;
        while ((m->len + 1) * 2 > cap)
            cap *= 2;
        map_rehash(m, cap);
    }
}

/* Fill free slot i (from map_find) with a new key. */
static void map_fill(dk_map *m, size_t i, uint64_t hash, const char *key, size_t key_len,
                     uint64_t key_u64, void *value)
{
    struct dk_map_slot *s = &m->slots[i];
    if (s->state == SLOT_EMPTY)
        m->filled++;
    s->state = SLOT_USED;
    s->hash = hash;
    s->key = m->u64_keys ? NULL
             : m->pooled ? dk_arena_strndup(&m->pool, key, key_len)
                         : dk_xstrndup(key, key_len);
    s->key_len = key_len;
    s->key_u64 = key_u64;
    s->value = value;
    m->len++;
}

static void map_put(dk_map *m, uint64_t hash, const char *key, size_t key_len, uint64_t key_u64,
                    void *value, void **old)
{
    map_reserve_one(m);
    bool found;
    size_t i = map_find(m, hash, key, key_len, key_u64, &found);
    struct dk_map_slot *s = &m->slots[i];
    if (found) {
        if (old)
            *old = s->value;
        s->value = value;
        return;
    }
    if (old)
        *old = NULL;
    map_fill(m, i, hash, key, key_len, key_u64, value);
}

static struct dk_map_slot *map_lookup(const dk_map *m, uint64_t hash, const char *key,
                                      size_t key_len, uint64_t key_u64)
{
    if (m->cap == 0)
        return NULL;
    bool found;
    size_t i = map_find(m, hash, key, key_len, key_u64, &found);
    return found ? &m->slots[i] : NULL;
}

static bool map_del(dk_map *m, struct dk_map_slot *s, void **old)
{
    if (!s)
        return false;
    if (old)
        *old = s->value;
    if (!m->pooled)
        free(s->key);
    s->key = NULL;
    s->value = NULL;
    s->state = SLOT_DELETED;
    m->len--;
    return true;
}

void dk_map_put(dk_map *m, const char *key, size_t key_len, void *value, void **old)
{
    dk_assert(!m->u64_keys);
    map_put(m, dk_hash_bytes(key, key_len), key, key_len, 0, value, old);
}

void **dk_map_slot(dk_map *m, const char *key, size_t key_len, bool *inserted)
{
    dk_assert(!m->u64_keys);
    uint64_t hash = dk_hash_bytes(key, key_len);
    bool found = false;
    size_t i = 0;
    if (m->cap)
        i = map_find(m, hash, key, key_len, 0, &found);
    if (!found) {
        const struct dk_map_slot *before = m->slots;
        map_reserve_one(m);
        if (m->slots != before) /* rehashed (a new table is allocated before the old is freed) */
            i = map_find(m, hash, key, key_len, 0, &found);
        map_fill(m, i, hash, key, key_len, 0, NULL);
    }
    *inserted = !found;
    return &m->slots[i].value;
}

void *dk_map_get(const dk_map *m, const char *key, size_t key_len)
{
    dk_assert(!m->u64_keys);
    struct dk_map_slot *s = map_lookup(m, dk_hash_bytes(key, key_len), key, key_len, 0);
    return s ? s->value : NULL;
}

bool dk_map_has(const dk_map *m, const char *key, size_t key_len)
{
    dk_assert(!m->u64_keys);
    return map_lookup(m, dk_hash_bytes(key, key_len), key, key_len, 0) != NULL;
}

bool dk_map_del(dk_map *m, const char *key, size_t key_len, void **old)
{
    dk_assert(!m->u64_keys);
    return map_del(m, map_lookup(m, dk_hash_bytes(key, key_len), key, key_len, 0), old);
}

void dk_map_put_u64(dk_map *m, uint64_t key, void *value, void **old)
{
    dk_assert(m->u64_keys);
    map_put(m, mix64(key), NULL, 0, key, value, old);
}

void *dk_map_get_u64(const dk_map *m, uint64_t key)
{
    dk_assert(m->u64_keys);
    struct dk_map_slot *s = map_lookup(m, mix64(key), NULL, 0, key);
    return s ? s->value : NULL;
}

bool dk_map_has_u64(const dk_map *m, uint64_t key)
{
    dk_assert(m->u64_keys);
    return map_lookup(m, mix64(key), NULL, 0, key) != NULL;
}

bool dk_map_del_u64(dk_map *m, uint64_t key, void **old)
{
    dk_assert(m->u64_keys);
    return map_del(m, map_lookup(m, mix64(key), NULL, 0, key), old);
}

void dk_map_release(dk_map *m)
{
    if (m->pooled) {
        dk_arena_release(&m->pool);
    } else {
        for (size_t i = 0; i < m->cap; i++)
            free(m->slots[i].key);
    }
    free(m->slots);
    m->slots = NULL;
    m->cap = m->len = m->filled = 0;
}
