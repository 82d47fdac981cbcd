/*
 * lang/lang_js.c - JavaScript, TypeScript and TSX: three dk_language
 * structs sharing one classify / import hook. The three grammars use the
 * same node names for everything looked at here; TypeScript-only nodes
 * (interfaces, enums, namespaces, signatures, ambient declarations) simply
 * never occur in a JavaScript tree.
 *
 * Declarations:
 *   function / generator declarations            function
 *   class, abstract class (container)            class
 *   method_definition (in a class)               method (getters/setters too)
 *   class fields                                 variable; method when the value
 *                                                is an arrow/function expression
 *   const x = ... / let, var                     constant / variable; function when
 *                                                the value is an arrow or function
 *                                                expression, class for a class one
 *   export default function/class/arrow          its own name, or "default"
 *   exports.x = ... / module.exports.x = ... /
 *     obj.x = ... / Foo.prototype.bar = ...
 *     (a statement)                              function when the value is one, else
 *                                                variable; named by the target
 *                                                (module.exports.x as exports.x). Only
 *                                                these shapes: a whole-object assignment
 *                                                (module.exports = {..}, Foo.prototype =
 *                                                {..}) and a deeper path (a.b.c = ..) are
 *                                                text
 *   describe('x', fn) / it('x', fn) / test.only
 *     ('x', fn) (a test-framework call
 *     statement, first argument a string)        function when the last argument is
 *                                                one, else variable; named `callee('x')`.
 *                                                Other calls (app.get('/a', fn)) are text
 *   interface (container)                        interface; its method signatures are
 *                                                prototypes, property signatures variables
 *   type alias / enum                            type / enum (enum members are not symbols)
 *   namespace A.B {} / module M {} / declare
 *     module "x" {} / declare global {}          module (container): "A.B", "M", "x", "global"
 *   bodiless signatures: overloads, abstract
 *     methods, declare function                  prototype
 *
 * Spans: an `export` / `export default` / `declare` wrapper belongs to the
 * declaration, as do decorators. Class decorators are children of the class
 * (or of the export statement); TypeScript member decorators are siblings
 * in the class body and attach as attribute_types, JavaScript member
 * decorators are children of the member.
 *
 * Visibility: at top level and in namespaces, exported declarations are
 * public (an export wrapper, or a local `export { name }` / `export default
 * name;` at the same level), the rest private; everything inside a
 * `declare` (ambient) context is public, since it describes something that
 * exists elsewhere. Class members are public unless they have a `#name` or a
 * private/protected accessibility modifier. Interface members are public.
 *
 * `const a = 1, b = 2;` declares two symbols, but classify sees one node at
 * a time and can return one declaration: such lists are transparent, so each
 * declarator becomes a symbol whose span starts at its name, the first one's
 * at the keyword (`export const` too: keyword_lists), so in express's
 * `var a = require('a')\n  , b = require('b');` every line is one whole
 * declaration. A single declarator takes the whole statement.
 *
 * Imports: import statements (default import: name "default"; `* as x`:
 * whole module with alias x), `import x = require("y")`, re-exports
 * (`export {a as b} from`, `export * from`: name "*"), `require("x")` and
 * dynamic `import("x")`. The last three are found through their string
 * literal (import_types includes "string"): an import hook is not descended
 * into, so hooking export statements or call expressions would hide the
 * calls inside them, while a plain string contains no calls. A module is
 * external unless it starts with '.' or '/'.
 *
 * Calls: call_expression (callee field "function"), new_expression (callee
 * "constructor"); a member_expression callee makes it a method call.
 */
#include "lang/lang_int.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_javascript(void);
const TSLanguage *tree_sitter_typescript(void);
const TSLanguage *tree_sitter_tsx(void);

/* Deepest wrapper nesting looked through (export > declare > namespace). */
#define JS_MAX_UNWRAP 4
/* Levels with more statements than this are not searched for `export {name}`
 * lists, which keeps a pathological file (a minified bundle) from costing
 * statements x declarations. */
#define JS_MAX_EXPORT_SCAN 2000

/* What wraps a declaration. */
struct js_wrap {
    bool exported;
    bool is_default;
    bool ambient;
};

