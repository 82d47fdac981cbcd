/*
 * engine/overlay.c - the session's files: write, delete, revert, read, list,
 * and the changed symbols of each path (DESIGN.md decisions 1-4).
 *
 * A change (write, delete, revert) runs in this order, under the session's
 * write_lock so one session's changes apply one at a time:
 *   1. checks that cost nothing: path (dk_path_validate: no ".git", no "..",
 *      ...), size (DK_ENGINE_MAX_FILE), mode;
 *   2. the content goes into the object database as a blob (idempotent: a
 *      crash after this leaves an unreferenced blob, never a dangling row);
 *   3. its changed symbols against the base are computed (symbol cache keyed
 *      by blob id);
 *   4. ONE store transaction: the session is still active (and its activity
 *      refreshed), the stale-overlay check (dkod §4.3), the claims
 *      (all-or-nothing: claims.c), the overlay row, the path's changed
 *      symbols, the events;
 *   5. only after the commit: memory (overlay entry + path index), the
 *      session's overlay ref (keeps the blob reachable, session.c), and the
 *      answer. A refused or failed change leaves nothing in the store or in
 *      memory.
 *
 * Changed symbols, by identity (dk_symbol.local_id = qualified name + kind +
 * occurrence): added (not at the base), deleted (not in the new content),
 * modified (the text differs). A container (class, impl, module, ...) is
 * modified only when its own text outside its members' declarations
 * changed, so two agents editing two methods of one class claim the two
 * methods, not the class. C/C++ includes are not symbols here (imports are
 * merged as sets at landing, never claimed). Content that is binary, not
 * UTF-8, of an unsupported language or with syntax errors is stored as is,
 * unparsed: no symbols, no claims.
 *
 * A write whose blob and mode equal the base's is a revert: the entry goes.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/workspace.h"
#include "util/alloc.h"
#include "util/path.h"

#include "util/banned.h"

enum ov_op {
    OV_WRITE,
    OV_DELETE,
    OV_REVERT,
};

/* ========================================================================== */
/* Changed symbols                                                            */
/* ========================================================================== */

/* Fingerprint of a symbol's own text (see the opening note). */
static uint64_t ov_fingerprint(const dk_analysis *a, size_t i, const char *src)
{
    const dk_symbol *y = &a->symbols[i];
    uint32_t start = y->span.start_byte, end = y->span.end_byte;
    if (!dk_symbol_kind_is_container(y->kind))
        return dk_hash_bytes(src + start, end - start);
    /* the text outside direct members, each piece trimmed, joined by \1 */
    dk_str own = DK_STR_INIT;
    uint32_t at = start;
    for (size_t j = i + 1; j <= a->nsymbols; j++) {
        uint32_t cut = end, resume = end;
        if (j < a->nsymbols) {
            const dk_symbol *m = &a->symbols[j];
            if (m->span.start_byte >= end)
                j = a->nsymbols;
            else if (m->parent != (int32_t)i)
                continue;
            else
                cut = m->span.start_byte, resume = m->span.end_byte;
        }
        if (cut < at)
            cut = at;
        uint32_t s = at, t = cut;
        while (s < t && (src[s] == ' ' || src[s] == '\t' || src[s] == '\n' || src[s] == '\r'))
            s++;
        while (t > s && (src[t - 1] == ' ' || src[t - 1] == '\t' || src[t - 1] == '\n' ||
                         src[t - 1] == '\r'))
            t--;
        if (t > s) {
            dk_str_add(&own, src + s, t - s);
            dk_str_addch(&own, '\1');
        }
        if (resume > at)
            at = resume;
        if (j >= a->nsymbols)
            break;
    }
    uint64_t h = dk_hash_bytes(own.ptr, own.len);
    dk_str_release(&own);
    return h;
}

/* Analyse `text` unless it is not parseable; NULL then. */
static const dk_analysis *ov_analyze(dk_engine *e, const dk_language *lang, const dk_oid *blob,
                                     const char *text, size_t len, bool need_clean)
{
    if (!lang || dk_buf_is_binary(text, len) || !dk_utf8_is_valid(text, len))
        return NULL;
    dk_analysis *a = NULL;
    if (dk_symcache_analyze(&a, NULL, dk_eng_symcache(e), lang, blob->id, DK_OID_RAWSZ, text,
                            len) != DK_OK)
        return NULL;
    if (need_clean && a->nerrors) {
        dk_analysis_unref(a);
        return NULL;
    }
    return a;
}

static int sym_cmp(const void *a, const void *b)
{
    const struct eng_sym *x = a, *y = b;
    int c = strcmp(x->qualified_name, y->qualified_name);
    return c ? c : strcmp(x->kind, y->kind);
}

static void ov_sym_push(eng_syms *out, const dk_symbol *y, dk_symbol_change ch)
{
    struct eng_sym s = {
        .qualified_name = dk_xstrdup(y->qualified_name),
        .name = dk_xstrdup(y->name),
        .kind = dk_xstrdup(dk_symbol_kind_name(y->kind)),
        .change = ch,
    };
    dk_vec_push(out, s);
}

