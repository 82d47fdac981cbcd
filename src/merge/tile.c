/*
 * merge/tile.c - tiling one version of a region into items (see tile.h).
 *
 * Invariants: the items of a level cover [start, end) exactly, in order;
 * pieces do not overlap; each piece id occurs once per level (a repeated
 * identity gets an occurrence suffix "#n" before interning).
 * Conventions: ids come from cx->intern, shared by the three versions, so
 * equal ids mean equal gap bytes or the same identity; key strings live in
 * cx->arena.
 */
#include "merge/tile.h"

#include <stdlib.h>
#include <string.h>

#include "merge/identity.h"
#include "util/alloc.h"

#include "util/banned.h"

uint32_t dk_merge_intern(struct merge_ctx *cx, char tag, const char *bytes, size_t len)
{
    /* the key is the tag and the bytes; short ones (most) are built on the stack */
    char small[256];
    char *k = len < sizeof(small) ? small : dk_xmalloc(len + 1);
    k[0] = tag;
    memcpy(k + 1, bytes, len);
    bool added;
    void **slot = dk_map_slot(&cx->intern, k, len + 1, &added);
    if (added)
        *slot = (void *)(uintptr_t)++cx->next_id;
    if (k != small)
        free(k);
    return (uint32_t)(uintptr_t)*slot;
}

static bool span_is_blank(const char *src, uint32_t a, uint32_t b)
{
    for (uint32_t i = a; i < b; i++) {
        if (src[i] != ' ' && src[i] != '\t' && src[i] != '\r' && src[i] != '\n' && src[i] != '\f' &&
            src[i] != '\v')
            return false;
    }
    return true;
}

void dk_merge_level_release(struct level *l)
{
    dk_vec_release(&l->pieces);
    dk_vec_release(&l->items);
    dk_map_release(&l->by_id);
}

