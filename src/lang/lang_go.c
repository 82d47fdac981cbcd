/*
 * lang/lang_go.c - Go: functions, methods (qualified by receiver type),
 * type declarations, constants and variables; imports; calls.
 *
 * Symbols:
 *   func f()                function; without a body (assembly) prototype
 *   func (s *Server) Start  method "Server.Start" (receiver type without `*`
 *                           and type arguments, via lang_decl.qualifier)
 *   type X struct{..}       struct (fields are not symbols)
 *   type X interface{..}    interface, a container of its method specs
 *                           (prototype members; embedded types are not symbols)
 *   type X Y, type X = Y    type
 *   const / var             constant / variable
 * A declaration with one spec and no parentheses is one symbol spanning the
 * whole declaration (keyword and leading comments included). A grouped
 * `type (..)`, `const (..)` or `var (..)` is transparent: each spec is its own
 * symbol, with the comments directly above it. A spec naming several
 * identifiers (`var a, b int`) is one symbol named by its first identifier.
 *
 * Visibility: exported (first letter an ASCII capital) public, else private;
 * a name starting with a non-ASCII letter counts as private.
 *
 * Imports: one record per import spec: module = the path unquoted, alias =
 * the spec's name (`f`, `_`, `.`), name NULL. External unless the path is
 * relative ("./", "../").
 *
 * Calls: call_expression; a method call when the callee is a
 * selector_expression (which also covers package-qualified calls such as
 * fmt.Println: the grammar cannot tell a package from a value).
 *
 * Conventions: all strings go to the analysis arena (dk_lang_text & co).
 */
#include "lang/lang_int.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_go(void);

static dk_visibility go_visibility(struct lang_ctx *cx, TSNode name)
{
    size_t len;
    const char *src = dk_lang_source(cx, &len);
    uint32_t at = ts_node_start_byte(name);
    if (ts_node_is_null(name) || at >= len)
        return DK_VIS_PRIVATE;
    return src[at] >= 'A' && src[at] <= 'Z' ? DK_VIS_PUBLIC : DK_VIS_PRIVATE;
}

/* The receiver's base type name: `*Server` -> Server, `Pair[K, V]` -> Pair. */
static const char *go_receiver_type(struct lang_ctx *cx, TSNode method)
{
    /* lang_field/dk_lang_child_of_type dereference their node: check each step */
    TSNode recv = lang_field(method, "receiver");
    if (ts_node_is_null(recv))
        return NULL;
    TSNode param = dk_lang_child_of_type(recv, "parameter_declaration");
    if (ts_node_is_null(param))
        return NULL;
    TSNode ty = lang_field(param, "type");
    for (int guard = 0; !ts_node_is_null(ty) && guard < 8; guard++) {
        if (lang_is(ty, "type_identifier"))
            return dk_lang_text(cx, ty);
        if (lang_is(ty, "pointer_type") || lang_is(ty, "parenthesized_type"))
            ty = ts_node_named_child(ty, 0);
        else if (lang_is(ty, "generic_type"))
            ty = lang_field(ty, "type");
        else
            break;
    }
    return NULL;
}

/* True for `const (..)`, `var (..)`, `type (..)`: the specs are symbols. */
static bool go_is_group(TSNode decl)
{
    return !ts_node_is_null(dk_lang_any_child_of_type(decl, "(")) ||
           !ts_node_is_null(dk_lang_child_of_type(decl, "var_spec_list"));
}

/* Fill `d` from a type_spec / type_alias node. */
static void go_type_spec(TSNode spec, struct lang_decl *d)
{
    d->name_node = lang_field(spec, "name");
    TSNode ty = lang_field(spec, "type");
    if (lang_is(spec, "type_spec") && lang_is(ty, "struct_type")) {
        d->kind = DK_SYM_STRUCT;
        d->body = dk_lang_child_of_type(ty, "field_declaration_list");
    } else if (lang_is(spec, "type_spec") && lang_is(ty, "interface_type")) {
        d->kind = DK_SYM_INTERFACE;
        /* the body runs from `{`: its first child */
        d->body = ty;
        d->container = true;
    } else {
        d->kind = DK_SYM_TYPE;
    }
}