int dk_eng_symbols_diff(eng_syms *out, bool *unparsed, dk_engine *e, const char *path,
                        const dk_oid *base_blob, const char *base, size_t base_len,
                        const dk_oid *new_blob, const char *text, size_t len)
{
    *unparsed = false;
    const dk_language *lang =
        dk_language_for_path(path, new_blob ? text : base, new_blob ? len : base_len);
    const dk_analysis *na = NULL, *ba = NULL;
    if (new_blob) {
        na = ov_analyze(e, lang, new_blob, text, len, true);
        if (!na) {
            *unparsed = true;
            return DK_OK;
        }
    }
    if (base_blob)
        ba = ov_analyze(e, lang, base_blob, base, base_len, false);
    dk_map bmap = DK_MAP_INIT_STR;
    if (ba) {
        for (size_t i = 0; i < ba->nsymbols; i++)
            if (ba->symbols[i].kind != DK_SYM_INCLUDE)
                dk_map_put(&bmap, ba->symbols[i].local_id, strlen(ba->symbols[i].local_id),
                           (void *)(uintptr_t)(i + 1), NULL);
    }
    dk_map seen = DK_MAP_INIT_STR;
    for (size_t i = 0; na && i < na->nsymbols; i++) {
        const dk_symbol *y = &na->symbols[i];
        if (y->kind == DK_SYM_INCLUDE)
            continue;
        dk_map_put(&seen, y->local_id, strlen(y->local_id), (void *)1, NULL);
        uintptr_t bi = (uintptr_t)dk_map_get(&bmap, y->local_id, strlen(y->local_id));
        if (!bi) {
            /* a base that did not parse: everything present counts as modified */
            ov_sym_push(out, y, base_blob && !ba ? DK_CHANGE_MODIFIED : DK_CHANGE_ADDED);
        } else if (ov_fingerprint(na, i, text) != ov_fingerprint(ba, bi - 1, base)) {
            ov_sym_push(out, y, DK_CHANGE_MODIFIED);
        }
    }
    for (size_t i = 0; ba && i < ba->nsymbols; i++) {
        const dk_symbol *y = &ba->symbols[i];
        if (y->kind != DK_SYM_INCLUDE && !dk_map_has(&seen, y->local_id, strlen(y->local_id)))
            ov_sym_push(out, y, DK_CHANGE_DELETED);
    }
    dk_map_release(&bmap);
    dk_map_release(&seen);
    dk_analysis_unref(na);
    dk_analysis_unref(ba);
    /* one row per (qualified name, kind): duplicates (overloads) merge */
    if (out->len > 1)
        qsort(out->items, out->len, sizeof(*out->items), sym_cmp);
    size_t w = 0;
    for (size_t r = 0; r < out->len; r++) {
        if (w && sym_cmp(&out->items[w - 1], &out->items[r]) == 0) {
            if (out->items[w - 1].change != out->items[r].change)
                out->items[w - 1].change = DK_CHANGE_MODIFIED;
            free(out->items[r].qualified_name);
            free(out->items[r].name);
            free(out->items[r].kind);
            continue;
        }
        out->items[w++] = out->items[r];
    }
    out->len = w;
    return DK_OK;
}

/* ========================================================================== */
/* Results                                                                    */
/* ========================================================================== */

void dk_write_result_free(dk_write_result *r)
{
    if (!r)
        return;
    dk_changed_symbols_free(r->symbols, r->nsymbols);
    for (size_t i = 0; i < r->nclaims; i++) {
        free(r->claims[i].path);
        free(r->claims[i].qualified_name);
        free(r->claims[i].kind);
        free(r->claims[i].holder_session);
        free(r->claims[i].holder_agent);
    }
    free(r->claims);
    free(r->stale_changeset);
    free(r->stale_agent);
    free(r);
}

void dk_changed_symbols_free(dk_changed_symbol *symbols, size_t count)
{
    if (!symbols)
        return;
    for (size_t i = 0; i < count; i++) {
        free(symbols[i].path);
        free(symbols[i].qualified_name);
        free(symbols[i].name);
        free(symbols[i].kind);
    }
    free(symbols);
}

void dk_file_free(dk_file *f)
{
    if (!f)
        return;
    free(f->content);
    free(f);
}

void dk_file_entries_free(dk_file_entry *entries, size_t count)
{
    if (!entries)
        return;
    for (size_t i = 0; i < count; i++) {
        free(entries[i].path);
        free(entries[i].other_modifiers);
    }
    free(entries);
}

static void ov_result_symbols(dk_write_result *res, const char *path, const eng_syms *syms)
{
    res->nsymbols = syms->len;
    res->symbols = dk_xcalloc(syms->len ? syms->len : 1, sizeof(*res->symbols));
    for (size_t i = 0; i < syms->len; i++) {
        res->symbols[i].path = dk_xstrdup(path);
        res->symbols[i].qualified_name = dk_xstrdup(syms->items[i].qualified_name);
        res->symbols[i].name = dk_xstrdup(syms->items[i].name);
        res->symbols[i].kind = dk_xstrdup(syms->items[i].kind);
        res->symbols[i].change = syms->items[i].change;
    }
}

/* ========================================================================== */
/* The change transaction                                                     */
/* ========================================================================== */

/* What one change will do, prepared before the transaction. */
struct ov_change {
    enum ov_op op;
    const char *path;
    /* the entry after the change: NULL when the path goes back to the base */
    struct eng_entry *entry;
    bool force;
    /* for the events */
    bool unparsed;
    /* the base it was prepared against ("" unborn) */
    const char *base_hex;
    /* set by ov_change_tx: the session's base is no longer base_hex */
    bool base_moved;
};

