/*
 * api/ops_resolve.c - resolve: settle a landing's conflicts and land again,
 * built on the engine's public API (dk/engine.h), git reads and dk_merge.
 *
 *   session S (base B, overlay)        head H moved, land said CONFLICT
 *     for every path the session changed:
 *        H == B            -> the session's version
 *        S == H            -> nothing (the head has it already)
 *        one side absent / deleted, or both changed and the structured merge
 *        (base B, ours H, theirs S: the same call landing makes) conflicts
 *                          -> each conflict block replaced by the chosen side:
 *                             keep_mine = S's text, keep_theirs = H's text,
 *                             content = the given text (a resolution without
 *                             `symbol` applies to every conflict of its file;
 *                             with action content it is the whole file)
 *     dk_session_rebase moves S itself onto H with the resolved files (one
 *     engine transaction: base, overlay, changed symbols, claims, the
 *     changeset back to draft), then S is submitted and landed (unless
 *     land=false). The session id and the changeset id stay the same.
 *
 * Fail-closed, in order (nothing changes before step 4):
 *   1. every conflict has a resolution, and every resolution names a
 *      conflict (INVALID_ARGUMENT naming resolutions[i], with the conflicts);
 *   2. every replaced block has a line range (else the whole-file choice);
 *   3. content resolutions decode (UTF-8 or base64) within the size cap;
 *   4. the rebase: refused as a whole when a symbol is claimed by another
 *      session (SYMBOL_CLAIMED), when the session was written or moved since
 *      it was read here (INVALID_STATE: resolve again), or on any other
 *      error - S stays exactly as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dk/engine.h"
#include "dk/merge.h"

#include "api/api_json.h"
#include "api/ops_int.h"
#include "git/git.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

/* One side of a file: absent, or bytes. */
struct res_side {
    bool present;
    char *ptr;
    size_t len;
};

/* What the rebased session gets for one path. */
struct res_file {
    const char *path;
    /* write (ptr, len), delete, or leave as the head has it */
    enum { RES_SKIP, RES_WRITE, RES_DELETE } what;
    const char *ptr;
    size_t len;
    /* the session's version read here: blob id ("" deleted) and mode */
    char expect_hash[41];
    unsigned mode;
};

struct res_state {
    dk_api_ctx *ctx;
    json_t *resolutions;
    /* which resolutions matched a conflict */
    bool *used;
    /* the conflicts found, for the error details */
    json_t *conflicts;
    dk_str unresolved;
};

static bool res_same(const struct res_side *a, const struct res_side *b)
{
    if (a->present != b->present)
        return false;
    return !a->present || (a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0);
}

static void res_side_release(struct res_side *s)
{
    free(s->ptr);
    memset(s, 0, sizeof(*s));
}

static int res_git_read(struct res_side *out, dk_git_repo *repo, const char *hex, const char *path)
{
    dk_oid at;
    memset(out, 0, sizeof(*out));
    if (!hex[0])
        return DK_OK; /* unborn: nothing there */
    int rc = dk_oid_from_hex(&at, hex, strlen(hex));
    if (rc)
        return rc;
    rc = dk_git_file_read(&out->ptr, &out->len, NULL, repo, &at, path);
    if (rc == DK_ENOTFOUND)
        return DK_OK;
    if (rc == DK_OK)
        out->present = true;
    return rc;
}

/* The resolution for (path, symbol): exact symbol first, then path-wide. */
static json_t *res_find(struct res_state *st, const char *path, const char *symbol)
{
    size_t i;
    json_t *r, *wide = NULL;
    size_t wide_i = 0;
    json_array_foreach(st->resolutions, i, r)
    {
        if (strcmp(dk_ops_str(r, "path"), path) != 0)
            continue;
        const char *sym = dk_ops_str(r, "symbol");
        if (sym && symbol && strcmp(sym, symbol) == 0) {
            st->used[i] = true;
            return r;
        }
        if (!sym && !wide) {
            wide = r;
            wide_i = i;
        }
    }
    if (wide)
        st->used[wide_i] = true;
    return wide;
}

static void res_note_conflict(struct res_state *st, const char *path, const char *symbol,
                              const char *description)
{
    json_t *o = json_object();
    dk_api_json_set_str(o, "path", path);
    dk_api_json_set_str(o, "symbol", symbol);
    dk_api_json_set_str(o, "description", description);
    json_array_append_new(st->conflicts, o);
}

