/*
 * api/ops.c - the operation table (DESIGN.md decision 7) and dk_api_call.
 *
 * One row per operation: name, summary, JSON Schema of the params and of the
 * result (the MCP tools' inputSchema/outputSchema, verbatim), the least
 * scope, flags, handler. HTTP (`POST /v1/<name>`), MCP (`dk_<name>`) and the
 * CLI all go through dk_api_call, so an operation is written once.
 *
 * dk_api_call, in order (fail-closed, each step refuses before the next):
 *   1. the row exists                       else UNKNOWN_OPERATION (404)
 *   2. the token's scope reaches the row's  else FORBIDDEN (403)
 *   3. params is an object valid against the row's schema: no unknown
 *      field, no wrong type, nothing required missing, enums respected
 *                                           else INVALID_ARGUMENT naming the field
 *   4. the handler (repository scope, paths, content, then the engine)
 * A refusal at any step changes nothing.
 *
 * Validation is a small interpreter of the schema subset the table uses
 * (type, properties, required, additionalProperties, items, enum, minLength,
 * maxLength, minimum, maximum), so the schema an MCP client sees is exactly
 * what the server enforces. Schemas are parsed once, in dk_api_new.
 *
 * Conventions: the table is static and immutable; a dk_api is shared by
 * every thread; results are new jansson references.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/ops_int.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

/* ========================================================================== */
/* Schema fragments                                                           */
/* ========================================================================== */

/* clang-format off */
#define Q(s) "\"" s "\""
#define P_SESSION Q("session_id") ":{\"type\":\"string\",\"minLength\":1,\"maxLength\":256," \
    "\"description\":\"the session, from connect\"}"
#define P_PATH Q("path") ":{\"type\":\"string\",\"minLength\":1,\"maxLength\":4096," \
    "\"description\":\"repository-relative path\"}"
#define P_REPO Q("repo") ":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100," \
    "\"description\":\"repository name\"}"
#define P_CONTENT Q("content") ":{\"type\":\"string\",\"description\":\"file content: UTF-8 " \
    "text, or base64 with encoding=base64\"}," Q("encoding") ":{\"enum\":[\"utf8\",\"base64\"]}"
#define P_STR(name, max) Q(name) ":{\"type\":\"string\",\"minLength\":1,\"maxLength\":" #max "}"
#define OBJ(props, req) "{\"type\":\"object\",\"properties\":{" props "},\"required\":[" req "]," \
    "\"additionalProperties\":false}"
#define ROBJ(props, req) "{\"type\":\"object\",\"properties\":{" props "},\"required\":[" req "]}"
#define T_STR "{\"type\":\"string\"}"
#define T_INT "{\"type\":\"integer\"}"
#define T_BOOL "{\"type\":\"boolean\"}"
#define T_NSTR "{\"type\":[\"string\",\"null\"]}"
#define T_ARR(items) "{\"type\":\"array\",\"items\":" items "}"
#define R_SYMBOL ROBJ( \
    Q("path") ":" T_STR "," Q("symbol") ":" T_STR "," Q("name") ":" T_STR "," \
    Q("kind") ":" T_STR "," Q("change") ":{\"enum\":[\"added\",\"modified\",\"deleted\"]}", \
    Q("path") "," Q("symbol") "," Q("change"))
#define R_CTX_EDGE ROBJ( \
    Q("text") ":" T_STR "," Q("resolved") ":" T_BOOL "," Q("name") ":" T_STR "," \
    Q("qualified_name") ":" T_STR "," Q("kind") ":" T_STR "," Q("path") ":" T_STR "," \
    Q("start_line") ":" T_INT "," Q("end_line") ":" T_INT "," Q("call_line") ":" T_INT, \
    Q("text") "," Q("resolved"))
#define R_SESSION_FIELDS \
    Q("session_id") ":" T_STR "," Q("repo") ":" T_STR "," Q("agent_id") ":" T_STR "," \
    Q("agent_name") ":" T_STR "," Q("intent") ":" T_STR "," Q("changeset_id") ":" T_STR "," \
    Q("changeset_state") ":" T_STR "," Q("base_commit") ":" T_STR "," Q("mode") ":" T_STR "," \
    Q("state") ":" T_STR "," Q("files_changed") ":" T_INT "," Q("symbols_changed") ":" T_INT
