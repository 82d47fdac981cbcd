/*
 * api/ops_file.c - the file rows of the table: file_read, file_write,
 * file_delete, file_revert, file_list, changes.
 *
 * A refused write is an error, not an "OK with warnings" (dkod's FileWrite
 * answered OK with an empty hash and a message prefix as the contract):
 * SYMBOL_CLAIMED (409) with every claimed symbol, its holder and since when,
 * or STALE_OVERLAY (409) with the competing changeset; both carry the
 * recovery steps. Paths are checked here (INVALID_PATH naming the field)
 * before the engine sees them. Conventions: see ops_int.h.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "dk/engine.h"

#include "api/api_json.h"
#include "api/ops_int.h"

#include "util/banned.h"

static json_t *ops_symbols_json(const dk_changed_symbol *s, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, dk_ops_symbol_json(&s[i]));
    return list;
}

/* A refused write or delete: SYMBOL_CLAIMED or STALE_OVERLAY with details. */
static int ops_write_refused(dk_api_error *err, int rc, const dk_write_result *w, const char *path)
{
    dk_api_error_from_dk(err, rc);
    if (rc == DK_ECONFLICT && w && w->nclaims) {
        json_t *claims = json_array();
        for (size_t i = 0; i < w->nclaims; i++) {
            const dk_claim_conflict *c = &w->claims[i];
            json_t *o = json_object();
            dk_api_json_set_str(o, "path", c->path);
            dk_api_json_set_str(o, "symbol", c->qualified_name);
            dk_api_json_set_str(o, "kind", c->kind);
            dk_api_json_set_str(o, "holder_session", c->holder_session);
            dk_api_json_set_str(o, "holder_agent", c->holder_agent);
            json_object_set_new(o, "since", dk_ops_iso_time(c->since_ms));
            json_object_set_new(o, "since_ms", json_integer(c->since_ms));
            json_array_append_new(claims, o);
        }
        const dk_claim_conflict *c0 = &w->claims[0];
        dk_api_error_set(err, DK_API_SYMBOL_CLAIMED,
                         "'%s' in %s is claimed by agent '%s'%s; nothing was written",
                         c0->qualified_name, c0->path, c0->holder_agent,
                         w->nclaims > 1 ? " (and more)" : "");
        err->details =
            json_pack("{s:o,s:[s,s,s]}", "claims", claims, "recovery",
                      "watch the repository for claim.released (types=claim.released) and retry",
                      "or change other symbols: a claim covers one symbol, not the file",
                      "claims end when the holder submits, lands, closes or its session expires");
    } else if (rc == DK_ESTALE && w) {
        dk_api_error_set(err, DK_API_STALE_OVERLAY,
                         "your view of %s predates changeset %s of agent '%s'; nothing was written",
                         path, w->stale_changeset ? w->stale_changeset : "?",
                         w->stale_agent ? w->stale_agent : "?");
        err->details = json_object();
        dk_api_json_set_str(err->details, "path", path);
        dk_api_json_set_str(err->details, "changeset_id", w->stale_changeset);
        dk_api_json_set_str(err->details, "agent", w->stale_agent);
        json_object_set_new(err->details, "recovery",
                            json_pack("[s,s]", "file_read the path to refresh your view",
                                      "then file_write again (or pass force=true after "
                                      "reconciling by hand)"));
    } else if (rc == DK_ELIMIT) {
        err->code = DK_API_TOO_LARGE;
    } else if (err->code == DK_API_INVALID_ARGUMENT) {
        err->code = DK_API_INVALID_PATH; /* the engine refuses only paths here */
    }
    return -1;
}

int dk_ops_file_read(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    const char *path = dk_ops_str(params, "path");
    if (dk_ops_check_path(err, "path", path))
        return -1;
    dk_file *f = NULL;
    int rc = dk_file_read(&f, ctx->api->engine, dk_ops_caller(ctx, &cs),
                          dk_ops_str(params, "session_id"), path);
    if (rc)
        return dk_api_error_from_dk(err, rc);
    json_t *o = json_object();
    dk_api_json_set_str(o, "path", path);
    dk_ops_set_content(o, "content", f->content, f->len);
    json_object_set_new(o, "hash", json_string(f->hash));
    json_object_set_new(o, "mode", json_integer(f->mode));
    json_object_set_new(o, "size", json_integer((json_int_t)f->len));
    json_object_set_new(o, "modified_in_session", json_boolean(f->modified_in_session));
    dk_file_free(f);
    *result = o;
    return 0;
}

