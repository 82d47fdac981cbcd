/*
 * cli/client.c - the session commands' backend (in-process or --server),
 * their state file, and the one table from error codes to exit statuses
 * (cli/client.h).
 *
 * Backend: in-process, every call is dk_api_call with a fresh dk_api_ctx
 * whose principal is NULL (the local, trusted process, as for `dk repo` and
 * `dk mcp --data`); with --server, cli_remote_call, where the token decides.
 * Nothing here calls the engine beyond opening and closing it, so a command
 * sees the same fields and errors on both.
 *
 * State file: one small JSON object naming the current session and where it
 * lives. It is replaced whole (written to a temporary file in the same
 * directory with mode 0600, fsync'd, renamed), so a reader sees the old or
 * the new file, never half of one. It never holds a token.
 *
 * Conventions: failures print "<who>: <why>" on stderr; callers turn them
 * into exit statuses.
 */
#include "cli/client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "dk/dk.h"
#include "dk/engine.h"

#include "api/api.h"
#include "cli/cli.h"
#include "cli/remote.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

/* ========================================================================== */
/* Exit codes: the one table                                                  */
/* ========================================================================== */

static const int exit_table[] = {
    [DK_API_OK] = CLI_EXIT_OK,
    [DK_API_INVALID_ARGUMENT] = CLI_EXIT_USAGE,
    [DK_API_INVALID_PATH] = CLI_EXIT_USAGE,
    [DK_API_UNAUTHORIZED] = CLI_EXIT_DENIED,
    [DK_API_FORBIDDEN] = CLI_EXIT_DENIED,
    [DK_API_NOT_FOUND] = CLI_EXIT_NOT_FOUND,
    [DK_API_SESSION_NOT_FOUND] = CLI_EXIT_NOT_FOUND,
    [DK_API_UNKNOWN_OPERATION] = CLI_EXIT_USAGE,
    [DK_API_SYMBOL_CLAIMED] = CLI_EXIT_REFUSED,
    [DK_API_STALE_OVERLAY] = CLI_EXIT_REFUSED,
    [DK_API_CONFLICT] = CLI_EXIT_REFUSED,
    [DK_API_INVALID_STATE] = CLI_EXIT_REFUSED,
    [DK_API_ALREADY_EXISTS] = CLI_EXIT_REFUSED,
    [DK_API_TOO_LARGE] = CLI_EXIT_USAGE,
    [DK_API_BUSY] = CLI_EXIT_UNAVAILABLE,
    [DK_API_INTERNAL] = CLI_EXIT_INTERNAL,
};

_Static_assert(sizeof(exit_table) / sizeof(exit_table[0]) == DK_API_CODE_COUNT,
               "one exit status per dk_api_code");

int cli_exit_code(dk_api_code code)
{
    if ((unsigned)code >= DK_API_CODE_COUNT)
        return CLI_EXIT_INTERNAL;
    return exit_table[code];
}

void cli_exit_codes_help(FILE *out)
{
    static const struct {
        int status;
        const char *meaning;
    } meanings[] = {
        {CLI_EXIT_OK, "ok"},
        {CLI_EXIT_REFUSED, "refused: conflict, claimed, stale, wrong state; verification failed; "
                           "check found conflicts"},
        {CLI_EXIT_USAGE, "usage: bad option or argument, no current session, bad input"},
        {CLI_EXIT_NOT_FOUND, "not found: session, changeset, repository, file"},
        {CLI_EXIT_DENIED, "denied: missing or wrong token, not allowed"},
        {CLI_EXIT_UNAVAILABLE, "unavailable: store busy or server unreachable (try again)"},
        {CLI_EXIT_INTERNAL, "internal error"},
    };
    for (size_t i = 0; i < sizeof(meanings) / sizeof(meanings[0]); i++) {
        dk_str codes = DK_STR_INIT;
        for (int c = 1; c < DK_API_CODE_COUNT; c++)
            if (exit_table[c] == meanings[i].status)
                dk_str_addf(&codes, "%s%s", codes.len ? ", " : "",
                            dk_api_code_name((dk_api_code)c));
        fprintf(out, "  %d  %s\n", meanings[i].status, meanings[i].meaning);
        if (codes.len)
            fprintf(out, "     (%s)\n", codes.ptr);
        dk_str_release(&codes);
    }
}

/* ========================================================================== */
/* The backend                                                                */
/* ========================================================================== */

