/*
 * cli/repo.c - `dk repo init|import|list`: register repositories in a data
 * directory, in-process (the server need not run).
 *
 * Conventions: usage on stdout with -h/--help (exit 0), usage errors exit 2,
 * failures exit 1 with "dk repo: <message>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk/dk.h"
#include "dk/engine.h"

#include "cli/cli.h"
#include "util/str.h"

#include "util/banned.h"

static const char repo_usage[] =
    "usage: dk repo init NAME [--branch BRANCH]\n"
    "       dk repo import NAME PATH [--branch BRANCH]\n"
    "       dk repo list [--json]\n"
    "   common: [--data DIR] [--store URL] (default $DK_DATA / $DK_STORE)\n"
    "\n"
    "init registers an empty repository; import copies a local repository (every branch,\n"
    "tag and their history); agents then connect to it by NAME.\n";

int cmd_repo(int argc, char **argv)
{
    const char *data = NULL, *store = NULL, *branch = NULL;
    const char *pos[3] = {NULL, NULL, NULL};
    int npos = 0;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(repo_usage, stdout);
            return cli_close_stdout("standard output");
        }
        if (strcmp(a, "--json") == 0) {
            json = true;
            continue;
        }
        const char **slot = strcmp(a, "--data") == 0     ? &data
                            : strcmp(a, "--store") == 0  ? &store
                            : strcmp(a, "--branch") == 0 ? &branch
                                                         : NULL;
        if (slot) {
            if (i + 1 >= argc) {
                fprintf(stderr, "dk repo: %s needs a value\n", a);
                return 2;
            }
            *slot = argv[++i];
        } else if (a[0] == '-' || npos == 3) {
            fprintf(stderr, "dk repo: unexpected argument '%s'\n%s", a, repo_usage);
            return 2;
        } else {
            pos[npos++] = a;
        }
    }
    const char *sub = pos[0];
    bool ok = sub && ((strcmp(sub, "init") == 0 && npos == 2) ||
                      (strcmp(sub, "import") == 0 && npos == 3) ||
                      (strcmp(sub, "list") == 0 && npos == 1));
    if (!ok) {
        fputs(repo_usage, stderr);
        return 2;
    }
    dk_engine *e = NULL;
    int rc = cli_engine_open(&e, data, store, NULL, false);
    if (rc) {
        fprintf(stderr, "dk repo: %s\n", dk_error_last()->msg);
        return 1;
    }
    if (strcmp(sub, "init") == 0) {
        rc = dk_repo_init(e, pos[1], branch);
    } else if (strcmp(sub, "import") == 0) {
        rc = dk_repo_import(e, pos[1], pos[2], branch);
    } else {
        dk_repo_info *r = NULL;
        size_t n = 0;
        rc = dk_repo_list(&r, &n, e);
        for (size_t i = 0; rc == DK_OK && i < n; i++) {
            if (json) {
                dk_str line = DK_STR_INIT;
                dk_str_adds(&line, "{\"name\":");
                cli_json_str(&line, r[i].name);
                dk_str_adds(&line, ",\"branch\":");
                cli_json_str(&line, r[i].branch);
                dk_str_addf(&line, ",\"head\":\"%s\",\"path\":", r[i].head);
                cli_json_str(&line, r[i].path);
                dk_str_adds(&line, "}\n");
                fputs(line.ptr, stdout);
                dk_str_release(&line);
            } else {
                printf("%-24s %-16s %s\n", r[i].name, r[i].branch,
                       r[i].head[0] ? r[i].head : "(unborn)");
            }
        }
        dk_repo_infos_free(r, n);
    }
    int status = 0;
    if (rc) {
        fprintf(stderr, "dk repo: %s\n", dk_error_last()->msg);
        status = 1;
    }
    dk_engine_close(e);
    int cs = cli_close_stdout("standard output");
    return status ? status : cs;
}
