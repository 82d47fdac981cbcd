/*
 * api/ops_land.c - the changeset rows of the table: pre_submit_check
 * (dry-run landing), submit, approve, reject, land, revert.
 *
 * A landing conflict is CONFLICT (409) whose details list every conflicting
 * symbol with the base, the branch ("theirs") and the session ("mine")
 * versions, and the recovery steps (resolve with keep_mine / keep_theirs /
 * content). Approve and reject need approve scope on the changeset's
 * repository: the engine leaves that check to this layer (dk/engine.h). Land goes through
 * dk_verify_land: an approval made on an older head is verified again on
 * the new merged tree before anything lands, and a rejection comes back as
 * INVALID_STATE with the new verdict in the details ("verification").
 * Conventions: see ops_int.h.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "dk/engine.h"
#include "dk/verify.h"

#include "api/api_json.h"
#include "api/ops_int.h"

#include "util/banned.h"

static json_t *ops_files_json(char **files, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(files[i]));
    return list;
}

/* CONFLICT with every conflict and what to do next. */
static int ops_conflict_error(dk_api_error *err, const dk_land_result *r, const char *what)
{
    dk_api_error_from_dk(err, DK_ECONFLICT);
    size_t n = r ? r->nconflicts : 0;
    dk_api_error_set(err, DK_API_CONFLICT, "%s: %zu conflict%s%s%s%s", what, n, n == 1 ? "" : "s",
                     n ? " (first: " : "", n ? r->conflicts[0].path : "", n ? ")" : "");
    err->details = json_pack(
        "{s:o,s:[s,s,s]}", "conflicts", dk_ops_land_conflicts_json(r), "recovery",
        "call resolve with one resolution per conflict: keep_mine, keep_theirs, or content",
        "resolve moves the session onto the current head with the resolved files and lands again",
        "or file_read the files, adapt them by hand, and submit in a new session");
    return -1;
}

int dk_ops_pre_submit_check(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    dk_land_opts o = DK_LAND_OPTS_INIT;
    o.dry_run = true;
    dk_land_result *r = NULL;
    int rc = dk_land(&r, ctx->api->engine, dk_ops_caller(ctx, &cs),
                     dk_ops_str(params, "session_id"), &o);
    if (rc && rc != DK_ECONFLICT) {
        dk_land_result_free(r);
        return dk_api_error_from_dk(err, rc);
    }
    *result = json_object();
    json_object_set_new(*result, "clean", json_boolean(rc == DK_OK));
    json_object_set_new(*result, "merged_files",
                        ops_files_json(r ? r->merged_files : NULL, r ? r->nmerged_files : 0));
    json_object_set_new(*result, "conflicts", dk_ops_land_conflicts_json(r));
    dk_land_result_free(r);
    return 0;
}

int dk_ops_submit(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    dk_changeset_info *c = NULL;
    int rc = dk_changeset_submit(&c, ctx->api->engine, dk_ops_caller(ctx, &cs),
                                 dk_ops_str(params, "session_id"));
    if (rc)
        return dk_api_error_from_dk(err, rc);
    *result = dk_ops_changeset_json(c);
    dk_changeset_info_free(c);
    return 0;
}

/* approve and reject: a person's answer (approve scope on the changeset's repository) */
static int ops_answer(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err,
                      int (*answer)(dk_changeset_info **, dk_engine *, const dk_caller *,
                                    const char *, const char *))
{
    const char *id = dk_ops_str(params, "changeset_id");
    dk_changeset_info *c = NULL;
    /* read as the local process: an approver is usually not the changeset's owner */
    int rc = dk_changeset_get(&c, ctx->api->engine, NULL, id);
    /*
     * A changeset outside the token's repository is answered as one that does not
     * exist, with the engine's own words: ids are readable (cs_<repo>_<n>), and a
     * FORBIDDEN here would tell a token of repository A which ids repository B has.
     */
    if (rc == DK_OK && ctx->principal && ctx->principal->repo[0] &&
        strcmp(c->repo, ctx->principal->repo) != 0) {
        dk_changeset_info_free(c);
        c = NULL;
        rc = dk_error_set(DK_ENOTFOUND, DK_CHANGESET_NOT_FOUND_FMT, id);
    }
    if (rc)
        return dk_api_error_from_dk(err, rc);
    if (dk_ops_check_repo(ctx, err, c->repo, DK_API_SCOPE_APPROVE)) {
        dk_changeset_info_free(c);
        return -1;
    }
    dk_changeset_info_free(c);
    c = NULL;
    dk_caller cs;
    rc = answer(&c, ctx->api->engine, dk_ops_caller(ctx, &cs), id, dk_ops_str(params, "reason"));
    if (rc)
        return dk_api_error_from_dk(err, rc);
    *result = dk_ops_changeset_json(c);
    dk_changeset_info_free(c);
    return 0;
}

