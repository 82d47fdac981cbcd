/*
 * lang/lang_c.c - C: functions, prototypes, global variables and constants,
 * struct/union/enum definitions, typedefs, #define macros and #include
 * (a symbol and an import); calls. Also the helpers C++ shares
 * (lang_c_common.h), since the C++ grammar reuses every C node name.
 *
 * Declarators are read the way C reads them, inside-out: the declarator
 * nearest the name decides what the object is, so `int (*fp)(int)` is a
 * variable (a pointer) while `char *(*get(int))(void)` is a function, and
 * `const char *s` is a variable while `char *const s` is a constant.
 *
 * Conventions: `static` gives private visibility, everything else public.
 * Preprocessor conditionals are transparent: both branches of an #ifdef are
 * walked, so a name defined in each gets two symbols (occurrences 0 and 1).
 * A declaration with several declarators (`int a, b;`) is one symbol, named
 * after the first; `struct s {..} v;` is the struct, `struct {..} v;` the
 * variable.
 */
#include "lang/lang_c_common.h"
#include "util/str.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_c(void);

/* Deepest declarator nesting followed; deeper ones are not symbols. */
#define C_DECLARATOR_MAX 32

static bool is_ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           (unsigned char)c >= 0x80;
}

/*
 * Source text of [start, end) with whitespace dropped except one space
 * between two identifier characters: "operator ==" -> "operator==",
 * "operator  new" -> "operator new", "~ Foo" -> "~Foo".
 */
static const char *compact_range(struct lang_ctx *cx, uint32_t start, uint32_t end)
{
    size_t len;
    const char *src = dk_lang_source(cx, &len);
    if (end > len)
        end = (uint32_t)len;
    dk_str s = DK_STR_INIT;
    bool space = false;
    for (uint32_t i = start; i < end; i++) {
        char c = src[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
            c == '\\') {
            space = true;
            continue;
        }
        if (space && s.len > 0 && is_ident_char(s.ptr[s.len - 1]) && is_ident_char(c))
            dk_str_addch(&s, ' ');
        space = false;
        dk_str_addch(&s, c);
    }
    const char *out = dk_lang_strdup(cx, s.ptr, s.len);
    dk_str_release(&s);
    return out;
}

static const char *compact(struct lang_ctx *cx, TSNode n)
{
    return compact_range(cx, ts_node_start_byte(n), ts_node_end_byte(n));
}

/* Node types that wrap another declarator. */
static const char *const declarator_wrappers[] = {
    "init_declarator",       "pointer_declarator",       "function_declarator",  "array_declarator",
    "attributed_declarator", "parenthesized_declarator", "reference_declarator", NULL,
};

/* Node types that end a declarator chain with a name. */
static const char *const name_types[] = {
    "identifier",           "field_identifier",
    "type_identifier",      "primitive_type",
    "qualified_identifier", "destructor_name",
    "operator_name",        "template_function",
    "operator_cast",        NULL,
};

static TSNode declarator_inner(TSNode n)
{
    TSNode next = lang_field(n, "declarator");
    if (!ts_node_is_null(next))
        return next;
    /* parenthesized/reference declarators: the declarator is the last named child */
    uint32_t c = ts_node_named_child_count(n);
    return c ? ts_node_named_child(n, c - 1) : (TSNode){0};
}

static bool has_const_qualifier(struct lang_ctx *cx, TSNode n)
{
    uint32_t c = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < c; i++) {
        TSNode ch = ts_node_named_child(n, i);
        if (lang_is(ch, "type_qualifier") &&
            (dk_lang_text_eq(cx, ch, "const") || dk_lang_text_eq(cx, ch, "constexpr")))
            return true;
    }
    return false;
}

/* A qualified name ends in an operator_cast: `Foo::operator bool` is a function. */
static bool name_is_function(TSNode name)
{
    while (lang_is(name, "qualified_identifier"))
        name = lang_field(name, "name");
    return lang_is(name, "operator_cast");
}

