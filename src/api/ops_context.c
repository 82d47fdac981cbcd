/*
 * api/ops_context.c - the `context` row of the table (issue 8): ranked
 * symbols with their source, callers, callees and tests within a token
 * budget, from include/dk/context.h. MCP dk_context and the CLI reach it
 * through the table like every other row.
 *
 * The answer keeps the engine's order: symbols[i].rank == i + 1 (dkod lost
 * its ranking between the search and the response). What the budget cut is
 * said in "cut"; estimated_tokens never exceeds max_tokens when one is set.
 * Either session_id (the session's own changes are searched with the head)
 * or repo (the branch head only; READ scope on it) is required.
 * Conventions: see ops_int.h.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "dk/context.h"

#include "api/api_json.h"
#include "api/ops_int.h"

#include "util/banned.h"

static json_t *ops_edges_json(const dk_context_edge *e, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        dk_api_json_set_str(o, "text", e[i].text);
        json_object_set_new(o, "resolved", json_boolean(e[i].resolved));
        if (e[i].resolved) {
            dk_api_json_set_str(o, "name", e[i].name);
            dk_api_json_set_str(o, "qualified_name", e[i].qualified_name);
            dk_api_json_set_str(o, "kind", e[i].kind);
            dk_api_json_set_str(o, "path", e[i].path);
            json_object_set_new(o, "start_line", json_integer(e[i].start_line));
            json_object_set_new(o, "end_line", json_integer(e[i].end_line));
        }
        json_object_set_new(o, "call_line", json_integer(e[i].call_line));
        json_array_append_new(list, o);
    }
    return list;
}

int dk_ops_context(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    const char *sid = dk_ops_str(params, "session_id"), *repo = dk_ops_str(params, "repo");
    if (!sid && !repo) {
        dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "session_id or repo is required");
        return -1;
    }
    if (repo && dk_ops_check_repo(ctx, err, repo, DK_API_SCOPE_READ))
        return -1;
    dk_context_opts o = DK_CONTEXT_OPTS_INIT;
    o.query = dk_ops_str(params, "query");
    const char *depth = dk_ops_str(params, "depth");
    if (depth && dk_context_depth_parse(&o.depth, depth))
        return dk_api_error_from_dk(err, DK_EINVALID);
    o.include_tests = dk_ops_bool(params, "include_tests", false);
    o.max_tokens = (size_t)dk_ops_int(params, "max_tokens", 0);
    o.max_results = (size_t)dk_ops_int(params, "max_results", 0);
    dk_context_result *r = NULL;
    int rc = dk_context_query(&r, ctx->api->engine, dk_ops_caller(ctx, &cs), repo, sid, &o);
    if (rc)
        return dk_api_error_from_dk(err, rc);
    json_t *list = json_array();
    for (size_t i = 0; i < r->nsymbols; i++) {
        const dk_context_symbol *s = &r->symbols[i];
        json_t *j = json_object();
        json_object_set_new(j, "rank", json_integer(s->rank));
        json_object_set_new(j, "score", json_real(s->score));
        dk_api_json_set_str(j, "name", s->name);
        dk_api_json_set_str(j, "qualified_name", s->qualified_name);
        dk_api_json_set_str(j, "kind", s->kind);
        dk_api_json_set_str(j, "path", s->path);
        json_object_set_new(j, "start_line", json_integer(s->start_line));
        json_object_set_new(j, "end_line", json_integer(s->end_line));
        dk_api_json_set_str(j, "signature", s->signature);
        dk_api_json_set_str(j, "doc", s->doc);
        if (s->source)
            dk_api_json_set_str(j, "source", s->source);
        json_object_set_new(j, "source_cut", json_boolean(s->source_cut));
        json_object_set_new(j, "source_dropped", json_boolean(s->source_dropped));
        json_object_set_new(j, "from_session", json_boolean(s->from_session));
        if (o.depth == DK_CONTEXT_CALL_GRAPH) {
            json_object_set_new(j, "callers", ops_edges_json(s->callers, s->ncallers));
            json_object_set_new(j, "callees", ops_edges_json(s->callees, s->ncallees));
        }
        if (o.include_tests)
            json_object_set_new(j, "tests", ops_edges_json(s->tests, s->ntests));
        json_array_append_new(list, j);
    }
    *result = json_pack("{s:o,s:I,s:I,s:{s:I,s:I,s:I},s:s,s:s,s:s,s:b}", "symbols", list,
                        "estimated_tokens", (json_int_t)r->estimated_tokens, "max_tokens",
                        (json_int_t)o.max_tokens, "cut", "sources_cut", (json_int_t)r->sources_cut,
                        "sources_dropped", (json_int_t)r->sources_dropped, "symbols_dropped",
                        (json_int_t)r->symbols_dropped, "words", r->words, "head", r->head,
                        "branch_head", r->branch_head, "index_behind", r->index_behind);
    dk_context_result_free(r);
    return 0;
}
