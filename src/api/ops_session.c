/*
 * api/ops_session.c - the session and repository rows of the table:
 * connect, status, close, abandon, repo_list, sessions_list.
 *
 * Scope: connect needs write scope on the repository it names, listings
 * show only what the token may read; acting on a session is the engine's
 * check (dk_caller: a session belongs to the token that created it, admins
 * excepted), so a repository-scoped token can only reach sessions it
 * created in its repository. Conventions: see ops_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dk/context.h"
#include "dk/engine.h"

#include "api/api_json.h"
#include "api/ops_int.h"

#include "util/banned.h"

/* Other sessions listed by connect (each costs one overlay listing). */
#define OPS_OTHERS_MAX 50

/*
 * The codebase summary: files, files per language and symbols at the
 * session's base commit, read from the code-context index of the head (built
 * at import, following every landing) moved by the files that differ from
 * the base, not from a walk of the tree. `commit` names the commit described
 * (the indexed head when the base is too far from it, see context.h);
 * `index_behind` says the index was behind the branch (`branch_head`), so
 * the summary describes the indexed head, not the base.
 */
static int ops_summary(json_t **out, dk_engine *e, const char *repo, const char *base)
{
    dk_context_summary *sum;
    int rc = dk_context_summary_at(&sum, e, repo, base);
    if (rc)
        return rc;
    json_t *langs = json_object();
    for (size_t i = 0; i < sum->nlanguages; i++)
        json_object_set_new(langs, sum->languages[i],
                            json_integer((json_int_t)sum->language_files[i]));
    *out = json_pack("{s:s,s:s,s:b,s:I,s:o,s:I}", "commit", sum->commit, "branch_head",
                     sum->branch_head, "index_behind", sum->index_behind, "files",
                     (json_int_t)sum->all_files, "languages", langs, "symbols",
                     (json_int_t)sum->symbols);
    dk_context_summary_free(sum);
    return DK_OK;
}

/* The other live sessions of the repository, with the files each changes. */
static json_t *ops_others(dk_engine *e, const char *repo, const char *self)
{
    dk_session_info *s = NULL;
    size_t n = 0;
    json_t *list = json_array();
    if (dk_session_list(&s, &n, e, repo) != DK_OK)
        return list;
    for (size_t i = 0; i < n && json_array_size(list) < OPS_OTHERS_MAX; i++) {
        if (strcmp(s[i].session_id, self) == 0 || s[i].state != DK_SESSION_ACTIVE)
            continue;
        json_t *o = json_object();
        dk_api_json_set_str(o, "session_id", s[i].session_id);
        dk_api_json_set_str(o, "agent_id", s[i].agent_id);
        dk_api_json_set_str(o, "agent_name", s[i].agent_name);
        dk_api_json_set_str(o, "intent", s[i].intent);
        json_t *files = json_array();
        dk_file_entry *f = NULL;
        size_t nf = 0;
        /* the local caller: listing another session's paths is connect's own business */
        if (dk_file_list(&f, &nf, e, NULL, s[i].session_id, NULL, true) == DK_OK) {
            for (size_t j = 0; j < nf; j++)
                json_array_append_new(files, json_string(f[j].path));
            dk_file_entries_free(f, nf);
        }
        json_object_set_new(o, "files", files);
        json_array_append_new(list, o);
    }
    dk_session_infos_free(s, n);
    return list;
}

int dk_ops_connect(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_engine *e = ctx->api->engine;
    dk_caller cs;
    const dk_caller *caller = dk_ops_caller(ctx, &cs);
    const char *repo = dk_ops_str(params, "repo");
    if (dk_ops_check_repo(ctx, err, repo, DK_API_SCOPE_WRITE))
        return -1;
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    o.repo = repo;
    o.intent = dk_ops_str(params, "intent");
    o.agent_id = dk_ops_str(params, "agent_id");
    o.agent_name = dk_ops_str(params, "agent_name");
    o.base_commit = dk_ops_str(params, "base_commit");
    const char *mode = dk_ops_str(params, "mode");
    o.mode = mode && strcmp(mode, "persistent") == 0 ? DK_SESSION_PERSISTENT : DK_SESSION_EPHEMERAL;
    o.persistent_ttl_ms = dk_ops_int(params, "persistent_ttl_ms", 0);
    o.resume_session_id = dk_ops_str(params, "resume_session_id");
    dk_session_info *s = NULL;
    int rc = dk_session_connect(&s, e, caller, &o);
    if (rc)
        return dk_api_error_from_dk(err, rc);
    json_t *r = dk_ops_session_json(s);
    json_t *summary = NULL;
    if (ops_summary(&summary, e, s->repo, s->base_commit) == DK_OK)
        json_object_set_new(r, "summary", summary);
    json_object_set_new(r, "other_sessions", ops_others(e, s->repo, s->session_id));
    dk_session_infos_free(s, 1);
    *result = r;
    return 0;
}

