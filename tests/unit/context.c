/*
 * tests/unit/context.c - code context (include/dk/context.h) through the
 * engine, on a hand-written multi-language repository (Python, Go, C,
 * TypeScript) and a generated one: the function named in the query comes
 * first, callers and callees across files (through imports, by unique
 * name, unresolved calls kept as text), tests that call a symbol, session
 * isolation of new symbols, the index after a landing (incremental: one
 * changed file parsed, cross-file edges kept), budgets with multibyte text
 * (never a split character, never over the budget), no match, and queries
 * made only of punctuation or FTS syntax. One set of bodies runs on both
 * stores: suite context_sqlite and suite context_pg (a fresh database on
 * DK_TEST_PG_URL; without one every context_pg test FAILS, never skipped),
 * so the same queries must give the same top results on both.
 */
#include "dk/context.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "dk/engine.h"

#include "api/api.h"
#include "engine/context_int.h"
#include "git/git.h"
#include "harness/th.h"
#include "harness/th_engine.h"
#include "harness/th_pg.h"
#include "store/store.h"
#include "util/str.h"

static th_engine t_fx;

/* ========================================================================== */
/* The repository                                                             */
/* ========================================================================== */

/* A C function whose source is many lines of multibyte text. */
static const char t_c_src[] =
    "/* Format a greeting in several scripts. */\n"
    "const char *greeting_text(int lang)\n"
    "{\n"
    "    /* café naïve résumé — 日本語のテキスト — Ελληνικά — русский текст */\n"
    "    /* ünïcödé ĉàŕàĉţèŕš ŝţŕéŝŝ ţéŝţ ḿúĺţíƀýţé ĺíñéŝ ŵíţĥ àĉçéñţŝ */\n"
    "    /* 中文字符测试 — 한국어 텍스트 — עברית — العربية — हिन्दी */\n"
    "    if (lang == 1)\n"
    "        return \"こんにちは世界\";\n"
    "    if (lang == 2)\n"
    "        return \"Привет, мир\";\n"
    "    return \"γειά σου κόσμε\";\n"
    "}\n"
    "\n"
    "int wide_line(void) { return "
    "sizeof(\"日本語日本語日本語日本語日本語日本語日本語日本語日本語\"); }\n";

static const struct {
    const char *path;
    const char *text;
} t_files[] = {
    {"app/parser.py", "\"\"\"Parsing helpers.\"\"\"\n"
                      "import json\n"
                      "from app.util import normalize_path\n"
                      "\n"
                      "\n"
                      "def parse_config(path):\n"
                      "    \"\"\"Read the configuration file and return a dict.\"\"\"\n"
                      "    text = normalize_path(path)\n"
                      "    return load_settings(text)\n"
                      "\n"
                      "\n"
                      "def load_settings(text):\n"
                      "    return json.dumps({\"text\": text})\n"},
    {"app/util.py", "def normalize_path(p):\n"
                    "    # Collapse duplicate separators.\n"
                    "    return p.replace(\"//\", \"/\")\n"
                    "\n"
                    "\n"
                    "def load_settings(x):\n"
                    "    return x\n"},
    {"tests/test_parser.py", "from app.parser import parse_config\n"
                             "\n"
                             "\n"
                             "def test_parse_config():\n"
                             "    assert parse_config(\"a\")\n"},
    {"src/net.go", "package net\n"
                   "\n"
                   "// RetryDelay computes the backoff before the next attempt.\n"
                   "func RetryDelay(attempt int) int {\n"
                   "\treturn attempt * 2\n"
                   "}\n"},
    {"src/client.go", "package net\n"
                      "\n"
                      "// Fetch downloads a page.\n"
                      "func Fetch(url string) int {\n"
                      "\treturn RetryDelay(3)\n"
                      "}\n"},
    {"web/render.ts", "export function renderPage(title: string): string {\n"
                      "  return `<h1>${title}</h1>`;\n"
                      "}\n"},
    {"web/other.ts", "export function renderPage(n: number): number {\n"
                     "  return n;\n"
                     "}\n"},
    {"web/router.ts", "import { renderPage } from \"./render\";\n"
                      "\n"
                      "/** Route an incoming request to its page. */\n"
                      "export function handleRequest(path: string): string {\n"
                      "  return renderPage(path);\n"
                      "}\n"},
    {"lib/greet.c", t_c_src},
    {"README.md", "# demo\n"},
};

#define NFILES (sizeof(t_files) / sizeof(*t_files))

/* The source repository: t_files, plus `nextra` more files (paths and texts). */
static void t_make_source_with(char *const *extra_paths, char *const *extra_texts, size_t nextra)
{
    dk_git_repo *g = th_engine_src(&t_fx);
    th_file *f = calloc(NFILES + nextra, sizeof(*f));
    th_assert(f != NULL);
    for (size_t i = 0; i < NFILES; i++)
        f[i] = (th_file){t_files[i].path, t_files[i].text, 0};
    for (size_t i = 0; i < nextra; i++)
        f[NFILES + i] = (th_file){extra_paths[i], extra_texts[i], 0};
    th_commit_on(g, "main", f, NFILES + nextra, "first\n");
    free(f);
    dk_git_repo_close(g);
}

static void t_make_source(void)
{
    t_make_source_with(NULL, NULL, 0);
}

static void t_setup(const char *pg_prefix)
{
    th_engine_store(&t_fx, pg_prefix);
    t_make_source();
    th_engine_open(&t_fx, NULL);
    th_assert_ok(dk_repo_import(t_fx.e, "demo", t_fx.src, NULL));
}

void test_context_sqlite__initialize(void)
{
    t_setup(NULL);
}

void test_context_sqlite__cleanup(void)
{
    th_engine_done(&t_fx);
}

void test_context_pg__initialize(void)
{
    t_setup("dk_cx");
}

void test_context_pg__cleanup(void)
{
    th_engine_done(&t_fx);
}

/* ========================================================================== */
/* Helpers                                                                    */
/* ========================================================================== */

static dk_context_result *t_query(const char *session, const char *query, dk_context_depth depth,
                                  bool tests, size_t max_tokens)
{
    dk_context_opts o = DK_CONTEXT_OPTS_INIT;
    o.query = query;
    o.depth = depth;
    o.include_tests = tests;
    o.max_tokens = max_tokens;
    dk_context_result *r = NULL;
    th_assert_ok(dk_context_query(&r, t_fx.e, NULL, session ? NULL : "demo", session, &o));
    for (size_t i = 0; i < r->nsymbols; i++)
        th_assert_eq_int(r->symbols[i].rank, i + 1);
    return r;
}

/* The rank of `qname` in `path` (0 when absent). */
static unsigned t_rank(const dk_context_result *r, const char *path, const char *qname)
{
    for (size_t i = 0; i < r->nsymbols; i++)
        if (strcmp(r->symbols[i].path, path) == 0 &&
            strcmp(r->symbols[i].qualified_name, qname) == 0)
            return r->symbols[i].rank;
    return 0;
}

static const dk_context_symbol *t_first(const dk_context_result *r)
{
    th_assert_msg(r->nsymbols > 0, "no symbols for words '%s'", r->words);
    return &r->symbols[0];
}

static const dk_context_edge *t_edge(const dk_context_edge *e, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (e[i].name && strcmp(e[i].name, name) == 0)
            return &e[i];
    return NULL;
}

static const char *t_connect(const char *agent)
{
    static char ids[8][64];
    static int next;
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    o.repo = "demo";
    o.intent = "context tests";
    o.agent_id = agent;
    dk_session_info *info;
    th_assert_ok(dk_session_connect(&info, t_fx.e, NULL, &o));
    char *slot = ids[next++ % 8];
    snprintf(slot, 64, "%s", info->session_id);
    dk_session_infos_free(info, 1);
    return slot;
}

static void t_write(const char *sid, const char *path, const char *text)
{
    dk_write_result *r = NULL;
    int rc = dk_file_write(&r, t_fx.e, NULL, sid, path, text, strlen(text), NULL);
    dk_write_result_free(r);
    th_assert_ok(rc);
}

static void t_land(const char *sid)
{
    dk_changeset_info *info;
    th_assert_ok(dk_changeset_submit(&info, t_fx.e, NULL, sid));
    dk_changeset_info_free(info);
    dk_land_result *r = NULL;
    int rc = dk_land(&r, t_fx.e, NULL, sid, NULL);
    th_assert_msg(rc == DK_OK, "land: %d %s", rc, dk_error_last()->msg);
    dk_land_result_free(r);
}

/* ========================================================================== */
/* Tests                                                                      */
/* ========================================================================== */

static void t_named_first(void)
{
    dk_context_result *r = t_query(NULL, "parse config file", DK_CONTEXT_SIGNATURES, false, 0);
    const dk_context_symbol *s = t_first(r);
    th_assert_eq_str(s->qualified_name, "parse_config");
    th_assert_eq_str(s->path, "app/parser.py");
    th_assert_eq_str(s->kind, "function");
    th_assert_eq_int(s->start_line, 6);
    th_assert_eq_int(s->end_line, 9);
    th_assert_eq_str(s->signature, "def parse_config(path):");
    th_assert_eq_str(s->doc, "Read the configuration file and return a dict.");
    th_assert(s->source == NULL);
    th_assert(s->score > 0);
    /* the test function is not ranked without include_tests */
    th_assert_eq_int(t_rank(r, "tests/test_parser.py", "test_parse_config"), 0);
    dk_context_result_free(r);

    /* CamelCase and snake_case queries both reach the split identifier */
    static const char *const go[] = {"retry delay", "RetryDelay", "retry_delay backoff",
                                     "compute the backoff"};
    for (size_t i = 0; i < sizeof(go) / sizeof(*go); i++) {
        r = t_query(NULL, go[i], DK_CONTEXT_SIGNATURES, false, 0);
        th_assert_msg(r->nsymbols && strcmp(r->symbols[0].name, "RetryDelay") == 0,
                      "query '%s': first is %s", go[i], r->nsymbols ? r->symbols[0].name : "-");
        th_assert_eq_str(r->symbols[0].doc,
                         "RetryDelay computes the backoff before the next attempt.");
        dk_context_result_free(r);
    }
    r = t_query(NULL, "handle request routing", DK_CONTEXT_FULL, false, 0);
    s = t_first(r);
    th_assert_eq_str(s->name, "handleRequest");
    th_assert_eq_str(s->doc, "Route an incoming request to its page.");
    th_assert(s->source && strstr(s->source, "return renderPage(path);"));
    dk_context_result_free(r);

    r = t_query(NULL, "greeting text", DK_CONTEXT_FULL, false, 0);
    s = t_first(r);
    th_assert_eq_str(s->name, "greeting_text");
    th_assert(strstr(s->source, "こんにちは世界"));
    dk_context_result_free(r);
}
void test_context_sqlite__named_first(void)
{
    t_named_first();
}
void test_context_pg__named_first(void)
{
    t_named_first();
}

