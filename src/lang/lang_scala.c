/*
 * lang/lang_scala.c - Scala 2 and 3 (tree-sitter-scala).
 *
 * Symbols: class / case class / abstract class -> class, trait -> trait,
 * object and package object -> module, enum (Scala 3) -> enum; all
 * containers. `def` with a body -> function (method inside a type), `def`
 * without one (abstract) -> prototype; `val` -> constant, `var` -> variable
 * (abstract `val x: T` declarations too); `type` -> type; `given` -> constant;
 * Scala 3 `extension (c: Circle)` -> impl named "extension Circle" whose
 * defs are methods. Enum cases: `case A, B` -> one constant per name,
 * `case C(x: Int)` -> class. `val (a, b) = ...` and `val a, b = ...` are not
 * symbols (no single name).
 *
 * Packages: a file-level `package a.b` clause is not a symbol (it names the
 * whole file, which is where dk already keys symbols); a block
 * `package a.b { ... }` is a module container named "a.b", so symbols in two
 * such blocks of one file stay apart.
 *
 * Leading scaladoc and `//` comments attach through the walker;
 * annotations are children of the definition node, so the declaration span
 * already covers them. Visibility: `private` / `private[this]` -> private,
 * `private[pkg]` -> internal, `protected[...]` -> protected, else public.
 *
 * Imports: one record per imported thing. `import a.b.C` -> module "a.b",
 * name "C"; `import a.b.{C, D => E, F as G, _}` -> module "a.b" and one
 * record per selector (alias for renames, name "*" for `_` / `*`);
 * `import a.b._` -> name "*"; `import a` -> module "a", no name. All imports
 * are external: Scala has no relative import syntax.
 *
 * Calls: call_expression (callee in the `function` field); a method call
 * when the callee is a field_expression (`obj.m(...)`). `new C(...)` is not
 * recorded as a call; `f[T](x)` has a generic_function callee, so
 * `obj.f[T](x)` is reported with callee "obj.f[T]" and not as a method call.
 *
 * Known gaps: members of an `object` are functions, not methods (the walker
 * makes methods only inside type containers). A Scala 3 braceless body
 * (indented_block) ends after the whitespace that follows it, so such a
 * def's span runs onto the next line, up to the next member's first token.
 */
#include "lang/lang_int.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_scala(void);

/* lang_field / dk_lang_child_of_type that accept a null node (missing optional parts). */
static TSNode scala_field(TSNode n, const char *field)
{
    return ts_node_is_null(n) ? n : lang_field(n, field);
}

static TSNode scala_child(TSNode n, const char *type)
{
    return ts_node_is_null(n) ? n : dk_lang_child_of_type(n, type);
}

/* Visibility from a `modifiers` child or a bare access_modifier child. */
static dk_visibility scala_visibility(struct lang_ctx *cx, TSNode n)
{
    TSNode am = scala_child(n, "access_modifier");
    if (ts_node_is_null(am)) {
        TSNode mods = scala_child(n, "modifiers");
        if (!ts_node_is_null(mods))
            am = scala_child(mods, "access_modifier");
    }
    if (ts_node_is_null(am))
        return DK_VIS_PUBLIC;
    const char *t = dk_lang_text(cx, am);
    if (strncmp(t, "protected", 9) == 0)
        return DK_VIS_PROTECTED;
    TSNode q = scala_child(am, "access_qualifier");
    if (!ts_node_is_null(q) && !strstr(dk_lang_text(cx, q), "this"))
        return DK_VIS_INTERNAL;
    return DK_VIS_PRIVATE;
}

/* The extended type of `extension (c: T)`: the first parameter's type text. */
static const char *extension_name(struct lang_ctx *cx, TSNode n)
{
    TSNode params = scala_field(n, "parameters");
    TSNode p = scala_child(params, "parameter");
    TSNode ty = scala_field(p, "type");
    if (ts_node_is_null(ty))
        return NULL;
    return dk_lang_sprintf(cx, "extension %s", dk_lang_text(cx, ty));
}