/* True if some ancestor of `n` is a `declare` (ambient) declaration. */
static bool js_in_ambient(TSNode n)
{
    for (TSNode p = ts_node_parent(n); !ts_node_is_null(p); p = ts_node_parent(p)) {
        if (lang_is(p, "ambient_declaration"))
            return true;
    }
    return false;
}

/*
 * True if a local `export { name }`, `export { name as x }` or
 * `export default name;` among the siblings of `stmt` exports `name`.
 */
static bool js_exported_by_list(struct lang_ctx *cx, TSNode stmt, TSNode name)
{
    TSNode level = ts_node_parent(stmt);
    if (ts_node_is_null(level) || ts_node_named_child_count(level) > JS_MAX_EXPORT_SCAN)
        return false;
    uint32_t s = ts_node_start_byte(name), e = ts_node_end_byte(name);
    size_t src_len;
    const char *src = dk_lang_source(cx, &src_len);
    const char *text = src + s;
    size_t len = e - s;
    bool found = false;
    TSTreeCursor cur = ts_tree_cursor_new(level);
    for (bool ok = ts_tree_cursor_goto_first_child(&cur); ok && !found;
         ok = ts_tree_cursor_goto_next_sibling(&cur)) {
        TSNode ex = ts_tree_cursor_current_node(&cur);
        if (!lang_is(ex, "export_statement") || !ts_node_is_null(lang_field(ex, "source")))
            continue;
        TSNode value = lang_field(ex, "value");
        if (lang_is(value, "identifier")) {
            found = ts_node_end_byte(value) - ts_node_start_byte(value) == len &&
                    memcmp(src + ts_node_start_byte(value), text, len) == 0;
            continue;
        }
        TSNode clause = dk_lang_child_of_type(ex, "export_clause");
        uint32_t k = ts_node_is_null(clause) ? 0 : ts_node_named_child_count(clause);
        for (uint32_t j = 0; j < k && !found; j++) {
            TSNode local = lang_field(ts_node_named_child(clause, j), "name");
            found = !ts_node_is_null(local) &&
                    ts_node_end_byte(local) - ts_node_start_byte(local) == len &&
                    memcmp(src + ts_node_start_byte(local), text, len) == 0;
        }
    }
    ts_tree_cursor_delete(&cur);
    return found;
}

/*
 * Look through export / declare / expression-statement wrappers to the
 * declaration proper. Returns a null node when there is none (`export {a}`,
 * `export default expr;`). `declare global { }` is returned as the ambient
 * declaration itself.
 */
static TSNode js_unwrap(struct lang_ctx *cx, TSNode n, struct js_wrap *w)
{
    for (int i = 0; i < JS_MAX_UNWRAP; i++) {
        if (lang_is(n, "export_statement")) {
            w->exported = true;
            if (dk_lang_has_child_text(cx, n, "default"))
                w->is_default = true;
            TSNode inner = lang_field(n, "declaration");
            n = ts_node_is_null(inner) ? lang_field(n, "value") : inner;
        } else if (lang_is(n, "ambient_declaration")) {
            w->ambient = true;
            TSNode inner = ts_node_named_child(n, 0);
            if (lang_is(inner, "statement_block"))
                return n; /* declare global { ... } */
            n = inner;
        } else if (lang_is(n, "expression_statement")) {
            /* `namespace A {}` at statement level parses as an expression statement */
            TSNode inner = ts_node_named_child(n, 0);
            if (!lang_is(inner, "internal_module"))
                return (TSNode){0};
            n = inner;
        } else {
            return n;
        }
    }
    return (TSNode){0};
}

static bool js_is_function_value(TSNode v)
{
    return lang_is(v, "arrow_function") || lang_is(v, "function_expression") ||
           lang_is(v, "generator_function") || lang_is(v, "function");
}

/* A member's visibility: `#name` and private/protected modifiers. */
static dk_visibility js_member_visibility(struct lang_ctx *cx, TSNode member, TSNode name)
{
    if (lang_is(name, "private_property_identifier"))
        return DK_VIS_PRIVATE;
    TSNode mod = dk_lang_child_of_type(member, "accessibility_modifier");
    if (dk_lang_text_eq(cx, mod, "private"))
        return DK_VIS_PRIVATE;
    if (dk_lang_text_eq(cx, mod, "protected"))
        return DK_VIS_PROTECTED;
    return DK_VIS_PUBLIC;
}

