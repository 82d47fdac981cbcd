/*
 * api/json_lang.c - the JSON of a dk_analysis (dk symbols --json, and the
 * symbol queries of the API to come).
 *
 * Field names and meaning are those dk symbols --json has always written;
 * see api_json.h. Conventions: json_object_set_new consumes the value;
 * strings go through dk_api_json_set_* so the document is UTF-8.
 */
#include <string.h>

#include <jansson.h>

#include "dk/lang.h"

#include "api/api_json.h"
#include "util/str.h"

#include "util/banned.h"

static json_t *json_lang_span(const dk_span *s)
{
    return json_pack("{s:I,s:I,s:I,s:I}", "start_byte", (json_int_t)s->start_byte, "end_byte",
                     (json_int_t)s->end_byte, "start_line", (json_int_t)s->start_line, "end_line",
                     (json_int_t)s->end_line);
}

static json_t *json_lang_symbol(const dk_analysis *a, const dk_symbol *s, const char *path)
{
    json_t *o = json_object();
    dk_str id = DK_STR_INIT;
    if (path)
        dk_str_adds(&id, path);
    dk_str_adds(&id, "::");
    dk_str_adds(&id, s->local_id);
    dk_api_json_set_bytes(o, "id", id.ptr, id.len);
    dk_str_release(&id);
    dk_api_json_set_str(o, "kind", dk_symbol_kind_name(s->kind));
    dk_api_json_set_str(o, "name", s->name);
    dk_api_json_set_str(o, "qualified_name", s->qualified_name);
    dk_api_json_set_str(o, "visibility", dk_visibility_name(s->visibility));
    json_object_set_new(o, "occurrence", json_integer((json_int_t)s->occurrence));
    dk_api_json_set_str(o, "parent", s->parent >= 0 ? a->symbols[s->parent].qualified_name : NULL);
    json_object_set_new(o, "span", json_lang_span(&s->span));
    json_object_set_new(o, "decl", json_lang_span(&s->decl));
    if (s->has_body)
        json_object_set_new(o, "body", json_lang_span(&s->body));
    dk_api_json_set_str(o, "signature", s->signature);
    return o;
}

json_t *dk_api_analysis_json(const dk_analysis *a, const char *path)
{
    json_t *o = json_object();
    dk_api_json_set_str(o, "path", path);
    dk_api_json_set_str(o, "language", a->language);
    json_t *symbols = json_array();
    for (size_t i = 0; i < a->nsymbols; i++)
        json_array_append_new(symbols, json_lang_symbol(a, &a->symbols[i], path));
    json_object_set_new(o, "symbols", symbols);
    json_t *imports = json_array();
    for (size_t i = 0; i < a->nimports; i++) {
        const dk_import *im = &a->imports[i];
        json_t *io = json_object();
        dk_api_json_set_str(io, "module", im->module);
        dk_api_json_set_str(io, "name", im->name);
        dk_api_json_set_str(io, "alias", im->alias);
        json_object_set_new(io, "external", json_boolean(im->is_external));
        json_object_set_new(io, "line", json_integer((json_int_t)im->span.start_line));
        json_array_append_new(imports, io);
    }
    json_object_set_new(o, "imports", imports);
    json_t *calls = json_array();
    for (size_t i = 0; i < a->ncalls; i++) {
        const dk_call *c = &a->calls[i];
        json_t *co = json_object();
        dk_api_json_set_str(co, "callee", c->callee);
        dk_api_json_set_str(co, "caller",
                            c->enclosing >= 0 ? a->symbols[c->enclosing].qualified_name : NULL);
        json_object_set_new(co, "method", json_boolean(c->is_method));
        json_object_set_new(co, "line", json_integer((json_int_t)c->span.start_line));
        json_array_append_new(calls, co);
    }
    json_object_set_new(o, "calls", calls);
    json_t *errors = json_array();
    for (size_t i = 0; i < a->nerrors; i++) {
        const dk_span *e = &a->errors[i];
        json_array_append_new(
            errors, json_pack("{s:I,s:I,s:I,s:I}", "start_line", (json_int_t)e->start_line,
                              "end_line", (json_int_t)e->end_line, "start_byte",
                              (json_int_t)e->start_byte, "end_byte", (json_int_t)e->end_byte));
    }
    json_object_set_new(o, "errors", errors);
    return o;
}
