/*
 * api/mcp.c - MCP's JSON-RPC 2.0 layer over the operation table, for both
 * protocol eras on one endpoint (mcp.h has the picture).
 *
 * Purpose: one place that turns a JSON-RPC message into a tool call on the
 * table and back, so that stdio and streamable HTTP differ only in how bytes
 * move. The tools are the table's rows (DESIGN.md decision 7): their
 * inputSchema and outputSchema are the rows' params and result schemas, so
 * a field added to an operation appears in MCP with no edit here.
 *
 * How a message is classified (checked in this order; the first failure
 * answers):
 *   1. Not JSON: -32700 (HTTP 400). Not a JSON-RPC 2.0 request or
 *      notification (no method, id null, a batch array): -32600 (HTTP 400).
 *      A response posted by the client is ignored (we never send requests).
 *   2. `initialize`: legacy era. The version is the client's when we speak
 *      it, else DK_MCP_LEGACY_VERSION; on HTTP a new Mcp-Session-Id is
 *      minted, bound to the token that opened it.
 *   3. `_meta["io.modelcontextprotocol/protocolVersion"]` present: modern
 *      era, stateless. On HTTP the MCP-Protocol-Version header must equal
 *      it, Mcp-Method must equal `method`, and tools/call needs Mcp-Name
 *      equal to params.name (base64 sentinel decoded): else -32020 (400).
 *      An unknown version is -32022 with the supported list (400);
 *      `clientCapabilities` missing is -32602 (400); an unknown method is
 *      -32601 (HTTP 404).
 *   4. Otherwise legacy: over HTTP the Mcp-Session-Id must name a live
 *      session of the same token (missing: 400, unknown or expired: 404,
 *      so the client initializes again); over stdio the process is the
 *      session. ping answers {}.
 *
 * Tool results: `content` is readable text with the recovery steps an agent
 * needs (mcp_text.c) and `structuredContent` is the operation's result, the
 * very object POST /v1/<op> returns. A failed operation is a tool error
 * (isError) whose text carries the code, message, details and recovery; the
 * error object {"code","message","details"} rides in the result's
 * `_meta["dev.dk/error"]`, not in structuredContent, because SDK clients
 * validate structuredContent against outputSchema (v1 even on errors).
 * Unknown tools and malformed calls are protocol errors (-32602).
 *
 * Progress: a tools/call with `_meta.progressToken` (string or integer,
 * else -32602) on a transport that set dk_mcp_request.notify runs its
 * operation through backend.call_progress; each report of the operation
 * (dk_api_ctx.progress: verify's finished steps) becomes one
 * notifications/progress {progressToken, progress (increasing), message}
 * handed to notify before the response is built. When any was sent, the
 * response waits PROGRESS_GAP_MS after the last one: both official
 * TypeScript SDKs (v1 1.32.2, v2 2.4.0) handle a response at once but a
 * notification one microtask later, and the response removes the
 * request's progress handler; a notification read in the same chunk as
 * its response is dropped. The gap lets the transport deliver them apart
 * (a verify takes seconds; 50 ms is noise there).
 *
 * Legacy sessions remember the dk sessions opened through them, so that
 * `session_id` may be omitted when there is exactly one (the tools' legacy
 * inputSchema does not require it). The modern era has no such memory:
 * session_id is an ordinary, required argument (a server-minted handle, as
 * the 2026-07-28 tools page recommends).
 *
 * Ownership: the dk_mcp owns the tool lists and the HTTP session table;
 * sessions are refcounted under the table lock so a DELETE cannot free one
 * another thread is using. Conventions: JSON-RPC errors are built by
 * rpc_error(); nothing here writes to stdout or stderr.
 */
#include "api/mcp.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <jansson.h>

#include "dk/dk.h"

#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

#define META_VERSION "io.modelcontextprotocol/protocolVersion"
#define META_CAPS    "io.modelcontextprotocol/clientCapabilities"
#define META_SERVER  "io.modelcontextprotocol/serverInfo"
#define META_ERROR   "dev.dk/error"

/* JSON-RPC and MCP error codes */
#define RPC_PARSE               -32700
#define RPC_INVALID_REQUEST     -32600
#define RPC_METHOD_NOT_FOUND    -32601
#define RPC_INVALID_PARAMS      -32602
#define RPC_INTERNAL            -32603
#define RPC_HEADER_MISMATCH     -32020
#define RPC_UNSUPPORTED_VERSION -32022

/* HTTP legacy sessions: idle lifetime and how many may live at once */
#define SESSION_IDLE_MS (60LL * 60 * 1000)
#define SESSION_MAX     10000
/* dk_watch waits at most this long over MCP */
#define WATCH_MAX_MS 45000
/* dk sessions one MCP session remembers (for omitting session_id) */
#define SESSION_MAX_DK 256

static const char *const legacy_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26",
                                              "2024-11-05"};
#define NLEGACY (sizeof(legacy_versions) / sizeof(legacy_versions[0]))

static const char mcp_instructions[] =
    "dk lets several agents change one git repository at once. Workflow: dk_connect (repo, "
    "intent, agent_id) gives a session_id; dk_file_list / dk_file_read / dk_file_write / "
    "dk_file_delete work in your private copy-on-write session; dk_pre_submit_check shows "
    "whether it would land; dk_submit, then dk_merge lands it on the branch with a structured "
    "merge. A write that touches a symbol another agent is changing is refused (SYMBOL_CLAIMED) "
    "with who holds it; a landing conflict names each symbol with every version: settle it "
    "with dk_resolve, which lands again. dk_watch shows what other agents do. Every failed "
    "call says how to recover.";

/* ========================================================================== */
/* The tools                                                                  */
/* ========================================================================== */

enum mcp_tool_flags {
    /* the operation may not be in the table yet: then the tool answers a tool
     * error saying so; once the row exists, the tool is generated from it */
    TOOL_PENDING = 1u << 0,
    /* a successful call opens a dk session (remembered by legacy sessions) */
    TOOL_OPENS = 1u << 1,
    /* a successful call ends the session named in the arguments */
    TOOL_ENDS = 1u << 2,
};

