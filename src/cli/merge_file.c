/*
 * cli/merge_file.c - `dk merge-file`, a drop-in for `git merge-file` that
 * merges by declarations, and so also a git merge driver:
 *
 *   dk merge-file [-p|--stdout] [-q|--quiet] [--diff3|--zdiff3] [-L label]...
 *                 [--marker-size N] [--path NAME] [--json] [--line-only]
 *                 CURRENT BASE OTHER
 *
 * As git: the result replaces CURRENT unless -p; the exit status is the
 * number of conflicts (capped at 127), 0 when clean, 255 on error. The
 * labels are, in order, CURRENT's, BASE's and OTHER's. --path names the
 * file for language detection when the inputs are temporary files (git's
 * %P). --json prints the conflicts as JSON on stdout (with -p the merged
 * text is in the JSON too, as "merged"). CURRENT is replaced atomically
 * (temporary file + rename), keeping its mode.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dk/dk.h"
#include "dk/merge.h"

#include "cli/cli.h"
#include "util/str.h"

#include "util/banned.h"

static void usage(void)
{
    fprintf(stderr, "usage: dk merge-file [-p|--stdout] [-q|--quiet] [--diff3|--zdiff3] "
                    "[-L label]... [--marker-size N]\n"
                    "                     [--path NAME] [--json] [--line-only] CURRENT BASE "
                    "OTHER\n");
}

static void json_range(dk_str *o, const char *key, dk_line_range r)
{
    if (r.start == 0)
        dk_str_addf(o, ",\"%s\":null", key);
    else
        dk_str_addf(o, ",\"%s\":{\"start\":%u,\"end\":%u}", key, r.start, r.end);
}

static void print_json(const char *path, const dk_merge_result *r, bool with_text)
{
    dk_str o = DK_STR_INIT;
    dk_str_adds(&o, "{\"path\":");
    cli_json_str(&o, path);
    dk_str_addf(&o, ",\"clean\":%s,\"method\":", r->clean ? "true" : "false");
    cli_json_str(&o, dk_merge_method_name(r->method));
    dk_str_adds(&o, ",\"language\":");
    cli_json_str(&o, r->language);
    dk_str_adds(&o, ",\"note\":");
    cli_json_str(&o, r->note);
    dk_str_adds(&o, ",\"conflicts\":[");
    for (size_t i = 0; i < r->nconflicts; i++) {
        const dk_merge_conflict *c = &r->conflicts[i];
        if (i)
            dk_str_addch(&o, ',');
        dk_str_adds(&o, "{\"symbol\":");
        cli_json_str(&o, c->qualified_name);
        dk_str_adds(&o, ",\"kind\":");
        cli_json_str(&o, c->kind == DK_MERGE_CONFLICT_SYMBOL
                             ? dk_symbol_kind_name(c->symbol_kind)
                             : dk_merge_conflict_kind_name(c->kind));
        dk_str_adds(&o, ",\"description\":");
        cli_json_str(&o, c->description);
        json_range(&o, "result_lines", c->result);
        json_range(&o, "base_lines", c->base);
        json_range(&o, "ours_lines", c->ours);
        json_range(&o, "theirs_lines", c->theirs);
        dk_str_adds(&o, ",\"base\":");
        cli_json_str(&o, c->base_text);
        dk_str_adds(&o, ",\"ours\":");
        cli_json_str(&o, c->ours_text);
        dk_str_adds(&o, ",\"theirs\":");
        cli_json_str(&o, c->theirs_text);
        dk_str_addch(&o, '}');
    }
    dk_str_addch(&o, ']');
    if (with_text) {
        dk_str_adds(&o, ",\"merged\":\"");
        dk_str_add_json_escaped(&o, r->merged, r->merged_len);
        dk_str_addch(&o, '"');
    }
    dk_str_adds(&o, "}\n");
    fwrite(o.ptr, 1, o.len, stdout);
    dk_str_release(&o);
}

/* Replace `path` with `data` atomically, keeping its mode. */
static int replace_file(const char *path, const char *data, size_t len)
{
    struct stat st;
    mode_t mode = 0644;
    if (stat(path, &st) == 0)
        mode = st.st_mode & 07777;
    dk_str tmp = DK_STR_INIT;
    dk_str_addf(&tmp, "%s.dk-merge-XXXXXX", path);
    int fd = mkstemp(tmp.ptr);
    if (fd < 0) {
        fprintf(stderr, "dk merge-file: cannot create a temporary file next to %s: %s\n", path,
                strerror(errno));
        dk_str_release(&tmp);
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "dk merge-file: cannot write %s: %s\n", tmp.ptr, strerror(errno));
            close(fd);
            unlink(tmp.ptr);
            dk_str_release(&tmp);
            return -1;
        }
        off += (size_t)n;
    }
    if (fchmod(fd, mode) != 0 || fsync(fd) != 0 || close(fd) != 0 || rename(tmp.ptr, path) != 0) {
        fprintf(stderr, "dk merge-file: cannot replace %s: %s\n", path, strerror(errno));
        unlink(tmp.ptr);
        dk_str_release(&tmp);
        return -1;
    }
    dk_str_release(&tmp);
    return 0;
}