#define R_SESSION ROBJ(R_SESSION_FIELDS, Q("session_id") "," Q("repo"))
#define R_STATUS ROBJ(R_SESSION_FIELDS "," Q("verification") ":" R_VERIFICATION_OR_NULL, \
    Q("session_id") "," Q("repo"))
/* the stored results of the last verification (dk/verify.h), as the verify op answers them */
#define R_VERIFY_FIELDS \
    Q("passed") ":" T_BOOL "," Q("awaiting_approval") ":" T_BOOL "," Q("head") ":" T_STR "," \
    Q("tree") ":" T_STR "," Q("pipeline") ":" T_STR "," Q("sandbox") ":" T_STR "," \
    Q("error") ":" T_STR "," \
    Q("steps") ":" T_ARR(ROBJ( \
        Q("name") ":" T_STR "," Q("stage") ":" T_STR "," Q("command") ":" T_STR "," \
        Q("status") ":{\"enum\":[\"pass\",\"fail\",\"skip\",\"timeout\",\"waiting\"]}," \
        Q("duration_ms") ":" T_INT "," Q("required") ":" T_BOOL "," \
        Q("exit_code") ":" T_INT "," Q("output_tail") ":" T_STR "," \
        Q("output_bytes") ":" T_INT "," Q("truncated") ":" T_BOOL "," \
        Q("findings") ":" T_ARR(ROBJ( \
            Q("tool") ":" T_STR "," Q("file") ":" T_STR "," Q("line") ":" T_INT "," \
            Q("severity") ":{\"enum\":[\"error\",\"warning\",\"info\"]}," \
            Q("message") ":" T_STR, \
            Q("severity") "," Q("message"))), \
        Q("name") "," Q("status") "," Q("required"))) "," \
    Q("conflicts") ":" T_ARR(ROBJ(Q("path") ":" T_STR, Q("path")))
#define R_VERIFICATION_OR_NULL "{\"type\":[\"object\",\"null\"],\"properties\":{" \
    R_VERIFY_FIELDS "," Q("verified_head") ":" T_STR "}}"
/* approve and reject: a person's answer about a changeset */
#define P_ANSWER OBJ(P_STR("changeset_id", 256) "," P_STR("reason", 4000), \
                     Q("changeset_id") "," Q("reason"))
#define R_CHANGESET ROBJ( \
    Q("changeset_id") ":" T_STR "," Q("repo") ":" T_STR "," Q("number") ":" T_INT "," \
    Q("session_id") ":" T_NSTR "," Q("state") ":" T_STR "," Q("reason") ":" T_NSTR "," \
    Q("intent") ":" T_NSTR "," Q("base_commit") ":" T_STR "," Q("submit_commit") ":" T_STR "," \
    Q("commit") ":" T_STR "," Q("verification") ":" R_VERIFICATION_OR_NULL, \
    Q("changeset_id") "," Q("state"))
#define R_CONFLICT ROBJ( \
    Q("path") ":" T_STR "," Q("symbol") ":" T_STR "," Q("kind") ":" T_STR "," \
    Q("description") ":" T_STR "," Q("base") ":" T_NSTR "," Q("theirs") ":" T_NSTR "," \
    Q("mine") ":" T_NSTR, \
    Q("path") "," Q("symbol"))
#define R_STATE ROBJ(Q("session_id") ":" T_STR "," Q("state") ":" T_STR, \
    Q("session_id") "," Q("state"))

/* ========================================================================== */
/* The table                                                                  */
/* ========================================================================== */

