/*
 * engine/workspace.h - what the workspace half's files (engine.c, repo.c,
 * session.c, overlay.c, claims.c, events.c, gc.c) share. Private to them:
 * the changeset half sees only engine_int.h.
 *
 *   dk_engine
 *    ├── store (the truth) ── listener thread: "dk_events" wakes watchers,
 *    │                                       "dk_sessions" reloads a session
 *    ├── repos: name -> struct eng_repo   (rwlock; never removed)
 *    │     ├── pool of dk_git_repo handles, landing mutex
 *    │     └── path index: path -> sessions whose overlay has it (rwlock)
 *    └── shards[16]: session id -> struct eng_session   (rwlock per shard)
 *          └── overlay: path -> struct eng_entry {blob, mode, deleted,
 *                                                 changed symbols}
 *
 * Invariants:
 *  1. Memory follows the store: a change is committed first, then mirrored
 *     (or the session is re-read with dk_eng_session_reload).
 *  2. A session is in its repository's path index under path P exactly when
 *     its overlay has P; both change under the session's `lock`, the index
 *     under the repository's `idx_lock` taken after it (lock order: session
 *     write_lock -> session lock -> repo idx_lock; shard locks are never held
 *     while taking another lock).
 *  3. A session is shared by reference count: the registry holds one, every
 *     caller that found it holds one for the call.
 *
 * Conventions: statics are ws_/eng_-prefixed by file; every function
 * returning int follows dk/errors.h.
 */
#ifndef DK_ENGINE_WORKSPACE_H
#define DK_ENGINE_WORKSPACE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine_int.h"
#include "store/cache.h"
#include "util/map.h"
#include "util/str.h"
#include "util/vec.h"

#define ENG_SHARDS 16

/* How often a session's last_active is written to the store at most (ms). */
#define ENG_ACTIVITY_WRITE_MS 1000
/* L2 cache touch debounce (the seed's TOUCH_DEBOUNCE). */
#define ENG_CACHE_TOUCH_MS 30000

/* ---- repositories ------------------------------------------------------- */

struct eng_repo {
    char *name;
    /* absolute path of the bare repository */
    char *path;
    /* target branch, short name */
    char *branch;
    /* idle libgit2 handles */
    pthread_mutex_t pool_lock;
    dk_vec(dk_git_repo *) pool;
    /* landings in this process, one at a time */
    pthread_mutex_t land_lock;
    /* path -> struct eng_pathset * (sessions whose overlay has the path) */
    pthread_rwlock_t idx_lock;
    dk_map paths;
};

/* Sessions changing one path (the path index's value). */
struct eng_pathset {
    dk_vec(struct eng_session *) sessions;
};

/* ---- sessions ----------------------------------------------------------- */

/* One changed symbol of a session, in one path. */
struct eng_sym {
    char *qualified_name;
    char *name;
    char *kind;
    dk_symbol_change change;
};

typedef dk_vec(struct eng_sym) eng_syms;

/* One overlay entry and the session's changed symbols in that path. */
struct eng_entry {
    char *path;
    dk_oid blob;
    unsigned mode;
    bool deleted;
    /* sorted by qualified name then kind */
    eng_syms syms;
};

struct eng_session {
    atomic_int refs;
    /* serialises the session's state-changing operations (write, delete, ...) */
    pthread_mutex_t write_lock;
    /* guards every field below that can change */
    pthread_mutex_t lock;
    char *id;
    struct eng_repo *repo;
    char *agent_id;
    char *agent_name;
    char *intent;
    char *changeset_id;
    char *owner;
    dk_oid base;
    bool unborn;
    dk_session_mode mode;
    dk_session_state state;
    int64_t created_ms;
    int64_t expires_ms;
    /* activity: memory always, store at most every ENG_ACTIVITY_WRITE_MS */
    _Atomic int64_t last_active_ms;
    _Atomic int64_t stored_active_ms;
    _Atomic int64_t cache_touched_ms;
    /* the overlay changed since refs/dk/sessions/<id> was last written */
    atomic_bool ref_dirty;
    /* read marks not yet in the store: path -> (void *)(uintptr_t)read_at;
     * written by the session's next change transaction (or a GC pass) */
    dk_map reads;
    /* path -> struct eng_entry * */
    dk_map overlay;
    /* false once it left the registry */
    bool live;
};

struct eng_shard {
    pthread_rwlock_t lock;
    /* id -> struct eng_session * (the registry's reference) */
    dk_map map;
};

