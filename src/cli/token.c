/*
 * cli/token.c - `dk token create|list|revoke`: API tokens in the data
 * directory's store, in-process (the server need not run; SQLite's WAL lets
 * both work at once).
 *
 * A token is printed once, at creation; only its SHA-256 is stored
 * (api/auth.c). Conventions: usage on stdout with -h/--help (exit 0), usage
 * errors exit 2, failures exit 1 with "dk token: <message>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dk/dk.h"
#include "dk/engine.h"

#include "api/api.h"
#include "cli/cli.h"
#include "util/str.h"

#include "util/banned.h"

static const char token_usage[] =
    "usage: dk token create --scope read|write|approve|admin [--repo NAME] [--label TEXT]\n"
    "       dk token list [--json]\n"
    "       dk token revoke ID\n"
    "   common: [--data DIR] [--store URL] (default $DK_DATA / $DK_STORE)\n"
    "\n"
    "Scopes form a ladder: write includes read, approve includes write, admin all.\n"
    "A token with --repo acts on that repository only. create prints the token once.\n";

int cmd_token(int argc, char **argv)
{
    const char *data = NULL, *store = NULL, *scope = NULL, *repo = NULL, *label = NULL;
    const char *sub = NULL, *id = NULL;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(token_usage, stdout);
            return cli_close_stdout("standard output");
        }
        if (strcmp(a, "--json") == 0) {
            json = true;
            continue;
        }
        const char **slot = strcmp(a, "--data") == 0    ? &data
                            : strcmp(a, "--store") == 0 ? &store
                            : strcmp(a, "--scope") == 0 ? &scope
                            : strcmp(a, "--repo") == 0  ? &repo
                            : strcmp(a, "--label") == 0 ? &label
                                                        : NULL;
        if (slot) {
            if (!v) {
                fprintf(stderr, "dk token: %s needs a value\n", a);
                return 2;
            }
            *slot = v;
            i++;
        } else if (a[0] == '-') {
            fprintf(stderr, "dk token: unknown option '%s'\n%s", a, token_usage);
            return 2;
        } else if (!sub) {
            sub = a;
        } else if (!id) {
            id = a;
        } else {
            fprintf(stderr, "dk token: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    dk_api_scope sc = DK_API_SCOPE_NONE;
    bool ok =
        sub &&
        ((strcmp(sub, "create") == 0 && scope && !id && dk_api_scope_parse(&sc, scope) == 0) ||
         (strcmp(sub, "list") == 0 && !id) || (strcmp(sub, "revoke") == 0 && id));
    if (!ok) {
        fputs(token_usage, stderr);
        return 2;
    }
    dk_engine *e = NULL;
    int rc = cli_engine_open(&e, data, store, NULL, false);
    if (rc) {
        fprintf(stderr, "dk token: %s\n", dk_error_last()->msg);
        return 1;
    }
    int status = 0;
    if (strcmp(sub, "create") == 0) {
        char *token = NULL, tid[40];
        if (repo) {
            dk_repo_info *ri = NULL;
            rc = dk_repo_get(&ri, e, repo);
            dk_repo_infos_free(ri, ri ? 1 : 0);
        }
        if (rc == DK_OK)
            rc = dk_api_token_create(&token, tid, e, sc, repo, label);
        if (rc == DK_OK) {
            if (json)
                printf("{\"id\":\"%s\",\"token\":\"%s\",\"scope\":\"%s\"}\n", tid, token, scope);
            else
                printf("%s\n", token);
            fprintf(stderr, "dk token: created %s (%s%s%s); it is shown only now\n", tid, scope,
                    repo ? " on " : "", repo ? repo : "");
        }
        free(token);
    } else if (strcmp(sub, "list") == 0) {
        dk_api_token_info *t = NULL;
        size_t n = 0;
        rc = dk_api_token_list(&t, &n, e);
        for (size_t i = 0; rc == DK_OK && i < n; i++) {
            if (json) {
                dk_str line = DK_STR_INIT;
                dk_str_addf(&line, "{\"id\":\"%s\",\"scope\":\"%s\",\"repo\":", t[i].id,
                            t[i].scope);
                cli_json_str(&line, t[i].repo[0] ? t[i].repo : NULL);
                dk_str_adds(&line, ",\"label\":");
                cli_json_str(&line, t[i].label[0] ? t[i].label : NULL);
                dk_str_addf(&line, ",\"created_ms\":%lld,\"revoked\":%s}\n",
                            (long long)t[i].created_ms, t[i].revoked_ms ? "true" : "false");
                fputs(line.ptr, stdout);
                dk_str_release(&line);
            } else {
                printf("%-22s %-8s %-20s %-8s %s\n", t[i].id, t[i].scope,
                       t[i].repo[0] ? t[i].repo : "*", t[i].revoked_ms ? "revoked" : "valid",
                       t[i].label);
            }
        }
        free(t);
    } else {
        rc = dk_api_token_revoke(e, id);
        if (rc == DK_OK)
            fprintf(stderr, "dk token: revoked %s\n", id);
    }
    if (rc) {
        fprintf(stderr, "dk token: %s\n", dk_error_last()->msg);
        status = 1;
    }
    dk_engine_close(e);
    int cs = cli_close_stdout("standard output");
    return status ? status : cs;
}
