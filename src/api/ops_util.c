/*
 * api/ops_util.c - what every handler uses: param accessors, the caller,
 * path and repository-scope checks, file content in and out of JSON
 * (UTF-8 text, or base64 with "encoding": "base64"), and the JSON of engine
 * records (sessions, changesets, symbols, landing conflicts).
 *
 * Conventions: params were validated against the row's schema before a
 * handler runs, so accessors never see a wrong type; decoded content lives
 * in the request's arena. Field names are the wire names of api.h.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "api/api_json.h"
#include "api/ops_int.h"
#include "util/path.h"
#include "util/str.h"

#include "util/banned.h"

const char *dk_ops_str(const json_t *params, const char *key)
{
    const json_t *v = json_object_get(params, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

bool dk_ops_bool(const json_t *params, const char *key, bool dflt)
{
    const json_t *v = json_object_get(params, key);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}

int64_t dk_ops_int(const json_t *params, const char *key, int64_t dflt)
{
    const json_t *v = json_object_get(params, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

const dk_caller *dk_ops_caller(dk_api_ctx *ctx, dk_caller *storage)
{
    if (!ctx->principal)
        return NULL;
    storage->token_id = ctx->principal->token_id;
    /* only an unscoped admin token is the engine's admin (acts on every session) */
    storage->admin = ctx->principal->scope == DK_API_SCOPE_ADMIN && !ctx->principal->repo[0];
    return storage;
}

int dk_ops_check_path(dk_api_error *err, const char *field, const char *path)
{
    if (dk_path_validate(path, strlen(path)) != DK_OK)
        return dk_api_error_set(err, DK_API_INVALID_PATH, "%s: %s", field, dk_error_last()->msg);
    if (strcmp(path, ".git") == 0 || strncmp(path, ".git/", 5) == 0)
        return dk_api_error_set(err, DK_API_INVALID_PATH, "%s: '%s' is inside .git", field, path);
    return 0;
}

int dk_ops_check_repo(dk_api_ctx *ctx, dk_api_error *err, const char *repo, dk_api_scope need)
{
    if (dk_api_principal_allows(ctx->principal, repo, need))
        return 0;
    return dk_api_error_set(err, DK_API_FORBIDDEN, "this token has no %s scope on repository '%s'",
                            dk_api_scope_name(need), repo ? repo : "");
}

static int ops_b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int dk_ops_base64_decode(char *out, size_t *out_len, const char *in, size_t len)
{
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\n' || c == '\r')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = ops_b64_value(c);
        if (v < 0 || pad)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (pad > 2 || bits >= 6 || acc != 0)
        return -1;
    *out_len = n;
    return 0;
}

int dk_ops_content(dk_api_ctx *ctx, const json_t *params, const char *key, const char **ptr,
                   size_t *len, dk_api_error *err)
{
    const json_t *v = json_object_get(params, key);
    const char *enc = dk_ops_str(params, "encoding");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (!enc || strcmp(enc, "utf8") == 0) {
        if (n > DK_ENGINE_MAX_FILE)
            return dk_api_error_set(err, DK_API_TOO_LARGE, "%s: %zu bytes, over the %u-byte limit",
                                    key, n, DK_ENGINE_MAX_FILE);
        *ptr = s;
        *len = n;
        return 0;
    }
    if (n / 4 * 3 > (size_t)DK_ENGINE_MAX_FILE + 3)
        return dk_api_error_set(err, DK_API_TOO_LARGE, "%s: over the %u-byte limit", key,
                                DK_ENGINE_MAX_FILE);
    char *buf = dk_arena_alloc(&ctx->arena, n / 4 * 3 + 4);
    if (dk_ops_base64_decode(buf, len, s, n) != 0)
        return dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "%s: not valid base64", key);
    if (*len > DK_ENGINE_MAX_FILE)
        return dk_api_error_set(err, DK_API_TOO_LARGE, "%s: %zu bytes, over the %u-byte limit", key,
                                *len, DK_ENGINE_MAX_FILE);
    *ptr = buf;
    return 0;
}

void dk_ops_set_content(json_t *obj, const char *key, const char *ptr, size_t len)
{
    if (dk_utf8_is_valid(ptr, len)) {
        json_object_set_new(obj, key, json_stringn_nocheck(ptr, len));
        return;
    }
    /* dk_api_json_set_bytes writes key (U+FFFD text) and key_base64: keep only the bytes */
    json_t *tmp = json_object();
    dk_api_json_set_bytes(tmp, "c", ptr, len);
    json_object_set(obj, key, json_object_get(tmp, "c_base64"));
    json_object_set_new(obj, "encoding", json_string("base64"));
    json_decref(tmp);
}

