/*
 * tests/unit/api_ops.c - the operation table and its contracts without
 * HTTP: the one error -> status table, the libdk -> protocol error mapping,
 * every row's schemas (parse, closed params, required fields declared),
 * the schema validator (each refusal names the field), watch patterns,
 * SHA-256 vectors, base64, tokens on a real store (create, verify in
 * constant time, wrong/malformed/revoked refused, admin.token), and
 * dk_api_call in-process: results checked against the row's result schema.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "dk/engine.h"

#include "api/api.h"
#include "api/ops_int.h"
#include "harness/th.h"
#include "harness/th_api.h"

/* ========================================================================== */
/* Errors                                                                     */
/* ========================================================================== */

void test_api_ops__error_table(void)
{
    static const int allowed[] = {200, 400, 401, 403, 404, 409, 413, 500, 503};
    for (int c = 0; c < DK_API_CODE_COUNT; c++) {
        const char *name = dk_api_code_name((dk_api_code)c);
        th_assert(name && *name);
        for (int d = 0; d < c; d++)
            th_assert_msg(strcmp(name, dk_api_code_name((dk_api_code)d)) != 0, "duplicate %s",
                          name);
        int st = dk_api_code_http_status((dk_api_code)c);
        bool ok = false;
        for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
            ok = ok || st == allowed[i];
        th_assert_msg(ok, "%s -> %d", name, st);
    }
    th_assert_eq_int(dk_api_code_http_status(DK_API_INVALID_ARGUMENT), 400);
    th_assert_eq_int(dk_api_code_http_status(DK_API_INVALID_PATH), 400);
    th_assert_eq_int(dk_api_code_http_status(DK_API_UNAUTHORIZED), 401);
    th_assert_eq_int(dk_api_code_http_status(DK_API_FORBIDDEN), 403);
    th_assert_eq_int(dk_api_code_http_status(DK_API_SESSION_NOT_FOUND), 404);
    th_assert_eq_int(dk_api_code_http_status(DK_API_UNKNOWN_OPERATION), 404);
    th_assert_eq_int(dk_api_code_http_status(DK_API_SYMBOL_CLAIMED), 409);
    th_assert_eq_int(dk_api_code_http_status(DK_API_STALE_OVERLAY), 409);
    th_assert_eq_int(dk_api_code_http_status(DK_API_CONFLICT), 409);
    th_assert_eq_int(dk_api_code_http_status(DK_API_INVALID_STATE), 409);
    th_assert_eq_int(dk_api_code_http_status(DK_API_TOO_LARGE), 413);
    th_assert_eq_int(dk_api_code_http_status(DK_API_INTERNAL), 500);
    th_assert_eq_str(dk_api_code_name(DK_API_SYMBOL_CLAIMED), "SYMBOL_CLAIMED");
    th_assert_eq_str(dk_api_code_name((dk_api_code)999), "INTERNAL");
    th_assert_eq_int(dk_api_code_http_status((dk_api_code)999), 500);
    th_assert_eq_int(dk_api_code_jsonrpc(DK_API_INVALID_ARGUMENT), -32602);
}

static dk_api_code t_map(int rc, const char *msg)
{
    dk_api_error err = DK_API_ERROR_INIT;
    dk_error_set(rc, "%s", msg);
    th_assert_eq_int(dk_api_error_from_dk(&err, rc), -1);
    th_assert_eq_str(err.message, msg);
    return err.code;
}

