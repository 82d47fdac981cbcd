/*
 * lang/lang_rust.c - Rust: items, impl blocks, traits, modules, macros,
 * `use` trees and calls.
 *
 * Symbols:
 *   fn                      function (method inside impl/trait: lang.c)
 *   fn without body         prototype (trait method signatures, extern blocks)
 *   struct / enum / union   struct / enum / union (fields and variants are not symbols)
 *   trait                   trait, a container of its fns, consts and types
 *   impl                    impl container, named by normalised head (below)
 *   type X = ..             type
 *   const                   constant
 *   static                  constant, `static mut` variable (an immutable static
 *                           is a constant with an address)
 *   mod x { .. } / mod x;   module (a container when it has a body)
 *   macro_rules! m          macro
 *   m! { .. fn f .. }       macro: an item-level macro invocation whose token
 *                           tree declares exactly one named item (an item
 *                           keyword directly followed by a name, at the top
 *                           level of the tree), named "m! f"
 *                           (`define_sql_function! { fn f(..) }`, `cfg_rt! {
 *                           pub mod rt; }`); other invocations stay text
 * `extern "C" { .. }` blocks are transparent: their items sit at the level
 * of the block.
 *
 * Impl names: "impl " [ "!" ] TRAIT " for " TYPE, or "impl " TYPE. TRAIT and
 * TYPE are the source text with whitespace runs collapsed to one space
 * (type arguments and paths kept as written); the impl's own generic
 * parameter list `impl<T: Bound>` and any where clause are dropped, since
 * they only bind names. So `impl<T> std::fmt::Display for Wrapper<T>` is
 * "impl std::fmt::Display for Wrapper<T>".
 *
 * Visibility: `pub` public; `pub(crate)`, `pub(super)`, `pub(in path)` and
 * the old `crate` internal; `pub(self)` and nothing private. Items of a trait
 * and of a trait impl take no modifier and are public (as visible as the
 * trait); impl blocks themselves are public; macro_rules! is public when a
 * leading attribute says #[macro_export], else private.
 *
 * Imports: one record per leaf of a `use` tree: module = the path before the
 * leaf joined with "::", name = the leaf ("*" for a glob), alias from `as`.
 * `self` in a group names the group's path itself (`io::{self}` gives
 * module "std", name "io"). A single-segment `use foo;` has module "foo" and
 * no name. `extern crate x [as y]` is module x. Internal when the path
 * starts with crate, self or super.
 *
 * Calls: call_expression (a method call when the callee is a
 * field_expression) and macro invocations, whose callee is the macro path
 * without the "!" (the generic call rules cannot append it).
 *
 * Conventions: all strings go to the analysis arena (dk_lang_text & co).
 */
#include "lang/lang_int.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_rust(void);

/* ---- helpers ------------------------------------------------------------- */

/*
 * Source text of [start, end) with whitespace runs collapsed to one space,
 * and dropped after an opening bracket and before a closing one or a comma
 * (`Vec<\n    T,\n>` is "Vec<T,>", `HashMap<K, V>` stays as it is). The
 * arena copy is fresh and ours, so it is compacted in place.
 */
static const char *rs_collapsed(struct lang_ctx *cx, uint32_t start, uint32_t end)
{
    char *s = (char *)dk_lang_text_range(cx, start, end);
    size_t w = 0;
    bool space = false;
    for (size_t r = 0; s[r]; r++) {
        char c = s[r];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = w > 0;
            continue;
        }
        if (space && !strchr(">)],", c) && !strchr("<([", s[w - 1]))
            s[w++] = ' ';
        space = false;
        s[w++] = c;
    }
    s[w] = '\0';
    return s;
}

static const char *rs_node_collapsed(struct lang_ctx *cx, TSNode n)
{
    return rs_collapsed(cx, ts_node_start_byte(n), ts_node_end_byte(n));
}

