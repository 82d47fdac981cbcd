/*
 * engine/session.c - the workspace manager (the seed, session_manager.rs):
 * the sharded registry of live sessions, loading and reloading sessions
 * from the store, activity, status, listings, active ids,
 * describe_other_modifiers, read marks and overlay refs, and the two calls
 * the changeset half uses (session_view, session_reload). A session's
 * connect, resume and end (the transactions) are in lifecycle.c.
 *
 *   shards[hash(id) % 16] ── rwlock ── map id -> struct eng_session (ref'd)
 *   repo->paths ── rwlock ── map path -> {sessions whose overlay has path}
 *
 * The read path (find, view, status, list, describe) takes one shard's read
 * lock for the lookup, then the session's own mutex; there is no global
 * lock. describe_other_modifiers reads the path index, never scans
 * overlays (dkod §14 #21). Activity is refreshed by every operation (dkod
 * never refreshed it, §14 #3), in memory always and in the store at most
 * once a second (GC reads the store).
 *
 * Overlay blobs stay reachable: refs/dk/sessions/<id> points at a tree of the
 * session's overlay while it is active or stranded, rewritten at each GC
 * pass for sessions whose overlay changed, at strand and at close (repo.c).
 *
 * Ownership: the registry holds one reference per session; dk_eng_session_find
 * hands out another, dropped with dk_eng_session_unref.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "dk/log.h"

#include "engine/workspace.h"
#include "util/alloc.h"

#include "util/banned.h"

/* ========================================================================== */
/* Names                                                                      */
/* ========================================================================== */

/* A stored state name (dk_changeset_state_parse's table); an unknown one reads as draft. */
dk_changeset_state dk_eng_cs_parse(const char *name)
{
    dk_changeset_state st;
    return dk_changeset_state_parse(&st, name) == DK_OK ? st : DK_CS_DRAFT;
}

dk_session_state dk_eng_state_parse(const char *name)
{
    if (!name || strcmp(name, "active") == 0)
        return DK_SESSION_ACTIVE;
    if (strcmp(name, "stranded") == 0)
        return DK_SESSION_STRANDED;
    if (strcmp(name, "abandoned") == 0)
        return DK_SESSION_ABANDONED;
    return DK_SESSION_CLOSED;
}

/* ========================================================================== */
/* Sessions and the registry                                                  */
/* ========================================================================== */

static struct eng_shard *sess_shard(dk_engine *e, const char *id)
{
    return &e->shards[dk_hash_bytes(id, strlen(id)) % ENG_SHARDS];
}

void dk_eng_syms_release(eng_syms *syms)
{
    dk_vec_foreach(syms, struct eng_sym *, y) {
        free(y->qualified_name);
        free(y->name);
        free(y->kind);
    }
    dk_vec_release(syms);
}

void dk_eng_entry_free(struct eng_entry *en)
{
    if (!en)
        return;
    dk_eng_syms_release(&en->syms);
    free(en->path);
    free(en);
}

static void sess_free(struct eng_session *s)
{
    dk_map_foreach(&s->overlay, slot)
        dk_eng_entry_free(slot->value);
    dk_map_release(&s->overlay);
    dk_map_release(&s->reads);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->write_lock);
    free(s->id);
    free(s->agent_id);
    free(s->agent_name);
    free(s->intent);
    free(s->changeset_id);
    free(s->owner);
    free(s);
}

void dk_eng_session_unref(struct eng_session *s)
{
    if (s && atomic_fetch_sub(&s->refs, 1) == 1)
        sess_free(s);
}

int dk_eng_session_find(struct eng_session **out, dk_engine *e, const char *id)
{
    if (!id || !*id)
        return dk_error_set(DK_EINVALID, "session id required");
    struct eng_shard *sh = sess_shard(e, id);
    pthread_rwlock_rdlock(&sh->lock);
    struct eng_session *s = dk_map_get(&sh->map, id, strlen(id));
    if (s)
        atomic_fetch_add(&s->refs, 1);
    pthread_rwlock_unlock(&sh->lock);
    if (!s)
        return dk_error_set(DK_ENOSESSION, "session '%s' not found or not active", id);
    *out = s;
    return DK_OK;
}

/*
 * The live session `id` for an operation. Not in this node's registry: the
 * store says why - active (another node connected it a moment ago: loaded
 * now, any node serves any session), stranded (resume it), resumed under
 * another id, closed or abandoned, or unknown. Every answer but the first is
 * DK_ENOSESSION with that reason (dkod hid stranded behind "not found", §14 #5).
 */
int dk_eng_session_get_live(struct eng_session **out, dk_engine *e, const char *id)
{
    int rc = dk_eng_session_find(out, e, id);
    if (rc != DK_ENOSESSION)
        return rc;
    dk_store_conn *conn;
    if ((rc = dk_eng_conn(&conn, e)))
        return rc;
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(id)};
    rc =
        dk_store_query(&rows, conn, "SELECT state, superseded_by FROM sessions WHERE id = ?", p, 1);
    char *state = NULL, *sup = NULL;
    if (rc == DK_OK) {
        rc = dk_store_rows_next(rows);
        if (rc == 1) {
            state = dk_xstrdup(dk_store_rows_text(rows, 0, NULL));
            if (!dk_store_rows_is_null(rows, 1))
                sup = dk_xstrdup(dk_store_rows_text(rows, 1, NULL));
        }
        dk_store_rows_free(rows);
    }
    dk_store_release(conn);
    if (rc < 0) {
        free(state);
        return rc;
    }
    if (!state)
        rc = dk_error_set(DK_ENOSESSION, "session '%s' not found", id);
    else if (strcmp(state, "active") == 0)
        rc = (rc = dk_eng_session_reload(e, id)) ? rc : dk_eng_session_find(out, e, id);
    else if (sup)
        rc = dk_error_set(DK_ENOSESSION, "session '%s' was resumed as '%s'", id, sup);
    else if (strcmp(state, "stranded") == 0)
        rc = dk_error_set(DK_ENOSESSION,
                          "session '%s' is stranded: connect with resume_session_id to resume it",
                          id);
    else
        rc = dk_error_set(DK_ENOSESSION, "session '%s' is %s", id, state);
    free(state);
    free(sup);
    return rc;
}

