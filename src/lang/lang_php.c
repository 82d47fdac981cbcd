/*
 * lang/lang_php.c - PHP (the `php` grammar: files with <?php and inline
 * HTML): namespaces, classes, interfaces, traits, enums, methods, functions,
 * constants, properties; `use` and require/include as imports; calls.
 *
 * Names: a namespace `A\B` is module "B" with qualifier "A" (path "A.B").
 * Braced namespaces are containers. A file-scoped `namespace A\B;` is a
 * sibling of the declarations it governs, and the walker cannot adopt
 * siblings as members, so those declarations stay top-level symbols
 * (parent -1) whose qualifier is the namespace: `class C` after
 * `namespace A\B;` is "A.B.C" either way. The module symbol itself spans
 * only its statement. The nameless global namespace `namespace { }` is not
 * a symbol; its members are walked as top-level ones.
 *
 * Kinds: class/interface/trait/enum; method_declaration is a method, or a
 * prototype when it has no body (abstract, interface); enum cases, class
 * constants, `const X = 1;` and `define('X', ...)` are constants;
 * properties are variables named without the `$`. A `const A = 1, B = 2;`
 * or `public $a, $b;` declaration yields its first name only. Visibility is
 * the visibility_modifier, public by default. Attributes (#[...]) are part
 * of the declaration node; doc comments are attached by the walker.
 *
 * Imports: `use A\B\C as D` is module "A\B", name "C", alias "D", the same
 * as the grouped `use A\B\{C as D}`, and always external (namespaces do not
 * say where code lives). require/include with a literal path are internal
 * unless the path is absolute; `__DIR__ . '/x.php'` is "./x.php".
 */
#include "lang/lang_int.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_php(void);

/* Null-safe tree access: the tree-sitter calls dereference a null node. */
static TSNode php_child(TSNode n, const char *type)
{
    return ts_node_is_null(n) ? n : dk_lang_child_of_type(n, type);
}

static uint32_t php_count(TSNode n)
{
    return ts_node_is_null(n) ? 0 : ts_node_named_child_count(n);
}

static TSNode php_nth(TSNode n, uint32_t i)
{
    return ts_node_is_null(n) ? n : ts_node_named_child(n, i);
}

static dk_visibility php_visibility(struct lang_ctx *cx, TSNode n)
{
    TSNode m = php_child(n, "visibility_modifier");
    if (dk_lang_text_eq(cx, m, "private"))
        return DK_VIS_PRIVATE;
    if (dk_lang_text_eq(cx, m, "protected"))
        return DK_VIS_PROTECTED;
    return DK_VIS_PUBLIC;
}

/* Split a namespace path "A\B\C" at its last separator: qualifier "A.B", name "C". */
static void php_split_path(struct lang_ctx *cx, const char *path, const char **qualifier,
                           const char **name)
{
    while (*path == '\\')
        path++;
    const char *last = strrchr(path, '\\');
    if (!last) {
        *qualifier = NULL;
        *name = path;
        return;
    }
    *name = last + 1;
    char *q = (char *)dk_lang_strdup(cx, path, (size_t)(last - path));
    for (char *p = q; *p; p++) {
        if (*p == '\\')
            *p = '.';
    }
    *qualifier = q;
}

/*
 * The file-scoped namespace governing top-level node `n`: the last
 * `namespace X;` statement before it, as a dotted path, or NULL.
 *
 * Why text search: walking the preceding siblings per declaration is
 * quadratic with a large constant. The source before `n` is searched for
 * the keyword (memmem), and only the hits are checked against the tree.
 */
static const char *php_file_namespace(struct lang_ctx *cx, TSNode n)
{
    TSNode program = ts_node_parent(n);
    if (!lang_is(program, "program"))
        return NULL;
    size_t len;
    const char *src = dk_lang_source(cx, &len);
    static const char kw[] = "namespace";
    const size_t kl = sizeof(kw) - 1;
    TSNode found = {0};
    const char *p = src + ts_node_start_byte(program), *stop = src + ts_node_start_byte(n);
    while (p < stop && (p = memmem(p, (size_t)(stop - p), kw, kl)) != NULL) {
        uint32_t off = (uint32_t)(p - src);
        p += kl;
        TSNode def = ts_node_named_descendant_for_byte_range(program, off, (uint32_t)(off + kl));
        if (lang_is(def, "namespace_definition") && ts_node_start_byte(def) == off &&
            ts_node_is_null(lang_field(def, "body")) &&
            ts_node_eq(ts_node_child_with_descendant(program, def), def))
            found = def;
    }
    TSNode name = ts_node_is_null(found) ? found : lang_field(found, "name");
    if (ts_node_is_null(name))
        return NULL;
    const char *q, *last;
    php_split_path(cx, dk_lang_text(cx, name), &q, &last);
    return q ? dk_lang_sprintf(cx, "%s.%s", q, last) : last;
}

