/*
 * lang/lang_int.h - what a language file provides, and the helpers it uses.
 *
 * A language is a `dk_language` (one file, src/lang/lang_<name>.c): the
 * grammar, how files are recognised, and hooks that look at ONE tree-sitter
 * node at a time. The generic walker (lang.c) owns everything else: tiling
 * leading comments and attributes onto declarations, qualified names,
 * occurrence indexes, signatures, call and import collection, error ranges.
 *
 * Conventions: hooks never allocate with malloc; strings they create go to
 * the analysis arena through dk_lang_text/dk_lang_strdup/dk_lang_sprintf. Node types
 * are compared by name (lang_is), which keeps the tables readable; the cost
 * is a strcmp per node, small next to parsing (the walker itself reads the
 * tables once per node type, lang.c type_info). Field names passed to
 * lang_field are string constants: their ids are memoised by address.
 */
#ifndef DK_LANG_INT_H
#define DK_LANG_INT_H

#include <stdbool.h>
#include <string.h>

#include <tree_sitter/api.h>

#include "dk/lang.h"

#include "util/arena.h"

struct lang_ctx;

/** What classify() reports for a declaration node. Zeroed before each call. */
struct lang_decl {
    dk_symbol_kind kind;
    /* the name as a node of the source ... */
    TSNode name_node;
    /* ... or as an explicit string (arena), which wins when non-NULL */
    const char *name;
    /* extra qualifier placed between the parent's path and the name
     * (Go receiver type "Server" gives "Server.Start"); arena or static */
    const char *qualifier;
    /* text placed right after the name in the qualified name (so in the identity and in
     * members' paths), not in the bare name: C#'s generic arity "<>" / "<,>", since
     * `class X` and `class X<T>` are two types; arena or static, NULL: none */
    const char *suffix;
    /* node whose span is the declaration; null node: the classified node */
    TSNode node;
    /* a later sibling the declaration runs through (a Haskell function's last
     * equation); null node: the declaration is `node` alone. The walker skips
     * the siblings up to it. */
    TSNode last;
    /* the body (block, class body, ...); null node when there is none */
    TSNode body;
    /* where members are found when `container`; null node: `body` */
    TSNode members;
    /* members are symbols of their own (class, impl, namespace, ...) */
    bool container;
    dk_visibility visibility;
};

/** A call-expression node type and where its callee is. */
struct lang_call_rule {
    /* node type of the call, e.g. "call_expression" */
    const char *type;
    /* field holding the callee; NULL: the first named child */
    const char *callee_field;
    /* field holding the receiver of a method call (Java "object", Ruby "receiver");
     * when present the callee text runs from the receiver to the end of the callee */
    const char *receiver_field;
};

/*
 * A node type whose children are members below declarations (a struct's
 * fields, an enum's variants, the names of an import list, a derive's
 * arguments): merged as an ordered list of named members (dk_lang_members).
 */
struct lang_member_list {
    /* node type of the list, e.g. "field_declaration_list"; NULL ends a table */
    const char *type;
    /* only when the list's parent has this type (Rust token_tree: in an attribute); or NULL */
    const char *parent;
    /* only children in this field are members (Python import_from_statement: "name"); or NULL */
    const char *field;
    /* node types a member may have (NULL-terminated); another named child that is not a
     * comment or attribute makes the list no member list (a C++ class with methods); NULL:
     * any */
    const char *const *members;
    /* keys are JavaScript property names: `a`, `'a'` and `"a"` are one key (an object
     * literal's entries); a numeric, computed or escaped key makes it no member list, since
     * `1` and `'1'`, `[k]` and `a` may name one property */
    bool property_keys;
};

enum { LANG_OVERLOADS_NONE = 0, LANG_OVERLOADS_SIGNATURES, LANG_OVERLOADS_ALL };