/* Path index: add or remove `s` under `path`. */
static void sess_index_add(struct eng_session *s, const char *path)
{
    struct eng_repo *r = s->repo;
    pthread_rwlock_wrlock(&r->idx_lock);
    struct eng_pathset *ps = dk_map_get(&r->paths, path, strlen(path));
    if (!ps) {
        ps = dk_xcalloc(1, sizeof(*ps));
        dk_map_put(&r->paths, path, strlen(path), ps, NULL);
    }
    dk_vec_push(&ps->sessions, s);
    pthread_rwlock_unlock(&r->idx_lock);
}

static void sess_index_del(struct eng_session *s, const char *path)
{
    struct eng_repo *r = s->repo;
    pthread_rwlock_wrlock(&r->idx_lock);
    struct eng_pathset *ps = dk_map_get(&r->paths, path, strlen(path));
    if (ps) {
        for (size_t i = 0; i < ps->sessions.len; i++) {
            if (ps->sessions.items[i] == s) {
                ps->sessions.items[i] = ps->sessions.items[--ps->sessions.len];
                break;
            }
        }
        if (ps->sessions.len == 0) {
            dk_map_del(&r->paths, path, strlen(path), NULL);
            dk_vec_release(&ps->sessions);
            free(ps);
        }
    }
    pthread_rwlock_unlock(&r->idx_lock);
}

void dk_eng_session_set_entry_locked(struct eng_session *s, struct eng_entry *en)
{
    void *old = NULL;
    dk_map_put(&s->overlay, en->path, strlen(en->path), en, &old);
    if (old)
        dk_eng_entry_free(old);
    else if (s->live)
        sess_index_add(s, en->path);
}

void dk_eng_session_drop_entry_locked(struct eng_session *s, const char *path)
{
    void *old = NULL;
    if (!dk_map_del(&s->overlay, path, strlen(path), &old))
        return;
    if (s->live)
        sess_index_del(s, path);
    dk_eng_entry_free(old);
}

void dk_eng_session_clear_overlay_locked(struct eng_session *s)
{
    dk_map_foreach(&s->overlay, slot) {
        struct eng_entry *en = slot->value;
        if (s->live)
            sess_index_del(s, en->path);
        dk_eng_entry_free(en);
    }
    dk_map_release(&s->overlay);
    s->overlay = (dk_map)DK_MAP_INIT_STR;
}

/* Put `s` (with one reference for the registry) in the registry; an older
 * copy under the same id is removed. */
void dk_eng_registry_put(dk_engine *e, struct eng_session *s)
{
    struct eng_shard *sh = sess_shard(e, s->id);
    pthread_mutex_lock(&s->lock);
    s->live = true;
    dk_map_foreach(&s->overlay, slot)
        sess_index_add(s, slot->key);
    pthread_mutex_unlock(&s->lock);
    void *old = NULL;
    pthread_rwlock_wrlock(&sh->lock);
    dk_map_put(&sh->map, s->id, strlen(s->id), s, &old);
    pthread_rwlock_unlock(&sh->lock);
    if (old) {
        struct eng_session *o = old;
        pthread_mutex_lock(&o->lock);
        dk_eng_session_clear_overlay_locked(o);
        o->live = false;
        pthread_mutex_unlock(&o->lock);
        dk_eng_session_unref(o);
    } else {
        atomic_fetch_add(&e->nsessions, 1);
    }
}

void dk_eng_registry_remove(dk_engine *e, const char *id)
{
    struct eng_shard *sh = sess_shard(e, id);
    void *old = NULL;
    pthread_rwlock_wrlock(&sh->lock);
    dk_map_del(&sh->map, id, strlen(id), &old);
    pthread_rwlock_unlock(&sh->lock);
    if (!old)
        return;
    struct eng_session *s = old;
    atomic_fetch_sub(&e->nsessions, 1);
    pthread_mutex_lock(&s->lock);
    dk_eng_session_clear_overlay_locked(s);
    s->live = false;
    pthread_mutex_unlock(&s->lock);
    dk_eng_cache_evict(e, id);
    dk_eng_session_unref(s);
}

void dk_eng_sessions_free(dk_engine *e)
{
    for (size_t i = 0; i < ENG_SHARDS; i++) {
        dk_map_foreach(&e->shards[i].map, slot) {
            struct eng_session *s = slot->value;
            pthread_mutex_lock(&s->lock);
            dk_eng_session_clear_overlay_locked(s);
            s->live = false;
            pthread_mutex_unlock(&s->lock);
            dk_eng_session_unref(s);
        }
        dk_map_release(&e->shards[i].map);
        e->shards[i].map = (dk_map)DK_MAP_INIT_STR;
    }
}

/* ========================================================================== */
/* Reading a session from the store                                           */
/* ========================================================================== */

/* A session with one reference and an empty overlay; strings copied. */
struct eng_session *dk_eng_session_alloc(const char *id, const char *agent_id,
                                         const char *agent_name, const char *intent)
{
    struct eng_session *s = dk_xcalloc(1, sizeof(*s));
    atomic_init(&s->refs, 1);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->write_lock, NULL);
    s->overlay = (dk_map)DK_MAP_INIT_STR;
    s->reads = (dk_map)DK_MAP_INIT_STR;
    s->id = dk_xstrdup(id);
    s->agent_id = dk_xstrdup(agent_id);
    s->agent_name = dk_xstrdup(agent_name);
    s->intent = dk_xstrdup(intent);
    s->state = DK_SESSION_ACTIVE;
    return s;
}

