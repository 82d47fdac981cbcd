/*
 * cli/cli.h - subcommands of the dk binary (one file each) and shared helpers.
 * Each returns the process exit status. Single-threaded; the CLI owns stdout.
 */
#ifndef DK_CLI_H
#define DK_CLI_H

#include <stddef.h>

int cmd_symbols(int argc, char **argv);
int cmd_languages(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_merge_file(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_mcp(int argc, char **argv);

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