static const struct mcp_tool {
    const char *name;
    /* the table's row; NULL for a pending tool */
    const char *op;
    const char *title;
    /* what an agent needs to know beyond the row's summary */
    const char *guide;
    unsigned flags;
} mcp_tools[] = {
    {"dk_connect", "connect", "Connect to a repository",
     "Opens a session: your private copy-on-write view of the repository at its branch head. "
     "Returns session_id (pass it to every other tool), changeset_id, base_commit, a summary "
     "of the codebase and the other agents at work with their intents. resume_session_id "
     "takes back a stranded session of the same agent_id. Sessions idle for an hour are "
     "collected.",
     TOOL_OPENS},
    {"dk_status", "status", "Session status",
     "The session's state, its changeset's state, files and symbols changed.", 0},
    {"dk_context", "context", "Code context",
     "NOT AVAILABLE YET: answers a tool error until dk's context operation lands. Explore with "
     "dk_file_list and dk_file_read meanwhile.",
     TOOL_PENDING},
    {"dk_file_read", "file_read", "Read a file",
     "Reads through the session: your own write if any, else the base commit. content is "
     "UTF-8 text, or base64 with encoding \"base64\" for other bytes; hash is the git blob id.",
     0},
    {"dk_file_write", "file_write", "Write a file",
     "Writes a whole file in the session (never visible to others until landed) and returns "
     "the symbols you changed. Refused as a whole, writing nothing, when a changed symbol is "
     "claimed by another agent (SYMBOL_CLAIMED, with the holder) or the file moved on the "
     "branch under you (STALE_OVERLAY). For non-UTF-8 bytes send base64 with encoding "
     "\"base64\".",
     0},
    {"dk_file_delete", "file_delete", "Delete a file", "Deletes a file in the session.", 0},
    {"dk_file_list", "file_list", "List files",
     "Lists the files the session sees, with your changes marked and the other agents "
     "changing each file.",
     0},
    {"dk_pre_submit_check", "pre_submit_check", "Check before submitting",
     "A dry-run landing: would the session land on the branch now, and which symbols would "
     "conflict. Changes nothing.",
     0},
    {"dk_submit", "submit", "Submit the changeset",
     "Submits the session's changes as a changeset (also a git ref) and releases its claims. "
     "Next: dk_merge.",
     0},
    {"dk_verify", "verify", "Verify the changeset",
     "NOT AVAILABLE YET: answers a tool error until dk's verification lands. Repositories "
     "without verification steps land submitted changesets with dk_merge directly.",
     TOOL_PENDING},
    {"dk_approve", "approve", "Approve a changeset",
     "Approves a submitted changeset with a reason (needs a token with approve scope).", 0},
    {"dk_reject", "reject", "Reject a changeset awaiting approval",
     "Rejects a changeset waiting at a human-approve step, with a reason (needs a token with "
     "approve scope). Its session may change files and dk_submit again, or dk_abandon.",
     0},
    {"dk_merge", "land", "Land the changeset (merge)",
     "Lands the submitted changeset on the branch: a structured three-way merge when the "
     "branch moved, then one commit. On a conflict nothing lands and every conflicting "
     "symbol comes back with the base, branch and session versions; settle them with "
     "dk_resolve, then call dk_merge again. The session continues from the new head unless "
     "close_session is set.",
     0},
    {"dk_resolve", "resolve", "Resolve landing conflicts",
     "Settles the conflicts of the last dk_merge: resolutions lists one entry per conflict "
     "({path, symbol, action: keep_mine | keep_theirs | content, content}); the same session "
     "moves onto the branch head with the resolved files (its session_id and changeset_id "
     "stay) and lands again unless land is false.",
     0},
    {"dk_revert", "revert", "Revert a landed changeset",
     "Writes the inverse of a merged changeset into this (empty) session through the "
     "structured merge; then dk_submit and dk_merge as usual.",
     0},
    {"dk_abandon", "abandon", "Abandon the session",
     "Drops the session's work: changeset abandoned, claims released.", TOOL_ENDS},
    {"dk_close", "close", "Close the session",
     "Ends the session; a draft changeset is dropped, a submitted one stays landable.", TOOL_ENDS},
    {"dk_watch", "watch", "Watch the repository's events",
     "Events of the repository after event id `since` (sessions, writes, claims, submits, "
     "landings of every agent), filtered by `types` patterns (\"claim.*\", "
     "\"claim.released,changeset.merged\"); waits up to timeout_ms (at most 45000 over MCP, "
     "below clients' request timeouts) for the first one. Pass `next` from the result as "
     "`since` next time.",
     0},
};
#define NTOOLS (sizeof(mcp_tools) / sizeof(mcp_tools[0]))

static const char pending_schema[] =
    "{\"type\":\"object\",\"properties\":{\"session_id\":{\"type\":\"string\"}}}";

struct dk_mcp_session {
    /* HTTP: the Mcp-Session-Id; stdio: "" */
    char id[48];
    /* HTTP: the token that opened it ("" for the local process) */
    char owner[40];
    /* the negotiated legacy version; "" before initialize */
    char version[16];
    /* table references (HTTP), guarded by the dk_mcp's lock */
    int refs;
    int64_t last_used_ms;
    /* dk sessions opened through this MCP session, oldest first */
    pthread_mutex_t lock;
    char **dk_sessions;
    size_t ndk;
    /* next in the dk_mcp's table */
    struct dk_mcp_session *next;
};

struct dk_mcp {
    dk_mcp_backend backend;
    /* the backend's operation table (static, borrowed) */
    const dk_api_op *ops;
    size_t nops;
    /* tools/list arrays: modern (session_id required as the table says), legacy */
    json_t *tools_modern;
    json_t *tools_legacy;
    /* per tool: whether its params have session_id (legacy sessions may supply it) */
    bool takes_session[NTOOLS];
    /* per tool: its operation is not in the table (yet): a tool error */
    bool pending[NTOOLS];
    /* HTTP legacy sessions */
    pthread_mutex_t lock;
    struct dk_mcp_session *sessions;
    size_t nsessions;
};

