/*
 * lang/lang_swift.c - Swift (tree-sitter-swift).
 *
 * tree-sitter-swift parses class, struct, enum, actor and extension all as
 * class_declaration; the keyword is in the `declaration_kind` field:
 *   class, actor -> class    struct -> struct    enum -> enum
 *   extension    -> impl, named "extension T" (conformances are part of its
 *                   header, not its identity, so adding `: Sendable` on one
 *                   side merges with a member edit on the other; several
 *                   extensions of one type get occurrence ids; the "extension"
 *                   prefix keeps their members apart from the type's own)
 *   protocol     -> interface (protocol_declaration)
 * All are containers. func -> function (method inside a type); protocol
 * requirements (func, init, subscript) -> prototype; init -> method "init",
 * deinit -> method "deinit", subscript -> method "subscript"; `let` ->
 * constant, `var` -> variable (top level, in types, protocol requirements);
 * typealias / associatedtype -> type; enum cases -> constant (`case a, b` is
 * one node and so one symbol, named after its first case).
 *
 * Attributes (@objc, @available, @discardableResult) are inside the
 * declaration's modifiers, so the declaration span covers them; `///` and block
 * doc comments attach through the walker.
 *
 * Visibility: public/open -> public, private/fileprivate -> private,
 * internal/package/none -> internal. Members without a modifier take the
 * enclosing declaration's level where Swift does: protocol requirements,
 * enum cases, and members of an extension declared with a modifier.
 *
 * Imports: `import A.B` -> module "A.B"; `import struct A.B` (a single
 * declaration) -> module "A", name "B". All external.
 *
 * Calls: call_expression, callee = first named child; a method call when
 * that is a navigation_expression (`obj.m()`). The grammar parses
 * `a * f(x)` as a call of `a * f`, so such a call is reported with that
 * callee text.
 */
#include "lang/lang_int.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_swift(void);

/* lang_field / dk_lang_child_of_type that accept a null node (missing optional parts). */
static TSNode swift_field(TSNode n, const char *field)
{
    return ts_node_is_null(n) ? n : lang_field(n, field);
}

static TSNode swift_child(TSNode n, const char *type)
{
    return ts_node_is_null(n) ? n : dk_lang_child_of_type(n, type);
}

/* Visibility written in the node's modifiers; *found tells whether any was. */
static dk_visibility swift_written_visibility(struct lang_ctx *cx, TSNode n, bool *found)
{
    *found = false;
    TSNode mods = swift_child(n, "modifiers");
    TSNode vm = swift_child(mods, "visibility_modifier");
    if (ts_node_is_null(vm))
        return DK_VIS_INTERNAL;
    *found = true;
    const char *t = dk_lang_text(cx, vm);
    if (strncmp(t, "public", 6) == 0 || strncmp(t, "open", 4) == 0)
        return DK_VIS_PUBLIC;
    if (strncmp(t, "private", 7) == 0 || strncmp(t, "fileprivate", 11) == 0)
        return DK_VIS_PRIVATE;
    return DK_VIS_INTERNAL;
}

static bool swift_is_extension(struct lang_ctx *cx, TSNode n)
{
    return lang_is(n, "class_declaration") &&
           dk_lang_text_eq(cx, swift_field(n, "declaration_kind"), "extension");
}

/* The level a member without a modifier gets from its enclosing declaration. */
static dk_visibility swift_member_default(struct lang_ctx *cx, TSNode n)
{
    TSNode body = ts_node_parent(n);
    TSNode owner = ts_node_parent(body);
    if (ts_node_is_null(owner))
        return DK_VIS_INTERNAL;
    bool found;
    dk_visibility v = swift_written_visibility(cx, owner, &found);
    if (!found)
        return DK_VIS_INTERNAL;
    if (lang_is(owner, "protocol_declaration") || lang_is(n, "enum_entry") ||
        swift_is_extension(cx, owner))
        return v;
    return DK_VIS_INTERNAL;
}

static dk_visibility swift_visibility(struct lang_ctx *cx, TSNode n, int parent_kind)
{
    bool found;
    dk_visibility v = swift_written_visibility(cx, n, &found);
    if (found || parent_kind < 0)
        return v;
    return swift_member_default(cx, n);
}

/* "extension T" (conformances and where clauses are header, not identity). */
static const char *swift_extension_name(struct lang_ctx *cx, TSNode n)
{
    return dk_lang_sprintf(cx, "extension %s", dk_lang_text(cx, swift_field(n, "name")));
}

/* let/var of a property: the value_binding_pattern child (or inside `name`). */
static dk_symbol_kind swift_binding_kind(struct lang_ctx *cx, TSNode n)
{
    TSNode vb = swift_child(n, "value_binding_pattern");
    if (ts_node_is_null(vb))
        vb = swift_child(swift_field(n, "name"), "value_binding_pattern");
    return dk_lang_text_eq(cx, vb, "let") ? DK_SYM_CONSTANT : DK_SYM_VARIABLE;
}

