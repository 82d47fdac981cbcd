/*
 * lang/lang_kotlin.c - Kotlin (fwcd grammar, which has no field names: the
 * parts of a declaration are found by node type): classes, interfaces,
 * enum classes, objects, companion objects, functions, properties, type
 * aliases; `import` headers; calls.
 *
 * Kinds:
 *   class / data / sealed / abstract class   class (container)
 *   interface, fun interface                 interface
 *   enum class                               enum; its entries are constants
 *   object, companion object                 module (a singleton, not a type);
 *                                            a nameless companion is "Companion"
 *   fun                                      function; method inside a class,
 *                                            interface, enum or object;
 *                                            prototype when it has no body
 *   constructor(...)                         method "constructor"
 *   val / const val                          constant;  var: variable
 *   typealias                                type
 * An extension function `fun Long.formatPrice()` is named "formatPrice" with
 * the receiver type (without type arguments or `?`) as qualifier:
 * "Long.formatPrice", or "Cart.Long.formatPrice" when declared in Cart.
 * Visibility is the visibility_modifier (internal -> internal), public by
 * default. Annotations sit inside `modifiers`, so they are part of the
 * declaration; KDoc and line comments are attached by the walker. The
 * package header is not a symbol.
 *
 * Imports: `import a.b.C` is module "a.b", name "C"; `import a.b.*` is name
 * "*"; `as D` is the alias. All external: a package does not tell whether it
 * is built in this project.
 *
 * Calls: call_expression; the callee is its first child, a method call when
 * that is a navigation_expression (`a.b()`, `a?.b()`).
 *
 * Known limits (grammar shape, not fixable from this file): the grammar
 * puts a comment that follows the package header or the last import INSIDE
 * that header, so the first declaration after them loses its KDoc; a
 * property's `get()` / `set` are siblings after it, outside its span;
 * `f(x) { ... }` (trailing lambda after arguments) parses as a call of the
 * call `f(x)`, so it is recorded twice ("f(x)" and "f"); primary-constructor
 * properties (`class P(val id: Int)`) are parameters, not symbols.
 */
#include "lang/lang_int.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_kotlin(void);

/* Null-safe tree access: the tree-sitter calls dereference a null node. */
static TSNode kt_child(TSNode n, const char *type)
{
    return ts_node_is_null(n) ? n : dk_lang_child_of_type(n, type);
}

static uint32_t kt_count(TSNode n)
{
    return ts_node_is_null(n) ? 0 : ts_node_named_child_count(n);
}

static TSNode kt_nth(TSNode n, uint32_t i)
{
    return ts_node_is_null(n) ? n : ts_node_named_child(n, i);
}

static dk_visibility kt_visibility(struct lang_ctx *cx, TSNode n)
{
    TSNode mods = kt_child(n, "modifiers");
    TSNode v = kt_child(mods, "visibility_modifier");
    if (dk_lang_text_eq(cx, v, "private"))
        return DK_VIS_PRIVATE;
    if (dk_lang_text_eq(cx, v, "protected"))
        return DK_VIS_PROTECTED;
    if (dk_lang_text_eq(cx, v, "internal"))
        return DK_VIS_INTERNAL;
    return DK_VIS_PUBLIC;
}

/* True if the modifiers of declaration `n` hold a modifier with this text. */
static bool kt_has_modifier(struct lang_ctx *cx, TSNode n, const char *word)
{
    TSNode mods = kt_child(n, "modifiers");
    uint32_t c = kt_count(mods);
    for (uint32_t i = 0; i < c; i++) {
        if (dk_lang_text_eq(cx, kt_nth(mods, i), word))
            return true;
    }
    return false;
}

/*
 * The receiver type of an extension function as a qualifier: the type
 * written before the name, cut at its type arguments or `?` ("List<T>" ->
 * "List", "String?" -> "String"). NULL for a plain function.
 */
static const char *kt_receiver(struct lang_ctx *cx, TSNode fn, TSNode name)
{
    uint32_t c = kt_count(fn);
    for (uint32_t i = 0; i < c; i++) {
        TSNode ch = kt_nth(fn, i);
        if (ts_node_eq(ch, name))
            break;
        if (lang_is(ch, "user_type") || lang_is(ch, "nullable_type") ||
            lang_is(ch, "parenthesized_type") || lang_is(ch, "function_type") ||
            lang_is(ch, "not_nullable_type")) {
            const char *t = dk_lang_text(cx, ch);
            size_t n = strcspn(t, "<?");
            while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
                n--;
            return dk_lang_strdup(cx, t, n);
        }
    }
    return NULL;
}