/* One `name = value` of a const/let/var list (`list`). */
static bool js_declarator(struct lang_ctx *cx, TSNode decl, TSNode list, struct lang_decl *d)
{
    TSNode name = lang_field(decl, "name");
    if (!lang_is(name, "identifier"))
        return false; /* destructuring patterns are not symbols */
    d->name_node = name;
    TSNode value = lang_field(decl, "value");
    if (js_is_function_value(value)) {
        d->kind = DK_SYM_FUNCTION;
        d->body = lang_field(value, "body");
    } else if (lang_is(value, "class")) {
        d->kind = DK_SYM_CLASS;
        d->body = lang_field(value, "body");
        d->container = true;
    } else {
        bool is_const = lang_is(list, "lexical_declaration") &&
                        dk_lang_text_eq(cx, lang_field(list, "kind"), "const");
        d->kind = is_const ? DK_SYM_CONSTANT : DK_SYM_VARIABLE;
    }
    return true;
}

/* `a.b.c`: a member expression over identifiers (and `this`) only. */
static bool js_is_member_path(TSNode n)
{
    for (int depth = 0; depth < 16; depth++) {
        if (!lang_is(n, "member_expression") ||
            !lang_is(lang_field(n, "property"), "property_identifier"))
            return false;
        TSNode obj = lang_field(n, "object");
        if (lang_is(obj, "identifier") || lang_is(obj, "this"))
            return true;
        n = obj;
    }
    return false;
}

/*
 * `exports.x = ...`, `module.exports.x = ...`, `obj.x = ...` (express's `res.status =
 * function ..`, `app.init = ..`), `Foo.prototype.bar = ...` as a statement of its own: a
 * declaration named by its target. Declarations added at one place by the two sides merge
 * in a fixed order (ours first), which is only right when neither statement can overwrite
 * what the other one set. Any assignment to a path that is a proper prefix of another
 * assignment's target (module.exports = {..} after module.exports.x = .., a.b = {} after
 * a.b.c = 1, Foo.prototype = {..} after Foo.prototype.bar = ..) replaces the object the
 * other one wrote into, so its order matters; it stays text and conflicts with the other
 * side's addition next to it. Hence only these exact shapes: their targets have a fixed
 * depth per shape, and none is a proper prefix of another one's: `obj.x` has two parts
 * and the three-part shapes start with `module.exports` or `Foo.prototype`, so in `obj.x`
 * obj is not `module` and x is not `prototype` (`exports.x` is `obj.x` with obj =
 * exports); `exports.prototype.y` would extend `exports.prototype`, so Foo is neither
 * `exports` nor `module`, and `module.exports.prototype.y` has four parts, no shape.
 */
static bool js_assignment_target(struct lang_ctx *cx, TSNode left)
{
    if (!js_is_member_path(left))
        return false;
    TSNode obj = lang_field(left, "object");
    if (lang_is(obj, "identifier")) /* exports.x, obj.x */
        return !dk_lang_text_eq(cx, obj, "module") &&
               !dk_lang_text_eq(cx, lang_field(left, "property"), "prototype");
    if (!lang_is(obj, "member_expression")) /* this.x */
        return false;
    TSNode base = lang_field(obj, "object");
    TSNode prop = lang_field(obj, "property");
    if (!lang_is(base, "identifier")) /* a.b.c.d */
        return false;
    if (dk_lang_text_eq(cx, base, "module")) /* module.exports.x */
        return dk_lang_text_eq(cx, prop, "exports");
    return dk_lang_text_eq(cx, prop, "prototype") && /* Foo.prototype.bar */
           !dk_lang_text_eq(cx, base, "exports");
}