static dk_visibility rs_visibility(struct lang_ctx *cx, TSNode n)
{
    TSNode v = dk_lang_child_of_type(n, "visibility_modifier");
    if (ts_node_is_null(v))
        return DK_VIS_PRIVATE;
    if (dk_lang_text_eq(cx, v, "pub"))
        return DK_VIS_PUBLIC;
    if (!ts_node_is_null(dk_lang_child_of_type(v, "self")))
        return DK_VIS_PRIVATE; /* pub(self) */
    return DK_VIS_INTERNAL;
}

/* True when `n` sits in the body of `impl Trait for Type`. */
static bool rs_in_trait_impl(TSNode n)
{
    TSNode list = ts_node_parent(n);
    if (!lang_is(list, "declaration_list"))
        return false;
    TSNode impl = ts_node_parent(list);
    return lang_is(impl, "impl_item") && !ts_node_is_null(lang_field(impl, "trait"));
}

/* True when an attribute directly above `n` mentions macro_export. */
static bool rs_macro_exported(struct lang_ctx *cx, TSNode n)
{
    for (TSNode p = ts_node_prev_named_sibling(n); !ts_node_is_null(p);
         p = ts_node_prev_named_sibling(p)) {
        if (lang_is(p, "line_comment") || lang_is(p, "block_comment"))
            continue;
        if (!lang_is(p, "attribute_item"))
            break;
        const char *t = dk_lang_text(cx, p);
        if (strstr(t, "macro_export"))
            return true;
    }
    return false;
}

static const char *rs_impl_name(struct lang_ctx *cx, TSNode n)
{
    TSNode trait = lang_field(n, "trait"), type = lang_field(n, "type");
    if (ts_node_is_null(type))
        return NULL;
    const char *ty = rs_node_collapsed(cx, type);
    if (ts_node_is_null(trait))
        return dk_lang_sprintf(cx, "impl %s", ty);
    /* `impl !Send for T`: the "!" is an anonymous child just before the trait */
    TSNode before = ts_node_prev_sibling(trait);
    const char *neg = dk_lang_text_eq(cx, before, "!") ? "!" : "";
    return dk_lang_sprintf(cx, "impl %s%s for %s", neg, rs_node_collapsed(cx, trait), ty);
}

/*
 * "m! f" for an item-level macro invocation whose token tree names exactly
 * one item: one item keyword (an anonymous token in a token tree) directly
 * followed by an identifier at the tree's top level. NULL otherwise: no such
 * item, or several (a block of items changes its name whenever a side adds
 * one in front, which would read as a deletion and an addition).
 */
static const char *rs_macro_item_name(struct lang_ctx *cx, TSNode n)
{
    static const char *const keywords[] = {"fn",   "struct", "enum",   "union", "trait",
                                           "type", "const",  "static", "mod",   NULL};
    TSNode tt = dk_lang_child_of_type(n, "token_tree");
    TSNode mac = lang_field(n, "macro");
    if (ts_node_is_null(tt) || ts_node_is_null(mac))
        return NULL;
    const char *name = NULL;
    uint32_t c = ts_node_child_count(tt);
    for (uint32_t i = 0; i + 1 < c; i++) {
        TSNode k = ts_node_child(tt, i);
        if (ts_node_is_named(k) || !dk_lang_is_any(k, keywords))
            continue;
        TSNode id = ts_node_child(tt, i + 1);
        if (!lang_is(id, "identifier"))
            continue;
        if (name)
            return NULL;
        name = dk_lang_text(cx, id);
    }
    return name ? dk_lang_sprintf(cx, "%s! %s", rs_node_collapsed(cx, mac), name) : NULL;
}

/* ---- declarations -------------------------------------------------------- */