/* The text a resolution chooses, given each side's text (NULL: the side has none). */
static int res_choice(const char **ptr, size_t *len, struct res_state *st, json_t *r,
                      const char *mine, size_t mine_len, const char *theirs, size_t theirs_len,
                      dk_api_error *err)
{
    const char *action = dk_ops_str(r, "action");
    if (strcmp(action, "keep_mine") == 0) {
        *ptr = mine;
        *len = mine_len;
    } else if (strcmp(action, "keep_theirs") == 0) {
        *ptr = theirs;
        *len = theirs_len;
    } else {
        if (!json_object_get(r, "content"))
            return dk_api_error_set(err, DK_API_INVALID_ARGUMENT,
                                    "resolutions: action content for %s needs content",
                                    dk_ops_str(r, "path"));
        if (dk_ops_content(st->ctx, r, "content", ptr, len, err))
            return -1;
    }
    return 0;
}

/*
 * Resolve one file where both sides changed and both are present: merge,
 * then replace every conflict block (result line range) by the chosen text.
 */
static int res_merge_file(struct res_file *out, struct res_state *st, const char *path,
                          const struct res_side *b, const struct res_side *h,
                          const struct res_side *s, dk_api_error *err)
{
    dk_merge_result *m = NULL;
    int rc = dk_merge_file(&m, path, b->ptr, b->len, h->ptr, h->len, s->ptr, s->len, NULL);
    if (rc)
        return dk_api_error_from_dk(err, rc);
    out->what = RES_WRITE;
    if (m->clean) {
        out->ptr = dk_arena_strndup(&st->ctx->arena, m->merged, m->merged_len);
        out->len = m->merged_len;
        dk_merge_result_free(m);
        return 0;
    }
    /* a path-wide "content" resolution is the whole file */
    for (size_t i = 0; i < m->nconflicts; i++) {
        json_t *r = res_find(st, path, m->conflicts[i].qualified_name);
        res_note_conflict(st, path, m->conflicts[i].qualified_name, m->conflicts[i].description);
        if (!r) {
            dk_str_addf(&st->unresolved, "%s%s %s", st->unresolved.len ? ", " : "", path,
                        m->conflicts[i].qualified_name);
            continue;
        }
        if (!dk_ops_str(r, "symbol") && strcmp(dk_ops_str(r, "action"), "content") == 0) {
            if (dk_ops_content(st->ctx, r, "content", &out->ptr, &out->len, err)) {
                dk_merge_result_free(m);
                return -1;
            }
            for (size_t j = i + 1; j < m->nconflicts; j++)
                res_note_conflict(st, path, m->conflicts[j].qualified_name,
                                  m->conflicts[j].description);
            dk_merge_result_free(m);
            return 0;
        }
    }
    if (st->unresolved.len) {
        dk_merge_result_free(m);
        return 0; /* reported by the caller, after every file */
    }
    /* splice: lines of the merged output, conflict blocks replaced */
    dk_str res = DK_STR_INIT;
    const char *p = m->merged, *end = m->merged + m->merged_len;
    size_t line = 1, ci = 0;
    while (p < end || ci < m->nconflicts) {
        const dk_merge_conflict *c = ci < m->nconflicts ? &m->conflicts[ci] : NULL;
        if (c && c->result.start == 0) {
            dk_str_release(&res);
            dk_merge_result_free(m);
            return dk_api_error_set(err, DK_API_INVALID_ARGUMENT,
                                    "resolutions: the conflict %s %s has no place in the merged "
                                    "file; resolve the whole file (no symbol)",
                                    path, c->qualified_name);
        }
        if (c && line == c->result.start) {
            json_t *r = res_find(st, path, c->qualified_name);
            const char *t;
            size_t tl;
            if (res_choice(&t, &tl, st, r, c->theirs_text,
                           c->theirs_text ? strlen(c->theirs_text) : 0, c->ours_text,
                           c->ours_text ? strlen(c->ours_text) : 0, err)) {
                dk_str_release(&res);
                dk_merge_result_free(m);
                return -1;
            }
            if (t && tl) {
                dk_str_add(&res, t, tl);
                if (t[tl - 1] != '\n')
                    dk_str_addch(&res, '\n');
            }
            /* skip the block's lines */
            for (; line <= c->result.end && p < end; line++) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                p = nl ? nl + 1 : end;
            }
            ci++;
            continue;
        }
        if (p >= end)
            break;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *next = nl ? nl + 1 : end;
        dk_str_add(&res, p, (size_t)(next - p));
        p = next;
        line++;
    }
    out->ptr = dk_arena_strndup(&st->ctx->arena, res.ptr, res.len);
    out->len = res.len;
    dk_str_release(&res);
    dk_merge_result_free(m);
    return 0;
}