static bool js_assignment(struct lang_ctx *cx, TSNode n, struct lang_decl *d)
{
    if (ts_node_named_child_count(n) != 1)
        return false;
    TSNode as = ts_node_named_child(n, 0);
    if (!lang_is(as, "assignment_expression"))
        return false;
    TSNode left = lang_field(as, "left");
    if (!js_assignment_target(cx, left) ||
        ts_node_start_point(left).row != ts_node_end_point(left).row)
        return false;
    const char *name = dk_lang_text(cx, left);
    for (const char *c = name; *c; c++) {
        if (*c == ' ' || *c == '\t')
            return false;
    }
    d->node = n;
    /* `module.exports.x` and `exports.x` set one property (exports is module.exports):
     * one name, so both sides adding it under either spelling conflict. */
    if (strncmp(name, "module.exports.", 15) == 0)
        d->name = name + 7;
    else
        d->name_node = left;
    TSNode value = lang_field(as, "right");
    if (js_is_function_value(value)) {
        d->kind = DK_SYM_FUNCTION;
        d->body = lang_field(value, "body");
    } else {
        d->kind = DK_SYM_VARIABLE;
    }
    bool pub = strncmp(name, "exports.", 8) == 0 || strncmp(name, "module.exports.", 15) == 0;
    d->visibility = pub ? DK_VIS_PUBLIC : DK_VIS_PRIVATE;
    return true;
}

/*
 * Test-framework block names (Mocha BDD and TDD, Jest, Vitest, Jasmine, node:test):
 * describe/context/suite group tests, it/test/specify declare one. Two sides adding such
 * blocks at one place merge in a fixed order (ours first), and a side moving one merges
 * with the other side's edit of it; that is right because these frameworks only collect
 * the blocks, each a self-contained case selected and reported by its name, and their
 * relative order changes what runs first, not what each case checks. Hooks are not here
 * (before/after/beforeEach/afterEach/beforeAll/afterAll, even with a title): several hooks
 * of one kind run in registration order, so moving them changes behaviour. Nor is any
 * other call with a string first argument: app.get('/a', fn), app.use('/admin', auth),
 * router.post(...), emitter.on('x', fn) register handlers whose order is their meaning
 * (a route before the middleware guarding it is served unguarded).
 */
static const char *const js_test_blocks[] = {"describe", "context", "suite",
                                             "it",       "test",    "specify"};
/* Modifiers after the block name: describe.only, it.skip, test.todo, test.concurrent. */
static const char *const js_test_modifiers[] = {"only", "skip", "todo", "concurrent"};

static bool js_text_in(struct lang_ctx *cx, TSNode n, const char *const *set, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (dk_lang_text_eq(cx, n, set[i]))
            return true;
    }
    return false;
}

/*
 * `describe`, `it.only`, `test.skip.each(table)`: a test block callee. `.each(table)` is
 * allowed once, as the last link (describe.each([..])('x %s', fn)); its table becomes part
 * of the declaration's name, which is why the callee must be one line.
 */
static bool js_test_callee(struct lang_ctx *cx, TSNode fn)
{
    if (lang_is(fn, "call_expression")) {
        TSNode each = lang_field(fn, "function");
        if (!lang_is(each, "member_expression") ||
            !dk_lang_text_eq(cx, lang_field(each, "property"), "each") ||
            !lang_is(lang_field(fn, "arguments"), "arguments"))
            return false;
        fn = lang_field(each, "object");
    }
    for (int depth = 0; depth < 3 && lang_is(fn, "member_expression"); depth++) {
        TSNode prop = lang_field(fn, "property");
        if (!lang_is(prop, "property_identifier") ||
            !js_text_in(cx, prop, js_test_modifiers,
                        sizeof js_test_modifiers / sizeof *js_test_modifiers))
            return false;
        fn = lang_field(fn, "object");
    }
    return lang_is(fn, "identifier") &&
           js_text_in(cx, fn, js_test_blocks, sizeof js_test_blocks / sizeof *js_test_blocks);
}

/*
 * A test-framework block as a statement of its own whose first argument is a one-line
 * string (`describe('utils', ...)`, `it.only('works', ...)`): a declaration named by its
 * callee and that string (`describe('utils')`), so two sides adding such blocks next to
 * each other merge (ours first) and an edit inside one is an edit of that declaration.
 * Every other call stays text (see js_test_blocks for why order matters there), and so
 * does `require('x');` (an import).
 */