int dk_ops_status(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    dk_session_info *s = NULL;
    int rc = dk_session_status(&s, ctx->api->engine, dk_ops_caller(ctx, &cs),
                               dk_ops_str(params, "session_id"));
    if (rc)
        return dk_api_error_from_dk(err, rc);
    *result = dk_ops_session_json(s);
    /* the agent's last verdict, readable later (dk verify, dk_verify) */
    dk_changeset_info *c = NULL;
    if (s->changeset_id && *s->changeset_id &&
        dk_changeset_get(&c, ctx->api->engine, dk_ops_caller(ctx, &cs), s->changeset_id) == DK_OK)
        json_object_set_new(*result, "verification", dk_ops_verification_json(c));
    else
        json_object_set_new(*result, "verification", json_null());
    dk_changeset_info_free(c);
    json_object_set_new(
        *result, "active_sessions",
        json_integer((json_int_t)dk_session_active_count(ctx->api->engine, s->repo)));
    dk_session_infos_free(s, 1);
    return 0;
}

int dk_ops_close(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    const char *sid = dk_ops_str(params, "session_id");
    int rc = dk_session_close(ctx->api->engine, dk_ops_caller(ctx, &cs), sid);
    if (rc)
        return dk_api_error_from_dk(err, rc);
    *result = json_pack("{s:s,s:s}", "session_id", sid, "state", "closed");
    return 0;
}

int dk_ops_abandon(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    const char *sid = dk_ops_str(params, "session_id");
    const char *reason = dk_ops_str(params, "reason");
    int rc = dk_session_abandon(ctx->api->engine, dk_ops_caller(ctx, &cs), sid,
                                reason ? reason : "explicit");
    if (rc)
        return dk_api_error_from_dk(err, rc);
    *result = json_pack("{s:s,s:s}", "session_id", sid, "state", "abandoned");
    return 0;
}

int dk_ops_repo_list(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    (void)params;
    dk_repo_info *r = NULL;
    size_t n = 0;
    int rc = dk_repo_list(&r, &n, ctx->api->engine);
    if (rc)
        return dk_api_error_from_dk(err, rc);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        if (!dk_api_principal_allows(ctx->principal, r[i].name, DK_API_SCOPE_READ))
            continue;
        json_t *o = json_object();
        dk_api_json_set_str(o, "name", r[i].name);
        dk_api_json_set_str(o, "branch", r[i].branch);
        json_object_set_new(o, "head", json_string(r[i].head));
        json_object_set_new(
            o, "sessions",
            json_integer((json_int_t)dk_session_active_count(ctx->api->engine, r[i].name)));
        json_array_append_new(list, o);
    }
    dk_repo_infos_free(r, n);
    *result = json_pack("{s:o}", "repos", list);
    return 0;
}

int dk_ops_sessions_list(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    const char *repo = dk_ops_str(params, "repo");
    if (!repo && ctx->principal && ctx->principal->repo[0])
        repo = ctx->principal->repo;
    if (repo && dk_ops_check_repo(ctx, err, repo, DK_API_SCOPE_READ))
        return -1;
    dk_session_info *s = NULL;
    size_t n = 0;
    int rc = dk_session_list(&s, &n, ctx->api->engine, repo);
    if (rc)
        return dk_api_error_from_dk(err, rc);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, dk_ops_session_json(&s[i]));
    dk_session_infos_free(s, n);
    *result = json_pack("{s:o}", "sessions", list);
    return 0;
}
