/*
 * cli/symbols.c - `dk symbols [--json] [--lang NAME] FILE...`, `dk languages`
 * and `dk tree [--lang NAME] FILE`.
 *
 * The human table is one symbol per line, indented by nesting depth:
 *   KIND  QUALIFIED-NAME  LINES  SIGNATURE
 * --json prints one object per file with symbols, imports, calls and
 * syntax-error ranges. Exit status: 0 all files analysed, 1 if any file
 * could not be (unsupported language, binary, unreadable), 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk/dk.h"

#include "cli/cli.h"
#include "util/str.h"

#include "util/banned.h"

static void json_span(dk_str *o, const char *key, const dk_span *s)
{
    dk_str_addf(o, "\"%s\":{\"start_byte\":%u,\"end_byte\":%u,\"start_line\":%u,\"end_line\":%u}",
                key, s->start_byte, s->end_byte, s->start_line, s->end_line);
}

static void print_json(dk_str *o, const char *path, const dk_analysis *a)
{
    dk_str_adds(o, "{\"path\":");
    cli_json_str(o, path);
    dk_str_adds(o, ",\"language\":");
    cli_json_str(o, a->language);
    dk_str_adds(o, ",\"symbols\":[");
    for (size_t i = 0; i < a->nsymbols; i++) {
        const dk_symbol *s = &a->symbols[i];
        if (i)
            dk_str_addch(o, ',');
        dk_str_adds(o, "{\"id\":");
        dk_str_addch(o, '"');
        dk_str_add_json_escaped(o, path, strlen(path));
        dk_str_adds(o, "::");
        dk_str_add_json_escaped(o, s->local_id, strlen(s->local_id));
        dk_str_adds(o, "\",\"kind\":");
        cli_json_str(o, dk_symbol_kind_name(s->kind));
        dk_str_adds(o, ",\"name\":");
        cli_json_str(o, s->name);
        dk_str_adds(o, ",\"qualified_name\":");
        cli_json_str(o, s->qualified_name);
        dk_str_adds(o, ",\"visibility\":");
        cli_json_str(o, dk_visibility_name(s->visibility));
        dk_str_addf(o, ",\"occurrence\":%u,\"parent\":", s->occurrence);
        if (s->parent >= 0)
            cli_json_str(o, a->symbols[s->parent].qualified_name);
        else
            dk_str_adds(o, "null");
        dk_str_adds(o, ",");
        json_span(o, "span", &s->span);
        dk_str_adds(o, ",");
        json_span(o, "decl", &s->decl);
        if (s->has_body) {
            dk_str_adds(o, ",");
            json_span(o, "body", &s->body);
        }
        dk_str_adds(o, ",\"signature\":");
        cli_json_str(o, s->signature);
        dk_str_addch(o, '}');
    }
    dk_str_adds(o, "],\"imports\":[");
    for (size_t i = 0; i < a->nimports; i++) {
        const dk_import *im = &a->imports[i];
        if (i)
            dk_str_addch(o, ',');
        dk_str_adds(o, "{\"module\":");
        cli_json_str(o, im->module);
        dk_str_adds(o, ",\"name\":");
        cli_json_str(o, im->name);
        dk_str_adds(o, ",\"alias\":");
        cli_json_str(o, im->alias);
        dk_str_addf(o, ",\"external\":%s,\"line\":%u}", im->is_external ? "true" : "false",
                    im->span.start_line);
    }
    dk_str_adds(o, "],\"calls\":[");
    for (size_t i = 0; i < a->ncalls; i++) {
        const dk_call *c = &a->calls[i];
        if (i)
            dk_str_addch(o, ',');
        dk_str_adds(o, "{\"callee\":");
        cli_json_str(o, c->callee);
        dk_str_adds(o, ",\"caller\":");
        cli_json_str(o, c->enclosing >= 0 ? a->symbols[c->enclosing].qualified_name : NULL);
        dk_str_addf(o, ",\"method\":%s,\"line\":%u}", c->is_method ? "true" : "false",
                    c->span.start_line);
    }
    dk_str_adds(o, "],\"errors\":[");
    for (size_t i = 0; i < a->nerrors; i++) {
        if (i)
            dk_str_addch(o, ',');
        dk_str_addf(o, "{\"start_line\":%u,\"end_line\":%u,\"start_byte\":%u,\"end_byte\":%u}",
                    a->errors[i].start_line, a->errors[i].end_line, a->errors[i].start_byte,
                    a->errors[i].end_byte);
    }
    dk_str_adds(o, "]}");
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
        if (strcmp(argv[first], "--json") == 0) {
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
        fprintf(stderr, "usage: dk symbols [--json] [--lang NAME] FILE...\n");
        return 2;
    }
    int status = 0;
    dk_str out = DK_STR_INIT;
    if (json)
        dk_str_adds(&out, "[");
    bool any = false;
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
        if (json) {
            if (any)
                dk_str_addch(&out, ',');
            print_json(&out, path, a);
        } else {
            print_table(path, a);
        }
        any = true;
        dk_analysis_unref(a);
    }
    if (json) {
        dk_str_adds(&out, "]\n");
        fputs(out.ptr, stdout);
    }
    dk_str_release(&out);
    return status;
}

int cmd_languages(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; dk_language_at(i); i++) {
        const dk_language *l = dk_language_at(i);
        printf("%-12s", dk_language_name(l));
        for (const char *const *e = dk_language_extensions(l); *e; e++)
            printf(" .%s", *e);
        printf("\n");
    }
    return 0;
}

int cmd_tree(int argc, char **argv)
{
    const char *forced = NULL;
    int first = 1;
    if (first + 1 < argc && strcmp(argv[first], "--lang") == 0) {
        forced = argv[first + 1];
        first += 2;
    }
    if (first >= argc) {
        fprintf(stderr, "usage: dk tree [--lang NAME] FILE\n");
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
    return 0;
}
