/*
 * engine/rebase.c - dk_session_rebase: move an active session onto a new
 * base with a new overlay, keeping its id and its changeset (how a landing
 * conflict is settled: resolve the files against the new head, rebase, submit,
 * land).
 *
 *   session S (base B, overlay O, changeset C: submitted)
 *      dk_session_rebase(S, files = every path of O resolved, onto = H)
 *   session S (base H, overlay = files against H, changed symbols and claims
 *              recomputed against H, changeset C: draft) ── submit ── land
 *
 * Fail-closed, in order (nothing is written before step 5; a refusal at any
 * step changes nothing):
 *   1. the arguments: options version, from_base, every path valid
 *      (dk_path_validate) and named once, action, mode, size cap, an
 *      expect_hash per path;
 *   2. the session is live, the caller's, active, on `from_base`, and its
 *      overlay (memory) is exactly the paths of `files` with their
 *      expect_hash (a write since the resolution was read: DK_ESTATE);
 *   3. `onto` resolves to a commit whose history contains the base;
 *   4. per path: the new base's entry (a directory or submodule there is
 *      refused), the blob, the changed symbols against the new base;
 *   5. ONE transaction: the session row moves from `from_base` to `onto`
 *      only while it is active and still on `from_base` (a conditional
 *      UPDATE that also serialises against writes on other nodes); the
 *      overlay rows in the store are still the expected ones; the changeset
 *      row is locked, then goes back to draft through the one transition
 *      function (a submit racing the rebase is ordered by that lock); read marks;
 *      claims synced per path (all or nothing: DK_ECONFLICT with every
 *      claimed symbol); overlay and session_symbols rows replaced; events
 *      (changeset.reopened, claim.*, session.rebased).
 *   6. after the commit: the session is re-read into the registry.
 * The whole call holds the session's write_lock, so no write of this node
 * interleaves; a write of another node fails its own base check afterwards
 * and prepares again against the new base (overlay.c).
 *
 * A path whose resolved content equals the new base's (blob and mode), or a
 * delete of a path absent from the new base, leaves no overlay entry.
 * Content that cannot be parsed keeps the session's changed symbols in that
 * path as they were (as a write does): its claims are not given away.
 *
 * Conventions: as overlay.c; statics are rb_-prefixed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk/log.h"

#include "engine/workspace.h"
#include "util/alloc.h"
#include "util/path.h"

#include "util/banned.h"

const char *dk_rebase_action_name(dk_rebase_action action)
{
    switch (action) {
    case DK_REBASE_WRITE:
        return "write";
    case DK_REBASE_DELETE:
        return "delete";
    case DK_REBASE_TAKE_BASE:
        return "take_base";
    }
    return "unknown";
}

/* One path, prepared before the transaction. */
struct rb_path {
    const dk_rebase_file *file;
    /* the entry on the new base; NULL: none (the path is as the new base has it) */
    struct eng_entry *entry;
};

struct rb_ctx {
    dk_engine *e;
    struct eng_session *s;
    const char *from_hex;
    char onto_hex[DK_OID_HEXSZ + 1];
    struct rb_path *paths;
    size_t npaths;
    /* the changeset id, copied under the session's lock */
    char *csid;
    /* set on DK_ECONFLICT */
    eng_conflicts conflicts;
};

static int rb_path_cmp(const void *a, const void *b)
{
    return strcmp(((const struct rb_path *)a)->file->path, ((const struct rb_path *)b)->file->path);
}

static bool rb_hash_ok(const char *h)
{
    if (!h)
        return false;
    size_t n = strlen(h);
    if (n == 0)
        return true;
    dk_oid id;
    return n == DK_OID_HEXSZ && dk_oid_from_hex(&id, h, n) == DK_OK;
}

