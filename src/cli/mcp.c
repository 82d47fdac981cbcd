/*
 * cli/mcp.c - `dk mcp`: MCP over stdio for agents that start dk as a
 * subprocess (Claude Code's `claude mcp add`, .mcp.json).
 *
 *   agent ──stdin: one JSON-RPC message per line──► dk_mcp_handle ──► backend
 *         ◄─stdout: one JSON-RPC message per line──          │
 *                                   in-process: dk_api over the engine on --data
 *                                   --server URL: POST URL/v1/<op> with the token
 *
 * Purpose: the byte transport only; api/mcp.c decides everything else. The
 * process is one legacy MCP session (initialize) and answers modern
 * stateless requests too. In-process the caller is the local, trusted
 * process (as every CLI command on a data directory); with --server the
 * token decides, exactly as for any HTTP client.
 *
 * Invariants: stdout carries JSON-RPC messages and nothing else (logs go to
 * stderr through the trace hook); a line longer than LINE_MAX is answered
 * with a parse error and skipped, never buffered whole. The process exits 0
 * when stdin ends. The remote client is cli/remote.c (shared with the
 * session commands).
 */
#include "api/mcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dk/dk.h"

#include "api/api.h"
#include "cli/cli.h"
#include "cli/remote.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

/* 50 MiB of content as base64 plus JSON framing */
#define LINE_MAX (72u * 1024u * 1024u)

static void mcp_usage(FILE *out)
{
    fprintf(out, "usage: dk mcp [--data DIR] [--store URL] [--cache URL]\n"
                 "       dk mcp --server URL [--token TOKEN]\n"
                 "\n"
                 "MCP server on stdin/stdout (one JSON-RPC message per line), for agents that\n"
                 "start dk themselves. Speaks MCP 2026-07-28 (stateless) and 2025-11-25,\n"
                 "2025-06-18, 2025-03-26, 2024-11-05 (initialize).\n"
                 "\n"
                 "  --data DIR      data directory to work on in-process (default ./dk-data)\n"
                 "  --store URL     store URL (default sqlite:<data>/dk.db)\n"
                 "  --cache URL     L2 cache (redis://HOST:PORT)\n"
                 "  --server URL    forward every tool call to a running `dk serve` (http://...)\n"
                 "  --token TOKEN   bearer token for --server (default: $DK_TOKEN, else\n"
                 "                  <data>/admin.token)\n");
}

/* The remote backend is cli/remote.c; its operation table is the local one. */
static const dk_api_op *remote_ops(void *ud, size_t *count)
{
    (void)ud;
    return dk_api_ops(count);
}

/* ========================================================================== */
/* The stdio loop                                                             */
/* ========================================================================== */

static int mcp_write_line(const json_t *msg)
{
    char *s = json_dumps(msg, JSON_COMPACT);
    if (!s)
        return -1;
    int rc = fputs(s, stdout) < 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0 ? -1 : 0;
    free(s);
    return rc;
}

/* A request's notification (progress), written before its response. */
static void mcp_notify_line(void *ud, const json_t *notification)
{
    (void)ud;
    if (mcp_write_line(notification))
        fprintf(stderr, "dk mcp: cannot write a notification to standard output\n");
}

/* Read one line; returns its length, -1 at EOF; sets *too_long and skips an oversized one. */
static ssize_t mcp_read_line(dk_str *line, bool *too_long)
{
    dk_str_clear(line);
    *too_long = false;
    int c;
    while ((c = getchar()) != EOF && c != '\n') {
        if (line->len >= LINE_MAX) {
            *too_long = true;
            continue;
        }
        dk_str_addch(line, (char)c);
    }
    if (c == EOF && line->len == 0 && !*too_long)
        return -1;
    return (ssize_t)line->len;
}

