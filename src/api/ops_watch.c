/*
 * api/ops_watch.c - watch: the events of a repository after an id, filtered
 * by type patterns, blocking up to timeout_ms (the long-poll form; the SSE
 * stream in server/ uses the same matcher and event JSON).
 *
 * Read scope on the repository is required (dkod let any session watch any
 * repo_id, §14 #19). Filtering happens here, not in the engine, so that a
 * caller learns how far it scanned ("next") even when nothing matched, and
 * never re-reads the same non-matching events. Conventions: see ops_int.h.
 */
#include <string.h>

#include <jansson.h>

#include "dk/engine.h"

#include "api/api_json.h"
#include "api/ops_int.h"

#include "util/banned.h"

/* One pattern (no comma) against a type. */
static bool watch_match_one(const char *pat, size_t n, const char *type)
{
    size_t tl = strlen(type);
    if (n == 0 || (n == 1 && pat[0] == '*'))
        return true;
    if (n >= 2 && pat[n - 1] == '*' && pat[n - 2] == '.')
        return tl >= n - 1 && memcmp(type, pat, n - 1) == 0; /* "file.*": "file." prefix */
    if (n >= 2 && pat[0] == '*' && pat[1] == '.')
        return tl >= n - 1 && memcmp(type + tl - (n - 1), pat + 1, n - 1) == 0; /* "*.merged" */
    return tl == n && memcmp(type, pat, n) == 0;
}

bool dk_api_event_matches(const char *pattern, const char *type)
{
    if (!pattern || !*pattern)
        return true;
    const char *p = pattern;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n && *p == ' ') {
            p++;
            n--;
        }
        while (n && p[n - 1] == ' ')
            n--;
        if ((n || !comma) && watch_match_one(p, n, type))
            return true;
        if (!comma)
            return false;
        p = comma + 1;
    }
}

json_t *dk_api_event_json(const dk_event *ev)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(ev->id));
    dk_api_json_set_str(o, "repo", ev->repo);
    dk_api_json_set_str(o, "type", ev->type);
    dk_api_json_set_str(o, "session_id", ev->session_id);
    dk_api_json_set_str(o, "agent", ev->agent);
    dk_api_json_set_str(o, "changeset_id", ev->changeset_id);
    json_t *payload = ev->payload ? json_loads(ev->payload, 0, NULL) : NULL;
    json_object_set_new(o, "payload", payload ? payload : json_object());
    json_object_set_new(o, "created", dk_ops_iso_time(ev->created_ms));
    return o;
}

int dk_ops_watch(dk_api_ctx *ctx, json_t *params, json_t **result, dk_api_error *err)
{
    const char *repo = dk_ops_str(params, "repo");
    const char *types = dk_ops_str(params, "types");
    int64_t since = dk_ops_int(params, "since", 0);
    int timeout = (int)dk_ops_int(params, "timeout_ms", 0);
    size_t max = (size_t)dk_ops_int(params, "max", 100);
    if (dk_ops_check_repo(ctx, err, repo, DK_API_SCOPE_READ))
        return -1;
    json_t *list = json_array();
    int64_t oldest = 0, next = since;
    /* unfiltered reads, filtered here; keep reading while only non-matching events come */
    for (;;) {
        dk_event *ev = NULL;
        size_t n = 0;
        int rc = dk_events_watch(&ev, &n, &oldest, ctx->api->engine, repo, next, NULL, 256,
                                 json_array_size(list) ? 0 : timeout);
        if (rc) {
            json_decref(list);
            return dk_api_error_from_dk(err, rc);
        }
        for (size_t i = 0; i < n && json_array_size(list) < max; i++) {
            next = ev[i].id;
            if (dk_api_event_matches(types, ev[i].type))
                json_array_append_new(list, dk_api_event_json(&ev[i]));
        }
        dk_events_free(ev, n);
        if (n == 0 || json_array_size(list) >= max || json_array_size(list) > 0)
            break;
        /* only non-matching events: the time already waited is spent; look once more */
        timeout = 0;
    }
    *result = json_pack("{s:o,s:I,s:I}", "events", list, "next", (json_int_t)next, "oldest",
                        (json_int_t)oldest);
    return 0;
}