static int64_t mcp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const dk_api_op *mcp_find_op(const dk_mcp *m, const char *name)
{
    for (size_t i = 0; i < m->nops; i++)
        if (strcmp(m->ops[i].name, name) == 0)
            return m->ops + i;
    return NULL;
}

static const struct mcp_tool *mcp_find_tool(const char *name)
{
    for (size_t i = 0; i < NTOOLS; i++)
        if (strcmp(mcp_tools[i].name, name) == 0)
            return &mcp_tools[i];
    return NULL;
}

unsigned dk_mcp_message_op_flags(const dk_mcp *mcp, const char *body, size_t len)
{
    /* a bigger message is a file's content (a quick write): not worth a second parse */
    if (!mcp || len > (size_t)1 << 20)
        return 0;
    json_t *msg = json_loadb(body, len, 0, NULL);
    if (!msg)
        return 0;
    unsigned flags = 0;
    const char *method = json_string_value(json_object_get(msg, "method"));
    const char *name = json_string_value(json_object_get(json_object_get(msg, "params"), "name"));
    const struct mcp_tool *t =
        method && name && strcmp(method, "tools/call") == 0 ? mcp_find_tool(name) : NULL;
    const dk_api_op *op = t && t->op ? mcp_find_op(mcp, t->op) : NULL;
    if (op)
        flags = op->flags & (DK_API_OP_SLOW | DK_API_OP_WAITS);
    json_decref(msg);
    return flags;
}

/*
 * The legacy inputSchema: session_id optional (the MCP session supplies it
 * when it holds exactly one dk session), said so in its description.
 */
static void mcp_schema_legacy(json_t *schema)
{
    json_t *props = json_object_get(schema, "properties");
    json_t *sid = props ? json_object_get(props, "session_id") : NULL;
    if (!sid)
        return;
    json_object_set_new(sid, "description",
                        json_string("the session from dk_connect; may be omitted while this "
                                    "MCP session has exactly one dk session"));
    json_t *req = json_object_get(schema, "required");
    size_t i;
    json_t *v;
    json_array_foreach(req, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), "session_id") == 0) {
            json_array_remove(req, i);
            break;
        }
    }
}

static json_t *mcp_tool_json(const struct mcp_tool *t, const dk_api_op *op, bool legacy)
{
    json_error_t jerr;
    json_t *in = json_loads(op ? op->params_schema : pending_schema, 0, &jerr);
    if (!in)
        return NULL;
    json_t *out = op && op->result_schema ? json_loads(op->result_schema, 0, &jerr) : NULL;
    if (op && !out) {
        json_decref(in);
        return NULL;
    }
    json_t *sid = json_object_get(json_object_get(in, "properties"), "session_id");
    if (sid && !json_object_get(sid, "description"))
        json_object_set_new(sid, "description", json_string("the session from dk_connect"));
    if (legacy)
        mcp_schema_legacy(in);
    /* the guide says what the row's one-line summary says, and how to use it; a
     * pending tool whose row has landed meanwhile says what the row says */
    dk_str desc = DK_STR_INIT, title = DK_STR_INIT;
    dk_str_adds(&desc, (t->flags & TOOL_PENDING) && op ? op->summary : t->guide);
    dk_str_adds(&title, t->title);
    if (!op)
        dk_str_adds(&title, " (not available yet)");
    json_t *tool = json_object();
    json_object_set_new(tool, "name", json_string(t->name));
    json_object_set_new(tool, "title", json_stringn(title.ptr, title.len));
    json_object_set_new(tool, "description", json_stringn(desc.ptr, desc.len));
    json_object_set_new(tool, "inputSchema", in);
    /* 2025-era clients require an object root; every row's result is an object */
    if (out && json_is_object(out) && (!legacy || json_is_string(json_object_get(out, "type"))))
        json_object_set_new(tool, "outputSchema", out);
    else
        json_decref(out);
    bool readonly = op && op->scope == DK_API_SCOPE_READ;
    json_object_set_new(tool, "annotations",
                        json_pack("{s:b,s:b}", "readOnlyHint", readonly, "openWorldHint", 0));
    dk_str_release(&desc);
    dk_str_release(&title);
    return tool;
}

int dk_mcp_new(dk_mcp **out, const dk_mcp_backend *backend)
{
    dk_mcp *m = dk_xcalloc(1, sizeof(*m));
    m->backend = *backend;
    m->ops = backend->ops(backend->ud, &m->nops);
    m->tools_modern = json_array();
    m->tools_legacy = json_array();
    pthread_mutex_init(&m->lock, NULL);
    for (size_t i = 0; i < NTOOLS; i++) {
        const struct mcp_tool *t = &mcp_tools[i];
        const dk_api_op *op = mcp_find_op(m, t->op);
        m->pending[i] = !op;
        if (!op && !(t->flags & TOOL_PENDING)) {
            dk_mcp_free(m);
            return dk_error_set(DK_ERROR, "mcp: tool %s needs operation '%s'", t->name, t->op);
        }
        json_t *a = mcp_tool_json(t, op, false);
        json_t *b = mcp_tool_json(t, op, true);
        if (!a || !b) {
            json_decref(a);
            json_decref(b);
            dk_mcp_free(m);
            return dk_error_set(DK_ERROR, "mcp: the schemas of '%s' do not parse", t->op);
        }
        m->takes_session[i] =
            json_object_get(json_object_get(json_object_get(a, "inputSchema"), "properties"),
                            "session_id") != NULL;
        json_array_append_new(m->tools_modern, a);
        json_array_append_new(m->tools_legacy, b);
    }
    *out = m;
    return DK_OK;
}

/* ========================================================================== */
/* Sessions                                                                   */
/* ========================================================================== */

dk_mcp_session *dk_mcp_session_new(void)
{
    dk_mcp_session *s = dk_xcalloc(1, sizeof(*s));
    pthread_mutex_init(&s->lock, NULL);
    s->refs = 1;
    return s;
}