static void t_call_graph(void)
{
    dk_context_result *r = t_query(NULL, "parse_config", DK_CONTEXT_CALL_GRAPH, false, 0);
    const dk_context_symbol *s = t_first(r);
    th_assert_eq_str(s->name, "parse_config");
    /* through the import: normalize_path lives in app/util.py */
    const dk_context_edge *e = t_edge(s->callees, s->ncallees, "normalize_path");
    th_assert(e && e->resolved);
    th_assert_eq_str(e->path, "app/util.py");
    th_assert_eq_int(e->start_line, 1);
    th_assert_eq_int(e->call_line, 8);
    /* two load_settings: the one in the calling file wins */
    e = t_edge(s->callees, s->ncallees, "load_settings");
    th_assert(e && e->resolved);
    th_assert_eq_str(e->path, "app/parser.py");
    dk_context_result_free(r);

    /* an external call stays as text */
    r = t_query(NULL, "load settings", DK_CONTEXT_CALL_GRAPH, false, 0);
    th_assert(t_rank(r, "app/parser.py", "load_settings") > 0);
    s = &r->symbols[t_rank(r, "app/parser.py", "load_settings") - 1];
    bool unresolved = false;
    for (size_t i = 0; i < s->ncallees; i++)
        if (strcmp(s->callees[i].text, "json.dumps") == 0)
            unresolved = !s->callees[i].resolved && !s->callees[i].path;
    th_assert(unresolved);
    /* its caller is parse_config, in the same file */
    th_assert(t_edge(s->callers, s->ncallers, "parse_config"));
    dk_context_result_free(r);

    /* callers across files */
    r = t_query(NULL, "normalize path", DK_CONTEXT_CALL_GRAPH, false, 0);
    s = t_first(r);
    th_assert_eq_str(s->name, "normalize_path");
    e = t_edge(s->callers, s->ncallers, "parse_config");
    th_assert(e && strcmp(e->path, "app/parser.py") == 0);
    th_assert_eq_str(e->text, "normalize_path");
    dk_context_result_free(r);

    /* Go: same package, resolved by unique name */
    r = t_query(NULL, "RetryDelay", DK_CONTEXT_CALL_GRAPH, false, 0);
    s = t_first(r);
    e = t_edge(s->callers, s->ncallers, "Fetch");
    th_assert(e && strcmp(e->path, "src/client.go") == 0);
    dk_context_result_free(r);

    /* TypeScript: two renderPage, the imported one is the callee */
    r = t_query(NULL, "handleRequest", DK_CONTEXT_CALL_GRAPH, false, 0);
    s = t_first(r);
    e = t_edge(s->callees, s->ncallees, "renderPage");
    th_assert(e && e->resolved);
    th_assert_eq_str(e->path, "web/render.ts");
    dk_context_result_free(r);
    r = t_query(NULL, "render page", DK_CONTEXT_CALL_GRAPH, false, 0);
    unsigned seen = 0;
    for (size_t i = 0; i < r->nsymbols; i++) {
        s = &r->symbols[i];
        if (strcmp(s->name, "renderPage") != 0)
            continue;
        seen++;
        bool called = t_edge(s->callers, s->ncallers, "handleRequest") != NULL;
        th_assert_eq_int(called, strcmp(s->path, "web/render.ts") == 0);
    }
    th_assert_eq_int(seen, 2);
    dk_context_result_free(r);

    /* tests that call a symbol, only when asked */
    r = t_query(NULL, "parse config", DK_CONTEXT_SIGNATURES, true, 0);
    s = &r->symbols[t_rank(r, "app/parser.py", "parse_config") - 1];
    th_assert_eq_int(s->ntests, 1);
    th_assert_eq_str(s->tests[0].name, "test_parse_config");
    th_assert_eq_str(s->tests[0].path, "tests/test_parser.py");
    th_assert_eq_int(s->ncallers, 0); /* signatures: no call graph */
    dk_context_result_free(r);
    r = t_query(NULL, "parse config", DK_CONTEXT_CALL_GRAPH, false, 0);
    th_assert_eq_int(r->symbols[0].ntests, 0);
    th_assert(!t_edge(r->symbols[0].callers, r->symbols[0].ncallers, "test_parse_config"));
    dk_context_result_free(r);
}
void test_context_sqlite__call_graph(void)
{
    t_call_graph();
}
void test_context_pg__call_graph(void)
{
    t_call_graph();
}

static void t_session_isolation(void)
{
    const char *a = t_connect("agent-a");
    const char *b = t_connect("agent-b");
    t_write(a, "app/invoice.py",
            "from app.util import normalize_path\n\n\ndef compute_invoice_total(items):\n"
            "    return normalize_path(items)\n");
    /* a's own view: the new function, with its cross-file callee */
    dk_context_result *r = t_query(a, "invoice total", DK_CONTEXT_CALL_GRAPH, false, 0);
    const dk_context_symbol *s = t_first(r);
    th_assert_eq_str(s->name, "compute_invoice_total");
    th_assert(s->from_session);
    th_assert(s->source && strstr(s->source, "def compute_invoice_total"));
    const dk_context_edge *e = t_edge(s->callees, s->ncallees, "normalize_path");
    th_assert(e && strcmp(e->path, "app/util.py") == 0);
    dk_context_result_free(r);
    /* in a, normalize_path has the new caller; elsewhere it has not */
    r = t_query(a, "normalize_path", DK_CONTEXT_CALL_GRAPH, false, 0);
    th_assert(t_edge(r->symbols[0].callers, r->symbols[0].ncallers, "compute_invoice_total"));
    dk_context_result_free(r);
    r = t_query(b, "normalize_path", DK_CONTEXT_CALL_GRAPH, false, 0);
    th_assert(!t_edge(r->symbols[0].callers, r->symbols[0].ncallers, "compute_invoice_total"));
    dk_context_result_free(r);
    /* nobody else sees it */
    r = t_query(b, "invoice total", DK_CONTEXT_SIGNATURES, false, 0);
    th_assert_eq_int(r->nsymbols, 0);
    dk_context_result_free(r);
    r = t_query(NULL, "invoice total", DK_CONTEXT_SIGNATURES, false, 0);
    th_assert_eq_int(r->nsymbols, 0);
    dk_context_result_free(r);

    /* a modifies a head file: its version replaces the head's, for a only */
    t_write(a, "src/net.go",
            "package net\n\n// RetryDelay waits with jitter.\nfunc RetryDelay(attempt int) int {\n"
            "\treturn attempt * 3\n}\n");
    r = t_query(a, "retry delay", DK_CONTEXT_FULL, false, 0);
    th_assert_eq_int(t_rank(r, "src/net.go", "RetryDelay"), 1);
    unsigned n = 0;
    for (size_t i = 0; i < r->nsymbols; i++)
        n += strcmp(r->symbols[i].name, "RetryDelay") == 0;
    th_assert_eq_int(n, 1);
    th_assert(r->symbols[0].from_session);
    th_assert(strstr(r->symbols[0].source, "attempt * 3"));
    th_assert_eq_str(r->symbols[0].doc, "RetryDelay waits with jitter.");
    dk_context_result_free(r);
    r = t_query(b, "retry delay", DK_CONTEXT_FULL, false, 0);
    th_assert(!r->symbols[0].from_session);
    th_assert(strstr(r->symbols[0].source, "attempt * 2"));
    dk_context_result_free(r);

    /* a deletes a file: its symbols leave a's view only */
    dk_write_result *w = NULL;
    th_assert_ok(dk_file_delete(&w, t_fx.e, NULL, a, "lib/greet.c"));
    dk_write_result_free(w);
    r = t_query(a, "greeting text", DK_CONTEXT_SIGNATURES, false, 0);
    th_assert_eq_int(t_rank(r, "lib/greet.c", "greeting_text"), 0);
    dk_context_result_free(r);
    r = t_query(b, "greeting text", DK_CONTEXT_SIGNATURES, false, 0);
    th_assert_eq_int(t_rank(r, "lib/greet.c", "greeting_text"), 1);
    dk_context_result_free(r);

    /* another caller may not read a's session */
    dk_caller other = {.token_id = "tok-other"};
    dk_context_opts o = DK_CONTEXT_OPTS_INIT;
    o.query = "invoice";
    dk_context_result *none = NULL;
    th_assert_err(dk_context_query(&none, t_fx.e, &other, NULL, a, &o), DK_EFORBIDDEN);
    th_assert(none == NULL);
}
void test_context_sqlite__session_isolation(void)
{
    t_session_isolation();
}
void test_context_pg__session_isolation(void)
{
    t_session_isolation();
}