int cmd_merge_file(int argc, char **argv)
{
    bool to_stdout = false, quiet = false, json = false;
    const char *labels[3] = {NULL, NULL, NULL};
    int nlabels = 0;
    const char *path = NULL;
    dk_merge_opts opts = DK_MERGE_OPTS_INIT;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-p") == 0 || strcmp(a, "--stdout") == 0) {
            to_stdout = true;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else if (strcmp(a, "--diff3") == 0) {
            opts.style = DK_MERGE_STYLE_DIFF3;
        } else if (strcmp(a, "--zdiff3") == 0) {
            opts.style = DK_MERGE_STYLE_ZDIFF3;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--line-only") == 0) {
            opts.flags |= DK_MERGE_LINE_ONLY;
        } else if (strcmp(a, "-L") == 0 && i + 1 < argc) {
            if (nlabels == 3) {
                fprintf(stderr, "dk merge-file: too many labels\n");
                return 255;
            }
            labels[nlabels++] = argv[++i];
        } else if ((strcmp(a, "--path") == 0) && i + 1 < argc) {
            path = argv[++i];
        } else if (strncmp(a, "--marker-size", 13) == 0) {
            const char *v =
                a[13] == '=' ? a + 14 : (a[13] == '\0' && i + 1 < argc ? argv[++i] : "");
            char *end;
            long n = strtol(v, &end, 10);
            if (!*v || *end || n < 1 || n > 64) {
                fprintf(stderr, "dk merge-file: bad marker size '%s' (1 to 64)\n", v);
                return 255;
            }
            opts.marker_size = (unsigned)n;
        } else if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else {
            fprintf(stderr, "dk merge-file: unknown option %s\n", a);
            usage();
            return 255;
        }
    }
    if (argc - i != 3) {
        usage();
        return 255;
    }
    const char *files[3] = {argv[i], argv[i + 1], argv[i + 2]}; /* current, base, other */
    opts.our_label = labels[0] ? labels[0] : files[0];
    opts.ancestor_label = labels[1] ? labels[1] : files[1];
    opts.their_label = labels[2] ? labels[2] : files[2];
    char *data[3] = {NULL, NULL, NULL};
    size_t lens[3] = {0, 0, 0};
    int status = 255;
    for (int k = 0; k < 3; k++) {
        if (cli_read_file(files[k], &data[k], &lens[k]) != 0)
            goto out;
    }
    dk_merge_result *r;
    if (dk_merge_file(&r, path ? path : files[0], data[1], lens[1], data[0], lens[0], data[2],
                      lens[2], &opts) != DK_OK) {
        fprintf(stderr, "dk merge-file: %s\n", dk_error_last()->msg);
        goto out;
    }
    if (json)
        print_json(path ? path : files[0], r, to_stdout);
    if (to_stdout && !json) {
        fwrite(r->merged, 1, r->merged_len, stdout);
    } else if (!to_stdout && replace_file(files[0], r->merged, r->merged_len) != 0) {
        dk_merge_result_free(r);
        goto out;
    }
    if (!quiet && !json && r->nconflicts)
        fprintf(stderr, "warning: %zu conflict%s in %s\n", r->nconflicts,
                r->nconflicts == 1 ? "" : "s", path ? path : files[0]);
    status = r->nconflicts > 127 ? 127 : (int)r->nconflicts;
    dk_merge_result_free(r);
out:
    for (int k = 0; k < 3; k++)
        free(data[k]);
    return status;
}