static bool js_call_statement(struct lang_ctx *cx, TSNode n, struct lang_decl *d)
{
    if (ts_node_named_child_count(n) != 1)
        return false;
    TSNode call = ts_node_named_child(n, 0);
    if (!lang_is(call, "call_expression"))
        return false;
    TSNode fn = lang_field(call, "function");
    TSNode args = lang_field(call, "arguments");
    if (!js_test_callee(cx, fn) || !lang_is(args, "arguments") ||
        ts_node_start_point(fn).row != ts_node_end_point(fn).row)
        return false;
    TSNode first = ts_node_named_child(args, 0);
    if (!lang_is(first, "string") || ts_node_start_point(first).row != ts_node_end_point(first).row)
        return false;
    d->node = n;
    d->name = dk_lang_sprintf(cx, "%s(%s)", dk_lang_text(cx, fn), dk_lang_text(cx, first));
    uint32_t nargs = ts_node_named_child_count(args);
    TSNode last = nargs ? ts_node_named_child(args, nargs - 1) : (TSNode){0};
    if (js_is_function_value(last)) {
        d->kind = DK_SYM_FUNCTION;
        d->body = lang_field(last, "body");
    } else {
        d->kind = DK_SYM_VARIABLE;
    }
    d->visibility = DK_VIS_PRIVATE;
    return true;
}

/*
 * A test block inside a body (a describe callback's `it('x', fn)`): order-free as at top
 * level (js_test_blocks), and only with a function as its last argument, a block the
 * framework collects rather than a call of a helper that happens to be named `test`. Named
 * by its title alone, quotes stripped: `it('x')`, `it.only("x")` and `describe('x')` are
 * one name, so two sides adding blocks of one title never both stand (a title with a
 * backslash, whose value its spelling hides, is no name).
 */
static bool js_order_free_statement(struct lang_ctx *cx, TSNode n, struct lang_decl *d)
{
    if (!lang_is(n, "expression_statement") || !js_call_statement(cx, n, d) ||
        d->kind != DK_SYM_FUNCTION)
        return false;
    TSNode call = ts_node_named_child(n, 0);
    const char *title = dk_lang_text(cx, ts_node_named_child(lang_field(call, "arguments"), 0));
    if (strchr(title, '\\'))
        return false;
    d->name = dk_lang_unquote(cx, title);
    return true;
}

/* Classify a declaration found at top level or in a namespace body. */
static bool js_classify_statement(struct lang_ctx *cx, TSNode n, struct lang_decl *d)
{
    if (lang_is(n, "expression_statement") &&
        (js_assignment(cx, n, d) || js_call_statement(cx, n, d)))
        return true;
    struct js_wrap w = {false, false, false};
    TSNode in = js_unwrap(cx, n, &w);
    if (ts_node_is_null(in))
        return false;
    d->node = n;

    if (lang_is(in, "function_declaration") || lang_is(in, "generator_function_declaration")) {
        d->kind = DK_SYM_FUNCTION;
        d->name_node = lang_field(in, "name");
        d->body = lang_field(in, "body");
    } else if (lang_is(in, "function_signature")) {
        d->kind = DK_SYM_PROTOTYPE;
        d->name_node = lang_field(in, "name");
    } else if (lang_is(in, "class_declaration") || lang_is(in, "abstract_class_declaration") ||
               (w.is_default && lang_is(in, "class"))) {
        d->kind = DK_SYM_CLASS;
        d->name_node = lang_field(in, "name");
        d->body = lang_field(in, "body");
        d->container = true;
    } else if (w.is_default && js_is_function_value(in)) {
        d->kind = DK_SYM_FUNCTION;
        d->name_node = lang_field(in, "name");
        d->body = lang_field(in, "body");
    } else if (lang_is(in, "interface_declaration")) {
        d->kind = DK_SYM_INTERFACE;
        d->name_node = lang_field(in, "name");
        d->body = lang_field(in, "body");
        d->container = true;
    } else if (lang_is(in, "type_alias_declaration")) {
        d->kind = DK_SYM_TYPE;
        d->name_node = lang_field(in, "name");
    } else if (lang_is(in, "enum_declaration")) {
        d->kind = DK_SYM_ENUM;
        d->name_node = lang_field(in, "name");
        d->body = lang_field(in, "body");
    } else if (lang_is(in, "internal_module") || lang_is(in, "module")) {
        d->kind = DK_SYM_MODULE;
        TSNode name = lang_field(in, "name");
        if (lang_is(name, "string"))
            d->name = dk_lang_unquote(cx, dk_lang_text(cx, name));
        else
            d->name_node = name;
        d->body = lang_field(in, "body");
        d->container = true;
    } else if (lang_is(in, "ambient_declaration")) {
        d->kind = DK_SYM_MODULE; /* declare global { ... } */
        d->name = "global";
        d->body = dk_lang_child_of_type(in, "statement_block");
        d->container = true;
    } else if (lang_is(in, "lexical_declaration") || lang_is(in, "variable_declaration")) {
        /* a list of several declarators is transparent: each is classified on its own */
        if (ts_node_named_child_count(in) != 1)
            return false;
        TSNode one = ts_node_named_child(in, 0);
        if (!lang_is(one, "variable_declarator") || !js_declarator(cx, one, in, d))
            return false;
    } else {
        return false;
    }
    if (w.is_default && ts_node_is_null(d->name_node) && !d->name)
        d->name = "default";
    if (ts_node_is_null(d->name_node) && !d->name)
        return false;
    bool pub = w.exported || w.ambient || js_in_ambient(n) ||
               (!ts_node_is_null(d->name_node) && js_exported_by_list(cx, n, d->name_node));
    d->visibility = pub ? DK_VIS_PUBLIC : DK_VIS_PRIVATE;
    return true;
}