void dk_mcp_session_free(dk_mcp_session *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ndk; i++)
        free(s->dk_sessions[i]);
    free(s->dk_sessions);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static void mcp_session_remember(dk_mcp_session *s, const char *dk_session)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->ndk; i++)
        if (strcmp(s->dk_sessions[i], dk_session) == 0)
            goto out;
    if (s->ndk == SESSION_MAX_DK) {
        free(s->dk_sessions[0]);
        memmove(s->dk_sessions, s->dk_sessions + 1, (s->ndk - 1) * sizeof(*s->dk_sessions));
        s->ndk--;
    }
    s->dk_sessions = dk_xreallocarray(s->dk_sessions, s->ndk + 1, sizeof(*s->dk_sessions));
    s->dk_sessions[s->ndk++] = dk_xstrdup(dk_session);
out:
    pthread_mutex_unlock(&s->lock);
}

static void mcp_session_forget(dk_mcp_session *s, const char *dk_session)
{
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->ndk; i++) {
        if (strcmp(s->dk_sessions[i], dk_session) == 0) {
            free(s->dk_sessions[i]);
            memmove(s->dk_sessions + i, s->dk_sessions + i + 1,
                    (s->ndk - i - 1) * sizeof(*s->dk_sessions));
            s->ndk--;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

/* The one dk session to use when session_id is omitted; NULL with *why set. */
static char *mcp_session_pick(dk_mcp_session *s, const char **why)
{
    char *r = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->ndk == 1)
        r = dk_xstrdup(s->dk_sessions[0]);
    else
        *why = s->ndk == 0 ? "no active session: call dk_connect first (its session_id is "
                             "then used when you omit session_id)"
                           : "several sessions are open in this MCP session: pass session_id";
    pthread_mutex_unlock(&s->lock);
    return r;
}

static char *mcp_session_list(dk_mcp_session *s)
{
    dk_str l = DK_STR_INIT;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->ndk; i++)
        dk_str_addf(&l, "%s%s", i ? ", " : "", s->dk_sessions[i]);
    pthread_mutex_unlock(&s->lock);
    return dk_str_detach(&l, NULL);
}

static const char *mcp_principal_id(const dk_api_principal *p)
{
    return p ? p->token_id : "";
}

/* Drop idle sessions; caller holds m->lock. */
static void mcp_sessions_sweep(dk_mcp *m, int64_t now)
{
    struct dk_mcp_session **pp = &m->sessions;
    while (*pp) {
        struct dk_mcp_session *s = *pp;
        if (s->refs == 1 && now - s->last_used_ms > SESSION_IDLE_MS) {
            *pp = s->next;
            m->nsessions--;
            dk_mcp_session_free(s);
        } else {
            pp = &s->next;
        }
    }
}

static dk_mcp_session *mcp_session_open(dk_mcp *m, const dk_api_principal *p)
{
    unsigned char rnd[16];
    size_t got = 0;
    while (got < sizeof(rnd)) {
        ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, 0);
        if (n <= 0)
            return NULL;
        got += (size_t)n;
    }
    dk_mcp_session *s = dk_mcp_session_new();
    memcpy(s->id, "mcp_", 4);
    for (size_t i = 0; i < sizeof(rnd); i++)
        snprintf(s->id + 4 + 2 * i, 3, "%02x", rnd[i]);
    snprintf(s->owner, sizeof(s->owner), "%s", mcp_principal_id(p));
    int64_t now = mcp_now_ms();
    s->last_used_ms = now;
    pthread_mutex_lock(&m->lock);
    mcp_sessions_sweep(m, now);
    if (m->nsessions >= SESSION_MAX) {
        pthread_mutex_unlock(&m->lock);
        dk_mcp_session_free(s);
        return NULL;
    }
    s->next = m->sessions;
    m->sessions = s;
    m->nsessions++;
    s->refs++; /* the caller's reference */
    pthread_mutex_unlock(&m->lock);
    return s;
}

/* A referenced session by id, or NULL (unknown, expired, another token's). */
static dk_mcp_session *mcp_session_get(dk_mcp *m, const char *id, const dk_api_principal *p)
{
    dk_mcp_session *found = NULL;
    int64_t now = mcp_now_ms();
    pthread_mutex_lock(&m->lock);
    for (dk_mcp_session *s = m->sessions; s; s = s->next) {
        if (strcmp(s->id, id) == 0) {
            if (now - s->last_used_ms <= SESSION_IDLE_MS &&
                strcmp(s->owner, mcp_principal_id(p)) == 0) {
                s->refs++;
                s->last_used_ms = now;
                found = s;
            }
            break;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return found;
}

static void mcp_session_put(dk_mcp *m, dk_mcp_session *s)
{
    pthread_mutex_lock(&m->lock);
    bool last = --s->refs == 0;
    pthread_mutex_unlock(&m->lock);
    if (last)
        dk_mcp_session_free(s);
}

int dk_mcp_session_delete(dk_mcp *m, const char *id, const dk_api_principal *p)
{
    int status = 404;
    dk_mcp_session *victim = NULL;
    pthread_mutex_lock(&m->lock);
    for (struct dk_mcp_session **pp = &m->sessions; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->id, id) == 0) {
            if (strcmp((*pp)->owner, mcp_principal_id(p)) != 0) {
                status = 403;
                break;
            }
            victim = *pp;
            *pp = victim->next;
            m->nsessions--;
            status = 200;
            break;
        }
    }
    bool last = victim && --victim->refs == 0;
    pthread_mutex_unlock(&m->lock);
    if (last)
        dk_mcp_session_free(victim);
    return status;
}

void dk_mcp_free(dk_mcp *m)
{
    if (!m)
        return;
    json_decref(m->tools_modern);
    json_decref(m->tools_legacy);
    while (m->sessions) {
        dk_mcp_session *s = m->sessions;
        m->sessions = s->next;
        dk_mcp_session_free(s);
    }
    pthread_mutex_destroy(&m->lock);
    free(m);
}

/* ========================================================================== */
/* The local backend                                                          */
/* ========================================================================== */

