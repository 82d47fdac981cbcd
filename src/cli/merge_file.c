/*
 * cli/merge_file.c - `dk merge-file`, a drop-in for `git merge-file` that
 * merges by declarations, and so also a git merge driver:
 *
 *   dk merge-file [<options>] [-L <name1> [-L <orig> [-L <name2>]]]
 *                 <file1> <orig-file> <file2>
 *
 * The contract with git (2.39's builtin/merge-file.c), point by point:
 *
 *   1. Arguments are parsed as git's parse-options does: options anywhere
 *      (also after the file names), bundled and attached short options
 *      (-pq, -Lname), unique abbreviations and --no- forms of long options,
 *      --marker-size=N and --marker-size N, `--` ends the options and `-`
 *      is a file name (not stdin). Usage errors exit 129 with git's
 *      messages. --help and -h print the usage on stdout and exit 0 (dk's
 *      convention; git exits 129).
 *   2. The exit status is the number of conflicts, capped at 127; 0 when
 *      clean (also when --ours, --theirs or --union resolved them); 255 on
 *      an error, with git's message ("error: Cannot merge binary files: X",
 *      "error: Could not stat X: ...", "error: Could not write to X: ...").
 *      -q silences stderr as git does (it is reopened on /dev/null).
 *   3. A conflict is never lost: the result names every conflict where it
 *      was made (dk_merge_file records them; markers are never read back),
 *      any marker size is accepted (0 and negative mean 7; up to
 *      DK_MERGE_MAX_INPUT, where git itself runs out of memory), and when the
 *      structured merge fails, git's own line merge is written instead;
 *      CURRENT is left alone only where git leaves it alone (unreadable or
 *      binary inputs).
 *   4. CURRENT is written as git writes it, through the path (symlinks are
 *      followed, hard links, devices, owner and mode are kept, a file we may
 *      not write fails as it does for git). Where an atomic replacement
 *      keeps all of that - a regular file with one link, owned by us,
 *      writable by us, with no extended attributes (ACLs, labels), in a
 *      directory where we may create a file whose group we may set to the
 *      file's - dk writes a temporary file beside it and renames it over,
 *      so a crash never leaves half a file.
 *   5. Every output is checked and flushed: a failed write exits 255.
 *   6. Inside a repository, merge.conflictStyle (any configuration level)
 *      chooses the default style, as for git; --diff3/--zdiff3 override it.
 *
 * dk's own options: --path NAME names the file for language detection
 * (git's %P, since a driver gets temporary files), --json prints the result
 * and its conflicts as JSON on stdout (with -p the merged text is in the
 * JSON, as "merged"), --line-only skips the structured merge.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <jansson.h>

#include "dk/dk.h"
#include "dk/merge.h"

#include "api/api_json.h"
#include "cli/cli.h"
#include "git/git.h"
#include "util/str.h"

#include "util/banned.h"

/* git merge-file's usage, then dk's own options. */
static const char mf_usage[] =
    "usage: dk merge-file [<options>] [-L <name1> [-L <orig> [-L <name2>]]] <file1> <orig-file> "
    "<file2>\n"
    "\n"
    "    -p, --stdout          send results to standard output\n"
    "    --diff3               use a diff3 based merge\n"
    "    --zdiff3              use a zealous diff3 based merge\n"
    "    --ours                for conflicts, use our version\n"
    "    --theirs              for conflicts, use their version\n"
    "    --union               for conflicts, use a union version\n"
    "    --marker-size <n>     for conflicts, use this marker size\n"
    "    -q, --quiet           do not warn about conflicts\n"
    "    -L <name>             set labels for file1/orig-file/file2\n"
    "    --path <name>         the file's real name, to pick its language (git's %P)\n"
    "    --json                print the result and its conflicts as JSON\n"
    "    --line-only           git's line merge only, no structured merge\n"
    "\n";

/* ------------------------------------------------------------------------ */
/* Arguments (git's parse-options rules)                                     */
/* ------------------------------------------------------------------------ */

enum mf_favor { MF_FAVOR_NONE = 0, MF_FAVOR_OURS, MF_FAVOR_THEIRS, MF_FAVOR_UNION };

struct mf_args {
    /* -p: the result goes to stdout, CURRENT is not written */
    bool to_stdout;
    /* -q (counted, as git's OPT__QUIET) */
    int quiet;
    dk_merge_style style;
    /* an option chose the style (else merge.conflictStyle decides, as in git) */
    bool style_set;
    /* --ours, --theirs, --union: how conflicts are resolved */
    enum mf_favor favor;
    /* --marker-size; 0 or negative: git's default */
    int marker_size;
    /* -L, in order: CURRENT's, BASE's, OTHER's */
    const char *labels[3];
    int nlabels;
    /* --path */
    const char *path;
    bool json;
    bool line_only;
    bool help;
    /* CURRENT, BASE, OTHER */
    const char *files[3];
    int nfiles;
};

