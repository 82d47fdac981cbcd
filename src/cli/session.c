/*
 * cli/session.c - the runner of the session commands for people and
 * scripts (dk connect, status, cat, write, rm, ls, check, submit, verify,
 * approve, reject, land, resolve, revert, abandon, close, watch, sessions, context,
 * search; docs/cli.md): their table, parsing, target, calls and errors. The
 * handlers of each command are in cli/session_cmds.c.
 *
 *   dk <command> [options] [args]
 *     │ parse (the command's row: its options, positional count, needs a session?)
 *     │ target: --server/--data flags, else the state file, else $DK_SERVER/$DK_DATA
 *     │ session: --session, else $DK_SESSION, else the state file
 *     ▼
 *   cli_client_call(op, params) ──► the operation table (in-process or POST /v1/<op>)
 *     ▼
 *   --json: the op's result unchanged on stdout (errors: {"error": ...} on stdout too)
 *   else:   short human text; errors on stderr with their details (conflicts with
 *           both versions, claims, recovery steps)
 *   exit:   cli_exit_code(error code) (cli/client.c, the one table)
 *
 * Purpose: every command is one row of `sess_cmds` (data over code): the
 * operation, a build function for its params and a show function for its
 * result; nothing here calls the engine, so the CLI, HTTP and MCP give the
 * same fields and errors.
 *
 * Invariants: a refused or failed operation changes nothing here either:
 * the state file is written only after the op succeeded, and cleared only
 * by an ending command (land, abandon, close) on the session it names.
 * Colour only when the stream is a terminal and NO_COLOR is unset or empty.
 * Conventions: each command answers -h/--help on stdout with exit 0; usage
 * errors exit 2; options take their value as "--opt VALUE" or "--opt=VALUE".
 */
#include "cli/session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "dk/dk.h"

#include "api/api.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

/* ========================================================================== */
/* Helpers                                                                    */
/* ========================================================================== */

const char *sess_col(bool on, const char *code)
{
    return on ? code : "";
}

static bool sess_color_allowed(int fd)
{
    const char *no = getenv("NO_COLOR");
    return isatty(fd) && !(no && no[0]);
}

/* The last value of option `name`, or NULL. */
const char *sess_opt(const struct sess *s, const char *name)
{
    const char *v = NULL;
    for (size_t i = 0; i < s->nargs; i++)
        if (s->args[i].name && strcmp(s->args[i].name, name) == 0)
            v = s->args[i].value ? s->args[i].value : "";
    return v;
}

bool sess_flag(const struct sess *s, const char *name)
{
    return sess_opt(s, name) != NULL;
}

int sess_usage_error(struct sess *s, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", s->who);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see %s --help)\n", s->who);
    return CLI_EXIT_USAGE;
}

/* Parse a non-negative integer option; -1 after a usage message. */
long long sess_opt_int(struct sess *s, const char *name, long long dflt)
{
    const char *v = sess_opt(s, name);
    if (!v)
        return dflt;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || errno || n < 0) {
        sess_usage_error(s, "%s needs a non-negative integer", name);
        return -1;
    }
    return n;
}

/* ========================================================================== */
/* Output and calls                                                           */
/* ========================================================================== */

void sess_print_json(const json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2));
    if (text) {
        fputs(text, stdout);
        fputc('\n', stdout);
    }
    free(text);
}