/* `define('NAME', value)` as a statement: the string node of NAME, or a null node. */
static TSNode php_define_name(struct lang_ctx *cx, TSNode stmt)
{
    TSNode call = php_nth(stmt, 0);
    if (!lang_is(call, "function_call_expression") ||
        !dk_lang_text_eq(cx, lang_field(call, "function"), "define"))
        return (TSNode){0};
    TSNode args = lang_field(call, "arguments");
    TSNode arg = php_nth(args, 0);
    TSNode s = php_nth(arg, 0);
    if (!lang_is(s, "string") && !lang_is(s, "encapsed_string"))
        return (TSNode){0};
    TSNode content = php_nth(s, 0);
    if (php_count(s) != 1 || !lang_is(content, "string_content"))
        return (TSNode){0};
    return content;
}

static bool php_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    if (lang_is(n, "namespace_definition")) {
        TSNode name = lang_field(n, "name");
        if (ts_node_is_null(name))
            return false; /* global namespace { }: transparent */
        d->kind = DK_SYM_MODULE;
        php_split_path(cx, dk_lang_text(cx, name), &d->qualifier, &d->name);
        d->body = lang_field(n, "body");
        d->container = true;
        return true;
    }
    if (lang_is(n, "class_declaration") || lang_is(n, "interface_declaration") ||
        lang_is(n, "trait_declaration") || lang_is(n, "enum_declaration")) {
        d->kind = lang_is(n, "class_declaration")       ? DK_SYM_CLASS
                  : lang_is(n, "interface_declaration") ? DK_SYM_INTERFACE
                  : lang_is(n, "trait_declaration")     ? DK_SYM_TRAIT
                                                        : DK_SYM_ENUM;
        d->name_node = lang_field(n, "name");
        d->body = lang_field(n, "body");
        d->container = true;
    } else if (lang_is(n, "function_definition")) {
        d->kind = DK_SYM_FUNCTION;
        d->name_node = lang_field(n, "name");
        d->body = lang_field(n, "body");
    } else if (lang_is(n, "method_declaration")) {
        d->name_node = lang_field(n, "name");
        d->body = lang_field(n, "body");
        d->kind = ts_node_is_null(d->body) ? DK_SYM_PROTOTYPE : DK_SYM_METHOD;
        d->visibility = php_visibility(cx, n);
        return !ts_node_is_null(d->name_node);
    } else if (lang_is(n, "const_declaration")) {
        d->kind = DK_SYM_CONSTANT;
        TSNode el = php_child(n, "const_element");
        d->name_node = php_child(el, "name");
        d->visibility = php_visibility(cx, n);
    } else if (lang_is(n, "property_declaration")) {
        d->kind = DK_SYM_VARIABLE;
        TSNode el = php_child(n, "property_element");
        TSNode var = lang_field(el, "name");
        d->name_node = php_child(var, "name");
        d->visibility = php_visibility(cx, n);
        return !ts_node_is_null(d->name_node);
    } else if (lang_is(n, "enum_case")) {
        d->kind = DK_SYM_CONSTANT;
        d->name_node = lang_field(n, "name");
        return !ts_node_is_null(d->name_node);
    } else if (lang_is(n, "expression_statement")) {
        d->kind = DK_SYM_CONSTANT;
        d->name_node = php_define_name(cx, n);
    } else {
        return false;
    }
    if (ts_node_is_null(d->name_node))
        return false;
    if (parent_kind < 0)
        d->qualifier = php_file_namespace(cx, n);
    return true;
}

/* ---- imports ------------------------------------------------------------- */