int cli_client_open(struct cli_client *c, const char *who, const struct cli_target *t)
{
    memset(c, 0, sizeof(*c));
    if (t->server) {
        if (cli_remote_open(&c->remote, who, t->server, t->token, t->data) != 0)
            return CLI_EXIT_USAGE;
        c->is_remote = true;
        return 0;
    }
    if (cli_engine_open(&c->engine, t->data, t->store, t->cache, false) != DK_OK) {
        fprintf(stderr, "%s: %s\n", who, dk_error_last()->msg);
        c->engine = NULL;
        return CLI_EXIT_INTERNAL;
    }
    dk_api_new(&c->api, c->engine);
    return 0;
}

void cli_client_close(struct cli_client *c)
{
    if (c->is_remote)
        cli_remote_release(&c->remote);
    dk_api_free(c->api);
    dk_engine_close(c->engine);
    memset(c, 0, sizeof(*c));
}

int cli_client_call(struct cli_client *c, const char *op, json_t *params, json_t **result,
                    dk_api_error *err)
{
    *result = NULL;
    if (c->is_remote)
        return cli_remote_call(&c->remote, NULL, op, params, result, err);
    dk_api_ctx ctx = DK_API_CTX_INIT(c->api);
    int rc = dk_api_call(&ctx, op, params, result, err);
    dk_api_ctx_release(&ctx);
    return rc;
}

/* ========================================================================== */
/* The state file                                                             */
/* ========================================================================== */

char *cli_state_path(void)
{
    const char *env = getenv("DK_STATE");
    if (env && env[0])
        return dk_xstrdup(env);
    dk_str p = DK_STR_INIT;
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        dk_str_addf(&p, "%s/dk/session.json", xdg);
    else if (home && home[0])
        dk_str_addf(&p, "%s/.local/state/dk/session.json", home);
    else
        return NULL;
    return dk_str_detach(&p, NULL);
}

int cli_state_load(json_t **out, const char *who)
{
    *out = NULL;
    char *path = cli_state_path();
    if (!path)
        return 0;
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    int rc = 0;
    if (!doc) {
        if (access(path, F_OK) == 0) {
            fprintf(stderr, "%s: state file %s is unreadable (%s); remove it or pass --session\n",
                    who, path, je.text);
            rc = -1;
        }
    } else if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "session_id"))) {
        fprintf(stderr, "%s: state file %s has no session_id; remove it or pass --session\n", who,
                path);
        json_decref(doc);
        rc = -1;
    } else {
        *out = doc;
    }
    free(path);
    return rc;
}

/* mkdir -p for the parent of `path`, new directories mode 0700. */
static int state_mkdirs(const char *path)
{
    char *dir = dk_xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (slash && slash != dir) {
        *slash = 0;
        for (char *p = dir + 1; *p && rc == 0; p++) {
            if (*p != '/')
                continue;
            *p = 0;
            if (mkdir(dir, 0700) != 0 && errno != EEXIST)
                rc = -1;
            *p = '/';
        }
        if (rc == 0 && mkdir(dir, 0700) != 0 && errno != EEXIST)
            rc = -1;
    }
    free(dir);
    return rc;
}

int cli_state_save(const json_t *state, const char *who)
{
    char *path = cli_state_path();
    if (!path) {
        fprintf(stderr, "%s: cannot remember the session: set DK_STATE or HOME\n", who);
        return -1;
    }
    int rc = -1;
    char *text = json_dumps(state, JSON_INDENT(2) | JSON_SORT_KEYS);
    dk_str tmp = DK_STR_INIT;
    dk_str_addf(&tmp, "%s.XXXXXX", path);
    if (state_mkdirs(path) != 0) {
        fprintf(stderr, "%s: cannot create the directory of %s: %s\n", who, path, strerror(errno));
        goto out;
    }
    /* mkstemp creates the file with mode 0600 */
    int fd = mkstemp(tmp.ptr);
    if (fd < 0) {
        fprintf(stderr, "%s: cannot write %s: %s\n", who, path, strerror(errno));
        goto out;
    }
    size_t len = strlen(text), off = 0;
    bool ok = true;
    while (ok && off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        off += ok ? (size_t)w : 0;
    }
    ok = ok && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp.ptr, path) != 0) {
        fprintf(stderr, "%s: cannot write %s: %s\n", who, path, strerror(errno));
        unlink(tmp.ptr);
        goto out;
    }
    rc = 0;
out:
    free(text);
    dk_str_release(&tmp);
    free(path);
    return rc;
}

int cli_state_clear(const char *who)
{
    char *path = cli_state_path();
    int rc = 0;
    if (path && unlink(path) != 0 && errno != ENOENT) {
        fprintf(stderr, "%s: cannot remove %s: %s\n", who, path, strerror(errno));
        rc = -1;
    }
    free(path);
    return rc;
}