/* Classify a member of a class or interface body. */
static bool js_classify_member(struct lang_ctx *cx, TSNode n, struct lang_decl *d)
{
    TSNode name;
    if (lang_is(n, "method_definition")) {
        d->kind = DK_SYM_FUNCTION; /* the walker makes it a method */
        name = lang_field(n, "name");
        d->body = lang_field(n, "body");
    } else if (lang_is(n, "method_signature") || lang_is(n, "abstract_method_signature")) {
        d->kind = DK_SYM_PROTOTYPE;
        name = lang_field(n, "name");
    } else if (lang_is(n, "public_field_definition") || lang_is(n, "field_definition")) {
        name = lang_field(n, lang_is(n, "field_definition") ? "property" : "name");
        TSNode value = lang_field(n, "value");
        if (js_is_function_value(value)) {
            d->kind = DK_SYM_FUNCTION;
            d->body = lang_field(value, "body");
        } else {
            d->kind = DK_SYM_VARIABLE;
        }
    } else if (lang_is(n, "property_signature")) {
        d->kind = DK_SYM_VARIABLE;
        name = lang_field(n, "name");
    } else {
        return false;
    }
    if (ts_node_is_null(name))
        return false;
    d->name_node = name;
    d->visibility = js_member_visibility(cx, n, name);
    return true;
}

static bool js_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    if (parent_kind == DK_SYM_CLASS || parent_kind == DK_SYM_INTERFACE)
        return js_classify_member(cx, n, d);
    if (lang_is(n, "variable_declarator")) {
        /* one of several declarators of a transparent const/let/var list */
        TSNode list = ts_node_parent(n);
        if (!js_declarator(cx, n, list, d))
            return false;
        TSNode wrap = ts_node_parent(list);
        bool exported = lang_is(wrap, "export_statement") || js_in_ambient(n) ||
                        js_exported_by_list(cx, list, d->name_node);
        d->visibility = exported ? DK_VIS_PUBLIC : DK_VIS_PRIVATE;
        return true;
    }
    return js_classify_statement(cx, n, d);
}

/* ---- imports -------------------------------------------------------------- */

static bool js_is_external(const char *module)
{
    return module[0] != '.' && module[0] != '/';
}

/* Module text of a string node, quotes stripped. */
static const char *js_string(struct lang_ctx *cx, TSNode s)
{
    return dk_lang_unquote(cx, dk_lang_text(cx, s));
}