void test_api_ops__error_from_dk(void)
{
    th_assert_eq_int(t_map(DK_ENOSESSION, "session 'abc' not found"), DK_API_SESSION_NOT_FOUND);
    th_assert_eq_int(t_map(DK_ENOSESSION, "anything"), DK_API_SESSION_NOT_FOUND);
    th_assert_eq_int(t_map(DK_ENOTFOUND, "session 'abc' not found"), DK_API_NOT_FOUND);
    th_assert_eq_int(t_map(DK_ENOTFOUND, "repository 'x' not found"), DK_API_NOT_FOUND);
    /* the code decides, never the text */
    th_assert_eq_int(t_map(DK_ESTATE, "changeset cs_a_1 is merged, cannot become submitted"),
                     DK_API_INVALID_STATE);
    th_assert_eq_int(t_map(DK_ESTATE, "anything at all"), DK_API_INVALID_STATE);
    th_assert_eq_int(t_map(DK_EINVALID, "session s1 is closed"), DK_API_INVALID_ARGUMENT);
    th_assert_eq_int(t_map(DK_EINVALID, "bad branch name 'x y'"), DK_API_INVALID_ARGUMENT);
    th_assert_eq_int(t_map(DK_EFORBIDDEN, "session 's' belongs to another caller"),
                     DK_API_FORBIDDEN);
    th_assert_eq_int(t_map(DK_ECONFLICT, "2 conflicts"), DK_API_CONFLICT);
    th_assert_eq_int(t_map(DK_ESTALE, "stale"), DK_API_STALE_OVERLAY);
    th_assert_eq_int(t_map(DK_ELIMIT, "too big"), DK_API_TOO_LARGE);
    th_assert_eq_int(t_map(DK_EEXISTS, "exists"), DK_API_ALREADY_EXISTS);
    th_assert_eq_int(t_map(DK_EBUSY, "busy"), DK_API_BUSY);
    th_assert_eq_int(t_map(DK_ERROR, "disk on fire"), DK_API_INTERNAL);
}

void test_api_ops__error_json(void)
{
    dk_api_error err = DK_API_ERROR_INIT;
    dk_api_error_set(&err, DK_API_SYMBOL_CLAIMED, "'%s' is claimed", "f1");
    err.details = json_pack("{s:[{s:s}]}", "claims", "holder_agent", "agent-1");
    json_t *j = dk_api_error_json(&err);
    th_assert_eq_str(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                     "SYMBOL_CLAIMED");
    th_assert_eq_str(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
                     "'f1' is claimed");
    th_assert(json_object_get(json_object_get(j, "error"), "details") != NULL);
    json_decref(j);
    /* a message quoting bad bytes still makes a valid document */
    dk_api_error_set(&err, DK_API_INVALID_PATH, "path '\xff'");
    j = dk_api_error_json(&err);
    char *text = json_dumps(j, JSON_COMPACT);
    th_assert(text != NULL);
    free(text);
    json_decref(j);
    dk_api_error_release(&err);
    th_assert(err.details == NULL);
}

/* ========================================================================== */
/* The table's schemas                                                        */
/* ========================================================================== */