static int piece_cmp(const void *a, const void *b)
{
    const struct piece *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

/* A declaration's span, for finding the one an import statement lies inside. */
struct span_end {
    uint32_t start, end;
};

static int span_start_cmp(const void *a, const void *b)
{
    const struct span_end *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

static bool is_hspace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * Widen [s, e) to whole lines within [lo, hi): back over the indentation
 * before the declaration, forward over trailing blanks and a separator the
 * grammar left outside it, through the newline. Blank lines are never part
 * of a piece: they stay gap lines, so diff3 aligns them and every side's
 * separators come out as that side wrote them.
 */
static void widen(const char *src, uint32_t lo, uint32_t hi, uint32_t *s, uint32_t *e)
{
    uint32_t a = *s;
    while (a > lo && (src[a - 1] == ' ' || src[a - 1] == '\t'))
        a--;
    if (a == lo || src[a - 1] == '\n')
        *s = a;
    uint32_t z = *e;
    if (z > lo && src[z - 1] == '\n')
        return; /* the span already ends its line (C preprocessor lines do) */
    while (z < hi && is_hspace(src[z]))
        z++;
    /* a separator the grammar left outside the declaration (`x: T;`, `RED,`) */
    if (z < hi && (src[z] == ';' || src[z] == ',')) {
        uint32_t y = z + 1;
        while (y < hi && is_hspace(src[y]))
            y++;
        if (y == hi || src[y] == '\n')
            z = y;
    }
    if (z < hi && src[z] == '\n')
        *e = z + 1;
    else if (z == hi)
        *e = z;
}

/*
 * Tile version `vi` of region [start, end) whose declarations are the
 * symbols with parent `parent` (and, at top level, import statements).
 */
/*
 * Real C, C++ and Rust have error nodes (macros tree-sitter cannot read).
 * An error inside a piece makes that piece opaque (a leaf merged line by
 * line as one unit, a container member by member by these same rules one
 * level down); an error in the text between pieces is text like any other.
 * An error that overlaps a piece without lying inside it blurs where
 * declarations begin or end: the structured merge does not apply here.
 * Errors and pieces are both in source order: one pass over each.
 */
static int mark_errors(struct level *l, const dk_analysis *a)
{
    size_t k = 0, n = l->pieces.len;
    for (size_t e = 0; e < a->nerrors; e++) {
        uint32_t es = a->errors[e].start_byte, ee = a->errors[e].end_byte;
        bool empty = ee <= es; /* a MISSING node: a position */
        if (empty ? (es < l->start || es >= l->end) : (ee <= l->start || es >= l->end))
            continue;
        while (k < n && l->pieces.items[k].end <= es)
            k++;
        if (k == n)
            continue; /* after the last piece: text */
        struct piece *p = &l->pieces.items[k];
        if (empty ? p->start > es : p->start >= ee)
            continue; /* before piece k: text */
        if (p->start <= es && (empty || ee <= p->end)) {
            p->opaque = true;
            continue;
        }
        return dk_error_set(DK_ELIMIT, "a syntax error at line %u crosses a declaration's edge",
                            a->errors[e].start_line);
    }
    return DK_OK;
}

/*
 * Items: gap lines and pieces, covering [l->start, l->end) exactly. A run of
 * blank lines is one item (a separator), so that "one blank line became
 * two" is one change, not an insertion diff3 may place on either side.
 */
static void build_items(struct merge_ctx *cx, struct level *l)
{
    const struct merge_version *v = &cx->v[l->vi];
    uint32_t end = l->end;
    l->items.len = 0;
    uint32_t pos = l->start;
    for (size_t k = 0; k <= l->pieces.len; k++) {
        uint32_t gap_end = k < l->pieces.len ? l->pieces.items[k].start : end;
        while (pos < gap_end) {
            const char *nl = memchr(v->src + pos, '\n', gap_end - pos);
            uint32_t e = nl ? (uint32_t)(nl - v->src) + 1 : gap_end;
            if (span_is_blank(v->src, pos, e)) {
                while (e < gap_end) {
                    const char *nl2 = memchr(v->src + e, '\n', gap_end - e);
                    uint32_t e2 = nl2 ? (uint32_t)(nl2 - v->src) + 1 : gap_end;
                    if (!span_is_blank(v->src, e, e2))
                        break;
                    e = e2;
                }
            }
            struct item *it = dk_vec_push_zero(&l->items);
            it->start = pos;
            it->end = e;
            it->piece = -1;
            it->blank = span_is_blank(v->src, pos, e);
            it->id = dk_merge_intern(cx, 'L', v->src + pos, e - pos);
            pos = e;
        }
        if (k < l->pieces.len) {
            const struct piece *p = &l->pieces.items[k];
            struct item *it = dk_vec_push_zero(&l->items);
            it->start = p->start;
            it->end = p->end;
            it->piece = (int32_t)k;
            it->id = p->id;
            pos = p->end;
        }
    }
}

int dk_merge_level_build(struct merge_ctx *cx, struct level *l, int vi, uint32_t start,
                         uint32_t end, int32_t parent)
{
    const struct merge_version *v = &cx->v[vi];
    const dk_analysis *a = v->an;
    l->vi = vi;
    l->start = start;
    l->end = end;
    l->by_id = (dk_map)DK_MAP_INIT_U64;
    dk_map occ = DK_MAP_INIT_STR_POOLED;
    dk_str key = DK_STR_INIT, grp = DK_STR_INIT;
    for (size_t i = 0; i < a->nsymbols; i++) {
        const dk_symbol *s = &a->symbols[i];
        if (s->parent != parent)
            continue;
        if (s->span.start_byte < start || s->span.end_byte > end) {
            dk_str_release(&key);
            dk_str_release(&grp);
            dk_map_release(&occ);
            return dk_error_set(DK_ELIMIT, "declaration `%s` outside its container",
                                s->qualified_name);
        }
        struct piece *p = dk_vec_push_zero(&l->pieces);
        p->start = s->span.start_byte;
        p->end = s->span.end_byte;
        p->sym = (int32_t)i;
        dk_str_clear(&key);
        dk_merge_symbol_key(&key, s, v->src, v->br, &cx->overloaded, false);
        if (cx->overloaded.len) {
            dk_str_clear(&grp);
            dk_merge_group_key(&grp, s, v->src, v->br);
            if (dk_map_has(&cx->overloaded, grp.ptr, grp.len))
                p->group = dk_arena_strndup(&cx->arena, grp.ptr, grp.len);
        }
        bool added;
        void **occ_n = dk_map_slot(&occ, key.ptr, key.len, &added);
        uintptr_t n = (uintptr_t)*occ_n;
        *occ_n = (void *)(n + 1);
        p->stem = dk_arena_strndup(&cx->arena, key.ptr, key.len);
        p->key = n == 0 ? p->stem : dk_arena_sprintf(&cx->arena, "%s#%u", key.ptr, (unsigned)n + 1);
    }
    dk_str_release(&key);
    dk_str_release(&grp);
    dk_map_release(&occ);
    if (parent < 0) {
        /* the declarations' spans by start, with the furthest end up to each: an import is
         * inside one iff the furthest end among those starting at or before it lies past it */
        size_t nsym = l->pieces.len;
        struct span_end *by_start = dk_xcalloc(nsym + 1, sizeof(*by_start));
        for (size_t k = 0; k < nsym; k++) {
            by_start[k].start = l->pieces.items[k].start;
            by_start[k].end = l->pieces.items[k].end;
        }
        if (nsym > 1)
            qsort(by_start, nsym, sizeof(*by_start), span_start_cmp);
        for (size_t k = 1; k < nsym; k++) {
            if (by_start[k].end < by_start[k - 1].end)
                by_start[k].end = by_start[k - 1].end;
        }
        /* import statements outside every top-level symbol, one piece per statement */
        dk_map seen = DK_MAP_INIT_STR_POOLED;
        uint32_t last_start = UINT32_MAX;
        for (size_t i = 0; i < a->nimports; i++) {
            const dk_import *im = &a->imports[i];
            if (im->span.start_byte == last_start)
                continue;
            last_start = im->span.start_byte;
            size_t lo = 0, hi = nsym; /* count of declarations starting at or before it */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (by_start[mid].start <= im->span.start_byte)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            bool inside = lo > 0 && by_start[lo - 1].end > im->span.start_byte;
            /* only statements that start their line (possibly indented, as in Go's
             * `import ( ... )` groups); one sharing a line with other code is text */
            uint32_t at = im->span.start_byte;
            while (at > 0 && (v->src[at - 1] == ' ' || v->src[at - 1] == '\t'))
                at--;
            if (inside || (at > 0 && v->src[at - 1] != '\n'))
                continue;
            dk_str ikey = DK_STR_INIT;
            dk_merge_import_key(&ikey, im);
            uintptr_t n = (uintptr_t)dk_map_get(&seen, ikey.ptr, ikey.len);
            dk_map_put(&seen, ikey.ptr, ikey.len, (void *)(n + 1), NULL);
            struct piece *p = dk_vec_push_zero(&l->pieces);
            p->start = im->span.start_byte;
            p->end = im->span.end_byte;
            p->sym = -1;
            if (im->name)
                p->group = dk_arena_sprintf(&cx->arena, "import:%s", im->module);
            p->stem = dk_arena_strndup(&cx->arena, ikey.ptr, ikey.len);
            p->key =
                n == 0 ? p->stem : dk_arena_sprintf(&cx->arena, "%s#%u", ikey.ptr, (unsigned)n + 1);
            dk_str_release(&ikey);
        }
        dk_map_release(&seen);
        free(by_start);
    }
    if (l->pieces.len > 1)
        qsort(l->pieces.items, l->pieces.len, sizeof(*l->pieces.items), piece_cmp);
    uint32_t prev_end = start;
    for (size_t k = 0; k < l->pieces.len; k++) {
        struct piece *p = &l->pieces.items[k];
        if (p->start < prev_end)
            return dk_error_set(DK_ELIMIT, "declarations `%s` and its predecessor overlap", p->key);
        widen(v->src, prev_end, end, &p->start, &p->end);
        if (p->start < prev_end)
            p->start = prev_end;
        prev_end = p->end;
        p->id = dk_merge_intern(cx, 'D', p->key, strlen(p->key));
        void *old = NULL;
        dk_map_put_u64(&l->by_id, p->id, (void *)(uintptr_t)(k + 1), &old);
        if (old)
            return dk_error_set(DK_ELIMIT, "declaration `%s` appears twice", p->key);
    }
    int rc = mark_errors(l, a);
    if (rc)
        return rc;
    build_items(cx, l);
    return DK_OK;
}

void dk_merge_level_reindex(struct merge_ctx *cx, struct level *l)
{
    dk_map_release(&l->by_id);
    l->by_id = (dk_map)DK_MAP_INIT_U64;
    for (size_t k = 0; k < l->pieces.len; k++) {
        struct piece *p = &l->pieces.items[k];
        p->id = dk_merge_intern(cx, 'D', p->key, strlen(p->key));
        dk_map_put_u64(&l->by_id, p->id, (void *)(uintptr_t)(k + 1), NULL);
    }
    for (size_t k = 0; k < l->items.len; k++) {
        struct item *it = &l->items.items[k];
        if (it->piece >= 0)
            it->id = l->pieces.items[it->piece].id;
    }
}

/* Where the line holding the declaration proper of piece p begins (p->start when nothing
 * is attached above it). */
static uint32_t decl_line(const struct merge_version *v, const struct piece *p)
{
    uint32_t d = v->an->symbols[p->sym].decl.start_byte;
    while (d > p->start && v->src[d - 1] != '\n')
        d--;
    return d;
}

/* Does [lo, hi) of src hold the bytes c as whole lines? */
static bool holds_lines(const char *src, uint32_t lo, uint32_t hi, const char *c, size_t n)
{
    for (uint32_t at = lo; at < hi && hi - at >= n;) {
        const char *f = memmem(src + at, hi - at, c, n);
        if (!f)
            return false;
        uint32_t x = (uint32_t)(f - src);
        if (x == lo || src[x - 1] == '\n')
            return true;
        at = x + 1;
    }
    return false;
}

/* The id of already-interned bytes, 0 when no version has them. */
static uint32_t interned(struct merge_ctx *cx, char tag, const char *bytes, size_t len)
{
    dk_str k = DK_STR_INIT;
    dk_str_addch(&k, tag);
    dk_str_add(&k, bytes, len);
    uintptr_t id = (uintptr_t)dk_map_get(&cx->intern, k.ptr, k.len);
    dk_str_release(&k);
    return (uint32_t)id;
}

/*
 * How far the gap lines [a, z) of version vi match base's items from item
 * `at` on, line for line: the end of the last matching line (a when none
 * does). *next gets the index of base's item after the matched ones.
 */
static uint32_t gap_lines_at(struct merge_ctx *cx, const struct level *base, size_t at, int vi,
                             uint32_t a, uint32_t z, size_t *next)
{
    const char *src = cx->v[vi].src;
    uint32_t pos = a;
    while (pos < z) {
        const char *nl = memchr(src + pos, '\n', z - pos);
        uint32_t e = nl ? (uint32_t)(nl - src) + 1 : z;
        if (at >= base->items.len || base->items.items[at].piece >= 0 ||
            base->items.items[at].id != interned(cx, 'L', src + pos, e - pos))
            break;
        pos = e;
        at++;
    }
    *next = at;
    return pos;
}

/* Does base's text stop at item i (a separator, a declaration or the end follows)? */
static bool base_text_ends_at(const struct level *base, size_t i)
{
    return i >= base->items.len || base->items.items[i].piece >= 0 || base->items.items[i].blank;
}

void dk_merge_level_detach_base_text(struct merge_ctx *cx, struct level *side,
                                     const struct level *base)
{
    const struct merge_version *v = &cx->v[side->vi];
    /* base's gap lines by id: the first occurrence, and each one's next */
    dk_map first = DK_MAP_INIT_U64;
    size_t *next = dk_xcalloc(base->items.len + 1, sizeof(*next));
    for (size_t i = base->items.len; i-- > 0;) {
        const struct item *it = &base->items.items[i];
        if (it->piece >= 0 || it->blank)
            continue;
        void *old = NULL;
        dk_map_put_u64(&first, it->id, (void *)(uintptr_t)(i + 1), &old);
        next[i] = (uintptr_t)old;
    }
    /* the id of the item before each piece (0 for the first item), and of the last piece
     * before it that base has too (0: none) */
    uint32_t *before = dk_xcalloc(side->pieces.len + 1, sizeof(*before));
    uint32_t *anchor = dk_xcalloc(side->pieces.len + 1, sizeof(*anchor));
    uint32_t last_shared = 0;
    for (size_t i = 0; i < side->items.len; i++) {
        const struct item *it = &side->items.items[i];
        if (it->piece < 0)
            continue;
        before[it->piece] = i ? side->items.items[i - 1].id : 0;
        anchor[it->piece] = last_shared;
        if (dk_merge_level_piece(base, it->id))
            last_shared = it->id;
    }
    /* base's last piece before each item (0: none) */
    uint32_t *base_anchor = dk_xcalloc(base->items.len + 1, sizeof(*base_anchor));
    for (size_t i = 1; i <= base->items.len; i++) {
        const struct item *it = &base->items.items[i - 1];
        base_anchor[i] = it->piece >= 0 ? it->id : base_anchor[i - 1];
    }
    bool changed = false;
    for (size_t k = 0; k < side->pieces.len; k++) {
        struct piece *p = &side->pieces.items[k];
        if (p->sym < 0 || dk_merge_level_piece(base, p->id))
            continue;
        /* the line where the declaration proper begins */
        uint32_t d = decl_line(v, p);
        if (d <= p->start)
            continue;
        const char *nl = memchr(v->src + p->start, '\n', d - p->start);
        uint32_t e1 = nl ? (uint32_t)(nl - v->src) + 1 : d;
        uint32_t id = interned(cx, 'L', v->src + p->start, e1 - p->start);
        /* at the same place: after the same item as in base and the same declaration before
         * it (an attribute line that base has elsewhere, or the same comment above another
         * declaration, is not it; nor is base's copy of a doc comment repeated above many
         * functions, further down); all of
         * the lines above the declaration, or the first ones when they are the whole of
         * base's text there (a section comment above the side's own doc comment) */
        uint32_t keep = p->start;
        for (size_t at = id ? (uintptr_t)dk_map_get_u64(&first, id) : 0; at && keep == p->start;
             at = next[at - 1]) {
            if ((at - 1 == 0 ? 0 : base->items.items[at - 2].id) != before[k] ||
                base_anchor[at - 1] != anchor[k])
                continue;
            size_t after = 0;
            uint32_t m = gap_lines_at(cx, base, at - 1, side->vi, p->start, d, &after);
            if (m == d || (m > p->start && base_text_ends_at(base, after)))
                keep = m;
        }
        if (keep == p->start)
            continue;
        p->start = keep;
        changed = true;
    }
    free(next);
    free(before);
    free(anchor);
    free(base_anchor);
    dk_map_release(&first);
    if (changed)
        build_items(cx, side);
}

/*
 * Does side vi leave the lines c standing above its piece sp: as whole lines of text between
 * sp and the side's last piece before it that base has too (the level's start when none), or
 * attached above a declaration the side added there? A copy above or inside a declaration
 * base has too is not the one this declaration had.
 */
static bool left_above(struct merge_ctx *cx, struct level *lv[3], int vi, const struct piece *sp,
                       const char *c, size_t n)
{
    const struct level *l = lv[vi];
    const char *src = cx->v[vi].src;
    uint32_t hi = sp->start;
    for (size_t j = (size_t)(sp - l->pieces.items); j-- > 0;) {
        const struct piece *q = &l->pieces.items[j];
        if (holds_lines(src, q->end, hi, c, n))
            return true;
        if (dk_merge_level_piece(lv[V_BASE], q->id))
            return false;
        if (q->sym >= 0 && holds_lines(src, q->start, decl_line(&cx->v[vi], q), c, n))
            return true;
        hi = q->start;
    }
    return holds_lines(src, l->start, hi, c, n);
}

void dk_merge_level_detach_left_comments(struct merge_ctx *cx, struct level *lv[3])
{
    const struct level *base = lv[V_BASE];
    const struct merge_version *bv = &cx->v[V_BASE];
    bool changed[3] = {false, false, false};
    for (size_t k = 0; k < base->pieces.len; k++) {
        const struct piece *bp = &base->pieces.items[k];
        if (bp->sym < 0)
            continue;
        uint32_t bd = decl_line(bv, bp);
        if (bd <= bp->start)
            continue;
        const char *c = bv->src + bp->start;
        size_t n = bd - bp->start;
        bool left = false;
        for (int vi = V_OURS; vi <= V_THEIRS && !left; vi++) {
            const struct piece *sp = dk_merge_level_piece(lv[vi], bp->id);
            if (!sp || sp->sym < 0 || decl_line(&cx->v[vi], sp) != sp->start)
                continue;
            left = left_above(cx, lv, vi, sp, c, n);
        }
        if (!left)
            continue;
        for (int vi = 0; vi < 3; vi++) {
            struct piece *q = (struct piece *)dk_merge_level_piece(lv[vi], bp->id);
            if (!q || q->sym < 0)
                continue;
            uint32_t qd = decl_line(&cx->v[vi], q);
            if (qd - q->start == n && memcmp(cx->v[vi].src + q->start, c, n) == 0) {
                q->start = qd;
                changed[vi] = true;
            }
        }
    }
    for (int vi = 0; vi < 3; vi++) {
        if (changed[vi])
            build_items(cx, lv[vi]);
    }
}

const struct piece *dk_merge_level_piece(const struct level *l, uint32_t id)
{
    uintptr_t k = (uintptr_t)dk_map_get_u64(&l->by_id, id);
    return k ? &l->pieces.items[k - 1] : NULL;
}

const struct item *dk_merge_level_items_at(const struct level *l, size_t i)
{
    static const struct item none[1];
    return l->items.items ? l->items.items + i : none;
}