static bool rs_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    const char *t = ts_node_type(n);
    d->name_node = lang_field(n, "name");
    d->visibility = rs_visibility(cx, n);
    if (strcmp(t, "function_item") == 0) {
        d->kind = DK_SYM_FUNCTION;
        d->body = lang_field(n, "body");
    } else if (strcmp(t, "function_signature_item") == 0) {
        d->kind = DK_SYM_PROTOTYPE;
    } else if (strcmp(t, "struct_item") == 0) {
        d->kind = DK_SYM_STRUCT;
        d->body = lang_field(n, "body");
    } else if (strcmp(t, "enum_item") == 0) {
        d->kind = DK_SYM_ENUM;
        d->body = lang_field(n, "body");
    } else if (strcmp(t, "union_item") == 0) {
        d->kind = DK_SYM_UNION;
        d->body = lang_field(n, "body");
    } else if (strcmp(t, "trait_item") == 0) {
        d->kind = DK_SYM_TRAIT;
        d->body = lang_field(n, "body");
        d->container = true;
    } else if (strcmp(t, "impl_item") == 0) {
        d->kind = DK_SYM_IMPL;
        d->name = rs_impl_name(cx, n);
        d->body = lang_field(n, "body");
        d->container = true;
        d->visibility = DK_VIS_PUBLIC;
    } else if (strcmp(t, "type_item") == 0 || strcmp(t, "associated_type") == 0) {
        d->kind = DK_SYM_TYPE;
    } else if (strcmp(t, "const_item") == 0) {
        d->kind = DK_SYM_CONSTANT;
    } else if (strcmp(t, "static_item") == 0) {
        bool mut = !ts_node_is_null(dk_lang_child_of_type(n, "mutable_specifier"));
        d->kind = mut ? DK_SYM_VARIABLE : DK_SYM_CONSTANT;
    } else if (strcmp(t, "mod_item") == 0) {
        d->kind = DK_SYM_MODULE;
        d->body = lang_field(n, "body");
        d->container = !ts_node_is_null(d->body);
    } else if (strcmp(t, "macro_definition") == 0) {
        d->kind = DK_SYM_MACRO;
        d->visibility = rs_macro_exported(cx, n) ? DK_VIS_PUBLIC : DK_VIS_PRIVATE;
    } else if (strcmp(t, "macro_invocation") == 0) {
        d->kind = DK_SYM_MACRO;
        d->name = rs_macro_item_name(cx, n);
        if (!d->name)
            return false;
    } else {
        return false;
    }
    if (parent_kind == DK_SYM_TRAIT || (parent_kind == DK_SYM_IMPL && rs_in_trait_impl(n)))
        d->visibility = DK_VIS_PUBLIC;
    return d->name || !ts_node_is_null(d->name_node);
}

/* ---- imports ------------------------------------------------------------- */

static bool rs_is_local_root(const char *path)
{
    static const char *const roots[] = {"crate", "self", "super", NULL};
    for (const char *const *r = roots; *r; r++) {
        size_t n = strlen(*r);
        if (strncmp(path, *r, n) == 0 && (path[n] == '\0' || path[n] == ':'))
            return true;
    }
    return false;
}

/* Record the leaf `full` (a complete path, "::"-joined) with an optional alias. */
static void rs_add_leaf(struct lang_ctx *cx, TSNode at, const char *full, const char *alias)
{
    if (strncmp(full, "::", 2) == 0)
        full += 2; /* `use ::std::fs;`: the leading "::" only says "a crate" */
    const char *sep = NULL;
    for (const char *p = full; (p = strstr(p, "::")) != NULL; p += 2)
        sep = p;
    bool external = !rs_is_local_root(full);
    if (!sep) {
        /* `use foo;` */
        dk_lang_add_import(cx, at, full, NULL, alias, external);
        return;
    }
    const char *module = dk_lang_strdup(cx, full, (size_t)(sep - full));
    dk_lang_add_import(cx, at, module, sep + 2, alias, external);
}

static const char *rs_join(struct lang_ctx *cx, const char *prefix, const char *part)
{
    if (!prefix || !*prefix)
        return part;
    return dk_lang_sprintf(cx, "%s::%s", prefix, part);
}

