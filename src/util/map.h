/*
 * util/map.h - an open-addressing hash map with string or u64 keys.
 *
 * Linear probing with tombstones, load factor <= 0.75, power-of-two sizes.
 * Keys: a string map copies its keys (owned by the map; NUL-free keys of any
 * length passed as ptr+len); a u64 map stores them inline. A pooled string
 * map (DK_MAP_INIT_STR_POOLED) copies them into an arena of its own instead
 * of one malloc each, freed only by dk_map_release: for maps that live for
 * one computation (a merge), not for maps that delete and re-add keys. Values are
 * `void *` owned by the caller: dk_map_release never frees them (use
 * dk_map_foreach first). Not thread-safe.
 */
#ifndef DK_UTIL_MAP_H
#define DK_UTIL_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

struct dk_map_slot {
    /* owned key bytes (string maps), NULL for an empty or deleted slot */
    char *key;
    size_t key_len;
    uint64_t key_u64;
    uint64_t hash;
    void *value;
    /* 0 empty, 1 used, 2 deleted */
    unsigned char state;
};

typedef struct dk_map {
    struct dk_map_slot *slots;
    size_t cap;
    size_t len;
    /* used + deleted slots, drives rehash */
    size_t filled;
    bool u64_keys;
    /* string keys are copied into `pool` (deleted keys' bytes stay until release) */
    bool pooled;
    dk_arena pool;
} dk_map;

#define DK_MAP_INIT_STR                                                                            \
    {                                                                                              \
        NULL, 0, 0, 0, false, false, DK_ARENA_INIT                                                 \
    }
#define DK_MAP_INIT_STR_POOLED                                                                     \
    {                                                                                              \
        NULL, 0, 0, 0, false, true, DK_ARENA_INIT                                                  \
    }
#define DK_MAP_INIT_U64                                                                            \
    {                                                                                              \
        NULL, 0, 0, 0, true, false, DK_ARENA_INIT                                                  \
    }

/** Insert or replace. @param[out] old previous value or NULL (may be NULL). */
void dk_map_put(dk_map *m, const char *key, size_t key_len, void *value, void **old);
void *dk_map_get(const dk_map *m, const char *key, size_t key_len);
bool dk_map_has(const dk_map *m, const char *key, size_t key_len);
/** Remove; returns true and the value in *old (if non-NULL) when present. */
bool dk_map_del(dk_map *m, const char *key, size_t key_len, void **old);
/**
 * Get or insert in one lookup: the value slot of `key`, added with value
 * NULL when absent (*inserted true). The table grows only when a key is
 * added, as dk_map_get followed by dk_map_put of a missing key would. The
 * pointer is valid until the next insert or release.
 */
void **dk_map_slot(dk_map *m, const char *key, size_t key_len, bool *inserted);

void dk_map_put_u64(dk_map *m, uint64_t key, void *value, void **old);
void *dk_map_get_u64(const dk_map *m, uint64_t key);
bool dk_map_has_u64(const dk_map *m, uint64_t key);
bool dk_map_del_u64(dk_map *m, uint64_t key, void **old);

/** Free the table and owned keys (a pooled map's pool); values are untouched. */
void dk_map_release(dk_map *m);

/** Iterate used slots: `dk_map_foreach(m, slot) use(slot->key, slot->value);` */
#define dk_map_foreach(m, it)                                                                      \
    for (struct dk_map_slot *it = (m)->slots; it && it < (m)->slots + (m)->cap; it++)              \
        if (it->state == 1)

uint64_t dk_hash_bytes(const void *ptr, size_t len);

#endif