/*
 * Build a session from its rows. Returns DK_OK with *out NULL when the
 * session is not active (the caller drops it from the registry).
 */
static int sess_read(struct eng_session **out, dk_engine *e, dk_store_conn *conn, const char *id)
{
    *out = NULL;
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(id)};
    int rc = dk_store_query(&rows, conn,
                            "SELECT repo, agent_id, agent_name, intent, base_commit, mode, state, "
                            "owner, changeset_id, created_at, last_active, expires_at "
                            "FROM sessions WHERE id = ?",
                            p, 1);
    if (rc)
        return rc;
    rc = dk_store_rows_next(rows);
    if (rc <= 0) {
        dk_store_rows_free(rows);
        return rc < 0 ? rc : dk_error_set(DK_ENOSESSION, "session '%s' not found", id);
    }
    if (dk_eng_state_parse(dk_store_rows_text(rows, 6, NULL)) != DK_SESSION_ACTIVE) {
        dk_store_rows_free(rows);
        return DK_OK;
    }
    struct eng_repo *repo;
    char *repo_name = dk_xstrdup(dk_store_rows_text(rows, 0, NULL));
    struct eng_session *s =
        dk_eng_session_alloc(id, dk_store_rows_text(rows, 1, NULL),
                             dk_store_rows_text(rows, 2, NULL), dk_store_rows_text(rows, 3, NULL));
    size_t blen;
    const char *base = dk_store_rows_text(rows, 4, &blen);
    s->unborn = blen != DK_OID_HEXSZ || dk_oid_from_hex(&s->base, base, blen) != DK_OK;
    const char *mode = dk_store_rows_text(rows, 5, NULL);
    s->mode =
        mode && strcmp(mode, "persistent") == 0 ? DK_SESSION_PERSISTENT : DK_SESSION_EPHEMERAL;
    s->state = DK_SESSION_ACTIVE;
    const char *owner = dk_store_rows_text(rows, 7, NULL);
    s->owner = owner ? dk_xstrdup(owner) : NULL;
    const char *cs = dk_store_rows_text(rows, 8, NULL);
    s->changeset_id = dk_xstrdup(cs ? cs : "");
    s->created_ms = dk_store_rows_int(rows, 9);
    atomic_init(&s->last_active_ms, dk_store_rows_int(rows, 10));
    atomic_init(&s->stored_active_ms, dk_store_rows_int(rows, 10));
    s->expires_ms = dk_store_rows_is_null(rows, 11) ? 0 : dk_store_rows_int(rows, 11);
    dk_store_rows_free(rows);
    rc = dk_eng_repo_find(&repo, e, repo_name);
    free(repo_name);
    if (rc)
        goto fail;
    s->repo = repo;

    if ((rc = dk_store_query(
             &rows, conn, "SELECT path, blob_id, mode, deleted FROM overlay WHERE session_id = ?",
             p, 1)))
        goto fail;
    while ((rc = dk_store_rows_next(rows)) == 1) {
        struct eng_entry *en = dk_xcalloc(1, sizeof(*en));
        en->path = dk_xstrdup(dk_store_rows_text(rows, 0, NULL));
        en->deleted = dk_store_rows_int(rows, 3) != 0;
        size_t len;
        const char *hex = dk_store_rows_text(rows, 1, &len);
        if (!en->deleted && hex)
            dk_oid_from_hex(&en->blob, hex, len);
        en->mode = en->deleted ? 0 : (unsigned)dk_store_rows_int(rows, 2);
        dk_eng_session_set_entry_locked(s, en);
    }
    dk_store_rows_free(rows);
    if (rc < 0)
        goto fail;
    if ((rc = dk_store_query(&rows, conn,
                             "SELECT path, qualified_name, name, kind, change FROM session_symbols "
                             "WHERE session_id = ? ORDER BY path, qualified_name, kind",
                             p, 1)))
        goto fail;
    while ((rc = dk_store_rows_next(rows)) == 1) {
        const char *path = dk_store_rows_text(rows, 0, NULL);
        struct eng_entry *en = dk_map_get(&s->overlay, path, strlen(path));
        if (!en)
            continue;
        const char *ch = dk_store_rows_text(rows, 4, NULL);
        struct eng_sym y = {
            .qualified_name = dk_xstrdup(dk_store_rows_text(rows, 1, NULL)),
            .name = dk_xstrdup(dk_store_rows_text(rows, 2, NULL)),
            .kind = dk_xstrdup(dk_store_rows_text(rows, 3, NULL)),
            .change = strcmp(ch, "added") == 0     ? DK_CHANGE_ADDED
                      : strcmp(ch, "deleted") == 0 ? DK_CHANGE_DELETED
                                                   : DK_CHANGE_MODIFIED,
        };
        dk_vec_push(&en->syms, y);
    }
    dk_store_rows_free(rows);
    if (rc < 0)
        goto fail;
    *out = s;
    return DK_OK;
fail:
    dk_eng_session_unref(s);
    return rc;
}

/* ========================================================================== */
/* The overlay ref (keeps overlay blobs reachable)                            */
/* ========================================================================== */

/* Remove refs/dk/sessions/<id>, if present. */
void dk_eng_ref_delete(dk_engine *e, const char *repo, const char *id)
{
    dk_git_repo *g;
    if (dk_eng_repo_acquire(&g, NULL, e, repo) != DK_OK)
        return;
    dk_str ref = DK_STR_INIT;
    dk_str_addf(&ref, "refs/dk/sessions/%s", id);
    git_reference *gr = NULL;
    if (git_reference_lookup(&gr, dk_git_repo_raw(g), ref.ptr) == 0) {
        /* a lock a killed process left: removed, tried again */
        if (git_reference_delete(gr) == GIT_ELOCKED && dk_git_ref_lock_reap(g, ref.ptr) == 1)
            git_reference_delete(gr);
        git_reference_free(gr);
    }
    dk_str_release(&ref);
    dk_eng_repo_release(e, repo, g);
}