void test_api_ops__schemas(void)
{
    size_t n = 0;
    const dk_api_op *ops = dk_api_ops(&n);
    static const char *const want[] = {
        "connect",     "status",    "file_read", "file_write",       "file_delete",
        "file_revert", "file_list", "changes",   "pre_submit_check", "submit",
        "approve",     "reject",    "land",      "resolve",          "revert",
        "abandon",     "close",     "watch",     "repo_list",        "sessions_list",
        "context",     "verify"};
    th_assert_eq_int(n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        th_assert_msg(dk_api_op_find(want[i]) != NULL, "missing op %s", want[i]);
    th_assert(dk_api_op_find("nope") == NULL);
    th_assert(dk_api_op_find(NULL) == NULL);
    for (size_t i = 0; i < n; i++) {
        const dk_api_op *op = &ops[i];
        th_assert(op->handler && op->summary && *op->summary);
        th_assert(op->scope >= DK_API_SCOPE_READ && op->scope <= DK_API_SCOPE_ADMIN);
        for (size_t k = 0; k < i; k++)
            th_assert(strcmp(ops[k].name, op->name) != 0);
        json_t *p = dk_api_op_schema(op, false), *r = dk_api_op_schema(op, true);
        th_assert_eq_str(json_string_value(json_object_get(p, "type")), "object");
        th_assert_msg(json_is_false(json_object_get(p, "additionalProperties")),
                      "%s: params must be closed", op->name);
        th_assert_eq_str(json_string_value(json_object_get(r, "type")), "object");
        json_t *props = json_object_get(p, "properties"), *req = json_object_get(p, "required");
        size_t k;
        json_t *name;
        json_array_foreach(req, k, name)
            th_assert_msg(json_object_get(props, json_string_value(name)) != NULL,
                          "%s: required %s not declared", op->name, json_string_value(name));
        /* session operations name the session the same way */
        if (json_object_get(props, "session_id"))
            th_assert_eq_str(
                json_string_value(json_object_get(json_object_get(props, "session_id"), "type")),
                "string");
        json_decref(p);
        json_decref(r);
    }
    th_assert(dk_api_op_find("file_write")->flags & DK_API_OP_CONTENT);
    th_assert(dk_api_op_find("land")->flags & DK_API_OP_SLOW);
    th_assert(dk_api_op_find("watch")->flags & DK_API_OP_WAITS);
    th_assert(!(dk_api_op_find("file_read")->flags & (DK_API_OP_SLOW | DK_API_OP_WAITS)));
    th_assert_eq_int(dk_api_op_find("approve")->scope, DK_API_SCOPE_APPROVE);
    th_assert_eq_int(dk_api_op_find("reject")->scope, DK_API_SCOPE_APPROVE);
    th_assert_eq_int(dk_api_op_find("file_read")->scope, DK_API_SCOPE_READ);
    th_assert_eq_int(dk_api_op_find("file_write")->scope, DK_API_SCOPE_WRITE);
}

/* One validation row: params against an op's schema -> NULL (valid) or the message prefix. */
static void t_validate(const char *op, const char *params, const char *want)
{
    json_t *s = dk_api_op_schema(dk_api_op_find(op), false);
    json_error_t je;
    json_t *v = json_loads(params, 0, &je);
    th_assert_msg(v != NULL, "bad test json %s", params);
    dk_api_error err = DK_API_ERROR_INIT;
    int rc = dk_api_validate(s, v, &err);
    if (!want) {
        th_assert_msg(rc == 0, "%s %s refused: %s", op, params, err.message);
    } else {
        th_assert_msg(rc == -1, "%s %s accepted", op, params);
        th_assert_eq_int(err.code, DK_API_INVALID_ARGUMENT);
        th_assert_msg(strncmp(err.message, want, strlen(want)) == 0, "%s: got '%s', want '%s'",
                      params, err.message, want);
    }
    json_decref(s);
    json_decref(v);
}

void test_api_ops__validate(void)
{
    t_validate("status", "{\"session_id\":\"s\"}", NULL);
    t_validate("status", "{}", "session_id: required");
    t_validate("status", "{\"session_id\":null}", "session_id: expected string, got null");
    t_validate("status", "{\"session_id\":1}", "session_id: expected string, got integer");
    t_validate("status", "{\"session_id\":\"\"}", "session_id: must not be empty");
    t_validate("status", "{\"session_id\":\"s\",\"x\":1}", "x: unknown field");
    t_validate("file_list", "{\"session_id\":\"s\",\"only_modified\":1}",
               "only_modified: expected boolean");
    t_validate("connect", "{\"repo\":\"r\",\"intent\":\"i\",\"agent_id\":\"a\",\"mode\":\"x\"}",
               "mode: must be one of");
    t_validate("connect",
               "{\"repo\":\"r\",\"intent\":\"i\",\"agent_id\":\"a\",\"mode\":\"persistent\"}",
               NULL);
    t_validate("file_write", "{\"session_id\":\"s\",\"path\":\"p\",\"content\":\"c\",\"mode\":420}",
               "mode: must be one of");
    t_validate("file_write",
               "{\"session_id\":\"s\",\"path\":\"p\",\"content\":\"c\",\"mode\":33261}", NULL);
    t_validate("watch", "{\"repo\":\"r\",\"since\":-1}", "since: must be >= 0");
    t_validate("watch", "{\"repo\":\"r\",\"timeout_ms\":60001}", "timeout_ms: must be <= 60000");
    t_validate("resolve", "{\"session_id\":\"s\",\"resolutions\":[]}",
               "resolutions: needs at least 1 items");
    t_validate("resolve",
               "{\"session_id\":\"s\",\"resolutions\":[{\"path\":\"a\",\"action\":\"keep_mine\"},"
               "{\"path\":\"b\",\"action\":\"drop\"}]}",
               "resolutions[1].action: must be one of");
    t_validate("resolve",
               "{\"session_id\":\"s\",\"resolutions\":[{\"path\":\"a\",\"action\":\"keep_mine\","
               "\"x\":0}]}",
               "resolutions[0].x: unknown field");
    t_validate("resolve", "{\"session_id\":\"s\",\"resolutions\":[{\"action\":\"keep_mine\"}]}",
               "resolutions[0].path: required");
    t_validate("repo_list", "{}", NULL);
    t_validate("repo_list", "{\"repo\":\"x\"}", "repo: unknown field");
    /* a string with an embedded NUL is refused (jansson with JSON_ALLOW_NUL could make one) */
    json_t *s = dk_api_op_schema(dk_api_op_find("status"), false);
    json_t *v = json_pack("{s:s#}", "session_id", "a\0b", (size_t)3);
    dk_api_error err = DK_API_ERROR_INIT;
    th_assert_eq_int(dk_api_validate(s, v, &err), -1);
    th_assert(strstr(err.message, "NUL") != NULL);
    json_decref(s);
    json_decref(v);
}

void test_api_ops__event_patterns(void)
{
    th_assert(dk_api_event_matches(NULL, "file.written"));
    th_assert(dk_api_event_matches("", "file.written"));
    th_assert(dk_api_event_matches("*", "file.written"));
    th_assert(dk_api_event_matches("file.*", "file.written"));
    th_assert(!dk_api_event_matches("file.*", "files.written"));
    th_assert(!dk_api_event_matches("file.*", "file"));
    th_assert(dk_api_event_matches("*.merged", "changeset.merged"));
    th_assert(!dk_api_event_matches("*.merged", "changeset.unmerged"));
    th_assert(dk_api_event_matches("claim.released", "claim.released"));
    th_assert(!dk_api_event_matches("claim.released", "claim.released.x"));
    th_assert(dk_api_event_matches("file.*, claim.released", "claim.released"));
    th_assert(dk_api_event_matches("session.connected,file.*", "file.deleted"));
    th_assert(!dk_api_event_matches("session.connected,file.*", "claim.acquired"));
}

/* ========================================================================== */
/* SHA-256, base64                                                            */
/* ========================================================================== */

static void t_sha(const char *data, size_t len, const char *hex)
{
    unsigned char out[32];
    char got[65];
    dk_api_sha256(out, data, len);
    for (int i = 0; i < 32; i++)
        snprintf(got + 2 * i, 3, "%02x", out[i]);
    th_assert_eq_str(got, hex);
}

void test_api_ops__sha256(void)
{
    t_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    t_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    t_sha(m, strlen(m), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *a = malloc(1000000);
    memset(a, 'a', 1000000);
    t_sha(a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* lengths around the padding boundary (55, 56, 63, 64 bytes) */
    t_sha(a, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    t_sha(a, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    t_sha(a, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
    free(a);
}

void test_api_ops__base64(void)
{
    char out[64];
    size_t n = 0;
    th_assert_eq_int(dk_ops_base64_decode(out, &n, "aGVsbG8=", 8), 0);
    th_assert_eq_int(n, 5);
    th_assert(memcmp(out, "hello", 5) == 0);
    th_assert_eq_int(dk_ops_base64_decode(out, &n, "//4A", 4), 0);
    th_assert_eq_int(n, 3);
    th_assert(memcmp(out, "\xff\xfe\x00", 3) == 0);
    th_assert_eq_int(dk_ops_base64_decode(out, &n, "", 0), 0);
    th_assert_eq_int(n, 0);
    th_assert_eq_int(dk_ops_base64_decode(out, &n, "a*==", 4), -1);
    th_assert_eq_int(dk_ops_base64_decode(out, &n, "aGVsbG8=x", 9), -1);
    th_assert_eq_int(dk_ops_base64_decode(out, &n, "aGVsbG9", 7), -1); /* trailing bits set */
}

/* ========================================================================== */
/* In-process: tokens and calls through the table                             */
/* ========================================================================== */

static dk_engine *t_e;
static dk_api *t_api;

void test_api_ops_live__initialize(void)
{
    const char *d = th_tmpdir();
    th_assert_eq_int(
        th_system("cd '%s' && git init -q -b main src && printf 'def f1(x):\\n    "
                  "return x + 1\\n\\n\\ndef f2(x):\\n    return x + 2\\n' > src/app.py "
                  "&& git -C src add . && git -C src -c user.name=t -c "
                  "user.email=t@e commit -qm init",
                  d),
        0);
    char data[4096], src[4096];
    snprintf(data, sizeof(data), "%s/data", d);
    snprintf(src, sizeof(src), "%s/src", d);
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.data_dir = data;
    o.gc_interval_ms = 0;
    th_assert_ok(dk_engine_open(&t_e, &o));
    th_assert_ok(dk_repo_import(t_e, "demo", src, NULL));
    th_assert_ok(dk_repo_init(t_e, "other", NULL));
    th_assert_ok(dk_api_new(&t_api, t_e));
}

void test_api_ops_live__cleanup(void)
{
    dk_api_free(t_api);
    dk_engine_close(t_e);
    t_api = NULL;
    t_e = NULL;
}

/* Call an op; check the answer against the row's result schema. */
static json_t *t_call(const dk_api_principal *who, const char *op, const char *params,
                      dk_api_code want)
{
    return th_api_op(t_api, who, op, params, want);
}

void test_api_ops_live__calls(void)
{
    json_t *r = t_call(NULL, "connect", "{\"repo\":\"demo\",\"intent\":\"i\",\"agent_id\":\"a\"}",
                       DK_API_OK);
    char sid[128], p[512];
    snprintf(sid, sizeof(sid), "%s", json_string_value(json_object_get(r, "session_id")));
    json_decref(r);
    snprintf(p, sizeof(p), "{\"session_id\":\"%s\",\"path\":\"app.py\"}", sid);
    json_decref(t_call(NULL, "file_read", p, DK_API_OK));
    snprintf(p, sizeof(p),
             "{\"session_id\":\"%s\",\"path\":\"app.py\",\"content\":\"def f1(x):\\n    return "
             "2\\n\\n\\ndef f2(x):\\n    return x + 2\\n\"}",
             sid);
    r = t_call(NULL, "file_write", p, DK_API_OK);
    th_assert_eq_str(json_string_value(json_object_get(
                         json_array_get(json_object_get(r, "symbols"), 0), "symbol")),
                     "f1");
    json_decref(r);
    snprintf(p, sizeof(p),
             "{\"session_id\":\"%s\",\"path\":\"b.bin\",\"content\":\"//4A\","
             "\"encoding\":\"base64\"}",
             sid);
    json_decref(t_call(NULL, "file_write", p, DK_API_OK));
    snprintf(p, sizeof(p), "{\"session_id\":\"%s\",\"path\":\"b.bin\"}", sid);
    r = t_call(NULL, "file_read", p, DK_API_OK);
    th_assert_eq_str(json_string_value(json_object_get(r, "content")), "//4A");
    th_assert_eq_str(json_string_value(json_object_get(r, "encoding")), "base64");
    json_decref(r);
    snprintf(p, sizeof(p), "{\"session_id\":\"%s\",\"path\":\"../x\"}", sid);
    t_call(NULL, "file_read", p, DK_API_INVALID_PATH);
    snprintf(p, sizeof(p), "{\"session_id\":\"%s\"}", sid);
    json_decref(t_call(NULL, "changes", p, DK_API_OK));
    json_decref(t_call(NULL, "file_list", p, DK_API_OK));
    json_decref(t_call(NULL, "status", p, DK_API_OK));
    json_decref(t_call(NULL, "pre_submit_check", p, DK_API_OK));
    r = t_call(NULL, "submit", p, DK_API_OK);
    th_assert_eq_str(json_string_value(json_object_get(r, "state")), "submitted");
    json_decref(r);
    t_call(NULL, "submit", p, DK_API_INVALID_STATE);
    r = t_call(NULL, "land", p, DK_API_OK);
    th_assert_eq_int(strlen(json_string_value(json_object_get(r, "commit"))), 40);
    json_decref(r);
    json_decref(t_call(NULL, "watch", "{\"repo\":\"demo\",\"types\":\"changeset.*\"}", DK_API_OK));
    json_decref(t_call(NULL, "repo_list", "{}", DK_API_OK));
    json_decref(t_call(NULL, "sessions_list", "{}", DK_API_OK));
    json_decref(t_call(NULL, "close", p, DK_API_OK));
    t_call(NULL, "status", "{\"session_id\":\"nope\"}", DK_API_SESSION_NOT_FOUND);
    t_call(NULL, "nope", "{}", DK_API_UNKNOWN_OPERATION);
    t_call(NULL, "status", "{\"session_id\":\"s\",\"z\":1}", DK_API_INVALID_ARGUMENT);
}

void test_api_ops_live__tokens_and_scopes(void)
{
    char *tok = NULL, id[40];
    dk_api_principal who;
    th_assert_ok(dk_api_token_create(&tok, id, t_e, DK_API_SCOPE_READ, "demo", "unit"));
    th_assert_eq_int(strlen(tok), 4 + 16 + 1 + 64);
    th_assert_ok(dk_api_token_verify(&who, t_e, tok, strlen(tok)));
    th_assert_eq_str(who.token_id, id);
    th_assert_eq_int(who.scope, DK_API_SCOPE_READ);
    th_assert_eq_str(who.repo, "demo");
    /* a wrong secret, a malformed token, an unknown id: one answer */
    char bad[128];
    snprintf(bad, sizeof(bad), "%s", tok);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == '0' ? '1' : '0';
    th_assert_err(dk_api_token_verify(&who, t_e, bad, strlen(bad)), DK_ENOTFOUND);
    th_assert_err(dk_api_token_verify(&who, t_e, "dkt_x", 5), DK_ENOTFOUND);
    bad[5] = bad[5] == 'a' ? 'b' : 'a';
    th_assert_err(dk_api_token_verify(&who, t_e, bad, strlen(bad)), DK_ENOTFOUND);
    /* scopes: read cannot write or connect; the repository bounds it */
    th_assert_ok(dk_api_token_verify(&who, t_e, tok, strlen(tok)));
    t_call(&who, "connect", "{\"repo\":\"demo\",\"intent\":\"i\",\"agent_id\":\"a\"}",
           DK_API_FORBIDDEN);
    json_t *r = t_call(&who, "repo_list", "{}", DK_API_OK);
    th_assert_eq_int(json_array_size(json_object_get(r, "repos")), 1);
    json_decref(r);
    t_call(&who, "watch", "{\"repo\":\"other\"}", DK_API_FORBIDDEN);
    json_decref(t_call(&who, "watch", "{\"repo\":\"demo\"}", DK_API_OK));
    th_assert(dk_api_principal_allows(&who, "demo", DK_API_SCOPE_READ));
    th_assert(!dk_api_principal_allows(&who, "demo", DK_API_SCOPE_WRITE));
    th_assert(!dk_api_principal_allows(&who, "other", DK_API_SCOPE_READ));
    th_assert(dk_api_principal_allows(NULL, "other", DK_API_SCOPE_ADMIN));
    /* revoked: refused */
    dk_api_token_info *list = NULL;
    size_t n = 0;
    th_assert_ok(dk_api_token_list(&list, &n, t_e));
    th_assert_eq_int(n, 1);
    th_assert_eq_str(list[0].label, "unit");
    th_assert(strstr(list[0].id, "tok_") == list[0].id);
    free(list);
    th_assert_ok(dk_api_token_revoke(t_e, id));
    th_assert_err(dk_api_token_revoke(t_e, id), DK_ENOTFOUND);
    th_assert_err(dk_api_token_verify(&who, t_e, tok, strlen(tok)), DK_ENOTFOUND);
    free(tok);
    th_assert_err(dk_api_token_create(&tok, NULL, t_e, DK_API_SCOPE_NONE, NULL, NULL), DK_EINVALID);
}

void test_api_ops_live__admin_token_file(void)
{
    char dir[4096], path[4200];
    snprintf(dir, sizeof(dir), "%s/data", th_tmpdir());
    snprintf(path, sizeof(path), "%s/admin.token", dir);
    bool created = false;
    th_assert_ok(dk_api_admin_token_ensure(&created, t_e, dir));
    th_assert(created);
    struct stat st;
    th_assert_eq_int(stat(path, &st), 0);
    th_assert_eq_int(st.st_mode & 0777, 0600);
    size_t len = 0;
    char *first = th_read_file(path, &len);
    th_assert_ok(dk_api_admin_token_ensure(&created, t_e, dir));
    th_assert(!created);
    char *second = th_read_file(path, &len);
    th_assert_eq_str(first, second);
    dk_api_principal who;
    th_assert_ok(
        dk_api_token_verify(&who, t_e, first, strlen(first) - 1)); /* without the newline */
    th_assert_eq_int(who.scope, DK_API_SCOPE_ADMIN);
    /* a damaged file is replaced by a new valid token */
    th_write_file(path, "garbage\n", 8);
    th_assert_ok(dk_api_admin_token_ensure(&created, t_e, dir));
    th_assert(created);
    free(first);
    free(second);
}

/*
 * Real refusals of the engine come out with the right protocol code and
 * status: a request the state refuses is INVALID_STATE (409), bad input is
 * INVALID_ARGUMENT (400), a session that is not live is SESSION_NOT_FOUND
 * (404) - decided by the engine's error code alone.
 */
void test_api_ops_live__error_codes(void)
{
    th_assert_eq_int(dk_api_code_http_status(DK_API_INVALID_STATE), 409);
    th_assert_eq_int(dk_api_code_http_status(DK_API_INVALID_ARGUMENT), 400);
    th_assert_eq_int(dk_api_code_http_status(DK_API_SESSION_NOT_FOUND), 404);
    json_t *r = t_call(NULL, "connect", "{\"repo\":\"demo\",\"intent\":\"i\",\"agent_id\":\"a\"}",
                       DK_API_OK);
    char sid[128], cs[128], p[512];
    snprintf(sid, sizeof(sid), "%s", json_string_value(json_object_get(r, "session_id")));
    snprintf(cs, sizeof(cs), "%s", json_string_value(json_object_get(r, "changeset_id")));
    json_decref(r);
    snprintf(p, sizeof(p), "{\"session_id\":\"%s\"}", sid);
    /* state: nothing to submit, a draft to land, a draft to approve */
    t_call(NULL, "submit", p, DK_API_INVALID_STATE);
    t_call(NULL, "land", p, DK_API_INVALID_STATE);
    char ap[512];
    snprintf(ap, sizeof(ap), "{\"changeset_id\":\"%s\",\"reason\":\"ok\"}", cs);
    t_call(NULL, "approve", ap, DK_API_INVALID_STATE);
    /* a draft to reject (only a changeset awaiting approval is), a reject without a reason */
    t_call(NULL, "reject", ap, DK_API_INVALID_STATE);
    snprintf(ap, sizeof(ap), "{\"changeset_id\":\"%s\"}", cs);
    t_call(NULL, "reject", ap, DK_API_INVALID_ARGUMENT);
    snprintf(ap, sizeof(ap), "{\"changeset_id\":\"%s\",\"reason\":\"\"}", cs);
    t_call(NULL, "reject", ap, DK_API_INVALID_ARGUMENT);
    /* reverting, in a session of "other", a changeset of "demo": not found there */
    r = t_call(NULL, "connect", "{\"repo\":\"other\",\"intent\":\"i\",\"agent_id\":\"b\"}",
               DK_API_OK);
    snprintf(ap, sizeof(ap), "{\"session_id\":\"%s\",\"changeset_id\":\"%s\"}",
             json_string_value(json_object_get(r, "session_id")), cs);
    json_decref(r);
    t_call(NULL, "revert", ap, DK_API_NOT_FOUND);
    /* state again: submitted twice with nothing changed */
    snprintf(ap, sizeof(ap), "{\"session_id\":\"%s\",\"path\":\"n.txt\",\"content\":\"n\"}", sid);
    json_decref(t_call(NULL, "file_write", ap, DK_API_OK));
    json_decref(t_call(NULL, "submit", p, DK_API_OK));
    t_call(NULL, "submit", p, DK_API_INVALID_STATE);
    /* not live any more: SESSION_NOT_FOUND, whatever the operation */
    json_decref(t_call(NULL, "abandon", p, DK_API_OK));
    t_call(NULL, "changes", p, DK_API_SESSION_NOT_FOUND);
    t_call(NULL, "submit", p, DK_API_SESSION_NOT_FOUND);
    t_call(NULL, "file_write", ap, DK_API_SESSION_NOT_FOUND);
}

/* `text` with every `from` replaced by `to` (malloc'd). */
static char *t_replace(const char *text, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to), n = 0;
    for (const char *at = text; (at = strstr(at, from)); at += nf)
        n++;
    char *out = malloc(strlen(text) + n * nt + 1), *w = out;
    th_assert(out != NULL);
    for (const char *at; (at = strstr(text, from)); text = at + nf) {
        memcpy(w, text, (size_t)(at - text));
        w += at - text;
        memcpy(w, to, nt);
        w += nt;
    }
    memcpy(w, text, strlen(text) + 1);
    return out;
}

/* The error `op` answers `who` for `params` with `id` in place of "@ID", then with
 * the id written back as "@ID" (the one thing two answers about two ids may differ in). */
static char *t_error_about(const dk_api_principal *who, const char *op, const char *params,
                           const char *id)
{
    char *p = t_replace(params, "@ID", id);
    char *e = th_api_op_error(t_api, who, op, p);
    char *back = t_replace(e, id, "@ID");
    free(p);
    free(e);
    return back;
}

/*
 * Changeset ids are readable (cs_<repo>_<n>): a token scoped to repository
 * "other" must not learn which ids "demo" has. Approve, reject and revert of a
 * changeset of "demo" answer exactly what they answer for an id that does not
 * exist (they used to answer FORBIDDEN, resp. INVALID_ARGUMENT naming the
 * repository, against NOT_FOUND); on its own repository the token is answered
 * as before, and an unscoped approver still reaches "demo".
 */
void test_api_ops_live__changeset_ids_of_another_repository(void)
{
    json_t *r = t_call(NULL, "connect", "{\"repo\":\"demo\",\"intent\":\"i\",\"agent_id\":\"a\"}",
                       DK_API_OK);
    char cs[128];
    snprintf(cs, sizeof(cs), "%s", json_string_value(json_object_get(r, "changeset_id")));
    json_decref(r);
    char *tok = NULL;
    dk_api_principal other, all;
    th_assert_ok(dk_api_token_create(&tok, NULL, t_e, DK_API_SCOPE_APPROVE, "other", "o"));
    th_assert_ok(dk_api_token_verify(&other, t_e, tok, strlen(tok)));
    free(tok);
    th_assert_ok(dk_api_token_create(&tok, NULL, t_e, DK_API_SCOPE_APPROVE, NULL, "all"));
    th_assert_ok(dk_api_token_verify(&all, t_e, tok, strlen(tok)));
    free(tok);
    r = t_call(&other, "connect", "{\"repo\":\"other\",\"intent\":\"i\",\"agent_id\":\"o\"}",
               DK_API_OK);
    char osid[128], ocs[128];
    snprintf(osid, sizeof(osid), "%s", json_string_value(json_object_get(r, "session_id")));
    snprintf(ocs, sizeof(ocs), "%s", json_string_value(json_object_get(r, "changeset_id")));
    json_decref(r);
    char revert[256];
    snprintf(revert, sizeof(revert), "{\"session_id\":\"%s\",\"changeset_id\":\"@ID\"}", osid);
    const char *ask[][2] = {
        {"approve", "{\"changeset_id\":\"@ID\",\"reason\":\"r\"}"},
        {"reject", "{\"changeset_id\":\"@ID\",\"reason\":\"r\"}"},
        {"revert", revert},
    };
    for (size_t i = 0; i < sizeof(ask) / sizeof(ask[0]); i++) {
        char *known = t_error_about(&other, ask[i][0], ask[i][1], cs);
        char *unknown = t_error_about(&other, ask[i][0], ask[i][1], "cs_demo_987654");
        th_assert_msg(strcmp(known, unknown) == 0,
                      "%s tells a changeset of demo (%s) from none (%s)", ask[i][0], known,
                      unknown);
        th_assert_msg(strstr(known, "\"NOT_FOUND\"") != NULL, "%s: %s", ask[i][0], known);
        free(known);
        free(unknown);
    }
    /* its own repository: the state decides (a draft is neither approved nor rejected) */
    char p[256];
    snprintf(p, sizeof(p), "{\"changeset_id\":\"%s\",\"reason\":\"r\"}", ocs);
    t_call(&other, "approve", p, DK_API_INVALID_STATE);
    t_call(&other, "reject", p, DK_API_INVALID_STATE);
    /* an approver of every repository reaches demo's changeset */
    snprintf(p, sizeof(p), "{\"changeset_id\":\"%s\",\"reason\":\"r\"}", cs);
    t_call(&all, "approve", p, DK_API_INVALID_STATE);
    /* the local process is told too */
    t_call(NULL, "approve", p, DK_API_INVALID_STATE);
}