json_t *dk_ops_iso_time(int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char buf[40];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    size_t n = strlen(buf);
    snprintf(buf + n, sizeof(buf) - n, ".%03dZ", (int)(ms % 1000));
    return json_string(buf);
}

json_t *dk_ops_session_json(const dk_session_info *s)
{
    json_t *o = json_object();
    dk_api_json_set_str(o, "session_id", s->session_id);
    dk_api_json_set_str(o, "repo", s->repo);
    dk_api_json_set_str(o, "agent_id", s->agent_id);
    dk_api_json_set_str(o, "agent_name", s->agent_name);
    dk_api_json_set_str(o, "intent", s->intent);
    dk_api_json_set_str(o, "changeset_id", s->changeset_id);
    json_object_set_new(o, "changeset_state",
                        json_string(dk_changeset_state_name(s->changeset_state)));
    json_object_set_new(o, "base_commit", json_string(s->base_commit));
    json_object_set_new(o, "mode", json_string(dk_session_mode_name(s->mode)));
    json_object_set_new(o, "state", json_string(dk_session_state_name(s->state)));
    json_object_set_new(o, "created", dk_ops_iso_time(s->created_ms));
    json_object_set_new(o, "last_active", dk_ops_iso_time(s->last_active_ms));
    json_object_set_new(o, "files_changed", json_integer((json_int_t)s->files_changed));
    json_object_set_new(o, "symbols_changed", json_integer((json_int_t)s->symbols_changed));
    return o;
}

json_t *dk_ops_changeset_json(const dk_changeset_info *c)
{
    json_t *o = json_object();
    dk_api_json_set_str(o, "changeset_id", c->id);
    dk_api_json_set_str(o, "repo", c->repo);
    json_object_set_new(o, "number", json_integer(c->number));
    dk_api_json_set_str(o, "session_id", c->session_id);
    json_object_set_new(o, "state", json_string(dk_changeset_state_name(c->state)));
    dk_api_json_set_str(o, "reason", c->reason);
    dk_api_json_set_str(o, "intent", c->intent);
    dk_api_json_set_str(o, "agent_name", c->agent_name);
    json_object_set_new(o, "base_commit", json_string(c->base_commit));
    json_object_set_new(o, "submit_commit", json_string(c->submit_commit));
    json_object_set_new(o, "commit", json_string(c->merged_commit));
    json_object_set_new(o, "verification", dk_ops_verification_json(c));
    return o;
}

json_t *dk_ops_verification_json(const dk_changeset_info *c)
{
    json_t *v = c->verify_json ? json_loads(c->verify_json, 0, NULL) : NULL;
    if (!json_is_object(v)) {
        json_decref(v);
        return json_null();
    }
    /* the head the verdict (or a later approval) was made on, as the engine keeps it */
    json_object_set_new(v, "verified_head", json_string(c->verified_head));
    return v;
}

json_t *dk_ops_symbol_json(const dk_changed_symbol *s)
{
    json_t *o = json_object();
    dk_api_json_set_str(o, "path", s->path);
    dk_api_json_set_str(o, "symbol", s->qualified_name);
    dk_api_json_set_str(o, "name", s->name);
    dk_api_json_set_str(o, "kind", s->kind);
    json_object_set_new(o, "change", json_string(dk_symbol_change_name(s->change)));
    return o;
}

json_t *dk_ops_land_conflicts_json(const dk_land_result *r)
{
    json_t *list = json_array();
    for (size_t i = 0; r && i < r->nconflicts; i++) {
        const dk_land_conflict *c = &r->conflicts[i];
        json_t *o = json_object();
        dk_api_json_set_str(o, "path", c->path);
        dk_api_json_set_str(o, "symbol", c->qualified_name);
        dk_api_json_set_str(o, "kind", c->kind);
        dk_api_json_set_str(o, "description", c->description);
        dk_api_json_set_str(o, "base", c->base_text);
        /* the branch head is "theirs", the session "mine" (resolve's keep_theirs / keep_mine) */
        dk_api_json_set_str(o, "theirs", c->head_text);
        dk_api_json_set_str(o, "mine", c->session_text);
        json_array_append_new(list, o);
    }
    return list;
}
