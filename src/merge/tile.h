/*
 * merge/tile.h - one version of a region (the file, or a container's text)
 * tiled into items so that every byte belongs to exactly one item:
 *
 *   [gap line][blank run][decl piece: leading comments/attributes + declaration][gap line]...
 *
 * A decl piece is a declaration (a symbol of this level, or an import
 * statement at top level) widened to whole lines; it includes the leading
 * comments and attributes the language layer attached to the symbol (its
 * span), never blank lines. A gap line is one line of whatever lies between
 * pieces; a run of blank lines is one item, the separator. Items are
 * interned to ids: gap lines by their bytes, pieces by identity.
 */
#ifndef DK_MERGE_TILE_H
#define DK_MERGE_TILE_H

#include <stdbool.h>
#include <stdint.h>

#include "merge/merge_int.h"

/*
 * The id of `bytes` under `tag` in cx's intern table (a new id the first
 * time): equal tag and bytes, equal id, within one merge. Ids start at 1.
 */
uint32_t dk_merge_intern(struct merge_ctx *cx, char tag, const char *bytes, size_t len);

struct piece {
    uint32_t start, end;
    uint32_t id;
    /* symbol index in the version's analysis, -1 for an import statement */
    int32_t sym;
    const char *key;
    /* "qualified::kind" when the name is overloaded (matched by parameters); for an import
     * statement of named leaves, "import:" and its first leaf's module (match.c pairs a
     * statement whose first name a side changed); else NULL */
    const char *group;
    /* the key without its "#n" occurrence suffix */
    const char *stem;
    /* a syntax error lies inside: a leaf is merged as one unit of lines; a container member by
     * member under the same rules one level down (as one unit when an error crosses a member) */
    bool opaque;
};

struct item {
    uint32_t start, end;
    uint32_t id;
    /* index into the level's pieces, -1 for a gap line */
    int32_t piece;
    /* a gap item of blank lines only (a separator); set once when tiling */
    bool blank;
};

struct level {
    int vi;
    uint32_t start, end;
    dk_vec(struct piece) pieces;
    dk_vec(struct item) items;
    /* piece id -> piece index + 1 */
    dk_map by_id;
};

/*
 * Tile version `vi` of region [start, end) whose declarations are the
 * symbols with parent `parent` (and, at top level, import statements).
 * A syntax error of the version inside a piece makes it opaque; one in the
 * text between pieces stays text. DK_ELIMIT when declarations overlap or
 * leave their container, or an error crosses a piece's edge (the caller
 * then merges the region another way). Release with dk_merge_level_release.
 */
int dk_merge_level_build(struct merge_ctx *cx, struct level *l, int vi, uint32_t start,
                         uint32_t end, int32_t parent);
void dk_merge_level_release(struct level *l);

/* After re-keying pieces of a level: ids from keys, the id map, the items. */
void dk_merge_level_reindex(struct merge_ctx *cx, struct level *l);

/*
 * A declaration a side added under lines base already has as text (a
 * comment that stood on its own in base, which the language layer now
 * attaches to the new declaration because no blank line separates them):
 * those lines stay text, the piece starts at the declaration's own line, so
 * diff3 aligns them with base's and the addition is an insertion after
 * them, as another side's addition at the same spot is. Re-tiles the side's
 * items when a piece changed; call after the pieces are matched.
 */
void dk_merge_level_detach_base_text(struct merge_ctx *cx, struct level *side,
                                     const struct level *base);

/*
 * A comment a side leaves behind: base attaches lines (a section comment) to
 * a declaration, and a side has that declaration with nothing attached while
 * the same lines stand above it in that side (as text, or attached to a
 * declaration the side inserted between them), below the side's last
 * declaration before it that base has too: a copy above or inside another
 * declaration is not it (a side that deleted this declaration's comment
 * deleted it). Those lines are then text in every
 * version where the declaration still carries exactly them, so diff3 aligns
 * them and the side's insertion is an insertion under them, not a change of
 * the declaration's comment (see dk_merge_level_detach_base_text, which then
 * detaches them from the inserted declaration). Re-tiles the levels it
 * changes; call after the pieces are matched, before the detach above.
 */
void dk_merge_level_detach_left_comments(struct merge_ctx *cx, struct level *lv[3]);

/* The piece with identity `id` in the level, or NULL. */
const struct piece *dk_merge_level_piece(const struct level *l, uint32_t id);

/* Items of a level from index i; never NULL (an empty level has no array). */
const struct item *dk_merge_level_items_at(const struct level *l, size_t i);

#endif