static void ov_syms_json(dk_str *p, const eng_syms *syms)
{
    dk_str_adds(p, ",\"symbols\":[");
    for (size_t i = 0; i < syms->len; i++) {
        if (i)
            dk_str_addch(p, ',');
        dk_str_addch(p, '{');
        dk_eng_json_str(p, "qualified_name", syms->items[i].qualified_name, false);
        dk_eng_json_str(p, "kind", syms->items[i].kind, true);
        dk_eng_json_str(p, "change", dk_symbol_change_name(syms->items[i].change), true);
        dk_str_addch(p, '}');
    }
    dk_str_addch(p, ']');
}

/* The stale-overlay check (dkod §4.3): DK_ESTALE with the competitor in res. */
static int ov_stale_tx(dk_write_result *res, dk_store_conn *conn, const char *repo, const char *sid,
                       const char *path)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(repo), DK_SV_TEXT(sid), DK_SV_TEXT(path), DK_SV_TEXT(sid),
                        DK_SV_TEXT(path)};
    int rc = dk_store_query(
        &rows, conn,
        "SELECT c.id, c.agent_name, c.state FROM changesets c WHERE c.repo = ? AND "
        "c.session_id <> ? AND c.state IN ('submitted', 'verifying', 'approved') AND EXISTS "
        "(SELECT 1 FROM overlay o WHERE o.session_id = c.session_id AND o.path = ?) AND "
        "c.updated_at > COALESCE((SELECT r.read_at FROM read_marks r WHERE r.session_id = ? AND "
        "r.path = ?), -1) ORDER BY c.updated_at, c.id LIMIT 1",
        p, 5);
    if (rc)
        return rc;
    rc = dk_store_rows_next(rows);
    if (rc == 1) {
        res->stale_changeset = dk_xstrdup(dk_store_rows_text(rows, 0, NULL));
        res->stale_agent = dk_xstrdup(dk_store_rows_text(rows, 1, NULL));
        rc = dk_error_set(DK_ESTALE,
                          "stale overlay: %s is changed by changeset %s of %s (%s) since this "
                          "session last read it; read it again, then retry",
                          path, res->stale_changeset, res->stale_agent,
                          dk_store_rows_text(rows, 2, NULL));
    }
    dk_store_rows_free(rows);
    return rc < 0 ? rc : rc == DK_ESTALE ? DK_ESTALE : DK_OK;
}

/*
 * Run one change's transaction (step 4 of the opening note). On DK_OK the
 * change is committed; on DK_ECONFLICT / DK_ESTALE `res` says why.
 */