bool dk_lang_c_declarator(struct lang_ctx *cx, struct c_declarator *out, TSNode decl,
                          TSNode declarator)
{
    memset(out, 0, sizeof(*out));
    TSNode chain[C_DECLARATOR_MAX];
    int depth = 0;
    TSNode cur = declarator;
    while (dk_lang_is_any(cur, declarator_wrappers)) {
        if (depth == C_DECLARATOR_MAX)
            return false;
        chain[depth++] = cur;
        cur = declarator_inner(cur);
    }
    if (!dk_lang_is_any(cur, name_types))
        return false;
    out->name = cur;
    if (name_is_function(cur)) {
        out->is_function = true;
        return true;
    }
    /* inside-out: the first type constructor around the name is the object's own */
    for (int i = depth - 1; i >= 0; i--) {
        TSNode w = chain[i];
        if (lang_is(w, "parenthesized_declarator") || lang_is(w, "attributed_declarator") ||
            lang_is(w, "init_declarator"))
            continue;
        if (lang_is(w, "function_declarator")) {
            out->is_function = true;
            return true;
        }
        if (lang_is(w, "array_declarator"))
            continue; /* an array is as const as its elements */
        if (lang_is(w, "pointer_declarator")) {
            out->is_const = has_const_qualifier(cx, w);
            return true;
        }
        return true; /* a reference: never const itself */
    }
    out->is_const = has_const_qualifier(cx, decl);
    return true;
}

/* The name of a scope in a qualified name: `Box<T>` -> "Box". */
static const char *scope_name(struct lang_ctx *cx, TSNode scope)
{
    if (lang_is(scope, "template_type"))
        return compact(cx, lang_field(scope, "name"));
    return compact(cx, scope);
}

static const char *operator_cast_name(struct lang_ctx *cx, TSNode n)
{
    uint32_t end = ts_node_end_byte(n);
    TSNode params = lang_field(lang_field(n, "declarator"), "parameters");
    if (!ts_node_is_null(params))
        end = ts_node_start_byte(params);
    return compact_range(cx, ts_node_start_byte(n), end);
}

bool dk_lang_c_name(struct lang_ctx *cx, struct lang_decl *d, TSNode name)
{
    const char *qual = NULL;
    while (lang_is(name, "qualified_identifier")) {
        TSNode scope = lang_field(name, "scope");
        if (!ts_node_is_null(scope)) {
            const char *s = scope_name(cx, scope);
            qual = qual ? dk_lang_sprintf(cx, "%s.%s", qual, s) : s;
        }
        name = lang_field(name, "name");
    }
    if (ts_node_is_null(name))
        return false;
    d->qualifier = qual;
    if (lang_is(name, "identifier") || lang_is(name, "field_identifier") ||
        lang_is(name, "type_identifier") || lang_is(name, "primitive_type")) {
        d->name_node = name;
    } else if (lang_is(name, "operator_cast")) {
        d->name = operator_cast_name(cx, name);
    } else if (lang_is(name, "template_function")) {
        /* an explicit specialization `f<int>` is named after its template */
        d->name = compact(cx, lang_field(name, "name"));
    } else {
        /* destructor_name, operator_name, template_type: as written, compacted */
        d->name = compact(cx, name);
    }
    return d->name ? *d->name != '\0' : ts_node_end_byte(name) > ts_node_start_byte(name);
}

bool dk_lang_c_is_static(struct lang_ctx *cx, TSNode n)
{
    uint32_t c = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < c; i++) {
        TSNode ch = ts_node_named_child(n, i);
        if (lang_is(ch, "storage_class_specifier") && dk_lang_text_eq(cx, ch, "static"))
            return true;
    }
    return false;
}

static bool is_type_specifier(TSNode n)
{
    return lang_is(n, "struct_specifier") || lang_is(n, "union_specifier") ||
           lang_is(n, "enum_specifier") || lang_is(n, "class_specifier");
}

