/*
 * lang/lang_cpp.c - C++: everything C has (lang_c.c), plus namespaces
 * (modules; `namespace a::b` is "a.b"), classes, structs and unions as
 * containers of their member functions and nested types (data members are
 * not symbols), in-class prototypes, constructors, destructors ("~Foo"),
 * operators ("operator==", "operator bool"), templates (the span includes
 * the template head), out-of-class definitions (`void Foo::bar() {}` is the
 * method "Foo.bar"), using-aliases and concepts (types), hidden friends.
 *
 * Visibility: members take the access label above them within the class
 * body (`public:` ...; class default private, struct/union public), found
 * by scanning back over the preceding siblings, out through any #ifdef the
 * member sits in. Elsewhere `static` and the anonymous namespace give
 * private, everything else public.
 *
 * Conventions: anonymous namespaces and `extern "C" { }` are transparent
 * (`extern "C" int f();` is the declaration f, the linkage in its span);
 * a qualified definition is a method even when its qualifier is a
 * namespace (the grammar cannot tell `ns::f` from `Class::f`).
 */
#include "lang/lang_c_common.h"
#include "util/str.h"

#include "util/banned.h"

const TSLanguage *tree_sitter_cpp(void);

static bool is_class_kind(int kind)
{
    return kind == DK_SYM_CLASS || kind == DK_SYM_STRUCT || kind == DK_SYM_UNION;
}

static bool is_preproc_block(TSNode n)
{
    return lang_is(n, "preproc_if") || lang_is(n, "preproc_ifdef") || lang_is(n, "preproc_else") ||
           lang_is(n, "preproc_elif") || lang_is(n, "preproc_elifdef");
}

/* The access label in force at member `n` of a class body. */
static dk_visibility cpp_access(struct lang_ctx *cx, TSNode n, int parent_kind)
{
    for (TSNode cur = n; !ts_node_is_null(cur); cur = ts_node_parent(cur)) {
        for (TSNode s = ts_node_prev_named_sibling(cur); !ts_node_is_null(s);
             s = ts_node_prev_named_sibling(s)) {
            if (!lang_is(s, "access_specifier"))
                continue;
            const char *t = dk_lang_text(cx, s);
            if (strncmp(t, "public", 6) == 0)
                return DK_VIS_PUBLIC;
            if (strncmp(t, "protected", 9) == 0)
                return DK_VIS_PROTECTED;
            return DK_VIS_PRIVATE;
        }
        if (!is_preproc_block(ts_node_parent(cur)))
            break;
    }
    return parent_kind == DK_SYM_CLASS ? DK_VIS_PRIVATE : DK_VIS_PUBLIC;
}

static bool in_anonymous_namespace(TSNode n)
{
    for (TSNode p = ts_node_parent(n); !ts_node_is_null(p); p = ts_node_parent(p)) {
        if (lang_is(p, "namespace_definition") && ts_node_is_null(lang_field(p, "name")))
            return true;
    }
    return false;
}

/* "a::b" -> "a.b", whitespace dropped. */
static const char *namespace_name(struct lang_ctx *cx, TSNode name)
{
    const char *t = dk_lang_text(cx, name);
    dk_str s = DK_STR_INIT;
    for (size_t i = 0; t[i]; i++) {
        if (t[i] == ':' && t[i + 1] == ':') {
            dk_str_addch(&s, '.');
            i++;
        } else if (t[i] != ' ' && t[i] != '\t' && t[i] != '\n' && t[i] != '\r') {
            dk_str_addch(&s, t[i]);
        }
    }
    const char *out = dk_lang_strdup(cx, s.ptr, s.len);
    dk_str_release(&s);
    return out;
}

static bool cpp_decl(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d);

/* template <...> DECL: the declaration inside, spanning the template head. */
static bool cpp_template(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    uint32_t c = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < c; i++) {
        TSNode ch = ts_node_named_child(n, i);
        if (lang_is(ch, "template_parameter_list") || lang_is(ch, "requires_clause") ||
            lang_is(ch, "comment"))
            continue;
        if (!cpp_decl(cx, ch, parent_kind, d))
            return false;
        d->node = n;
        return true;
    }
    return false;
}

/* A member declaration: a method prototype or a nested type; data members are not symbols. */
static bool cpp_field(struct lang_ctx *cx, TSNode n, struct lang_decl *d)
{
    TSNode declarator = lang_field(n, "declarator");
    if (ts_node_is_null(declarator)) {
        TSNode type = lang_field(n, "type");
        if (!dk_lang_c_classify_common(cx, type, d, true))
            return false;
        d->node = n;
        return true;
    }
    struct c_declarator cd;
    if (!dk_lang_c_declarator(cx, &cd, n, declarator) || !cd.is_function)
        return false;
    if (!dk_lang_c_name(cx, d, cd.name))
        return false;
    d->kind = DK_SYM_PROTOTYPE;
    return true;
}

