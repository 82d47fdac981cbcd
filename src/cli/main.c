/*
 * cli/main.c - the `dk` command: dispatch to one file per subcommand.
 *
 * The CLI owns the process: it installs the trace hook (logfmt lines on
 * stderr), prints results on stdout, and maps libdk errors to exit codes.
 * Conventions: each subcommand is `int cmd_<name>(int argc, char **argv)`,
 * returning the process exit status; each answers -h and --help with its
 * usage on stdout and exit 0, and checks that its output was written.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dk/dk.h"

#include "cli/cli.h"
#include "cli/client.h"

#include "util/banned.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: dk <command> [args]\n"
            "\n"
            "commands:\n"
            "  merge-file CURRENT BASE OTHER\n"
            "                             structured three-way merge (a git merge-file drop-in)\n"
            "  serve [--listen ADDR:PORT] [--data DIR]\n"
            "                             serve the HTTP API, SSE events and read-only git\n"
            "  repo init|import|list      register repositories in a data directory\n"
            "  token create|list|revoke   API tokens (scopes read, write, approve, admin)\n"
            "  replay REPO [--merges N]   score dk's merge on a repository's own merge history\n"
            "  symbols [--json] FILE...   list the symbols (functions, types, ...) of files\n"
            "  languages                  list the supported languages and extensions\n"
            "  mcp [--data DIR | --server URL]\n"
            "                             MCP server on stdio for agents (dk mcp --help)\n"
            "  tree [--lang NAME] FILE    print the tree-sitter syntax tree (for writing support)\n"
            "  version                    print the version\n"
            "\n"
            "session commands (for people and scripts; each takes --json, --server URL,\n"
            "--data DIR, --session ID and --help; see docs/cli.md):\n");
    cli_session_commands_help(out);
    fputs("\nexit statuses of the session commands:\n", out);
    cli_exit_codes_help(out);
}

/*
 * As git does at start: a closed stdin, stdout or stderr is reopened on
 * /dev/null, so a file dk opens never gets fd 1 (where printf would write
 * into it) and output to a closed stream is not a write error.
 */
static void sanitize_stdfds(void)
{
    int fd = open("/dev/null", O_RDWR);
    while (fd >= 0 && fd < 2)
        fd = dup(fd);
    if (fd > 2)
        close(fd);
}

int main(int argc, char **argv)
{
    sanitize_stdfds();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    cli_trace_install();
    /*
     * The CLI owns the process: git configuration outside a repository is not
     * read, except by merge-file, which reads merge.conflictStyle from every
     * level as git merge-file does.
     */
    unsigned flags = strcmp(cmd, "merge-file") == 0 ? 0 : DK_GLOBAL_ISOLATE_CONFIG;
    if (dk_global_init(flags) != DK_OK) {
        fprintf(stderr, "dk: %s\n", dk_error_last()->msg);
        return 255;
    }
    if (strcmp(cmd, "symbols") == 0)
        return cmd_symbols(argc - 1, argv + 1);
    if (strcmp(cmd, "merge-file") == 0)
        return cmd_merge_file(argc - 1, argv + 1);
    if (strcmp(cmd, "replay") == 0)
        return cmd_replay(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "token") == 0)
        return cmd_token(argc - 1, argv + 1);
    if (strcmp(cmd, "repo") == 0)
        return cmd_repo(argc - 1, argv + 1);
    if (strcmp(cmd, "tree") == 0)
        return cmd_tree(argc - 1, argv + 1);
    if (strcmp(cmd, "languages") == 0)
        return cmd_languages(argc - 1, argv + 1);
    if (strcmp(cmd, "mcp") == 0)
        return cmd_mcp(argc - 1, argv + 1);
    if (cli_is_session_command(cmd))
        return cmd_session(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        if (argc > 2 && (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0))
            fputs("usage: dk version\n", stdout);
        else
            printf("dk %s\n", dk_version());
        return cli_close_stdout("standard output");
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return cli_close_stdout("standard output");
    }
    fprintf(stderr, "dk: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