/* struct/union/enum/class with a body and a name; forward declarations are not symbols. */
static bool classify_specifier(struct lang_ctx *cx, TSNode n, struct lang_decl *d, bool cpp)
{
    TSNode body = lang_field(n, "body");
    TSNode name = lang_field(n, "name");
    if (ts_node_is_null(body) || ts_node_is_null(name))
        return false;
    if (!dk_lang_c_name(cx, d, name))
        return false;
    if (lang_is(n, "struct_specifier"))
        d->kind = DK_SYM_STRUCT;
    else if (lang_is(n, "union_specifier"))
        d->kind = DK_SYM_UNION;
    else if (lang_is(n, "enum_specifier"))
        d->kind = DK_SYM_ENUM;
    else
        d->kind = DK_SYM_CLASS;
    d->body = body;
    d->container = cpp && d->kind != DK_SYM_ENUM;
    d->visibility = DK_VIS_PUBLIC;
    return true;
}

/*
 * `TEST_CASE("name")` or `SYSCALL_DEFINE1(close, int, fd)` at top level,
 * followed by a `{ }` block: a function a macro declares. The grammar reads
 * an expression statement whose `;` is missing, then a compound statement;
 * the declaration runs through the block and is named by the invocation.
 */
static bool classify_macro_block(struct lang_ctx *cx, TSNode n, struct lang_decl *d)
{
    TSNode call = ts_node_named_child(n, 0);
    uint32_t nc = ts_node_child_count(n);
    if (!lang_is(call, "call_expression") || nc < 2 ||
        !ts_node_is_missing(ts_node_child(n, nc - 1)))
        return false;
    TSNode callee = lang_field(call, "function");
    TSNode block = ts_node_next_named_sibling(n);
    if (!lang_is(callee, "identifier") || !lang_is(block, "compound_statement") ||
        !dk_lang_name_is_upper(dk_lang_text(cx, callee)))
        return false;
    d->kind = DK_SYM_FUNCTION;
    d->name = compact(cx, call);
    d->last = block;
    d->body = block;
    return true;
}

bool dk_lang_c_benign_missing(struct lang_ctx *cx, TSNode missing)
{
    (void)cx;
    TSNode stmt = ts_node_parent(missing);
    uint32_t nc = ts_node_child_count(stmt);
    if (strcmp(ts_node_type(missing), ";") != 0 || !lang_is(stmt, "expression_statement") ||
        nc != 2 || !ts_node_eq(ts_node_child(stmt, 1), missing))
        return false;
    TSNode call = ts_node_child(stmt, 0);
    TSNode callee = lang_field(call, "function");
    TSNode block = ts_node_next_sibling(stmt);
    if (!lang_is(call, "call_expression") || !lang_is(callee, "identifier") ||
        !lang_is(block, "compound_statement"))
        return false;
    uint32_t row = ts_node_end_point(call).row, brow = ts_node_start_point(block).row;
    return brow == row || brow == row + 1;
}