/* Step 1: the arguments alone. */
static int rb_check_args(const dk_rebase_file *files, size_t nfiles, const dk_rebase_opts *opts)
{
    if (!opts)
        return dk_error_set(DK_EINVALID, "rebase options required (from_base)");
    if (opts->version != DK_REBASE_OPTS_VERSION)
        return dk_error_set(DK_EINVALID, "rebase options of another version");
    if (!rb_hash_ok(opts->from_base))
        return dk_error_set(DK_EINVALID, "from_base must be 40 hex digits or \"\" (unborn)");
    if (nfiles && !files)
        return dk_error_set(DK_EINVALID, "files missing");
    for (size_t i = 0; i < nfiles; i++) {
        const dk_rebase_file *f = &files[i];
        int rc;
        if (!f->path)
            return dk_error_set(DK_EINVALID, "files[%zu]: path required", i);
        if ((rc = dk_path_validate(f->path, strlen(f->path))))
            return rc;
        if (f->action != DK_REBASE_WRITE && f->action != DK_REBASE_DELETE &&
            f->action != DK_REBASE_TAKE_BASE)
            return dk_error_set(DK_EINVALID, "files[%zu]: unknown action %d", i, (int)f->action);
        if (!rb_hash_ok(f->expect_hash))
            return dk_error_set(DK_EINVALID,
                                "files[%zu]: expect_hash must be the session's blob id "
                                "(40 hex digits) or \"\" (deleted)",
                                i);
        if (f->action != DK_REBASE_WRITE)
            continue;
        if (f->len > DK_ENGINE_MAX_FILE)
            return dk_error_set(DK_ELIMIT, "file content of %zu bytes exceeds the 50 MiB limit",
                                f->len);
        if (!f->content && f->len)
            return dk_error_set(DK_EINVALID, "files[%zu]: content missing", i);
        if (f->mode && f->mode != DK_GIT_MODE_FILE && f->mode != DK_GIT_MODE_EXEC &&
            f->mode != DK_GIT_MODE_LINK)
            return dk_error_set(DK_EINVALID, "files[%zu]: mode %o is not a file mode", i, f->mode);
    }
    return DK_OK;
}