static bool scala_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    (void)parent_kind;
    const char *t = ts_node_type(n);
    if (strcmp(t, "class_definition") == 0) {
        d->kind = DK_SYM_CLASS;
        d->container = true;
    } else if (strcmp(t, "trait_definition") == 0) {
        d->kind = DK_SYM_TRAIT;
        d->container = true;
    } else if (strcmp(t, "object_definition") == 0 || strcmp(t, "package_object") == 0) {
        d->kind = DK_SYM_MODULE;
        d->container = true;
    } else if (strcmp(t, "enum_definition") == 0) {
        d->kind = DK_SYM_ENUM;
        d->container = true;
    } else if (strcmp(t, "package_clause") == 0) {
        /* only the block form `package a { ... }` is a symbol */
        d->body = scala_field(n, "body");
        if (ts_node_is_null(d->body))
            return false;
        d->kind = DK_SYM_MODULE;
        d->container = true;
        d->name_node = scala_field(n, "name");
        return !ts_node_is_null(d->name_node);
    } else if (strcmp(t, "function_definition") == 0) {
        d->kind = DK_SYM_FUNCTION;
    } else if (strcmp(t, "function_declaration") == 0) {
        d->kind = DK_SYM_PROTOTYPE;
    } else if (strcmp(t, "val_definition") == 0 || strcmp(t, "var_definition") == 0) {
        TSNode pat = scala_field(n, "pattern");
        if (!lang_is(pat, "identifier"))
            return false;
        d->kind = t[1] == 'a' && t[2] == 'l' ? DK_SYM_CONSTANT : DK_SYM_VARIABLE;
        d->name_node = pat;
        d->visibility = scala_visibility(cx, n);
        return true;
    } else if (strcmp(t, "val_declaration") == 0 || strcmp(t, "var_declaration") == 0) {
        d->kind = t[1] == 'a' && t[2] == 'l' ? DK_SYM_CONSTANT : DK_SYM_VARIABLE;
    } else if (strcmp(t, "type_definition") == 0) {
        d->kind = DK_SYM_TYPE;
    } else if (strcmp(t, "given_definition") == 0) {
        d->kind = DK_SYM_CONSTANT;
    } else if (strcmp(t, "extension_definition") == 0) {
        d->kind = DK_SYM_IMPL;
        d->name = extension_name(cx, n);
        d->body = scala_field(n, "body");
        /* a single `def` is the body itself; a block holds several */
        d->members = lang_is(d->body, "template_body") ? d->body : n;
        d->container = true;
        return d->name != NULL;
    } else if (strcmp(t, "simple_enum_case") == 0) {
        d->kind = DK_SYM_CONSTANT;
        d->name_node = scala_field(n, "name");
        return !ts_node_is_null(d->name_node);
    } else if (strcmp(t, "full_enum_case") == 0) {
        d->kind = DK_SYM_CLASS;
        d->name_node = scala_field(n, "name");
        return !ts_node_is_null(d->name_node);
    } else {
        return false;
    }
    d->name_node = scala_field(n, "name");
    if (ts_node_is_null(d->name_node))
        return false;
    if (d->kind != DK_SYM_PROTOTYPE && d->kind != DK_SYM_TYPE)
        d->body = scala_field(n, "body");
    d->visibility = scala_visibility(cx, n);
    return true;
}

/* Append one element to a dot-joined path (arena). */
static void path_add(struct lang_ctx *cx, const char **path, const char *s)
{
    *path = *path ? dk_lang_sprintf(cx, "%s.%s", *path, s) : s;
}

