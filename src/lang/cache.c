/*
 * lang/cache.c - the symbol cache: (language, content id) -> dk_analysis.
 *
 *   map: key bytes -> entry  ;  entries on an LRU list, head = most recent
 *
 * A lookup that misses parses outside the lock, then inserts; if another
 * thread inserted the same key meanwhile, its result wins and ours is
 * dropped, so every caller of one key sees one analysis. Entries hold one
 * reference; callers get their own. Eviction drops the cache's reference
 * only, so an analysis in use elsewhere stays alive.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lang/lang_int.h"
#include "util/alloc.h"
#include "util/map.h"
#include "util/str.h"

#include "util/banned.h"

struct cache_entry {
    struct cache_entry *prev, *next;
    char *key;
    size_t key_len;
    const dk_analysis *analysis;
};

struct dk_symcache {
    pthread_mutex_t lock;
    dk_map map;
    struct cache_entry *head, *tail;
    size_t max_entries;
    dk_symcache_stats stats;
};

int dk_symcache_new(dk_symcache **out, size_t max_entries)
{
    if (max_entries == 0)
        return dk_error_set(DK_EINVALID, "symbol cache needs room for at least one entry");
    dk_symcache *c = dk_xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    c->map = (dk_map)DK_MAP_INIT_STR;
    c->max_entries = max_entries;
    *out = c;
    return DK_OK;
}

static void lru_unlink(dk_symcache *c, struct cache_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(dk_symcache *c, struct cache_entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

static void entry_free(struct cache_entry *e)
{
    dk_analysis_unref(e->analysis);
    free(e->key);
    free(e);
}

void dk_symcache_free(dk_symcache *c)
{
    if (!c)
        return;
    struct cache_entry *e = c->head;
    while (e) {
        struct cache_entry *next = e->next;
        entry_free(e);
        e = next;
    }
    dk_map_release(&c->map);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static void make_key(dk_str *k, const dk_language *lang, unsigned flags, const void *key,
                     size_t key_len)
{
    dk_str_adds(k, lang->name);
    dk_str_addf(k, "%c%u%c", '\0', flags, '\0');
    dk_str_add(k, key, key_len);
}

int dk_symcache_analyze(dk_analysis **out, bool *hit, dk_symcache *c, const dk_language *lang,
                        const void *key, size_t key_len, const char *src, size_t len)
{
    return dk_symcache_analyze_ex(out, hit, c, lang, key, key_len, src, len, NULL);
}

int dk_symcache_analyze_ex(dk_analysis **out, bool *hit, dk_symcache *c, const dk_language *lang,
                           const void *key, size_t key_len, const char *src, size_t len,
                           const dk_lang_opts *opts)
{
    *out = NULL;
    if (hit)
        *hit = false;
    if (!lang)
        return dk_error_set(DK_EUNSUPPORTED, "no language given");
    dk_str k = DK_STR_INIT;
    make_key(&k, lang, opts ? opts->flags : 0, key, key_len);

    pthread_mutex_lock(&c->lock);
    struct cache_entry *e = dk_map_get(&c->map, k.ptr, k.len);
    if (e) {
        lru_unlink(c, e);
        lru_push_front(c, e);
        dk_analysis_ref(e->analysis);
        *out = (dk_analysis *)(uintptr_t)e->analysis;
        c->stats.hits++;
        pthread_mutex_unlock(&c->lock);
        dk_str_release(&k);
        if (hit)
            *hit = true;
        return DK_OK;
    }
    c->stats.misses++;
    pthread_mutex_unlock(&c->lock);

    dk_analysis *a;
    int rc = dk_lang_analyze_ex(&a, lang, src, len, opts);
    if (rc) {
        dk_str_release(&k);
        return rc;
    }

    pthread_mutex_lock(&c->lock);
    e = dk_map_get(&c->map, k.ptr, k.len);
    if (e) {
        /* another thread won the race: use its result */
        dk_analysis_unref(a);
        dk_analysis_ref(e->analysis);
        a = (dk_analysis *)(uintptr_t)e->analysis;
    } else {
        e = dk_xcalloc(1, sizeof(*e));
        e->key = dk_xstrndup(k.ptr, k.len);
        e->key_len = k.len;
        e->analysis = a;
        dk_analysis_ref(a);
        dk_map_put(&c->map, e->key, e->key_len, e, NULL);
        lru_push_front(c, e);
        while (c->map.len > c->max_entries) {
            struct cache_entry *victim = c->tail;
            lru_unlink(c, victim);
            dk_map_del(&c->map, victim->key, victim->key_len, NULL);
            entry_free(victim);
        }
    }
    c->stats.entries = c->map.len;
    pthread_mutex_unlock(&c->lock);
    dk_str_release(&k);
    *out = a;
    return DK_OK;
}

void dk_symcache_stats_get(dk_symcache_stats *out, dk_symcache *c)
{
    pthread_mutex_lock(&c->lock);
    *out = c->stats;
    out->entries = c->map.len;
    pthread_mutex_unlock(&c->lock);
}