static bool go_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    TSNode spec = n;
    if (lang_is(n, "type_declaration") || lang_is(n, "const_declaration") ||
        lang_is(n, "var_declaration")) {
        /* a single spec: one symbol over the whole declaration */
        if (go_is_group(n) || ts_node_named_child_count(n) != 1)
            return false; /* transparent: the specs are classified one by one */
        spec = ts_node_named_child(n, 0);
        if (lang_is(spec, "comment"))
            return false;
        d->node = n;
    }
    if (lang_is(n, "function_declaration")) {
        d->name_node = lang_field(n, "name");
        d->body = lang_field(n, "body");
        d->kind = ts_node_is_null(d->body) ? DK_SYM_PROTOTYPE : DK_SYM_FUNCTION;
    } else if (lang_is(n, "method_declaration")) {
        d->name_node = lang_field(n, "name");
        d->body = lang_field(n, "body");
        d->kind = ts_node_is_null(d->body) ? DK_SYM_PROTOTYPE : DK_SYM_METHOD;
        d->qualifier = go_receiver_type(cx, n);
    } else if (lang_is(spec, "type_spec") || lang_is(spec, "type_alias")) {
        go_type_spec(spec, d);
    } else if (lang_is(spec, "const_spec") || lang_is(spec, "var_spec")) {
        d->kind = lang_is(spec, "const_spec") ? DK_SYM_CONSTANT : DK_SYM_VARIABLE;
        d->name_node = lang_field(spec, "name");
    } else if (lang_is(n, "method_elem") && parent_kind == DK_SYM_INTERFACE) {
        d->kind = DK_SYM_PROTOTYPE;
        d->name_node = lang_field(n, "name");
    } else {
        return false;
    }
    if (ts_node_is_null(d->name_node) || dk_lang_text_eq(cx, d->name_node, "_"))
        return false;
    d->visibility = go_visibility(cx, d->name_node);
    return true;
}

static void go_import_spec(struct lang_ctx *cx, TSNode spec)
{
    const char *path = dk_lang_unquote(cx, dk_lang_text(cx, lang_field(spec, "path")));
    bool relative = strncmp(path, "./", 2) == 0 || strncmp(path, "../", 3) == 0 ||
                    strcmp(path, ".") == 0 || strcmp(path, "..") == 0;
    dk_lang_add_import(cx, spec, path, NULL, dk_lang_text(cx, lang_field(spec, "name")), !relative);
}

static void go_import(struct lang_ctx *cx, TSNode n)
{
    uint32_t c = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < c; i++) {
        TSNode ch = ts_node_named_child(n, i);
        if (lang_is(ch, "import_spec")) {
            go_import_spec(cx, ch);
        } else if (lang_is(ch, "import_spec_list")) {
            uint32_t k = ts_node_named_child_count(ch);
            for (uint32_t j = 0; j < k; j++) {
                TSNode spec = ts_node_named_child(ch, j);
                if (lang_is(spec, "import_spec"))
                    go_import_spec(cx, spec);
            }
        }
    }
}

static const char *const go_exts[] = {"go", NULL};
static const char *const go_comments[] = {"comment", NULL};
static const char *const go_transparent[] = {"type_declaration", "const_declaration",
                                             "var_declaration", "var_spec_list", NULL};
static const char *const go_imports[] = {"import_declaration", NULL};
static const struct lang_call_rule go_calls[] = {
    {"call_expression", "function", NULL},
    {NULL, NULL, NULL},
};
static const char *const go_members[] = {"selector_expression", NULL};

/* statements: what a function body merges by (merge/stmt.c) */
static const char *const go_statement_lists[] = {"statement_list", "expression_switch_statement",
                                                 "type_switch_statement", "select_statement", NULL};
/* a struct's fields */
static const char *const go_fields[] = {"field_declaration", NULL};
static const struct lang_member_list go_member_lists[] = {
    {"field_declaration_list", NULL, NULL, go_fields, false},
    {NULL, NULL, NULL, NULL, false},
};

const dk_language dk_lang_go = {
    .name = "go",
    .grammar = tree_sitter_go,
    .extensions = go_exts,
    .comment_types = go_comments,
    .transparent_types = go_transparent,
    .classify = go_classify,
    .import_types = go_imports,
    .import = go_import,
    .calls = go_calls,
    .member_types = go_members,
    .statement_lists = go_statement_lists,
    .member_lists = go_member_lists,
};
