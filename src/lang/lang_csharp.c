/*
 * lang/lang_csharp.c - C#: namespaces (block and file-scoped), classes,
 * structs, interfaces, enums, records, their members; using directives;
 * invocations and object creation.
 *
 * Symbols:
 *   namespace N { .. }      module container (a dotted name stays one name)
 *   namespace N;            module container whose members are the
 *                           declarations after it (see below)
 *   class / record          class; `record struct` struct; struct struct
 *   interface / enum        interface / enum, containers
 *   enum member             constant (public)
 *   method                  method (function outside a type); without a body
 *                           (abstract, interface, extern, partial) prototype
 *   constructor             method named after the type
 *   finalizer               method named "~Type"
 *   operator                method named "operator +" (the operator token)
 *   property, indexer       variable (a property is state seen from outside;
 *                           an indexer is named "this")
 *   field, event            variable; `const` and `static readonly` fields constant
 *   delegate                type
 * A generic type or method has its arity after its name in the qualified
 * name, as C# writes an unbound generic type (`typeof(Dictionary<,>)`):
 * `Foo<>`, `Foo<>.Bar`, `Map<,>`; the bare name stays `Foo`. C# lets
 * `class Foo` and `class Foo<T>` (and `void M()` and `void M<T>()`) live
 * side by side as different declarations, so their identities differ;
 * renaming a type parameter keeps the identity.
 * Attributes ([Obsolete]) are attribute_list children of the declaration,
 * so spans include them; `///` and other comments directly above attach.
 * A declaration declaring several variables (`int a, b;`) is one symbol
 * named by the first. Local functions, top-level statements and
 * conversion operators are not symbols. `#if`/`#elif`/`#else` blocks are
 * transparent (both branches' declarations are extracted).
 *
 * File-scoped namespaces: the grammar makes `namespace N;` a childless
 * node and the declarations after it its siblings. The namespace symbol is
 * therefore declared over the whole compilation unit (its span, decl and
 * body are the file; its signature is empty) and walks the unit's members;
 * in that walk the namespace node itself is skipped, and at top level every
 * declaration after it is skipped (it was recorded as a member).
 *
 * Visibility: from the modifiers (public, protected, internal, private;
 * "protected internal" and "private protected" are protected). Defaults:
 * types in a namespace or at top level internal, members of classes,
 * structs and records (nested types included) private, members of
 * interfaces and enum members public, namespaces public.
 *
 * Imports: one record per using directive: module = the namespace or type
 * (`using static T;` included), alias from `using A = T;`, name NULL;
 * always external.
 *
 * Calls: invocation_expression (a method call when the callee is a
 * member_access_expression or a null-conditional `a?.B`) and
 * object_creation_expression (callee = the type as written).
 *
 * Conventions: all strings go to the analysis arena (dk_lang_text & co).
 */
#include "lang/lang_int.h"
#include "util/str.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_c_sharp(void);

static bool cs_has_modifier(struct lang_ctx *cx, TSNode n, const char *word)
{
    uint32_t c = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < c; i++) {
        TSNode ch = ts_node_named_child(n, i);
        if (lang_is(ch, "modifier") && dk_lang_text_eq(cx, ch, word))
            return true;
    }
    return false;
}

static dk_visibility cs_visibility(struct lang_ctx *cx, TSNode n, int parent_kind)
{
    if (cs_has_modifier(cx, n, "public"))
        return DK_VIS_PUBLIC;
    if (cs_has_modifier(cx, n, "protected"))
        return DK_VIS_PROTECTED;
    if (cs_has_modifier(cx, n, "internal"))
        return DK_VIS_INTERNAL;
    if (cs_has_modifier(cx, n, "private"))
        return DK_VIS_PRIVATE;
    if (parent_kind == DK_SYM_INTERFACE || parent_kind == DK_SYM_ENUM)
        return DK_VIS_PUBLIC;
    if (parent_kind < 0 || parent_kind == DK_SYM_MODULE)
        return DK_VIS_INTERNAL;
    return DK_VIS_PRIVATE;
}

/* #if / #elif / #else blocks: their declarations belong to the enclosing level */
static const char *const cs_transparent[] = {"preproc_if", "preproc_elif", "preproc_else", NULL};

/* ---- file-scoped namespaces ---------------------------------------------- */

/*
 * The file-scoped namespace among the unit's leading children, or a null
 * node. C# only allows extern aliases, usings, global attributes (and
 * comments, preprocessor lines) before it, so the scan stops at the first
 * other node: it costs the number of usings, not the number of declarations.
 */