static const dk_api_op ops_table[] = {
    {"connect", "open a session: a copy-on-write view of the repository at a base commit",
     OBJ(P_REPO "," P_STR("intent", 4000) "," P_STR("agent_id", 200) ","
         P_STR("agent_name", 200) "," P_STR("base_commit", 200) ","
         Q("mode") ":{\"enum\":[\"ephemeral\",\"persistent\"]},"
         Q("persistent_ttl_ms") ":{\"type\":\"integer\",\"minimum\":0},"
         P_STR("resume_session_id", 256),
         Q("repo") "," Q("intent") "," Q("agent_id")),
     /* cppcheck-suppress unknownMacro ; it cannot expand the nested schema macros */
     ROBJ(R_SESSION_FIELDS ","
          Q("summary") ":" ROBJ(Q("commit") ":" T_STR "," Q("branch_head") ":" T_STR "," Q("index_behind") ":" T_BOOL "," Q("files") ":" T_INT "," Q("languages") ":{\"type\":\"object\"}," Q("symbols") ":" T_INT, Q("commit") "," Q("index_behind")) ","
          Q("other_sessions") ":" T_ARR(ROBJ(
              Q("session_id") ":" T_STR "," Q("agent_id") ":" T_STR "," Q("agent_name") ":" T_STR ","
              Q("intent") ":" T_STR "," Q("files") ":" T_ARR(T_STR), "")),
          Q("session_id") "," Q("changeset_id") "," Q("base_commit")),
     DK_API_SCOPE_WRITE, 0, dk_ops_connect},
    {"status", "the session's state, base, changeset and counts",
     OBJ(P_SESSION, Q("session_id")),
     R_STATUS, DK_API_SCOPE_READ, 0, dk_ops_status},
    {"file_read", "read a file through the session (its own writes, then the base)",
     OBJ(P_SESSION "," P_PATH, Q("session_id") "," Q("path")),
     ROBJ(Q("path") ":" T_STR "," Q("content") ":" T_STR "," Q("encoding") ":" T_STR ","
          Q("hash") ":" T_STR "," Q("mode") ":" T_INT "," Q("size") ":" T_INT ","
          Q("modified_in_session") ":" T_BOOL,
          Q("path") "," Q("content") "," Q("hash")),
     DK_API_SCOPE_READ, 0, dk_ops_file_read},
    {"file_write",
     "write a file in the session; refused whole if another session claims a symbol it changes",
     OBJ(P_SESSION "," P_PATH "," P_CONTENT "," Q("mode") ":{\"enum\":[33188,33261,40960]},"
         Q("force") ":" T_BOOL,
         Q("session_id") "," Q("path") "," Q("content")),
     ROBJ(Q("path") ":" T_STR "," Q("hash") ":" T_STR "," Q("is_new") ":" T_BOOL ","
          Q("unparsed") ":" T_BOOL "," Q("symbols") ":" T_ARR(R_SYMBOL),
          Q("path") "," Q("hash") "," Q("symbols")),
     DK_API_SCOPE_WRITE, DK_API_OP_CONTENT, dk_ops_file_write},
    {"file_delete", "delete a file in the session",
     OBJ(P_SESSION "," P_PATH, Q("session_id") "," Q("path")),
     ROBJ(Q("path") ":" T_STR "," Q("symbols") ":" T_ARR(R_SYMBOL), Q("path")),
     DK_API_SCOPE_WRITE, 0, dk_ops_file_delete},
    {"file_revert", "drop the session's change to a file (back to the base)",
     OBJ(P_SESSION "," P_PATH, Q("session_id") "," Q("path")),
     ROBJ(Q("path") ":" T_STR "," Q("reverted") ":" T_BOOL, Q("path")),
     DK_API_SCOPE_WRITE, 0, dk_ops_file_revert},
    {"file_list", "list files through the session, with who else changes each",
     OBJ(P_SESSION "," Q("prefix") ":{\"type\":\"string\",\"maxLength\":4096},"
         Q("only_modified") ":" T_BOOL,
         Q("session_id")),
     ROBJ(Q("files") ":" T_ARR(ROBJ(Q("path") ":" T_STR "," Q("status") ":" T_STR ","
                                    Q("other_modifiers") ":" T_STR, Q("path"))),
          Q("files")),
     DK_API_SCOPE_READ, 0, dk_ops_file_list},
    {"changes", "the symbols the session changed against its base",
     OBJ(P_SESSION, Q("session_id")),
     ROBJ(Q("symbols") ":" T_ARR(R_SYMBOL), Q("symbols")),
     DK_API_SCOPE_READ, 0, dk_ops_changes},
    {"context",
     "code context: the symbols that answer a question, ranked (rank kept), with signature, "
     "doc, source (depth full), callers and callees across files (depth call_graph) and the "
     "tests that call them, within max_tokens",
     OBJ(P_SESSION "," P_REPO "," Q("query") ":{\"type\":\"string\",\"minLength\":1,"
         "\"maxLength\":4000}," Q("depth") ":{\"enum\":[\"signatures\",\"full\",\"call_graph\"]},"
         Q("include_tests") ":" T_BOOL ","
         Q("max_tokens") ":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10000000},"
         Q("max_results") ":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}",
         Q("query")),
     ROBJ(Q("symbols") ":" T_ARR(ROBJ(
              Q("rank") ":" T_INT "," Q("score") ":{\"type\":\"number\"}," Q("name") ":" T_STR ","
              Q("qualified_name") ":" T_STR "," Q("kind") ":" T_STR "," Q("path") ":" T_STR ","
              Q("start_line") ":" T_INT "," Q("end_line") ":" T_INT "," Q("signature") ":" T_STR ","
              Q("doc") ":" T_STR "," Q("source") ":" T_STR "," Q("source_cut") ":" T_BOOL ","
              Q("source_dropped") ":" T_BOOL "," Q("from_session") ":" T_BOOL ","
              Q("callers") ":" T_ARR(R_CTX_EDGE) "," Q("callees") ":" T_ARR(R_CTX_EDGE) ","
              Q("tests") ":" T_ARR(R_CTX_EDGE),
              Q("rank") "," Q("name") "," Q("path") "," Q("start_line") "," Q("end_line"))) ","
          Q("estimated_tokens") ":" T_INT "," Q("max_tokens") ":" T_INT ","
          Q("cut") ":" ROBJ(Q("sources_cut") ":" T_INT "," Q("sources_dropped") ":" T_INT ","
                            Q("symbols_dropped") ":" T_INT, "") ","
          Q("words") ":" T_STR "," Q("head") ":" T_STR "," Q("branch_head") ":" T_STR ","
          Q("index_behind") ":" T_BOOL,
          Q("symbols") "," Q("estimated_tokens")),
     DK_API_SCOPE_READ, 0, dk_ops_context},
    {"pre_submit_check", "dry-run landing: would it land now, and which symbols conflict",
     OBJ(P_SESSION, Q("session_id")),
     ROBJ(Q("clean") ":" T_BOOL "," Q("merged_files") ":" T_ARR(T_STR) ","
          Q("conflicts") ":" T_ARR(R_CONFLICT),
          Q("clean") "," Q("conflicts")),
     DK_API_SCOPE_READ, DK_API_OP_SLOW, dk_ops_pre_submit_check},
    {"submit", "submit the session's changeset (a commit on its base, refs/dk/changesets/<id>)",
     OBJ(P_SESSION, Q("session_id")),
     R_CHANGESET, DK_API_SCOPE_WRITE, DK_API_OP_SLOW, dk_ops_submit},
    {"approve",
     "approve a submitted changeset, or one awaiting approval at a human-approve step "
     "(approve scope)",
     P_ANSWER, R_CHANGESET, DK_API_SCOPE_APPROVE, 0, dk_ops_approve},
    {"reject",
     "reject a changeset awaiting approval at a human-approve step, with a reason (approve "
     "scope): awaiting_approval -> rejected; the session may change and submit again",
     P_ANSWER, R_CHANGESET, DK_API_SCOPE_APPROVE, 0, dk_ops_reject},
    {"verify",
     "run the verification pipeline on the tree the changeset would land as now (head + "
     "changes): submitted -> approved when every required step passes, awaiting_approval "
     "when it stops at a human-approve step, rejected otherwise (also for a stranded "
     "session's submitted work, and again for an approval made on an older head); "
     "check=true verifies the live overlay and changes no state",
     OBJ(P_SESSION "," Q("check") ":" T_BOOL, Q("session_id")),
     ROBJ(Q("state") ":" T_STR "," R_VERIFY_FIELDS,
          Q("passed") "," Q("state") "," Q("steps") "," Q("conflicts")),
     DK_API_SCOPE_WRITE, DK_API_OP_SLOW, dk_ops_verify},
    {"land",
     "land the session's changeset on the branch (three-way merge onto the head); on conflict "
     "nothing lands and every conflicting symbol comes back with both versions; an approval "
     "made on an older head is verified again on the new merged tree first (verification)",
     OBJ(P_SESSION "," P_STR("message", 20000) "," Q("close_session") ":" T_BOOL,
         Q("session_id")),
     ROBJ(Q("commit") ":" T_STR "," Q("landed_changeset_id") ":" T_STR ","
          Q("changeset_id") ":" T_STR "," Q("merged_files") ":" T_ARR(T_STR) ","
          Q("retries") ":" T_INT "," Q("verification") ":" R_VERIFICATION_OR_NULL,
          Q("commit")),
     DK_API_SCOPE_WRITE, DK_API_OP_SLOW, dk_ops_land},
    {"resolve",
     "resolve landing conflicts (keep_mine, keep_theirs or content per conflict): the work "
     "moves onto the head with the resolved files and lands again unless land=false",
     OBJ(P_SESSION ","
         Q("resolutions") ":{\"type\":\"array\",\"minItems\":1,\"maxItems\":1000,\"items\":"
             OBJ(P_PATH "," Q("symbol") ":{\"type\":\"string\",\"maxLength\":4096},"
                 Q("action") ":{\"enum\":[\"keep_mine\",\"keep_theirs\",\"content\"]},"
                 P_CONTENT,
                 Q("path") "," Q("action")) "},"
         P_STR("message", 20000) "," Q("land") ":" T_BOOL,
         Q("session_id") "," Q("resolutions")),
     ROBJ(Q("session_id") ":" T_STR "," Q("changeset_id") ":" T_STR "," Q("base_commit") ":" T_STR
          "," Q("files") ":" T_ARR(T_STR) "," Q("landed") ":" T_BOOL "," Q("commit") ":" T_STR
          "," Q("note") ":" T_STR,
          Q("session_id") "," Q("landed")),
     DK_API_SCOPE_WRITE, DK_API_OP_SLOW | DK_API_OP_CONTENT, dk_ops_resolve},
    {"revert",
     "write the inverse of a landed changeset into the (empty) session; submit and land it next",
     OBJ(P_SESSION "," P_STR("changeset_id", 256), Q("session_id") "," Q("changeset_id")),
     ROBJ(Q("files") ":" T_ARR(T_STR) "," Q("conflicts") ":" T_ARR(R_CONFLICT), Q("conflicts")),
     DK_API_SCOPE_WRITE, DK_API_OP_SLOW, dk_ops_revert},
    {"abandon", "abandon the session's work (changeset abandoned, claims released)",
     OBJ(P_SESSION "," P_STR("reason", 4000), Q("session_id")),
     R_STATE, DK_API_SCOPE_WRITE, 0, dk_ops_abandon},
    {"close", "close the session (a draft changeset is closed, claims released)",
     OBJ(P_SESSION, Q("session_id")),
     R_STATE, DK_API_SCOPE_WRITE, 0, dk_ops_close},
    {"watch",
     "events of a repository with id > since, filtered by type patterns (\"file.*,claim.*\"); "
     "blocks up to timeout_ms when there is none yet",
     OBJ(P_REPO "," Q("since") ":{\"type\":\"integer\",\"minimum\":0},"
         Q("types") ":{\"type\":\"string\",\"maxLength\":1000},"
         Q("timeout_ms") ":{\"type\":\"integer\",\"minimum\":0,\"maximum\":60000},"
         Q("max") ":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000}",
         Q("repo")),
     ROBJ(Q("events") ":" T_ARR(ROBJ(Q("id") ":" T_INT "," Q("type") ":" T_STR,
                                     Q("id") "," Q("type"))) ","
          Q("next") ":" T_INT "," Q("oldest") ":" T_INT,
          Q("events") "," Q("next")),
     DK_API_SCOPE_READ, DK_API_OP_WAITS, dk_ops_watch},
    {"repo_list", "the repositories this token may see",
     OBJ("", ""),
     ROBJ(Q("repos") ":" T_ARR(ROBJ(Q("name") ":" T_STR "," Q("branch") ":" T_STR ","
                                    Q("head") ":" T_STR "," Q("sessions") ":" T_INT, Q("name"))),
          Q("repos")),
     DK_API_SCOPE_READ, 0, dk_ops_repo_list},
    {"sessions_list", "the live sessions of a repository (every repository this token may see)",
     OBJ(P_REPO, ""),
     ROBJ(Q("sessions") ":" T_ARR(R_SESSION), Q("sessions")),
     DK_API_SCOPE_READ, 0, dk_ops_sessions_list},
};
/* clang-format on */

