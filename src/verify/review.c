/*
 * verify/review.c - what an agent-review step's reviewer said. dk never
 * calls a model provider itself: the pipeline names a reviewer command
 * (checked against the same allow-list as every step, run by exec.c with the
 * changeset's unified diff on stdin and DK_REVIEW_PROMPT in its environment)
 * and this file reads the verdict it printed.
 *
 *   reviewer stdout ─► the whole output is a JSON object?  ─► verdict
 *                      else its last line that is one?     ─► verdict
 *                      else                                ─► no verdict: the step fails
 *   {"verdict": "approve" | "request_changes" | "comment",
 *    "summary": "...",
 *    "issues": [{"severity": "error|warning|info", "message": "...",
 *                "file": "...", "line": 12}]}
 *
 * Fail-closed, where dkod was not (§7.6: a provider error or an unreadable
 * answer passed the step with a warning): no verdict, an unknown verdict, a
 * verdict that is not a string, or issues that are not a list fail the step
 * with why. An issue without a message is skipped; an unknown severity is
 * "warning" (dkod: "info"), so it is not lost among notes.
 *
 * Conventions: verify_int.h. Pure: no I/O.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/alloc.h"
#include "verify/verify_int.h"

#include "util/banned.h"

/* At most this many issues become findings. */
#define REVIEW_MAX_ISSUES 200

static json_t *review_object(const char *text, size_t len)
{
    json_error_t err;
    json_t *v = json_loadb(text, len, 0, &err);
    if (v && !json_is_object(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

/* The verdict object: the whole output, else the last line that is one. */
static json_t *review_find(const char *output)
{
    size_t len = strlen(output);
    json_t *v = review_object(output, len);
    if (v)
        return v;
    size_t end = len;
    while (end > 0) {
        size_t start = end;
        while (start > 0 && output[start - 1] != '\n')
            start--;
        const char *line = output + start;
        size_t n = end - start;
        while (n && (*line == ' ' || *line == '\t'))
            line++, n--;
        if (n && *line == '{' && (v = review_object(line, n)) != NULL)
            return v;
        end = start ? start - 1 : 0;
    }
    return NULL;
}

static dk_verify_severity review_severity(const char *s)
{
    if (s && strcmp(s, "error") == 0)
        return DK_VERIFY_ERROR;
    if (s && strcmp(s, "info") == 0)
        return DK_VERIFY_INFO;
    return DK_VERIFY_WARNING;
}

int dk_vfy_review_parse(bool *approve, char **summary, dk_vfy_findings *findings,
                        const char *output)
{
    *approve = false;
    *summary = dk_xstrdup("");
    json_t *v = review_find(output);
    if (!v)
        return dk_error_set(DK_EINVALID, "the reviewer printed no verdict (a JSON object with "
                                         "\"verdict\": approve, request_changes or comment)");
    int rc = DK_OK;
    const char *verdict = json_string_value(json_object_get(v, "verdict"));
    json_t *issues = json_object_get(v, "issues");
    if (!verdict)
        rc = dk_error_set(DK_EINVALID, "the reviewer's verdict is missing or not a string");
    else if (strcmp(verdict, "approve") == 0 || strcmp(verdict, "comment") == 0)
        *approve = true;
    else if (strcmp(verdict, "request_changes") != 0)
        rc = dk_error_set(DK_EINVALID,
                          "unknown reviewer verdict '%.40s' (approve, request_changes, comment)",
                          verdict);
    if (rc == DK_OK && issues && !json_is_array(issues))
        rc = dk_error_set(DK_EINVALID, "the reviewer's issues are not a list");
    if (rc) {
        *approve = false;
        json_decref(v);
        return rc;
    }
    const char *sum = json_string_value(json_object_get(v, "summary"));
    if (sum) {
        free(*summary);
        *summary = dk_xstrdup(sum);
    }
    size_t i;
    json_t *it;
    json_array_foreach(issues, i, it)
    {
        const char *msg = json_string_value(json_object_get(it, "message"));
        if (!msg || i >= REVIEW_MAX_ISSUES)
            continue;
        const char *file = json_string_value(json_object_get(it, "file"));
        json_int_t line = json_integer_value(json_object_get(it, "line"));
        dk_verify_finding f = {
            .tool = dk_xstrdup("agent-review"),
            .file = dk_xstrdup(file ? file : ""),
            .line = line > 0 && line < UINT32_MAX ? (uint32_t)line : 0,
            .severity = review_severity(json_string_value(json_object_get(it, "severity"))),
            .message = dk_xstrdup(msg),
        };
        dk_vec_push(findings, f);
    }
    json_decref(v);
    return DK_OK;
}