static bool swift_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    const char *t = ts_node_type(n);
    if (strcmp(t, "class_declaration") == 0) {
        TSNode kw = swift_field(n, "declaration_kind");
        d->container = true;
        d->body = swift_field(n, "body");
        d->name_node = swift_field(n, "name");
        if (dk_lang_text_eq(cx, kw, "struct")) {
            d->kind = DK_SYM_STRUCT;
        } else if (dk_lang_text_eq(cx, kw, "enum")) {
            d->kind = DK_SYM_ENUM;
        } else if (dk_lang_text_eq(cx, kw, "extension")) {
            d->kind = DK_SYM_IMPL;
            d->name = swift_extension_name(cx, n);
        } else {
            d->kind = DK_SYM_CLASS; /* class, actor */
        }
    } else if (strcmp(t, "protocol_declaration") == 0) {
        d->kind = DK_SYM_INTERFACE;
        d->container = true;
        d->body = swift_field(n, "body");
        d->name_node = swift_field(n, "name");
    } else if (strcmp(t, "function_declaration") == 0) {
        d->kind = DK_SYM_FUNCTION;
        d->name_node = swift_field(n, "name");
        d->body = swift_field(n, "body");
    } else if (strcmp(t, "protocol_function_declaration") == 0) {
        d->kind = DK_SYM_PROTOTYPE;
        d->name_node = swift_field(n, "name");
    } else if (strcmp(t, "init_declaration") == 0 || strcmp(t, "deinit_declaration") == 0) {
        /* always members; METHOD directly, as a top-level one is a syntax error anyway */
        d->kind = DK_SYM_METHOD;
        d->name = t[0] == 'i' ? "init" : "deinit";
        d->body = swift_field(n, "body");
    } else if (strcmp(t, "subscript_declaration") == 0) {
        d->kind = DK_SYM_METHOD;
        d->name = "subscript";
        d->body = swift_child(n, "computed_property");
    } else if (strcmp(t, "property_declaration") == 0 ||
               strcmp(t, "protocol_property_declaration") == 0) {
        /* `let a = 1, b = 2` is one node: named after its first binding */
        TSNode pat = swift_field(n, "name");
        d->name_node = swift_field(pat, "bound_identifier");
        d->kind = swift_binding_kind(cx, n);
        d->body = swift_field(n, "computed_value");
    } else if (strcmp(t, "typealias_declaration") == 0 ||
               strcmp(t, "associatedtype_declaration") == 0) {
        d->kind = DK_SYM_TYPE;
        d->name_node = swift_field(n, "name");
    } else if (strcmp(t, "enum_entry") == 0) {
        d->kind = DK_SYM_CONSTANT;
        d->name_node = swift_field(n, "name");
    } else {
        return false;
    }
    /* protocol requirements have no body: init and subscript too */
    if (parent_kind == DK_SYM_INTERFACE && d->kind == DK_SYM_METHOD)
        d->kind = DK_SYM_PROTOTYPE;
    if (!d->name && ts_node_is_null(d->name_node))
        return false;
    d->visibility = swift_visibility(cx, n, parent_kind);
    return true;
}

static void swift_import(struct lang_ctx *cx, TSNode n)
{
    TSNode id = swift_child(n, "identifier");
    if (ts_node_is_null(id))
        return;
    /* `import struct A.B`: a keyword between `import` and the path */
    bool single = false;
    uint32_t c = ts_node_child_count(n);
    for (uint32_t i = 0; i < c; i++) {
        TSNode ch = ts_node_child(n, i);
        if (!ts_node_is_named(ch) && !dk_lang_text_eq(cx, ch, "import"))
            single = true;
    }
    uint32_t parts = ts_node_named_child_count(id);
    if (single && parts >= 2) {
        TSNode last = ts_node_named_child(id, parts - 1);
        const char *module =
            dk_lang_text_range(cx, ts_node_start_byte(id), ts_node_start_byte(last));
        size_t ml = strlen(module);
        while (ml > 0 && (module[ml - 1] == '.' || module[ml - 1] == ' '))
            ml--;
        dk_lang_add_import(cx, n, dk_lang_strdup(cx, module, ml), dk_lang_text(cx, last), NULL,
                           true);
        return;
    }
    dk_lang_add_import(cx, n, dk_lang_text(cx, id), NULL, NULL, true);
}

static const char *const swift_exts[] = {"swift", NULL};
static const char *const swift_comments[] = {"comment", "multiline_comment", NULL};
static const char *const swift_imports[] = {"import_declaration", NULL};
static const struct lang_call_rule swift_calls[] = {
    {"call_expression", NULL, NULL},
    {NULL, NULL, NULL},
};
static const char *const swift_members[] = {"navigation_expression", NULL};

const dk_language dk_lang_swift = {
    .name = "swift",
    .grammar = tree_sitter_swift,
    .extensions = swift_exts,
    .comment_types = swift_comments,
    .classify = swift_classify,
    .import_types = swift_imports,
    .import = swift_import,
    .calls = swift_calls,
    .member_types = swift_members,
};
