/*
 * api/ops_int.h - what the operation handlers (ops_*.c) share: the api
 * object, param accessors (params are validated against the row's schema
 * before a handler runs, so accessors only pick values), the caller, path
 * and content decoding, and the JSON of engine records.
 *
 * Conventions: a handler returns 0 with *result set, or -1 with err set;
 * strings it allocates for the request come from ctx->arena.
 */
#ifndef DK_API_OPS_INT_H
#define DK_API_OPS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "dk/engine.h"

#include "api/api.h"

struct dk_api {
    dk_engine *engine;
    /* parsed params schema of each row, same order as the table */
    json_t **params_schemas;
    size_t nops;
};

/** params[key] as a string, or NULL when absent or null. */
const char *dk_ops_str(const json_t *params, const char *key);
bool dk_ops_bool(const json_t *params, const char *key, bool dflt);
int64_t dk_ops_int(const json_t *params, const char *key, int64_t dflt);

/** The engine caller of the request (NULL for the local process). */
const dk_caller *dk_ops_caller(dk_api_ctx *ctx, dk_caller *storage);

/** INVALID_PATH unless `path` is a clean repository-relative path. */
int dk_ops_check_path(dk_api_error *err, const char *field, const char *path);

/** Scope check on a repository: FORBIDDEN naming the repository. */
int dk_ops_check_repo(dk_api_ctx *ctx, dk_api_error *err, const char *repo, dk_api_scope need);

/**
 * The bytes of params["content"] (with params["encoding"] "utf8" or
 * "base64"), decoded into the arena. TOO_LARGE above DK_ENGINE_MAX_FILE.
 */
int dk_ops_content(dk_api_ctx *ctx, const json_t *params, const char *key, const char **ptr,
                   size_t *len, dk_api_error *err);

/** Set obj["content"] (+ "encoding":"base64" when not UTF-8). */
void dk_ops_set_content(json_t *obj, const char *key, const char *ptr, size_t len);

/** Standard base64 decode; -1 for bad input. out must hold len*3/4+3 bytes. */
int dk_ops_base64_decode(char *out, size_t *out_len, const char *in, size_t len);

json_t *dk_ops_session_json(const dk_session_info *s);
json_t *dk_ops_changeset_json(const dk_changeset_info *c);
/** The changeset's last verification results (dk/verify.h JSON) with verified_head, or null. */
json_t *dk_ops_verification_json(const dk_changeset_info *c);
json_t *dk_ops_symbol_json(const dk_changed_symbol *s);
json_t *dk_ops_land_conflicts_json(const dk_land_result *r);
json_t *dk_ops_iso_time(int64_t ms);

/* handlers (one per table row) */
int dk_ops_connect(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_status(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_close(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_abandon(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_repo_list(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_sessions_list(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_file_read(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_file_write(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_file_delete(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_file_revert(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_file_list(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_changes(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_context(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_pre_submit_check(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_submit(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_approve(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_reject(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_land(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_verify(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_revert(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_resolve(dk_api_ctx *, json_t *, json_t **, dk_api_error *);
int dk_ops_watch(dk_api_ctx *, json_t *, json_t **, dk_api_error *);

#endif