/* ---- the engine --------------------------------------------------------- */

struct dk_engine {
    char *data_dir;
    char *repos_dir;
    char *node;
    dk_store *store;
    dk_symcache *symcache;
    /* the L2 workspace cache (store/cache.h; the none cache when no URL) */
    dk_cache *cache;
    int64_t idle_ttl_ms, max_ttl_ms, strand_ttl_ms, gc_interval_ms, events_window;
    int64_t (*clock_ms)(void *);
    void *clock_ud;

    pthread_rwlock_t repos_lock;
    /* name -> struct eng_repo * */
    dk_map repos;

    struct eng_shard shards[ENG_SHARDS];
    atomic_size_t nsessions;

    /* events: bumped by every notification, watchers wait on ev_cond */
    pthread_mutex_t ev_lock;
    pthread_cond_t ev_cond;
    uint64_t ev_gen;
    /* dk_events_set_notify's hook, called under ev_lock */
    dk_events_notify_cb ev_hook;
    void *ev_hook_ud;

    /* GC thread */
    pthread_t gc_thread;
    bool gc_running;
    bool gc_stop;
    pthread_mutex_t gc_lock;
    pthread_cond_t gc_cond;
    /* one GC pass at a time */
    pthread_mutex_t gc_pass_lock;

    /* the code-context index's background indexer (context_head.c) */
    struct dk_ctx_indexer *ctx_indexer;

    /* set once close starts: listener callbacks do nothing */
    atomic_bool closing;
};

/* engine.c */
int dk_eng_conn(dk_store_conn **out, dk_engine *e);
void dk_eng_cache_put(dk_engine *e, struct eng_session *s);
void dk_eng_cache_touch(dk_engine *e, struct eng_session *s);
void dk_eng_cache_evict(dk_engine *e, const char *session_id);
/* a random id, 32 hex digits in UUID form (36 chars + NUL) */
void dk_eng_new_id(char out[37]);
/* retry a whole transaction body on DK_ERACE/DK_EBUSY a few times */
bool dk_eng_retryable(int rc);

/* repo.c */
int dk_eng_repo_find(struct eng_repo **out, dk_engine *e, const char *name);
int dk_eng_repos_load(dk_engine *e);
void dk_eng_repos_free(dk_engine *e);

/* session.c */
int dk_eng_session_find(struct eng_session **out, dk_engine *e, const char *id);
/* dk_eng_session_find for an operation: loads a session another node just
 * connected; otherwise DK_ENOTFOUND saying why (stranded, resumed, closed) */
int dk_eng_session_get_live(struct eng_session **out, dk_engine *e, const char *id);
void dk_eng_session_unref(struct eng_session *s);
int dk_eng_session_check_caller(const struct eng_session *s, const dk_caller *caller);
void dk_eng_session_touch(dk_engine *e, struct eng_session *s);
void dk_eng_registry_remove(dk_engine *e, const char *id);
int dk_eng_sessions_load(dk_engine *e);
void dk_eng_sessions_free(dk_engine *e);
void dk_eng_entry_free(struct eng_entry *en);
/* unparsable content keeps the path's changed symbols: copy the session's
 * current ones for `path` into `en` (takes s->lock) */
void dk_eng_entry_keep_syms(struct eng_session *s, struct eng_entry *en, const char *path);
/* put/replace an overlay entry (takes `en`), maintaining the path index; s->lock held */
void dk_eng_session_set_entry_locked(struct eng_session *s, struct eng_entry *en);
/* drop an overlay entry, maintaining the path index; s->lock held */
void dk_eng_session_drop_entry_locked(struct eng_session *s, const char *path);
/* drop every overlay entry; s->lock held */
void dk_eng_session_clear_overlay_locked(struct eng_session *s);
/* end a session (closed/abandoned/stranded) in one transaction; see session.c */
int dk_eng_session_end(dk_engine *e, const dk_caller *caller, const char *session_id,
                       dk_session_state to, const char *reason, bool from_gc, bool *ended);
/* every live session of `repo` (NULL: all), each with a reference */
typedef dk_vec(struct eng_session *) eng_session_vec;
void dk_eng_sessions_collect(eng_session_vec *out, dk_engine *e, const char *repo);
/* point refs/dk/sessions/<id> at a tree of the overlay (or remove it when empty) */
void dk_eng_session_ref_sync(dk_engine *e, struct eng_session *s);
/* ... for every live session whose overlay changed since (GC pass, close) */
void dk_eng_sessions_ref_sync_dirty(dk_engine *e);
/* write the session's pending read marks inside the caller's transaction;
 * *taken gets a copy to drop with dk_eng_reads_done after the commit */