/* Walk one node of a use tree below `prefix` (NULL at the root). */
static void rs_use_tree(struct lang_ctx *cx, TSNode at, TSNode n, const char *prefix, int depth)
{
    if (ts_node_is_null(n) || depth > 32)
        return;
    if (lang_is(n, "use_as_clause")) {
        TSNode path = lang_field(n, "path");
        const char *full = lang_is(path, "self") && prefix
                               ? prefix
                               : rs_join(cx, prefix, rs_node_collapsed(cx, path));
        rs_add_leaf(cx, at, full, dk_lang_text(cx, lang_field(n, "alias")));
    } else if (lang_is(n, "use_wildcard")) {
        TSNode path = ts_node_named_child(n, 0);
        const char *module =
            ts_node_is_null(path) ? prefix : rs_join(cx, prefix, rs_node_collapsed(cx, path));
        if (module && strncmp(module, "::", 2) == 0)
            module += 2;
        if (module && *module)
            dk_lang_add_import(cx, at, module, "*", NULL, !rs_is_local_root(module));
    } else if (lang_is(n, "scoped_use_list")) {
        TSNode path = lang_field(n, "path");
        const char *p =
            ts_node_is_null(path) ? prefix : rs_join(cx, prefix, rs_node_collapsed(cx, path));
        rs_use_tree(cx, at, lang_field(n, "list"), p, depth + 1);
    } else if (lang_is(n, "use_list")) {
        uint32_t c = ts_node_named_child_count(n);
        for (uint32_t i = 0; i < c; i++) {
            TSNode ch = ts_node_named_child(n, i);
            if (lang_is(ch, "line_comment") || lang_is(ch, "block_comment"))
                continue;
            rs_use_tree(cx, at, ch, prefix, depth + 1);
        }
    } else if (lang_is(n, "self") && prefix) {
        rs_add_leaf(cx, at, prefix, NULL);
    } else {
        /* identifier, scoped_identifier, crate, self, super */
        rs_add_leaf(cx, at, rs_join(cx, prefix, rs_node_collapsed(cx, n)), NULL);
    }
}

static void rs_import(struct lang_ctx *cx, TSNode n)
{
    if (lang_is(n, "extern_crate_declaration")) {
        const char *name = dk_lang_text(cx, lang_field(n, "name"));
        dk_lang_add_import(cx, n, name, NULL, dk_lang_text(cx, lang_field(n, "alias")),
                           !rs_is_local_root(name));
        return;
    }
    rs_use_tree(cx, n, lang_field(n, "argument"), NULL, 0);
}

/* ---- table --------------------------------------------------------------- */

static const char *const rs_exts[] = {"rs", NULL};
static const char *const rs_comments[] = {"line_comment", "block_comment", NULL};
static const char *const rs_attributes[] = {"attribute_item", NULL};
/* extern "C" { ... }: the block and its declaration_list hold plain items */
static const char *const rs_transparent[] = {"foreign_mod_item", "declaration_list", NULL};
static const char *const rs_imports[] = {"use_declaration", "extern_crate_declaration", NULL};
static const struct lang_call_rule rs_calls[] = {
    {"call_expression", "function", NULL},
    {"macro_invocation", "macro", NULL},
    {NULL, NULL, NULL},
};
static const char *const rs_members[] = {"field_expression", NULL};

/* statements: what a function body merges by (merge/stmt.c) */
static const char *const rust_statement_lists[] = {"block", "match_block", NULL};
/* a struct's fields, an enum's variants, a `use a::{b, c}` list, a derive's traits */
static const char *const rs_fields[] = {"field_declaration", NULL};
static const char *const rs_variants[] = {"enum_variant", NULL};
static const char *const rs_paths[] = {"identifier", "scoped_identifier", NULL};
static const struct lang_member_list rs_member_lists[] = {
    {"field_declaration_list", NULL, NULL, rs_fields, false},
    {"enum_variant_list", NULL, NULL, rs_variants, false},
    {"use_list", NULL, NULL, NULL, false},
    {"token_tree", "attribute", NULL, rs_paths, false},
    {NULL, NULL, NULL, NULL, false},
};

const dk_language dk_lang_rust = {
    .name = "rust",
    .grammar = tree_sitter_rust,
    .extensions = rs_exts,
    .comment_types = rs_comments,
    .attribute_types = rs_attributes,
    .transparent_types = rs_transparent,
    .classify = rs_classify,
    .import_types = rs_imports,
    .import = rs_import,
    .calls = rs_calls,
    .member_types = rs_members,
    .statement_lists = rust_statement_lists,
    .member_lists = rs_member_lists,
};