/*
 * Point refs/dk/sessions/<id> at a tree of the session's overlay (deleted
 * entries left out), or remove it when `keep` is false or nothing is left.
 * Failures are traced, not returned: the store already committed; the next
 * write or the next start (dk_eng_sessions_load) writes the ref again.
 */
static void sess_ref_write(dk_engine *e, struct eng_session *s, bool keep)
{
    dk_vec(dk_git_edit) edits = DK_VEC_INIT;
    pthread_mutex_lock(&s->lock);
    dk_vec(char *) paths = DK_VEC_INIT;
    if (keep) {
        dk_map_foreach(&s->overlay, slot) {
            struct eng_entry *en = slot->value;
            if (en->deleted)
                continue;
            char *p = dk_xstrdup(en->path);
            dk_vec_push(&paths, p);
            dk_git_edit ed = {
                .path = p, .op = DK_GIT_EDIT_UPSERT, .id = en->blob, .mode = en->mode};
            dk_vec_push(&edits, ed);
        }
    }
    char *id = dk_xstrdup(s->id);
    char *repo = dk_xstrdup(s->repo->name);
    pthread_mutex_unlock(&s->lock);

    dk_git_repo *g = NULL;
    dk_str ref = DK_STR_INIT;
    dk_str_addf(&ref, "refs/dk/sessions/%s", id);
    if (edits.len == 0) {
        dk_eng_ref_delete(e, repo, id);
    } else if (dk_eng_repo_acquire(&g, NULL, e, repo) == DK_OK) {
        dk_oid tree;
        if (dk_git_tree_build(&tree, g, NULL, edits.items, edits.len) == DK_OK) {
            git_oid oid;
            memcpy(oid.id, tree.id, DK_OID_RAWSZ);
            git_reference *r = NULL;
            int grc;
            for (int reaped = 0;; reaped++) {
                grc = git_reference_create(&r, dk_git_repo_raw(g), ref.ptr, &oid, 1,
                                           "dk session overlay");
                /* a lock a killed process left: removed, tried again */
                if (grc != GIT_ELOCKED || reaped || dk_git_ref_lock_reap(g, ref.ptr) != 1)
                    break;
            }
            if (grc < 0)
                dk_trace(DK_TRACE_WARN, "engine", "session %s: overlay ref not written", id);
            git_reference_free(r);
        } else {
            dk_trace(DK_TRACE_WARN, "engine", "session %s: overlay tree: %s", id,
                     dk_error_last()->msg);
        }
        dk_eng_repo_release(e, repo, g);
    }
    dk_vec_foreach(&paths, char **, p)
        free(*p);
    dk_vec_release(&paths);
    dk_vec_release(&edits);
    dk_str_release(&ref);
    free(id);
    free(repo);
}

void dk_eng_session_ref_sync(dk_engine *e, struct eng_session *s)
{
    atomic_store(&s->ref_dirty, false);
    sess_ref_write(e, s, true);
}

void dk_eng_sessions_ref_sync_dirty(dk_engine *e)
{
    eng_session_vec all = DK_VEC_INIT;
    dk_eng_sessions_collect(&all, e, NULL);
    dk_vec_foreach(&all, struct eng_session **, sp) {
        bool dirty = true;
        if (atomic_compare_exchange_strong(&(*sp)->ref_dirty, &dirty, false))
            sess_ref_write(e, *sp, true);
        dk_eng_session_unref(*sp);
    }
    dk_vec_release(&all);
}

/* ---- read marks --------------------------------------------------------- */

int dk_eng_reads_flush_tx(dk_map *taken, dk_store_conn *conn, struct eng_session *s)
{
    *taken = (dk_map)DK_MAP_INIT_STR;
    pthread_mutex_lock(&s->lock);
    dk_map_foreach(&s->reads, slot)
        dk_map_put(taken, slot->key, slot->key_len, slot->value, NULL);
    pthread_mutex_unlock(&s->lock);
    int rc = DK_OK;
    dk_map_foreach(taken, slot) {
        dk_store_val p[] = {DK_SV_TEXT(s->id), DK_SV_TEXTN(slot->key, slot->key_len),
                            DK_SV_INT((int64_t)(uintptr_t)slot->value)};
        rc = dk_store_exec(conn, NULL,
                           "INSERT INTO read_marks (session_id, path, read_at) VALUES (?, ?, ?) "
                           "ON CONFLICT (session_id, path) DO UPDATE SET read_at = CASE WHEN "
                           "excluded.read_at > read_marks.read_at THEN excluded.read_at ELSE "
                           "read_marks.read_at END",
                           p, 3);
        if (rc)
            break;
    }
    return rc;
}

void dk_eng_reads_done(struct eng_session *s, dk_map *taken, bool committed)
{
    if (committed) {
        pthread_mutex_lock(&s->lock);
        dk_map_foreach(taken, slot) {
            /* a newer read since the flush stays pending */
            if (dk_map_get(&s->reads, slot->key, slot->key_len) == slot->value)
                dk_map_del(&s->reads, slot->key, slot->key_len, NULL);
        }
        pthread_mutex_unlock(&s->lock);
    }
    dk_map_release(taken);
}

