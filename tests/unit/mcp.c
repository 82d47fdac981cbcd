/*
 * tests/unit/mcp.c - api/mcp.c without a server: the era rules, the HTTP
 * header checks, legacy sessions (HTTP table and the stdio session that
 * supplies an omitted session_id), tool errors, the Origin guard. The
 * backend is a fake that records the last call, so every test states
 * exactly what reached the operation table.
 */
#include "api/mcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness/th.h"

struct fake {
    char last_op[32];
    json_t *last_params;
    int nconnect;
};

static struct fake fake;

static int fake_call(void *ud, const dk_api_principal *p, const char *op, json_t *params,
                     json_t **result, dk_api_error *err)
{
    (void)ud;
    (void)p;
    snprintf(fake.last_op, sizeof(fake.last_op), "%s", op);
    json_decref(fake.last_params);
    fake.last_params = json_deep_copy(params);
    if (strcmp(op, "connect") == 0) {
        char sid[16];
        snprintf(sid, sizeof(sid), "s%d", ++fake.nconnect);
        *result =
            json_pack("{s:s,s:s,s:s}", "session_id", sid, "repo", "demo", "changeset_id", "cs1");
        return 0;
    }
    if (strcmp(op, "file_write") == 0) {
        dk_api_error_set(err, DK_API_SYMBOL_CLAIMED, "'f' in a.py is claimed by agent 'bob'");
        err->details = json_pack("{s:[{s:s,s:s,s:s}]}", "claims", "path", "a.py", "symbol", "f",
                                 "holder_agent", "bob");
        return -1;
    }
    *result = json_pack("{s:s,s:O}", "op", op, "params", params ? params : json_null());
    return 0;
}

static const dk_api_op *fake_ops(void *ud, size_t *count)
{
    (void)ud;
    return dk_api_ops(count);
}

static dk_mcp *mcp;

void test_mcp__initialize(void)
{
    memset(&fake, 0, sizeof(fake));
    dk_mcp_backend b = {.call = fake_call, .ops = fake_ops};
    th_assert_ok(dk_mcp_new(&mcp, &b));
}

void test_mcp__cleanup(void)
{
    dk_mcp_free(mcp);
    mcp = NULL;
    json_decref(fake.last_params);
    fake.last_params = NULL;
}

#define MODERN_META                                                                                \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","                       \
    "\"io.modelcontextprotocol/clientCapabilities\":{}}"

/* Handle `body`; the response body must be set unless `expect_body` is false. */
static void handle(dk_mcp_session *s, const dk_mcp_request *base, const char *body,
                   dk_mcp_response *resp)
{
    dk_mcp_request q = *base;
    q.body = body;
    q.len = strlen(body);
    *resp = (dk_mcp_response)DK_MCP_RESPONSE_INIT;
    dk_mcp_handle(mcp, s, &q, resp);
}

static int error_code(const dk_mcp_response *r)
{
    return (int)json_integer_value(json_object_get(json_object_get(r->body, "error"), "code"));
}

void test_mcp__http_modern_header_checks(void)
{
    const char *body =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
        "\"name\":\"dk_status\",\"arguments\":{\"session_id\":\"x\"}," MODERN_META "}}";
    dk_mcp_request q = {.http = true};
    dk_mcp_response r;
    handle(NULL, &q, body, &r); /* no MCP-Protocol-Version */
    th_assert_eq_int(r.http_status, 400);
    th_assert_eq_int(error_code(&r), -32020);
    dk_mcp_response_release(&r);
    q.h_protocol_version = "2025-11-25"; /* header disagrees with _meta */
    handle(NULL, &q, body, &r);
    th_assert_eq_int(error_code(&r), -32020);
    dk_mcp_response_release(&r);
    q.h_protocol_version = "2026-07-28"; /* no Mcp-Method */
    handle(NULL, &q, body, &r);
    th_assert_eq_int(error_code(&r), -32020);
    dk_mcp_response_release(&r);
    q.h_method = "tools/call";
    q.h_name = "dk_close"; /* Mcp-Name disagrees with params.name */
    handle(NULL, &q, body, &r);
    th_assert_eq_int(r.http_status, 400);
    th_assert_eq_int(error_code(&r), -32020);
    th_assert_eq_str(fake.last_op, ""); /* nothing reached the table */
    dk_mcp_response_release(&r);
    q.h_name = "=?base64?ZGtfc3RhdHVz?="; /* "dk_status", base64 sentinel */
    handle(NULL, &q, body, &r);
    th_assert_eq_int(r.http_status, 200);
    th_assert_eq_str(fake.last_op, "status");
    json_t *res = json_object_get(r.body, "result");
    th_assert_eq_str(json_string_value(json_object_get(res, "resultType")), "complete");
    th_assert(json_is_false(json_object_get(res, "isError")));
    th_assert_eq_str(
        json_string_value(json_object_get(
            json_object_get(json_object_get(res, "structuredContent"), "params"), "session_id")),
        "x");
    th_assert(r.new_session_id[0] == 0); /* stateless: no session minted */
    dk_mcp_response_release(&r);
}