/* Step 2, in memory: active, on from_base, overlay == expectations. s->lock not held. */
static int rb_check_session(struct rb_ctx *c)
{
    struct eng_session *s = c->s;
    char hex[DK_OID_HEXSZ + 1];
    int rc = DK_OK;

    pthread_mutex_lock(&s->lock);
    hex[0] = '\0';
    if (!s->unborn)
        dk_oid_to_hex(hex, &s->base);
    if (s->state != DK_SESSION_ACTIVE) {
        rc = dk_error_set(DK_ESTATE, "session %s is %s", s->id, dk_session_state_name(s->state));
    } else if (strcmp(hex, c->from_hex) != 0) {
        rc = dk_error_set(DK_ESTATE,
                          "session %s is on base %.12s, not %.12s: read it again and resolve "
                          "against its base",
                          s->id, hex[0] ? hex : "(unborn)",
                          c->from_hex[0] ? c->from_hex : "(unborn)");
    } else if (s->overlay.len != c->npaths) {
        rc = dk_error_set(DK_ESTATE,
                          "session %s changes %zu path(s), the rebase names %zu: every changed "
                          "path needs its resolution",
                          s->id, s->overlay.len, c->npaths);
    }
    for (size_t i = 0; rc == DK_OK && i < c->npaths; i++) {
        const dk_rebase_file *f = c->paths[i].file;
        const struct eng_entry *en = dk_map_get(&s->overlay, f->path, strlen(f->path));
        char have[DK_OID_HEXSZ + 1] = "";
        if (en && !en->deleted)
            dk_oid_to_hex(have, &en->blob);
        if (!en)
            rc = dk_error_set(DK_ESTATE, "session %s does not change %s: nothing to rebase there",
                              s->id, f->path);
        else if (strcmp(have, f->expect_hash) != 0)
            rc = dk_error_set(DK_ESTATE,
                              "session %s changed %s since the resolution was made: read it "
                              "again and resolve again",
                              s->id, f->path);
    }
    if (rc == DK_OK)
        c->csid = s->changeset_id ? dk_xstrdup(s->changeset_id) : NULL;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Step 3: `onto` as a commit whose history contains the session's base. */
static int rb_resolve_onto(dk_oid *onto, dk_git_repo *g, const char *branch, struct rb_ctx *c,
                           const char *spec)
{
    int rc;
    if (spec) {
        rc = dk_git_rev_resolve(onto, g, spec);
        if (rc == DK_ENOTFOUND || rc == DK_EINVALID)
            return dk_error_set(DK_ENOTFOUND, "onto '%s' does not resolve to a commit", spec);
    } else {
        rc = dk_git_branch_read(onto, g, branch);
        if (rc == DK_OK && dk_oid_is_zero(onto))
            rc = dk_error_set(DK_ESTATE, "branch %s is unborn: nothing to rebase onto", branch);
    }
    if (rc)
        return rc;
    dk_oid_to_hex(c->onto_hex, onto);
    if (!c->from_hex[0])
        return DK_OK; /* from an unborn branch: any commit contains it */
    dk_oid from, mb;
    if ((rc = dk_oid_from_hex(&from, c->from_hex, DK_OID_HEXSZ)))
        return rc;
    rc = dk_git_merge_base(&mb, g, &from, onto);
    if (rc == DK_ENOTFOUND || (rc == DK_OK && !dk_oid_is_equal(&mb, &from)))
        return dk_error_set(DK_EINVALID, "%.12s does not contain the session's base %.12s",
                            c->onto_hex, c->from_hex);
    return rc;
}

/* Step 4 for one path: the entry on the new base, with its changed symbols. */
static int rb_prepare_path(struct rb_path *p, struct rb_ctx *c, dk_git_repo *g, const dk_oid *onto)
{
    const dk_rebase_file *f = p->file;
    dk_oid bid = {{0}}, nid;
    unsigned bmode = 0;
    char *base_text = NULL;
    size_t base_len = 0;
    bool unparsed = false;
    int rc = dk_git_file_lookup(&bid, &bmode, g, onto, f->path);
    bool in_base = rc == DK_OK;

    if (rc && rc != DK_ENOTFOUND)
        return rc;
    if (in_base && bmode == DK_GIT_MODE_TREE)
        return dk_error_set(DK_EINVALID, "'%s' is a directory at %.12s", f->path, c->onto_hex);
    if (in_base && bmode == DK_GIT_MODE_GITLINK)
        return dk_error_set(DK_EINVALID, "'%s' is a submodule at %.12s", f->path, c->onto_hex);
    p->entry = NULL;
    if (f->action == DK_REBASE_TAKE_BASE || (f->action == DK_REBASE_DELETE && !in_base))
        return DK_OK;
    struct eng_entry *en = dk_xcalloc(1, sizeof(*en));
    en->path = dk_xstrdup(f->path);
    if (f->action == DK_REBASE_DELETE) {
        en->deleted = true;
    } else {
        if ((rc = dk_git_blob_write(&nid, g, f->content ? f->content : "", f->len)))
            goto fail;
        unsigned cur_mode = 0;
        pthread_mutex_lock(&c->s->lock);
        const struct eng_entry *cur = dk_map_get(&c->s->overlay, f->path, strlen(f->path));
        if (cur && !cur->deleted)
            cur_mode = cur->mode;
        pthread_mutex_unlock(&c->s->lock);
        unsigned mode = f->mode    ? f->mode
                        : cur_mode ? cur_mode
                        : in_base  ? bmode
                                   : DK_GIT_MODE_FILE;
        if (in_base && dk_oid_is_equal(&nid, &bid) && mode == bmode) {
            dk_eng_entry_free(en);
            return DK_OK; /* the new base has it already */
        }
        en->blob = nid;
        en->mode = mode;
    }
    if (in_base && (rc = dk_git_blob_read(&base_text, &base_len, g, &bid)))
        goto fail;
    rc = dk_eng_symbols_diff(&en->syms, &unparsed, c->e, f->path, in_base ? &bid : NULL, base_text,
                             base_len, en->deleted ? NULL : &en->blob, f->content, f->len);
    free(base_text);
    if (rc)
        goto fail;
    if (unparsed && !en->deleted) /* as a write */
        dk_eng_entry_keep_syms(c->s, en, f->path);
    p->entry = en;
    return DK_OK;
fail:
    dk_eng_entry_free(en);
    return rc;
}

/* ========================================================================== */
/* The transaction                                                            */
/* ========================================================================== */

/* Step 5a: the store's overlay rows are still the ones the resolution was made from. */
static int rb_overlay_expected_tx(dk_store_conn *conn, struct rb_ctx *c)
{
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(c->s->id)};
    size_t seen = 0;
    const char *bad = NULL;
    char *bad_copy = NULL;
    int rc = dk_store_query(
        &rows, conn, "SELECT path, blob_id, deleted FROM overlay WHERE session_id = ?", p, 1);
    if (rc)
        return rc;
    while ((rc = dk_store_rows_next(rows)) == 1) {
        const char *path = dk_store_rows_text(rows, 0, NULL);
        dk_rebase_file key_file = {.path = path};
        struct rb_path key_path = {.file = &key_file};
        const struct rb_path *hit =
            c->npaths ? bsearch(&key_path, c->paths, c->npaths, sizeof(*c->paths), rb_path_cmp)
                      : NULL;
        const char *blob = dk_store_rows_int(rows, 2) ? "" : dk_store_rows_text(rows, 1, NULL);
        seen++;
        if (!hit || !blob || strcmp(blob, hit->file->expect_hash) != 0) {
            bad = path;
            break;
        }
    }
    if (bad)
        bad_copy = dk_xstrdup(bad);
    dk_store_rows_free(rows);
    if (rc < 0) {
        free(bad_copy);
        return rc;
    }
    if (bad_copy || seen != c->npaths) {
        rc = dk_error_set(DK_ESTATE,
                          "session %s changed %s since the resolution was made: read it again "
                          "and resolve again",
                          c->s->id, bad_copy ? bad_copy : "its overlay");
        free(bad_copy);
        return rc;
    }
    return DK_OK;
}