void dk_eng_reads_forget(dk_engine *e, const char *session_id, int64_t upto)
{
    struct eng_session *s;
    if (dk_eng_session_find(&s, e, session_id) != DK_OK) {
        dk_error_clear(); /* not loaded here: nothing pending */
        return;
    }
    pthread_mutex_lock(&s->lock);
    dk_map keep = DK_MAP_INIT_STR;
    dk_map_foreach(&s->reads, slot) {
        if ((int64_t)(uintptr_t)slot->value > upto)
            dk_map_put(&keep, slot->key, slot->key_len, slot->value, NULL);
    }
    dk_map_release(&s->reads);
    s->reads = keep;
    pthread_mutex_unlock(&s->lock);
    dk_eng_session_unref(s);
}

void dk_eng_sessions_flush_reads(dk_engine *e)
{
    eng_session_vec all = DK_VEC_INIT;
    dk_eng_sessions_collect(&all, e, NULL);
    dk_vec_foreach(&all, struct eng_session **, sp) {
        struct eng_session *s = *sp;
        pthread_mutex_lock(&s->lock);
        size_t pending = s->reads.len;
        pthread_mutex_unlock(&s->lock);
        dk_store_conn *conn;
        if (pending && dk_eng_conn(&conn, e) == DK_OK) {
            dk_map taken = DK_MAP_INIT_STR;
            int rc = dk_store_begin(conn);
            if (rc == DK_OK && (rc = dk_eng_reads_flush_tx(&taken, conn, s)) == DK_OK)
                rc = dk_store_commit(conn);
            if (rc != DK_OK) {
                dk_store_rollback(conn);
                dk_trace(DK_TRACE_WARN, "engine", "session %s: read marks not stored: %s", s->id,
                         dk_error_last()->msg);
            }
            dk_eng_reads_done(s, &taken, rc == DK_OK);
            dk_store_release(conn);
        }
        dk_eng_session_unref(s);
    }
    dk_vec_release(&all);
}

/* ========================================================================== */
/* Load, reload, notifications                                                */
/* ========================================================================== */

int dk_eng_sessions_load(dk_engine *e)
{
    dk_store_conn *conn;
    int rc = dk_eng_conn(&conn, e);
    if (rc)
        return rc;
    dk_vec(char *) ids = DK_VEC_INIT;
    dk_store_rows *rows;
    rc = dk_store_query(&rows, conn, "SELECT id FROM sessions WHERE state = 'active'", NULL, 0);
    if (rc == DK_OK) {
        while ((rc = dk_store_rows_next(rows)) == 1)
            dk_vec_push(&ids, dk_xstrdup(dk_store_rows_text(rows, 0, NULL)));
        dk_store_rows_free(rows);
    }
    for (size_t i = 0; rc >= 0 && i < ids.len; i++) {
        struct eng_session *s = NULL;
        rc = sess_read(&s, e, conn, ids.items[i]);
        if (rc == DK_OK && s) {
            atomic_fetch_add(&s->refs, 1);
            dk_eng_registry_put(e, s);
            sess_ref_write(e, s, true);
            dk_eng_session_unref(s);
        }
    }
    dk_vec_foreach(&ids, char **, p)
        free(*p);
    dk_vec_release(&ids);
    dk_store_release(conn);
    return rc < 0 ? rc : DK_OK;
}

/*
 * Re-read `session_id` and replace the in-memory copy of `held` with it.
 * The caller holds held->write_lock, so no change of this node commits
 * between the read and the replacement (a change committed before the read
 * is in the snapshot; one after waits for the lock): an acknowledged write
 * never vanishes from memory.
 */
static int sess_reload_apply(dk_engine *e, struct eng_session *held, const char *session_id)
{
    dk_store_conn *conn;
    int rc = dk_eng_conn(&conn, e);
    if (rc)
        return rc;
    struct eng_session *fresh = NULL;
    rc = sess_read(&fresh, e, conn, session_id);
    dk_store_release(conn);
    if (rc == DK_ENOSESSION || (rc == DK_OK && !fresh)) {
        /* ended elsewhere (a landing that closed it, another node): a closed
         * or abandoned session's overlay ref goes (a stranded one keeps it) */
        if (held && dk_eng_conn(&conn, e) == DK_OK) {
            int64_t one = 0;
            bool ended = false;
            dk_store_val p[] = {DK_SV_TEXT(session_id)};
            if (dk_store_query_int(&one, &ended, conn,
                                   "SELECT 1 FROM sessions WHERE id = ? AND state IN ('closed', "
                                   "'abandoned')",
                                   p, 1) == DK_OK &&
                ended)
                dk_eng_ref_delete(e, held->repo->name, session_id);
            dk_store_release(conn);
        }
        dk_eng_registry_remove(e, session_id);
        return DK_OK;
    }
    if (rc)
        return rc;
    struct eng_session *s = held;
    if (!s) {
        if (dk_eng_session_find(&s, e, session_id) == DK_OK) {
            /* loaded meanwhile: the caller retries under its write lock */
            dk_eng_session_unref(s);
            dk_eng_session_unref(fresh);
            return dk_error_set(DK_ERACE, "session '%s' was loaded meanwhile", session_id);
        }
        /* our own reference: a concurrent reload may replace it in the registry */
        atomic_fetch_add(&fresh->refs, 1);
        dk_eng_registry_put(e, fresh);
        sess_ref_write(e, fresh, true);
        dk_eng_session_unref(fresh);
        return DK_OK;
    }
    /* update in place: callers may hold references to `s` */
    pthread_mutex_lock(&s->lock);
    free(s->changeset_id);
    s->changeset_id = fresh->changeset_id;
    fresh->changeset_id = NULL;
    free(s->intent);
    s->intent = fresh->intent;
    fresh->intent = NULL;
    s->base = fresh->base;
    s->unborn = fresh->unborn;
    s->expires_ms = fresh->expires_ms;
    dk_eng_session_clear_overlay_locked(s);
    dk_map_foreach(&fresh->overlay, slot)
        dk_eng_session_set_entry_locked(s, slot->value);
    dk_map_release(&fresh->overlay);
    fresh->overlay = (dk_map)DK_MAP_INIT_STR;
    pthread_mutex_unlock(&s->lock);
    sess_ref_write(e, s, true);
    dk_eng_session_unref(fresh);
    return DK_OK;
}

