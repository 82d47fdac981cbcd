/*
 * cli/util.c - helpers shared by the subcommands: the logfmt trace sink and
 * whole-file reading with a size cap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dk/dk.h"

#include "api/api_json.h"
#include "cli/cli.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

/* Largest input file the CLI reads (the language layer has its own limit). */
#define CLI_MAX_FILE (256u << 20)

static void trace_to_stderr(dk_trace_level level, const char *module, const char *msg,
                            void *payload)
{
    (void)payload;
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    dk_str line = DK_STR_INIT;
    dk_str_addf(&line, "ts=%s level=%s mod=%s msg=\"", ts, dk_trace_level_name(level), module);
    dk_str_add_json_escaped(&line, msg, strlen(msg));
    dk_str_adds(&line, "\"\n");
    fputs(line.ptr, stderr);
    dk_str_release(&line);
}

void cli_trace_install(void)
{
    dk_trace_level level = DK_TRACE_WARN;
    const char *env = getenv("DK_LOG");
    if (env && dk_trace_level_parse(&level, env) != DK_OK) {
        fprintf(stderr, "dk: ignoring DK_LOG=%s (use error, warn, info or debug)\n", env);
        level = DK_TRACE_WARN;
    }
    dk_trace_set(trace_to_stderr, level, NULL);
}

void cli_json_str(dk_str *o, const char *s)
{
    /* through api/'s rule, so bytes that are not UTF-8 come out as U+FFFD */
    json_t *holder = json_object();
    dk_api_json_set_str(holder, "v", s);
    char *text = json_dumps(json_object_get(holder, "v"), JSON_ENCODE_ANY);
    json_decref(holder);
    dk_str_adds(o, text ? text : "null");
    free(text);
}

int cli_read_file(const char *path, char **out, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "dk: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    dk_str buf = DK_STR_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf.len + n > CLI_MAX_FILE) {
            fprintf(stderr, "dk: %s is larger than %u bytes\n", path, CLI_MAX_FILE);
            dk_str_release(&buf);
            if (f != stdin)
                fclose(f);
            return -1;
        }
        dk_str_add(&buf, chunk, n);
    }
    int err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (err) {
        fprintf(stderr, "dk: error reading %s\n", path);
        dk_str_release(&buf);
        return -1;
    }
    *out = dk_str_detach(&buf, len);
    return 0;
}

int cli_close_stdout(const char *name)
{
    int err = 0;
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout))
        err = errno ? errno : EIO;
    if (fclose(stdout) != 0 && !err)
        err = errno ? errno : EIO;
    if (!err)
        return 0;
    fprintf(stderr, "error: Could not close %s: %s\n", name, strerror(err));
    return 255;
}