static void php_use_clause(struct lang_ctx *cx, TSNode at, const char *prefix, TSNode clause)
{
    TSNode path = php_child(clause, "qualified_name");
    if (ts_node_is_null(path))
        path = php_child(clause, "name");
    if (ts_node_is_null(path))
        return;
    const char *alias = dk_lang_text(cx, lang_field(clause, "alias"));
    const char *full = dk_lang_text(cx, path);
    if (prefix)
        full = dk_lang_sprintf(cx, "%s\\%s", prefix, full);
    while (*full == '\\')
        full++;
    const char *last = strrchr(full, '\\');
    if (!last) {
        dk_lang_add_import(cx, at, full, NULL, alias, true);
        return;
    }
    dk_lang_add_import(cx, at, dk_lang_strdup(cx, full, (size_t)(last - full)), last + 1, alias,
                       true);
}

/* The literal path of a require/include argument, or NULL when it is computed. */
static const char *php_include_path(struct lang_ctx *cx, TSNode e)
{
    if (lang_is(e, "parenthesized_expression"))
        e = php_nth(e, 0);
    if (lang_is(e, "string") || lang_is(e, "encapsed_string")) {
        TSNode c = php_nth(e, 0);
        if (php_count(e) != 1 || !lang_is(c, "string_content"))
            return NULL;
        return dk_lang_text(cx, c);
    }
    /* __DIR__ . '/x.php' and dirname(__FILE__) . '/x.php' */
    if (lang_is(e, "binary_expression")) {
        TSNode l = lang_field(e, "left"), r = lang_field(e, "right");
        bool here =
            dk_lang_text_eq(cx, l, "__DIR__") || dk_lang_text_eq(cx, l, "dirname(__FILE__)");
        const char *rest = here ? php_include_path(cx, r) : NULL;
        if (rest)
            return dk_lang_sprintf(cx, ".%s%s", rest[0] == '/' ? "" : "/", rest);
    }
    return NULL;
}

static void php_import(struct lang_ctx *cx, TSNode n)
{
    if (lang_is(n, "namespace_use_declaration")) {
        TSNode group = lang_field(n, "body");
        if (!ts_node_is_null(group)) {
            const char *prefix = dk_lang_text(cx, php_child(n, "namespace_name"));
            uint32_t c = php_count(group);
            for (uint32_t i = 0; i < c; i++) {
                TSNode cl = php_nth(group, i);
                if (lang_is(cl, "namespace_use_clause"))
                    php_use_clause(cx, n, prefix, cl);
            }
            return;
        }
        uint32_t c = php_count(n);
        for (uint32_t i = 0; i < c; i++) {
            TSNode cl = php_nth(n, i);
            if (lang_is(cl, "namespace_use_clause"))
                php_use_clause(cx, n, NULL, cl);
        }
        return;
    }
    /* require / require_once / include / include_once */
    const char *path = php_include_path(cx, php_nth(n, 0));
    if (path)
        dk_lang_add_import(cx, n, path, NULL, NULL, path[0] == '/');
}

static const char *const php_exts[] = {"php", "phtml", "php3", "php4", "php5", "phps", NULL};
static const char *const php_interp[] = {"php", NULL};
static const char *const php_comments[] = {"comment", NULL};
/* the global `namespace { }` and its block (function bodies are never reached) */
static const char *const php_transparent[] = {"namespace_definition", "compound_statement", NULL};
static const char *const php_imports[] = {"namespace_use_declaration", "require_expression",
                                          "require_once_expression",   "include_expression",
                                          "include_once_expression",   NULL};
static const struct lang_call_rule php_calls[] = {
    {"function_call_expression", "function", NULL},
    {"member_call_expression", "name", "object"},
    {"nullsafe_member_call_expression", "name", "object"},
    {"scoped_call_expression", "name", "scope"},
    {"object_creation_expression", NULL, NULL},
    {NULL, NULL, NULL},
};

const dk_language dk_lang_php = {
    .name = "php",
    .grammar = tree_sitter_php,
    .extensions = php_exts,
    .interpreters = php_interp,
    .comment_types = php_comments,
    .transparent_types = php_transparent,
    .classify = php_classify,
    .import_types = php_imports,
    .import = php_import,
    .calls = php_calls,
};
