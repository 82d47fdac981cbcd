/*
 * cli/symbols.c - `dk symbols [--json] [--lang NAME] FILE...`, `dk languages`
 * and `dk tree [--lang NAME] FILE`.
 *
 * The human table is one symbol per line, indented by nesting depth:
 *   KIND  QUALIFIED-NAME  LINES  SIGNATURE
 * --json prints one object per file with symbols, imports, calls and
 * syntax-error ranges (built by api/json_lang.c, valid UTF-8 whatever the
 * sources hold). Exit status: 0 all files analysed, 1 if any file could not
 * be (unsupported language, binary, unreadable), 2 usage, 255 when stdout
 * could not be written (a full disk); -h/--help print the usage, exit 0.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dk/dk.h"

#include "api/api_json.h"
#include "cli/cli.h"

#include "util/banned.h"

static const char symbols_usage[] = "usage: dk symbols [--json] [--lang NAME] FILE...\n";
static const char tree_usage[] = "usage: dk tree [--lang NAME] FILE\n";
static const char languages_usage[] = "usage: dk languages\n";

static bool is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* Print `usage` on stdout for -h/--help; returns the exit status. */
static int print_help(const char *usage)
{
    fputs(usage, stdout);
    return cli_close_stdout("standard output") ? 255 : 0;
}

static void print_table(const char *path, const dk_analysis *a)
{
    printf("%s (%s): %zu symbols, %zu imports, %zu calls", path, a->language, a->nsymbols,
           a->nimports, a->ncalls);
    if (a->nerrors)
        printf(", %zu syntax error regions (first at line %u)", a->nerrors,
               a->errors[0].start_line);
    printf("\n");
    for (size_t i = 0; i < a->nsymbols; i++) {
        const dk_symbol *s = &a->symbols[i];
        int depth = 0;
        for (int32_t p = s->parent; p >= 0; p = a->symbols[p].parent)
            depth++;
        char lines[32];
        snprintf(lines, sizeof(lines), "%u-%u", s->span.start_line, s->span.end_line);
        printf("  %*s%-10s %-40s %-9s %s\n", depth * 2, "", dk_symbol_kind_name(s->kind),
               s->qualified_name, lines, s->signature);
    }
}

static const dk_language *pick_language(const char *forced, const char *path, const char *src,
                                        size_t len)
{
    if (forced)
        return dk_language_by_name(forced);
    return dk_language_for_path(path, src, len);
}

int cmd_symbols(int argc, char **argv)
{
    bool json = false;
    const char *forced = NULL;
    int first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
        if (is_help(argv[first])) {
            return print_help(symbols_usage);
        } else if (strcmp(argv[first], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[first], "--lang") == 0 && first + 1 < argc) {
            forced = argv[++first];
            if (!dk_language_by_name(forced)) {
                fprintf(stderr, "dk symbols: unknown language '%s' (see dk languages)\n", forced);
                return 2;
            }
        } else if (strcmp(argv[first], "--") == 0) {
            first++;
            break;
        } else {
            fprintf(stderr, "dk symbols: unknown option %s\n", argv[first]);
            return 2;
        }
    }
    if (first >= argc) {
        fputs(symbols_usage, stderr);
        return 2;
    }
    int status = 0;
    json_t *list = json ? json_array() : NULL;
    for (int i = first; i < argc; i++) {
        const char *path = argv[i];
        char *src;
        size_t len;
        if (cli_read_file(path, &src, &len) != 0) {
            status = 1;
            continue;
        }
        const dk_language *lang = pick_language(forced, path, src, len);
        if (!lang) {
            fprintf(stderr, "dk symbols: %s: unsupported language\n", path);
            free(src);
            status = 1;
            continue;
        }
        dk_analysis *a;
        int rc = dk_lang_analyze(&a, lang, src, len);
        free(src);
        if (rc) {
            fprintf(stderr, "dk symbols: %s: %s\n", path, dk_error_last()->msg);
            status = 1;
            continue;
        }
        if (json)
            json_array_append_new(list, dk_api_analysis_json(a, path));
        else
            print_table(path, a);
        dk_analysis_unref(a);
    }
    if (json) {
        char *text = json_dumps(list, JSON_COMPACT);
        json_decref(list);
        if (text) {
            fputs(text, stdout);
            fputc('\n', stdout);
        }
        free(text);
    }
    if (cli_close_stdout("standard output") != 0)
        return 255;
    return status;
}

int cmd_languages(int argc, char **argv)
{
    if (argc > 1 && is_help(argv[1]))
        return print_help(languages_usage);
    if (argc > 1) {
        fputs(languages_usage, stderr);
        return 2;
    }
    for (size_t i = 0; dk_language_at(i); i++) {
        const dk_language *l = dk_language_at(i);
        printf("%-12s", dk_language_name(l));
        for (const char *const *e = dk_language_extensions(l); *e; e++)
            printf(" .%s", *e);
        printf("\n");
    }
    return cli_close_stdout("standard output");
}

int cmd_tree(int argc, char **argv)
{
    const char *forced = NULL;
    int first = 1;
    if (first < argc && is_help(argv[first]))
        return print_help(tree_usage);
    if (first + 1 < argc && strcmp(argv[first], "--lang") == 0) {
        forced = argv[first + 1];
        first += 2;
    }
    if (first >= argc) {
        fputs(tree_usage, stderr);
        return 2;
    }
    char *src;
    size_t len;
    if (cli_read_file(argv[first], &src, &len) != 0)
        return 1;
    const dk_language *lang = pick_language(forced, argv[first], src, len);
    if (!lang) {
        fprintf(stderr, "dk tree: %s: unsupported language\n", argv[first]);
        free(src);
        return 1;
    }
    char *tree = dk_lang_debug_tree(lang, src, len);
    free(src);
    if (!tree) {
        fprintf(stderr, "dk tree: cannot parse\n");
        return 1;
    }
    /* break the one-line S-expression at each node for readability */
    int depth = 0;
    for (const char *p = tree; *p; p++) {
        if (*p == '(') {
            if (p != tree) {
                putchar('\n');
                for (int k = 0; k < depth; k++)
                    fputs("  ", stdout);
            }
            depth++;
        } else if (*p == ')') {
            depth--;
        }
        putchar(*p);
    }
    putchar('\n');
    free(tree);
    return cli_close_stdout("standard output");
}