int dk_eng_reads_flush_tx(dk_map *taken, dk_store_conn *conn, struct eng_session *s);
void dk_eng_reads_done(struct eng_session *s, dk_map *taken, bool committed);
/* drop the session's pending read marks taken at or before `upto` (engine clock): a landing
 * cleared its stored marks, and a look from before it must not be stored after it */
void dk_eng_reads_forget(dk_engine *e, const char *session_id, int64_t upto);
/* flush every live session's pending read marks (GC pass, close) */
void dk_eng_sessions_flush_reads(dk_engine *e);
/* the notification of a changed session, sent inside a transaction */
/* dk_eng_session_reload for a session whose write_lock the caller holds */
int dk_eng_session_reload_locked(dk_engine *e, struct eng_session *s);
int dk_eng_session_notify_tx(dk_engine *e, dk_store_conn *conn, const char *session_id);
void dk_eng_session_on_notify(dk_engine *e, const char *payload);

/* session.c: what lifecycle.c shares with it */
dk_changeset_state dk_eng_cs_parse(const char *name);
dk_session_state dk_eng_state_parse(const char *name);
/* may `caller` act on a session owned by `owner`? DK_EFORBIDDEN if not */
int dk_eng_caller_ok(const char *owner, const dk_caller *caller, const char *id);
/* a session with one reference and an empty overlay; strings copied */
struct eng_session *dk_eng_session_alloc(const char *id, const char *agent_id,
                                         const char *agent_name, const char *intent);
/* put `s` (its one reference goes to the registry) in the registry */
void dk_eng_registry_put(dk_engine *e, struct eng_session *s);
/* remove refs/dk/sessions/<id>, if present */
void dk_eng_ref_delete(dk_engine *e, const char *repo, const char *id);
void dk_eng_info_fill(dk_session_info *info, struct eng_session *s, dk_changeset_state cs,
                      int64_t now);
/* the state of changeset `cs_id` (draft when there is none) */
int dk_eng_cs_state(dk_changeset_state *out, dk_store_conn *conn, const char *cs_id);

/* claims.c */
struct eng_claim_req {
    const char *qualified_name;
    const char *kind;
};
typedef dk_vec(dk_claim_conflict) eng_conflicts;
typedef dk_vec(char *) eng_names;
/*
 * Make the session's claims in `path` exactly `want` (sorted, distinct
 * qualified names): take the missing ones (refused ones go to `conflicts`),
 * release the ones no longer wanted. Inside the caller's transaction.
 * @param[out] acquired, released qualified names (may be NULL)
 */
int dk_eng_claims_sync_tx(eng_conflicts *conflicts, eng_names *acquired, eng_names *released,
                          dk_engine *e, dk_store_conn *conn, const char *repo,
                          const char *session_id, const char *agent_name, const char *path,
                          const struct eng_claim_req *want, size_t nwant);
void dk_eng_conflicts_release(eng_conflicts *c);
void dk_eng_names_release(eng_names *n);
/* claim.acquired / claim.released events for one path */
int dk_eng_claims_emit_tx(dk_engine *e, dk_store_conn *conn, const char *repo, const char *type,
                          const char *session_id, const char *agent, const char *changeset_id,
                          const char *path, const eng_names *names);

/* events.c */
/* a notification for `repo` (NULL: unknown, e.g. a payload-less one) */
void dk_eng_events_on_notify(dk_engine *e, const char *repo);
int dk_eng_events_trim(dk_engine *e, dk_store_conn *conn);

/* gc.c */
int dk_eng_gc_start(dk_engine *e);
void dk_eng_gc_stop(dk_engine *e);

/* context_head.c: the indexer thread starts at the first landing; stop joins it (cancelling a
 * build in progress); free after stop */
struct dk_ctx_indexer *dk_eng_ctx_indexer_new(void);
void dk_eng_ctx_indexer_stop(dk_engine *e);
void dk_eng_ctx_indexer_free(struct dk_ctx_indexer *ix);

/* overlay.c: the changed symbols of `path` between base and new content */
int dk_eng_symbols_diff(eng_syms *out, bool *unparsed, dk_engine *e, const char *path,
                        const dk_oid *base_blob, const char *base, size_t base_len,
                        const dk_oid *new_blob, const char *text, size_t len);
void dk_eng_syms_release(eng_syms *syms);

#endif