/* The head row's totals (symbols, column words) equal the sums over its files' rows. */
static void t_check_totals(void)
{
    dk_store_conn *c;
    th_assert_ok(dk_store_acquire(&c, dk_eng_store(t_fx.e)));
    static const char *const cols[] = {"nsym",  "w_name", "w_qname", "w_sig",
                                       "w_doc", "w_path", "w_body"};
    for (size_t i = 0; i < sizeof(cols) / sizeof(*cols); i++) {
        char sql[256];
        int64_t total = -1, sum = -2;
        dk_store_val p[] = {DK_SV_TEXT("demo")};
        snprintf(sql, sizeof(sql), "SELECT %s FROM context_heads WHERE repo = ?", cols[i]);
        th_assert_ok(dk_store_query_int(&total, NULL, c, sql, p, 1));
        snprintf(sql, sizeof(sql),
                 "SELECT COALESCE(SUM(%s), 0) FROM context_files WHERE repo = ? AND scope = ''",
                 i ? cols[i] : "nsymbols");
        th_assert_ok(dk_store_query_int(&sum, NULL, c, sql, p, 1));
        th_assert_msg(total == sum && total > 0, "%s: head %lld, files %lld", cols[i],
                      (long long)total, (long long)sum);
    }
    dk_store_release(c);
}

/* The summary of `repo` through connect's operation, for a session at `base` (NULL: the head). */
static json_t *t_connect_summary(const char *base)
{
    dk_api *api;
    th_assert_ok(dk_api_new(&api, t_fx.e));
    dk_api_ctx ctx = DK_API_CTX_INIT(api);
    json_t *params = json_pack("{s:s,s:s,s:s}", "repo", "demo", "intent", "summary", "agent_id",
                               "summary-agent");
    if (base)
        json_object_set_new(params, "base_commit", json_string(base));
    json_t *res = NULL;
    dk_api_error err = DK_API_ERROR_INIT;
    int rc = dk_api_call(&ctx, "connect", params, &res, &err);
    th_assert_msg(rc == 0, "connect: %s", err.message);
    json_t *schema = dk_api_op_schema(dk_api_op_find("connect"), true);
    dk_api_error verr = DK_API_ERROR_INIT;
    th_assert_msg(dk_api_validate(schema, res, &verr) == 0, "result schema: %s", verr.message);
    json_t *sum = json_incref(json_object_get(res, "summary"));
    th_assert(sum != NULL);
    json_decref(schema);
    json_decref(res);
    json_decref(params);
    dk_api_error_release(&err);
    dk_api_error_release(&verr);
    dk_api_ctx_release(&ctx);
    dk_api_free(api);
    return sum;
}

static void t_after_land(void)
{
    /* the import built the index: the first request finds it at the head */
    dk_context_index_status ix;
    th_assert_ok(dk_context_index_state(&ix, t_fx.e, "demo"));
    th_assert(ix.indexed_head[0]);
    th_assert_eq_str(ix.indexed_head, ix.branch_head);
    th_assert(ix.has_last && !ix.updating);
    th_assert_eq_str(ix.last_head, ix.indexed_head);
    th_assert_eq_int(ix.last.files_changed, NFILES);
    th_assert_eq_int(ix.last.files_parsed, NFILES - 1); /* README.md has no language */
    dk_context_index_stats st;
    th_assert_ok(dk_context_index(&st, t_fx.e, "demo"));
    th_assert(st.up_to_date);
    char base[41];
    snprintf(base, sizeof(base), "%s", ix.indexed_head);
    dk_context_summary *before;
    th_assert_ok(dk_context_summary_get(&before, t_fx.e, "demo"));
    th_assert_eq_str(before->commit, base);

    /* a session opened before the landing keeps its base */
    char old_sid[64];
    snprintf(old_sid, sizeof(old_sid), "%s", t_connect("agent-old"));
    const char *a = t_connect("agent-a");
    t_write(a, "app/util.py",
            "def normalize_path(p):\n    # Collapse duplicate separators.\n"
            "    return p.replace(\"//\", \"/\").strip()\n\n\ndef load_settings(x):\n"
            "    return x\n\n\ndef shipping_estimate(weight):\n    return weight * 7\n");
    t_land(a);
    /* the landing's update (the indexer thread's, or this call's when it comes first): one file
     * changed, one parsed (the engine had it cached) */
    th_assert_ok(dk_context_index(&st, t_fx.e, "demo"));
    th_assert_ok(dk_context_index_state(&ix, t_fx.e, "demo"));
    th_assert_eq_str(ix.indexed_head, ix.branch_head);
    th_assert(strcmp(ix.indexed_head, base) != 0);
    th_assert_eq_str(ix.last_head, ix.indexed_head);
    th_assert_eq_int(ix.last.files_changed, 1);
    th_assert_eq_int(ix.last.files_parsed, 1);
    th_assert_eq_int(ix.last.cache_hits, 1);
    th_assert_eq_int(ix.last.symbols_added, 3);
    /* the session at the old base is answered at its base: no shipping_estimate, and util.py's
     * symbols as its base has them, not marked as its own changes */
    dk_context_result *ro = t_query(old_sid, "shipping estimate", DK_CONTEXT_FULL, false, 0);
    for (size_t i = 0; i < ro->nsymbols; i++)
        th_assert(strcmp(ro->symbols[i].name, "shipping_estimate") != 0);
    dk_context_result_free(ro);
    ro = t_query(old_sid, "normalize path", DK_CONTEXT_FULL, false, 0);
    th_assert_eq_str(t_first(ro)->name, "normalize_path");
    th_assert_eq_str(ro->symbols[0].path, "app/util.py");
    th_assert(!ro->symbols[0].from_session);
    th_assert(strstr(ro->symbols[0].source, "strip()") == NULL);
    dk_context_result_free(ro);
    /* a session at the old base is described at its base, the head at the head */
    dk_context_summary *at;
    th_assert_ok(dk_context_summary_at(&at, t_fx.e, "demo", base));
    th_assert_eq_str(at->commit, base);
    th_assert_eq_int(at->symbols, before->symbols);
    th_assert_eq_int(at->files, before->files);
    th_assert_eq_int(at->all_files, before->all_files);
    th_assert_eq_int(at->nlanguages, before->nlanguages);
    for (size_t i = 0; i < at->nlanguages; i++) {
        th_assert_eq_str(at->languages[i], before->languages[i]);
        th_assert_eq_int(at->language_files[i], before->language_files[i]);
    }
    dk_context_summary_free(at);
    th_assert_ok(dk_context_summary_at(&at, t_fx.e, "demo", NULL));
    th_assert_eq_str(at->commit, ix.indexed_head);
    th_assert_eq_int(at->symbols, before->symbols + 1);
    dk_context_summary_free(at);
    json_t *js = t_connect_summary(base);
    th_assert_eq_str(json_string_value(json_object_get(js, "commit")), base);
    th_assert_eq_int(json_integer_value(json_object_get(js, "symbols")), before->symbols);
    json_decref(js);
    js = t_connect_summary(NULL);
    th_assert_eq_str(json_string_value(json_object_get(js, "commit")), ix.indexed_head);
    th_assert_eq_int(json_integer_value(json_object_get(js, "symbols")), before->symbols + 1);
    json_decref(js);
    dk_context_summary_free(before);
    dk_context_result *r = t_query(NULL, "shipping estimate", DK_CONTEXT_FULL, false, 0);
    th_assert_eq_str(t_first(r)->name, "shipping_estimate");
    th_assert_eq_str(r->symbols[0].path, "app/util.py");
    th_assert(strstr(r->symbols[0].source, "weight * 7"));
    dk_context_result_free(r);
    /* the edge from the unchanged file into the changed one is still there */
    r = t_query(NULL, "normalize path", DK_CONTEXT_CALL_GRAPH, false, 0);
    th_assert(t_edge(r->symbols[0].callers, r->symbols[0].ncallers, "parse_config"));
    th_assert(strstr(r->symbols[0].signature, "normalize_path"));
    dk_context_result_free(r);
    /* the ranking's statistics followed the landing: the head's totals are its files' sums */
    t_check_totals();
    /* the landed session's rows are gone once the session is (the index drops dead scopes) */
    dk_context_summary *sum;
    th_assert_ok(dk_context_summary_get(&sum, t_fx.e, "demo"));
    th_assert_eq_int(sum->files, NFILES - 1);
    th_assert_eq_int(sum->nlanguages, 4);
    th_assert_eq_str(sum->languages[0], "c");
    th_assert_eq_str(sum->languages[1], "go");
    th_assert_eq_str(sum->languages[2], "python");
    th_assert_eq_int(sum->symbols, 13);
    dk_context_summary_free(sum);
}
void test_context_sqlite__after_land(void)
{
    t_after_land();
}
void test_context_pg__after_land(void)
{
    t_after_land();
}

/*
 * A request that arrives while the index is being brought to a new head
 * (held here: the indexer thread takes no work, and every update is too
 * large to make inline) is answered within the wait bound from the complete
 * older head, and says so; once the update is made the answer follows.
 */