#define OPS_COUNT (sizeof(ops_table) / sizeof(ops_table[0]))

const dk_api_op *dk_api_ops(size_t *count)
{
    *count = OPS_COUNT;
    return ops_table;
}

const dk_api_op *dk_api_op_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < OPS_COUNT; i++)
        if (strcmp(ops_table[i].name, name) == 0)
            return &ops_table[i];
    return NULL;
}

json_t *dk_api_op_schema(const dk_api_op *op, bool result)
{
    json_error_t je;
    json_t *s = json_loads(result ? op->result_schema : op->params_schema, 0, &je);
    if (!s) {
        /* a broken schema is a bug in the table; the unit tests parse every one */
        fprintf(stderr, "dk: schema of %s: %s\n", op->name, je.text);
        abort();
    }
    return s;
}

/* ========================================================================== */
/* Validation                                                                 */
/* ========================================================================== */

static const char *val_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

static bool val_type_is(const json_t *v, const char *t)
{
    const char *have = val_type_name(v);
    if (strcmp(t, have) == 0)
        return true;
    return strcmp(t, "number") == 0 && json_is_integer(v);
}

static const char *val_field(const dk_str *path)
{
    return path->len ? path->ptr : "params";
}

/* Recursive check of `v` against `s`; `path` names the field ("a.b[2]"). */
static int val_check(const json_t *s, const json_t *v, dk_str *path, dk_api_error *err)
{
    const json_t *type = json_object_get(s, "type");
    if (json_is_string(type) && !val_type_is(v, json_string_value(type)))
        return dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "%s: expected %s, got %s",
                                val_field(path), json_string_value(type), val_type_name(v));
    if (json_is_array(type)) {
        bool ok = false;
        size_t i;
        json_t *t;
        json_array_foreach(type, i, t) ok = ok || val_type_is(v, json_string_value(t));
        if (!ok)
            return dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "%s: wrong type %s",
                                    val_field(path), val_type_name(v));
    }
    const json_t *en = json_object_get(s, "enum");
    if (en) {
        bool ok = false;
        size_t i;
        json_t *e;
        json_array_foreach(en, i, e) ok = ok || json_equal(e, v);
        if (!ok) {
            char *allowed = json_dumps(en, JSON_COMPACT);
            dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "%s: must be one of %s", val_field(path),
                             allowed ? allowed : "the enum");
            free(allowed);
            return -1;
        }
    }
    if (json_is_string(v)) {
        /* lengths in bytes: a cap on work, not a character count */
        size_t len = json_string_length(v);
        const json_t *mn = json_object_get(s, "minLength"), *mx = json_object_get(s, "maxLength");
        if (mn && len < (size_t)json_integer_value(mn))
            return dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "%s: must not be empty",
                                    val_field(path));
        if (mx && len > (size_t)json_integer_value(mx))
            return dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "%s: longer than %lld bytes",
                                    val_field(path), (long long)json_integer_value(mx));
        if (memchr(json_string_value(v), '\0', len))
            return dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "%s: contains a NUL character",
                                    val_field(path));
    }
    if (json_is_integer(v)) {
        const json_t *mn = json_object_get(s, "minimum"), *mx = json_object_get(s, "maximum");
        if (mn && json_integer_value(v) < json_integer_value(mn))
            return dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "%s: must be >= %lld",
                                    val_field(path), (long long)json_integer_value(mn));
        if (mx && json_integer_value(v) > json_integer_value(mx))
            return dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "%s: must be <= %lld",
                                    val_field(path), (long long)json_integer_value(mx));
    }
    if (json_is_object(v)) {
        const json_t *props = json_object_get(s, "properties");
        const json_t *req = json_object_get(s, "required");
        bool closed = json_is_false(json_object_get(s, "additionalProperties"));
        size_t base = path->len;
        const char *key;
        json_t *item;
        json_object_foreach((json_t *)v, key, item)
        {
            const json_t *ps = props ? json_object_get(props, key) : NULL;
            dk_str_truncate(path, base);
            dk_str_addf(path, "%s%s", base ? "." : "", key);
            if (!ps && closed)
                return dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "%s: unknown field",
                                        path->ptr);
            if (ps && val_check(ps, item, path, err))
                return -1;
        }
        dk_str_truncate(path, base);
        size_t i;
        json_t *r;
        json_array_foreach(req, i, r)
        {
            const json_t *have = json_object_get(v, json_string_value(r));
            if (!have || json_is_null(have)) {
                dk_str_addf(path, "%s%s", base ? "." : "", json_string_value(r));
                dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "%s: required", path->ptr);
                return -1;
            }
        }
    }
    if (json_is_array(v)) {
        const json_t *items = json_object_get(s, "items");
        const json_t *mn = json_object_get(s, "minItems");
        if (mn && json_array_size(v) < (size_t)json_integer_value(mn))
            return dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "%s: needs at least %lld items",
                                    val_field(path), (long long)json_integer_value(mn));
        size_t base = path->len, i;
        json_t *item;
        json_array_foreach(v, i, item)
        {
            dk_str_truncate(path, base);
            dk_str_addf(path, "[%zu]", i);
            if (items && val_check(items, item, path, err))
                return -1;
        }
        dk_str_truncate(path, base);
    }
    return 0;
}