/* The public opaque dk_language is this definition. */
struct dk_language {
    /* lowercase language name: "python", "tsx", ... */
    const char *name;
    const TSLanguage *(*grammar)(void);
    /* file extensions without the dot, lowercase; NULL-terminated */
    const char *const *extensions;
    /* exact base names (e.g. "Rakefile"); NULL-terminated or NULL */
    const char *const *filenames;
    /* interpreters named on a #! line ("python3", "bash"); NULL-terminated or NULL */
    const char *const *interpreters;
    /* node types that are comments (attached to the next declaration when adjacent) */
    const char *const *comment_types;
    /* node types of leading attributes (Rust #[...], C# [..] when a sibling) */
    const char *const *attribute_types;
    /* node types whose children are walked as the same level (preprocessor
     * blocks, extern "C" { }, export wrappers, ...); NULL-terminated or NULL */
    const char *const *transparent_types;
    /* decide whether `node` declares a symbol; `parent_kind` is the kind of the
     * enclosing symbol or -1 at top level */
    bool (*classify)(struct lang_ctx *cx, TSNode node, int parent_kind, struct lang_decl *d);
    /* node types of import statements; `import` is called on each (not descended) */
    const char *const *import_types;
    void (*import)(struct lang_ctx *cx, TSNode node);
    /* call-expression rules; NULL-terminated by a rule with type == NULL */
    const struct lang_call_rule *calls;
    /* callee node types that make a call a method call (member_expression, ...) */
    const char *const *member_types;
    /* optional: false for a call-shaped node that is not a call (C++ casts) */
    bool (*is_call)(struct lang_ctx *cx, TSNode call, TSNode callee);
    /* a function may be declared apart from its definition (C/C++ prototypes), so a
     * prototype and a definition of one name are two declarations, not a duplicate */
    bool forward_decls;
    /* #if/#ifdef/#else lines choose between alternative texts (C/C++): alternative
     * definitions of one name in different branches are not duplicates */
    bool preprocessor;
    /* node types whose named children are statements, in order (a block, a case
     * body, a match's arms): what dk_analysis_statements returns; NULL: none */
    const char *const *statement_lists;
    /* functions of one name with different parameters are different declarations:
     * LANG_OVERLOADS_SIGNATURES for overload signatures only (TypeScript's bodiless
     * prototypes), LANG_OVERLOADS_ALL for every function and method (C++, Java, C#) */
    int overloads;
    /* member lists (lang_member_list, ended by a NULL type), or NULL */
    const struct lang_member_list *member_lists;
    /* a line holding only an upper-case macro invocation (`FMT_BEGIN_NAMESPACE`) is hidden
     * from the parser: text, or part of the declaration right below it (C, C++) */
    bool macro_lines;
    /* transparent node types whose leading keyword belongs to their first declaration
     * (`var` of `var a = 1,\n  b = 2;`), or NULL */
    const char *const *keyword_lists;
    /* optional: true, with d->name set, for a statement inside a body that is one of a set
     * of independent blocks collected and run by name, whose relative order changes nothing
     * any of them does (JS/TS test blocks `it('x', fn)`): dk_analysis_statement_name */
    bool (*order_free_statement)(struct lang_ctx *cx, TSNode stmt, struct lang_decl *d);
    /* optional: true for a MISSING node that is no error in the language as written with
     * macros (C's `;` after `list_for_each(p, l)` before its `{ }` block): not an error
     * range, so the declaration around it stays mergeable; NULL: every MISSING node is one */
    bool (*benign_missing)(struct lang_ctx *cx, TSNode missing);
};

/* ---- helpers for language files --------------------------------------- */

static inline bool lang_is(TSNode n, const char *type)
{
    return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

/** True if the node's type is in the NULL-terminated list. */
bool dk_lang_is_any(TSNode n, const char *const *types);

/**
 * The id of field `field` in `grammar` (0: the grammar has no such field), as
 * ts_language_field_id_for_name gives it, memoised per thread by the string's
 * address: `field` must be a string constant (a literal or a static table's),
 * never a buffer whose text changes.
 */
TSFieldId dk_lang_field_id(const TSLanguage *grammar, const char *field);

/* Null-safe: a null node has no fields. `field` is a string constant (dk_lang_field_id). */
static inline TSNode lang_field(TSNode n, const char *field)
{
    if (ts_node_is_null(n))
        return n;
    return ts_node_child_by_field_id(n, dk_lang_field_id(ts_node_language(n), field));
}

/** First named child of the given type, or a null node (also for a null `n`). */
TSNode dk_lang_child_of_type(TSNode n, const char *type);
/** First child (named or not) of the given type, or a null node. */
TSNode dk_lang_any_child_of_type(TSNode n, const char *type);
/** True if a direct child (named or anonymous) has exactly this source text. */
bool dk_lang_has_child_text(struct lang_ctx *cx, TSNode n, const char *text);

/** Source text of a node, copied into the arena. Empty string for a null node. */
const char *dk_lang_text(struct lang_ctx *cx, TSNode n);
/** Source text of [start, end) in the arena. */
const char *dk_lang_text_range(struct lang_ctx *cx, uint32_t start, uint32_t end);
/** Compare a node's source text with a C string. */
bool dk_lang_text_eq(struct lang_ctx *cx, TSNode n, const char *text);
const char *dk_lang_strdup(struct lang_ctx *cx, const char *s, size_t len);
const char *dk_lang_sprintf(struct lang_ctx *cx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Strip one layer of matching quotes ("x", 'x', `x`, <x>) from a string. */
const char *dk_lang_unquote(struct lang_ctx *cx, const char *s);

/** True for ALL_CAPS names (at least one letter, no lowercase): constants by convention. */
bool dk_lang_name_is_upper(const char *s);

/** Record an import. module must be non-empty; name/alias may be NULL. */
void dk_lang_add_import(struct lang_ctx *cx, TSNode at, const char *module, const char *name,
                        const char *alias, bool is_external);

/** The source being analysed (for hooks that look at raw bytes). */
const char *dk_lang_source(struct lang_ctx *cx, size_t *len);

/* ---- registry ----------------------------------------------------------- */

/* The language table (registry.c), NULL-terminated. */
extern const dk_language *const dk_lang_table[];

#endif
