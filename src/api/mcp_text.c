/*
 * api/mcp_text.c - the readable texts of MCP tool results: what an agent
 * reads after every dk_* call (dkod's texts are the model: the outcome, the
 * ids to carry forward, and on failure the exact steps that recover).
 *
 * Purpose: structuredContent already carries the operation's result for
 * programs; the text is for the model. It is rendered generically from the
 * result object (scalars as "key: value", arrays one item a line, multi-line
 * strings such as conflict versions as fenced blocks), so a field the table
 * adds shows up here with no edit, plus a headline and a "Next:" line per
 * tool, and per error code a numbered recovery list.
 *
 * Invariants: every text is valid UTF-8 (strings come from jansson, which
 * holds only valid UTF-8) and bounded: arrays stop after LIST_MAX items and
 * long single-line values are cut at LINE_MAX bytes on a character
 * boundary; file content and conflict versions are shown whole, since the
 * agent needs them to act. Conventions: every function appends to a dk_str.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/mcp.h"
#include "util/str.h"

#include "util/banned.h"

#define LIST_MAX 200
#define LINE_MAX 400

/* Append at most `max` bytes of s, cut on a UTF-8 boundary, with "..." when cut. */
static void text_add_cut(dk_str *t, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max) {
        dk_str_add(t, s, n);
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
        max--;
    dk_str_add(t, s, max);
    dk_str_adds(t, "...");
}

static bool text_is_block(const char *s)
{
    return strchr(s, '\n') != NULL || strlen(s) > 160;
}

static void text_scalar(dk_str *t, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        text_add_cut(t, json_string_value(v), LINE_MAX);
        break;
    case JSON_INTEGER:
        dk_str_addf(t, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        dk_str_addf(t, "%g", json_real_value(v));
        break;
    case JSON_TRUE:
        dk_str_adds(t, "yes");
        break;
    case JSON_FALSE:
        dk_str_adds(t, "no");
        break;
    case JSON_NULL:
        dk_str_adds(t, "-");
        break;
    default: {
        char *c = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (c)
            text_add_cut(t, c, LINE_MAX);
        free(c);
        break;
    }
    }
}

/* A multi-line value (file text, a conflict side) whole, fenced at column 0. */
static void text_block(dk_str *t, const char *indent, const char *key, const char *s)
{
    dk_str_addf(t, "%s%s:\n```\n", indent, key);
    dk_str_adds(t, s);
    if (s[0] && s[strlen(s) - 1] != '\n')
        dk_str_addch(t, '\n');
    dk_str_adds(t, "```\n");
}

/*
 * One array item: an object's short scalars on one line ("path=a.py,
 * symbol=f"), then its long strings as blocks and its arrays compactly.
 */
static void text_item(dk_str *t, const json_t *item, const char *indent)
{
    dk_str_addf(t, "%s- ", indent);
    if (!json_is_object(item)) {
        text_scalar(t, item);
        dk_str_addch(t, '\n');
        return;
    }
    const char *k;
    json_t *v;
    bool first = true;
    json_object_foreach((json_t *)item, k, v)
    {
        if (json_is_string(v) && text_is_block(json_string_value(v)))
            continue;
        if (strstr(k, "_base64"))
            continue;
        dk_str_addf(t, "%s%s=", first ? "" : ", ", k);
        text_scalar(t, v);
        first = false;
    }
    dk_str_addch(t, '\n');
    dk_str inner = DK_STR_INIT;
    dk_str_addf(&inner, "%s    ", indent);
    json_object_foreach((json_t *)item, k, v)
    {
        if (json_is_string(v) && text_is_block(json_string_value(v)))
            text_block(t, inner.ptr, k, json_string_value(v));
    }
    dk_str_release(&inner);
}