void test_mcp__modern_unknown_method_and_notification(void)
{
    dk_mcp_request q = {0};
    dk_mcp_response r;
    handle(NULL, &q,
           "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/list\",\"params\":{" MODERN_META
           "}}",
           &r);
    th_assert_eq_int(r.http_status, 404);
    th_assert_eq_int(error_code(&r), -32601);
    dk_mcp_response_release(&r);
    handle(NULL, &q,
           "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{" MODERN_META
           "}}",
           &r);
    th_assert_eq_int(r.http_status, 202);
    th_assert(r.body == NULL);
    q.http = true; /* over HTTP too, without the request headers: notifications are exempt */
    handle(NULL, &q,
           "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{" MODERN_META
           "}}",
           &r);
    th_assert_eq_int(r.http_status, 202);
    th_assert(r.body == NULL);
}

void test_mcp__http_legacy_sessions(void)
{
    dk_api_principal alice = {.token_id = "tok_alice", .scope = DK_API_SCOPE_WRITE};
    dk_api_principal bob = {.token_id = "tok_bob", .scope = DK_API_SCOPE_WRITE};
    dk_mcp_request q = {.http = true, .principal = &alice};
    dk_mcp_response r;
    const char *list = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}";
    handle(NULL, &q, list, &r); /* neither a session nor modern _meta */
    th_assert_eq_int(r.http_status, 400);
    dk_mcp_response_release(&r);
    handle(NULL, &q,
           "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
           "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\","
           "\"version\":\"1\"}}}",
           &r);
    th_assert_eq_int(r.http_status, 200);
    th_assert(strncmp(r.new_session_id, "mcp_", 4) == 0);
    char sid[48];
    snprintf(sid, sizeof(sid), "%s", r.new_session_id);
    dk_mcp_response_release(&r);
    q.h_session_id = sid;
    handle(NULL, &q, list, &r);
    th_assert_eq_int(r.http_status, 200);
    th_assert_eq_int(json_array_size(json_object_get(json_object_get(r.body, "result"), "tools")),
                     18);
    dk_mcp_response_release(&r);
    q.principal = &bob; /* another token cannot use alice's session */
    handle(NULL, &q, list, &r);
    th_assert_eq_int(r.http_status, 404);
    dk_mcp_response_release(&r);
    th_assert_eq_int(dk_mcp_session_delete(mcp, sid, &bob), 403);
    th_assert_eq_int(dk_mcp_session_delete(mcp, sid, &alice), 200);
    q.principal = &alice;
    handle(NULL, &q, list, &r);
    th_assert_eq_int(r.http_status, 404);
    dk_mcp_response_release(&r);
    th_assert_eq_int(dk_mcp_session_delete(mcp, "mcp_unknown", &alice), 404);
}

static json_t *call_tool(dk_mcp_session *s, const char *name, const char *args)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
             "\"arguments\":%s}}",
             name, args);
    dk_mcp_request q = {0};
    dk_mcp_response r;
    handle(s, &q, body, &r);
    json_t *res = json_incref(json_object_get(r.body, "result"));
    dk_mcp_response_release(&r);
    th_assert_msg(res != NULL, "no result for %s", name);
    return res;
}

static const char *result_text(const json_t *res)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(res, "content"), 0), "text"));
}

