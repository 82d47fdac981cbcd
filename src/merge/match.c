/*
 * merge/match.c - pairing pieces across versions (see match.h).
 *
 * Identity keys pair most declarations: same qualified name, kind and
 * occurrence. Two cases need more, both decided per side against base:
 * a group of same-named declarations whose size the side changed (pieces
 * paired by identical bytes, the rest fresh additions) and an overload
 * whose head the side changed (paired when it is the only unmatched one of
 * its group on both sides and the bodies are similar).
 * Conventions: re-keying rewrites the side level's keys and ids in place.
 */
#include "merge/match.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

#include "util/banned.h"

static bool group_eq(const struct piece *a, const struct piece *b)
{
    return a->group && b->group && strcmp(a->group, b->group) == 0;
}

/* Same bytes in two versions. */
static bool piece_bytes_eq(const struct merge_ctx *cx, int va, const struct piece *a, int vb,
                           const struct piece *b)
{
    size_t al = a->end - a->start, bl = b->end - b->start;
    return al == bl && memcmp(cx->v[va].src + a->start, cx->v[vb].src + b->start, al) == 0;
}

/*
 * Declarations that share a name and parameters (a C function defined once
 * per #ifdef branch, several Go `init`, Rust `impl T` blocks) are told apart
 * by their order only. When a side adds or deletes one of them the order
 * shifts, and matching by position would merge one side's edit into another
 * declaration. So for such a group whose size a side changed, that side's
 * pieces are matched to base's by identical bytes; the rest become additions
 * (and base's unmatched ones deletions), which the usual rules then turn into
 * a clean change or a delete-vs-modify conflict, never a wrong merge.
 */
static void rekey_duplicates(struct merge_ctx *cx, struct level *lb, struct level *ls,
                             const char *tag)
{
    bool changed = false;
    for (size_t i = 0; i < ls->pieces.len; i++) {
        struct piece *sp = &ls->pieces.items[i];
        size_t nb = 0, ns = 0;
        for (size_t k = 0; k < lb->pieces.len; k++)
            nb += strcmp(lb->pieces.items[k].stem, sp->stem) == 0;
        for (size_t k = 0; k < ls->pieces.len; k++)
            ns += strcmp(ls->pieces.items[k].stem, sp->stem) == 0;
        if (nb == ns || (nb < 2 && ns < 2))
            continue;
        /* first piece of this group on the side: re-key the whole group */
        bool first = true;
        for (size_t k = 0; k < i && first; k++)
            first = strcmp(ls->pieces.items[k].stem, sp->stem) != 0;
        if (!first)
            continue;
        bool *used = dk_xcalloc(lb->pieces.len + 1, sizeof(*used));
        unsigned fresh = 0;
        for (size_t k = i; k < ls->pieces.len; k++) {
            struct piece *q = &ls->pieces.items[k];
            if (strcmp(q->stem, sp->stem) != 0)
                continue;
            const struct piece *match = NULL;
            for (size_t b = 0; b < lb->pieces.len && !match; b++) {
                const struct piece *bp = &lb->pieces.items[b];
                if (!used[b] && strcmp(bp->stem, q->stem) == 0 &&
                    piece_bytes_eq(cx, lb->vi, bp, ls->vi, q)) {
                    used[b] = true;
                    match = bp;
                }
            }
            q->key =
                match ? match->key : dk_arena_sprintf(&cx->arena, "%s@%s%u", q->stem, tag, ++fresh);
        }
        free(used);
        changed = true;
    }
    if (changed)
        dk_merge_level_reindex(cx, ls);
}

/*
 * Line overlap of two pieces' bodies (all but their first line), as a
 * fraction of the shorter: how sure we are that a changed head belongs to
 * the same declaration.
 */
static bool bodies_similar(const struct merge_ctx *cx, int va, const struct piece *a, int vb,
                           const struct piece *b)
{
    const char *as = cx->v[va].src + a->start, *ae = cx->v[va].src + a->end;
    const char *bs = cx->v[vb].src + b->start, *be = cx->v[vb].src + b->end;
    const char *an = memchr(as, '\n', (size_t)(ae - as)), *bn = memchr(bs, '\n', (size_t)(be - bs));
    as = an ? an + 1 : ae;
    bs = bn ? bn + 1 : be;
    size_t lines = 0, shared = 0;
    for (const char *p = as; p < ae && lines < 400;) {
        const char *nl = memchr(p, '\n', (size_t)(ae - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(ae - p);
        lines++;
        for (const char *q = bs; q < be;) {
            const char *ql = memchr(q, '\n', (size_t)(be - q));
            size_t m = ql ? (size_t)(ql - q) + 1 : (size_t)(be - q);
            if (m == n && memcmp(p, q, n) == 0) {
                shared++;
                break;
            }
            q += m;
        }
        p += n;
    }
    return lines == 0 ? as == ae && bs == be : shared * 2 >= lines;
}

/*
 * Overloads are matched by parameters, so an overload whose parameters one
 * side changed would look deleted and re-added. When exactly one piece of
 * an overload group is unmatched on each side of (base, side), they are the
 * same declaration with a new head: give the side's piece base's identity.
 */
static void pair_overloads(struct merge_ctx *cx, struct level *lb, struct level *ls)
{
    for (size_t i = 0; i < ls->pieces.len; i++) {
        struct piece *sp = &ls->pieces.items[i];
        if (!sp->group || dk_merge_level_piece(lb, sp->id))
            continue;
        size_t n_side = 0, n_base = 0;
        const struct piece *bp = NULL;
        for (size_t k = 0; k < ls->pieces.len; k++) {
            const struct piece *q = &ls->pieces.items[k];
            n_side += group_eq(q, sp) && !dk_merge_level_piece(lb, q->id);
        }
        for (size_t k = 0; k < lb->pieces.len; k++) {
            const struct piece *q = &lb->pieces.items[k];
            if (group_eq(q, sp) && !dk_merge_level_piece(ls, q->id)) {
                n_base++;
                bp = q;
            }
        }
        if (n_side != 1 || n_base != 1 || !bodies_similar(cx, lb->vi, bp, ls->vi, sp))
            continue;
        uint32_t old = sp->id;
        dk_map_del_u64(&ls->by_id, old, NULL);
        sp->id = bp->id;
        sp->key = bp->key;
        dk_map_put_u64(&ls->by_id, sp->id, (void *)(uintptr_t)(i + 1), NULL);
        for (size_t k = 0; k < ls->items.len; k++) {
            if (ls->items.items[k].id == old && ls->items.items[k].piece == (int32_t)i)
                ls->items.items[k].id = sp->id;
        }
    }
}

void dk_merge_match_pieces(struct merge_ctx *cx, struct level *l[3])
{
    rekey_duplicates(cx, l[V_BASE], l[V_OURS], "ours");
    rekey_duplicates(cx, l[V_BASE], l[V_THEIRS], "theirs");
    pair_overloads(cx, l[V_BASE], l[V_OURS]);
    pair_overloads(cx, l[V_BASE], l[V_THEIRS]);
}
