/*
 * cli/serve.c - `dk serve`: open the engine on a data directory, make sure
 * the admin token exists, serve HTTP until SIGINT/SIGTERM. Also the engine
 * options every data-directory command shares (cli_engine_open).
 *
 * Signals: SIGINT and SIGTERM are blocked before any thread starts (so every
 * thread inherits the mask) and taken with sigwait by the main thread, which
 * then stops the server cleanly (watchers woken, workers joined) and closes
 * the engine: acknowledged work is already committed.
 *
 * Conventions: usage on stdout with -h/--help (exit 0), usage errors exit 2,
 * failures print "dk serve: <message>" and exit 1.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "dk/dk.h"
#include "dk/engine.h"

#include "api/api.h"
#include "cli/cli.h"
#include "server/server.h"

#include "util/banned.h"

static const char serve_usage[] =
    "usage: dk serve [--listen ADDR:PORT] [--data DIR] [--store URL] [--cache URL]\n"
    "                [--threads N] [--workers N] [--wait-workers N] [--idle-timeout SECONDS]\n"
    "                [--heartbeat-ms MS]\n"
    "\n"
    "Serve the HTTP API (POST /v1/<operation>, GET /v1/watch as Server-Sent Events,\n"
    "GET /healthz) and read-only git at /git/<repo>.git.\n"
    "\n"
    "  --listen ADDR:PORT  where to listen (default 127.0.0.1:7777, loopback only;\n"
    "                      port 0 picks a free port)\n"
    "  --data DIR          data directory: repositories, the SQLite store, admin.token\n"
    "                      (default $DK_DATA, else ./dk-data)\n"
    "  --store URL         sqlite:PATH or postgresql://... (default $DK_STORE, else\n"
    "                      sqlite:DIR/dk.db)\n"
    "  --cache URL         redis://HOST:PORT workspace cache (default $DK_CACHE, else none)\n"
    "  --threads N         HTTP threads (default 2)\n"
    "  --workers N         threads for landings and git (default 4)\n"
    "  --wait-workers N    threads for long-poll watches (default 16)\n"
    "  --idle-timeout S    close a connection idle or unfinished this long (default 30)\n"
    "  --heartbeat-ms MS   SSE heartbeat period (default 15000)\n"
    "\n"
    "On first start an admin token is created and written to DIR/admin.token (mode 0600).\n";

int cli_engine_open(dk_engine **out, const char *data, const char *store, const char *cache,
                    bool gc)
{
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    o.data_dir = data ? data : getenv("DK_DATA") ? getenv("DK_DATA") : "./dk-data";
    o.store_url = store ? store : getenv("DK_STORE");
    o.cache_url = cache ? cache : getenv("DK_CACHE");
    if (!gc)
        o.gc_interval_ms = 0;
    return dk_engine_open(out, &o);
}

const char *cli_data_dir(const char *data)
{
    return data ? data : getenv("DK_DATA") ? getenv("DK_DATA") : "./dk-data";
}

static bool serve_uint(unsigned *out, const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v > 1000000)
        return false;
    *out = (unsigned)v;
    return true;
}

int cmd_serve(int argc, char **argv)
{
    const char *listen = NULL, *data = NULL, *store = NULL, *cache = NULL;
    dk_server_opts so = DK_SERVER_OPTS_INIT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned *num = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(serve_usage, stdout);
            return cli_close_stdout("standard output");
        }
        if (!v) {
            fprintf(stderr, "dk serve: unknown or incomplete option '%s'\n%s", a, serve_usage);
            return 2;
        }
        if (strcmp(a, "--listen") == 0)
            listen = v;
        else if (strcmp(a, "--data") == 0)
            data = v;
        else if (strcmp(a, "--store") == 0)
            store = v;
        else if (strcmp(a, "--cache") == 0)
            cache = v;
        else if (strcmp(a, "--threads") == 0)
            num = &so.threads;
        else if (strcmp(a, "--workers") == 0)
            num = &so.workers;
        else if (strcmp(a, "--wait-workers") == 0)
            num = &so.wait_workers;
        else if (strcmp(a, "--idle-timeout") == 0)
            num = &so.idle_timeout_s;
        else if (strcmp(a, "--heartbeat-ms") == 0)
            num = &so.heartbeat_ms;
        else {
            fprintf(stderr, "dk serve: unknown option '%s'\n%s", a, serve_usage);
            return 2;
        }
        if (num && !serve_uint(num, v)) {
            fprintf(stderr, "dk serve: %s needs a number, not '%s'\n", a, v);
            return 2;
        }
        i++;
    }
    so.listen = listen;

    /* every watcher holds a socket: raise the soft descriptor limit to the hard one */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    dk_engine *e = NULL;
    dk_api *api = NULL;
    dk_server *srv = NULL;
    bool created = false;
    int rc = cli_engine_open(&e, data, store, cache, true);
    if (rc == DK_OK)
        rc = dk_api_new(&api, e);
    if (rc == DK_OK)
        rc = dk_api_admin_token_ensure(&created, e, cli_data_dir(data));
    if (rc == DK_OK)
        rc = dk_server_start(&srv, api, &so);
    if (rc != DK_OK) {
        fprintf(stderr, "dk serve: %s\n", dk_error_last()->msg);
        dk_api_free(api);
        dk_engine_close(e);
        return 1;
    }
    char host[64] = "127.0.0.1";
    if (listen) {
        const char *colon = strrchr(listen, ':');
        snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
    }
    fprintf(stderr, "dk serve: listening on http://%s:%u (admin token %s %s/admin.token)\n", host,
            (unsigned)dk_server_port(srv), created ? "created in" : "in", cli_data_dir(data));
    fprintf(stderr,
            "dk serve: MCP for Claude Code: claude mcp add --transport http dk "
            "http://%s:%u/mcp --header \"Authorization: Bearer $(cat %s/admin.token)\"\n",
            host, (unsigned)dk_server_port(srv), cli_data_dir(data));
    printf("http://%s:%u\n", host, (unsigned)dk_server_port(srv));
    fflush(stdout);

    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "dk serve: %s, stopping\n", sig == SIGINT ? "interrupt" : "terminated");
    dk_server_stop(srv);
    dk_api_free(api);
    dk_engine_close(e);
    return 0;
}
