/*
 * lang/lang_julia.c - Julia (tree-sitter-julia).
 *
 * Symbols: `function f(...) ... end` and the short form `f(x) = ...` ->
 * function (both with `::T` return types and `where` clauses; `Base.show(io,
 * x) = ...` is "show" qualified by "Base"); `function f end` too; `macro m`
 * -> macro; `struct` / `mutable struct` -> struct (a container: inner
 * constructors are its methods; fields are not symbols); `abstract type` /
 * `primitive type` -> type; `module` / `baremodule` -> module container;
 * `const X = ...` -> constant; a plain `x = ...` at module level ->
 * variable. Visibility: a leading underscore is private, else public (Julia
 * has no access control; `export` only decides what `using` brings in).
 *
 * Docstrings: a string literal directly above a definition is its docstring;
 * string_literal is listed as an attribute type, so the walker attaches it
 * (and any `#` comments above it) to the definition's span the way it does
 * Rust attributes. A string with a blank line after it stays unattached.
 *
 * Bodies: function, struct and module bodies are not one node in this
 * grammar (statements are direct children of the definition), so symbols
 * have no body span and their signature is the collapsed text of the whole
 * definition, cut at the walker's limit. Module and struct members are
 * walked from the definition node itself.
 *
 * Imports: `using A`, `import A` -> module A; `using A: b, @m, c as d` ->
 * one record per name (alias for `as`); `import A.b as c` -> module "A.b",
 * alias "c". Relative paths (`.Foo`, `..Foo`) are internal, others external.
 *
 * Calls: call_expression, callee = first named child; method-like when that
 * is a field_expression (`obj.f(x)`, `Base.println(x)`). The head of a
 * definition is a call_expression too (`function f(x)` in a signature, the
 * short form `f(x) = ...`, either maybe under `where` or `::T`); jl_is_call
 * says it is not a call, so calls inside default arguments still count.
 */
#include "lang/lang_int.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_julia(void);

static TSNode jl_named(TSNode n, uint32_t i)
{
    if (ts_node_is_null(n) || i >= ts_node_named_child_count(n))
        return (TSNode){0};
    return ts_node_named_child(n, i);
}

/* The call_expression of a definition head, through `::T` and `where`. */
static TSNode jl_head_call(TSNode n)
{
    for (int guard = 0; guard < 8 && !ts_node_is_null(n); guard++) {
        if (lang_is(n, "call_expression"))
            return n;
        if (!lang_is(n, "typed_expression") && !lang_is(n, "where_expression"))
            break;
        n = jl_named(n, 0);
    }
    return (TSNode){0};
}

/* Name (and qualifier) of a callee: f, Base.show, Foo{T}. False if none. */
static bool jl_callee_name(struct lang_ctx *cx, TSNode callee, struct lang_decl *d)
{
    if (lang_is(callee, "parametrized_type_expression"))
        callee = jl_named(callee, 0);
    if (lang_is(callee, "identifier")) {
        d->name_node = callee;
        return true;
    }
    if (lang_is(callee, "field_expression")) {
        uint32_t c = ts_node_named_child_count(callee);
        TSNode last = jl_named(callee, c - 1);
        TSNode value = lang_field(callee, "value");
        if (c < 2 || ts_node_is_null(value))
            return false;
        d->name_node = last;
        d->qualifier = dk_lang_text(cx, value);
        return true;
    }
    return false;
}

/* Leftmost identifier of a type head: Foo, Foo <: Bar, Foo{T} <: Bar. */
static TSNode jl_type_name(TSNode head)
{
    TSNode n = jl_named(head, 0);
    for (int guard = 0; guard < 8 && !ts_node_is_null(n); guard++) {
        if (lang_is(n, "identifier"))
            return n;
        n = jl_named(n, 0);
    }
    return (TSNode){0};
}