int dk_eng_session_reload_locked(dk_engine *e, struct eng_session *s)
{
    return sess_reload_apply(e, s, s->id);
}

int dk_eng_session_reload(dk_engine *e, const char *session_id)
{
    for (int attempt = 0;; attempt++) {
        struct eng_session *s = NULL;
        int rc;
        if (dk_eng_session_find(&s, e, session_id) == DK_OK) {
            pthread_mutex_lock(&s->write_lock);
            rc = sess_reload_apply(e, s, session_id);
            pthread_mutex_unlock(&s->write_lock);
            dk_eng_session_unref(s);
            return rc;
        }
        rc = sess_reload_apply(e, NULL, session_id);
        if (rc != DK_ERACE || attempt >= 8)
            return rc;
    }
}

int dk_eng_session_notify_tx(dk_engine *e, dk_store_conn *conn, const char *session_id)
{
    dk_str p = DK_STR_INIT;
    dk_str_addf(&p, "%s\t%s", e->node, session_id);
    int rc = dk_store_notify(conn, "dk_sessions", p.ptr);
    dk_str_release(&p);
    return rc;
}

void dk_eng_session_on_notify(dk_engine *e, const char *payload)
{
    const char *tab = payload ? strchr(payload, '\t') : NULL;
    if (!tab)
        return;
    size_t nlen = (size_t)(tab - payload);
    if (nlen == strlen(e->node) && memcmp(payload, e->node, nlen) == 0)
        return;
    if (dk_eng_session_reload(e, tab + 1) != DK_OK)
        dk_trace(DK_TRACE_WARN, "engine", "reload of session %s: %s", tab + 1,
                 dk_error_last()->msg);
}

/* ========================================================================== */
/* Callers, activity, views                                                   */
/* ========================================================================== */

int dk_eng_caller_ok(const char *owner, const dk_caller *caller, const char *id)
{
    if (!caller || caller->admin)
        return DK_OK;
    if (owner && caller->token_id && strcmp(owner, caller->token_id) == 0)
        return DK_OK;
    return dk_error_set(DK_EFORBIDDEN, "session '%s' belongs to another caller", id);
}

int dk_eng_session_check_caller(const struct eng_session *s, const dk_caller *caller)
{
    return dk_eng_caller_ok(s->owner, caller, s->id);
}

void dk_eng_session_touch(dk_engine *e, struct eng_session *s)
{
    int64_t now = dk_eng_now(e);
    int64_t prev = atomic_load(&s->last_active_ms);
    while (prev < now && !atomic_compare_exchange_weak(&s->last_active_ms, &prev, now))
        ;
    dk_eng_cache_touch(e, s);
    int64_t stored = atomic_load(&s->stored_active_ms);
    if (now - stored < ENG_ACTIVITY_WRITE_MS)
        return;
    if (!atomic_compare_exchange_strong(&s->stored_active_ms, &stored, now))
        return;
    dk_store_conn *conn;
    if (dk_eng_conn(&conn, e) != DK_OK)
        return;
    dk_store_val p[] = {DK_SV_INT(now), DK_SV_TEXT(s->id), DK_SV_INT(now)};
    if (dk_store_exec(conn, NULL,
                      "UPDATE sessions SET last_active = ? WHERE id = ? AND state = 'active' "
                      "AND last_active < ?",
                      p, 3) != DK_OK)
        dk_trace(DK_TRACE_WARN, "engine", "session %s: activity not stored: %s", s->id,
                 dk_error_last()->msg);
    dk_store_release(conn);
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct dk_eng_overlay_entry *)a)->path,
                  ((const struct dk_eng_overlay_entry *)b)->path);
}

int dk_eng_session_view(struct dk_eng_session_view *out, dk_engine *e, const dk_caller *caller,
                        const char *session_id)
{
    struct eng_session *s;
    int rc = dk_eng_session_get_live(&s, e, session_id);
    if (rc)
        return rc;
    if ((rc = dk_eng_session_check_caller(s, caller))) {
        dk_eng_session_unref(s);
        return rc;
    }
    dk_eng_session_touch(e, s);
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&s->lock);
    out->id = dk_xstrdup(s->id);
    out->repo = dk_xstrdup(s->repo->name);
    out->agent_id = dk_xstrdup(s->agent_id);
    out->agent_name = dk_xstrdup(s->agent_name);
    out->intent = dk_xstrdup(s->intent);
    out->changeset_id = dk_xstrdup(s->changeset_id);
    out->owner = s->owner ? dk_xstrdup(s->owner) : NULL;
    if (!s->unborn)
        out->base = s->base;
    out->state = s->state;
    out->mode = s->mode;
    out->entries = dk_xcalloc(s->overlay.len ? s->overlay.len : 1, sizeof(*out->entries));
    dk_map_foreach(&s->overlay, slot) {
        struct eng_entry *en = slot->value;
        struct dk_eng_overlay_entry *o = &out->entries[out->nentries++];
        o->path = dk_xstrdup(en->path);
        o->blob = en->blob;
        o->mode = en->mode;
        o->deleted = en->deleted;
    }
    pthread_mutex_unlock(&s->lock);
    qsort(out->entries, out->nentries, sizeof(*out->entries), entry_cmp);
    dk_eng_session_unref(s);
    return DK_OK;
}

