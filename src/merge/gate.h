/*
 * merge/gate.h - the fail-closed gate in front of every clean answer (gate.c).
 */
#ifndef DK_MERGE_GATE_H
#define DK_MERGE_GATE_H

#include "merge/merge_int.h"

/*
 * DK_OK if `text` may be reported as a clean merge of cx's inputs, otherwise
 * DK_ECONFLICT with *why (in cx->arena) describing the first failed check.
 */
int dk_merge_gate(struct merge_ctx *cx, const char *text, size_t len, const char **why);

/*
 * Add to `set` the group keys input vi declares more than once, i.e.
 * dk_merge_find_overloads(set, NULL, ...) on its analysis (which must be
 * there), counted once per merge and kept in cx->v[vi].overloads.
 */
void dk_merge_add_overloads(struct merge_ctx *cx, int vi, dk_map *set);

#endif
