/*
 * lang/lang_java.c - Java: classes, interfaces, enums, records and
 * annotation types (nested ones too), methods, constructors, fields and enum
 * constants; imports; method calls and object creation.
 *
 * Symbols:
 *   class / record          class (a record is a class), container
 *   interface / @interface  interface, container
 *   enum                    enum, container of its constants and body declarations
 *   method                  method; without a body (abstract, interface) prototype
 *   annotation element      prototype (`String value() default "";`)
 *   constructor             method named after the class (compact record
 *                           constructors too)
 *   field                   variable; `static final` fields, interface fields
 *                           and enum constants constant. A field declaring
 *                           several variables (`int a, b;`) is one symbol
 *                           named by the first.
 * Annotations are inside the declaration's `modifiers`, so spans include
 * them; javadoc and other comments directly above attach as usual. The
 * package declaration is not a symbol; local and anonymous classes (inside
 * method bodies) are not walked.
 *
 * Visibility: public / protected / private from the modifiers; none means
 * package-private, reported as internal, except in interfaces and
 * annotation types (members are public) and for enum constants (public).
 *
 * Imports: module = the package (or class, for static imports) path, name =
 * the last segment or "*" for on-demand imports; always external.
 *
 * Calls: method_invocation (callee from the receiver through the name, a
 * method call when there is a receiver) and object_creation_expression
 * (callee = the type as written, e.g. "ArrayList<>").
 *
 * Conventions: all strings go to the analysis arena (dk_lang_text & co).
 */
#include "lang/lang_int.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_java(void);

/*
 * dk_lang_has_child_text and lang_field dereference their node: a declaration
 * without modifiers (or a declarator lost to a syntax error) has a null one.
 */
static bool java_has_modifier(struct lang_ctx *cx, TSNode mods, const char *word)
{
    return !ts_node_is_null(mods) && dk_lang_has_child_text(cx, mods, word);
}

static TSNode java_field(TSNode n, const char *field)
{
    return ts_node_is_null(n) ? n : lang_field(n, field);
}

static dk_visibility java_visibility(struct lang_ctx *cx, TSNode mods, int parent_kind)
{
    if (java_has_modifier(cx, mods, "public"))
        return DK_VIS_PUBLIC;
    if (java_has_modifier(cx, mods, "protected"))
        return DK_VIS_PROTECTED;
    if (java_has_modifier(cx, mods, "private"))
        return DK_VIS_PRIVATE;
    return parent_kind == DK_SYM_INTERFACE ? DK_VIS_PUBLIC : DK_VIS_INTERNAL;
}

static bool java_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    const char *t = ts_node_type(n);
    TSNode mods = dk_lang_child_of_type(n, "modifiers");
    d->name_node = lang_field(n, "name");
    d->body = lang_field(n, "body");
    if (strcmp(t, "class_declaration") == 0 || strcmp(t, "record_declaration") == 0) {
        d->kind = DK_SYM_CLASS;
        d->container = true;
    } else if (strcmp(t, "interface_declaration") == 0 ||
               strcmp(t, "annotation_type_declaration") == 0) {
        d->kind = DK_SYM_INTERFACE;
        d->container = true;
    } else if (strcmp(t, "enum_declaration") == 0) {
        d->kind = DK_SYM_ENUM;
        d->container = true;
    } else if (strcmp(t, "method_declaration") == 0) {
        d->kind = ts_node_is_null(d->body) ? DK_SYM_PROTOTYPE : DK_SYM_FUNCTION;
    } else if (strcmp(t, "annotation_type_element_declaration") == 0) {
        d->kind = DK_SYM_PROTOTYPE;
    } else if (strcmp(t, "constructor_declaration") == 0 ||
               strcmp(t, "compact_constructor_declaration") == 0) {
        d->kind = DK_SYM_METHOD;
    } else if (strcmp(t, "field_declaration") == 0 || strcmp(t, "constant_declaration") == 0) {
        d->name_node = java_field(lang_field(n, "declarator"), "name");
        d->body = (TSNode){0};
        bool constant =
            strcmp(t, "constant_declaration") == 0 || parent_kind == DK_SYM_INTERFACE ||
            (java_has_modifier(cx, mods, "static") && java_has_modifier(cx, mods, "final"));
        d->kind = constant ? DK_SYM_CONSTANT : DK_SYM_VARIABLE;
    } else if (strcmp(t, "enum_constant") == 0) {
        d->kind = DK_SYM_CONSTANT;
        d->visibility = DK_VIS_PUBLIC;
        return !ts_node_is_null(d->name_node);
    } else {
        return false;
    }
    d->visibility = java_visibility(cx, mods, parent_kind);
    return !ts_node_is_null(d->name_node);
}

static void java_import(struct lang_ctx *cx, TSNode n)
{
    TSNode path = dk_lang_child_of_type(n, "scoped_identifier");
    if (ts_node_is_null(path))
        path = dk_lang_child_of_type(n, "identifier");
    if (ts_node_is_null(path))
        return;
    if (!ts_node_is_null(dk_lang_child_of_type(n, "asterisk"))) {
        dk_lang_add_import(cx, n, dk_lang_text(cx, path), "*", NULL, true);
    } else if (lang_is(path, "scoped_identifier")) {
        dk_lang_add_import(cx, n, dk_lang_text(cx, lang_field(path, "scope")),
                           dk_lang_text(cx, lang_field(path, "name")), NULL, true);
    } else {
        dk_lang_add_import(cx, n, dk_lang_text(cx, path), NULL, NULL, true);
    }
}

static const char *const java_exts[] = {"java", NULL};
static const char *const java_comments[] = {"line_comment", "block_comment", NULL};
static const char *const java_transparent[] = {"enum_body_declarations", NULL};
static const char *const java_imports[] = {"import_declaration", NULL};
static const struct lang_call_rule java_calls[] = {
    {"method_invocation", "name", "object"},
    {"object_creation_expression", "type", NULL},
    {NULL, NULL, NULL},
};

/* statements: what a function body merges by (merge/stmt.c) */
static const char *const java_statement_lists[] = {"block", "constructor_body", "switch_block",
                                                   "switch_block_statement_group", NULL};

const dk_language dk_lang_java = {
    .name = "java",
    .grammar = tree_sitter_java,
    .extensions = java_exts,
    .comment_types = java_comments,
    .transparent_types = java_transparent,
    .classify = java_classify,
    .import_types = java_imports,
    .import = java_import,
    .calls = java_calls,
    .statement_lists = java_statement_lists,
    .overloads = LANG_OVERLOADS_ALL,
};
