/*
 * merge/structured.h - the structured merge of a whole file (structured.c).
 */
#ifndef DK_MERGE_STRUCTURED_H
#define DK_MERGE_STRUCTURED_H

#include "merge/merge_int.h"

/*
 * The structured merge of the whole file into `out`. Returns DK_OK with
 * conflicts recorded in cx, or an error when it does not apply (then the
 * caller falls back to the line merge) with *why (in cx->arena) saying why.
 */
int dk_merge_structured(struct merge_ctx *cx, dk_str *out, const char **why);

/*
 * Both sides added new declarations at one place (after the same surviving
 * declaration at top level, or the same surviving member of one container,
 * members known by their local ids). git's line merge may then interleave them by line
 * position; the structured merge puts ours first, then theirs (landing
 * order), so the cascade prefers it when it is clean.
 */
bool dk_merge_adds_at_one_place(struct merge_ctx *cx);

#endif