static bool cpp_decl(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    if (lang_is(n, "namespace_definition")) {
        TSNode name = lang_field(n, "name");
        if (ts_node_is_null(name))
            return false; /* anonymous: transparent */
        d->kind = DK_SYM_MODULE;
        d->name = namespace_name(cx, name);
        d->body = lang_field(n, "body");
        d->container = true;
        return true;
    }
    if (lang_is(n, "template_declaration"))
        return cpp_template(cx, n, parent_kind, d);
    if (lang_is(n, "linkage_specification")) {
        /* `extern "C" int f(...) {...}`: that declaration, spanning the linkage; a braced
         * `extern "C" { ... }` is not a declaration (transparent, its members are) */
        TSNode body = lang_field(n, "body");
        if (ts_node_is_null(body) || lang_is(body, "declaration_list") ||
            !cpp_decl(cx, body, parent_kind, d))
            return false;
        d->node = n;
        return true;
    }
    if (lang_is(n, "field_declaration"))
        return cpp_field(cx, n, d);
    if (lang_is(n, "friend_declaration")) {
        /* a hidden friend defined in the class body; friend declarations are not symbols */
        TSNode fn = dk_lang_child_of_type(n, "function_definition");
        if (ts_node_is_null(fn) || !dk_lang_c_classify_common(cx, fn, d, true))
            return false;
        d->node = n;
        return true;
    }
    if (lang_is(n, "alias_declaration") || lang_is(n, "concept_definition")) {
        d->kind = DK_SYM_TYPE;
        d->name_node = lang_field(n, "name");
        return !ts_node_is_null(d->name_node);
    }
    return dk_lang_c_classify_common(cx, n, d, true);
}

static bool cpp_classify(struct lang_ctx *cx, TSNode n, int parent_kind, struct lang_decl *d)
{
    if (!cpp_decl(cx, n, parent_kind, d))
        return false;
    if (is_class_kind(parent_kind))
        d->visibility = cpp_access(cx, n, parent_kind);
    else if (in_anonymous_namespace(n))
        d->visibility = DK_VIS_PRIVATE;
    return true;
}

static const char *const cpp_exts[] = {"cc",  "cpp", "cxx", "c++", "hh",  "hpp",
                                       "hxx", "h++", "ipp", "tpp", "inl", NULL};
static const char *const cpp_comments[] = {"comment", NULL};
static const char *const cpp_attributes[] = {"attribute_declaration", NULL};
static const char *const cpp_transparent[] = {
    "preproc_if",       "preproc_ifdef",        "preproc_else",
    "preproc_elif",     "preproc_elifdef",      "linkage_specification",
    "declaration_list", "namespace_definition", NULL,
};
static const char *const cpp_imports[] = {"preproc_include", NULL};
static const struct lang_call_rule cpp_calls[] = {
    {"call_expression", "function", NULL},
    {NULL, NULL, NULL},
};
static const char *const cpp_members[] = {"field_expression", NULL};

/* static_cast<T>(x) and friends look like calls of a template function; they are not calls. */
static bool cpp_is_call(struct lang_ctx *cx, TSNode call, TSNode callee)
{
    (void)call;
    static const char *const casts[] = {"static_cast", "dynamic_cast", "const_cast",
                                        "reinterpret_cast", NULL};
    TSNode name = lang_is(callee, "template_function") ? lang_field(callee, "name") : callee;
    for (const char *const *c = casts; *c; c++) {
        if (dk_lang_text_eq(cx, name, *c))
            return false;
    }
    return true;
}

/* statements: what a function body merges by (merge/stmt.c) */
static const char *const cpp_statement_lists[] = {"compound_statement", "case_statement", NULL};
/* a struct's or union's fields, an enum's constants (a C++ class with methods is not one) */
static const char *const cpp_fields[] = {"field_declaration", NULL};
static const char *const cpp_enumerators[] = {"enumerator", NULL};
static const struct lang_member_list cpp_member_lists[] = {
    {"field_declaration_list", NULL, NULL, cpp_fields, false},
    {"enumerator_list", NULL, NULL, cpp_enumerators, false},
    {NULL, NULL, NULL, NULL, false},
};

const dk_language dk_lang_cpp = {
    .name = "cpp",
    .grammar = tree_sitter_cpp,
    .extensions = cpp_exts,
    .comment_types = cpp_comments,
    .attribute_types = cpp_attributes,
    .transparent_types = cpp_transparent,
    .classify = cpp_classify,
    .import_types = cpp_imports,
    .import = dk_lang_c_import,
    .calls = cpp_calls,
    .member_types = cpp_members,
    .is_call = cpp_is_call,
    .forward_decls = true,
    .preprocessor = true,
    .statement_lists = cpp_statement_lists,
    .member_lists = cpp_member_lists,
    .overloads = LANG_OVERLOADS_ALL,
    .macro_lines = true,
    .benign_missing = dk_lang_c_benign_missing,
};
