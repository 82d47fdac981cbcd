/*
 * merge/members.h - merging a declaration both sides changed by its members
 * (a struct's fields, an enum's variants, the names of an import list, a
 * derive's traits): ordered lists whose members have names.
 */
#ifndef DK_MERGE_MEMBERS_H
#define DK_MERGE_MEMBERS_H

#include <stddef.h>

#include "merge/merge_int.h"

/*
 * Three-way merge of one declaration's texts (base, ours, theirs) as its
 * member lists (dk_lang_members): the text around the lists must be
 * changed by at most one side (or identically); in each list members keep
 * base's order, deletions are honoured, additions go after their nearest
 * surviving predecessor on their side, two sides' additions at one spot
 * ours first, then theirs; a member changed by one side takes that side's
 * text, the same addition on both sides is written once.
 * Appends the merged text to `out`, records for the gate the lines of it
 * that none of the three texts has (cx->composed), and returns DK_OK;
 * otherwise `out` is
 * unchanged and the result is DK_EUNSUPPORTED (no member lists, or lists
 * that do not line up) or DK_ECONFLICT (both sides changed one member or
 * the text around the lists differently, a side deleted a member the other
 * changed, both added one name with different text, a side moved a list,
 * a member's trailing comment would be lost or land after another member):
 * the caller merges the declaration another way.
 */
int dk_merge_members(struct merge_ctx *cx, dk_str *out, const char *const text[3],
                     const size_t len[3]);

#endif