static int ov_change_tx(dk_write_result *res, dk_engine *e, struct eng_session *s,
                        struct ov_change *ch)
{
    const char *sid = s->id, *repo = s->repo->name, *path = ch->path;
    const struct eng_entry *en = ch->entry;
    eng_syms none = DK_VEC_INIT;
    const eng_syms *syms = en ? &en->syms : &none;
    int rc;
    /*
     * The changeset id can be replaced by dk_eng_session_reload on another
     * thread (a notification from another node, a landing); it is read under
     * the session's lock into a copy of our own, never used in place.
     */
    pthread_mutex_lock(&s->lock);
    char *csid = s->changeset_id ? dk_xstrdup(s->changeset_id) : NULL;
    pthread_mutex_unlock(&s->lock);
    for (int attempt = 0;; attempt++) {
        dk_store_conn *conn;
        if ((rc = dk_eng_conn(&conn, e)))
            break;
        eng_conflicts conflicts = DK_VEC_INIT;
        eng_names acquired = DK_VEC_INIT, released = DK_VEC_INIT;
        dk_vec(struct eng_claim_req) want = DK_VEC_INIT;
        dk_map reads = DK_MAP_INIT_STR;
        int64_t now = dk_eng_now(e);
        int64_t changes = 0;
        if ((rc = dk_store_begin(conn)))
            goto attempt_out;
        dk_store_val p1[] = {DK_SV_INT(now), DK_SV_TEXT(sid), DK_SV_TEXT(ch->base_hex)};
        if ((rc = dk_store_exec(conn, &changes,
                                "UPDATE sessions SET last_active = ? WHERE id = ? AND "
                                "state = 'active' AND base_commit = ?",
                                p1, 3)))
            goto attempt_out;
        if (changes != 1) {
            int64_t active = 0;
            bool found = false;
            dk_store_val p0[] = {DK_SV_TEXT(sid)};
            rc = dk_store_query_int(&active, &found, conn,
                                    "SELECT 1 FROM sessions WHERE id = ? AND state = 'active'", p0,
                                    1);
            if (rc == DK_OK && found) {
                ch->base_moved = true;
                rc = dk_error_set(DK_ERACE, "session '%s' moved to a new base", sid);
            } else if (rc == DK_OK) {
                rc = dk_error_set(DK_ENOSESSION, "session '%s' not found or not active", sid);
            }
            goto attempt_out;
        }
        if ((rc = dk_eng_reads_flush_tx(&reads, conn, s)))
            goto attempt_out;
        if (ch->op != OV_REVERT && !ch->force && (rc = ov_stale_tx(res, conn, repo, sid, path)))
            goto attempt_out;
        for (size_t i = 0; i < syms->len; i++) {
            if (want.len &&
                strcmp(want.items[want.len - 1].qualified_name, syms->items[i].qualified_name) == 0)
                continue;
            struct eng_claim_req w = {syms->items[i].qualified_name, syms->items[i].kind};
            dk_vec_push(&want, w);
        }
        if ((rc = dk_eng_claims_sync_tx(&conflicts, &acquired, &released, e, conn, repo, sid,
                                        s->agent_name, path, want.items, want.len)))
            goto attempt_out;
        if (conflicts.len) {
            res->claims = conflicts.items;
            res->nclaims = conflicts.len;
            conflicts = (eng_conflicts)DK_VEC_INIT;
            const dk_claim_conflict *c = &res->claims[0];
            rc = dk_error_set(DK_ECONFLICT,
                              "%zu symbol(s) claimed by other sessions: '%s' in %s is held by "
                              "%s",
                              res->nclaims, c->qualified_name, c->path, c->holder_agent);
            goto attempt_out;
        }
        dk_store_val p2[] = {DK_SV_TEXT(sid), DK_SV_TEXT(path)};
        if ((rc = dk_store_exec(conn, NULL,
                                "DELETE FROM session_symbols WHERE session_id = ? AND path = ?", p2,
                                2)))
            goto attempt_out;
        if (!en) {
            rc = dk_store_exec(conn, NULL, "DELETE FROM overlay WHERE session_id = ? AND path = ?",
                               p2, 2);
        } else {
            char hex[DK_OID_HEXSZ + 1];
            dk_oid_to_hex(hex, &en->blob);
            dk_store_val p3[] = {DK_SV_TEXT(sid),
                                 DK_SV_TEXT(path),
                                 en->deleted ? DK_SV_NULL : DK_SV_TEXT(hex),
                                 DK_SV_INT(en->mode),
                                 DK_SV_INT(en->deleted ? 1 : 0),
                                 DK_SV_INT(now)};
            rc = dk_store_exec(conn, NULL,
                               "INSERT INTO overlay (session_id, path, blob_id, mode, deleted, "
                               "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, "
                               "path) DO UPDATE SET blob_id = excluded.blob_id, mode = "
                               "excluded.mode, deleted = excluded.deleted, updated_at = "
                               "excluded.updated_at",
                               p3, 6);
        }
        if (rc)
            goto attempt_out;
        for (size_t i = 0; i < syms->len && rc == DK_OK; i++) {
            const struct eng_sym *y = &syms->items[i];
            dk_store_val p4[] = {DK_SV_TEXT(sid),
                                 DK_SV_TEXT(path),
                                 DK_SV_TEXT(y->qualified_name),
                                 DK_SV_TEXT(y->name),
                                 DK_SV_TEXT(y->kind),
                                 DK_SV_TEXT(dk_symbol_change_name(y->change))};
            rc = dk_store_exec(conn, NULL,
                               "INSERT INTO session_symbols (session_id, path, qualified_name, "
                               "name, kind, change) VALUES (?, ?, ?, ?, ?, ?)",
                               p4, 6);
        }
        if (rc)
            goto attempt_out;
        /* events: the change, then the claims it took and gave back */
        dk_str payload = DK_STR_INIT;
        dk_str_addch(&payload, '{');
        dk_eng_json_str(&payload, "path", path, false);
        if (en && !en->deleted) {
            char hex[DK_OID_HEXSZ + 1];
            dk_oid_to_hex(hex, &en->blob);
            dk_eng_json_str(&payload, "blob", hex, true);
            dk_str_addf(&payload, ",\"mode\":%u,\"unparsed\":%s", en->mode,
                        ch->unparsed ? "true" : "false");
        }
        ov_syms_json(&payload, syms);
        dk_str_addch(&payload, '}');
        const char *type = ch->op == OV_WRITE    ? "file.written"
                           : ch->op == OV_DELETE ? "file.deleted"
                                                 : "file.reverted";
        rc = dk_eng_emit_tx(e, conn, repo, type, sid, s->agent_name, csid, payload.ptr, NULL);
        dk_str_release(&payload);
        if (rc == DK_OK)
            rc = dk_eng_claims_emit_tx(e, conn, repo, "claim.acquired", sid, s->agent_name, csid,
                                       path, &acquired);
        if (rc == DK_OK)
            rc = dk_eng_claims_emit_tx(e, conn, repo, "claim.released", sid, s->agent_name, csid,
                                       path, &released);
        if (rc == DK_OK)
            rc = dk_store_commit(conn);
    attempt_out:
        if (rc)
            dk_store_rollback(conn);
        dk_store_release(conn);
        dk_eng_conflicts_release(&conflicts);
        dk_eng_names_release(&acquired);
        dk_eng_names_release(&released);
        dk_vec_release(&want);
        dk_eng_reads_done(s, &reads, rc == DK_OK);
        if (rc == DK_OK || ch->base_moved || !dk_eng_retryable(rc) || attempt >= 4)
            break;
    }
    free(csid);
    if (rc == DK_OK)
        atomic_store(&s->stored_active_ms, dk_eng_now(e));
    return rc;
}

/* ========================================================================== */
/* Write, delete, revert                                                      */
/* ========================================================================== */

static int ov_check_path(const char *path)
{
    if (!path)
        return dk_error_set(DK_EINVALID, "path required");
    return dk_path_validate(path, strlen(path));
}

/* Find the session, check the caller, refresh activity. */
static int ov_session(struct eng_session **out, dk_engine *e, const dk_caller *caller,
                      const char *session_id)
{
    int rc = dk_eng_session_get_live(out, e, session_id);
    if (rc)
        return rc;
    if ((rc = dk_eng_session_check_caller(*out, caller))) {
        dk_eng_session_unref(*out);
        return rc;
    }
    dk_eng_session_touch(e, *out);
    return DK_OK;
}