/* A whole-file conflict (one side absent or deleted): the chosen side, whole. */
static int res_whole_file(struct res_file *out, struct res_state *st, const char *path,
                          const struct res_side *h, const struct res_side *s, const char *why,
                          dk_api_error *err)
{
    res_note_conflict(st, path, "<file>", why);
    json_t *r = res_find(st, path, "<file>");
    if (!r) {
        dk_str_addf(&st->unresolved, "%s%s <file>", st->unresolved.len ? ", " : "", path);
        return 0;
    }
    const char *action = dk_ops_str(r, "action");
    const struct res_side *pick = strcmp(action, "keep_mine") == 0 ? s : h;
    if (strcmp(action, "content") == 0) {
        out->what = RES_WRITE;
        return res_choice(&out->ptr, &out->len, st, r, NULL, 0, NULL, 0, err);
    }
    if (pick == h) {
        out->what = RES_SKIP;
        return 0;
    }
    out->what = s->present ? RES_WRITE : RES_DELETE;
    out->ptr = s->ptr;
    out->len = s->len;
    return 0;
}

int dk_ops_resolve(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_engine *e = ctx->api->engine;
    dk_caller cs;
    const dk_caller *caller = dk_ops_caller(ctx, &cs);
    const char *sid = dk_ops_str(params, "session_id");
    json_t *resolutions = json_object_get(params, "resolutions");
    size_t nres = json_array_size(resolutions);
    dk_session_info *si = NULL;
    dk_repo_info *ri = NULL;
    dk_git_repo *repo = NULL;
    dk_file_entry *files = NULL;
    size_t nfiles = 0;
    struct res_side *sides = NULL;
    struct res_file *out = NULL;
    struct res_state st = {.ctx = ctx, .resolutions = resolutions, .unresolved = DK_STR_INIT};
    int rc;

    st.used = dk_xcalloc(nres ? nres : 1, sizeof(bool));
    st.conflicts = json_array();
    for (size_t i = 0; i < nres; i++) {
        json_t *r = json_array_get(resolutions, i);
        char field[64];
        snprintf(field, sizeof(field), "resolutions[%zu].path", i);
        if (dk_ops_check_path(err, field, dk_ops_str(r, "path")))
            goto fail;
    }
    if ((rc = dk_session_status(&si, e, caller, sid)) || (rc = dk_repo_get(&ri, e, si->repo))) {
        dk_api_error_from_dk(err, rc);
        goto fail;
    }
    if (strcmp(ri->head, si->base_commit) == 0) {
        dk_api_error_set(err, DK_API_INVALID_STATE,
                         "session %s is at the head already: nothing to resolve, land it", sid);
        goto fail;
    }
    if ((rc = dk_git_repo_open(&repo, ri->path)) ||
        (rc = dk_file_list(&files, &nfiles, e, caller, sid, NULL, true))) {
        dk_api_error_from_dk(err, rc);
        goto fail;
    }
    /* per path: base, head, session; three sides each */
    sides = dk_xcalloc(nfiles * 3 + 1, sizeof(*sides));
    out = dk_xcalloc(nfiles + 1, sizeof(*out));
    for (size_t i = 0; i < nfiles; i++) {
        const char *path = files[i].path;
        struct res_side *b = &sides[3 * i], *h = b + 1, *s = b + 2;
        out[i].path = path;
        if ((rc = res_git_read(b, repo, si->base_commit, path)) ||
            (rc = res_git_read(h, repo, ri->head, path))) {
            dk_api_error_from_dk(err, rc);
            goto fail;
        }
        if (files[i].status != DK_FILE_DELETED) {
            dk_file *f = NULL;
            if ((rc = dk_file_read(&f, e, caller, sid, path))) {
                dk_api_error_from_dk(err, rc);
                goto fail;
            }
            s->present = true;
            s->ptr = f->content;
            s->len = f->len;
            snprintf(out[i].expect_hash, sizeof(out[i].expect_hash), "%s", f->hash);
            out[i].mode = f->mode;
            f->content = NULL;
            dk_file_free(f);
        }
        if (res_same(b, h)) {
            out[i].what = s->present ? RES_WRITE : RES_DELETE;
            out[i].ptr = s->ptr;
            out[i].len = s->len;
        } else if (res_same(s, h)) {
            out[i].what = RES_SKIP;
        } else if (!s->present) {
            if (res_whole_file(&out[i], &st, path, h, s,
                               "deleted in the session, changed on the branch", err))
                goto fail;
        } else if (!b->present || !h->present) {
            if (res_whole_file(&out[i], &st, path, h, s,
                               !b->present ? "added on both sides"
                                           : "deleted on the branch, changed in the session",
                               err))
                goto fail;
        } else if (res_merge_file(&out[i], &st, path, b, h, s, err)) {
            goto fail;
        }
    }
    if (st.unresolved.len) {
        dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "resolutions: no resolution for %s",
                         st.unresolved.ptr);
        err->details = json_pack("{s:O}", "conflicts", st.conflicts);
        goto fail;
    }
    for (size_t i = 0; i < nres; i++) {
        if (!st.used[i]) {
            dk_api_error_set(err, DK_API_INVALID_ARGUMENT,
                             "resolutions[%zu]: no conflict at %s%s%s", i,
                             dk_ops_str(json_array_get(resolutions, i), "path"),
                             dk_ops_str(json_array_get(resolutions, i), "symbol") ? " " : "",
                             dk_ops_str(json_array_get(resolutions, i), "symbol")
                                 ? dk_ops_str(json_array_get(resolutions, i), "symbol")
                                 : "");
            err->details = json_pack("{s:O}", "conflicts", st.conflicts);
            goto fail;
        }
    }

    /* the session itself moves onto the head with the resolved files */
    dk_rebase_file *rf = dk_xcalloc(nfiles + 1, sizeof(*rf));
    json_t *written = json_array();
    for (size_t i = 0; i < nfiles; i++) {
        rf[i].path = out[i].path;
        rf[i].expect_hash = out[i].expect_hash;
        rf[i].action = out[i].what == RES_SKIP     ? DK_REBASE_TAKE_BASE
                       : out[i].what == RES_DELETE ? DK_REBASE_DELETE
                                                   : DK_REBASE_WRITE;
        rf[i].content = out[i].ptr ? out[i].ptr : "";
        rf[i].len = out[i].len;
        rf[i].mode = out[i].what == RES_WRITE ? out[i].mode : 0;
        if (out[i].what != RES_SKIP)
            json_array_append_new(written, json_string(out[i].path));
    }
    dk_rebase_opts ro = DK_REBASE_OPTS_INIT;
    ro.from_base = si->base_commit;
    ro.onto = ri->head;
    dk_write_result *w = NULL;
    rc = dk_session_rebase(&w, e, caller, sid, rf, nfiles, &ro);
    free(rf);
    if (rc == DK_ECONFLICT && w && w->nclaims)
        dk_api_error_set(err, DK_API_SYMBOL_CLAIMED,
                         "'%s' in %s is claimed by agent '%s': nothing was resolved, retry",
                         w->claims[0].qualified_name, w->claims[0].path, w->claims[0].holder_agent);
    else if (rc)
        dk_api_error_from_dk(err, rc);
    dk_write_result_free(w);
    if (rc) {
        json_decref(written);
        goto fail;
    }
    json_t *res = json_object();
    dk_api_json_set_str(res, "session_id", sid);
    dk_api_json_set_str(res, "changeset_id", si->changeset_id);
    json_object_set_new(res, "base_commit", json_string(ri->head));
    json_object_set_new(res, "files", written);
    json_object_set_new(res, "landed", json_false());
    if (dk_ops_bool(params, "land", true) && json_array_size(written) > 0) {
        dk_changeset_info *c = NULL;
        dk_land_result *lr = NULL;
        rc = dk_changeset_submit(&c, e, caller, sid);
        dk_changeset_info_free(c);
        if (rc == DK_OK) {
            dk_land_opts lo = DK_LAND_OPTS_INIT;
            lo.message = dk_ops_str(params, "message");
            rc = dk_land(&lr, e, caller, sid, &lo);
        }
        if (rc == DK_OK) {
            json_object_set_new(res, "landed", json_true());
            json_object_set_new(res, "commit", json_string(lr->commit));
        } else if (rc == DK_ECONFLICT) {
            /* the head moved again with clashing work: resolve again */
            dk_api_error_set(err, DK_API_CONFLICT,
                             "resolved onto %.12s, but the head moved again: %zu conflict%s",
                             ri->head, lr ? lr->nconflicts : 0,
                             lr && lr->nconflicts == 1 ? "" : "s");
            err->details = json_pack("{s:s,s:o}", "session_id", sid, "conflicts",
                                     dk_ops_land_conflicts_json(lr));
            dk_land_result_free(lr);
            json_decref(res);
            goto fail;
        } else {
            /* e.g. the repository needs approval first: resolved, not landed */
            json_object_set_new(res, "note", json_string(dk_error_last()->msg));
        }
        dk_land_result_free(lr);
    } else if (json_array_size(written) == 0) {
        json_object_set_new(res, "note",
                            json_string("the branch head already has every change of the "
                                        "session: nothing left to land"));
    }
    *result = res;
    rc = 0;
    goto out;
fail:
    rc = -1;
out:
    for (size_t i = 0; sides && i < nfiles * 3; i++)
        res_side_release(&sides[i]);
    free(sides);
    free(out);
    dk_file_entries_free(files, nfiles);
    dk_git_repo_close(repo);
    dk_repo_infos_free(ri, ri ? 1 : 0);
    dk_session_infos_free(si, si ? 1 : 0);
    json_decref(st.conflicts);
    dk_str_release(&st.unresolved);
    free(st.used);
    return rc;
}