void dk_eng_session_view_release(struct dk_eng_session_view *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nentries; i++)
        free(v->entries[i].path);
    free(v->entries);
    free(v->id);
    free(v->repo);
    free(v->agent_id);
    free(v->agent_name);
    free(v->intent);
    free(v->changeset_id);
    free(v->owner);
    memset(v, 0, sizeof(*v));
}

/* ========================================================================== */
/* Status, listings, describe_other_modifiers                                 */
/* ========================================================================== */

/*
 * The status of a session that is no longer live (stranded, closed,
 * abandoned), from its rows: an agent whose session was stranded learns it
 * here, with what it had changed. Unknown ids keep their DK_ENOSESSION.
 */
static int sess_status_ended(dk_session_info **out, dk_engine *e, const dk_caller *caller,
                             const char *id)
{
    dk_error saved = *dk_error_last();
    dk_store_conn *conn;
    int rc = dk_eng_conn(&conn, e);
    if (rc)
        return rc;
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(id)};
    rc = dk_store_query(&rows, conn,
                        "SELECT repo, agent_id, agent_name, intent, changeset_id, base_commit, "
                        "mode, state, owner, created_at, last_active FROM sessions WHERE id = ?",
                        p, 1);
    dk_session_info *info = NULL;
    if (rc == DK_OK) {
        rc = dk_store_rows_next(rows);
        if (rc == 1) {
            const char *owner = dk_store_rows_text(rows, 8, NULL);
            rc = dk_eng_caller_ok(owner, caller, id);
            if (rc == DK_OK) {
                info = dk_xcalloc(1, sizeof(*info));
                info->session_id = dk_xstrdup(id);
                info->repo = dk_xstrdup(dk_store_rows_text(rows, 0, NULL));
                info->agent_id = dk_xstrdup(dk_store_rows_text(rows, 1, NULL));
                info->agent_name = dk_xstrdup(dk_store_rows_text(rows, 2, NULL));
                info->intent = dk_xstrdup(dk_store_rows_text(rows, 3, NULL));
                const char *cs = dk_store_rows_text(rows, 4, NULL);
                info->changeset_id = dk_xstrdup(cs ? cs : "");
                snprintf(info->base_commit, sizeof(info->base_commit), "%s",
                         dk_store_rows_text(rows, 5, NULL));
                const char *mode = dk_store_rows_text(rows, 6, NULL);
                info->mode =
                    strcmp(mode, "persistent") == 0 ? DK_SESSION_PERSISTENT : DK_SESSION_EPHEMERAL;
                info->state = dk_eng_state_parse(dk_store_rows_text(rows, 7, NULL));
                info->created_ms = dk_store_rows_int(rows, 9);
                info->last_active_ms = dk_store_rows_int(rows, 10);
                int64_t now = dk_eng_now(e);
                info->elapsed_s = now > info->created_ms ? (now - info->created_ms) / 1000 : 0;
            }
        } else if (rc == 0) {
            rc = dk_error_set(saved.code, "%s", saved.msg);
        }
        dk_store_rows_free(rows);
    }
    if (info) {
        int64_t n = 0;
        bool found = false;
        rc = dk_store_query_int(&n, &found, conn,
                                "SELECT COUNT(*) FROM overlay WHERE session_id = ?", p, 1);
        info->files_changed = (size_t)n;
        if (rc == DK_OK)
            rc = dk_store_query_int(&n, &found, conn,
                                    "SELECT COUNT(*) FROM session_symbols WHERE session_id = ?", p,
                                    1);
        info->symbols_changed = (size_t)n;
        if (rc == DK_OK)
            rc = dk_eng_cs_state(&info->changeset_state, conn, info->changeset_id);
    }
    dk_store_release(conn);
    if (rc) {
        dk_session_infos_free(info, info ? 1 : 0);
        return rc;
    }
    *out = info;
    return DK_OK;
}

int dk_session_status(dk_session_info **out, dk_engine *e, const dk_caller *caller,
                      const char *session_id)
{
    struct eng_session *s;
    int rc = dk_eng_session_get_live(&s, e, session_id);
    if (rc == DK_ENOSESSION)
        return sess_status_ended(out, e, caller, session_id);
    if (rc)
        return rc;
    if ((rc = dk_eng_session_check_caller(s, caller))) {
        dk_eng_session_unref(s);
        return rc;
    }
    dk_eng_session_touch(e, s);
    dk_session_info *info = dk_xcalloc(1, sizeof(*info));
    dk_eng_info_fill(info, s, DK_CS_DRAFT, dk_eng_now(e));
    dk_eng_session_unref(s);
    dk_store_conn *conn;
    if ((rc = dk_eng_conn(&conn, e)) == DK_OK) {
        rc = dk_eng_cs_state(&info->changeset_state, conn, info->changeset_id);
        dk_store_release(conn);
    }
    if (rc) {
        dk_session_infos_free(info, 1);
        return rc;
    }
    *out = info;
    return DK_OK;
}

typedef eng_session_vec sess_vec;

void dk_eng_sessions_collect(eng_session_vec *out, dk_engine *e, const char *repo)
{
    for (size_t i = 0; i < ENG_SHARDS; i++) {
        pthread_rwlock_rdlock(&e->shards[i].lock);
        dk_map_foreach(&e->shards[i].map, slot) {
            struct eng_session *s = slot->value;
            if (repo && strcmp(s->repo->name, repo) != 0)
                continue;
            atomic_fetch_add(&s->refs, 1);
            dk_vec_push(out, s);
        }
        pthread_rwlock_unlock(&e->shards[i].lock);
    }
}

static int info_cmp(const void *a, const void *b)
{
    const dk_session_info *x = a, *y = b;
    if (x->created_ms != y->created_ms)
        return x->created_ms < y->created_ms ? -1 : 1;
    return strcmp(x->session_id, y->session_id);
}