/* import ... from "m"; import "m"; import x = require("m") */
static void js_import_statement(struct lang_ctx *cx, TSNode n)
{
    TSNode req = dk_lang_child_of_type(n, "import_require_clause");
    if (!ts_node_is_null(req)) {
        const char *module = js_string(cx, lang_field(req, "source"));
        dk_lang_add_import(cx, n, module, NULL,
                           dk_lang_text(cx, dk_lang_child_of_type(req, "identifier")),
                           js_is_external(module));
        return;
    }
    TSNode src = lang_field(n, "source");
    if (ts_node_is_null(src))
        return;
    const char *module = js_string(cx, src);
    bool ext = js_is_external(module);
    TSNode clause = dk_lang_child_of_type(n, "import_clause");
    bool any = false;
    uint32_t c = ts_node_is_null(clause) ? 0 : ts_node_named_child_count(clause);
    for (uint32_t i = 0; i < c; i++) {
        TSNode it = ts_node_named_child(clause, i);
        if (lang_is(it, "identifier")) {
            dk_lang_add_import(cx, n, module, "default", dk_lang_text(cx, it), ext);
            any = true;
        } else if (lang_is(it, "namespace_import")) {
            dk_lang_add_import(cx, n, module, NULL,
                               dk_lang_text(cx, dk_lang_child_of_type(it, "identifier")), ext);
            any = true;
        } else if (lang_is(it, "named_imports")) {
            uint32_t k = ts_node_named_child_count(it);
            for (uint32_t j = 0; j < k; j++) {
                TSNode sp = ts_node_named_child(it, j);
                if (!lang_is(sp, "import_specifier"))
                    continue;
                dk_lang_add_import(cx, n, module,
                                   dk_lang_unquote(cx, dk_lang_text(cx, lang_field(sp, "name"))),
                                   dk_lang_text(cx, lang_field(sp, "alias")), ext);
                any = true;
            }
        }
    }
    if (!any)
        dk_lang_add_import(cx, n, module, NULL, NULL, ext);
}

/* export {a as b} from "m"; export * from "m"; export * as ns from "m" */
static void js_reexport(struct lang_ctx *cx, TSNode n, const char *module)
{
    bool ext = js_is_external(module);
    TSNode clause = dk_lang_child_of_type(n, "export_clause");
    TSNode ns = dk_lang_child_of_type(n, "namespace_export");
    if (!ts_node_is_null(clause)) {
        uint32_t k = ts_node_named_child_count(clause);
        for (uint32_t j = 0; j < k; j++) {
            TSNode sp = ts_node_named_child(clause, j);
            if (!lang_is(sp, "export_specifier"))
                continue;
            dk_lang_add_import(cx, n, module,
                               dk_lang_unquote(cx, dk_lang_text(cx, lang_field(sp, "name"))),
                               dk_lang_unquote(cx, dk_lang_text(cx, lang_field(sp, "alias"))), ext);
        }
    } else if (!ts_node_is_null(ns)) {
        dk_lang_add_import(cx, n, module, NULL,
                           dk_lang_unquote(cx, dk_lang_text(cx, ts_node_named_child(ns, 0))), ext);
    } else {
        dk_lang_add_import(cx, n, module, "*", NULL, ext);
    }
}

/* require("m") / import("m"), with the names a `const` binds from it. */
static void js_require(struct lang_ctx *cx, TSNode call, const char *module)
{
    bool ext = js_is_external(module);
    TSNode decl = ts_node_parent(call);
    TSNode pattern = lang_is(decl, "variable_declarator") ? lang_field(decl, "name") : (TSNode){0};
    if (lang_is(pattern, "identifier")) {
        dk_lang_add_import(cx, decl, module, NULL, dk_lang_text(cx, pattern), ext);
        return;
    }
    bool any = false;
    if (lang_is(pattern, "object_pattern")) {
        uint32_t k = ts_node_named_child_count(pattern);
        for (uint32_t j = 0; j < k; j++) {
            TSNode p = ts_node_named_child(pattern, j);
            if (lang_is(p, "shorthand_property_identifier_pattern")) {
                dk_lang_add_import(cx, decl, module, dk_lang_text(cx, p), NULL, ext);
                any = true;
            } else if (lang_is(p, "pair_pattern") &&
                       lang_is(lang_field(p, "value"), "identifier")) {
                dk_lang_add_import(cx, decl, module, dk_lang_text(cx, lang_field(p, "key")),
                                   dk_lang_text(cx, lang_field(p, "value")), ext);
                any = true;
            }
        }
    }
    if (!any)
        dk_lang_add_import(cx, call, module, NULL, NULL, ext);
}