enum mf_opt_id {
    MF_OPT_STDOUT,
    MF_OPT_DIFF3,
    MF_OPT_ZDIFF3,
    MF_OPT_OURS,
    MF_OPT_THEIRS,
    MF_OPT_UNION,
    MF_OPT_MARKER_SIZE,
    MF_OPT_QUIET,
    MF_OPT_PATH,
    MF_OPT_JSON,
    MF_OPT_LINE_ONLY,
};

/* The long options, in git's order (an exact match wins, else a unique prefix). */
static const struct mf_opt {
    const char *name;
    enum mf_opt_id id;
    /* takes a value (--name=v or --name v) */
    bool value;
} mf_opts[] = {
    {"stdout", MF_OPT_STDOUT, false},
    {"diff3", MF_OPT_DIFF3, false},
    {"zdiff3", MF_OPT_ZDIFF3, false},
    {"ours", MF_OPT_OURS, false},
    {"theirs", MF_OPT_THEIRS, false},
    {"union", MF_OPT_UNION, false},
    {"marker-size", MF_OPT_MARKER_SIZE, true},
    {"quiet", MF_OPT_QUIET, false},
    {"path", MF_OPT_PATH, true},
    {"json", MF_OPT_JSON, false},
    {"line-only", MF_OPT_LINE_ONLY, false},
};

#define MF_USAGE_ERROR 129

static int mf_error(const char *fmt, ...) DK_PRINTF(1, 2);

/* git's error(): "error: " and the message on stderr; returns 129 (usage) */
static int mf_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return MF_USAGE_ERROR;
}

/* git's OPT_INTEGER: strtol in base 10, the whole value, not empty. */
static int mf_parse_int(int *out, const char *v)
{
    char *end;
    if (!v || !*v)
        return -1;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*end)
        return -1;
    if (n > INT_MAX)
        n = INT_MAX;
    if (n < INT_MIN)
        n = INT_MIN;
    *out = (int)n;
    return 0;
}

/* Apply option `o` (negated for --no-NAME) with its value (NULL if none). */
static int mf_apply(struct mf_args *a, const struct mf_opt *o, bool neg, const char *value)
{
    switch (o->id) {
    case MF_OPT_STDOUT:
        a->to_stdout = !neg;
        break;
    case MF_OPT_DIFF3:
        a->style = neg ? DK_MERGE_STYLE_MERGE : DK_MERGE_STYLE_DIFF3;
        a->style_set = true;
        break;
    case MF_OPT_ZDIFF3:
        a->style = neg ? DK_MERGE_STYLE_MERGE : DK_MERGE_STYLE_ZDIFF3;
        a->style_set = true;
        break;
    case MF_OPT_OURS:
        a->favor = neg ? MF_FAVOR_NONE : MF_FAVOR_OURS;
        break;
    case MF_OPT_THEIRS:
        a->favor = neg ? MF_FAVOR_NONE : MF_FAVOR_THEIRS;
        break;
    case MF_OPT_UNION:
        a->favor = neg ? MF_FAVOR_NONE : MF_FAVOR_UNION;
        break;
    case MF_OPT_MARKER_SIZE:
        if (neg)
            a->marker_size = 0;
        else if (mf_parse_int(&a->marker_size, value) != 0)
            return mf_error("option `%s' expects a numerical value", o->name);
        break;
    case MF_OPT_QUIET:
        a->quiet = neg ? 0 : a->quiet + 1;
        break;
    case MF_OPT_PATH:
        a->path = neg ? NULL : value;
        break;
    case MF_OPT_JSON:
        a->json = !neg;
        break;
    case MF_OPT_LINE_ONLY:
        a->line_only = !neg;
        break;
    }
    return 0;
}

/*
 * One long option (`arg` without its "--"). Returns 0, MF_USAGE_ERROR after
 * an error message, or -1 for an unknown option. *i advances past a value
 * taken from the next argument.
 */