void test_mcp__legacy_session_supplies_session_id(void)
{
    dk_mcp_session *s = dk_mcp_session_new();
    json_t *r = call_tool(s, "dk_status", "{}");
    th_assert(json_is_true(json_object_get(r, "isError")));
    th_assert(strstr(result_text(r), "dk_connect") != NULL);
    th_assert_eq_str(fake.last_op, ""); /* refused before the table */
    json_decref(r);
    json_decref(
        call_tool(s, "dk_connect", "{\"repo\":\"demo\",\"intent\":\"i\",\"agent_id\":\"a\"}"));
    r = call_tool(s, "dk_status", "{}");
    th_assert(json_is_false(json_object_get(r, "isError")));
    th_assert_eq_str(json_string_value(json_object_get(fake.last_params, "session_id")), "s1");
    json_decref(r);
    json_decref(
        call_tool(s, "dk_connect", "{\"repo\":\"demo\",\"intent\":\"i\",\"agent_id\":\"b\"}"));
    r = call_tool(s, "dk_status", "{}"); /* two sessions: which one? */
    th_assert(json_is_true(json_object_get(r, "isError")));
    th_assert(strstr(result_text(r), "s1") && strstr(result_text(r), "s2"));
    json_decref(r);
    json_decref(call_tool(s, "dk_close", "{\"session_id\":\"s1\"}"));
    r = call_tool(s, "dk_status", "{}");
    th_assert(json_is_false(json_object_get(r, "isError")));
    th_assert_eq_str(json_string_value(json_object_get(fake.last_params, "session_id")), "s2");
    json_decref(r);
    dk_mcp_session_free(s);
}

void test_mcp__tool_error_text_and_meta(void)
{
    dk_mcp_session *s = dk_mcp_session_new();
    json_t *r = call_tool(s, "dk_file_write",
                          "{\"session_id\":\"s1\",\"path\":\"a.py\",\"content\":\"x\"}");
    th_assert(json_is_true(json_object_get(r, "isError")));
    th_assert(json_object_get(r, "structuredContent") == NULL);
    json_t *e = json_object_get(json_object_get(r, "_meta"), "dev.dk/error");
    th_assert_eq_str(json_string_value(json_object_get(e, "code")), "SYMBOL_CLAIMED");
    const char *t = result_text(r);
    th_assert(strstr(t, "SYMBOL_CLAIMED") && strstr(t, "holder_agent=bob"));
    th_assert(strstr(t, "How to recover") && strstr(t, "claim.released"));
    json_decref(r);
    /* STALE_OVERLAY: a write re-reads the file; a landing verifies again */
    dk_api_error stale = DK_API_ERROR_INIT;
    dk_api_error_set(&stale, DK_API_STALE_OVERLAY, "changeset cs_demo_1 was approved on head a");
    char *wt = dk_mcp_text_error("dk_file_write", &stale);
    char *mt = dk_mcp_text_error("dk_merge", &stale);
    th_assert(strstr(wt, "dk_file_read") && !strstr(wt, "dk_verify"));
    th_assert(strstr(mt, "dk_verify") && !strstr(mt, "dk_file_read"));
    free(wt);
    free(mt);
    dk_api_error_release(&stale);
    /* a tool whose operation is not in the table yet is a tool error saying so */
    const char *pending = !dk_api_op_find("verify")    ? "dk_verify"
                          : !dk_api_op_find("context") ? "dk_context"
                                                       : NULL;
    if (pending) {
        r = call_tool(s, pending, "{}");
        th_assert(json_is_true(json_object_get(r, "isError")));
        th_assert(strstr(result_text(r), "not available yet"));
        json_decref(r);
    }
    dk_mcp_session_free(s);
}

void test_mcp__origin_guard(void)
{
    th_assert(dk_mcp_origin_allowed(NULL, NULL));
    th_assert(dk_mcp_origin_allowed("http://localhost:3000", NULL));
    th_assert(dk_mcp_origin_allowed("http://127.0.0.1", NULL));
    th_assert(dk_mcp_origin_allowed("https://[::1]:8443", NULL));
    th_assert(!dk_mcp_origin_allowed("http://evil.example", NULL));
    th_assert(!dk_mcp_origin_allowed("http://localhost.evil.example", NULL));
    th_assert(!dk_mcp_origin_allowed("http://localhost:80x", NULL));
    th_assert(!dk_mcp_origin_allowed("http://localhost:", NULL));
    th_assert(!dk_mcp_origin_allowed("null", NULL));
    th_assert(!dk_mcp_origin_allowed("file://localhost", NULL));
    th_assert(
        dk_mcp_origin_allowed("https://app.example", "https://x.example,https://app.example"));
    th_assert(!dk_mcp_origin_allowed("https://app.example.evil", "https://app.example"));
}

