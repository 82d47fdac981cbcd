/*
 * merge/identity.h - the identities declarations and imports are matched
 * by, and counted by the gate: "qualified::kind" (plus "(params)" for an
 * overloaded name) and "import:<module>[:<name>][ as <alias>]". The bottom
 * of the merge: it knows symbols, nothing of tiling or matching.
 */
#ifndef DK_MERGE_IDENTITY_H
#define DK_MERGE_IDENTITY_H

#include <stdbool.h>

#include "dk/lang.h"

#include "util/map.h"
#include "util/str.h"
#include "util/vec.h"

/*
 * The alternative preprocessor branches of a C or C++ text: where each run
 * of lines under one combination of them starts, and its key. A line is
 * keyed by every conditional it is inside that has alternatives (an #elif
 * or #else): "[<its #if line>|]" in the first branch, "[<its #if
 * line>|<the #elif or #else line>]" in a later one, blanks and trailing
 * comments removed: "[#ifdef_WIN32|#else]". A conditional without
 * alternatives (a header guard, a plain #ifdef around a declaration) adds
 * nothing. Built in two passes over the text.
 */
struct merge_branches {
    /* start byte of each run, ascending; the first run (key "") is implicit */
    dk_vec(uint32_t) at;
    /* offset of each run's NUL-terminated key in `keys` */
    dk_vec(uint32_t) key;
    dk_str keys;
};

void dk_merge_branches_init(struct merge_branches *b, const char *src, size_t len);
void dk_merge_branches_release(struct merge_branches *b);

/*
 * Every key below takes the analysed text `src` (NULL: none) and its
 * preprocessor branches `br` (NULL: not C or C++): a declaration written
 * under #[cfg(...)] attributes (Rust) has its conditions in its identity,
 * "path[#[cfg(unix)]]::function", and a C or C++ declaration in an #else
 * or #elif branch its branch key, so alternative definitions of one name
 * under different conditions are different declarations, not duplicates
 * or overloads.
 */

/* "qualified[conditions]::kind": what overloads share. */
void dk_merge_group_key(dk_str *out, const dk_symbol *s, const char *src,
                        const struct merge_branches *br);

/*
 * Add to `set` the group keys that occur more than once in `a` (of text
 * `src`). With `lang`, only symbols of kinds the language overloads count
 * (dk_language_overloads); NULL counts every kind.
 */
void dk_merge_find_overloads(dk_map *set, const dk_language *lang, const dk_analysis *a,
                             const char *src, const struct merge_branches *br);

/*
 * Add to `set` the group keys of overloadable declarations (of language
 * `lang`, dk_language_overloads) that base lacks and ours and theirs both
 * add with different parameters: two overloads, each side's, not one
 * declaration added twice. In C and C++ the parameters are compared by
 * type; two function templates with the same types and differently
 * constrained heads (`enable_if`, `requires`) are two overloads as well.
 * a/src/br: base, ours, theirs.
 */
void dk_merge_find_added_overloads(dk_map *set, const dk_language *lang,
                                   const dk_analysis *const a[3], const char *const src[3],
                                   struct merge_branches *const br[3]);

/*
 * "qualified[conditions](types){head}::kind" for a function or method of a
 * language whose parameters dk reads by type (C, C++, Java, C#): the
 * parameter names dropped, so `f(int a)` and `f(int b)` share it. False,
 * with nothing added, for other kinds and languages and for parameters it
 * cannot read (function pointers). The gate counts these besides
 * dk_merge_symbol_key's, whose overloads keep the parameters as written.
 */
bool dk_merge_symbol_typed_key(dk_str *out, const dk_symbol *s, const dk_language *lang,
                               const char *src, const struct merge_branches *br);

/*
 * The identity of a symbol for matching: its local id, or, for an
 * overloaded name, "qualified(params)::kind", with "{head}" after the
 * parameters for a constrained C++ function template (occurrences are
 * added by the caller). `callable` folds function/method/prototype into one kind (the
 * gate's duplicate check in languages without forward declarations).
 */
void dk_merge_symbol_key(dk_str *out, const dk_symbol *s, const char *src,
                         const struct merge_branches *br, const dk_map *overloaded, bool callable);

/*
 * True for a declaration a file may hold several times with different
 * content under one name: a Rust inherent impl block (`impl T`, not
 * `impl Trait for T`, which must be unique), a C# `partial` class, struct
 * or interface (its parts). Its members still may not repeat (`impl T.new`
 * twice is a duplicate).
 */
bool dk_merge_repeatable(const dk_symbol *s);

/*
 * The identity of an import statement, from its first record:
 * "import:<module>[:<name>][ as <alias>]".
 */
void dk_merge_import_key(dk_str *out, const dk_import *im);

#endif