/* Every field of `obj` but those in `skip` (NULL-terminated). */
static void text_fields(dk_str *t, const json_t *obj, const char *const *skip)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        bool skipped = false;
        for (size_t i = 0; skip && skip[i]; i++)
            if (strcmp(k, skip[i]) == 0)
                skipped = true;
        if (skipped || strstr(k, "_base64"))
            continue;
        if (json_is_array(v)) {
            size_t n = json_array_size(v);
            dk_str_addf(t, "%s (%zu)%s\n", k, n, n ? ":" : "");
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item)
            {
                if (i == LIST_MAX) {
                    dk_str_addf(t, "  ... and %zu more (see structuredContent)\n", n - i);
                    break;
                }
                text_item(t, item, "  ");
            }
        } else if (json_is_string(v) && text_is_block(json_string_value(v))) {
            text_block(t, "", k, json_string_value(v));
        } else if (json_is_object(v)) {
            dk_str_addf(t, "%s:\n", k);
            const char *k2;
            json_t *v2;
            json_object_foreach(v, k2, v2)
            {
                dk_str_addf(t, "  %s: ", k2);
                text_scalar(t, v2);
                dk_str_addch(t, '\n');
            }
        } else {
            dk_str_addf(t, "%s: ", k);
            text_scalar(t, v);
            dk_str_addch(t, '\n');
        }
    }
}

static const char *text_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* ========================================================================== */
/* Results                                                                    */
/* ========================================================================== */

static const struct {
    const char *tool;
    const char *next;
} text_next[] = {
    {"dk_connect", "Next: dk_file_list / dk_file_read to look around, dk_file_write to change "
                   "files (pass session_id), then dk_submit and dk_merge."},
    {"dk_file_write", "Next: more writes, or dk_pre_submit_check, then dk_submit and dk_merge."},
    {"dk_file_delete", "Next: more changes, or dk_submit and dk_merge."},
    {"dk_pre_submit_check", "Next: dk_submit, then dk_merge (a conflict listed above would "
                            "need dk_resolve after dk_merge)."},
    {"dk_submit", "Next: dk_merge lands it on the branch."},
    {"dk_approve", "Next: dk_merge lands it."},
    {"dk_reject", "Next: the session's agent changes files and calls dk_submit again, or "
                  "dk_abandon."},
    {"dk_merge", "Landed. The session continues from the new branch head with an empty "
                 "changeset (dk_close ends it)."},
    {"dk_resolve", "The session keeps its session_id. If landed is no: after land false, "
                   "dk_submit then dk_merge; otherwise the note says what is missing."},
    {"dk_revert", "Next: dk_submit, then dk_merge."},
    {"dk_watch", "Next: call dk_watch again with since = next to see what happens next."},
    {"dk_context", "Next: dk_file_read the files above, or dk_context again with depth \"full\" "
                   "(sources) or \"call_graph\" (callers and callees)."},
};

static size_t text_count(const json_t *o, const char *key)
{
    return json_array_size(json_object_get(o, key));
}

/* The first line: the outcome in words, with the ids the agent carries forward. */
static void text_headline(dk_str *t, const char *tool, const json_t *r)
{
    if (strcmp(tool, "dk_connect") == 0)
        dk_str_addf(t, "Connected to %s. session_id: %s\n", text_str(r, "repo"),
                    text_str(r, "session_id"));
    else if (strcmp(tool, "dk_merge") == 0)
        dk_str_addf(t, "Merged: commit %s is on the branch.\n", text_str(r, "commit"));
    else if (strcmp(tool, "dk_file_read") == 0)
        dk_str_addf(
            t, "--- %s%s (hash: %s) ---\n", text_str(r, "path"),
            json_is_true(json_object_get(r, "modified_in_session")) ? " [modified in session]" : "",
            text_str(r, "hash"));
    else if (strcmp(tool, "dk_file_write") == 0)
        dk_str_addf(t, "Wrote %s in the session (hash %s): %zu symbol(s) changed%s.\n",
                    text_str(r, "path"), text_str(r, "hash"), text_count(r, "symbols"),
                    json_is_true(json_object_get(r, "unparsed")) ? " (not parsed: no symbols)"
                                                                 : "");
    else if (strcmp(tool, "dk_file_delete") == 0)
        dk_str_addf(t, "Deleted %s in the session.\n", text_str(r, "path"));
    else if (strcmp(tool, "dk_status") == 0)
        dk_str_addf(t, "Session %s is %s; changeset %s is %s.\n", text_str(r, "session_id"),
                    text_str(r, "state"), text_str(r, "changeset_id"),
                    text_str(r, "changeset_state"));
    else if (strcmp(tool, "dk_pre_submit_check") == 0)
        dk_str_addf(t,
                    json_is_true(json_object_get(r, "clean"))
                        ? "Would land cleanly now.\n"
                        : "Would NOT land cleanly now: %zu conflict(s) below.\n",
                    text_count(r, "conflicts"));
    else if (strcmp(tool, "dk_submit") == 0 || strcmp(tool, "dk_approve") == 0 ||
             strcmp(tool, "dk_reject") == 0)
        dk_str_addf(t, "Changeset %s is %s.\n", text_str(r, "changeset_id"), text_str(r, "state"));
    else if (strcmp(tool, "dk_resolve") == 0)
        dk_str_addf(t,
                    json_is_true(json_object_get(r, "landed"))
                        ? "Resolved and landed: commit %s. Your session is now %s.\n"
                        : "Resolved (not landed yet)%s. Your session is now %s.\n",
                    json_is_true(json_object_get(r, "landed")) ? text_str(r, "commit") : "",
                    text_str(r, "session_id"));
    else if (strcmp(tool, "dk_close") == 0 || strcmp(tool, "dk_abandon") == 0)
        dk_str_addf(t, "Session %s is %s.\n", text_str(r, "session_id"), text_str(r, "state"));
    else if (strcmp(tool, "dk_watch") == 0)
        dk_str_addf(t, "%zu event(s).\n", text_count(r, "events"));
    else if (strcmp(tool, "dk_context") == 0)
        dk_str_addf(t, "%zu symbol(s) answer the query, best first.\n", text_count(r, "symbols"));
    else
        dk_str_addf(t, "%s: ok\n", tool);
}