int dk_ops_approve(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    return ops_answer(ctx, params, result, err, dk_changeset_approve);
}

int dk_ops_reject(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    return ops_answer(ctx, params, result, err, dk_changeset_reject);
}

int dk_ops_land(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_engine *e = ctx->api->engine;
    dk_caller cs;
    const dk_caller *caller = dk_ops_caller(ctx, &cs);
    const char *sid = dk_ops_str(params, "session_id");
    dk_session_info *before = NULL;
    int rc = dk_session_status(&before, e, caller, sid);
    if (rc)
        return dk_api_error_from_dk(err, rc);
    dk_land_opts o = DK_LAND_OPTS_INIT;
    o.message = dk_ops_str(params, "message");
    o.close_session = dk_ops_bool(params, "close_session", false);
    dk_land_result *r = NULL;
    dk_verify_result *verdict = NULL;
    rc = dk_verify_land(&r, &verdict, e, caller, sid, &o, NULL);
    json_t *vjson = verdict && verdict->json ? json_loads(verdict->json, 0, NULL) : NULL;
    if (vjson)
        json_object_set_new(vjson, "state", json_string(dk_changeset_state_name(verdict->state)));
    if (rc == DK_ECONFLICT) {
        ops_conflict_error(err, r, "nothing landed");
        goto out;
    }
    if (rc) {
        dk_api_error_from_dk(err, rc);
        if (vjson) {
            json_decref(err->details);
            err->details = json_pack("{s:O}", "verification", vjson);
        }
        goto out;
    }
    json_t *res = json_object();
    json_object_set_new(res, "commit", json_string(r->commit));
    dk_api_json_set_str(res, "landed_changeset_id", before->changeset_id);
    json_object_set_new(res, "merged_files", ops_files_json(r->merged_files, r->nmerged_files));
    json_object_set_new(res, "retries", json_integer(r->retries));
    /* verified again on this head before landing (the approval was made on another) */
    json_object_set_new(res, "verification", vjson ? json_incref(vjson) : json_null());
    if (!o.close_session) {
        dk_session_info *after = NULL;
        if (dk_session_status(&after, e, caller, sid) == DK_OK) {
            dk_api_json_set_str(res, "changeset_id", after->changeset_id);
            dk_session_infos_free(after, 1);
        }
    }
    *result = res;
out:
    json_decref(vjson);
    dk_verify_result_free(verdict);
    dk_land_result_free(r);
    dk_session_infos_free(before, 1);
    return rc ? -1 : 0;
}

int dk_ops_revert(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    dk_land_result *r = NULL;
    int rc =
        dk_changeset_revert(&r, ctx->api->engine, dk_ops_caller(ctx, &cs),
                            dk_ops_str(params, "session_id"), dk_ops_str(params, "changeset_id"));
    if (rc == DK_ECONFLICT) {
        ops_conflict_error(err, r, "the revert does not merge onto the head");
        dk_land_result_free(r);
        return -1;
    }
    if (rc) {
        dk_land_result_free(r);
        return dk_api_error_from_dk(err, rc);
    }
    *result = json_object();
    json_object_set_new(*result, "files",
                        ops_files_json(r ? r->merged_files : NULL, r ? r->nmerged_files : 0));
    json_object_set_new(*result, "conflicts", json_array());
    dk_land_result_free(r);
    return 0;
}
