/*
 * merge/match.h - pairing the pieces of base with a side's where identity
 * keys alone would pair them wrongly: groups of same-named declarations a
 * side resized (matched by content), overloads whose parameters a side
 * changed (matched by body), import statements whose first name a side
 * changed (matched by module).
 */
#ifndef DK_MERGE_MATCH_H
#define DK_MERGE_MATCH_H

#include "merge/tile.h"

/* Re-key the pieces of ours and theirs (l[V_OURS], l[V_THEIRS]) against base's. */
void dk_merge_match_pieces(struct merge_ctx *cx, struct level *l[3]);

#endif
