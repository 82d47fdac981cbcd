/*
 * merge/stmt.h - merging a body that both sides changed, statement by
 * statement (stmt.c), before falling back to its lines.
 */
#ifndef DK_MERGE_STMT_H
#define DK_MERGE_STMT_H

#include <stdint.h>

#include "merge/emit.h"
#include "merge/merge_int.h"

/*
 * Merge the text [start[v], end[v]) of version v (whole lines: a
 * declaration both sides changed), whose syntax node spans exactly
 * [node_start[v], node_end[v]), by the statements of its bodies
 * (dk_analysis_statements): a statement changed on one side takes that
 * side; statements changed on different sides merge even when they are
 * neighbours; one statement changed differently on both sides is merged
 * one level down (its own blocks), else line by line, else it is a
 * conflict block named after `names` (the enclosing symbol; `desc` is
 * ignored, each conflict says which statement); additions at one place on
 * both sides conflict unless identical (order matters in a body).
 * Appends to `out` and records conflicts in cx. Returns DK_OK when it
 * applied; otherwise an error with nothing written or recorded (no tree or
 * statements, statements sharing lines with other code, edit limits): the
 * caller merges the text line by line.
 */
int dk_merge_statements(struct merge_ctx *cx, dk_str *out, const struct merge_names *names,
                        const uint32_t start[3], const uint32_t end[3],
                        const uint32_t node_start[3], const uint32_t node_end[3]);

#endif