/* The session's base, read under its lock (session_reload moves it after a landing). */
static void ov_base_get(struct eng_session *s, dk_oid *base, bool *unborn, char hex[41])
{
    pthread_mutex_lock(&s->lock);
    *base = s->base;
    *unborn = s->unborn;
    pthread_mutex_unlock(&s->lock);
    if (hex) {
        hex[0] = '\0';
        if (!*unborn)
            dk_oid_to_hex(hex, base);
    }
}

/* The base's entry at `path`: DK_OK with *found false when absent. */
static int ov_base_lookup(dk_oid *id, unsigned *mode, bool *found, dk_git_repo *g,
                          const dk_oid *base, bool unborn, const char *path)
{
    *found = false;
    if (unborn)
        return DK_OK;
    int rc = dk_git_file_lookup(id, mode, g, base, path);
    if (rc == DK_ENOTFOUND)
        return DK_OK;
    if (rc)
        return rc;
    if (*mode == DK_GIT_MODE_TREE)
        return dk_error_set(DK_EINVALID, "'%s' is a directory at the base", path);
    if (*mode == DK_GIT_MODE_GITLINK)
        return dk_error_set(DK_EINVALID, "'%s' is a submodule at the base", path);
    *found = true;
    return DK_OK;
}

/*
 * A file and a directory cannot share a name in the session's view: refuse
 * a write below a file ("README.md/x") or over a directory the overlay
 * added files to (the base's directories are refused by ov_base_lookup).
 */