int dk_ops_file_write(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    const char *path = dk_ops_str(params, "path");
    const char *content;
    size_t len;
    if (dk_ops_check_path(err, "path", path) ||
        dk_ops_content(ctx, params, "content", &content, &len, err))
        return -1;
    dk_write_opts wo = DK_WRITE_OPTS_INIT;
    wo.mode = (unsigned)dk_ops_int(params, "mode", 0);
    wo.force = dk_ops_bool(params, "force", false);
    dk_write_result *w = NULL;
    int rc = dk_file_write(&w, ctx->api->engine, dk_ops_caller(ctx, &cs),
                           dk_ops_str(params, "session_id"), path, content, len, &wo);
    if (rc) {
        ops_write_refused(err, rc, w, path);
        dk_write_result_free(w);
        return -1;
    }
    json_t *o = json_object();
    dk_api_json_set_str(o, "path", path);
    json_object_set_new(o, "hash", json_string(w->hash));
    json_object_set_new(o, "is_new", json_boolean(w->is_new));
    json_object_set_new(o, "unparsed", json_boolean(w->unparsed));
    json_object_set_new(o, "symbols", ops_symbols_json(w->symbols, w->nsymbols));
    dk_write_result_free(w);
    *result = o;
    return 0;
}

int dk_ops_file_delete(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    const char *path = dk_ops_str(params, "path");
    if (dk_ops_check_path(err, "path", path))
        return -1;
    dk_write_result *w = NULL;
    int rc = dk_file_delete(&w, ctx->api->engine, dk_ops_caller(ctx, &cs),
                            dk_ops_str(params, "session_id"), path);
    if (rc) {
        if (rc == DK_ENOTFOUND || rc == DK_ENOSESSION || rc == DK_EFORBIDDEN)
            dk_api_error_from_dk(err, rc);
        else
            ops_write_refused(err, rc, w, path);
        dk_write_result_free(w);
        return -1;
    }
    json_t *o = json_object();
    dk_api_json_set_str(o, "path", path);
    json_object_set_new(o, "symbols", ops_symbols_json(w->symbols, w->nsymbols));
    dk_write_result_free(w);
    *result = o;
    return 0;
}

int dk_ops_file_revert(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    const char *path = dk_ops_str(params, "path");
    if (dk_ops_check_path(err, "path", path))
        return -1;
    int rc = dk_file_revert(ctx->api->engine, dk_ops_caller(ctx, &cs),
                            dk_ops_str(params, "session_id"), path);
    if (rc)
        return dk_api_error_from_dk(err, rc);
    *result = json_object();
    dk_api_json_set_str(*result, "path", path);
    json_object_set_new(*result, "reverted", json_true());
    return 0;
}

static const char *ops_file_status_name(dk_file_status s)
{
    switch (s) {
    case DK_FILE_ADDED:
        return "added";
    case DK_FILE_MODIFIED:
        return "modified";
    case DK_FILE_DELETED:
        return "deleted";
    case DK_FILE_UNCHANGED:
        break;
    }
    return "unchanged";
}

int dk_ops_file_list(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    const char *prefix = dk_ops_str(params, "prefix");
    if (prefix && *prefix) {
        /* a prefix may end in '/' ("src/"): check it without the slash */
        char buf[4100];
        size_t n = strlen(prefix);
        snprintf(buf, sizeof(buf), "%.*s", (int)(n > 1 && prefix[n - 1] == '/' ? n - 1 : n),
                 prefix);
        if (dk_ops_check_path(err, "prefix", buf))
            return -1;
    }
    dk_file_entry *f = NULL;
    size_t n = 0;
    int rc = dk_file_list(&f, &n, ctx->api->engine, dk_ops_caller(ctx, &cs),
                          dk_ops_str(params, "session_id"), prefix,
                          dk_ops_bool(params, "only_modified", false));
    if (rc)
        return dk_api_error_from_dk(err, rc);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        dk_api_json_set_str(o, "path", f[i].path);
        json_object_set_new(o, "status", json_string(ops_file_status_name(f[i].status)));
        dk_api_json_set_str(o, "other_modifiers", f[i].other_modifiers ? f[i].other_modifiers : "");
        json_array_append_new(list, o);
    }
    dk_file_entries_free(f, n);
    *result = json_pack("{s:o}", "files", list);
    return 0;
}

int dk_ops_changes(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    dk_changed_symbol *s = NULL;
    size_t n = 0;
    int rc = dk_session_changes(&s, &n, ctx->api->engine, dk_ops_caller(ctx, &cs),
                                dk_ops_str(params, "session_id"));
    if (rc)
        return dk_api_error_from_dk(err, rc);
    *result = json_pack("{s:o}", "symbols", ops_symbols_json(s, n));
    dk_changed_symbols_free(s, n);
    return 0;
}