static int mcp_local_call(void *ud, const dk_api_principal *p, const char *op, json_t *params,
                          json_t **result, dk_api_error *err)
{
    dk_api_ctx ctx = DK_API_CTX_INIT((dk_api *)ud);
    ctx.principal = p;
    int rc = dk_api_call(&ctx, op, params, result, err);
    dk_api_ctx_release(&ctx);
    return rc;
}

static int
mcp_local_call_progress(void *ud, const dk_api_principal *p, const char *op, json_t *params,
                        void (*progress)(void *pud, double done, double total, const char *message),
                        void *progress_ud, json_t **result, dk_api_error *err)
{
    dk_api_ctx ctx = DK_API_CTX_INIT((dk_api *)ud);
    ctx.principal = p;
    ctx.progress = progress;
    ctx.progress_ud = progress_ud;
    int rc = dk_api_call(&ctx, op, params, result, err);
    dk_api_ctx_release(&ctx);
    return rc;
}

static const dk_api_op *mcp_local_ops(void *ud, size_t *count)
{
    (void)ud;
    return dk_api_ops(count);
}

dk_mcp_backend dk_mcp_backend_local(dk_api *api)
{
    return (dk_mcp_backend){.call = mcp_local_call,
                            .call_progress = mcp_local_call_progress,
                            .ops = mcp_local_ops,
                            .ud = api};
}

/* ========================================================================== */
/* Responses                                                                  */
/* ========================================================================== */

/* The response to request `id` with `result` (consumed). */
static json_t *rpc_result(json_t *id, json_t *result)
{
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "result",
                     result);
}

static json_t *rpc_error(json_t *id, int code, const char *msg, json_t *data)
{
    json_t *e = json_pack("{s:i,s:s}", "code", code, "message", msg);
    if (!e) /* a message quoting bad bytes */
        e = json_pack("{s:i,s:s}", "code", code, "message", "invalid request");
    if (data)
        json_object_set_new(e, "data", data);
    return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error", e);
}

static void resp_error(dk_mcp_response *resp, int status, json_t *id, int code, const char *msg,
                       json_t *data)
{
    resp->http_status = status;
    resp->body = rpc_error(id, code, msg, data);
}

static json_t *mcp_server_info(void)
{
    return json_pack("{s:s,s:s,s:s}", "name", "dk", "title", "dk - many agents, one repository",
                     "version", dk_version());
}

/* Modern results carry resultType and the server's identity. */
static json_t *mcp_modern(json_t *result)
{
    json_object_set_new(result, "resultType", json_string("complete"));
    json_t *meta = json_object_get(result, "_meta");
    if (!meta) {
        meta = json_object();
        json_object_set_new(result, "_meta", meta);
    }
    json_object_set_new(meta, META_SERVER, mcp_server_info());
    return result;
}

static json_t *mcp_supported_versions(void)
{
    json_t *a = json_array();
    json_array_append_new(a, json_string(DK_MCP_MODERN_VERSION));
    for (size_t i = 0; i < NLEGACY; i++)
        json_array_append_new(a, json_string(legacy_versions[i]));
    return a;
}

static json_t *mcp_capabilities(void)
{
    return json_pack("{s:{s:b}}", "tools", "listChanged", 0);
}

void dk_mcp_response_release(dk_mcp_response *resp)
{
    json_decref(resp->body);
    resp->body = NULL;
}

/* ========================================================================== */
/* tools/call                                                                 */
/* ========================================================================== */

static json_t *mcp_tool_text_result(const char *text, bool is_error)
{
    json_t *r = json_pack("{s:[{s:s,s:s}]}", "content", "type", "text", "text", text);
    if (!r) /* never: the texts are valid UTF-8 by construction */
        r = json_pack("{s:[{s:s,s:s}]}", "content", "type", "text", "text", "(invalid text)");
    json_object_set_new(r, "isError", json_boolean(is_error));
    return r;
}

static json_t *mcp_tool_error(const char *tool, const dk_api_error *err)
{
    char *text = dk_mcp_text_error(tool, err);
    json_t *r = mcp_tool_text_result(text, true);
    free(text);
    json_t *ej = dk_api_error_json(err);
    json_object_set_new(r, "_meta", json_pack("{s:O}", META_ERROR, json_object_get(ej, "error")));
    json_decref(ej);
    return r;
}

/* Pause between a call's last progress notification and its response (above). */
#define PROGRESS_GAP_MS 50

/* A tools/call's progress: its token and the last value sent (values must increase). */
struct mcp_progress {
    const dk_mcp_request *req;
    json_t *token;
    double last;
};

static json_t *mcp_number(double v)
{
    return v == (double)(json_int_t)v ? json_integer((json_int_t)v) : json_real(v);
}

/* dk_api_ctx.progress -> notifications/progress on the request's transport. */
static void mcp_on_progress(void *ud, double done, double total, const char *message)
{
    struct mcp_progress *pr = ud;
    if (done <= pr->last)
        return;
    pr->last = done;
    json_t *params =
        json_pack("{s:O,s:o}", "progressToken", pr->token, "progress", mcp_number(done));
    if (total > 0)
        json_object_set_new(params, "total", mcp_number(total));
    if (message) {
        json_t *m = json_string(message);
        if (m) /* NULL only for a message that is not UTF-8 (a step name): left out */
            json_object_set_new(params, "message", m);
    }
    json_t *n = json_pack("{s:s,s:s,s:o}", "jsonrpc", "2.0", "method", "notifications/progress",
                          "params", params);
    pr->req->notify(pr->req->notify_ud, n);
    json_decref(n);
}

/*
 * Run one tool call. Returns the CallToolResult, or NULL with a protocol
 * error in *rpc_err (unknown tool, arguments not an object, a progress
 * token that is neither a string nor an integer).
 */