static void t_behind(void)
{
    dk_context_index_status ix;
    th_assert_ok(dk_context_index_state(&ix, t_fx.e, "demo"));
    char old[41];
    snprintf(old, sizeof(old), "%s", ix.indexed_head);
    dk_ctx_indexer_tune(t_fx.e, 1, 0, true);
    const char *a = t_connect("agent-b");
    t_write(a, "app/util.py", "def freight_quote(weight):\n    return weight * 9\n");
    t_land(a);
    dk_context_result *r = t_query(NULL, "freight quote", DK_CONTEXT_SIGNATURES, false, 0);
    th_assert(r->index_behind);
    th_assert_eq_str(r->head, old);
    th_assert(strcmp(r->branch_head, old) != 0);
    th_assert(r->branch_head[0]);
    for (size_t i = 0; i < r->nsymbols; i++)
        th_assert(strcmp(r->symbols[i].name, "freight_quote") != 0);
    dk_context_result_free(r);
    th_assert_ok(dk_context_index_state(&ix, t_fx.e, "demo"));
    th_assert(ix.updating);
    th_assert_eq_str(ix.indexed_head, old);
    /* connect's summary names the head it describes */
    dk_context_summary *sum;
    th_assert_ok(dk_context_summary_at(&sum, t_fx.e, "demo", NULL));
    th_assert_eq_str(sum->commit, old);
    dk_context_summary_free(sum);
    /* the thread is let go (or dk_context_index makes the update itself) */
    dk_ctx_indexer_tune(t_fx.e, 0, -1, false);
    dk_context_index_stats st;
    th_assert_ok(dk_context_index(&st, t_fx.e, "demo"));
    r = t_query(NULL, "freight quote", DK_CONTEXT_SIGNATURES, false, 0);
    th_assert(!r->index_behind);
    th_assert_eq_str(r->head, r->branch_head);
    th_assert_eq_str(t_first(r)->name, "freight_quote");
    dk_context_result_free(r);
    t_check_totals();
}
void test_context_sqlite__behind(void)
{
    t_behind();
}
void test_context_pg__behind(void)
{
    t_behind();
}

/* ---- WAL checkpoints after the update ----------------------------------- */

/* SQLite's auto-checkpoint size (frames), and a bound on the WAL file it allows: a frame is a
 * 4,096-byte page and a 24-byte header; one update below writes far fewer than 300 frames */
#define T_WAL_BOUND ((int64_t)(1000 + 300) * (4096 + 24) + 32)

static int64_t t_wal_size(void)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof(path), "%s/dk.db-wal", th_tmpdir());
    return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

/* Commit a new version `v` of one Python file of 40 functions to the branch, then bring the
 * index to it (dk_context_index: this thread's inline update) and check it was one file. */
static void t_one_file_update(unsigned v)
{
    dk_git_repo *g = NULL;
    const char *branch = NULL;
    th_assert_ok(dk_eng_repo_acquire(&g, &branch, t_fx.e, "demo"));
    dk_str text = DK_STR_INIT;
    for (unsigned f = 0; f < 40; f++)
        dk_str_addf(&text,
                    "def handler_%u_v%u(request, limit):\n"
                    "    \"\"\"Handle request %u of version %u within the limit.\"\"\"\n"
                    "    return dispatch_%u(request, limit) + %u\n\n\n",
                    f, v, f, v, f, v);
    dk_git_edit ed = {
        .path = "app/handlers.py", .op = DK_GIT_EDIT_UPSERT, .mode = DK_GIT_MODE_FILE};
    dk_git_commit_opts co = DK_GIT_COMMIT_OPTS_INIT;
    co.author_name = "test";
    co.author_email = "test@example.com";
    dk_oid cur, tree, commit;
    th_assert_ok(dk_git_blob_write(&ed.id, g, text.ptr, text.len));
    th_assert_ok(dk_git_branch_read(&cur, g, branch));
    th_assert_ok(dk_git_tree_build(&tree, g, &cur, &ed, 1));
    th_assert_ok(dk_git_commit_write(&commit, g, &tree, &cur, 1, "one file\n", &co));
    th_assert_ok(dk_git_branch_cas(g, branch, &cur, &commit, NULL));
    dk_eng_repo_release(t_fx.e, "demo", g);
    dk_str_release(&text);
    dk_context_index_stats st;
    th_assert_ok(dk_context_index(&st, t_fx.e, "demo"));
    th_assert_eq_int(st.files_changed, 1);
    th_assert_eq_int(st.files_parsed, 1);
}

/* Wait (at most 20 s) until the indexer thread has run the checkpoint the updates left due. */
static bool t_checkpoint_wait(void)
{
    for (int i = 0; i < 10000; i++) {
        if (!dk_store_checkpoint_due(dk_eng_store(t_fx.e)))
            return true;
        nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
    }
    return false;
}

/*
 * An update commits without SQLite's WAL checkpoint and the indexer thread
 * runs it afterwards, so the WAL stays as bounded as with the
 * auto-checkpoint over many updates in a row; while the thread is held the
 * checkpoint stays due and the WAL grows past the bound (what the first
 * part would show without the thread's checkpoints). PostgreSQL: nothing
 * is ever due.
 */
static void t_wal_bounded(void)
{
    dk_store *store = dk_eng_store(t_fx.e);
    bool sqlite = dk_store_kind_of(store) == DK_STORE_SQLITE;
    unsigned v = 0;
    for (int i = 0; i < 100; i++) {
        t_one_file_update(++v);
        th_assert(t_checkpoint_wait());
        if (sqlite)
            th_assert_msg(t_wal_size() <= T_WAL_BOUND, "wal %lld bytes after %d updates",
                          (long long)t_wal_size(), i + 1);
    }
    if (!sqlite) {
        th_assert(!dk_store_checkpoint_due(store));
        return;
    }
    dk_ctx_indexer_tune(t_fx.e, 0, -1, true);
    for (int i = 0; i < 100; i++)
        t_one_file_update(++v);
    th_assert(dk_store_checkpoint_due(store));
    th_assert_msg(t_wal_size() > T_WAL_BOUND, "wal %lld bytes", (long long)t_wal_size());
    /* let go, the thread runs it */
    dk_ctx_indexer_tune(t_fx.e, 0, -1, false);
    th_assert(t_checkpoint_wait());
    dk_context_result *r = t_query(NULL, "handle request version", DK_CONTEXT_SIGNATURES, false, 0);
    th_assert(!r->index_behind);
    dk_context_result_free(r);
    t_check_totals();
}
void test_context_sqlite__wal_bounded(void)
{
    t_wal_bounded();
}
void test_context_pg__wal_bounded(void)
{
    t_wal_bounded();
}

/*
 * A reader whose small inline update cannot write (another connection holds
 * the store's write lock on SQLite, the head row on PostgreSQL, past the
 * busy timeout: 10 s) answers from the last complete head with
 * index_behind instead of failing; the build goes to the thread.
 */
static void t_store_busy(void)
{
    dk_context_index_status ix;
    th_assert_ok(dk_context_index_state(&ix, t_fx.e, "demo"));
    char old[41];
    snprintf(old, sizeof(old), "%s", ix.indexed_head);
    dk_ctx_indexer_tune(t_fx.e, 0, -1, true);
    const char *a = t_connect("agent-b");
    t_write(a, "app/util.py", "def freight_quote(weight):\n    return weight * 9\n");
    t_land(a);
    dk_store_conn *c = NULL;
    th_assert_ok(dk_store_acquire(&c, dk_eng_store(t_fx.e)));
    th_assert_ok(dk_store_begin(c));
    dk_store_val p[] = {DK_SV_TEXT("demo")};
    th_assert_ok(dk_store_exec(c, NULL,
                               "UPDATE context_heads SET updated_at = updated_at "
                               "WHERE repo = ?",
                               p, 1));
    dk_context_result *r = t_query(NULL, "freight quote", DK_CONTEXT_SIGNATURES, false, 0);
    th_assert(r->index_behind);
    th_assert_eq_str(r->head, old);
    th_assert(strcmp(r->branch_head, old) != 0);
    dk_context_result_free(r);
    dk_store_rollback(c);
    dk_store_release(c);
    th_assert_ok(dk_context_index_state(&ix, t_fx.e, "demo"));
    th_assert(ix.updating);
    dk_ctx_indexer_tune(t_fx.e, 0, -1, false);
    th_assert_ok(dk_context_index(NULL, t_fx.e, "demo"));
    r = t_query(NULL, "freight quote", DK_CONTEXT_SIGNATURES, false, 0);
    th_assert(!r->index_behind);
    th_assert_eq_str(t_first(r)->name, "freight_quote");
    dk_context_result_free(r);
    t_check_totals();
}
void test_context_sqlite__store_busy(void)
{
    t_store_busy();
}
void test_context_pg__store_busy(void)
{
    t_store_busy();
}

/* ---- the indexer thread's large build, paused by a test hook ------------- */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    /* the hook reached its point / the test lets it go on */
    bool reached, released;
} t_pause = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false};

/* Wait (at most 30 s) until `*flag`; true if it was set. */
static bool t_pause_wait(const bool *flag)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    int w = 0;
    while (!*flag && w != ETIMEDOUT)
        w = pthread_cond_timedwait(&t_pause.cond, &t_pause.lock, &until);
    return *flag;
}

/* DK_CTX_HOOK_LARGE: stop the indexer thread there until the test releases it (30 s at most). */
static void t_pause_hook(void *arg, enum dk_ctx_hook_at at, const char *repo)
{
    (void)arg;
    (void)repo;
    if (at != DK_CTX_HOOK_LARGE)
        return;
    pthread_mutex_lock(&t_pause.lock);
    t_pause.reached = true;
    pthread_cond_broadcast(&t_pause.cond);
    (void)t_pause_wait(&t_pause.released);
    pthread_mutex_unlock(&t_pause.lock);
}

static void t_pause_release(void)
{
    pthread_mutex_lock(&t_pause.lock);
    t_pause.released = true;
    pthread_cond_broadcast(&t_pause.cond);
    pthread_mutex_unlock(&t_pause.lock);
}

/*
 * A landing whose files reach the inline limit (2 here) is a large build for
 * the indexer thread, which marks it so before making it: while it runs
 * (paused by the hook), the status says large, and a query and connect's
 * summary answer at once from the older head with index_behind, although
 * the wait bound is 60 s; once the build is made, the answers follow.
 */