/* Step 5b: the session row moves from from_base to onto (locks the row). */
static int rb_move_base_tx(dk_store_conn *conn, struct rb_ctx *c)
{
    int64_t changes = 0;
    dk_store_val p[] = {DK_SV_TEXT(c->onto_hex), DK_SV_INT(dk_eng_now(c->e)), DK_SV_TEXT(c->s->id),
                        DK_SV_TEXT(c->from_hex)};
    int rc = dk_store_exec(conn, &changes,
                           "UPDATE sessions SET base_commit = ?, last_active = ? WHERE id = ? "
                           "AND state = 'active' AND base_commit = ?",
                           p, 4);
    if (rc || changes == 1)
        return rc;
    dk_store_rows *rows;
    dk_store_val q[] = {DK_SV_TEXT(c->s->id)};
    if ((rc = dk_store_query(&rows, conn, "SELECT state, base_commit FROM sessions WHERE id = ?", q,
                             1)))
        return rc;
    rc = dk_store_rows_next(rows);
    if (rc == 0)
        rc = dk_error_set(DK_ENOSESSION, "session '%s' not found", c->s->id);
    else if (rc == 1 && strcmp(dk_store_rows_text(rows, 0, NULL), "active") != 0)
        rc = dk_error_set(DK_ESTATE, "session %s is %s", c->s->id,
                          dk_store_rows_text(rows, 0, NULL));
    else if (rc == 1)
        rc = dk_error_set(DK_ESTATE,
                          "session %s moved to base %.12s meanwhile: read it again and resolve "
                          "against its base",
                          c->s->id, dk_store_rows_text(rows, 1, NULL));
    dk_store_rows_free(rows);
    return rc;
}

/*
 * Step 5c: the changeset back to draft (through the one transition
 * function), on the new base. Its row is locked first and its state read
 * under the lock, as a submit of this session does: a submit that
 * committed first is reopened here; one that comes after waits for this
 * transaction and then finds the session on the new base (refused).
 */
