/*
 * cli/cli.h - subcommands of the dk binary (one file each) and shared helpers.
 * Each returns the process exit status. Single-threaded; the CLI owns stdout.
 */
#ifndef DK_CLI_H
#define DK_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

int cmd_symbols(int argc, char **argv);
int cmd_languages(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_merge_file(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_repo(int argc, char **argv);

struct dk_engine;
/**
 * Open the engine of a data directory for a command (cli/serve.c): `data`,
 * `store`, `cache` NULL fall back to $DK_DATA (else ./dk-data), $DK_STORE,
 * $DK_CACHE. `gc` false: no GC thread (short-lived commands).
 */
int cli_engine_open(struct dk_engine **out, const char *data, const char *store, const char *cache,
                    bool gc);
/** The data directory a command uses (`data`, else $DK_DATA, else ./dk-data). */
const char *cli_data_dir(const char *data);
int cmd_mcp(int argc, char **argv);

/**
 * The session commands (cli/session.c): argv[0] is the command name
 * ("status"), one for which cli_is_session_command is true.
 */
int cmd_session(int argc, char **argv);
bool cli_is_session_command(const char *name);
/** One line per session command, for `dk help`. */
void cli_session_commands_help(FILE *out);

/** Install the logfmt trace hook on stderr (level from DK_LOG, default warn). */
void cli_trace_install(void);

struct dk_str;
/** Append `s` as a JSON string literal (valid UTF-8: bad bytes become U+FFFD), or `null`. */
void cli_json_str(struct dk_str *out, const char *s);

/**
 * Flush and close stdout; on a write error print git's message
 * ("error: Could not close NAME: ...") and return 255, else 0.
 * Call once, at the end of a command that wrote to stdout.
 */
int cli_close_stdout(const char *name);

/** Read a whole file (or "-" for stdin); returns 0 or -1 with errno-style message printed. */
int cli_read_file(const char *path, char **out, size_t *len);

#endif