static void t_large_landing(void)
{
    dk_context_index_status ix;
    th_assert_ok(dk_context_index_state(&ix, t_fx.e, "demo"));
    char old[41];
    snprintf(old, sizeof(old), "%s", ix.indexed_head);
    dk_context_summary *before;
    th_assert_ok(dk_context_summary_get(&before, t_fx.e, "demo"));
    th_assert(!before->index_behind);
    th_assert_eq_str(before->branch_head, old);
    t_pause.reached = t_pause.released = false;
    dk_ctx_indexer_hook(t_fx.e, t_pause_hook, NULL);
    dk_ctx_indexer_tune(t_fx.e, 2, 60000, false);
    const char *a = t_connect("agent-large");
    t_write(a, "app/bulk_a.py", "def bulk_alpha(x):\n    return x\n");
    t_write(a, "app/bulk_b.py", "def bulk_beta(x):\n    return x\n");
    t_land(a);
    pthread_mutex_lock(&t_pause.lock);
    bool reached = t_pause_wait(&t_pause.reached);
    pthread_mutex_unlock(&t_pause.lock);
    if (!reached)
        t_pause_release();
    th_assert_msg(reached, "the indexer thread did not mark the landing's build large");
    th_assert_ok(dk_context_index_state(&ix, t_fx.e, "demo"));
    bool large = ix.updating && ix.large;
    if (!large)
        t_pause_release();
    th_assert(large);
    th_assert_eq_str(ix.indexed_head, old);
    /* not waiting for the paused build: answered from the old head */
    dk_context_result *r = t_query(NULL, "bulk alpha", DK_CONTEXT_SIGNATURES, false, 0);
    bool behind = r->index_behind && strcmp(r->head, old) == 0;
    char branch[41];
    snprintf(branch, sizeof(branch), "%s", r->branch_head);
    for (size_t i = 0; i < r->nsymbols; i++)
        behind = behind && strcmp(r->symbols[i].name, "bulk_alpha") != 0;
    dk_context_result_free(r);
    dk_context_summary *sum;
    th_assert_ok(dk_context_summary_at(&sum, t_fx.e, "demo", NULL));
    behind = behind && sum->index_behind && strcmp(sum->commit, old) == 0 &&
             strcmp(sum->branch_head, branch) == 0 && sum->symbols == before->symbols;
    dk_context_summary_free(sum);
    json_t *js = t_connect_summary(NULL);
    behind = behind && json_is_true(json_object_get(js, "index_behind")) &&
             strcmp(json_string_value(json_object_get(js, "commit")), old) == 0 &&
             strcmp(json_string_value(json_object_get(js, "branch_head")), branch) == 0;
    json_decref(js);
    t_pause_release();
    th_assert_msg(behind, "a reader did not answer from the old head while the build ran");
    th_assert(strcmp(branch, old) != 0);
    dk_context_index_stats st;
    th_assert_ok(dk_context_index(&st, t_fx.e, "demo"));
    dk_ctx_indexer_hook(t_fx.e, NULL, NULL);
    dk_ctx_indexer_tune(t_fx.e, 0, -1, false);
    th_assert_ok(dk_context_index_state(&ix, t_fx.e, "demo"));
    th_assert_eq_str(ix.indexed_head, branch);
    th_assert(!ix.large);
    /* the thread made the build: two files changed, both parsed */
    th_assert(ix.has_last);
    th_assert_eq_int(ix.last.files_changed, 2);
    th_assert_eq_str(ix.last_head, branch);
    r = t_query(NULL, "bulk alpha", DK_CONTEXT_SIGNATURES, false, 0);
    th_assert(!r->index_behind);
    th_assert_eq_str(t_first(r)->name, "bulk_alpha");
    dk_context_result_free(r);
    th_assert_ok(dk_context_summary_at(&sum, t_fx.e, "demo", NULL));
    th_assert(!sum->index_behind);
    th_assert_eq_str(sum->commit, branch);
    th_assert_eq_int(sum->symbols, before->symbols + 2);
    dk_context_summary_free(sum);
    dk_context_summary_free(before);
    t_check_totals();
}
void test_context_sqlite__large_landing(void)
{
    t_large_landing();
}
void test_context_pg__large_landing(void)
{
    t_large_landing();
}

/* ---- a reader's head re-read: the index moves between its reads and the check */

static struct {
    /* hook calls, and how many of the first calls land a new function and index it */
    int calls, moves;
    /* functions landed so far (t_move_names) */
    int landed;
    /* the indexed head after each moving call */
    char heads[4][41];
} t_move;

static const char *const t_move_names[] = {"moved_alpha", "moved_beta",  "moved_gamma",
                                           "moved_delta", "moved_omega", "moved_zeta",
                                           "moved_eta",   "moved_theta"};

/* DK_CTX_HOOK_READ: land one more function and bring the index to it (the thread is held). */
static void t_move_hook(void *arg, enum dk_ctx_hook_at at, const char *repo)
{
    (void)arg;
    if (at != DK_CTX_HOOK_READ || strcmp(repo, "demo") != 0)
        return;
    int k = t_move.calls++;
    if (k >= t_move.moves || k >= 4 || t_move.landed >= 8)
        return;
    const char *name = t_move_names[t_move.landed++];
    const char *a = t_connect("agent-move");
    char path[64], text[128];
    snprintf(path, sizeof(path), "app/%s.py", name);
    snprintf(text, sizeof(text), "def %s(x):\n    return x\n", name);
    t_write(a, path, text);
    t_land(a);
    dk_context_index_stats st;
    th_assert_ok(dk_context_index(&st, t_fx.e, "demo"));
    th_assert_eq_int(st.files_changed, 1);
    dk_context_index_status ix;
    th_assert_ok(dk_context_index_state(&ix, t_fx.e, "demo"));
    snprintf(t_move.heads[k], 41, "%s", ix.indexed_head);
}

/*
 * The index moves after a reader's reads and before it re-reads the head
 * (the hook lands a function and indexes it): the query answers again at
 * the new head (the new function first, not behind); when the index moves
 * on each of its three tries, it answers the last as it is, index_behind.
 * The same for connect's summary.
 */
static void t_reread(void)
{
    dk_ctx_indexer_tune(t_fx.e, 0, -1, true);
    memset(&t_move, 0, sizeof(t_move));
    dk_ctx_indexer_hook(t_fx.e, t_move_hook, NULL);
    dk_context_index_status ix;
    th_assert_ok(dk_context_index_state(&ix, t_fx.e, "demo"));
    char old[41];
    snprintf(old, sizeof(old), "%s", ix.indexed_head);
    /* moved once: the second try answers at the new head */
    t_move.calls = 0;
    t_move.moves = 1;
    dk_context_result *r = t_query(NULL, "moved alpha", DK_CONTEXT_SIGNATURES, false, 0);
    th_assert_eq_int(t_move.calls, 2);
    th_assert(strcmp(t_move.heads[0], old) != 0);
    th_assert_eq_str(r->head, t_move.heads[0]);
    th_assert_eq_str(r->branch_head, t_move.heads[0]);
    th_assert(!r->index_behind);
    th_assert_eq_str(t_first(r)->name, "moved_alpha");
    dk_context_result_free(r);
    /* moved on every try (beta, gamma, delta): the third answers as it is, behind, naming
     * the head it read (with gamma, without delta) */
    t_move.calls = 0;
    t_move.moves = 3;
    r = t_query(NULL, "moved gamma delta", DK_CONTEXT_SIGNATURES, false, 0);
    th_assert_eq_int(t_move.calls, 3);
    th_assert(r->index_behind);
    th_assert_eq_str(r->head, t_move.heads[1]);
    th_assert_eq_str(t_first(r)->name, "moved_gamma");
    for (size_t i = 0; i < r->nsymbols; i++)
        th_assert(strcmp(r->symbols[i].name, "moved_delta") != 0);
    dk_context_result_free(r);
    /* connect's summary: once, then on every try */
    t_move.calls = 0;
    t_move.moves = 1;
    dk_context_summary *before;
    th_assert_ok(dk_context_summary_get(&before, t_fx.e, "demo"));
    th_assert_eq_int(t_move.calls, 2);
    th_assert(!before->index_behind);
    th_assert_eq_str(before->commit, t_move.heads[0]);
    th_assert_eq_str(before->branch_head, t_move.heads[0]);
    /* re-counted at the new head: its symbol is in (the first try's count lacked it) */
    th_assert_ok(dk_context_index_state(&ix, t_fx.e, "demo"));
    th_assert_eq_str(ix.indexed_head, t_move.heads[0]);
    t_move.calls = 0;
    t_move.moves = 0;
    dk_context_summary *same;
    th_assert_ok(dk_context_summary_get(&same, t_fx.e, "demo"));
    th_assert_eq_int(same->symbols, before->symbols);
    dk_context_summary_free(same);
    t_move.calls = 0;
    t_move.moves = 3;
    dk_context_summary *sum;
    th_assert_ok(dk_context_summary_get(&sum, t_fx.e, "demo"));
    th_assert_eq_int(t_move.calls, 3);
    th_assert(sum->index_behind);
    th_assert_eq_str(sum->commit, t_move.heads[1]);
    th_assert_eq_str(sum->branch_head, t_move.heads[2]);
    th_assert_eq_int(sum->symbols, before->symbols + 2);
    dk_context_summary_free(sum);
    dk_context_summary_free(before);
    dk_ctx_indexer_hook(t_fx.e, NULL, NULL);
    dk_ctx_indexer_tune(t_fx.e, 0, -1, false);
    t_check_totals();
}
void test_context_sqlite__reread(void)
{
    t_reread();
}
void test_context_pg__reread(void)
{
    t_reread();
}

/* True when s is valid UTF-8. */
static bool t_utf8(const char *s)
{
    return dk_utf8_is_valid(s, strlen(s));
}

/* What a budget sweep saw: source cuts at a line end and inside a line, dropped sources and
 * answers with dropped symbols. */
struct t_cuts {
    unsigned lines, chars, dropped, symbols;
};

/*
 * Ask `query` at every budget from 1 to past the unlimited answer's tokens:
 * never over the budget, always valid UTF-8, lower ranks lose their source
 * first, and the response says exactly what was cut: the symbols left out
 * are the lowest-ranked of the full answer (symbols_dropped of them), a cut
 * source is a prefix of the full one (sources_cut of them), a dropped one
 * is absent (sources_dropped), everything else is as in the full answer.
 */