/* One record per selector of `{A, B => C, D as E, _}`. */
static void scala_selectors(struct lang_ctx *cx, TSNode at, const char *module, TSNode sel)
{
    uint32_t c = ts_node_named_child_count(sel);
    for (uint32_t i = 0; i < c; i++) {
        TSNode s = ts_node_named_child(sel, i);
        if (lang_is(s, "identifier")) {
            dk_lang_add_import(cx, at, module, dk_lang_text(cx, s), NULL, true);
        } else if (lang_is(s, "arrow_renamed_identifier") || lang_is(s, "as_renamed_identifier")) {
            dk_lang_add_import(cx, at, module, dk_lang_text(cx, scala_field(s, "name")),
                               dk_lang_text(cx, scala_field(s, "alias")), true);
        } else if (lang_is(s, "namespace_wildcard")) {
            dk_lang_add_import(cx, at, module, "*", NULL, true);
        }
    }
}

/* `import a.b.C`: module "a.b", name "C"; a one-element path is a module. */
static void scala_emit_path(struct lang_ctx *cx, TSNode at, const char *prefix, const char *last)
{
    if (!last)
        return;
    if (prefix)
        dk_lang_add_import(cx, at, prefix, last, NULL, true);
    else
        dk_lang_add_import(cx, at, last, NULL, NULL, true);
}

static void scala_import(struct lang_ctx *cx, TSNode n)
{
    /* `import a.b, c.d` is one node whose paths are separated by commas */
    const char *prefix = NULL, *last = NULL;
    bool done = false; /* the current clause already ended in selectors/wildcard/rename */
    uint32_t c = ts_node_child_count(n);
    for (uint32_t i = 0; i < c; i++) {
        TSNode ch = ts_node_child(n, i);
        if (lang_is(ch, "identifier")) {
            /* prefix holds all but the last identifier of the path */
            if (last)
                path_add(cx, &prefix, last);
            last = dk_lang_text(cx, ch);
            continue;
        }
        const char *module = last;
        if (prefix)
            module = last ? dk_lang_sprintf(cx, "%s.%s", prefix, last) : prefix;
        if (lang_is(ch, "namespace_selectors")) {
            if (module)
                scala_selectors(cx, n, module, ch);
            done = true;
        } else if (lang_is(ch, "namespace_wildcard")) {
            if (module)
                dk_lang_add_import(cx, n, module, "*", NULL, true);
            done = true;
        } else if (lang_is(ch, "as_renamed_identifier")) {
            /* `import p.q as r`: the path ends in the renamed name */
            const char *name = dk_lang_text(cx, scala_field(ch, "name"));
            const char *alias = dk_lang_text(cx, scala_field(ch, "alias"));
            if (module)
                dk_lang_add_import(cx, n, module, name, alias, true);
            else
                dk_lang_add_import(cx, n, name, NULL, alias, true);
            done = true;
        } else if (dk_lang_text_eq(cx, ch, ",")) {
            if (!done)
                scala_emit_path(cx, n, prefix, last);
            prefix = last = NULL;
            done = false;
        }
    }
    if (!done)
        scala_emit_path(cx, n, prefix, last);
}

static const char *const scala_exts[] = {"scala", "sc", "sbt", NULL};
static const char *const scala_interp[] = {"scala", NULL};
static const char *const scala_comments[] = {"comment", "block_comment", NULL};
static const char *const scala_transparent[] = {"enum_case_definitions", NULL};
static const char *const scala_imports[] = {"import_declaration", NULL};
static const struct lang_call_rule scala_calls[] = {
    {"call_expression", "function", NULL},
    {NULL, NULL, NULL},
};
static const char *const scala_members[] = {"field_expression", NULL};

const dk_language dk_lang_scala = {
    .name = "scala",
    .grammar = tree_sitter_scala,
    .extensions = scala_exts,
    .interpreters = scala_interp,
    .comment_types = scala_comments,
    .transparent_types = scala_transparent,
    .classify = scala_classify,
    .import_types = scala_imports,
    .import = scala_import,
    .calls = scala_calls,
    .member_types = scala_members,
};