static int ov_check_clash(dk_git_repo *g, struct eng_session *s, const dk_oid *base, bool unborn,
                          const char *path)
{
    int rc = DK_OK;
    size_t plen = strlen(path);
    for (size_t i = 0; i < plen && rc == DK_OK; i++) {
        if (path[i] != '/')
            continue;
        char *dir = dk_xstrndup(path, i);
        pthread_mutex_lock(&s->lock);
        struct eng_entry *en = dk_map_get(&s->overlay, dir, i);
        bool in_overlay = en != NULL, is_file = en && !en->deleted;
        pthread_mutex_unlock(&s->lock);
        if (!in_overlay && !unborn) {
            dk_oid id;
            unsigned mode = 0;
            int r = dk_git_file_lookup(&id, &mode, g, base, dir);
            is_file = r == DK_OK && mode != DK_GIT_MODE_TREE;
        }
        if (is_file)
            rc = dk_error_set(DK_EINVALID, "cannot write %s: '%s' is a file", path, dir);
        free(dir);
    }
    if (rc)
        return rc;
    pthread_mutex_lock(&s->lock);
    dk_map_foreach(&s->overlay, slot) {
        struct eng_entry *en = slot->value;
        if (!en->deleted && strncmp(en->path, path, plen) == 0 && en->path[plen] == '/') {
            rc = dk_error_set(DK_EINVALID, "cannot write %s: it is a directory", path);
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/*
 * The one path for write, delete and revert: prepare (blob, symbols), run
 * the transaction, mirror it in memory, answer.
 */
static int ov_change(dk_write_result **out, dk_engine *e, const dk_caller *caller,
                     const char *session_id, enum ov_op op, const char *path, const char *content,
                     size_t len, const dk_write_opts *opts)
{
    if (out)
        *out = NULL;
    int rc = ov_check_path(path);
    if (rc)
        return rc;
    if (op == OV_WRITE) {
        if (len > DK_ENGINE_MAX_FILE)
            return dk_error_set(DK_ELIMIT, "file content of %zu bytes exceeds the 50 MiB limit",
                                len);
        if (!content && len)
            return dk_error_set(DK_EINVALID, "content missing");
        if (opts && opts->version != DK_WRITE_OPTS_VERSION)
            return dk_error_set(DK_EINVALID, "write options of another version");
        unsigned m = opts ? opts->mode : 0;
        if (m && m != DK_GIT_MODE_FILE && m != DK_GIT_MODE_EXEC && m != DK_GIT_MODE_LINK)
            return dk_error_set(DK_EINVALID, "mode %o is not a file mode", m);
    }
    struct eng_session *s;
    if ((rc = ov_session(&s, e, caller, session_id)))
        return rc;
    dk_write_result *res = dk_xcalloc(1, sizeof(*res));
    dk_git_repo *g = NULL;
    struct eng_entry *en = NULL;
    char *base_text = NULL;
    size_t base_len = 0;
    pthread_mutex_lock(&s->write_lock);
    if ((rc = dk_eng_repo_acquire(&g, NULL, e, s->repo->name)))
        goto out;
    int round = 0;
again:;
    /* prepared against this base; the transaction checks it still is the base */
    dk_oid base, bid;
    bool unborn;
    char base_hex[DK_OID_HEXSZ + 1];
    ov_base_get(s, &base, &unborn, base_hex);
    unsigned bmode = 0;
    bool in_base;
    if ((rc = ov_base_lookup(&bid, &bmode, &in_base, g, &base, unborn, path)))
        goto out;
    res->is_new = !in_base;
    pthread_mutex_lock(&s->lock);
    struct eng_entry *cur = dk_map_get(&s->overlay, path, strlen(path));
    unsigned cur_mode = cur && !cur->deleted ? cur->mode : 0;
    bool has_cur = cur != NULL, cur_deleted = cur && cur->deleted;
    pthread_mutex_unlock(&s->lock);
    if (op == OV_WRITE && (rc = ov_check_clash(g, s, &base, unborn, path)))
        goto out;

    struct ov_change ch = {
        .op = op, .path = path, .force = opts && opts->force, .base_hex = base_hex};
    if (op == OV_REVERT && !has_cur) {
        rc = dk_error_set(DK_ENOTFOUND, "'%s' is not changed in this session", path);
        goto out;
    }
    if (op == OV_DELETE && (cur_deleted || (!in_base && !has_cur))) {
        rc = dk_error_set(DK_ENOTFOUND, "file not found: %s", path);
        goto out;
    }
    if (op == OV_WRITE) {
        dk_oid nid;
        if ((rc = dk_git_blob_write(&nid, g, content, len)))
            goto out;
        unsigned mode = opts && opts->mode ? opts->mode
                        : cur_mode         ? cur_mode
                        : in_base          ? bmode
                                           : DK_GIT_MODE_FILE;
        dk_oid_to_hex(res->hash, &nid);
        if (!(in_base && dk_oid_is_equal(&nid, &bid) && mode == bmode)) {
            en = dk_xcalloc(1, sizeof(*en));
            en->path = dk_xstrdup(path);
            en->blob = nid;
            en->mode = mode;
        } else if (!has_cur) {
            /* the base's own content, nothing to record */
            goto answer;
        }
    } else if (op == OV_DELETE && in_base) {
        en = dk_xcalloc(1, sizeof(*en));
        en->path = dk_xstrdup(path);
        en->deleted = true;
    }
    if (en && in_base && (rc = dk_git_blob_read(&base_text, &base_len, g, &bid)))
        goto out;
    if (en && (rc = dk_eng_symbols_diff(&en->syms, &ch.unparsed, e, path, in_base ? &bid : NULL,
                                        base_text, base_len, en->deleted ? NULL : &en->blob,
                                        content, len)))
        goto out;
    if (en && ch.unparsed && !en->deleted)
        dk_eng_entry_keep_syms(s, en, path);
    res->unparsed = ch.unparsed;
    ch.entry = en;
    rc = ov_change_tx(res, e, s, &ch);
    if (rc == DK_ERACE && ch.base_moved && round++ < 3) {
        /* a landing moved the session to a new base meanwhile: prepare again
         * (re-reading the session, in case the landing ran on another node) */
        if ((rc = dk_eng_session_reload_locked(e, s)))
            goto out;
        dk_eng_entry_free(en);
        en = NULL;
        free(base_text);
        base_text = NULL;
        base_len = 0;
        goto again;
    }
    if (rc)
        goto out;
    /* committed: mirror it */
    pthread_mutex_lock(&s->lock);
    if (en) {
        if (!ch.unparsed)
            ov_result_symbols(res, path, &en->syms);
        dk_eng_session_set_entry_locked(s, en);
        en = NULL;
    } else {
        dk_eng_session_drop_entry_locked(s, path);
    }
    pthread_mutex_unlock(&s->lock);
    /* the overlay ref follows at the next GC pass (see session.c) */
    atomic_store(&s->ref_dirty, true);
answer:
    if (!res->symbols)
        res->symbols = dk_xcalloc(1, sizeof(*res->symbols));
out:
    dk_eng_repo_release(e, s->repo->name, g);
    pthread_mutex_unlock(&s->write_lock);
    dk_eng_entry_free(en);
    free(base_text);
    dk_eng_session_unref(s);
    if (out && (rc == DK_OK || rc == DK_ECONFLICT || rc == DK_ESTALE)) {
        *out = res;
    } else {
        dk_write_result_free(res);
    }
    return rc;
}

int dk_file_write(dk_write_result **out, dk_engine *e, const dk_caller *caller,
                  const char *session_id, const char *path, const char *content, size_t len,
                  const dk_write_opts *opts)
{
    return ov_change(out, e, caller, session_id, OV_WRITE, path, content, len, opts);
}

int dk_file_delete(dk_write_result **out, dk_engine *e, const dk_caller *caller,
                   const char *session_id, const char *path)
{
    return ov_change(out, e, caller, session_id, OV_DELETE, path, NULL, 0, NULL);
}

int dk_file_revert(dk_engine *e, const dk_caller *caller, const char *session_id, const char *path)
{
    return ov_change(NULL, e, caller, session_id, OV_REVERT, path, NULL, 0, NULL);
}

/* ========================================================================== */
/* Read                                                                       */
/* ========================================================================== */

/*
 * Record that the session looked at `path` now (stale-overlay check). The
 * mark is kept in memory and written by the session's next change
 * transaction, before its stale check, or by the next GC pass: a read costs
 * no store write. A mark lost in a crash can only make a later write
 * stale-refused once more (the agent reads again), never let one through.
 */
static void ov_read_mark(dk_engine *e, struct eng_session *s, const char *path)
{
    int64_t now = dk_eng_now(e);
    pthread_mutex_lock(&s->lock);
    dk_map_put(&s->reads, path, strlen(path), (void *)(uintptr_t)now, NULL);
    pthread_mutex_unlock(&s->lock);
}

int dk_file_read(dk_file **out, dk_engine *e, const dk_caller *caller, const char *session_id,
                 const char *path)
{
    int rc = ov_check_path(path);
    if (rc)
        return rc;
    struct eng_session *s;
    if ((rc = ov_session(&s, e, caller, session_id)))
        return rc;
    /* a read that finds nothing still counts as looking */
    ov_read_mark(e, s, path);
    pthread_mutex_lock(&s->lock);
    struct eng_entry *en = dk_map_get(&s->overlay, path, strlen(path));
    bool has = en != NULL, deleted = en && en->deleted;
    dk_oid blob = en ? en->blob : (dk_oid){{0}};
    unsigned mode = en ? en->mode : 0;
    pthread_mutex_unlock(&s->lock);
    dk_file *f = NULL;
    dk_git_repo *g = NULL;
    if (deleted) {
        rc = dk_error_set(DK_ENOTFOUND, "file not found: %s (deleted in this session)", path);
        goto out;
    }
    if ((rc = dk_eng_repo_acquire(&g, NULL, e, s->repo->name)))
        goto out;
    if (!has) {
        bool found, unborn;
        dk_oid base;
        ov_base_get(s, &base, &unborn, NULL);
        if ((rc = ov_base_lookup(&blob, &mode, &found, g, &base, unborn, path)))
            goto out;
        if (!found) {
            rc = dk_error_set(DK_ENOTFOUND, "file not found: %s", path);
            goto out;
        }
    }
    f = dk_xcalloc(1, sizeof(*f));
    if ((rc = dk_git_blob_read(&f->content, &f->len, g, &blob)))
        goto out;
    dk_oid_to_hex(f->hash, &blob);
    f->mode = mode;
    f->modified_in_session = has;
out:
    dk_eng_repo_release(e, s->repo->name, g);
    dk_eng_session_unref(s);
    if (rc) {
        dk_file_free(f);
        return rc;
    }
    *out = f;
    return DK_OK;
}

/* ========================================================================== */
/* List and changes                                                           */
/* ========================================================================== */

/*
 * The base's files under `prefix`, in git order. Only the subtree of the
 * prefix's directory part is read ("src/ma" reads src/), so listing one
 * directory of a 100,000-file repository costs that directory, not the
 * repository; the caller filters by the rest of the prefix.
 */
static int ov_list_base(dk_git_files *out, dk_git_repo *g, const dk_oid *base, const char *prefix)
{
    const char *slash = strrchr(prefix, '/');
    if (!slash)
        return dk_git_files_list(out, g, base);
    size_t dlen = (size_t)(slash - prefix);
    char *dir = dk_xstrndup(prefix, dlen);
    dk_oid tree;
    unsigned mode = 0;
    int rc = dk_git_file_lookup(&tree, &mode, g, base, dir);
    if (rc == DK_ENOTFOUND || (rc == DK_OK && mode != DK_GIT_MODE_TREE)) {
        free(dir);
        return DK_OK;
    }
    size_t from = out->len;
    if (rc == DK_OK)
        rc = dk_git_files_list(out, g, &tree);
    for (size_t i = from; rc == DK_OK && i < out->len; i++) {
        dk_str full = DK_STR_INIT;
        dk_str_addf(&full, "%s/%s", dir, out->items[i].path);
        free(out->items[i].path);
        out->items[i].path = dk_str_detach(&full, NULL);
    }
    free(dir);
    return rc;
}

static int fe_cmp(const void *a, const void *b)
{
    return strcmp(((const dk_file_entry *)a)->path, ((const dk_file_entry *)b)->path);
}

int dk_file_list(dk_file_entry **out, size_t *count, dk_engine *e, const dk_caller *caller,
                 const char *session_id, const char *prefix, bool only_modified)
{
    int rc;
    if (prefix && *prefix) {
        /* a prefix is a path or a directory with a trailing '/' */
        size_t n = strlen(prefix);
        rc = dk_path_validate(prefix, n && prefix[n - 1] == '/' ? n - 1 : n);
        if (rc)
            return rc;
    }
    size_t plen = prefix ? strlen(prefix) : 0;
    struct eng_session *s;
    if ((rc = ov_session(&s, e, caller, session_id)))
        return rc;
    dk_git_files base = DK_GIT_FILES_INIT;
    dk_oid base_id;
    bool unborn;
    ov_base_get(s, &base_id, &unborn, NULL);
    if (!only_modified && !unborn) {
        dk_git_repo *g;
        if ((rc = dk_eng_repo_acquire(&g, NULL, e, s->repo->name)) == DK_OK) {
            rc = ov_list_base(&base, g, &base_id, prefix ? prefix : "");
            dk_eng_repo_release(e, s->repo->name, g);
        }
        if (rc) {
            dk_eng_session_unref(s);
            return rc;
        }
    }
    dk_vec(dk_file_entry) list = DK_VEC_INIT;
    pthread_mutex_lock(&s->lock);
    dk_vec_foreach(&base, dk_git_file *, f) {
        if (plen && strncmp(f->path, prefix, plen) != 0)
            continue;
        struct eng_entry *en = dk_map_get(&s->overlay, f->path, strlen(f->path));
        if (en && en->deleted)
            continue;
        dk_file_entry fe = {.path = dk_xstrdup(f->path),
                            .status = en ? DK_FILE_MODIFIED : DK_FILE_UNCHANGED};
        dk_vec_push(&list, fe);
    }
    dk_map_foreach(&s->overlay, slot) {
        struct eng_entry *en = slot->value;
        if (plen && strncmp(en->path, prefix, plen) != 0)
            continue;
        if (!only_modified && !en->deleted) {
            /* already listed from the base? then it was a modification */
            bool listed = false;
            if (!unborn) {
                size_t lo = 0, hi = base.len;
                while (lo < hi) {
                    size_t mid = (lo + hi) / 2;
                    int c = strcmp(base.items[mid].path, en->path);
                    if (c == 0) {
                        listed = true;
                        break;
                    }
                    if (c < 0)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
            }
            if (listed)
                continue;
        }
        if (!only_modified && en->deleted)
            continue;
        dk_file_status st = en->deleted ? DK_FILE_DELETED : DK_FILE_MODIFIED;
        dk_file_entry fe = {.path = dk_xstrdup(en->path), .status = st};
        dk_vec_push(&list, fe);
    }
    pthread_mutex_unlock(&s->lock);
    dk_git_files_release(&base);
    if (list.len > 1)
        qsort(list.items, list.len, sizeof(*list.items), fe_cmp);
    /* added vs modified: a path the base lacks was added */
    if (list.len) {
        dk_git_repo *g = NULL;
        if (dk_eng_repo_acquire(&g, NULL, e, s->repo->name) == DK_OK) {
            dk_vec_foreach(&list, dk_file_entry *, fe) {
                if (fe->status != DK_FILE_MODIFIED)
                    continue;
                dk_oid id;
                unsigned m;
                bool found = false;
                if (ov_base_lookup(&id, &m, &found, g, &base_id, unborn, fe->path) == DK_OK &&
                    !found)
                    fe->status = DK_FILE_ADDED;
            }
            dk_eng_repo_release(e, s->repo->name, g);
        }
    }
    /* other modifiers, from the path index (one look per path) */
    struct eng_repo *r = s->repo;
    dk_vec(size_t) flagged = DK_VEC_INIT;
    pthread_rwlock_rdlock(&r->idx_lock);
    for (size_t i = 0; r->paths.len && i < list.len; i++) {
        struct eng_pathset *ps =
            dk_map_get(&r->paths, list.items[i].path, strlen(list.items[i].path));
        if (ps && (ps->sessions.len > 1 || (ps->sessions.len == 1 && ps->sessions.items[0] != s)))
            dk_vec_push(&flagged, i);
    }
    pthread_rwlock_unlock(&r->idx_lock);
    size_t fi = 0;
    for (size_t i = 0; i < list.len; i++) {
        if (fi < flagged.len && flagged.items[fi] == i) {
            fi++;
            if (dk_session_describe_other_modifiers(&list.items[i].other_modifiers, e, r->name,
                                                    list.items[i].path, s->id) == DK_OK)
                continue;
        }
        list.items[i].other_modifiers = dk_xstrdup("");
    }
    dk_vec_release(&flagged);
    dk_eng_session_unref(s);
    *count = list.len;
    *out = list.items ? list.items : dk_xcalloc(1, sizeof(dk_file_entry));
    return DK_OK;
}

static int cs_cmp(const void *a, const void *b)
{
    const dk_changed_symbol *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    c = strcmp(x->qualified_name, y->qualified_name);
    return c ? c : strcmp(x->kind, y->kind);
}

int dk_session_changes(dk_changed_symbol **out, size_t *count, dk_engine *e,
                       const dk_caller *caller, const char *session_id)
{
    struct eng_session *s;
    int rc = ov_session(&s, e, caller, session_id);
    if (rc)
        return rc;
    dk_vec(dk_changed_symbol) all = DK_VEC_INIT;
    pthread_mutex_lock(&s->lock);
    dk_map_foreach(&s->overlay, slot) {
        struct eng_entry *en = slot->value;
        dk_vec_foreach(&en->syms, struct eng_sym *, y) {
            dk_changed_symbol c = {.path = dk_xstrdup(en->path),
                                   .qualified_name = dk_xstrdup(y->qualified_name),
                                   .name = dk_xstrdup(y->name),
                                   .kind = dk_xstrdup(y->kind),
                                   .change = y->change};
            dk_vec_push(&all, c);
        }
    }
    pthread_mutex_unlock(&s->lock);
    dk_eng_session_unref(s);
    if (all.len > 1)
        qsort(all.items, all.len, sizeof(*all.items), cs_cmp);
    *count = all.len;
    *out = all.items ? all.items : dk_xcalloc(1, sizeof(dk_changed_symbol));
    return DK_OK;
}

/*
 * Content that cannot be parsed keeps the session's changed symbols (and so
 * its claims) in the path as they were: copy them from the session's
 * current entry for `path` into `en` (takes s->lock).
 */
void dk_eng_entry_keep_syms(struct eng_session *s, struct eng_entry *en, const char *path)
{
    pthread_mutex_lock(&s->lock);
    const struct eng_entry *prev = dk_map_get(&s->overlay, path, strlen(path));
    for (size_t i = 0; prev && i < prev->syms.len; i++) {
        const struct eng_sym *ps = &prev->syms.items[i];
        struct eng_sym cp = {
            .qualified_name = dk_xstrdup(ps->qualified_name),
            .name = ps->name ? dk_xstrdup(ps->name) : NULL,
            .kind = dk_xstrdup(ps->kind),
            .change = ps->change,
        };
        dk_vec_push(&en->syms, cp);
    }
    pthread_mutex_unlock(&s->lock);
}