int dk_api_validate(const json_t *schema, const json_t *value, dk_api_error *err)
{
    dk_str path = DK_STR_INIT;
    int rc = val_check(schema, value, &path, err);
    dk_str_release(&path);
    return rc;
}

/* ========================================================================== */
/* The API object and the call                                                */
/* ========================================================================== */

int dk_api_new(dk_api **out, dk_engine *engine)
{
    dk_api *a = dk_xcalloc(1, sizeof(*a));
    a->engine = engine;
    a->nops = OPS_COUNT;
    a->params_schemas = dk_xcalloc(OPS_COUNT, sizeof(*a->params_schemas));
    for (size_t i = 0; i < OPS_COUNT; i++)
        a->params_schemas[i] = dk_api_op_schema(&ops_table[i], false);
    *out = a;
    return DK_OK;
}

void dk_api_free(dk_api *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->nops; i++)
        json_decref(a->params_schemas[i]);
    free(a->params_schemas);
    free(a);
}

dk_engine *dk_api_engine(dk_api *a)
{
    return a->engine;
}

void dk_api_ctx_release(dk_api_ctx *ctx)
{
    dk_arena_release(&ctx->arena);
    ctx->log_session = NULL;
    ctx->log_agent = NULL;
}

int dk_api_call(dk_api_ctx *ctx, const char *op_name, json_t *params, json_t **result,
                dk_api_error *err)
{
    *result = NULL;
    const dk_api_op *op = dk_api_op_find(op_name);
    if (!op)
        return dk_api_error_set(err, DK_API_UNKNOWN_OPERATION, "unknown operation '%s'",
                                op_name ? op_name : "");
    if (ctx->principal && ctx->principal->scope < op->scope)
        return dk_api_error_set(err, DK_API_FORBIDDEN, "%s needs %s scope; this token has %s",
                                op->name, dk_api_scope_name(op->scope),
                                dk_api_scope_name(ctx->principal->scope));
    json_t *empty = NULL;
    if (!params)
        params = empty = json_object();
    if (!json_is_object(params)) {
        json_decref(empty);
        return dk_api_error_set(err, DK_API_INVALID_ARGUMENT, "params: expected object, got %s",
                                val_type_name(params));
    }
    const json_t *schema = ctx->api->params_schemas[op - ops_table];
    int rc = dk_api_validate(schema, params, err);
    if (rc == 0) {
        const char *sid = dk_ops_str(params, "session_id");
        if (sid)
            ctx->log_session = dk_arena_strdup(&ctx->arena, sid);
        const char *agent = dk_ops_str(params, "agent_id");
        if (agent)
            ctx->log_agent = dk_arena_strdup(&ctx->arena, agent);
        rc = op->handler(ctx, params, result, err);
        if (rc == 0 && !*result)
            *result = json_object();
        if (rc != 0 && *result) {
            json_decref(*result);
            *result = NULL;
        }
    }
    json_decref(empty);
    return rc;
}