static void t_budget_sweep(struct t_cuts *cuts, const char *query, dk_context_depth depth,
                           bool tests)
{
    dk_context_result *full = t_query(NULL, query, depth, tests, 0);
    th_assert(full->nsymbols >= 2);
    size_t unlimited = full->estimated_tokens;
    th_assert(unlimited > 60);
    for (size_t budget = 1; budget <= unlimited + 5; budget++) {
        dk_context_result *r = t_query(NULL, query, depth, tests, budget);
        th_assert_msg(r->estimated_tokens <= budget, "budget %zu: %zu tokens", budget,
                      r->estimated_tokens);
        th_assert_msg(r->nsymbols + r->symbols_dropped == full->nsymbols,
                      "budget %zu: %zu symbols + %zu dropped, %zu in full", budget, r->nsymbols,
                      r->symbols_dropped, full->nsymbols);
        bool later_dropped = false;
        size_t ncut = 0, ndropped = 0;
        for (size_t i = 0; i < r->nsymbols; i++) {
            const dk_context_symbol *s = &r->symbols[i], *f = &full->symbols[i];
            th_assert_eq_str(s->name, f->name);
            th_assert_eq_str(s->path, f->path);
            th_assert_eq_int(s->ncallers, f->ncallers);
            th_assert_eq_int(s->ncallees, f->ncallees);
            th_assert_eq_int(s->ntests, f->ntests);
            th_assert(t_utf8(s->signature) && t_utf8(s->doc));
            if (s->source) {
                th_assert(!later_dropped); /* lower ranks lose their source first */
                th_assert_msg(t_utf8(s->source), "budget %zu: split character", budget);
                size_t n = strlen(s->source);
                th_assert(f->source && strncmp(s->source, f->source, n) == 0);
                th_assert(s->source_cut ? n < strlen(f->source) : n == strlen(f->source));
            }
            if (s->source_cut) {
                size_t n = strlen(s->source);
                th_assert(n > 0);
                if (s->source[n - 1] == '\n')
                    cuts->lines++;
                else
                    cuts->chars++;
                later_dropped = true;
                ncut++;
            }
            if (s->source_dropped) {
                th_assert(!s->source && f->source);
                later_dropped = true;
                cuts->dropped++;
                ndropped++;
            }
        }
        th_assert_eq_int(r->sources_cut, ncut);
        th_assert_eq_int(r->sources_dropped, ndropped);
        cuts->symbols += r->symbols_dropped > 0;
        if (budget >= unlimited) {
            th_assert_eq_int(r->sources_cut + r->sources_dropped + r->symbols_dropped, 0);
            th_assert_eq_int(r->estimated_tokens, unlimited);
        }
        dk_context_result_free(r);
    }
    dk_context_result_free(full);
}

static void t_budget(void)
{
    struct t_cuts c = {0};
    t_budget_sweep(&c, "greeting text wide line", DK_CONTEXT_FULL, false);
    /* anti-vacuity: every kind of cut happened somewhere in the sweep */
    th_assert_msg(c.lines > 5 && c.chars > 0 && c.dropped > 5 && c.symbols > 0,
                  "lines %u chars %u dropped %u symbols %u", c.lines, c.chars, c.dropped,
                  c.symbols);
    /* callers, callees and tests count into the budget too */
    struct t_cuts g = {0};
    t_budget_sweep(&g, "parse config normalize path", DK_CONTEXT_CALL_GRAPH, true);
    th_assert_msg(g.dropped > 0 && g.symbols > 0, "call graph: dropped %u symbols %u", g.dropped,
                  g.symbols);
}
void test_context_sqlite__budget(void)
{
    t_budget();
}
void test_context_pg__budget(void)
{
    t_budget();
}