static json_t *mcp_tools_call(dk_mcp *m, dk_mcp_session *s, const dk_mcp_request *req,
                              const json_t *params, json_t *id, json_t **rpc_err,
                              dk_mcp_response *resp)
{
    const dk_api_principal *p = req->principal;
    const char *name = json_string_value(json_object_get(params, "name"));
    json_t *args = json_object_get(params, "arguments");
    if (!name) {
        *rpc_err = rpc_error(id, RPC_INVALID_PARAMS, "tools/call needs params.name", NULL);
        return NULL;
    }
    const struct mcp_tool *t = mcp_find_tool(name);
    if (!t) {
        char msg[200];
        snprintf(msg, sizeof(msg), "Unknown tool: %.150s", name);
        *rpc_err = rpc_error(id, RPC_INVALID_PARAMS, msg, NULL);
        return NULL;
    }
    if (args && !json_is_object(args) && !json_is_null(args)) {
        *rpc_err =
            rpc_error(id, RPC_INVALID_PARAMS, "tools/call: arguments must be an object", NULL);
        return NULL;
    }
    json_t *token = json_object_get(json_object_get(params, "_meta"), "progressToken");
    if (token && !json_is_string(token) && !json_is_integer(token)) {
        *rpc_err =
            rpc_error(id, RPC_INVALID_PARAMS,
                      "Invalid params: _meta.progressToken must be a string or an integer", NULL);
        return NULL;
    }
    struct mcp_progress progress = {.req = req, .token = token};
    size_t ti = (size_t)(t - mcp_tools);
    dk_api_error err = DK_API_ERROR_INIT;
    resp->log_op = t->op;
    if (m->pending[ti]) {
        resp->log_code = dk_api_code_name(DK_API_UNKNOWN_OPERATION);
        dk_api_error_set(&err, DK_API_UNKNOWN_OPERATION, "%s is not available yet", name);
        json_t *r = mcp_tool_error(name, &err);
        dk_api_error_release(&err);
        return r;
    }
    json_t *call = json_is_object(args) ? json_copy(args) : json_object();
    json_t *r = NULL;
    if (s && m->takes_session[ti] && !json_is_string(json_object_get(call, "session_id"))) {
        const char *why = NULL;
        char *sid = mcp_session_pick(s, &why);
        if (!sid) {
            char *list = mcp_session_list(s);
            dk_api_error_set(&err, list[0] ? DK_API_INVALID_ARGUMENT : DK_API_SESSION_NOT_FOUND,
                             "session_id is missing: %s%s%s", why, list[0] ? " (open: " : "",
                             list[0] ? list : "");
            if (list[0])
                strncat(err.message, ")", sizeof(err.message) - strlen(err.message) - 1);
            free(list);
            resp->log_code = dk_api_code_name(err.code);
            r = mcp_tool_error(name, &err);
            goto out;
        }
        json_object_set_new(call, "session_id", json_string(sid));
        free(sid);
    }
    /* a wait past the clients' request timeout (60 s in the SDKs) would be lost */
    json_t *wait = json_object_get(call, "timeout_ms");
    if (json_is_integer(wait) && json_integer_value(wait) > WATCH_MAX_MS)
        json_object_set_new(call, "timeout_ms", json_integer(WATCH_MAX_MS));
    json_t *result = NULL;
    int rc = token && req->notify && m->backend.call_progress
                 ? m->backend.call_progress(m->backend.ud, p, t->op, call, mcp_on_progress,
                                            &progress, &result, &err)
                 : m->backend.call(m->backend.ud, p, t->op, call, &result, &err);
    if (progress.last > 0) {
        struct timespec gap = {0, PROGRESS_GAP_MS * 1000000L};
        while (nanosleep(&gap, &gap) != 0 && errno == EINTR)
            ;
    }
    if (rc != 0) {
        if (err.code == DK_API_SESSION_NOT_FOUND && s) {
            const char *gone = json_string_value(json_object_get(call, "session_id"));
            if (gone)
                mcp_session_forget(s, gone);
        }
        resp->log_code = dk_api_code_name(err.code);
        r = mcp_tool_error(name, &err);
        goto out;
    }
    if (s && (t->flags & TOOL_OPENS)) {
        const char *sid = json_string_value(json_object_get(result, "session_id"));
        const char *resumed = json_string_value(json_object_get(call, "resume_session_id"));
        if (resumed)
            mcp_session_forget(s, resumed);
        if (sid)
            mcp_session_remember(s, sid);
    }
    if (s && ((t->flags & TOOL_ENDS) || json_is_true(json_object_get(call, "close_session")))) {
        const char *sid = json_string_value(json_object_get(call, "session_id"));
        if (sid)
            mcp_session_forget(s, sid);
    }
    resp->log_code = "OK";
    char *text = dk_mcp_text_result(name, result);
    r = mcp_tool_text_result(text, false);
    free(text);
    if (json_is_object(result))
        json_object_set(r, "structuredContent", result);
    json_decref(result);
out:
    json_decref(call);
    dk_api_error_release(&err);
    return r;
}

/* ========================================================================== */
/* Dispatch                                                                   */
/* ========================================================================== */

static bool mcp_is_legacy_version(const char *v)
{
    for (size_t i = 0; i < NLEGACY; i++)
        if (strcmp(v, legacy_versions[i]) == 0)
            return true;
    return false;
}

/* Decode an Mcp-Name value: plain, or "=?base64?...?=". NULL when malformed. */
static char *mcp_header_value(const char *h)
{
    size_t n = strlen(h);
    if (n < 11 || strncmp(h, "=?base64?", 9) != 0 || strcmp(h + n - 2, "?=") != 0)
        return dk_xstrdup(h);
    const char *b = h + 9;
    size_t bl = n - 11;
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = dk_xmalloc(bl + 1);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < bl; i++) {
        if (b[i] == '=')
            break;
        const char *c = memchr(tab, b[i], 64);
        if (!c || !b[i]) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)(c - tab);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = 0;
    if (strlen(out) != o) {
        free(out);
        return NULL;
    }
    return out;
}

static json_t *mcp_initialize_result(const char *version)
{
    json_t *r = json_pack("{s:s,s:o,s:o,s:s}", "protocolVersion", version, "capabilities",
                          mcp_capabilities(), "serverInfo", mcp_server_info(), "instructions",
                          mcp_instructions);
    return r;
}