static int rb_changeset_tx(dk_store_conn *conn, struct rb_ctx *c, bool *reopened)
{
    dk_changeset_state cur;
    int rc;
    *reopened = false;
    if (!c->csid)
        return DK_OK;
    if ((rc = dk_eng_changeset_lock_tx(&cur, c->e, conn, c->csid)))
        return rc;
    if (cur != DK_CS_DRAFT) {
        char reason[80];
        snprintf(reason, sizeof(reason), "rebased onto %.12s", c->onto_hex);
        if ((rc = dk_eng_changeset_transition_tx(NULL, c->e, conn, c->csid, DK_CS_DRAFT, reason)))
            return rc;
        *reopened = true;
        dk_str payload = DK_STR_INIT;
        dk_str_addch(&payload, '{');
        dk_eng_json_str(&payload, "from", dk_changeset_state_name(cur), false);
        dk_eng_json_str(&payload, "reason", reason, true);
        dk_str_addch(&payload, '}');
        rc = dk_eng_emit_tx(c->e, conn, c->s->repo->name, "changeset.reopened", c->s->id,
                            c->s->agent_name, c->csid, payload.ptr, NULL);
        dk_str_release(&payload);
        if (rc)
            return rc;
    }
    dk_store_val p[] = {DK_SV_TEXT(c->onto_hex), DK_SV_INT(dk_eng_now(c->e)), DK_SV_TEXT(c->csid)};
    return dk_store_exec(
        conn, NULL, "UPDATE changesets SET base_commit = ?, updated_at = ? WHERE id = ?", p, 3);
}

/* Step 5d: claims of every path synced to its new changed symbols; conflicts collected. */
static int rb_claims_tx(dk_store_conn *conn, struct rb_ctx *c)
{
    struct eng_session *s = c->s;
    const char *repo = s->repo->name;
    int rc = DK_OK;
    for (size_t i = 0; rc == DK_OK && i < c->npaths; i++) {
        const struct rb_path *p = &c->paths[i];
        eng_names acquired = DK_VEC_INIT, released = DK_VEC_INIT;
        dk_vec(struct eng_claim_req) want = DK_VEC_INIT;
        for (size_t j = 0; p->entry && j < p->entry->syms.len; j++) {
            const struct eng_sym *y = &p->entry->syms.items[j];
            if (want.len && strcmp(want.items[want.len - 1].qualified_name, y->qualified_name) == 0)
                continue;
            struct eng_claim_req w = {y->qualified_name, y->kind};
            dk_vec_push(&want, w);
        }
        rc = dk_eng_claims_sync_tx(&c->conflicts, &acquired, &released, c->e, conn, repo, s->id,
                                   s->agent_name, p->file->path, want.items, want.len);
        if (rc == DK_OK)
            rc = dk_eng_claims_emit_tx(c->e, conn, repo, "claim.acquired", s->id, s->agent_name,
                                       c->csid, p->file->path, &acquired);
        if (rc == DK_OK)
            rc = dk_eng_claims_emit_tx(c->e, conn, repo, "claim.released", s->id, s->agent_name,
                                       c->csid, p->file->path, &released);
        dk_eng_names_release(&acquired);
        dk_eng_names_release(&released);
        dk_vec_release(&want);
    }
    if (rc == DK_OK && c->conflicts.len) {
        const dk_claim_conflict *x = &c->conflicts.items[0];
        rc = dk_error_set(DK_ECONFLICT,
                          "%zu symbol(s) claimed by other sessions: '%s' in %s is held by %s",
                          c->conflicts.len, x->qualified_name, x->path, x->holder_agent);
    }
    return rc;
}

