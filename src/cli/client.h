/*
 * cli/client.h - what the session commands (cli/session.c) stand on: one
 * way to run an operation of the table whether the engine is in this
 * process or behind `dk serve`, the state file that remembers the current
 * session, and the ONE table from protocol error codes to exit codes.
 *
 *   dk write ... ──cli_client_call(op, params)──► in-process: dk_api_call on the engine of --data
 *                                           └──► --server URL: cli_remote_call (POST /v1/<op>)
 *   either way: the op's result object, or a dk_api_error with the table's code and details
 *
 * Threads: a cli_client may be called from several threads at once (each
 * in-process call has its own dk_api_ctx; remote calls have their own
 * connection). The rest is single-threaded.
 */
#ifndef DK_CLI_CLIENT_H
#define DK_CLI_CLIENT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "api/api.h"
#include "cli/remote.h"

/* ========================================================================== */
/* Exit codes                                                                 */
/* ========================================================================== */

/** What a session command's exit status means (docs/cli.md, `dk help`). */
enum cli_exit {
    CLI_EXIT_OK = 0,
    /* conflict, claimed symbol, stale overlay, wrong state, verification failed */
    CLI_EXIT_REFUSED = 1,
    /* bad command line or bad input (invalid argument, path, too large) */
    CLI_EXIT_USAGE = 2,
    /* unknown session, changeset, repository or file */
    CLI_EXIT_NOT_FOUND = 3,
    /* missing or wrong token, not allowed */
    CLI_EXIT_DENIED = 4,
    /* store busy or server unreachable: try again */
    CLI_EXIT_UNAVAILABLE = 5,
    /* a bug or a failure of the machine (disk, store) */
    CLI_EXIT_INTERNAL = 6,
};

/** The exit status of a protocol error code (the one table, in client.c). */
int cli_exit_code(dk_api_code code);

/** Print the exit-code table (status, meaning, the error codes mapped to it). */
void cli_exit_codes_help(FILE *out);

/* ========================================================================== */
/* The backend                                                                */
/* ========================================================================== */

/** Where operations run. Filled by cli_client_open, released by cli_client_close. */
struct cli_client {
    /* in-process: the engine of a data directory and the table over it */
    struct dk_engine *engine;
    dk_api *api;
    /* --server: the remote client */
    struct cli_remote remote;
    bool is_remote;
};

/** The backend a command was told to use (flags, then the state file, then env). */
struct cli_target {
    /* http://... or NULL: in-process */
    const char *server;
    const char *token;
    /* data directory (in-process, and where admin.token is found for --server) */
    const char *data;
    const char *store;
    const char *cache;
};

/**
 * Open the backend: the engine of `t->data` in-process (no GC thread), or
 * the remote client of `t->server`.
 * @param who the command name for messages ("dk status")
 * @return 0, or an exit status after printing why on stderr
 */
int cli_client_open(struct cli_client *c, const char *who, const struct cli_target *t);

void cli_client_close(struct cli_client *c);

/**
 * Run operation `op` with `params` (borrowed) through the table.
 * @return 0 with *result a new reference, or -1 with `err` set
 */
int cli_client_call(struct cli_client *c, const char *op, json_t *params, json_t **result,
                    dk_api_error *err);

/* ========================================================================== */
/* The state file                                                             */
/* ========================================================================== */

/**
 * The state file's path: $DK_STATE, else $XDG_STATE_HOME/dk/session.json,
 * else $HOME/.local/state/dk/session.json. malloc'd; NULL when none of the
 * three is set.
 */
char *cli_state_path(void);

/**
 * Read the state file: {"session_id", "repo", "agent_id", "server"?,
 * "data"?, "store"?, "cache"?}.
 * @param[out] out a new reference, or NULL when there is no state file
 * @return 0 (also when there is none), -1 after printing why the file is unreadable
 */
int cli_state_load(json_t **out, const char *who);

/**
 * Replace the state file with `state` atomically (written aside with mode
 * 0600, fsync'd, renamed; the directory is created 0700).
 * @return 0, or -1 after printing why
 */
int cli_state_save(const json_t *state, const char *who);

/** Remove the state file (absent is fine). @return 0, or -1 after printing why */
int cli_state_clear(const char *who);

#endif