/*
 * Malformed input never crashes the decoder and always gets a well-formed
 * answer: valid messages of both eras, mutated (bytes flipped, cut, spliced)
 * with a fixed seed, through both the stdio and the HTTP paths. Anti-vacuity:
 * enough mutants must still parse as JSON and reach the dispatcher.
 */
void test_mcp__mutated_messages_are_answered(void)
{
    static const char *const seeds[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
        "\"2025-11-25\",\"capabilities\":{}}}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"tools/list\",\"params\":{" MODERN_META "}}",
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/"
        "call\",\"params\":{\"name\":\"dk_status\","
        "\"arguments\":{\"session_id\":\"s\"}," MODERN_META "}}",
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"dk_file_"
        "write\",\"arguments\":{\"path\":\"a.py\",\"content\":\"x\"}}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
    };
    dk_api_principal who = {.token_id = "tok_fuzz", .scope = DK_API_SCOPE_ADMIN};
    dk_mcp_session *s = dk_mcp_session_new();
    unsigned long long x = 0x9e3779b97f4a7c15ull;
    int parsed = 0;
    char buf[512];
    for (int i = 0; i < 3000; i++) {
        const char *seed = seeds[i % (sizeof(seeds) / sizeof(seeds[0]))];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        for (int k = 0; k < 1 + i % 4; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size_t at = (size_t)(x % n);
            switch ((x >> 32) % 4) {
            case 0:
                buf[at] = (char)(x >> 40);
                break;
            case 1:
                n = at + 1;
                break;
            case 2:
                buf[at] = "{}[]\":,0\\"[(x >> 40) % 9];
                break;
            default:
                memmove(buf + at, buf + at + 1, n - at - 1), n--;
                break;
            }
        }
        dk_mcp_request q = {.body = buf, .len = n};
        if (i % 2) {
            q.http = true;
            q.principal = &who;
            q.h_protocol_version = "2026-07-28";
            q.h_method = "tools/list";
        }
        dk_mcp_response r = DK_MCP_RESPONSE_INIT;
        dk_mcp_handle(mcp, i % 2 ? NULL : s, &q, &r);
        if (r.body) {
            th_assert_eq_str(json_string_value(json_object_get(r.body, "jsonrpc")), "2.0");
            th_assert(json_object_get(r.body, "result") || json_object_get(r.body, "error"));
            th_assert(json_object_get(r.body, "id") != NULL);
            if (error_code(&r) != -32700)
                parsed++;
        } else {
            th_assert_eq_int(r.http_status, 202);
        }
        dk_mcp_response_release(&r);
    }
    dk_mcp_session_free(s);
    th_assert_msg(parsed > 300, "only %d mutants reached the dispatcher", parsed);
}

/* ---- progress ------------------------------------------------------------- */

static int progress_calls;

/* Reports 1, 1 again (not increasing: dropped), 2.5 of 4, then answers. */
static int fake_call_progress(void *ud, const dk_api_principal *p, const char *op, json_t *params,
                              void (*progress)(void *pud, double done, double total,
                                               const char *message),
                              void *progress_ud, json_t **result, dk_api_error *err)
{
    progress_calls++;
    progress(progress_ud, 1, 0, "step one");
    progress(progress_ud, 1, 0, "step one again");
    progress(progress_ud, 2.5, 4, "step two");
    return fake_call(ud, p, op, params, result, err);
}

static json_t *seen_notes;

static void record_note(void *ud, const json_t *n)
{
    (void)ud;
    th_assert_msg(json_array_size(seen_notes) < 10, "too many notifications");
    json_array_append_new(seen_notes, json_deep_copy(n));
}

static void progress_call(dk_mcp *m, const char *meta_extra, bool notify, dk_mcp_response *r)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"dk_verify\",\"arguments\":{\"session_id\":\"s1\"},\"_meta\":{\"io."
             "modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/"
             "clientCapabilities\":{}%s}}}",
             meta_extra);
    dk_mcp_request q = {.body = body, .len = strlen(body)};
    if (notify)
        q.notify = record_note;
    *r = (dk_mcp_response)DK_MCP_RESPONSE_INIT;
    dk_mcp_handle(m, NULL, &q, r);
}