/* Step 5e: the overlay and session_symbols rows become the prepared entries. */
static int rb_overlay_tx(dk_store_conn *conn, struct rb_ctx *c)
{
    const char *sid = c->s->id;
    int64_t now = dk_eng_now(c->e);
    dk_store_val pid[] = {DK_SV_TEXT(sid)};
    int rc;
    if ((rc = dk_store_exec(conn, NULL, "DELETE FROM session_symbols WHERE session_id = ?", pid,
                            1)) ||
        (rc = dk_store_exec(conn, NULL, "DELETE FROM overlay WHERE session_id = ?", pid, 1)))
        return rc;
    for (size_t i = 0; rc == DK_OK && i < c->npaths; i++) {
        const struct eng_entry *en = c->paths[i].entry;
        if (!en)
            continue;
        char hex[DK_OID_HEXSZ + 1];
        dk_oid_to_hex(hex, &en->blob);
        dk_store_val p[] = {DK_SV_TEXT(sid),
                            DK_SV_TEXT(en->path),
                            en->deleted ? DK_SV_NULL : DK_SV_TEXT(hex),
                            DK_SV_INT(en->mode),
                            DK_SV_INT(en->deleted ? 1 : 0),
                            DK_SV_INT(now)};
        rc = dk_store_exec(conn, NULL,
                           "INSERT INTO overlay (session_id, path, blob_id, mode, deleted, "
                           "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                           p, 6);
        for (size_t j = 0; rc == DK_OK && j < en->syms.len; j++) {
            const struct eng_sym *y = &en->syms.items[j];
            dk_store_val q[] = {DK_SV_TEXT(sid),
                                DK_SV_TEXT(en->path),
                                DK_SV_TEXT(y->qualified_name),
                                DK_SV_TEXT(y->name),
                                DK_SV_TEXT(y->kind),
                                DK_SV_TEXT(dk_symbol_change_name(y->change))};
            rc = dk_store_exec(conn, NULL,
                               "INSERT INTO session_symbols (session_id, path, qualified_name, "
                               "name, kind, change) VALUES (?, ?, ?, ?, ?, ?)",
                               q, 6);
        }
    }
    return rc;
}

static int rb_event_tx(dk_store_conn *conn, struct rb_ctx *c, bool reopened)
{
    dk_str payload = DK_STR_INIT;
    dk_str_addch(&payload, '{');
    dk_eng_json_str(&payload, "from", c->from_hex, false);
    dk_eng_json_str(&payload, "onto", c->onto_hex, true);
    dk_str_addf(&payload, ",\"reopened\":%s,\"files\":[", reopened ? "true" : "false");
    for (size_t i = 0; i < c->npaths; i++) {
        const struct rb_path *p = &c->paths[i];
        dk_str_adds(&payload, i ? ",{" : "{");
        dk_eng_json_str(&payload, "path", p->file->path, false);
        dk_eng_json_str(&payload, "action", dk_rebase_action_name(p->file->action), true);
        dk_str_addf(&payload, ",\"entry\":%s}", p->entry ? "true" : "false");
    }
    dk_str_adds(&payload, "]}");
    int rc = dk_eng_emit_tx(c->e, conn, c->s->repo->name, "session.rebased", c->s->id,
                            c->s->agent_name, c->csid, payload.ptr, NULL);
    dk_str_release(&payload);
    return rc;
}

static int rb_tx(struct rb_ctx *c)
{
    int rc;
    for (int attempt = 0;; attempt++) {
        dk_store_conn *conn;
        dk_map reads = DK_MAP_INIT_STR;
        bool reopened = false;
        dk_eng_conflicts_release(&c->conflicts);
        if ((rc = dk_eng_conn(&conn, c->e)))
            return rc;
        if ((rc = dk_store_begin(conn)) == DK_OK && (rc = rb_move_base_tx(conn, c)) == DK_OK &&
            (rc = rb_overlay_expected_tx(conn, c)) == DK_OK &&
            (rc = rb_changeset_tx(conn, c, &reopened)) == DK_OK &&
            (rc = dk_eng_reads_flush_tx(&reads, conn, c->s)) == DK_OK &&
            (rc = rb_claims_tx(conn, c)) == DK_OK && (rc = rb_overlay_tx(conn, c)) == DK_OK &&
            (rc = rb_event_tx(conn, c, reopened)) == DK_OK)
            rc = dk_store_commit(conn);
        if (rc)
            dk_store_rollback(conn);
        dk_store_release(conn);
        dk_eng_reads_done(c->s, &reads, rc == DK_OK);
        if (rc == DK_OK || !dk_eng_retryable(rc) || attempt >= 4)
            return rc;
    }
}

/* ========================================================================== */
/* The call                                                                   */
/* ========================================================================== */

static void rb_result(dk_write_result *res, struct rb_ctx *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->npaths; i++)
        n += c->paths[i].entry ? c->paths[i].entry->syms.len : 0;
    res->symbols = dk_xcalloc(n ? n : 1, sizeof(*res->symbols));
    for (size_t i = 0; i < c->npaths; i++) {
        const struct eng_entry *en = c->paths[i].entry;
        for (size_t j = 0; en && j < en->syms.len; j++) {
            dk_changed_symbol *y = &res->symbols[res->nsymbols++];
            y->path = dk_xstrdup(en->path);
            y->qualified_name = dk_xstrdup(en->syms.items[j].qualified_name);
            y->name = en->syms.items[j].name ? dk_xstrdup(en->syms.items[j].name) : NULL;
            y->kind = dk_xstrdup(en->syms.items[j].kind);
            y->change = en->syms.items[j].change;
        }
    }
}