static void t_no_match_and_syntax(void)
{
    dk_context_result *r = t_query(NULL, "xylophone quasar", DK_CONTEXT_FULL, false, 0);
    th_assert_eq_int(r->nsymbols, 0);
    th_assert_eq_int(r->estimated_tokens, 0);
    dk_context_result_free(r);
    static const char *const q[] = {
        "\"",        "*",        "NEAR", "-",
        "AND",       "OR",       "NOT",  "\"unterminated",
        "NEAR(a b)", "a* OR -b", "()",   "'; DROP TABLE context_symbols; --",
        ":",         "^",        "!!",   "&|",
        "\\",        "",         "   ",  "{}[]",
        "name:foo",  "a <-> b",  "é",    "日本"};
    for (size_t i = 0; i < sizeof(q) / sizeof(*q); i++) {
        r = t_query(NULL, q[i], DK_CONTEXT_CALL_GRAPH, true, 100);
        th_assert(r->estimated_tokens <= 100);
        /* punctuation only: no words, no symbols */
        if (!strpbrk(q[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\xc3\xe6")) {
            th_assert_eq_str(r->words, "");
            th_assert_eq_int(r->nsymbols, 0);
        }
        dk_context_result_free(r);
    }
    /* syntax around real words: the words still count */
    r = t_query(NULL, "\"parse_config*\" AND -NEAR(", DK_CONTEXT_SIGNATURES, false, 0);
    th_assert_eq_str(t_first(r)->name, "parse_config");
    dk_context_result_free(r);
    /* the index survived */
    dk_context_summary *sum;
    th_assert_ok(dk_context_summary_get(&sum, t_fx.e, "demo"));
    th_assert_eq_int(sum->files, NFILES - 1);
    dk_context_summary_free(sum);
    /* bad arguments */
    dk_context_opts o = DK_CONTEXT_OPTS_INIT;
    th_assert_err(dk_context_query(&r, t_fx.e, NULL, "demo", NULL, &o), DK_EINVALID);
    o.query = "x";
    th_assert_err(dk_context_query(&r, t_fx.e, NULL, "nope", NULL, &o), DK_ENOTFOUND);
    th_assert_err(dk_context_query(&r, t_fx.e, NULL, NULL, "no-such-session", &o), DK_ENOSESSION);
    dk_context_depth d;
    th_assert_ok(dk_context_depth_parse(&d, "call_graph"));
    th_assert_eq_int(d, DK_CONTEXT_CALL_GRAPH);
    th_assert_err(dk_context_depth_parse(&d, "deep"), DK_EINVALID);
}
void test_context_sqlite__no_match_and_syntax(void)
{
    t_no_match_and_syntax();
}
void test_context_pg__no_match_and_syntax(void)
{
    t_no_match_and_syntax();
}

/* A generated repository: 300 modules of similar functions; each named one is found first. */
static void t_generated(void)
{
    static const char *const verbs[] = {"load", "save", "parse", "render", "send", "fetch"};
    static const char *const nouns[] = {"user", "order", "invoice", "token", "page"};
    const char *a = t_connect("gen");
    dk_str text = DK_STR_INIT;
    for (int m = 0; m < 30; m++) {
        dk_str_clear(&text);
        for (int f = 0; f < 10; f++) {
            int k = m * 10 + f;
            dk_str_addf(&text, "def %s_%s_%d(x):\n    return helper_%d(x)\n\n\n", verbs[k % 6],
                        nouns[(k / 6) % 5], k, k % 7);
        }
        char path[64];
        snprintf(path, sizeof(path), "gen/mod%02d.py", m);
        t_write(a, path, text.ptr);
    }
    dk_str_release(&text);
    t_land(a);
    /* ranking, not freshness, is tested here: the landing's update runs on the
     * indexer thread and a query waits for it only so long (test behind), so
     * on a loaded machine the first query could still see the old head */
    dk_context_index_stats st;
    th_assert_ok(dk_context_index(&st, t_fx.e, "demo"));
    unsigned first = 0, total = 0;
    for (int k = 0; k < 300; k += 7) {
        char q[96], name[64];
        snprintf(q, sizeof(q), "%s %s %d", verbs[k % 6], nouns[(k / 6) % 5], k);
        snprintf(name, sizeof(name), "%s_%s_%d", verbs[k % 6], nouns[(k / 6) % 5], k);
        dk_context_result *r = t_query(NULL, q, DK_CONTEXT_SIGNATURES, false, 0);
        first += r->nsymbols && strcmp(r->symbols[0].name, name) == 0;
        total++;
        dk_context_result_free(r);
    }
    th_assert_eq_int(first, total);
}
void test_context_sqlite__generated(void)
{
    t_generated();
}
void test_context_pg__generated(void)
{
    t_generated();
}

/* Through the operation table (what MCP dk_context and the CLI call): the
 * rank survives to the JSON, the result matches the row's own schema. */
static void t_through_api(void)
{
    dk_api *api;
    th_assert_ok(dk_api_new(&api, t_fx.e));
    const char *sid = t_connect("api-agent");
    json_t *params =
        json_pack("{s:s,s:s,s:s,s:b,s:i}", "session_id", sid, "query", "render page handle request",
                  "depth", "call_graph", "include_tests", 1, "max_tokens", 150);
    dk_api_ctx ctx = DK_API_CTX_INIT(api);
    json_t *res = NULL;
    dk_api_error err = DK_API_ERROR_INIT;
    int rc = dk_api_call(&ctx, "context", params, &res, &err);
    th_assert_msg(rc == 0, "context: %s", err.message);
    json_t *schema = dk_api_op_schema(dk_api_op_find("context"), true);
    dk_api_error verr = DK_API_ERROR_INIT;
    th_assert_msg(dk_api_validate(schema, res, &verr) == 0, "result schema: %s", verr.message);
    json_t *syms = json_object_get(res, "symbols");
    th_assert_msg(json_array_size(syms) >= 2, "%zu symbols", json_array_size(syms));
    for (size_t i = 0; i < json_array_size(syms); i++)
        th_assert_eq_int(json_integer_value(json_object_get(json_array_get(syms, i), "rank")),
                         i + 1);
    th_assert(json_integer_value(json_object_get(res, "estimated_tokens")) <= 150);
    json_t *cut = json_object_get(res, "cut");
    th_assert(json_integer_value(json_object_get(cut, "sources_cut")) +
                  json_integer_value(json_object_get(cut, "sources_dropped")) +
                  json_integer_value(json_object_get(cut, "symbols_dropped")) >
              0);
    json_decref(schema);
    json_decref(res);
    json_decref(params);
    dk_api_error_release(&err);
    dk_api_error_release(&verr);
    /* connect's codebase summary comes from the index: the same files, languages, symbols */
    dk_context_summary *sum;
    th_assert_ok(dk_context_summary_get(&sum, t_fx.e, "demo"));
    json_t *js = t_connect_summary(NULL);
    th_assert_eq_str(json_string_value(json_object_get(js, "commit")), sum->commit);
    th_assert_eq_int(json_integer_value(json_object_get(js, "files")), NFILES);
    th_assert_eq_int(json_integer_value(json_object_get(js, "symbols")), sum->symbols);
    th_assert(sum->symbols > 10);
    th_assert_eq_int(json_object_size(json_object_get(js, "languages")), sum->nlanguages);
    th_assert_eq_int(
        json_integer_value(json_object_get(json_object_get(js, "languages"), "python")), 3);
    dk_context_summary_free(sum);
    json_decref(js);
    /* neither a session nor a repository: refused, naming what is missing */
    params = json_pack("{s:s}", "query", "x");
    err = (dk_api_error)DK_API_ERROR_INIT;
    th_assert(dk_api_call(&ctx, "context", params, &res, &err) != 0);
    th_assert(strstr(err.message, "session_id or repo"));
    json_decref(params);
    dk_api_error_release(&err);
    dk_api_ctx_release(&ctx);
    dk_api_free(api);
}
void test_context_sqlite__through_api(void)
{
    t_through_api();
}
void test_context_pg__through_api(void)
{
    t_through_api();
}

/* ========================================================================== */
/* Store parity: the same ranked answer on SQLite and PostgreSQL             */
/* ========================================================================== */

static dk_engine *t_par_sq, *t_par_pg;

/*
 * A multi-file, multi-language repository whose functions share a small
 * vocabulary (names, docs and bodies drawn from it by a fixed generator),
 * so vague queries match many symbols with different frequencies, lengths
 * and columns: where ts_rank (no idf) and bm25 disagreed.
 */
static void t_par_setup(void)
{
    static const char *const vocab[] = {"retry",  "delay",  "buffer", "parse",   "config", "token",
                                        "stream", "render", "cache",  "timeout", "socket", "path",
                                        "header", "encode", "decode", "user",    "commit", "branch",
                                        "merge",  "index",  "query",  "limit",   "error",  "close"};
    /* NF generated files, then one of CQ_COMMON + more functions sharing two words, so the
     * queries of only those words take the common-words path (the first ones by path, line);
     * their docs alternate "cafe" and "Café" (a word the stores' own folding would merge), and
     * a file of non-ASCII names and words in several cases and accents */
    enum { NV = sizeof(vocab) / sizeof(*vocab), NF = 24, NCOMMON = 2100 };
    static const char *const ext[] = {"py", "go", "c", "ts"};
    char *paths[NF + 3], *texts[NF + 3];
    uint32_t x = 12345;
#define T_NEXT() (x = x * 1103515245u + 12345u, (x >> 16) & 0x7fff)
    for (int f = 0; f < NF; f++) {
        const char *e = ext[f % 4];
        dk_str t = DK_STR_INIT;
        if (strcmp(e, "go") == 0)
            dk_str_adds(&t, "package gen\n\n");
        for (int k = 0; k < 6; k++) {
            const char *a = vocab[T_NEXT() % NV], *b = vocab[T_NEXT() % NV];
            char name[64];
            snprintf(name, sizeof(name), "%s_%s_%d_%d", a, b, f, k);
            dk_str body = DK_STR_INIT;
            int nw = 1 + (int)(T_NEXT() % 12);
            for (int w = 0; w < nw; w++)
                dk_str_addf(&body, "%s%s_%d", w ? " + " : "", vocab[T_NEXT() % NV], w);
            const char *doc = vocab[T_NEXT() % NV];
            if (strcmp(e, "py") == 0)
                dk_str_addf(&t,
                            "def %s(%s_0):\n    \"\"\"Handle the %s.\"\"\"\n    return %s\n\n\n",
                            name, a, doc, body.ptr);
            else if (strcmp(e, "go") == 0)
                dk_str_addf(&t,
                            "// %s handles the %s.\nfunc %s(%s_0 int) int {\n\treturn %s\n}\n\n",
                            name, doc, name, a, body.ptr);
            else if (strcmp(e, "c") == 0)
                dk_str_addf(&t, "/* Handle the %s. */\nint %s(int %s_0)\n{\n    return %s;\n}\n\n",
                            doc, name, a, body.ptr);
            else
                dk_str_addf(&t,
                            "/** Handle the %s. */\nexport function %s(%s_0: number): number {\n"
                            "  return %s;\n}\n\n",
                            doc, name, a, body.ptr);
            dk_str_release(&body);
        }
        char path[64];
        snprintf(path, sizeof(path), "%s/gen%02d.%s", vocab[f % NV], f, e);
        paths[f] = strdup(path);
        texts[f] = dk_str_detach(&t, NULL);
    }
#undef T_NEXT
    dk_str t = DK_STR_INIT;
    for (int k = 0; k < NCOMMON; k++)
        dk_str_addf(&t, "def shared_thing_%d(x):\n    \"\"\"%s\"\"\"\n    return x + %d\n\n\n", k,
                    k % 2 ? "Café" : "cafe", k);
    paths[NF] = strdup("shared/things.py");
    texts[NF] = dk_str_detach(&t, NULL);
    paths[NF + 1] = strdup("intl/größe.py");
    texts[NF + 1] =
        strdup("def größe_berechnen(wert):\n    \"\"\"Die Größe berechnen, café.\"\"\"\n"
               "    return wert * 2\n\n\n"
               "def GRÖSSE_prüfen(wert):\n    \"\"\"GRÖSSE prüfen: CAFÉ crème.\"\"\"\n"
               "    return wert > 0\n\n\n"
               "def grosse_cafe(wert):\n    \"\"\"grosse cafe, ohne Akzent.\"\"\"\n"
               "    return wert\n\n\n"
               "def Größe(wert):\n    \"\"\"naïve Größe, Ñandú.\"\"\"\n"
               "    return größe_berechnen(wert)\n\n\n"
               "def résumé_lesen(pfad):\n    \"\"\"Résumé lesen (RÉSUMÉ, resume).\"\"\"\n"
               "    return pfad\n");
    /* a C++ header: a ".h" is C by its path, C++ by its text */
    paths[NF + 2] = strdup("geo/shape.h");
    texts[NF + 2] =
        strdup("#pragma once\n\nnamespace geo {\n\nclass Shape {\n public:\n"
               "  // The area of the shape.\n"
               "  double surface_area() const { return width_ * height_; }\n\n"
               " private:\n  double width_ = 0, height_ = 0;\n};\n\n}  // namespace geo\n");
    t_make_source_with(paths, texts, NF + 3);
    for (int f = 0; f <= NF + 2; f++) {
        free(paths[f]);
        free(texts[f]);
    }
    char sq_url[1200], data[1200];
    snprintf(sq_url, sizeof(sq_url), "sqlite:%s/dk.db", th_tmpdir());
    th_pg_db_create(t_fx.url, sizeof(t_fx.url), t_fx.pg_db, sizeof(t_fx.pg_db), "dk_cxp");
    dk_engine **es[] = {&t_par_sq, &t_par_pg};
    const char *urls[] = {sq_url, t_fx.url};
    for (int i = 0; i < 2; i++) {
        snprintf(data, sizeof(data), "%s/data%d", th_tmpdir(), i);
        dk_engine_opts o = DK_ENGINE_OPTS_INIT;
        o.data_dir = data;
        o.store_url = urls[i];
        o.gc_interval_ms = 0;
        th_assert_ok(dk_engine_open(es[i], &o));
        th_assert_ok(dk_repo_import(*es[i], "demo", t_fx.src, NULL));
    }
}

void test_context_parity__initialize(void)
{
    t_par_setup();
}

void test_context_parity__cleanup(void)
{
    dk_engine_close(t_par_sq);
    dk_engine_close(t_par_pg);
    t_par_sq = t_par_pg = NULL;
    th_pg_db_drop(t_fx.pg_db);
}

/* The same queries on both stores: the same symbols in the same order with the same scores. */
void test_context_parity__same_ranking(void)
{
    static const char *const queries[] = {
        "retry delay", "buffer", "parse config token", "handle the stream", "render cache timeout",
        "socket path", "header encode user", "commit branch merge", "index query limit",
        "error close", "decode", "parsing configs", "retries delayed", "user errors",
        "the path of a user", "limit the query cache", "render page request", "greeting text",
        "normalize path", "load settings",
        "buffer stream socket header encode decode user commit branch merge index query",
        /* common words only (the fallback), and with a rare one */
        "shared thing", "the shared things", "shared retry", "thing buffer stream",
        /* non-ASCII words, and words the stores' folding would merge with them */
        "größe", "Größe berechnen", "GRÖSSE prüfen", "café", "CAFÉ", "cafe", "cafe shared",
        "café thing", "résumé", "resume", "naïve ñandú", "crème brûlée", "grosse"};
    size_t compared = 0, long_answers = 0;
    for (size_t i = 0; i < sizeof(queries) / sizeof(*queries); i++) {
        dk_context_result *r[2];
        dk_engine *es[] = {t_par_sq, t_par_pg};
        for (int k = 0; k < 2; k++) {
            dk_context_opts o = DK_CONTEXT_OPTS_INIT;
            o.query = queries[i];
            o.max_results = 100;
            th_assert_ok(dk_context_query(&r[k], es[k], NULL, "demo", NULL, &o));
        }
        th_assert_msg(r[0]->nsymbols == r[1]->nsymbols, "'%s': %zu symbols on sqlite, %zu on pg",
                      queries[i], r[0]->nsymbols, r[1]->nsymbols);
        for (size_t j = 0; j < r[0]->nsymbols; j++) {
            const dk_context_symbol *a = &r[0]->symbols[j], *b = &r[1]->symbols[j];
            th_assert_msg(strcmp(a->path, b->path) == 0 &&
                              strcmp(a->qualified_name, b->qualified_name) == 0,
                          "'%s' rank %zu: sqlite %s %s, pg %s %s", queries[i], j + 1, a->path,
                          a->qualified_name, b->path, b->qualified_name);
            th_assert_msg(a->score == b->score, "'%s' rank %zu: score %.17g vs %.17g", queries[i],
                          j + 1, a->score, b->score);
            compared++;
        }
        long_answers += r[0]->nsymbols >= 10;
        dk_context_result_free(r[0]);
        dk_context_result_free(r[1]);
    }
    /* the fixture must make the comparison worth something: many long, vague answers */
    th_assert_msg(compared >= 200 && long_answers >= 8, "%zu ranks compared, %zu long answers",
                  compared, long_answers);
}

/*
 * `query` on engine e: the words shown, the first symbol, the number of symbols (want_n, 0: any)
 * and, unless shared_parity is -1, that every shared_thing_N answered has N % 2 == shared_parity.
 */
static void t_par_top(dk_engine *e, const char *query, const char *want_words,
                      const char *want_first, size_t want_n, int shared_parity)
{
    dk_context_opts o = DK_CONTEXT_OPTS_INIT;
    o.query = query;
    o.max_results = 100;
    dk_context_result *r;
    th_assert_ok(dk_context_query(&r, e, NULL, "demo", NULL, &o));
    th_assert_eq_str(r->words, want_words);
    th_assert_msg(r->nsymbols >= 1 && strcmp(r->symbols[0].name, want_first) == 0,
                  "'%s': first %s, want %s", query, r->nsymbols ? r->symbols[0].name : "(none)",
                  want_first);
    if (want_n)
        th_assert_msg(r->nsymbols == want_n, "'%s': %zu symbols (the last %s), want %zu", query,
                      r->nsymbols, r->symbols[r->nsymbols - 1].qualified_name, want_n);
    for (size_t i = 0; i < r->nsymbols && shared_parity >= 0; i++) {
        int n;
        if (sscanf(r->symbols[i].name, "shared_thing_%d", &n) == 1)
            th_assert_msg(n % 2 == shared_parity, "'%s': %s answered", query, r->symbols[i].name);
    }
    dk_context_result_free(r);
}

/* A C++ header (".h" holding a namespace and a class) is indexed as C++: its method is found
 * under its qualified name (parsed as C, the class and the method were lost). */
void test_context_parity__cpp_header(void)
{
    dk_engine *es[] = {t_par_sq, t_par_pg};
    for (int k = 0; k < 2; k++) {
        t_par_top(es[k], "surface area", "surface area", "surface_area", 0, -1);
        dk_context_opts o = DK_CONTEXT_OPTS_INIT;
        o.query = "surface area";
        dk_context_result *r;
        th_assert_ok(dk_context_query(&r, es[k], NULL, "demo", NULL, &o));
        th_assert_eq_str(r->symbols[0].qualified_name, "geo.Shape.surface_area");
        th_assert_eq_str(r->symbols[0].path, "geo/shape.h");
        dk_context_result_free(r);
    }
}

/*
 * Non-ASCII words match byte for byte (after ASCII lowercasing) on both stores: no case or
 * accent folding by either engine ("CAFÉ" is not "café", "cafe" is not "café").
 */
void test_context_parity__non_ascii(void)
{
    dk_engine *es[] = {t_par_sq, t_par_pg};
    for (int k = 0; k < 2; k++) {
        t_par_top(es[k], "GRÖSSE prüfen", "grÖsse prüfen", "GRÖSSE_prüfen", 1, -1);
        t_par_top(es[k], "CAFÉ", "cafÉ", "GRÖSSE_prüfen", 1, -1);
        /* the path intl/größe.py holds "größe": the file's 5 symbols, the named one first */
        t_par_top(es[k], "Größe berechnen", "größe berechnen", "größe_berechnen", 5, -1);
        /* lib/greet.c's comment holds "café naïve résumé" too */
        t_par_top(es[k], "résumé lesen", "résumé lesen", "résumé_lesen", 2, -1);
        /* 1,050 shared things say "cafe", 1,050 "Café": each word finds its own only */
        t_par_top(es[k], "grosse cafe", "grosse cafe", "grosse_cafe", 100, 0);
        t_par_top(es[k], "größe café", "größe café", "größe_berechnen", 100, 1);
    }
}

/* ========================================================================== */
/* The score (engine/context_rank.c), without a store                         */
/* ========================================================================== */

static size_t t_stem(const char *w)
{
    return dk_ctx_stem_len(w, strlen(w));
}

void test_context_rank__non_ascii_words(void)
{
    /* a word with a non-ASCII byte is written in hex (ASCII-lowercased first), decoded back */
    dk_str w = DK_STR_INIT, text = DK_STR_INIT;
    dk_ctx_words(&w, "Größe_prüfen naïve x", strlen("Größe_prüfen naïve x"), false, 0);
    th_assert_eq_str(w.ptr, "X6772c3b6c39f65 X7072c3bc66656e X6772c3b6c39f657072c3bc66656e "
                            "X6e61c3af7665");
    dk_ctx_words_text(&text, w.ptr);
    th_assert_eq_str(text.ptr, "größe prüfen größeprüfen naïve");
    /* matched whole: no stem */
    th_assert_eq_int(t_stem("X6e61c3af7665"), 13);
    dk_str_release(&w);
    dk_str_release(&text);
}

void test_context_rank__stems(void)
{
    /* one stem for the forms of a word, always a prefix of it */
    static const char *const pars[] = {"parse", "parses", "parsed", "parser", "parsing"};
    for (size_t i = 0; i < sizeof(pars) / sizeof(*pars); i++)
        th_assert_eq_int(t_stem(pars[i]), 4);
    th_assert_eq_int(t_stem("entries"), 4);
    th_assert_eq_int(t_stem("entry"), 4);
    th_assert_eq_int(t_stem("validation"), 7);
    th_assert_eq_int(t_stem("validate"), 7);
    /* not a plural: class, status, axis; too short to strip: use, user */
    th_assert_eq_int(t_stem("class"), 5);
    th_assert_eq_int(t_stem("status"), 6);
    th_assert_eq_int(t_stem("axis"), 4);
    th_assert_eq_int(t_stem("user"), 4);
    th_assert_eq_int(t_stem("use"), 3);
}

/* Score one symbol of `lines` lines given as its six columns. */
static double t_score_lines(struct dk_ctx_ranker *rk, const char *name, const char *body,
                            const char *kind, uint32_t lines)
{
    const char *cols[CTX_NFIELDS] = {name, name, "", "", "src x", body};
    struct dk_ctx_tf tf;
    dk_ctx_tf_count(&tf, rk, cols);
    return dk_ctx_score(rk, &tf, kind, lines);
}

static double t_score(struct dk_ctx_ranker *rk, const char *name, const char *body,
                      const char *kind)
{
    return t_score_lines(rk, name, body, kind, 1);
}

void test_context_rank__bm25f(void)
{
    struct dk_ctx_ranker rk;
    dk_ctx_ranker_init(&rk, "parse config");
    th_assert_eq_int(rk.nwords, 2);
    rk.nsym = 1000;
    for (int f = 0; f < CTX_NFIELDS; f++)
        rk.avglen[f] = 3;
    dk_ctx_ranker_set_df(&rk, 0, 10);
    dk_ctx_ranker_set_df(&rk, 1, 10);
    /* no word: 0; a stem match counts, less than the exact word */
    th_assert(t_score(&rk, "load", "open read", "function") == 0);
    double exact = t_score(&rk, "load", "parse", "function");
    double stem = t_score(&rk, "load", "parsing", "function");
    th_assert(stem > 0 && stem < exact);
    /* a stem that only shares a prefix is no match (parsec is not parse) */
    th_assert(t_score(&rk, "load", "parsec", "function") == 0);
    /* the name weighs more than the body */
    th_assert(t_score(&rk, "parse", "x", "function") > exact);
    /* both words once beat one word many times (saturation, coverage) */
    th_assert(t_score(&rk, "load", "parse config", "function") >
              t_score(&rk, "load", "parse parse parse parse parse", "function"));
    /* a prototype is half its definition */
    double def = t_score(&rk, "parse config", "", "function");
    th_assert(t_score(&rk, "parse config", "", "prototype") == def * 0.5);
    /* the size prior: of two equal matches the longer symbol is first, by 1 + 0.15 ln(lines);
     * no match stays 0 whatever the size */
    double one = t_score_lines(&rk, "load", "parse config", "function", 1);
    double ten = t_score_lines(&rk, "load", "parse config", "function", 10);
    th_assert(ten > one);
    th_assert(fabs(ten / one - (1.0 + 0.15 * log(10.0))) < 1e-12);
    th_assert(t_score_lines(&rk, "load", "parse config", "function", 0) == one);
    th_assert(t_score_lines(&rk, "load", "open read", "function", 500) == 0);
    /* a rarer word weighs more */
    dk_ctx_ranker_set_df(&rk, 1, 500);
    th_assert(t_score(&rk, "parse", "", "function") > t_score(&rk, "config", "", "function"));
}
