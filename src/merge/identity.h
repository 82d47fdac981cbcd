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

/* "qualified::kind": what overloads share. */
void dk_merge_group_key(dk_str *out, const dk_symbol *s);

/* Add to `set` the "qualified::kind" keys that occur more than once in `a`. */
void dk_merge_find_overloads(dk_map *set, const dk_analysis *a);

/*
 * The identity of a symbol for matching: its local id, or, for an
 * overloaded name, "qualified(params)::kind" (occurrences are added by the
 * caller). `callable` folds function/method/prototype into one kind (the
 * gate's duplicate check in languages without forward declarations).
 */
void dk_merge_symbol_key(dk_str *out, const dk_symbol *s, const dk_map *overloaded, bool callable);

/*
 * The identity of an import statement, from its first record:
 * "import:<module>[:<name>][ as <alias>]".
 */
void dk_merge_import_key(dk_str *out, const dk_import *im);

#endif