/* The legacy initialize: negotiate a version; over HTTP, open a session. */
static void mcp_initialize(dk_mcp *m, dk_mcp_session *s, const dk_mcp_request *req, json_t *id,
                           const json_t *params, dk_mcp_response *resp)
{
    const char *want = json_string_value(json_object_get(params, "protocolVersion"));
    const char *v = want && mcp_is_legacy_version(want) ? want : DK_MCP_LEGACY_VERSION;
    for (size_t i = 0; i < NLEGACY; i++)
        if (strcmp(v, legacy_versions[i]) == 0)
            v = legacy_versions[i];
    if (!id) { /* initialize must be a request */
        resp->http_status = 400;
        resp->body = rpc_error(NULL, RPC_INVALID_REQUEST, "initialize must have an id", NULL);
        return;
    }
    if (!s) {
        dk_mcp_session *n = mcp_session_open(m, req->principal);
        if (!n) {
            resp_error(resp, 503, id, RPC_INTERNAL, "too many open MCP sessions; retry later",
                       NULL);
            return;
        }
        snprintf(n->version, sizeof(n->version), "%s", v);
        snprintf(resp->new_session_id, sizeof(resp->new_session_id), "%s", n->id);
        mcp_session_put(m, n);
    } else {
        pthread_mutex_lock(&s->lock);
        snprintf(s->version, sizeof(s->version), "%s", v);
        pthread_mutex_unlock(&s->lock);
    }
    resp->protocol_version = v;
    resp->body = rpc_result(id, mcp_initialize_result(v));
}

/* A modern (stateless) request; `meta` is its _meta object. */
static void mcp_modern_request(dk_mcp *m, const dk_mcp_request *req, const char *method, json_t *id,
                               const json_t *params, const json_t *meta, dk_mcp_response *resp)
{
    const char *v = json_string_value(json_object_get(meta, META_VERSION));
    /* the header rules bind requests; notification POSTs are exempt (the spec
     * defines no header requirements for them) */
    if (req->http && id) {
        if (!req->h_protocol_version || strcmp(req->h_protocol_version, v) != 0) {
            resp_error(resp, 400, id, RPC_HEADER_MISMATCH,
                       req->h_protocol_version
                           ? "Header mismatch: MCP-Protocol-Version does not match the body's "
                             "_meta protocolVersion"
                           : "Header mismatch: the MCP-Protocol-Version header is missing",
                       NULL);
            return;
        }
    }
    if (strcmp(v, DK_MCP_MODERN_VERSION) != 0) {
        resp_error(resp, 400, id, RPC_UNSUPPORTED_VERSION, "Unsupported protocol version",
                   json_pack("{s:o,s:s}", "supported", mcp_supported_versions(), "requested", v));
        return;
    }
    if (!json_is_object(json_object_get(meta, META_CAPS))) {
        resp_error(resp, 400, id, RPC_INVALID_PARAMS,
                   "Invalid params: _meta is missing io.modelcontextprotocol/clientCapabilities",
                   NULL);
        return;
    }
    if (req->http && id) {
        if (!req->h_method || strcmp(req->h_method, method) != 0) {
            resp_error(resp, 400, id, RPC_HEADER_MISMATCH,
                       req->h_method ? "Header mismatch: Mcp-Method does not match the body's "
                                       "method"
                                     : "Header mismatch: the Mcp-Method header is missing",
                       NULL);
            return;
        }
        if (strcmp(method, "tools/call") == 0) {
            const char *name = json_string_value(json_object_get(params, "name"));
            char *h = req->h_name ? mcp_header_value(req->h_name) : NULL;
            bool ok = h && name && strcmp(h, name) == 0;
            free(h);
            if (!ok) {
                resp_error(resp, 400, id, RPC_HEADER_MISMATCH,
                           req->h_name ? "Header mismatch: Mcp-Name does not match params.name"
                                       : "Header mismatch: the Mcp-Name header is missing",
                           NULL);
                return;
            }
        }
    }
    if (!id) { /* notifications (cancelled): nothing to answer */
        resp->http_status = 202;
        return;
    }
    json_t *result = NULL;
    if (strcmp(method, "server/discover") == 0) {
        result = json_pack("{s:o,s:o,s:s,s:i,s:s}", "supportedVersions", mcp_supported_versions(),
                           "capabilities", mcp_capabilities(), "instructions", mcp_instructions,
                           "ttlMs", 3600000, "cacheScope", "public");
    } else if (strcmp(method, "tools/list") == 0) {
        result = json_pack("{s:O,s:i,s:s}", "tools", m->tools_modern, "ttlMs", 3600000,
                           "cacheScope", "public");
    } else if (strcmp(method, "tools/call") == 0) {
        json_t *err = NULL;
        result = mcp_tools_call(m, NULL, req, params, id, &err, resp);
        if (!result) {
            resp->http_status = 200;
            resp->body = err;
            return;
        }
    } else {
        resp_error(resp, 404, id, RPC_METHOD_NOT_FOUND, "Method not found", NULL);
        return;
    }
    resp->body = rpc_result(id, mcp_modern(result));
}

/* A legacy request inside session `s` (never NULL here). */
static void mcp_legacy_request(dk_mcp *m, dk_mcp_session *s, const dk_mcp_request *req,
                               const char *method, json_t *id, const json_t *params,
                               dk_mcp_response *resp)
{
    pthread_mutex_lock(&s->lock);
    resp->protocol_version = NULL;
    for (size_t i = 0; i < NLEGACY; i++)
        if (strcmp(s->version, legacy_versions[i]) == 0)
            resp->protocol_version = legacy_versions[i];
    pthread_mutex_unlock(&s->lock);
    if (req->http && req->h_protocol_version && !mcp_is_legacy_version(req->h_protocol_version)) {
        resp_error(resp, 400, id, RPC_INVALID_REQUEST,
                   "Bad Request: unsupported MCP-Protocol-Version header", NULL);
        return;
    }
    if (!id) { /* notifications/initialized, cancelled, ...: accepted */
        resp->http_status = 202;
        return;
    }
    json_t *result = NULL;
    if (strcmp(method, "ping") == 0) {
        result = json_object();
    } else if (strcmp(method, "tools/list") == 0) {
        result = json_pack("{s:O}", "tools", m->tools_legacy);
    } else if (strcmp(method, "tools/call") == 0) {
        json_t *err = NULL;
        result = mcp_tools_call(m, s, req, params, id, &err, resp);
        if (!result) {
            resp->body = err;
            return;
        }
    } else if (strcmp(method, "server/discover") == 0) {
        result = json_pack("{s:o,s:o,s:s}", "supportedVersions", mcp_supported_versions(),
                           "capabilities", mcp_capabilities(), "instructions", mcp_instructions);
    } else {
        resp_error(resp, 200, id, RPC_METHOD_NOT_FOUND, "Method not found", NULL);
        return;
    }
    resp->body = rpc_result(id, result);
}