static int mf_parse_long(struct mf_args *a, const char *arg, int argc, char **argv, int *i)
{
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct mf_opt *hit = NULL, *abbrev = NULL, *other = NULL;
    bool neg = false, abbrev_neg = false, other_neg = false;
    for (size_t k = 0; k < sizeof(mf_opts) / sizeof(mf_opts[0]) && !hit; k++) {
        const struct mf_opt *o = &mf_opts[k];
        size_t n = strlen(o->name);
        for (int negated = 0; negated < 2 && !hit; negated++) {
            const char *name = arg;
            size_t nlen = len;
            if (negated) {
                if (len < 3 || strncmp(arg, "no-", 3) != 0)
                    continue;
                name += 3;
                nlen -= 3;
            }
            if (nlen == n && strncmp(name, o->name, n) == 0) {
                hit = o;
                neg = negated;
            } else if (nlen > 0 && nlen < n && strncmp(name, o->name, nlen) == 0) {
                if (abbrev && abbrev != o) {
                    other = o;
                    other_neg = negated;
                } else if (!abbrev) {
                    abbrev = o;
                    abbrev_neg = negated;
                }
            }
        }
    }
    if (!hit && other) {
        fprintf(stderr, "error: ambiguous option: %.*s (could be --%s%s or --%s%s)\n", (int)len,
                arg, abbrev_neg ? "no-" : "", abbrev->name, other_neg ? "no-" : "", other->name);
        return MF_USAGE_ERROR;
    }
    if (!hit) {
        hit = abbrev;
        neg = abbrev_neg;
    }
    if (!hit)
        return -1;
    const char *value = eq ? eq + 1 : NULL;
    if (!hit->value || neg) {
        if (value) {
            fprintf(stderr, "error: option `%s%s' takes no value\n", neg ? "no-" : "", hit->name);
            return MF_USAGE_ERROR;
        }
    } else if (!value) {
        if (*i + 1 >= argc)
            return mf_error("option `%s' requires a value", hit->name);
        value = argv[++*i];
    }
    return mf_apply(a, hit, neg, value);
}

/* Parse argv as git merge-file does; returns 0 or the exit status of a usage error. */
static int mf_parse_args(struct mf_args *a, int argc, char **argv)
{
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            if (a->nfiles < 3)
                a->files[a->nfiles] = arg;
            a->nfiles++;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_done = true;
            continue;
        }
        if (arg[1] == '-') {
            if (strcmp(arg, "--help") == 0) {
                a->help = true;
                return 0;
            }
            int rc = mf_parse_long(a, arg + 2, argc, argv, &i);
            if (rc < 0) {
                mf_error("unknown option `%s'", arg + 2);
                fputs(mf_usage, stderr);
                return MF_USAGE_ERROR;
            }
            if (rc)
                return rc;
            continue;
        }
        for (const char *s = arg + 1; *s; s++) {
            if (*s == 'p') {
                a->to_stdout = true;
            } else if (*s == 'q') {
                a->quiet++;
            } else if (*s == 'h') {
                a->help = true;
                return 0;
            } else if (*s == 'L') {
                const char *label = s[1] ? s + 1 : (i + 1 < argc ? argv[++i] : NULL);
                if (!label)
                    return mf_error("switch `%s' requires a value", "L");
                if (a->nlabels >= 3)
                    return mf_error("too many labels on the command line");
                a->labels[a->nlabels++] = label;
                break;
            } else {
                char sw[2] = {*s, '\0'};
                mf_error("unknown switch `%s'", sw);
                fputs(mf_usage, stderr);
                return MF_USAGE_ERROR;
            }
        }
    }
    if (a->nfiles != 3) {
        fputs(mf_usage, stderr);
        return MF_USAGE_ERROR;
    }
    return 0;
}

/*
 * merge.conflictStyle, read as git merge-file reads it: only inside a
 * repository, every configuration level. Returns 0, or 128 after git's
 * message for a style git does not know.
 */
static int mf_config_style(struct mf_args *a)
{
    char *v = NULL;
    if (a->style_set || dk_git_config_discover_string(&v, "merge.conflictstyle") != DK_OK)
        return 0;
    int rc = 0;
    if (strcmp(v, "merge") == 0)
        a->style = DK_MERGE_STYLE_MERGE;
    else if (strcmp(v, "diff3") == 0)
        a->style = DK_MERGE_STYLE_DIFF3;
    else if (strcmp(v, "zdiff3") == 0)
        a->style = DK_MERGE_STYLE_ZDIFF3;
    else {
        fprintf(stderr, "fatal: unknown style '%s' given for 'merge.conflictstyle'\n", v);
        rc = 128;
    }
    free(v);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Inputs                                                                    */
/* ------------------------------------------------------------------------ */

/* The largest input: dk_merge_file's own limit (offsets are 32-bit). */
#define MF_MAX_INPUT DK_MERGE_MAX_INPUT

/* Read one input as git's read_mmfile does (stat, open, read), with its messages. */
static int mf_read(const char *path, char **out, size_t *len)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "error: Could not stat %s: %s\n", path, strerror(errno));
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "error: Could not open %s: %s\n", path, strerror(errno));
        return -1;
    }
    dk_str buf = DK_STR_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf.len + n > MF_MAX_INPUT) {
            fprintf(stderr, "error: Could not read %s: larger than %u bytes\n", path, MF_MAX_INPUT);
            goto fail;
        }
        dk_str_add(&buf, chunk, n);
    }
    if (ferror(f)) {
        fprintf(stderr, "error: Could not read %s\n", path);
        goto fail;
    }
    fclose(f);
    *out = dk_str_detach(&buf, len);
    return 0;