char *dk_mcp_text_result(const char *tool, const json_t *result)
{
    dk_str t = DK_STR_INIT;
    static const char *const skip_read[] = {"content", "encoding", NULL};
    text_headline(&t, tool, result);
    if (strcmp(tool, "dk_file_read") == 0) {
        const char *content = text_str(result, "content");
        if (strcmp(text_str(result, "encoding"), "base64") == 0)
            dk_str_adds(&t, "(binary content, base64 in structuredContent.content)\n");
        else
            dk_str_adds(&t, content);
        if (content[0] && content[strlen(content) - 1] != '\n')
            dk_str_addch(&t, '\n');
        dk_str_adds(&t, "---\n");
        text_fields(&t, result,
                    (const char *const[]){"content", "encoding", "path", "hash",
                                          "modified_in_session", NULL});
    } else {
        text_fields(&t, result, strcmp(tool, "dk_file_read") == 0 ? skip_read : NULL);
    }
    for (size_t i = 0; i < sizeof(text_next) / sizeof(text_next[0]); i++)
        if (strcmp(text_next[i].tool, tool) == 0)
            dk_str_addf(&t, "%s\n", text_next[i].next);
    return dk_str_detach(&t, NULL);
}

/* ========================================================================== */
/* Errors                                                                     */
/* ========================================================================== */