int dk_session_rebase(dk_write_result **out, dk_engine *e, const dk_caller *caller,
                      const char *session_id, const dk_rebase_file *files, size_t nfiles,
                      const dk_rebase_opts *opts)
{
    struct rb_ctx c = {.e = e, .conflicts = DK_VEC_INIT};
    dk_git_repo *g = NULL;
    const char *branch = NULL;
    dk_oid onto;
    int rc;

    if (out)
        *out = NULL;
    if ((rc = rb_check_args(files, nfiles, opts)))
        return rc;
    c.from_hex = opts->from_base;
    c.npaths = nfiles;
    c.paths = dk_xcalloc(nfiles ? nfiles : 1, sizeof(*c.paths));
    for (size_t i = 0; i < nfiles; i++)
        c.paths[i].file = &files[i];
    qsort(c.paths, nfiles, sizeof(*c.paths), rb_path_cmp);
    for (size_t i = 1; i < nfiles; i++) {
        if (strcmp(c.paths[i - 1].file->path, c.paths[i].file->path) == 0) {
            rc = dk_error_set(DK_EINVALID, "path %s is named twice", c.paths[i].file->path);
            free(c.paths);
            return rc;
        }
    }
    if ((rc = dk_eng_session_get_live(&c.s, e, session_id))) {
        free(c.paths);
        return rc;
    }
    if ((rc = dk_eng_session_check_caller(c.s, caller))) {
        dk_eng_session_unref(c.s);
        free(c.paths);
        return rc;
    }
    dk_eng_session_touch(e, c.s);
    pthread_mutex_lock(&c.s->write_lock);
    if ((rc = rb_check_session(&c)) ||
        (rc = dk_eng_repo_acquire(&g, &branch, e, c.s->repo->name)) ||
        (rc = rb_resolve_onto(&onto, g, branch, &c, opts->onto)))
        goto out;
    if (strcmp(c.onto_hex, c.from_hex) == 0) {
        rc = dk_error_set(DK_ESTATE, "session %s is on %.12s already: nothing to rebase", c.s->id,
                          c.onto_hex);
        goto out;
    }
    for (size_t i = 0; i < c.npaths; i++)
        if ((rc = rb_prepare_path(&c.paths[i], &c, g, &onto)))
            goto out;
    if ((rc = rb_tx(&c)))
        goto out;
    /* committed: the registry follows the store */
    atomic_store(&c.s->stored_active_ms, dk_eng_now(e));
    atomic_store(&c.s->ref_dirty, true);
    if (dk_eng_session_reload_locked(e, c.s) != DK_OK)
        dk_trace(DK_TRACE_WARN, "engine", "reload of session %s after rebase: %s", c.s->id,
                 dk_error_last()->msg);
out:
    if (out && (rc == DK_OK || rc == DK_ECONFLICT)) {
        dk_write_result *res = dk_xcalloc(1, sizeof(*res));
        if (rc == DK_OK) {
            rb_result(res, &c);
        } else {
            res->symbols = dk_xcalloc(1, sizeof(*res->symbols));
            res->claims = c.conflicts.items;
            res->nclaims = c.conflicts.len;
            c.conflicts = (eng_conflicts)DK_VEC_INIT;
        }
        *out = res;
    }
    dk_eng_repo_release(e, c.s->repo->name, g);
    pthread_mutex_unlock(&c.s->write_lock);
    dk_eng_session_unref(c.s);
    dk_eng_conflicts_release(&c.conflicts);
    for (size_t i = 0; i < c.npaths; i++)
        dk_eng_entry_free(c.paths[i].entry);
    free(c.paths);
    free(c.csid);
    return rc;
}