void test_mcp__progress_notifications(void)
{
    dk_mcp *m;
    dk_mcp_backend b = {.call = fake_call, .call_progress = fake_call_progress, .ops = fake_ops};
    th_assert_ok(dk_mcp_new(&m, &b));
    seen_notes = json_array();
    progress_calls = 0;
    dk_mcp_response r;

    /* a string token: two notifications (the repeated value is dropped), then the result */
    progress_call(m, ",\"progressToken\":\"tok\"", true, &r);
    th_assert(json_object_get(r.body, "result") != NULL);
    dk_mcp_response_release(&r);
    th_assert_eq_int(progress_calls, 1);
    th_assert_eq_int(json_array_size(seen_notes), 2);
    json_t *n0 = json_array_get(seen_notes, 0), *n1 = json_array_get(seen_notes, 1);
    th_assert_eq_str(json_string_value(json_object_get(n0, "method")), "notifications/progress");
    th_assert(json_object_get(n0, "id") == NULL);
    json_t *p0 = json_object_get(n0, "params"), *p1 = json_object_get(n1, "params");
    th_assert_eq_str(json_string_value(json_object_get(p0, "progressToken")), "tok");
    th_assert(json_is_integer(json_object_get(p0, "progress")));
    th_assert_eq_int(json_integer_value(json_object_get(p0, "progress")), 1);
    th_assert(json_object_get(p0, "total") == NULL);
    th_assert_eq_str(json_string_value(json_object_get(p0, "message")), "step one");
    th_assert(json_real_value(json_object_get(p1, "progress")) == 2.5);
    th_assert_eq_int(json_integer_value(json_object_get(p1, "total")), 4);
    json_array_clear(seen_notes);

    /* an integer token is echoed as an integer */
    progress_call(m, ",\"progressToken\":42", true, &r);
    dk_mcp_response_release(&r);
    th_assert_eq_int(json_array_size(seen_notes), 2);
    th_assert_eq_int(
        json_integer_value(json_object_get(json_object_get(json_array_get(seen_notes, 0), "params"),
                                           "progressToken")),
        42);
    json_array_clear(seen_notes);

    /* no token, or a transport without notify: the plain call, nothing sent */
    progress_call(m, "", true, &r);
    th_assert(json_object_get(r.body, "result") != NULL);
    dk_mcp_response_release(&r);
    progress_call(m, ",\"progressToken\":\"tok\"", false, &r);
    th_assert(json_object_get(r.body, "result") != NULL);
    dk_mcp_response_release(&r);
    th_assert_eq_int(progress_calls, 2);
    th_assert_eq_int(json_array_size(seen_notes), 0);

    /* a token that is neither a string nor an integer: -32602, the operation not run */
    fake.last_op[0] = 0;
    progress_call(m, ",\"progressToken\":1.5", true, &r);
    th_assert_eq_int(error_code(&r), -32602);
    dk_mcp_response_release(&r);
    progress_call(m, ",\"progressToken\":{\"a\":1}", true, &r);
    th_assert_eq_int(error_code(&r), -32602);
    dk_mcp_response_release(&r);
    th_assert_eq_str(fake.last_op, "");
    th_assert_eq_int(json_array_size(seen_notes), 0);

    json_decref(seen_notes);
    seen_notes = NULL;
    dk_mcp_free(m);
}

/* The pool a transport picks: slow tools (land, verify, resolve) apart from reads and waits. */
void test_mcp__message_op_flags(void)
{
    struct {
        const char *body;
        unsigned flags;
    } cases[] = {
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/"
         "call\",\"params\":{\"name\":\"dk_merge\"}}",
         DK_API_OP_SLOW},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/"
         "call\",\"params\":{\"name\":\"dk_verify\","
         "\"arguments\":{\"session_id\":\"s1\"}}}",
         DK_API_OP_SLOW},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/"
         "call\",\"params\":{\"name\":\"dk_watch\"}}",
         DK_API_OP_WAITS},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/"
         "call\",\"params\":{\"name\":\"dk_status\"}}",
         0},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/"
         "call\",\"params\":{\"name\":\"dk_nope\"}}",
         0},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/"
         "list\",\"params\":{\"name\":\"dk_merge\"}}",
         0},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":7}}", 0},
        {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/"
         "call\",\"params\":{\"name\":\"dk_merge\"",
         0},
        {"[1,2]", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        th_assert_eq_int(dk_mcp_message_op_flags(mcp, cases[i].body, strlen(cases[i].body)),
                         cases[i].flags);
    th_assert_eq_int(dk_mcp_message_op_flags(NULL, cases[0].body, strlen(cases[0].body)), 0);
}