const char *sess_jstr(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

long long sess_jint(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* Each line of `text` with `prefix` (a conflict side, a step's output). */
void sess_print_indented(FILE *f, const char *prefix, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(f, "%s%.*s\n", prefix, (int)n, p);
        p += n + (nl ? 1 : 0);
    }
}

/* "app.py::f2", or "app.py" for a whole-file conflict: what `dk resolve` takes. */
static void conflict_target(dk_str *out, const json_t *c)
{
    const char *sym = sess_jstr(c, "symbol");
    dk_str_adds(out, sess_jstr(c, "path"));
    if (sym[0] && strcmp(sym, "<file>") != 0)
        dk_str_addf(out, "::%s", sym);
}

/* Every conflict with the base, the branch's and the session's versions. */
void sess_print_conflicts(FILE *f, bool color, const json_t *conflicts)
{
    size_t i;
    json_t *c;
    json_array_foreach(conflicts, i, c)
    {
        dk_str t = DK_STR_INIT;
        conflict_target(&t, c);
        fprintf(f, "%sconflict%s %s%s%s", sess_col(color, C_RED), sess_col(color, C_OFF),
                sess_col(color, C_BOLD), t.ptr, sess_col(color, C_OFF));
        if (sess_jstr(c, "kind")[0])
            fprintf(f, " (%s)", sess_jstr(c, "kind"));
        if (sess_jstr(c, "description")[0])
            fprintf(f, ": %s", sess_jstr(c, "description"));
        fputc('\n', f);
        static const char *const sides[][2] = {{"base", "base (common ancestor)"},
                                               {"theirs", "theirs (the branch head)"},
                                               {"mine", "mine (this session)"}};
        for (size_t k = 0; k < 3; k++) {
            const json_t *v = json_object_get(c, sides[k][0]);
            if (!json_is_string(v)) {
                fprintf(f, "  %s: (absent)\n", sides[k][1]);
                continue;
            }
            fprintf(f, "  %s:\n", sides[k][1]);
            sess_print_indented(f, "    | ", json_string_value(v));
        }
        dk_str_release(&t);
    }
}

/* The CLI's words for resolving every conflict of a list. */
static void print_resolve_hint(FILE *f, const json_t *conflicts)
{
    if (!json_array_size(conflicts))
        return;
    fputs("to resolve, one action per conflict (then it lands again):\n", f);
    dk_str cmd = DK_STR_INIT;
    dk_str_adds(&cmd, "  dk resolve");
    size_t i;
    json_t *c;
    json_array_foreach(conflicts, i, c)
    {
        dk_str_addch(&cmd, ' ');
        conflict_target(&cmd, c);
        dk_str_adds(&cmd, " --keep-mine");
    }
    fprintf(f, "%s\n  (per conflict: --keep-mine, --keep-theirs or --content FILE)\n", cmd.ptr);
    dk_str_release(&cmd);
}

/*
 * Report a failed operation and return its exit status. With --json the
 * error document goes to stdout (a script parses one stream), and the
 * one-line message to stderr either way.
 */
static int sess_fail(struct sess *s, const dk_api_error *err)
{
    if (s->json) {
        json_t *doc = dk_api_error_json(err);
        sess_print_json(doc);
        json_decref(doc);
    }
    bool c = s->color_err;
    fprintf(stderr, "%s: %s%s%s: %s\n", s->who, sess_col(c, C_RED), dk_api_code_name(err->code),
            sess_col(c, C_OFF), err->message);
    const json_t *d = err->details;
    if (!s->json && json_is_object(d)) {
        size_t i;
        json_t *cl;
        json_array_foreach(json_object_get(d, "claims"), i, cl)
        {
            fprintf(stderr, "  %s::%s is claimed by %s (session %s) since %s\n",
                    sess_jstr(cl, "path"), sess_jstr(cl, "symbol"), sess_jstr(cl, "holder_agent"),
                    sess_jstr(cl, "holder_session"), sess_jstr(cl, "since"));
        }
        if (sess_jstr(d, "changeset_id")[0] && err->code == DK_API_STALE_OVERLAY)
            fprintf(stderr, "  changed meanwhile by changeset %s (%s)\n",
                    sess_jstr(d, "changeset_id"), sess_jstr(d, "agent"));
        const json_t *conflicts = json_object_get(d, "conflicts");
        sess_print_conflicts(stderr, c, conflicts);
        json_t *r;
        if (json_array_size(json_object_get(d, "recovery")))
            fputs("recovery:\n", stderr);
        json_array_foreach(json_object_get(d, "recovery"), i, r)
        {
            fprintf(stderr, "  - %s\n", json_string_value(r) ? json_string_value(r) : "");
        }
        print_resolve_hint(stderr, conflicts);
    }
    /* resolve moved the work to a new session before failing: follow it */
    const char *moved = sess_jstr(d, "session_id");
    if (moved[0] && s->session_id && strcmp(moved, s->session_id) != 0) {
        fprintf(stderr, "  the work is now in session %s\n", moved);
        char *m = dk_xstrdup(moved);
        sess_follow(s, s->session_id, m);
        free(m);
    }
    if (err->code == DK_API_SESSION_NOT_FOUND && s->session_is_current)
        fprintf(stderr,
                "  (the remembered session is gone: dk connect again, or pass --session)\n");
    return cli_exit_code(err->code);
}

/* Run `op`; on failure report it and return the exit status (never 0). */
int sess_call(struct sess *s, const char *op, json_t *params, json_t **result)
{
    dk_api_error err = DK_API_ERROR_INIT;
    int rc = cli_client_call(&s->client, op, params, result, &err);
    if (rc == 0) {
        dk_api_error_release(&err);
        return 0;
    }
    int status = sess_fail(s, &err);
    dk_api_error_release(&err);
    return status ? status : CLI_EXIT_INTERNAL;
}

/*
 * Clear the state file after an ending command, but only when it names the
 * session that just ended (--session may have named another one).
 */
int sess_forget(struct sess *s, const char *sid)
{
    if (!s->state || strcmp(sess_jstr(s->state, "session_id"), sid) != 0)
        return 0;
    return cli_state_clear(s->who) ? CLI_EXIT_INTERNAL : 0;
}

/* Point the state file at `sid` (resolve moved the work to a new session). */
int sess_follow(struct sess *s, const char *old_sid, const char *sid)
{
    if (!s->state || strcmp(sess_jstr(s->state, "session_id"), old_sid) != 0)
        return 0;
    json_object_set_new(s->state, "session_id", json_string(sid));
    return cli_state_save(s->state, s->who) ? CLI_EXIT_INTERNAL : 0;
}

/* ========================================================================== */
/* The table                                                                  */
/* ========================================================================== */

static const struct sess_cmd sess_cmds[] = {
    {"connect",
     "REPO --intent TEXT",
     "open a session and make it the current one",
     {"--intent=", "--agent=", "--agent-name=", "--mode=", "--resume=", "--base="},
     "  --intent TEXT       what the session is for (required)\n"
     "  --agent ID          agent id (default $DK_AGENT, else $USER)\n"
     "  --agent-name NAME   display name\n"
     "  --mode MODE         ephemeral (default) or persistent\n"
     "  --resume SESSION    resume a persistent session\n"
     "  --base COMMIT       start from this commit instead of the branch head\n",
     1,
     1,
     SESS_OPENS,
     "repo",
     "connect",
     sess_build_connect,
     sess_show_connect,
     NULL},
    {"status",
     "",
     "the session's state, base, changeset and counts",
     {0},
     NULL,
     0,
     0,
     SESS_NEEDS_SESSION,
     NULL,
     "status",
     NULL,
     sess_show_status,
     NULL},
    {"cat",
     "PATH",
     "print a file as the session sees it",
     {0},
     NULL,
     1,
     1,
     SESS_NEEDS_SESSION,
     "path",
     "file_read",
     NULL,
     sess_show_cat,
     NULL},
    {"write",
     "PATH [FILE|-]",
     "write a file in the session (from FILE, default stdin)",
     {"--force"},
     "  --force             write even over a stale overlay\n",
     1,
     2,
     SESS_NEEDS_SESSION,
     "path",
     "file_write",
     sess_build_write,
     sess_show_write,
     NULL},
    {"rm",
     "PATH",
     "delete a file in the session",
     {0},
     NULL,
     1,
     1,
     SESS_NEEDS_SESSION,
     "path",
     "file_delete",
     NULL,
     sess_show_rm,
     NULL},
    {"ls",
     "[PREFIX]",
     "list files, with who else changes each",
     {"--modified"},
     "  --modified          only the files this session changed\n",
     0,
     1,
     SESS_NEEDS_SESSION,
     "prefix",
     "file_list",
     sess_build_ls,
     sess_show_ls,
     NULL},
    {"check",
     "",
     "dry-run landing: would it land now? (exit 1 with the conflicts if not)",
     {0},
     NULL,
     0,
     0,
     SESS_NEEDS_SESSION,
     NULL,
     "pre_submit_check",
     NULL,
     sess_show_check,
     NULL},
    {"submit",
     "",
     "submit the session's changeset",
     {0},
     NULL,
     0,
     0,
     SESS_NEEDS_SESSION,
     NULL,
     "submit",
     NULL,
     sess_show_submit,
     NULL},
    {"verify",
     "",
     "run the verification pipeline (steps as they finish, then the verdict)",
     {"--check"},
     "  --check             verify the live overlay; change no state\n",
     0,
     0,
     SESS_NEEDS_SESSION,
     NULL,
     NULL,
     NULL,
     NULL,
     sess_run_verify},
    {"approve",
     "[CHANGESET] --reason TEXT",
     "approve a submitted changeset (default: the session's)",
     {"--reason="},
     "  --reason TEXT       why (required)\n",
     0,
     1,
     0,
     NULL,
     "approve",
     sess_build_answer,
     sess_show_answer,
     NULL},
    {"reject",
     "[CHANGESET] --reason TEXT",
     "reject a changeset awaiting approval at a human-approve step (default: the session's)",
     {"--reason="},
     "  --reason TEXT       why (required)\n",
     0,
     1,
     0,
     NULL,
     "reject",
     sess_build_answer,
     sess_show_answer,
     NULL},
    {"land",
     "",
     "land the changeset on the branch and close the session",
     {"--message=", "--keep"},
     "  --message TEXT      commit message\n"
     "  --keep              keep the session open (and current) after landing\n",
     0,
     0,
     SESS_NEEDS_SESSION,
     NULL,
     "land",
     sess_build_land,
     sess_show_land,
     NULL},
    {"resolve",
     "TARGET ACTION [TARGET ACTION]...",
     "resolve landing conflicts and land again (TARGET: PATH or PATH::SYMBOL)",
     {"--keep-mine", "--keep-theirs", "--content=", "--message=", "--no-land", "--keep"},
     "  ACTION is one of:\n"
     "  --keep-mine         the session's version\n"
     "  --keep-theirs       the branch's version\n"
     "  --content FILE      this text (FILE or - for stdin; a PATH alone: the whole file)\n"
     "  --message TEXT      commit message\n"
     "  --no-land           resolve only; land later with dk land\n"
     "  --keep              keep the session open after landing\n",
     1,
     -1,
     SESS_NEEDS_SESSION,
     NULL,
     "resolve",
     sess_build_resolve,
     sess_show_resolve,
     NULL},
    {"revert",
     "CHANGESET",
     "write the inverse of a landed changeset into the session",
     {0},
     NULL,
     1,
     1,
     SESS_NEEDS_SESSION,
     "changeset_id",
     "revert",
     NULL,
     sess_show_revert,
     NULL},
    {"abandon",
     "",
     "abandon the session's work and end it",
     {"--reason="},
     "  --reason TEXT       why\n",
     0,
     0,
     SESS_NEEDS_SESSION,
     NULL,
     "abandon",
     sess_build_reason,
     sess_show_ended,
     NULL},
    {"close",
     "",
     "close the session (a draft changeset is closed)",
     {0},
     NULL,
     0,
     0,
     SESS_NEEDS_SESSION,
     NULL,
     "close",
     NULL,
     sess_show_ended,
     NULL},
    {"watch",
     "",
     "events of the repository",
     {"--repo=", "--since=", "--type=", "--follow", "--timeout-ms=", "--max="},
     "  --repo NAME         repository (default: the current session's)\n"
     "  --since N           events after id N (default 0: the oldest kept)\n"
     "  --type PATTERNS     \"file.*,claim.*\", \"*.merged\", exact types\n"
     "  --follow            keep printing events as they come (until interrupted)\n"
     "  --timeout-ms MS     without --follow: wait up to MS for a first event\n"
     "  --max N             at most N events per call (default 100)\n",
     0,
     0,
     0,
     NULL,
     NULL,
     NULL,
     NULL,
     sess_run_watch},
    {"sessions",
     "",
     "the live sessions of a repository (* marks the current one)",
     {"--repo="},
     "  --repo NAME         repository (default: the current session's; all when none)\n",
     0,
     0,
     0,
     NULL,
     "sessions_list",
     sess_build_sessions,
     sess_show_sessions,
     NULL},
    {"context",
     "QUERY...",
     "code that answers a question: ranked symbols with their source",
     {"--max-tokens=", "--depth=", "--tests", "--max-results=", "--repo="},
     "  --max-tokens N      token budget (lower-ranked sources are cut first)\n"
     "  --depth D           full (default), signatures or call_graph\n"
     "  --tests             the tests that call each symbol\n"
     "  --max-results N     at most N symbols\n"
     "  --repo NAME         search the branch head of NAME instead of the current session\n",
     1,
     -1,
     0,
     NULL,
     "context",
     sess_build_context,
     sess_show_context,
     NULL},
    {"search",
     "QUERY...",
     "find symbols: ranked signatures",
     {"--max-results=", "--repo="},
     "  --max-results N     at most N symbols\n"
     "  --repo NAME         search the branch head of NAME instead of the current session\n",
     1,
     -1,
     0,
     NULL,
     "context",
     sess_build_search,
     sess_show_context,
     NULL},
};

#define SESS_NCMDS (sizeof(sess_cmds) / sizeof(sess_cmds[0]))

static const struct sess_cmd *sess_find(const char *name)
{
    for (size_t i = 0; i < SESS_NCMDS; i++)
        if (strcmp(sess_cmds[i].name, name) == 0)
            return &sess_cmds[i];
    return NULL;
}

bool cli_is_session_command(const char *name)
{
    return sess_find(name) != NULL;
}

void cli_session_commands_help(FILE *out)
{
    for (size_t i = 0; i < SESS_NCMDS; i++) {
        char left[64];
        snprintf(left, sizeof(left), "%s %s", sess_cmds[i].name, sess_cmds[i].synopsis);
        if (strlen(left) > 27)
            fprintf(out, "  %s\n  %-27s  %s\n", left, "", sess_cmds[i].summary);
        else
            fprintf(out, "  %-27s  %s\n", left, sess_cmds[i].summary);
    }
}

static const char sess_common_help[] =
    "common options:\n"
    "  --json              print the operation's JSON result (errors: {\"error\": ...})\n"
    "  --session ID        act on this session (default $DK_SESSION, else the current one)\n"
    "  --server URL        a running dk serve (http://HOST:PORT; default $DK_SERVER)\n"
    "  --token TOKEN       bearer token for --server (default $DK_TOKEN, else\n"
    "                      <data>/admin.token)\n"
    "  --data DIR          data directory, in-process (default $DK_DATA, else ./dk-data)\n"
    "  --store URL         store URL (default sqlite:<data>/dk.db)\n"
    "  --cache URL         L2 cache (redis://HOST:PORT)\n"
    "  -h, --help          this help\n"
    "Without --server/--data the command uses where the current session lives.\n"
    "The current session is kept in $DK_STATE (default\n"
    "${XDG_STATE_HOME:-$HOME/.local/state}/dk/session.json). Exit statuses: dk help.\n";

static void sess_usage(FILE *out, const struct sess_cmd *c)
{
    fprintf(out, "usage: dk %s%s%s [options]\n\n%s.\n", c->name, c->synopsis[0] ? " " : "",
            c->synopsis, c->summary);
    if (c->opts_help)
        fprintf(out, "\noptions:\n%s", c->opts_help);
    fprintf(out, "\n%s", sess_common_help);
}

/* ========================================================================== */
/* Parsing and the run                                                        */
/* ========================================================================== */

static const char *const common_opts[] = {
    "--json", "--session=", "--server=", "--token=", "--data=", "--store=", "--cache="};

/* Whether `arg` ("--x" or "--x=v") is option `spec` ("--x" or "--x="); sets *takes_value. */
static bool opt_matches(const char *spec, const char *arg, bool *takes_value)
{
    size_t n = strlen(spec);
    bool value = n && spec[n - 1] == '=';
    size_t base = value ? n - 1 : n;
    if (strncmp(spec, arg, base) != 0 || (arg[base] && arg[base] != '='))
        return false;
    *takes_value = value;
    return true;
}

/* Parse argv into s->args (options and positionals, in order). */
static int sess_parse(struct sess *s, int argc, char **argv)
{
    s->args = dk_xcalloc((size_t)argc + 1, sizeof(*s->args));
    s->pos = dk_xcalloc((size_t)argc + 1, sizeof(*s->pos));
    bool only_pos = false;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
            s->args[s->nargs++] = (struct sess_arg){.value = a};
            s->pos[s->npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = true;
            continue;
        }
        const char *spec = NULL;
        bool takes = false;
        for (size_t k = 0; k < sizeof(common_opts) / sizeof(common_opts[0]) && !spec; k++)
            if (opt_matches(common_opts[k], a, &takes))
                spec = common_opts[k];
        for (size_t k = 0; k < 10 && s->cmd->opts[k] && !spec; k++)
            if (opt_matches(s->cmd->opts[k], a, &takes))
                spec = s->cmd->opts[k];
        if (!spec)
            return sess_usage_error(s, "unknown option '%s'", a);
        char *eq = strchr(a, '=');
        const char *value = NULL;
        if (eq && !takes)
            return sess_usage_error(s, "%s takes no value", spec);
        if (eq) {
            *eq = 0;
            value = eq + 1;
        } else if (takes) {
            if (i + 1 >= argc)
                return sess_usage_error(s, "%s needs a value", a);
            value = argv[++i];
        }
        s->args[s->nargs++] = (struct sess_arg){.name = a, .value = value};
    }
    if ((int)s->npos < s->cmd->min_pos ||
        (s->cmd->max_pos >= 0 && (int)s->npos > s->cmd->max_pos)) {
        fprintf(stderr, "%s: wrong number of arguments\n", s->who);
        sess_usage(stderr, s->cmd);
        return CLI_EXIT_USAGE;
    }
    return 0;
}

static const char *env_or_null(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

/*
 * Where to run: explicit --server/--data win; else where the current
 * session lives (its state file), unless the command opens a session; else
 * $DK_SERVER, else the data directory ($DK_DATA, ./dk-data).
 */
static void sess_target(struct sess *s)
{
    struct cli_target *t = &s->target;
    t->server = sess_opt(s, "--server");
    t->data = sess_opt(s, "--data");
    t->store = sess_opt(s, "--store");
    t->cache = sess_opt(s, "--cache");
    t->token = sess_opt(s, "--token");
    if (t->server || t->data)
        return;
    if (s->state && !(s->cmd->flags & SESS_OPENS)) {
        const char *srv = json_string_value(json_object_get(s->state, "server"));
        t->server = srv;
        t->data = json_string_value(json_object_get(s->state, "data"));
        if (!t->store)
            t->store = json_string_value(json_object_get(s->state, "store"));
        if (!t->cache)
            t->cache = json_string_value(json_object_get(s->state, "cache"));
        return;
    }
    t->server = env_or_null("DK_SERVER");
}

/* A one-operation command: params from the row's build, the call, --json or the row's show. */
static int sess_run_op(struct sess *s)
{
    json_t *params = json_object(), *res = NULL;
    if (s->cmd->flags & SESS_NEEDS_SESSION)
        json_object_set_new(params, "session_id", json_string(s->session_id));
    if (s->cmd->pos_field && s->npos)
        json_object_set_new(params, s->cmd->pos_field, json_string(s->pos[0]));
    int rc = s->cmd->build ? s->cmd->build(s, params) : 0;
    if (rc == 0)
        rc = sess_call(s, s->cmd->op, params, &res);
    json_decref(params);
    if (rc)
        return rc;
    if (s->json)
        sess_print_json(res);
    rc = s->cmd->show(s, res);
    json_decref(res);
    return rc;
}

int cmd_session(int argc, char **argv)
{
    struct sess s = {.cmd = sess_find(argv[0])};
    dk_assert(s.cmd);
    snprintf(s.who, sizeof(s.who), "dk %s", s.cmd->name);
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            sess_usage(stdout, s.cmd);
            return cli_close_stdout("standard output");
        }
    s.color_out = sess_color_allowed(STDOUT_FILENO);
    s.color_err = sess_color_allowed(STDERR_FILENO);
    int rc = sess_parse(&s, argc, argv);
    if (rc)
        goto out;
    s.json = sess_flag(&s, "--json");
    if (s.json)
        s.color_out = false;
    if (cli_state_load(&s.state, s.who) != 0) {
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    const char *sid = sess_opt(&s, "--session");
    if (!sid)
        sid = env_or_null("DK_SESSION");
    if (!sid && s.state) {
        sid = sess_jstr(s.state, "session_id");
        s.session_is_current = true;
    }
    /* a copy: the state file's object changes when resolve moves the work */
    s.session_id = sid && sid[0] ? dk_xstrdup(sid) : NULL;
    if ((s.cmd->flags & SESS_NEEDS_SESSION) && !s.session_id) {
        fprintf(stderr,
                "%s: no current session: run `dk connect REPO --intent TEXT` first, or pass "
                "--session ID\n",
                s.who);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    sess_target(&s);
    rc = cli_client_open(&s.client, s.who, &s.target);
    if (rc)
        goto out;
    rc = s.cmd->run ? s.cmd->run(&s) : sess_run_op(&s);
    cli_client_close(&s.client);
    int out_rc = cli_close_stdout("standard output");
    if (rc == 0)
        rc = out_rc;
out:
    json_decref(s.state);
    free(s.args);
    free(s.pos);
    free(s.session_id);
    return rc;
}