fail:
    fclose(f);
    dk_str_release(&buf);
    return -1;
}

/* ------------------------------------------------------------------------ */
/* --ours, --theirs, --union                                                 */
/* ------------------------------------------------------------------------ */

/* Byte offset of the start of 1-based line `line` in text (len if past the end). */
static size_t mf_line_offset(const char *text, size_t len, uint32_t line)
{
    size_t off = 0;
    for (uint32_t l = 1; l < line && off < len; l++) {
        const char *nl = memchr(text + off, '\n', len - off);
        off = nl ? (size_t)(nl - text) + 1 : len;
    }
    return off;
}

/* Append one side's text of a block; `trim` drops the newline the block added. */
static void mf_add_side(dk_str *out, const char *text, bool trim)
{
    if (!text)
        return;
    size_t len = strlen(text);
    if (trim && len && text[len - 1] == '\n') {
        len--;
        if (len && text[len - 1] == '\r')
            len--;
    }
    dk_str_add(out, text, len);
}

static bool mf_ends_in_newline(const char *data, size_t len)
{
    return len == 0 || data[len - 1] == '\n';
}

/*
 * Resolve every conflict block of r->merged as git's favor options do: our
 * side, their side, or ours then theirs, in place of the block. The blocks
 * are the ones dk_merge_file recorded (lines in the result), so nothing is
 * guessed from marker lines. As xdiff: a side whose last line has no
 * newline (its input's, at the end of the file) keeps it that way, except
 * ours before theirs in a union.
 */
static void mf_resolve(dk_merge_result *r, enum mf_favor favor, bool ours_nl, bool theirs_nl)
{
    dk_str out = DK_STR_INIT;
    size_t pos = 0;
    for (size_t i = 0; i < r->nconflicts; i++) {
        const dk_merge_conflict *c = &r->conflicts[i];
        size_t start = mf_line_offset(r->merged, r->merged_len, c->result.start);
        size_t end = mf_line_offset(r->merged, r->merged_len, c->result.end + 1);
        if (c->result.start == 0 || start < pos)
            continue;
        dk_str_add(&out, r->merged + pos, start - pos);
        bool at_eof = end >= r->merged_len;
        if (favor != MF_FAVOR_THEIRS)
            mf_add_side(&out, c->ours_text, at_eof && !ours_nl && favor == MF_FAVOR_OURS);
        if (favor != MF_FAVOR_OURS)
            mf_add_side(&out, c->theirs_text, at_eof && !theirs_nl);
        pos = end;
    }
    dk_str_add(&out, r->merged + pos, r->merged_len - pos);
    free(r->merged);
    r->merged = dk_str_detach(&out, &r->merged_len);
    r->clean = true;
}

/* ------------------------------------------------------------------------ */
/* Outputs                                                                   */
/* ------------------------------------------------------------------------ */

/* Write all of data to fd; 0 or -1 with errno. */
static int mf_write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Atomic replacement of `path`, only where it keeps everything writing
 * through keeps (point 4 above). Returns 0 when done, -1 when the caller
 * must write through instead (nothing was changed).
 */
static int mf_replace_atomic(const char *path, const char *data, size_t len)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
        st.st_uid != geteuid() || faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) != 0)
        return -1;
    ssize_t nx = llistxattr(path, NULL, 0);
    if (nx != 0 && !(nx < 0 && errno == ENOTSUP))
        return -1;
    dk_str tmp = DK_STR_INIT;
    dk_str_addf(&tmp, "%s.dk-merge-XXXXXX", path);
    int fd = mkstemp(tmp.ptr);
    if (fd < 0) {
        dk_str_release(&tmp);
        return -1;
    }
    struct stat tst;
    int rc = -1;
    if (fstat(fd, &tst) != 0 || (tst.st_gid != st.st_gid && fchown(fd, (uid_t)-1, st.st_gid) != 0))
        goto out;
    if (fchmod(fd, st.st_mode & 07777) != 0 || mf_write_all(fd, data, len) != 0 || fsync(fd) != 0)
        goto out;
    if (close(fd) != 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    if (rename(tmp.ptr, path) == 0)
        rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        unlink(tmp.ptr);
    dk_str_release(&tmp);
    return rc;
}