static const char *text_recovery(const char *tool, dk_api_code code)
{
    switch (code) {
    case DK_API_SYMBOL_CLAIMED:
        return "1. Your write stored nothing: another agent is changing the symbols above in its "
               "own session (holder listed).\n"
               "2. Work on other symbols meanwhile (a claim covers one symbol, not the file), or "
               "wait for the release: dk_watch with repo and types \"claim.released\" "
               "(since = the last event id you saw).\n"
               "3. Then dk_file_read the file again (the holder may have landed a change) and "
               "dk_file_write your change again.";
    case DK_API_STALE_OVERLAY:
        /* landing's STALE_OVERLAY is a verdict given on an older head, not a stale file */
        if (strcmp(tool, "dk_merge") == 0 || strcmp(tool, "dk_resolve") == 0)
            return "1. Nothing landed: your changeset was verified (and approved) on an older "
                   "head, and the branch moved before it could land (other changesets landed "
                   "meanwhile).\n"
                   "2. dk_verify your session again: it checks the changeset on the current head "
                   "(dk_approve again if the pipeline asks for a human).\n"
                   "3. Then dk_merge. Your files are unchanged; do not rewrite them.";
        return "1. Your write stored nothing: the file changed on the branch (another "
               "changeset landed or is submitted) after your session read it.\n"
               "2. dk_file_read the file again to see the current content.\n"
               "3. Re-apply your edit to it and dk_file_write again.";
    case DK_API_CONFLICT:
        if (strcmp(tool, "dk_merge") == 0 || strcmp(tool, "dk_pre_submit_check") == 0)
            return "1. Nothing landed. Each conflict above names the file and symbol and shows "
                   "the base, the branch's version (theirs, already landed) and yours (mine).\n"
                   "2. Call dk_resolve with one resolution per conflict: {path, symbol, action}, "
                   "action keep_mine, keep_theirs, or content with the merged text of that "
                   "symbol in content.\n"
                   "3. dk_resolve lands again by itself and answers with a NEW session_id: use "
                   "that one from then on.";
        return "1. Nothing changed: the operation conflicts with work already on the branch "
               "(details above).\n"
               "2. dk_file_read the files involved, reconcile by hand with dk_file_write, then "
               "dk_submit and dk_merge.";
    case DK_API_INVALID_STATE:
        return "1. The session or its changeset is not in a state for this call; dk_status "
               "shows both.\n"
               "2. The order is: dk_file_write → dk_submit → (dk_approve if required) → "
               "dk_merge; after a conflict: dk_resolve → dk_merge. A landed or closed "
               "changeset cannot be submitted again: write a new change.";
    case DK_API_SESSION_NOT_FOUND:
        return "1. This session does not exist any more (closed, abandoned, or collected "
               "after an hour without calls), or the id is wrong.\n"
               "2. Call dk_connect again; with resume_session_id you take back a stranded "
               "session of the same agent_id, its changes included.";
    case DK_API_INVALID_ARGUMENT:
        return "1. Fix the argument the message names and call again; the tool's inputSchema "
               "lists every field, its type and which are required.";
    case DK_API_INVALID_PATH:
        return "1. Paths are relative to the repository root with '/' separators: no leading "
               "'/', no '..', no empty segment, nothing under .git. Fix the path and call "
               "again.";
    case DK_API_NOT_FOUND:
        if (strcmp(tool, "dk_connect") == 0)
            return "1. No such repository or base commit: check the repo name with the person "
                   "running dk (dk repo list), or omit base_commit to start at the branch head.";
        return "1. Check the name: dk_file_list lists the files of your session (a file "
               "deleted in the session is gone for it); dk_status shows the session.";
    case DK_API_UNAUTHORIZED:
        return "1. The token is missing, wrong or revoked, or lacks the scope this tool needs "
               "(write to change files, approve for dk_approve).\n"
               "2. Ask the operator for a token: dk token create --scope write (or approve).";
    case DK_API_FORBIDDEN:
        return "1. The session or repository belongs to another token: act only on sessions "
               "your own dk_connect opened.";
    case DK_API_TOO_LARGE:
        return "1. A file may hold at most 50 MiB: split the content or leave generated "
               "artefacts out of the repository.";
    case DK_API_BUSY:
        return "1. The server is busy or lost a race with another landing: call again in a "
               "moment.";
    case DK_API_ALREADY_EXISTS:
        return "1. The name is taken: pick another one.";
    case DK_API_UNKNOWN_OPERATION:
        if (strcmp(tool, "dk_context") == 0)
            return "1. dk_context is not available yet in this dk (the context operation has "
                   "not landed).\n"
                   "2. Explore with dk_file_list (prefix) and dk_file_read meanwhile; "
                   "dk_file_write lists the symbols each write changes.";
        if (strcmp(tool, "dk_verify") == 0)
            return "1. dk_verify is not available yet in this dk (verification has not "
                   "landed).\n"
                   "2. Run the repository's checks yourself if you can; dk_merge lands a "
                   "submitted changeset when the repository has no verification steps.";
        return "1. This operation does not exist on the server: it may run an older dk.";
    case DK_API_INTERNAL:
    default:
        return "1. The server failed internally: call again once; if it fails again, report "
               "the message above.";
    }
}

char *dk_mcp_text_error(const char *tool, const dk_api_error *err)
{
    dk_str t = DK_STR_INIT;
    dk_str_addf(&t, "%s failed: %s — ", tool, dk_api_code_name(err->code));
    if (dk_utf8_is_valid(err->message, strlen(err->message)))
        text_add_cut(&t, err->message, sizeof(err->message));
    else
        dk_str_adds(&t, "(the message is not valid UTF-8)");
    dk_str_addch(&t, '\n');
    /* the details' own "recovery" speaks HTTP operation names: ours names the tools */
    static const char *const skip[] = {"recovery", NULL};
    if (json_is_object(err->details) && json_object_size(err->details))
        text_fields(&t, err->details, skip);
    dk_str_addf(&t, "How to recover:\n%s\n", text_recovery(tool, err->code));
    return dk_str_detach(&t, NULL);
}