/* A string literal: the source of a re-export, or the argument of require()/import(). */
static void js_string_import(struct lang_ctx *cx, TSNode s)
{
    TSNode p = ts_node_parent(s);
    if (lang_is(p, "export_statement")) {
        if (ts_node_eq(lang_field(p, "source"), s))
            js_reexport(cx, p, js_string(cx, s));
        return;
    }
    if (!lang_is(p, "arguments") || ts_node_named_child_count(p) != 1)
        return;
    TSNode call = ts_node_parent(p);
    if (!lang_is(call, "call_expression"))
        return;
    TSNode fn = lang_field(call, "function");
    if (!lang_is(fn, "import") &&
        !(lang_is(fn, "identifier") && dk_lang_text_eq(cx, fn, "require")))
        return;
    const char *module = js_string(cx, s);
    if (*module)
        js_require(cx, call, module);
}

static void js_import(struct lang_ctx *cx, TSNode n)
{
    if (lang_is(n, "import_statement"))
        js_import_statement(cx, n);
    else
        js_string_import(cx, n);
}

/* ---- tables ------------------------------------------------------------- */

static const char *const js_exts[] = {"js", "jsx", "mjs", "cjs", NULL};
static const char *const js_interp[] = {"node", "nodejs", NULL};
static const char *const ts_exts[] = {"ts", "mts", "cts", NULL};
static const char *const tsx_exts[] = {"tsx", NULL};
static const char *const js_comments[] = {"comment", "html_comment", NULL};
static const char *const js_attributes[] = {"decorator", NULL};
static const char *const js_transparent[] = {"export_statement", "ambient_declaration",
                                             "lexical_declaration", "variable_declaration", NULL};
/* `var a = 1,\n  b = 2;`: the keyword is the first declarator's (and `export` before it) */
static const char *const js_keyword_lists[] = {"export_statement", "lexical_declaration",
                                               "variable_declaration", NULL};
static const char *const js_imports[] = {"import_statement", "string", NULL};
static const struct lang_call_rule js_calls[] = {
    {"call_expression", "function", NULL},
    {"new_expression", "constructor", NULL},
    {NULL, NULL, NULL},
};
static const char *const js_members[] = {"member_expression", NULL};
/* statements: what a function body merges by (merge/stmt.c) */
static const char *const js_statement_lists[] = {"statement_block", "switch_body", "switch_case",
                                                 "switch_default", NULL};

/* the names of `import { a, b } from`, of `export { a, b }`, a TypeScript enum's members */
static const char *const js_import_names[] = {"import_specifier", NULL};
static const char *const js_export_names[] = {"export_specifier", NULL};
static const char *const js_enum_members[] = {"property_identifier", "enum_assignment", NULL};
/* an object literal's entries (a spread `...x` makes it no member list: what it sets
 * depends on where it stands) */
static const char *const js_object_entries[] = {"pair", "shorthand_property_identifier",
                                                "method_definition", NULL};
static const struct lang_member_list js_member_lists[] = {
    {"named_imports", NULL, NULL, js_import_names, false},
    {"export_clause", NULL, NULL, js_export_names, false},
    {"enum_body", NULL, NULL, js_enum_members, false},
    {"object", NULL, NULL, js_object_entries, true},
    {NULL, NULL, NULL, NULL, false},
};

#define JS_LANGUAGE(lang_name, grammar_fn, exts, interp, overloading)                              \
    {                                                                                              \
        .name = lang_name, .grammar = grammar_fn, .extensions = exts, .interpreters = interp,      \
        .comment_types = js_comments, .attribute_types = js_attributes,                            \
        .transparent_types = js_transparent, .classify = js_classify, .import_types = js_imports,  \
        .import = js_import, .calls = js_calls, .member_types = js_members,                        \
        .statement_lists = js_statement_lists, .member_lists = js_member_lists,                    \
        .overloads = overloading, .order_free_statement = js_order_free_statement,                 \
        .keyword_lists = js_keyword_lists,                                                         \
    }

const dk_language dk_lang_javascript =
    JS_LANGUAGE("javascript", tree_sitter_javascript, js_exts, js_interp, LANG_OVERLOADS_NONE);
const dk_language dk_lang_typescript =
    JS_LANGUAGE("typescript", tree_sitter_typescript, ts_exts, NULL, LANG_OVERLOADS_SIGNATURES);
const dk_language dk_lang_tsx =
    JS_LANGUAGE("tsx", tree_sitter_tsx, tsx_exts, NULL, LANG_OVERLOADS_SIGNATURES);
