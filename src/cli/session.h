/*
 * cli/session.h - what the session commands' runner (cli/session.c) and
 * their handlers (cli/session_cmds.c) share: the parsed command line, the
 * command table's row, and the output helpers.
 *
 * A command is one row: most rows name an operation and two functions,
 * `build` (add the params from the command line) and `show` (print the
 * human text, update the state file, decide the exit status); the runner
 * does the rest (session_id in the params, the call, --json printing,
 * errors). Rows with several calls (verify, watch) have a `run` instead.
 * Single-threaded except verify's follower thread (see session_cmds.c).
 */
#ifndef DK_CLI_SESSION_H
#define DK_CLI_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "api/api.h"
#include "cli/client.h"
#include "util/str.h"

/* One parsed command-line item, in order: an option (name set) or a positional. */
struct sess_arg {
    /* "--keep-mine"; NULL for a positional */
    const char *name;
    /* the option's value or the positional; NULL for a flag */
    const char *value;
};

struct sess;

enum sess_cmd_flags {
    /* acts on a session: --session, $DK_SESSION or the state file must name one;
     * the runner puts session_id in the params */
    SESS_NEEDS_SESSION = 1u << 0,
    /* opens a session: the backend comes from flags and env, never the state file */
    SESS_OPENS = 1u << 1,
};

/* One row of the command table. */
struct sess_cmd {
    const char *name;
    /* positional synopsis for the usage line */
    const char *synopsis;
    const char *summary;
    /* the command's own options: "--intent=" takes a value, "--force" is a flag */
    const char *opts[10];
    /* their help text (may be NULL) */
    const char *opts_help;
    int min_pos;
    /* -1: any number */
    int max_pos;
    unsigned flags;
    /* the param the first positional goes to, when there is one ("path"), or NULL */
    const char *pos_field;
    /* the operation of the table it runs (NULL: `run` does everything) */
    const char *op;
    /* add params from the command line; 0 or an exit status (may be NULL) */
    int (*build)(struct sess *s, json_t *params);
    /* after success (the JSON is printed already with --json): human text,
     * state file; returns the exit status */
    int (*show)(struct sess *s, json_t *result);
    /* a command of several calls: returns the exit status */
    int (*run)(struct sess *s);
};

/* A command being run. */
struct sess {
    const struct sess_cmd *cmd;
    /* "dk status": the prefix of every message */
    char who[48];
    struct sess_arg *args;
    size_t nargs;
    const char **pos;
    size_t npos;
    bool json;
    /* where operations run (flags, state file, env) */
    struct cli_target target;
    /* the state file's contents, or NULL */
    json_t *state;
    /* the session acted on (--session, $DK_SESSION or the state file; owned), or NULL */
    char *session_id;
    /* whether session_id is the state file's current session */
    bool session_is_current;
    struct cli_client client;
    /* ANSI colour on stdout / stderr */
    bool color_out;
    bool color_err;
};

#define C_RED    "\033[31m"
#define C_GREEN  "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BOLD   "\033[1m"
#define C_DIM    "\033[2m"
#define C_OFF    "\033[0m"

/** `code` when `on`, else "". */
const char *sess_col(bool on, const char *code);

/** The last value of option `name` ("" for a flag), or NULL when absent. */
const char *sess_opt(const struct sess *s, const char *name);
bool sess_flag(const struct sess *s, const char *name);
/** A non-negative integer option: `dflt` when absent, -1 after a usage message. */
long long sess_opt_int(struct sess *s, const char *name, long long dflt);

/** Print "<who>: <message>" and the --help hint on stderr; returns CLI_EXIT_USAGE. */
int sess_usage_error(struct sess *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * Run `op` with `params` (borrowed). On failure the error is reported
 * (stderr; with --json also the {"error": ...} document on stdout) and its
 * exit status returned (never 0).
 */
int sess_call(struct sess *s, const char *op, json_t *params, json_t **result);

/** The JSON document on stdout, indented. */
void sess_print_json(const json_t *doc);

/** o[key] as a string ("" when absent) / an integer (0). */
const char *sess_jstr(const json_t *o, const char *key);
long long sess_jint(const json_t *o, const char *key);

/** Each line of `text` after `prefix`. */
void sess_print_indented(FILE *f, const char *prefix, const char *text);

/** Every conflict with its base, theirs (the branch) and mine (the session) versions. */
void sess_print_conflicts(FILE *f, bool color, const json_t *conflicts);

/** Clear the state file when it names `sid` (an ending command). 0 or an exit status. */
int sess_forget(struct sess *s, const char *sid);
/** Point the state file at `sid` when it names `old_sid` (resolve moved the work). */
int sess_follow(struct sess *s, const char *old_sid, const char *sid);

/* the handlers (cli/session_cmds.c) */
int sess_build_connect(struct sess *s, json_t *params);
int sess_show_connect(struct sess *s, json_t *res);
int sess_show_status(struct sess *s, json_t *res);
int sess_build_sessions(struct sess *s, json_t *params);
int sess_show_sessions(struct sess *s, json_t *res);
int sess_show_cat(struct sess *s, json_t *res);
int sess_build_write(struct sess *s, json_t *params);
int sess_show_write(struct sess *s, json_t *res);
int sess_show_rm(struct sess *s, json_t *res);
int sess_build_ls(struct sess *s, json_t *params);
int sess_show_ls(struct sess *s, json_t *res);
int sess_show_check(struct sess *s, json_t *res);
int sess_show_submit(struct sess *s, json_t *res);
int sess_build_answer(struct sess *s, json_t *params);
int sess_show_answer(struct sess *s, json_t *res);
int sess_build_land(struct sess *s, json_t *params);
int sess_show_land(struct sess *s, json_t *res);
int sess_build_resolve(struct sess *s, json_t *params);
int sess_show_resolve(struct sess *s, json_t *res);
int sess_show_revert(struct sess *s, json_t *res);
int sess_build_reason(struct sess *s, json_t *params);
int sess_show_ended(struct sess *s, json_t *res);
int sess_run_verify(struct sess *s);
int sess_run_watch(struct sess *s);
int sess_build_context(struct sess *s, json_t *params);
int sess_build_search(struct sess *s, json_t *params);
int sess_show_context(struct sess *s, json_t *res);

#endif