bool dk_lang_c_classify_common(struct lang_ctx *cx, TSNode n, struct lang_decl *d, bool cpp)
{
    d->visibility = DK_VIS_PUBLIC;
    if (lang_is(n, "preproc_include")) {
        d->kind = DK_SYM_INCLUDE;
        d->name_node = lang_field(n, "path");
        return !ts_node_is_null(d->name_node);
    }
    if (lang_is(n, "preproc_def") || lang_is(n, "preproc_function_def")) {
        d->kind = DK_SYM_MACRO;
        d->name_node = lang_field(n, "name");
        return !ts_node_is_null(d->name_node);
    }
    if (is_type_specifier(n))
        return classify_specifier(cx, n, d, cpp);
    if (lang_is(n, "expression_statement"))
        return classify_macro_block(cx, n, d);

    struct c_declarator cd;
    if (lang_is(n, "function_definition")) {
        if (!dk_lang_c_declarator(cx, &cd, n, lang_field(n, "declarator")) || !cd.is_function)
            return false;
        if (!dk_lang_c_name(cx, d, cd.name))
            return false;
        d->kind = cpp && d->qualifier ? DK_SYM_METHOD : DK_SYM_FUNCTION;
        d->body = lang_field(n, "body");
    } else if (lang_is(n, "declaration")) {
        TSNode type = lang_field(n, "type");
        if (is_type_specifier(type) && classify_specifier(cx, type, d, cpp)) {
            d->node = n;
            return true;
        }
        if (!dk_lang_c_declarator(cx, &cd, n, lang_field(n, "declarator")))
            return false;
        if (!dk_lang_c_name(cx, d, cd.name))
            return false;
        d->kind = cd.is_function ? DK_SYM_PROTOTYPE
                  : cd.is_const  ? DK_SYM_CONSTANT
                                 : DK_SYM_VARIABLE;
    } else if (lang_is(n, "type_definition")) {
        if (!dk_lang_c_declarator(cx, &cd, n, lang_field(n, "declarator")))
            return false;
        if (!dk_lang_c_name(cx, d, cd.name))
            return false;
        d->kind = DK_SYM_TYPE;
    } else {
        return false;
    }
    d->visibility = dk_lang_c_is_static(cx, n) ? DK_VIS_PRIVATE : DK_VIS_PUBLIC;
    return true;
}

void dk_lang_c_import(struct lang_ctx *cx, TSNode n)
{
    TSNode path = lang_field(n, "path");
    bool external;
    if (lang_is(path, "system_lib_string"))
        external = true;
    else if (lang_is(path, "string_literal"))
        external = false;
    else
        return; /* #include MACRO: not known until preprocessing */
    dk_lang_add_import(cx, n, dk_lang_unquote(cx, dk_lang_text(cx, path)), NULL, NULL, external);
}

static bool c_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    (void)parent_kind;
    return dk_lang_c_classify_common(cx, n, d, false);
}

static const char *const c_exts[] = {"c", "h", NULL};
static const char *const c_comments[] = {"comment", NULL};
static const char *const c_attributes[] = {"attribute_declaration", NULL};
static const char *const c_transparent[] = {
    "preproc_if",      "preproc_ifdef",         "preproc_else",     "preproc_elif",
    "preproc_elifdef", "linkage_specification", "declaration_list", NULL,
};
static const char *const c_imports[] = {"preproc_include", NULL};
static const struct lang_call_rule c_calls[] = {
    {"call_expression", "function", NULL},
    {NULL, NULL, NULL},
};
static const char *const c_members[] = {"field_expression", NULL};

/* statements: what a function body merges by (merge/stmt.c) */
static const char *const c_statement_lists[] = {"compound_statement", "case_statement", NULL};
/* a struct's or union's fields, an enum's constants (a C++ class with methods is not one),
 * a table's designated initializers */
static const char *const c_fields[] = {"field_declaration", NULL};
static const char *const c_enumerators[] = {"enumerator", NULL};
/* a table's designated initializers (`[KEY] = v`, `.field = v`); positional ones are no list */
static const char *const c_initializers[] = {"initializer_pair", NULL};
static const struct lang_member_list c_member_lists[] = {
    {"field_declaration_list", NULL, NULL, c_fields, false},
    {"enumerator_list", NULL, NULL, c_enumerators, false},
    {"initializer_list", NULL, NULL, c_initializers, false},
    {NULL, NULL, NULL, NULL, false},
};

const dk_language dk_lang_c = {
    .name = "c",
    .grammar = tree_sitter_c,
    .extensions = c_exts,
    .comment_types = c_comments,
    .attribute_types = c_attributes,
    .transparent_types = c_transparent,
    .classify = c_classify,
    .import_types = c_imports,
    .import = dk_lang_c_import,
    .calls = c_calls,
    .member_types = c_members,
    .forward_decls = true,
    .preprocessor = true,
    .statement_lists = c_statement_lists,
    .member_lists = c_member_lists,
    .macro_lines = true,
    .benign_missing = dk_lang_c_benign_missing,
};