static bool jl_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    const char *t = ts_node_type(n);
    if (strcmp(t, "function_definition") == 0 || strcmp(t, "macro_definition") == 0) {
        d->kind = t[0] == 'f' ? DK_SYM_FUNCTION : DK_SYM_MACRO;
        TSNode sig = dk_lang_child_of_type(n, "signature");
        TSNode head = jl_named(sig, 0);
        if (lang_is(head, "identifier")) {
            d->name_node = head; /* function f end */
        } else {
            TSNode call = jl_head_call(head);
            if (ts_node_is_null(call) || !jl_callee_name(cx, jl_named(call, 0), d))
                return false;
        }
    } else if (strcmp(t, "assignment") == 0) {
        TSNode left = jl_named(n, 0);
        if (lang_is(left, "identifier")) {
            if (parent_kind != -1 && parent_kind != DK_SYM_MODULE)
                return false;
            d->kind = DK_SYM_VARIABLE;
            d->name_node = left;
        } else {
            TSNode call = jl_head_call(left);
            if (ts_node_is_null(call) || !jl_callee_name(cx, jl_named(call, 0), d))
                return false;
            d->kind = DK_SYM_FUNCTION;
        }
    } else if (strcmp(t, "const_statement") == 0) {
        TSNode as = dk_lang_child_of_type(n, "assignment");
        TSNode left = jl_named(as, 0);
        if (!lang_is(left, "identifier"))
            return false;
        d->kind = DK_SYM_CONSTANT;
        d->name_node = left;
    } else if (strcmp(t, "struct_definition") == 0) {
        d->kind = DK_SYM_STRUCT;
        d->name_node = jl_type_name(dk_lang_child_of_type(n, "type_head"));
        d->container = true;
        d->members = n;
    } else if (strcmp(t, "abstract_definition") == 0 || strcmp(t, "primitive_definition") == 0) {
        d->kind = DK_SYM_TYPE;
        d->name_node = jl_type_name(dk_lang_child_of_type(n, "type_head"));
    } else if (strcmp(t, "module_definition") == 0) {
        d->kind = DK_SYM_MODULE;
        d->name_node = lang_field(n, "name");
        d->container = true;
        d->members = n;
    } else {
        return false;
    }
    if (ts_node_is_null(d->name_node))
        return false;
    const char *name = dk_lang_text(cx, d->name_node);
    d->visibility = name[0] == '_' ? DK_VIS_PRIVATE : DK_VIS_PUBLIC;
    return true;
}

static void jl_add(struct lang_ctx *cx, TSNode at, const char *module, const char *name,
                   const char *alias)
{
    dk_lang_add_import(cx, at, module, name, alias, module[0] != '.');
}

/* A module path: identifier, scoped_identifier (A.B) or import_path (.A, ..A). */
static bool jl_is_path(TSNode n)
{
    return lang_is(n, "identifier") || lang_is(n, "scoped_identifier") || lang_is(n, "import_path");
}

/* The head of a definition (`function f(x)`, `f(x) = ...`) is not a call. */
static bool jl_is_call(struct lang_ctx *cx, TSNode call, TSNode callee)
{
    (void)cx;
    (void)callee;
    TSNode n = call, p = ts_node_parent(call);
    while (lang_is(p, "where_expression") || lang_is(p, "typed_expression")) {
        n = p;
        p = ts_node_parent(p);
    }
    if (lang_is(p, "signature"))
        return false;
    if (lang_is(p, "assignment") &&
        ts_node_start_byte(ts_node_named_child(p, 0)) == ts_node_start_byte(n))
        return false;
    return true;
}

static void jl_import(struct lang_ctx *cx, TSNode n)
{
    uint32_t c = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < c; i++) {
        TSNode ch = ts_node_named_child(n, i);
        if (jl_is_path(ch)) {
            jl_add(cx, n, dk_lang_text(cx, ch), NULL, NULL);
        } else if (lang_is(ch, "import_alias")) {
            jl_add(cx, n, dk_lang_text(cx, jl_named(ch, 0)), NULL,
                   dk_lang_text(cx, jl_named(ch, 1)));
        } else if (lang_is(ch, "selected_import")) {
            /* first child is the module, the rest are the names */
            TSNode mod = jl_named(ch, 0);
            if (!jl_is_path(mod))
                continue;
            const char *module = dk_lang_text(cx, mod);
            uint32_t k = ts_node_named_child_count(ch);
            for (uint32_t j = 1; j < k; j++) {
                TSNode it = ts_node_named_child(ch, j);
                if (lang_is(it, "import_alias"))
                    jl_add(cx, n, module, dk_lang_text(cx, jl_named(it, 0)),
                           dk_lang_text(cx, jl_named(it, 1)));
                else
                    jl_add(cx, n, module, dk_lang_text(cx, it), NULL);
            }
        }
    }
}

static const char *const jl_exts[] = {"jl", NULL};
static const char *const jl_interp[] = {"julia", NULL};
static const char *const jl_comments[] = {"line_comment", "block_comment", NULL};
static const char *const jl_attributes[] = {"string_literal", NULL};
static const char *const jl_imports[] = {"using_statement", "import_statement", NULL};
static const struct lang_call_rule jl_calls[] = {
    {"call_expression", NULL, NULL},
    {NULL, NULL, NULL},
};
static const char *const jl_members[] = {"field_expression", NULL};

const dk_language dk_lang_julia = {
    .name = "julia",
    .grammar = tree_sitter_julia,
    .extensions = jl_exts,
    .interpreters = jl_interp,
    .comment_types = jl_comments,
    .attribute_types = jl_attributes,
    .classify = jl_classify,
    .import_types = jl_imports,
    .import = jl_import,
    .calls = jl_calls,
    .member_types = jl_members,
    .is_call = jl_is_call,
};
