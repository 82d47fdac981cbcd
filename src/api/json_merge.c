/*
 * api/json_merge.c - the JSON of a dk_merge_result (dk merge-file --json,
 * and the landing report of the API to come).
 *
 * Field names and meaning are those dk merge-file --json has always
 * written; see api_json.h. Conventions: json_object_set_new consumes the
 * value; strings go through dk_api_json_set_* so the document is UTF-8.
 */
#include <jansson.h>

#include "dk/lang.h"
#include "dk/merge.h"

#include "api/api_json.h"

#include "util/banned.h"

static json_t *json_merge_range(dk_line_range r)
{
    if (r.start == 0)
        return json_null();
    return json_pack("{s:I,s:I}", "start", (json_int_t)r.start, "end", (json_int_t)r.end);
}

static const char *json_merge_kind(const dk_merge_conflict *c)
{
    if (c->kind == DK_MERGE_CONFLICT_SYMBOL)
        return dk_symbol_kind_name(c->symbol_kind);
    return dk_merge_conflict_kind_name(c->kind);
}

static json_t *json_merge_conflict(const dk_merge_conflict *c)
{
    json_t *o = json_object();
    dk_api_json_set_str(o, "symbol", c->qualified_name);
    dk_api_json_set_str(o, "kind", json_merge_kind(c));
    dk_api_json_set_str(o, "description", c->description);
    json_object_set_new(o, "result_lines", json_merge_range(c->result));
    json_object_set_new(o, "base_lines", json_merge_range(c->base));
    json_object_set_new(o, "ours_lines", json_merge_range(c->ours));
    json_object_set_new(o, "theirs_lines", json_merge_range(c->theirs));
    dk_api_json_set_str(o, "base", c->base_text);
    dk_api_json_set_str(o, "ours", c->ours_text);
    dk_api_json_set_str(o, "theirs", c->theirs_text);
    return o;
}

json_t *dk_api_merge_result_json(const dk_merge_result *r, const char *path, bool with_merged)
{
    json_t *o = json_object();
    dk_api_json_set_str(o, "path", path);
    json_object_set_new(o, "clean", json_boolean(r->clean));
    dk_api_json_set_str(o, "method", dk_merge_method_name(r->method));
    dk_api_json_set_str(o, "language", r->language);
    dk_api_json_set_str(o, "note", r->note);
    json_t *list = json_array();
    for (size_t i = 0; i < r->nconflicts; i++)
        json_array_append_new(list, json_merge_conflict(&r->conflicts[i]));
    json_object_set_new(o, "conflicts", list);
    if (with_merged)
        dk_api_json_set_bytes(o, "merged", r->merged, r->merged_len);
    return o;
}
