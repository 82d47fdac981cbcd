/*
 * verify/findings.c - structured findings from what tools print, so an agent
 * gets {file, line, severity, message} instead of a log to read.
 *
 *   form                                              tools
 *   file:line[:col]: [fatal error|error|warning]: msg gcc, clang, go vet/build, go test
 *                                                     ("    x_test.go:12: msg"), pytest
 *                                                     tracebacks ("t.py:5: AssertionError")
 *   error[E0425]: msg  ...  --> file:line:col         rustc, cargo
 *   file(line,col): error TS2322: msg                 tsc
 *   /abs/file.ts  then  "  3:7  error  msg  rule"     eslint (stylish)
 *   FAILED file::test - msg / ERROR file - msg        pytest summary
 *
 * The tool is named from the file's extension where the form is shared.
 * Notes are dropped (they explain an error already reported); a finding is
 * reported once (same file, line and message); at most MAX_FINDINGS per
 * output. Only the output's tail is parsed (what exec.c kept).
 *
 * Conventions: verify_int.h. Thread-safe: the patterns are compiled once.
 */
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "verify/verify_int.h"

#include "util/banned.h"

#define MAX_FINDINGS 200

enum { RX_COLON, RX_RUST_HEAD, RX_RUST_ARROW, RX_TSC, RX_ESLINT_FILE, RX_ESLINT, RX_PYTEST, RX_N };

static const char *const rx_src[RX_N] = {
    [RX_COLON] = "^[ \t]*([^ \t:()][^ \t:()]*\\.[A-Za-z0-9+]+):([0-9]+):([0-9]+:)?[ \t]*"
                 "((fatal error|error|warning|note)[ \t]*:)?[ \t]*(.*)$",
    [RX_RUST_HEAD] = "^(error|warning)(\\[[A-Z][0-9]+\\])?: (.*)$",
    [RX_RUST_ARROW] = "^[ \t]*--> ([^:]+):([0-9]+):[0-9]+",
    [RX_TSC] = "^([^ (][^(]*)\\(([0-9]+),[0-9]+\\): (error|warning) (TS[0-9]+): (.*)$",
    [RX_ESLINT_FILE] = "^(/[^ ]*\\.(js|jsx|ts|tsx|mjs|cjs|vue))$",
    [RX_ESLINT] = "^[ \t]+([0-9]+):[0-9]+[ \t]+(error|warning)[ \t]+(.*)$",
    [RX_PYTEST] = "^(FAILED|ERROR) ([^ :]+)(::([^ ]+))?( - (.*))?$",
};

static regex_t rx[RX_N];
static bool rx_ok;
static pthread_once_t rx_once = PTHREAD_ONCE_INIT;

static void rx_init(void)
{
    rx_ok = true;
    for (int i = 0; i < RX_N; i++)
        if (regcomp(&rx[i], rx_src[i], REG_EXTENDED | REG_NEWLINE) != 0)
            rx_ok = false;
}

void dk_vfy_finding_release(dk_verify_finding *f)
{
    free(f->tool);
    free(f->file);
    free(f->message);
}

static const char *tool_of(const char *file)
{
    const char *dot = strrchr(file, '.');
    const char *ext = dot ? dot + 1 : "";
    if (!strcmp(ext, "go"))
        return "go";
    if (!strcmp(ext, "py"))
        return "pytest";
    if (!strcmp(ext, "rs"))
        return "rustc";
    if (!strcmp(ext, "ts") || !strcmp(ext, "tsx"))
        return "tsc";
    if (!strcmp(ext, "js") || !strcmp(ext, "jsx") || !strcmp(ext, "mjs"))
        return "eslint";
    return "gcc";
}

static char *sub(const char *line, const regmatch_t *m)
{
    if (m->rm_so < 0)
        return dk_xstrdup("");
    return dk_xstrndup(line + m->rm_so, (size_t)(m->rm_eo - m->rm_so));
}