static TSNode cs_file_namespace(TSNode unit)
{
    uint32_t c = ts_node_named_child_count(unit);
    for (uint32_t i = 0; i < c; i++) {
        TSNode ch = ts_node_named_child(unit, i);
        if (lang_is(ch, "file_scoped_namespace_declaration"))
            return ch;
        if (!lang_is(ch, "using_directive") && !lang_is(ch, "extern_alias_directive") &&
            !lang_is(ch, "global_attribute") && !lang_is(ch, "comment") &&
            !lang_is(ch, "preproc_region") && !lang_is(ch, "preproc_endregion") &&
            !lang_is(ch, "preproc_pragma") && !lang_is(ch, "preproc_nullable"))
            break;
    }
    return (TSNode){0};
}

/* True when top-level `n` (maybe inside #if blocks) follows a file-scoped namespace. */
static bool cs_after_file_namespace(TSNode n)
{
    TSNode unit = ts_node_parent(n);
    while (dk_lang_is_any(unit, cs_transparent))
        unit = ts_node_parent(unit);
    if (!lang_is(unit, "compilation_unit"))
        return false;
    TSNode ns = cs_file_namespace(unit);
    return !ts_node_is_null(ns) && ts_node_start_byte(n) >= ts_node_end_byte(ns);
}

/* ---- declarations -------------------------------------------------------- */

/* "<>", "<,>", ... for a declaration with type parameters; NULL without. */
static const char *cs_arity(struct lang_ctx *cx, TSNode n)
{
    TSNode list = lang_field(n, "type_parameters");
    if (ts_node_is_null(list))
        list = dk_lang_child_of_type(n, "type_parameter_list");
    uint32_t k = 0, c = ts_node_is_null(list) ? 0 : ts_node_named_child_count(list);
    for (uint32_t i = 0; i < c; i++)
        k += lang_is(ts_node_named_child(list, i), "type_parameter");
    if (k == 0)
        return NULL;
    dk_str s = DK_STR_INIT;
    dk_str_addch(&s, '<');
    for (uint32_t i = 1; i < k; i++)
        dk_str_addch(&s, ',');
    dk_str_addch(&s, '>');
    const char *r = dk_lang_strdup(cx, s.ptr, s.len);
    dk_str_release(&s);
    return r;
}

/* Name of a field / event field: the first declarator of its variable_declaration. */
static TSNode cs_declarator_name(TSNode n)
{
    TSNode vd = dk_lang_child_of_type(n, "variable_declaration");
    if (ts_node_is_null(vd))
        return vd;
    TSNode decl = dk_lang_child_of_type(vd, "variable_declarator");
    return ts_node_is_null(decl) ? decl : lang_field(decl, "name");
}

static bool cs_classify_member(struct lang_ctx *cx, TSNode n, struct lang_decl *d)
{
    const char *t = ts_node_type(n);
    if (strcmp(t, "method_declaration") == 0) {
        d->name_node = lang_field(n, "name");
        d->body = lang_field(n, "body");
        d->kind = ts_node_is_null(d->body) ? DK_SYM_PROTOTYPE : DK_SYM_FUNCTION;
    } else if (strcmp(t, "constructor_declaration") == 0) {
        d->name_node = lang_field(n, "name");
        d->body = lang_field(n, "body");
        d->kind = DK_SYM_METHOD;
    } else if (strcmp(t, "destructor_declaration") == 0) {
        d->name = dk_lang_sprintf(cx, "~%s", dk_lang_text(cx, lang_field(n, "name")));
        d->body = lang_field(n, "body");
        d->kind = DK_SYM_METHOD;
    } else if (strcmp(t, "operator_declaration") == 0) {
        TSNode op = lang_field(n, "operator");
        if (ts_node_is_null(op))
            return false;
        d->name = dk_lang_sprintf(cx, "operator %s", dk_lang_text(cx, op));
        d->body = lang_field(n, "body");
        d->kind = DK_SYM_METHOD;
    } else if (strcmp(t, "property_declaration") == 0) {
        d->name_node = lang_field(n, "name");
        d->kind = DK_SYM_VARIABLE;
    } else if (strcmp(t, "indexer_declaration") == 0) {
        d->name = "this";
        d->kind = DK_SYM_VARIABLE;
    } else if (strcmp(t, "field_declaration") == 0 || strcmp(t, "event_field_declaration") == 0) {
        d->name_node = cs_declarator_name(n);
        bool constant = cs_has_modifier(cx, n, "const") ||
                        (cs_has_modifier(cx, n, "static") && cs_has_modifier(cx, n, "readonly"));
        d->kind = constant ? DK_SYM_CONSTANT : DK_SYM_VARIABLE;
    } else if (strcmp(t, "event_declaration") == 0) {
        d->name_node = lang_field(n, "name");
        d->kind = DK_SYM_VARIABLE;
    } else if (strcmp(t, "enum_member_declaration") == 0) {
        d->name_node = lang_field(n, "name");
        d->kind = DK_SYM_CONSTANT;
    } else {
        return false;
    }
    return true;
}

