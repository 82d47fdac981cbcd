/*
 * lang/lang_python.c - Python: functions, classes (nested), decorated
 * definitions (decorators belong to the declaration), module- and
 * class-level assignments (UPPER_CASE names are constants), `type X = ...`
 * aliases; `import` / `from ... import` (relative imports are internal);
 * calls. Visibility: a leading underscore is private, dunder names public.
 */
#include "lang/lang_int.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_python(void);

static dk_visibility py_visibility(const char *name)
{
    size_t n = strlen(name);
    if (n > 4 && name[0] == '_' && name[1] == '_' && name[n - 1] == '_' && name[n - 2] == '_')
        return DK_VIS_PUBLIC;
    return name[0] == '_' ? DK_VIS_PRIVATE : DK_VIS_PUBLIC;
}

static bool py_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    (void)parent_kind;
    TSNode def = n;
    if (lang_is(n, "decorated_definition")) {
        def = lang_field(n, "definition");
        d->node = n;
    }
    if (lang_is(def, "function_definition")) {
        d->kind = DK_SYM_FUNCTION;
        d->name_node = lang_field(def, "name");
        d->body = lang_field(def, "body");
    } else if (lang_is(def, "class_definition")) {
        d->kind = DK_SYM_CLASS;
        d->name_node = lang_field(def, "name");
        d->body = lang_field(def, "body");
        d->container = true;
    } else if (lang_is(n, "expression_statement")) {
        /* NAME = value, NAME: T = value (module or class level); not tuples or attributes */
        TSNode as = ts_node_named_child(n, 0);
        if (!lang_is(as, "assignment"))
            return false;
        TSNode left = lang_field(as, "left");
        if (!lang_is(left, "identifier"))
            return false;
        d->name_node = left;
        const char *name = dk_lang_text(cx, left);
        d->kind = dk_lang_name_is_upper(name) ? DK_SYM_CONSTANT : DK_SYM_VARIABLE;
    } else if (lang_is(n, "type_alias_statement")) {
        d->kind = DK_SYM_TYPE;
        TSNode left = lang_field(n, "left");
        d->name_node = lang_is(left, "type") ? ts_node_named_child(left, 0) : left;
        if (!ts_node_is_null(d->name_node) && lang_is(d->name_node, "generic_type"))
            d->name_node = ts_node_named_child(d->name_node, 0);
    } else {
        return false;
    }
    if (ts_node_is_null(d->name_node))
        return false;
    d->visibility = py_visibility(dk_lang_text(cx, d->name_node));
    return true;
}

/* "a.b.c" as written, whitespace removed (dotted names may span lines in parens). */
static const char *dotted(struct lang_ctx *cx, TSNode n)
{
    return dk_lang_text(cx, n);
}

static void py_import(struct lang_ctx *cx, TSNode n)
{
    if (lang_is(n, "import_statement")) {
        uint32_t c = ts_node_named_child_count(n);
        for (uint32_t i = 0; i < c; i++) {
            TSNode it = ts_node_named_child(n, i);
            if (lang_is(it, "dotted_name")) {
                dk_lang_add_import(cx, n, dotted(cx, it), NULL, NULL, true);
            } else if (lang_is(it, "aliased_import")) {
                dk_lang_add_import(cx, n, dotted(cx, lang_field(it, "name")), NULL,
                                   dk_lang_text(cx, lang_field(it, "alias")), true);
            }
        }
        return;
    }
    /* import_from_statement / future_import_statement */
    TSNode mod = lang_field(n, "module_name");
    const char *module = lang_is(n, "future_import_statement") ? "__future__" : dotted(cx, mod);
    bool external = !lang_is(mod, "relative_import");
    uint32_t c = ts_node_named_child_count(n);
    bool any = false;
    for (uint32_t i = 0; i < c; i++) {
        TSNode it = ts_node_named_child(n, i);
        if (ts_node_eq(it, mod))
            continue;
        if (lang_is(it, "dotted_name")) {
            dk_lang_add_import(cx, n, module, dotted(cx, it), NULL, external);
            any = true;
        } else if (lang_is(it, "aliased_import")) {
            dk_lang_add_import(cx, n, module, dotted(cx, lang_field(it, "name")),
                               dk_lang_text(cx, lang_field(it, "alias")), external);
            any = true;
        } else if (lang_is(it, "wildcard_import")) {
            dk_lang_add_import(cx, n, module, "*", NULL, external);
            any = true;
        }
    }
    if (!any)
        dk_lang_add_import(cx, n, module, NULL, NULL, external);
}

static const char *const py_exts[] = {"py", "pyi", "pyw", NULL};
static const char *const py_files[] = {"SConstruct", "SConscript", NULL};
static const char *const py_interp[] = {"python", "python3", "python2", "pypy", "pypy3", NULL};
static const char *const py_comments[] = {"comment", NULL};
static const char *const py_imports[] = {"import_statement", "import_from_statement",
                                         "future_import_statement", NULL};
static const struct lang_call_rule py_calls[] = {
    {"call", "function", NULL},
    {NULL, NULL, NULL},
};
static const char *const py_members[] = {"attribute", NULL};

/* statements: what a function body merges by (merge/stmt.c) */
static const char *const python_statement_lists[] = {"block", NULL};
/* the names of `from m import a, b` */
static const char *const py_import_names[] = {"dotted_name", "aliased_import", NULL};
/* the entries of a dict display, keyed by their key (a `**x` entry makes it no member list) */
static const char *const py_dict_entries[] = {"pair", NULL};
static const struct lang_member_list py_member_lists[] = {
    {"import_from_statement", NULL, "name", py_import_names, false},
    {"dictionary", NULL, NULL, py_dict_entries, false},
    {NULL, NULL, NULL, NULL, false},
};

const dk_language dk_lang_python = {
    .name = "python",
    .grammar = tree_sitter_python,
    .extensions = py_exts,
    .filenames = py_files,
    .interpreters = py_interp,
    .comment_types = py_comments,
    .classify = py_classify,
    .import_types = py_imports,
    .import = py_import,
    .calls = py_calls,
    .member_types = py_members,
    .statement_lists = python_statement_lists,
    .member_lists = py_member_lists,
};