static void add(dk_vfy_findings *out, const char *tool, char *file, uint32_t line,
                dk_verify_severity sev, char *msg)
{
    /* "./x.go" and "x.go" are one file */
    if (strncmp(file, "./", 2) == 0)
        memmove(file, file + 2, strlen(file + 2) + 1);
    size_t ml = strlen(msg);
    while (ml && (msg[ml - 1] == ' ' || msg[ml - 1] == '\r'))
        msg[--ml] = '\0';
    bool dup = out->len >= MAX_FINDINGS || !*msg;
    for (size_t i = 0; !dup && i < out->len; i++)
        dup = out->items[i].line == line && strcmp(out->items[i].file, file) == 0 &&
              strcmp(out->items[i].message, msg) == 0;
    if (dup) {
        free(file);
        free(msg);
        return;
    }
    dk_verify_finding f = {
        .tool = dk_xstrdup(tool), .file = file, .line = line, .severity = sev, .message = msg};
    dk_vec_push(out, f);
}

static dk_verify_severity sev_of(const char *s)
{
    return strncmp(s, "warning", 7) == 0 ? DK_VERIFY_WARNING : DK_VERIFY_ERROR;
}

void dk_vfy_findings_parse(dk_vfy_findings *out, const char *output, size_t len)
{
    pthread_once(&rx_once, rx_init);
    if (!rx_ok)
        return;
    char *rust_sev = NULL, *rust_msg = NULL, *eslint_file = NULL;
    const char *p = output, *end = output + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *line = dk_xstrndup(p, ll);
        regmatch_t m[8];
        p += ll + 1;

        if (regexec(&rx[RX_RUST_HEAD], line, 8, m, 0) == 0) {
            free(rust_sev);
            free(rust_msg);
            rust_sev = sub(line, &m[1]);
            rust_msg = sub(line, &m[3]);
        } else if (rust_msg && regexec(&rx[RX_RUST_ARROW], line, 8, m, 0) == 0) {
            add(out, "rustc", sub(line, &m[1]), (uint32_t)strtoul(line + m[2].rm_so, NULL, 10),
                sev_of(rust_sev), rust_msg);
            rust_msg = NULL;
        } else if (regexec(&rx[RX_TSC], line, 8, m, 0) == 0) {
            char *msg = sub(line, &m[5]);
            char *code = sub(line, &m[4]);
            size_t n = strlen(msg) + strlen(code) + 3;
            char *full = dk_xmalloc(n);
            snprintf(full, n, "%s: %s", code, msg);
            free(msg);
            free(code);
            add(out, "tsc", sub(line, &m[1]), (uint32_t)strtoul(line + m[2].rm_so, NULL, 10),
                sev_of(line + m[3].rm_so), full);
        } else if (regexec(&rx[RX_ESLINT_FILE], line, 8, m, 0) == 0) {
            free(eslint_file);
            eslint_file = sub(line, &m[1]);
        } else if (eslint_file && regexec(&rx[RX_ESLINT], line, 8, m, 0) == 0) {
            add(out, "eslint", dk_xstrdup(eslint_file),
                (uint32_t)strtoul(line + m[1].rm_so, NULL, 10), sev_of(line + m[2].rm_so),
                sub(line, &m[3]));
        } else if (regexec(&rx[RX_PYTEST], line, 8, m, 0) == 0) {
            char *test = sub(line, &m[4]), *msg = sub(line, &m[6]);
            size_t n = strlen(test) + strlen(msg) + 16;
            char *full = dk_xmalloc(n);
            if (*test)
                snprintf(full, n, "%s failed%s%s", test, *msg ? ": " : "", msg);
            else
                snprintf(full, n, "error%s%s", *msg ? ": " : "", msg);
            free(test);
            free(msg);
            add(out, "pytest", sub(line, &m[2]), 0, DK_VERIFY_ERROR, full);
        } else if (regexec(&rx[RX_COLON], line, 8, m, 0) == 0) {
            char *sevw = sub(line, &m[5]);
            if (strcmp(sevw, "note") != 0) {
                char *file = sub(line, &m[1]);
                add(out, tool_of(file), file, (uint32_t)strtoul(line + m[2].rm_so, NULL, 10),
                    *sevw ? sev_of(sevw) : DK_VERIFY_ERROR, sub(line, &m[6]));
            }
            free(sevw);
        }
        free(line);
    }
    free(rust_sev);
    free(rust_msg);
    free(eslint_file);
}