static bool cs_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    const char *t = ts_node_type(n);
    if (strcmp(t, "file_scoped_namespace_declaration") == 0) {
        /* the re-walk of the unit as the namespace's members meets it again */
        if (parent_kind >= 0)
            return false;
        TSNode unit = ts_node_parent(n);
        if (!lang_is(unit, "compilation_unit"))
            return false;
        d->kind = DK_SYM_MODULE;
        d->name_node = lang_field(n, "name");
        d->node = unit;
        d->body = unit;
        d->container = true;
        d->visibility = DK_VIS_PUBLIC;
        return !ts_node_is_null(d->name_node);
    }
    if (parent_kind < 0 && cs_after_file_namespace(n))
        return false; /* a member of the file-scoped namespace, already recorded */

    d->name_node = lang_field(n, "name");
    d->body = lang_field(n, "body");
    if (strcmp(t, "namespace_declaration") == 0) {
        d->kind = DK_SYM_MODULE;
        d->container = true;
        d->visibility = DK_VIS_PUBLIC;
        return !ts_node_is_null(d->name_node);
    } else if (strcmp(t, "class_declaration") == 0) {
        d->kind = DK_SYM_CLASS;
        d->container = true;
    } else if (strcmp(t, "record_declaration") == 0) {
        bool value = !ts_node_is_null(dk_lang_any_child_of_type(n, "struct"));
        d->kind = value ? DK_SYM_STRUCT : DK_SYM_CLASS;
        d->container = true;
    } else if (strcmp(t, "struct_declaration") == 0) {
        d->kind = DK_SYM_STRUCT;
        d->container = true;
    } else if (strcmp(t, "interface_declaration") == 0) {
        d->kind = DK_SYM_INTERFACE;
        d->container = true;
    } else if (strcmp(t, "enum_declaration") == 0) {
        d->kind = DK_SYM_ENUM;
        d->container = true;
    } else if (strcmp(t, "delegate_declaration") == 0) {
        d->kind = DK_SYM_TYPE;
        d->body = (TSNode){0};
    } else {
        memset(d, 0, sizeof(*d));
        if (!cs_classify_member(cx, n, d))
            return false;
    }
    d->visibility = cs_visibility(cx, n, parent_kind);
    d->suffix = cs_arity(cx, n);
    return d->name || !ts_node_is_null(d->name_node);
}

/* ---- imports ------------------------------------------------------------- */

static void cs_import(struct lang_ctx *cx, TSNode n)
{
    /* `using A = T;` names the alias in the name field; the target is the other named child */
    TSNode alias = lang_field(n, "name");
    TSNode target = {0};
    uint32_t c = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < c; i++) {
        TSNode ch = ts_node_named_child(n, i);
        if (!ts_node_eq(ch, alias) && !lang_is(ch, "comment")) {
            target = ch;
            break;
        }
    }
    if (ts_node_is_null(target)) {
        /* `using System;`: the grammar may put the only identifier in the name field */
        target = alias;
        alias = (TSNode){0};
    }
    dk_lang_add_import(cx, n, dk_lang_text(cx, target), NULL, dk_lang_text(cx, alias), true);
}

/* ---- table --------------------------------------------------------------- */

static const char *const cs_exts[] = {"cs", NULL};
static const char *const cs_comments[] = {"comment", NULL};
static const char *const cs_imports[] = {"using_directive", NULL};
static const struct lang_call_rule cs_calls[] = {
    {"invocation_expression", "function", NULL},
    {"object_creation_expression", "type", NULL},
    {NULL, NULL, NULL},
};
static const char *const cs_members[] = {"member_access_expression",
                                         "conditional_access_expression", NULL};
/* statements: what a method body merges by (merge/stmt.c); a switch's sections are units */
static const char *const cs_statement_lists[] = {"block", "switch_body", NULL};

const dk_language dk_lang_csharp = {
    .name = "csharp",
    .grammar = tree_sitter_c_sharp,
    .extensions = cs_exts,
    .comment_types = cs_comments,
    .transparent_types = cs_transparent,
    .classify = cs_classify,
    .import_types = cs_imports,
    .import = cs_import,
    .calls = cs_calls,
    .member_types = cs_members,
    .statement_lists = cs_statement_lists,
    .overloads = LANG_OVERLOADS_ALL,
};
