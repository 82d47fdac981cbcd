/*
 * lang/lang_c_common.h - what C and C++ support share (defined in lang_c.c).
 *
 * The two grammars use the same node names for everything C has, so the C
 * classifier handles those nodes for both; lang_cpp.c adds namespaces,
 * classes, templates and access sections, and names that C never produces
 * (qualified_identifier, destructor_name, operator_name, operator_cast),
 * which dk_lang_c_name understands for both so that one code path resolves
 * every declarator.
 */
#ifndef DK_LANG_C_COMMON_H
#define DK_LANG_C_COMMON_H

#include "lang/lang_int.h"

/** What a declarator declares, read inside-out the way C reads types. */
struct c_declarator {
    /* the innermost name node (identifier, qualified_identifier, ...); null if none */
    TSNode name;
    /* the object is a function (not a pointer to one) */
    bool is_function;
    /* the object itself is const-qualified (`const int x`, `char *const p`) */
    bool is_const;
};

/**
 * Resolve `declarator` (a declarator field of `decl`, which holds the base
 * type qualifiers) into `out`. Returns false when no name was found.
 */
bool dk_lang_c_declarator(struct lang_ctx *cx, struct c_declarator *out, TSNode decl,
                          TSNode declarator);

/**
 * Fill d->name / d->name_node / d->qualifier from a name node; a C++
 * qualified name `a::B::f` gives qualifier "a.B" and name "f".
 * Returns false for an empty name.
 */
bool dk_lang_c_name(struct lang_ctx *cx, struct lang_decl *d, TSNode name);

/** True if `n` has a direct storage_class_specifier child `static`. */
bool dk_lang_c_is_static(struct lang_ctx *cx, TSNode n);

/**
 * Classify the nodes C and C++ share: #include, #define, functions,
 * prototypes, variables, typedefs, struct/union/enum specifiers. `cpp`
 * makes struct and union containers and qualified definitions methods.
 */
bool dk_lang_c_classify_common(struct lang_ctx *cx, TSNode n, struct lang_decl *d, bool cpp);

/**
 * The benign_missing hook: the `;` tree-sitter finds missing after a macro
 * invocation that opens a block, `name(args) { ... }` with the block starting
 * on the invocation's last line or the next (a loop macro such as
 * TAILQ_FOREACH(p, &list, entry) or repo_for_each_pack(r, p) in a body; a
 * TEST_CASE("x") or SECTION("x") block). Any other missing node is an error.
 */
bool dk_lang_c_benign_missing(struct lang_ctx *cx, TSNode missing);

/** The import hook for preproc_include: <x> external, "x" internal. */
void dk_lang_c_import(struct lang_ctx *cx, TSNode n);

#endif