void dk_mcp_handle(dk_mcp *m, dk_mcp_session *session, const dk_mcp_request *req,
                   dk_mcp_response *resp)
{
    resp->http_status = 200;
    resp->body = NULL;
    resp->new_session_id[0] = 0;
    resp->protocol_version = NULL;
    resp->log_op = NULL;
    resp->log_code = NULL;
    json_error_t jerr;
    json_t *msg = json_loadb(req->body, req->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!msg) {
        char text[300];
        snprintf(text, sizeof(text), "Parse error: %s (line %d, column %d)", jerr.text, jerr.line,
                 jerr.column);
        resp_error(resp, 400, NULL, RPC_PARSE, text, NULL);
        return;
    }
    if (!json_is_object(msg)) {
        resp_error(resp, 400, NULL, RPC_INVALID_REQUEST,
                   json_is_array(msg) ? "Invalid Request: JSON-RPC batches are not supported"
                                      : "Invalid Request: not a JSON-RPC message",
                   NULL);
        goto out;
    }
    json_t *id = json_object_get(msg, "id");
    json_t *method_j = json_object_get(msg, "method");
    if (!method_j && (json_object_get(msg, "result") || json_object_get(msg, "error"))) {
        resp->http_status = 202; /* a response from the client: we never asked */
        goto out;
    }
    const char *version = json_string_value(json_object_get(msg, "jsonrpc"));
    if (!version || strcmp(version, "2.0") != 0 || !json_is_string(method_j) ||
        (id && !json_is_string(id) && !json_is_integer(id))) {
        resp_error(resp, 400, id && (json_is_string(id) || json_is_integer(id)) ? id : NULL,
                   RPC_INVALID_REQUEST,
                   "Invalid Request: needs jsonrpc \"2.0\", a string method and a string or "
                   "integer id",
                   NULL);
        goto out;
    }
    const char *method = json_string_value(method_j);
    json_t *params = json_object_get(msg, "params");
    if (params && !json_is_object(params)) {
        resp_error(resp, 400, id, RPC_INVALID_PARAMS, "Invalid params: params must be an object",
                   NULL);
        goto out;
    }
    json_t *meta = json_object_get(params, "_meta");

    if (strcmp(method, "initialize") == 0) {
        mcp_initialize(m, session, req, id, params, resp);
        goto out;
    }
    if (json_object_get(meta, META_VERSION)) {
        if (!json_is_string(json_object_get(meta, META_VERSION))) {
            resp_error(resp, 400, id, RPC_INVALID_PARAMS,
                       "Invalid params: _meta protocolVersion must be a string", NULL);
            goto out;
        }
        mcp_modern_request(m, req, method, id, params, meta, resp);
        goto out;
    }
    if (session) {
        mcp_legacy_request(m, session, req, method, id, params, resp);
        goto out;
    }
    /* HTTP legacy: the session named by Mcp-Session-Id */
    if (!req->h_session_id) {
        if (req->h_protocol_version && !mcp_is_legacy_version(req->h_protocol_version)) {
            resp_error(resp, 400, id, RPC_UNSUPPORTED_VERSION, "Unsupported protocol version",
                       json_pack("{s:o,s:s}", "supported", mcp_supported_versions(), "requested",
                                 req->h_protocol_version));
            goto out;
        }
        resp_error(resp, 400, id, RPC_INVALID_REQUEST,
                   "Bad Request: send initialize first (2025 revisions) or put "
                   "io.modelcontextprotocol/protocolVersion in params._meta (2026-07-28)",
                   NULL);
        goto out;
    }
    dk_mcp_session *s = mcp_session_get(m, req->h_session_id, req->principal);
    if (!s) {
        resp_error(resp, 404, id, RPC_INVALID_REQUEST,
                   "Session not found: initialize a new MCP session", NULL);
        goto out;
    }
    mcp_legacy_request(m, s, req, method, id, params, resp);
    mcp_session_put(m, s);
out:
    json_decref(msg);
}

/* ========================================================================== */
/* Origin                                                                     */
/* ========================================================================== */

bool dk_mcp_origin_allowed(const char *origin, const char *allowed)
{
    if (!origin)
        return true;
    if (allowed && allowed[0]) {
        size_t n = strlen(origin);
        for (const char *p = allowed; *p;) {
            const char *e = strchr(p, ',');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            if (l == n && strncmp(p, origin, n) == 0)
                return true;
            if (!e)
                break;
            p = e + 1;
        }
    }
    const char *h;
    if (strncmp(origin, "http://", 7) == 0)
        h = origin + 7;
    else if (strncmp(origin, "https://", 8) == 0)
        h = origin + 8;
    else
        return false;
    static const char *const hosts[] = {"localhost", "127.0.0.1", "[::1]"};
    for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
        size_t l = strlen(hosts[i]);
        if (strncmp(h, hosts[i], l) != 0)
            continue;
        const char *rest = h + l;
        if (!*rest)
            return true;
        if (*rest != ':' || !rest[1])
            continue;
        for (rest++; *rest; rest++)
            if (*rest < '0' || *rest > '9')
                break;
        if (!*rest)
            return true;
    }
    return false;
}
