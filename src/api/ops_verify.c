/*
 * api/ops_verify.c - the `verify` row of the table (issue 9): run the
 * repository's verification pipeline on the tree the session's changeset
 * would land as now (include/dk/verify.h), and answer with the verdict,
 * every step (status, duration, output tail, findings) and any conflicts.
 *
 * A pipeline that could not run (a malformed .dk/pipeline.yaml, a command
 * off the allow-list) still reaches a verdict - the changeset is rejected -
 * so it is answered as a result with "error", not as a protocol error: the
 * agent needs the reason next to the state. With "check": true the live
 * overlay is verified and the changeset is left as it is.
 * Conventions: see ops_int.h.
 */
#include <stdio.h>

#include <jansson.h>

#include "dk/verify.h"

#include "api/ops_int.h"

#include "util/banned.h"

/* Progress: one report per finished step (the pipeline's own callback). */
struct verify_progress {
    dk_api_ctx *ctx;
    int done;
};

static void verify_on_step(void *ud, const dk_verify_step *st)
{
    struct verify_progress *vp = ud;
    char msg[300];
    snprintf(msg, sizeof(msg), "step %.80s (%.60s): %s in %lld ms%s", st->name,
             st->stage && *st->stage ? st->stage : "-", dk_verify_status_name(st->status),
             (long long)st->duration_ms, st->required ? "" : " (optional)");
    vp->ctx->progress(vp->ctx->progress_ud, ++vp->done, 0, msg);
}

int dk_ops_verify(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    dk_caller cs;
    dk_verify_opts o = DK_VERIFY_OPTS_INIT;
    o.check_only = dk_ops_bool(params, "check", false);
    struct verify_progress vp = {.ctx = ctx};
    if (ctx->progress) {
        o.on_step = verify_on_step;
        o.ud = &vp;
    }
    dk_verify_result *r = NULL;
    int rc = dk_verify(&r, ctx->api->engine, dk_ops_caller(ctx, &cs),
                       dk_ops_str(params, "session_id"), &o);
    if (!r)
        return dk_api_error_from_dk(err, rc);
    json_error_t jerr;
    *result = json_loads(r->json, 0, &jerr);
    if (!*result) {
        dk_verify_result_free(r);
        return dk_api_error_set(err, DK_API_INTERNAL, "verify results: %s", jerr.text);
    }
    json_object_set_new(*result, "state", json_string(dk_changeset_state_name(r->state)));
    dk_verify_result_free(r);
    return 0;
}