static bool kt_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    bool in_type = parent_kind == DK_SYM_CLASS || parent_kind == DK_SYM_INTERFACE ||
                   parent_kind == DK_SYM_ENUM || parent_kind == DK_SYM_MODULE;
    if (lang_is(n, "class_declaration")) {
        d->name_node = kt_child(n, "type_identifier");
        d->body = kt_child(n, "class_body");
        if (ts_node_is_null(d->body))
            d->body = kt_child(n, "enum_class_body");
        if (dk_lang_has_child_text(cx, n, "interface"))
            d->kind = DK_SYM_INTERFACE;
        else if (dk_lang_has_child_text(cx, n, "enum") || lang_is(d->body, "enum_class_body"))
            d->kind = DK_SYM_ENUM;
        else
            d->kind = DK_SYM_CLASS;
        d->container = true;
    } else if (lang_is(n, "object_declaration") || lang_is(n, "companion_object")) {
        d->kind = DK_SYM_MODULE;
        d->name_node = kt_child(n, "type_identifier");
        if (ts_node_is_null(d->name_node) && lang_is(n, "companion_object"))
            d->name = "Companion";
        d->body = kt_child(n, "class_body");
        d->container = true;
    } else if (lang_is(n, "function_declaration")) {
        d->name_node = kt_child(n, "simple_identifier");
        d->body = kt_child(n, "function_body");
        d->kind = ts_node_is_null(d->body) ? DK_SYM_PROTOTYPE
                  : in_type                ? DK_SYM_METHOD
                                           : DK_SYM_FUNCTION;
        if (!ts_node_is_null(d->name_node))
            d->qualifier = kt_receiver(cx, n, d->name_node);
    } else if (lang_is(n, "secondary_constructor")) {
        d->kind = DK_SYM_METHOD;
        d->name = "constructor";
        d->body = kt_child(n, "statements");
    } else if (lang_is(n, "property_declaration")) {
        /* val (a, b) = ... declares no single name: not a symbol */
        TSNode var = kt_child(n, "variable_declaration");
        d->name_node = kt_child(var, "simple_identifier");
        TSNode kw = kt_child(n, "binding_pattern_kind");
        d->kind = dk_lang_text_eq(cx, kw, "var") ? DK_SYM_VARIABLE : DK_SYM_CONSTANT;
        if (kt_has_modifier(cx, n, "const"))
            d->kind = DK_SYM_CONSTANT;
    } else if (lang_is(n, "type_alias")) {
        d->kind = DK_SYM_TYPE;
        d->name_node = kt_child(n, "type_identifier");
    } else if (lang_is(n, "enum_entry")) {
        d->kind = DK_SYM_CONSTANT;
        d->name_node = kt_child(n, "simple_identifier");
    } else {
        return false;
    }
    if (!d->name && ts_node_is_null(d->name_node))
        return false;
    d->visibility = kt_visibility(cx, n);
    return true;
}

static void kt_import(struct lang_ctx *cx, TSNode n)
{
    TSNode id = kt_child(n, "identifier");
    if (ts_node_is_null(id))
        return;
    const char *path = dk_lang_text(cx, id);
    const char *alias = dk_lang_text(cx, kt_child(kt_child(n, "import_alias"), "type_identifier"));
    if (!ts_node_is_null(kt_child(n, "wildcard_import"))) {
        dk_lang_add_import(cx, n, path, "*", NULL, true);
        return;
    }
    const char *dot = strrchr(path, '.');
    if (!dot) {
        dk_lang_add_import(cx, n, path, NULL, alias, true);
        return;
    }
    dk_lang_add_import(cx, n, dk_lang_strdup(cx, path, (size_t)(dot - path)), dot + 1, alias, true);
}

static const char *const kt_exts[] = {"kt", "kts", NULL};
static const char *const kt_interp[] = {"kotlin", NULL};
static const char *const kt_comments[] = {"line_comment", "multiline_comment", NULL};
static const char *const kt_imports[] = {"import_header", NULL};
static const struct lang_call_rule kt_calls[] = {
    {"call_expression", NULL, NULL},
    {NULL, NULL, NULL},
};
static const char *const kt_members[] = {"navigation_expression", NULL};

/*
 * `check(cond) { msg }` parses as a call of the call `check(cond)` with a
 * trailing lambda; the inner call is the real one, so the outer is skipped.
 */
static bool kt_is_call(struct lang_ctx *cx, TSNode call, TSNode callee)
{
    (void)cx;
    (void)call;
    return !lang_is(callee, "call_expression");
}

const dk_language dk_lang_kotlin = {
    .name = "kotlin",
    .grammar = tree_sitter_kotlin,
    .extensions = kt_exts,
    .interpreters = kt_interp,
    .comment_types = kt_comments,
    .classify = kt_classify,
    .import_types = kt_imports,
    .import = kt_import,
    .calls = kt_calls,
    .member_types = kt_members,
    .is_call = kt_is_call,
};