/* Write the result to CURRENT; 0 or 255 after git's message. */
static int mf_write_current(const char *path, const char *data, size_t len)
{
    if (mf_replace_atomic(path, data, len) == 0)
        return 0;
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "error: Could not open %s for writing: %s\n", path, strerror(errno));
        return 255;
    }
    if (len && fwrite(data, len, 1, f) != 1) {
        fprintf(stderr, "error: Could not write to %s: %s\n", path, strerror(errno));
        fclose(f);
        return 255;
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "error: Could not close %s: %s\n", path, strerror(errno));
        return 255;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The command                                                               */
/* ------------------------------------------------------------------------ */

int cmd_merge_file(int argc, char **argv)
{
    struct mf_args a = {.style = DK_MERGE_STYLE_MERGE};
    int status = mf_parse_args(&a, argc, argv);
    if (status)
        return status;
    if (a.help) {
        fputs(mf_usage, stdout);
        return cli_close_stdout("standard output");
    }
    if ((status = mf_config_style(&a)) != 0)
        return status;
    if (a.quiet && !freopen("/dev/null", "w", stderr))
        return 255;

    char *data[3] = {NULL, NULL, NULL};
    size_t lens[3] = {0, 0, 0};
    dk_merge_result *r = NULL;
    status = 255;
    for (int k = 0; k < 3; k++) {
        if (mf_read(a.files[k], &data[k], &lens[k]) != 0)
            goto out;
        if (dk_buf_is_binary(data[k], lens[k])) {
            fprintf(stderr, "error: Cannot merge binary files: %s\n", a.files[k]);
            goto out;
        }
    }
    const char *name = a.path ? a.path : a.files[0];
    dk_merge_opts opts = DK_MERGE_OPTS_INIT;
    opts.style = a.style;
    opts.marker_size = a.marker_size > 0 ? (unsigned)a.marker_size : 0;
    opts.our_label = a.labels[0] ? a.labels[0] : a.files[0];
    opts.ancestor_label = a.labels[1] ? a.labels[1] : a.files[1];
    opts.their_label = a.labels[2] ? a.labels[2] : a.files[2];
    if (a.line_only)
        opts.flags |= DK_MERGE_LINE_ONLY;
    if (dk_merge_file(&r, name, data[1], lens[1], data[0], lens[0], data[2], lens[2], &opts) !=
        DK_OK) {
        /* never leave CURRENT without the conflict: fall back to git's line merge */
        fprintf(stderr, "dk merge-file: %s; writing the line merge\n", dk_error_last()->msg);
        opts.flags |= DK_MERGE_LINE_ONLY;
        if (dk_merge_file(&r, name, data[1], lens[1], data[0], lens[0], data[2], lens[2], &opts) !=
            DK_OK) {
            fprintf(stderr, "error: %s\n", dk_error_last()->msg);
            r = NULL;
            goto out;
        }
    }
    if (a.favor != MF_FAVOR_NONE && !r->clean)
        mf_resolve(r, a.favor, mf_ends_in_newline(data[0], lens[0]),
                   mf_ends_in_newline(data[2], lens[2]));
    /* fail closed: a result that is not clean is at least one conflict */
    size_t nconflicts = r->clean ? 0 : r->nconflicts ? r->nconflicts : 1;
    if (!a.to_stdout && mf_write_current(a.files[0], r->merged, r->merged_len) != 0)
        goto out;
    if (a.json) {
        json_t *j = dk_api_merge_result_json(r, name, a.to_stdout);
        if (r->clean && a.favor != MF_FAVOR_NONE)
            json_object_set_new(j, "conflicts", json_array());
        char *text = json_dumps(j, JSON_COMPACT);
        json_decref(j);
        bool ok = text && fputs(text, stdout) >= 0 && fputc('\n', stdout) != EOF;
        free(text);
        if (!ok) {
            fprintf(stderr, "error: Could not write to %s: %s\n", a.files[0], strerror(errno));
            goto out;
        }
    } else if (a.to_stdout && r->merged_len && fwrite(r->merged, r->merged_len, 1, stdout) != 1) {
        fprintf(stderr, "error: Could not write to %s: %s\n", a.files[0], strerror(errno));
        goto out;
    }
    if (cli_close_stdout(a.files[0]) != 0)
        goto out;
    status = nconflicts > 127 ? 127 : (int)nconflicts;
out:
    dk_merge_result_free(r);
    for (int k = 0; k < 3; k++)
        free(data[k]);
    return status;
}
