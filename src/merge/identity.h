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

/*
 * Every key below takes the analysed text `src` (NULL: none): a declaration
 * written under #[cfg(...)] attributes (Rust) has its conditions in its
 * identity, "path[#[cfg(unix)]]::function", so alternative definitions of
 * one name under different conditions are different declarations, not
 * duplicates or overloads.
 */

/* "qualified[conditions]::kind": what overloads share. */
void dk_merge_group_key(dk_str *out, const dk_symbol *s, const char *src);

/* Add to `set` the group keys that occur more than once in `a` (of text `src`). */
void dk_merge_find_overloads(dk_map *set, const dk_analysis *a, const char *src);

/*
 * The identity of a symbol for matching: its local id, or, for an
 * overloaded name, "qualified(params)::kind" (occurrences are added by the
 * caller). `callable` folds function/method/prototype into one kind (the
 * gate's duplicate check in languages without forward declarations).
 */
void dk_merge_symbol_key(dk_str *out, const dk_symbol *s, const char *src, const dk_map *overloaded,
                         bool callable);

/*
 * The identity of an import statement, from its first record:
 * "import:<module>[:<name>][ as <alias>]".
 */
void dk_merge_import_key(dk_str *out, const dk_import *im);

#endif