static int mcp_serve_stdio(dk_mcp *mcp)
{
    dk_mcp_session *session = dk_mcp_session_new();
    dk_str line = DK_STR_INIT;
    bool too_long;
    int rc = 0;
    while (mcp_read_line(&line, &too_long) >= 0) {
        if (too_long) {
            json_t *e = json_pack("{s:s,s:n,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", "error", "code",
                                  -32700, "message", "Parse error: message too large");
            rc = mcp_write_line(e);
            json_decref(e);
            if (rc)
                break;
            continue;
        }
        size_t start = 0;
        while (start < line.len &&
               (line.ptr[start] == ' ' || line.ptr[start] == '\r' || line.ptr[start] == '\t'))
            start++;
        if (start == line.len)
            continue;
        dk_mcp_request req = {
            .body = line.ptr + start, .len = line.len - start, .notify = mcp_notify_line};
        dk_mcp_response resp = DK_MCP_RESPONSE_INIT;
        dk_mcp_handle(mcp, session, &req, &resp);
        if (resp.body)
            rc = mcp_write_line(resp.body);
        dk_mcp_response_release(&resp);
        if (rc) {
            fprintf(stderr, "dk mcp: cannot write to standard output\n");
            break;
        }
    }
    dk_str_release(&line);
    dk_mcp_session_free(session);
    return rc ? 1 : 0;
}

int cmd_mcp(int argc, char **argv)
{
    const char *data = NULL, *store = NULL, *cache = NULL, *server = NULL, *token = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            mcp_usage(stdout);
            return cli_close_stdout("standard output");
        }
        const char **slot = strcmp(a, "--data") == 0     ? &data
                            : strcmp(a, "--store") == 0  ? &store
                            : strcmp(a, "--cache") == 0  ? &cache
                            : strcmp(a, "--server") == 0 ? &server
                            : strcmp(a, "--token") == 0  ? &token
                                                         : NULL;
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "dk mcp: %s '%s'\n", slot ? "missing value for" : "unknown option", a);
            mcp_usage(stderr);
            return 2;
        }
        *slot = argv[++i];
    }
    if (!data)
        data = getenv("DK_DATA") && getenv("DK_DATA")[0] ? getenv("DK_DATA") : "dk-data";
    if (!store && getenv("DK_STORE") && getenv("DK_STORE")[0])
        store = getenv("DK_STORE");
    if (!cache && getenv("DK_CACHE") && getenv("DK_CACHE")[0])
        cache = getenv("DK_CACHE");
    int status = 1;
    dk_mcp *mcp = NULL;
    if (server) {
        struct cli_remote r;
        if (cli_remote_open(&r, "dk mcp", server, token, data) != 0)
            return 2;
        dk_mcp_backend b = {.call = cli_remote_call, .ops = remote_ops, .ud = &r};
        if (dk_mcp_new(&mcp, &b) != DK_OK) {
            fprintf(stderr, "dk mcp: %s\n", dk_error_last()->msg);
        } else {
            status = mcp_serve_stdio(mcp);
            dk_mcp_free(mcp);
        }
        cli_remote_release(&r);
        return status;
    }
    dk_engine_opts eo = DK_ENGINE_OPTS_INIT;
    eo.data_dir = data;
    eo.store_url = store;
    eo.cache_url = cache;
    dk_engine *engine = NULL;
    dk_api *api = NULL;
    if (dk_engine_open(&engine, &eo) != DK_OK) {
        fprintf(stderr, "dk mcp: %s\n", dk_error_last()->msg);
        return 1;
    }
    if (dk_api_new(&api, engine) != DK_OK) {
        fprintf(stderr, "dk mcp: %s\n", dk_error_last()->msg);
        goto out;
    }
    dk_mcp_backend b = dk_mcp_backend_local(api);
    if (dk_mcp_new(&mcp, &b) != DK_OK) {
        fprintf(stderr, "dk mcp: %s\n", dk_error_last()->msg);
        goto out;
    }
    status = mcp_serve_stdio(mcp);
out:
    dk_mcp_free(mcp);
    dk_api_free(api);
    dk_engine_close(engine);
    return status;
}