int dk_session_list(dk_session_info **out, size_t *count, dk_engine *e, const char *repo)
{
    sess_vec all = DK_VEC_INIT;
    dk_eng_sessions_collect(&all, e, repo);
    dk_session_info *infos = dk_xcalloc(all.len ? all.len : 1, sizeof(*infos));
    int64_t now = dk_eng_now(e);
    for (size_t i = 0; i < all.len; i++) {
        dk_eng_info_fill(&infos[i], all.items[i], DK_CS_DRAFT, now);
        dk_eng_session_unref(all.items[i]);
    }
    size_t n = all.len;
    dk_vec_release(&all);
    dk_store_conn *conn;
    int rc = dk_eng_conn(&conn, e);
    for (size_t i = 0; rc == DK_OK && i < n; i++)
        rc = dk_eng_cs_state(&infos[i].changeset_state, conn, infos[i].changeset_id);
    if (rc == DK_OK)
        dk_store_release(conn);
    if (rc) {
        dk_session_infos_free(infos, n);
        return rc;
    }
    qsort(infos, n, sizeof(*infos), info_cmp);
    *out = infos;
    *count = n;
    return DK_OK;
}

void dk_session_infos_free(dk_session_info *infos, size_t count)
{
    if (!infos)
        return;
    for (size_t i = 0; i < count; i++) {
        free(infos[i].session_id);
        free(infos[i].repo);
        free(infos[i].agent_id);
        free(infos[i].agent_name);
        free(infos[i].intent);
        free(infos[i].changeset_id);
    }
    free(infos);
}

size_t dk_session_active_count(dk_engine *e, const char *repo)
{
    if (!repo)
        return atomic_load(&e->nsessions);
    size_t n = 0;
    for (size_t i = 0; i < ENG_SHARDS; i++) {
        pthread_rwlock_rdlock(&e->shards[i].lock);
        dk_map_foreach(&e->shards[i].map, slot) {
            struct eng_session *s = slot->value;
            n += strcmp(s->repo->name, repo) == 0;
        }
        pthread_rwlock_unlock(&e->shards[i].lock);
    }
    return n;
}

static int sess_by_age(const void *a, const void *b)
{
    const struct eng_session *x = *(struct eng_session *const *)a;
    const struct eng_session *y = *(struct eng_session *const *)b;
    if (x->created_ms != y->created_ms)
        return x->created_ms < y->created_ms ? -1 : 1;
    return strcmp(x->id, y->id);
}

int dk_session_active_ids(char ***ids, size_t *count, dk_engine *e, const char *repo,
                          const char *exclude_session)
{
    struct eng_repo *r;
    int rc = dk_eng_repo_find(&r, e, repo);
    if (rc)
        return rc;
    sess_vec all = DK_VEC_INIT;
    dk_eng_sessions_collect(&all, e, r->name);
    if (all.len > 1)
        qsort(all.items, all.len, sizeof(*all.items), sess_by_age);
    char **out = dk_xcalloc(all.len ? all.len : 1, sizeof(*out));
    size_t n = 0;
    dk_vec_foreach(&all, struct eng_session **, sp) {
        if (!exclude_session || strcmp((*sp)->id, exclude_session) != 0)
            out[n++] = dk_xstrdup((*sp)->id);
        dk_eng_session_unref(*sp);
    }
    dk_vec_release(&all);
    *ids = out;
    *count = n;
    return DK_OK;
}

void dk_session_ids_free(char **ids, size_t count)
{
    if (!ids)
        return;
    for (size_t i = 0; i < count; i++)
        free(ids[i]);
    free(ids);
}

int dk_session_describe_other_modifiers(char **out, dk_engine *e, const char *repo,
                                        const char *path, const char *exclude_session)
{
    struct eng_repo *r;
    int rc = dk_eng_repo_find(&r, e, repo);
    if (rc)
        return rc;
    if (!path)
        return dk_error_set(DK_EINVALID, "path required");
    sess_vec found = DK_VEC_INIT;
    pthread_rwlock_rdlock(&r->idx_lock);
    struct eng_pathset *ps = dk_map_get(&r->paths, path, strlen(path));
    if (ps) {
        dk_vec_foreach(&ps->sessions, struct eng_session **, sp) {
            if (exclude_session && strcmp((*sp)->id, exclude_session) == 0)
                continue;
            atomic_fetch_add(&(*sp)->refs, 1);
            dk_vec_push(&found, *sp);
        }
    }
    pthread_rwlock_unlock(&r->idx_lock);
    if (found.len > 1)
        qsort(found.items, found.len, sizeof(*found.items), sess_by_age);
    dk_str text = DK_STR_INIT;
    for (size_t i = 0; i < found.len; i++) {
        struct eng_session *s = found.items[i];
        pthread_mutex_lock(&s->lock);
        struct eng_entry *en = dk_map_get(&s->overlay, path, strlen(path));
        if (en) {
            if (text.len)
                dk_str_adds(&text, "; ");
            /* the seed: up to three names, ",..." when there are more */
            size_t shown = 0;
            const char *prev = NULL;
            size_t distinct = 0;
            dk_vec_foreach(&en->syms, struct eng_sym *, y) {
                if (prev && strcmp(prev, y->qualified_name) == 0)
                    continue;
                prev = y->qualified_name;
                distinct++;
                if (shown < 3) {
                    if (shown)
                        dk_str_adds(&text, ", ");
                    dk_str_adds(&text, y->qualified_name);
                    shown++;
                }
            }
            if (distinct > 3)
                dk_str_adds(&text, ",...");
            if (distinct)
                dk_str_addch(&text, ' ');
            dk_str_addf(&text, "modified by %s", s->agent_name);
        }
        pthread_mutex_unlock(&s->lock);
        dk_eng_session_unref(s);
    }
    dk_vec_release(&found);
    *out = dk_str_detach(&text, NULL);
    return DK_OK;
}
