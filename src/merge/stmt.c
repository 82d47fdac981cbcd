/*
 * merge/stmt.c - a declaration both sides changed, merged by its statements.
 *
 * git's line merge conflicts when two sides edit neighbouring lines, even
 * when they are different statements of one function. Here each version's
 * text is cut into units: every statement of the declaration's bodies
 * (lang's dk_analysis_statements: the children of its blocks, case bodies,
 * match arms), widened to whole lines, is one unit; every other line (the
 * head, braces, `} else {`, blank lines) is a unit of its own. Units are
 * interned by their bytes and matched base -> ours and base -> theirs
 * (longest common subsequence, blank lines only in the gaps). Each side's
 * changes are then hunks over base's units, and the hunks of the two sides
 * are merged like git's, with one difference: hunks that only touch (one
 * side's change ends where the other's begins) are both taken, because at
 * a statement boundary the two edits cannot be parts of one statement.
 *
 *   a unit changed by one side               -> that side
 *   different units changed on each side     -> both, even as neighbours
 *   one side's insertion next to the other's change -> both, in base order,
 *     unless the change adds statements at that edge too, or the two write a
 *     statement in common (two insertions at one place; written twice);
 *     next to the other's deletion only when the insertion's other
 *     neighbour is a statement both sides keep and the inserted text shares
 *     no word with the deleted one (else a replacement: both decide); blank
 *     lines between hunks do not keep them apart, and two edits of
 *     neighbouring lines of other text (decorators, a head) are adjacent as
 *     in git
 *   a multi-line statement whose first line a side kept (`if (x) {` with a
 *     changed body) at the edge of that side's hunk -> a hunk of its own, so
 *     the other side's change of that body merges one level down
 *   the same units changed identically       -> once
 *   overlapping changes, or two different insertions at one place
 *     -> when it is one statement on all three sides: by its member lists
 *        (members.c: an object literal's or a dict's entries, designated
 *        initializers) when the text around them changed on one side at
 *        most, else one level down (its own blocks); else a line merge of
 *        just those units, else a conflict block naming the statement and
 *        the enclosing symbol.
 *
 * Order matters in a body, so two insertions at one place are a conflict
 * unless identical, or one holds the other's lines with lines added (never
 * "ours first, then theirs" as between declarations), or both are only
 * order-free statements with names new to the other side and base (JS/TS
 * test blocks `it('x', fn)` in a describe body: ours, then theirs). A statement that shares a line
 * with other code (`if (x) { y(); }` on one line, `} else { z();`) is not a unit: its lines stay
 * lines. Nothing is reformatted: every byte written is a unit of a version. The gate then judges
 * the whole file as always.
 *
 * Conventions: DK_OK or an error meaning "does not apply", with nothing
 * written (the caller line-merges); conflicts are recorded, not errors.
 */
#include "merge/stmt.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "merge/diff3.h"
#include "merge/members.h"
#include "merge/tile.h"
#include "util/alloc.h"

#include "util/banned.h"

/* Edit distance explored per side before giving up. */
#define STMT_MAX_EDITS 4000
/* Statements within statements merged this deep at most. */
#define STMT_MAX_DEPTH 8
/* Leading bytes a changed statement keeps to count as the same statement changed. */
#define STMT_SAME_HEAD 8
/* Bytes of a statement quoted in a conflict's description. */
#define STMT_QUOTE_MAX 60

struct unit {
    uint32_t start, end;
    uint32_t id;
    /* a blank line: matched only between the others */
    uint8_t light;
    /* statements (not a line of other text) */
    uint8_t stmt;
    /* the one statement this unit is, for going a level down; node_end == 0 otherwise */
    uint32_t node_start, node_end;
};

typedef dk_vec(struct unit) unit_vec;

/* One side's change: base units [b0, b1) became the side's units [s0, s1). */
struct hunk {
    size_t b0, b1, s0, s1;
    int side;
    /* one multi-line statement cut off the edge of a larger hunk (side_hunks) */
    bool cut;
};

typedef dk_vec(struct hunk) hunk_vec;

struct body {
    struct merge_ctx *cx;
    const struct merge_names *names;
    unit_vec u[3];
    /* base unit -> the side's unit, SIZE_MAX when the side changed or deleted it */
    size_t *m[3];
    uint32_t start[3], end[3];
    /* statements of the version's level that are no unit of their own (several on one
     * line, or sharing a line with other code) */
    size_t loose[3];
    int depth;
};

static int merge_body(struct merge_ctx *cx, dk_str *out, const struct merge_names *names,
                      const uint32_t start[3], const uint32_t end[3], const uint32_t node_start[3],
                      const uint32_t node_end[3], int depth);

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool blank(const char *src, uint32_t a, uint32_t b)
{
    for (uint32_t i = a; i < b; i++) {
        if (!is_space(src[i]))
            return false;
    }
    return true;
}

/* Start of the line holding byte `at`, not before `lo`. */
static uint32_t line_start(const char *src, uint32_t lo, uint32_t at)
{
    while (at > lo && src[at - 1] != '\n')
        at--;
    return at;
}

/* End (after its newline) of the line holding byte `at - 1`, not after `hi`. */
static uint32_t line_end(const char *src, uint32_t at, uint32_t hi)
{
    const char *nl = at < hi ? memchr(src + at, '\n', hi - at) : NULL;
    return nl ? (uint32_t)(nl - src) + 1 : hi;
}

static void push_lines(struct merge_ctx *cx, unit_vec *u, const char *src, uint32_t a, uint32_t b)
{
    while (a < b) {
        uint32_t e = line_end(src, a, b);
        struct unit *x = dk_vec_push_zero(u);
        x->start = a;
        x->end = e;
        x->light = blank(src, a, e);
        x->id = dk_merge_intern(cx, 'L', src + a, e - a);
        a = e;
    }
}

/*
 * Cut version vi's [start, end) into units. Statements whose lines overlap
 * make one unit; a unit whose lines hold anything but its statements and
 * whitespace is dropped (its lines stay lines). DK_ENOTFOUND without a
 * statement unit.
 */
static int tile_body(struct merge_ctx *cx, int vi, uint32_t start, uint32_t end, uint32_t ns,
                     uint32_t ne, unit_vec *u, size_t *loose)
{
    const char *src = cx->v[vi].src;
    dk_span *st = NULL;
    size_t n = 0;
    int rc = dk_analysis_statements(cx->v[vi].an, ns, ne, &st, &n);
    if (rc)
        return rc;
    uint32_t pos = start;
    size_t units = 0;
    for (size_t i = 0; i < n;) {
        uint32_t ls = line_start(src, start, st[i].start_byte);
        uint32_t le = line_end(src, st[i].end_byte, end);
        size_t j = i + 1;
        while (j < n && st[j].start_byte < le) {
            uint32_t e = line_end(src, st[j].end_byte, end);
            le = e > le ? e : le;
            j++;
        }
        /* only whitespace around and between statements i..j-1 on their lines */
        bool ok = ls >= pos && st[i].start_byte >= start && st[j - 1].end_byte <= end &&
                  blank(src, ls, st[i].start_byte) && blank(src, st[j - 1].end_byte, le);
        for (size_t k = i + 1; ok && k < j; k++)
            ok = st[k].start_byte >= st[k - 1].end_byte &&
                 blank(src, st[k - 1].end_byte, st[k].start_byte);
        if (ok) {
            push_lines(cx, u, src, pos, ls);
            struct unit *x = dk_vec_push_zero(u);
            x->start = ls;
            x->end = le;
            x->id = dk_merge_intern(cx, 'S', src + ls, le - ls);
            x->stmt = 1;
            if (j == i + 1) {
                x->node_start = st[i].start_byte;
                x->node_end = st[i].end_byte;
            } else {
                *loose += j - i;
            }
            pos = le;
            units++;
        } else {
            *loose += j - i;
        }
        i = j;
    }
    push_lines(cx, u, src, pos, end);
    free(st);
    if (units == 0)
        return dk_error_set(DK_ENOTFOUND, "no statement stands on lines of its own");
    return DK_OK;
}

/*
 * Units a and b (of versions va, vb) are one multi-line statement whose
 * first line is unchanged (`if (x) {` with a changed body): the same
 * statement, changed.
 */
static bool same_head_line(const struct body *b, int va, size_t a, int vb, size_t c)
{
    const struct unit *x = &b->u[va].items[a], *y = &b->u[vb].items[c];
    if (!x->stmt || !y->stmt)
        return false;
    const char *xs = b->cx->v[va].src, *ys = b->cx->v[vb].src;
    uint32_t xe = line_end(xs, x->start, x->end), ye = line_end(ys, y->start, y->end);
    return xe < x->end && ye < y->end && xe - x->start == ye - y->start &&
           memcmp(xs + x->start, ys + y->start, xe - x->start) == 0;
}

static void push_hunk(hunk_vec *h, size_t b0, size_t b1, size_t s0, size_t s1, int side, bool cut)
{
    if (b1 > b0 || s1 > s0)
        dk_vec_push(h, ((struct hunk){b0, b1, s0, s1, side, cut}));
}

/*
 * A side's hunks over base from the matching m (base index -> side index or
 * SIZE_MAX). A hunk whose first or last base unit the side kept as the same
 * statement changed (same_head_line) is cut there, so that statement is a
 * hunk of its own (ours deletes the block above `if (x) {` and changes its
 * body; theirs changes the body too: the two bodies merge one level down).
 */
static void side_hunks(const struct body *b, hunk_vec *h, const size_t *m, size_t nb, size_t ns,
                       int side)
{
    size_t pb = 0, ps = 0;
    for (size_t i = 0; i <= nb; i++) {
        size_t j = i < nb ? m[i] : ns;
        if (j == SIZE_MAX)
            continue;
        size_t b0 = pb, s0 = ps, b1 = i, s1 = j;
        bool tail = false;
        if (b1 - b0 >= 2 || s1 - s0 >= 2) {
            bool head = b1 > b0 && s1 > s0 && same_head_line(b, V_BASE, b0, side, s0);
            tail = b1 - b0 >= (head ? 2 : 1) && s1 - s0 >= (head ? 2 : 1) &&
                   same_head_line(b, V_BASE, b1 - 1, side, s1 - 1);
            if (head) {
                push_hunk(h, b0, b0 + 1, s0, s0 + 1, side, true);
                b0++;
                s0++;
            }
            if (tail) {
                push_hunk(h, b0, b1 - 1, s0, s1 - 1, side, false);
                b0 = b1 - 1;
                s0 = s1 - 1;
            }
        }
        push_hunk(h, b0, b1, s0, s1, side, tail);
        pb = i + 1;
        ps = j + 1;
    }
}

static bool ids_equal(const struct body *b, int va, size_t a0, size_t a1, int vb, size_t b0,
                      size_t b1)
{
    if (a1 - a0 != b1 - b0)
        return false;
    for (size_t k = 0; k < a1 - a0; k++) {
        if (b->u[va].items[a0 + k].id != b->u[vb].items[b0 + k].id)
            return false;
    }
    return true;
}

/* Unit i of version vi as a line for dk_merge_added_rewrites. */
static struct merge_line unit_line(const struct body *b, int vi, size_t i)
{
    const struct unit *u = &b->u[vi].items[i];
    return (struct merge_line){b->cx->v[vi].src + u->start, u->end - u->start};
}

/*
 * The split of zealous_side that lets base's units outside [m0, m1) stand
 * for the common edges is a guess; it is wrong when `changer`'s middle holds
 * a rewrite of one of those base units (base `log(x);`, ours `extra();`,
 * theirs `log(z);` `extra();`: the common `extra();` standing for `log(x);`
 * would make theirs' `log(z);` an insertion, where theirs changed `log(x)`
 * and ours deleted it).
 */
static bool edge_rewritten(const struct body *b, const size_t r0[3], const size_t r1[3], size_t pre,
                           size_t suf, size_t m0, size_t m1, int changer)
{
    size_t c0 = r0[changer], c1 = r1[changer], ns = 0, na = 0;
    struct merge_line *shared = dk_xcalloc(c1 - c0 + 1, sizeof(*shared));
    struct merge_line *added = dk_xcalloc(c1 - c0 + 1, sizeof(*added));
    for (size_t k = c0; k < c1; k++) {
        if (b->u[changer].items[k].light)
            continue;
        if (k < c0 + pre || k >= c1 - suf)
            shared[ns++] = unit_line(b, changer, k);
        else
            added[na++] = unit_line(b, changer, k);
    }
    bool rewritten = false;
    for (size_t k = r0[V_BASE]; !rewritten && k < r1[V_BASE]; k++) {
        if ((k < m0 || k >= m1) && !b->u[V_BASE].items[k].light)
            rewritten = dk_merge_added_rewrites(unit_line(b, V_BASE, k), shared, ns, added, na);
    }
    free(shared);
    free(added);
    return rewritten;
}

/*
 * What both sides wrote identically at the start and end of a group (git's
 * zealous merge) stands for some units at base's start and end; when, for
 * some such split of base, one side's middle is base's middle, only the
 * other side changed the middle: its units, with the common edges, are the
 * merge. So a clean merge of neighbours merged again with one of its sides
 * gives it back (ours changed s2, theirs s1; M = s1' s2'; merge(B, ours, M)
 * sees s2' written by both and s1 unchanged by ours). Returns the side whose
 * group to write, or -1.
 */
static int zealous_side(const struct body *b, const size_t r0[3], const size_t r1[3])
{
    const struct unit *o = b->u[V_OURS].items, *t = b->u[V_THEIRS].items;
    size_t on = r1[V_OURS] - r0[V_OURS], tn = r1[V_THEIRS] - r0[V_THEIRS];
    size_t pre = 0, suf = 0;
    while (pre < on && pre < tn && o[r0[V_OURS] + pre].id == t[r0[V_THEIRS] + pre].id)
        pre++;
    while (suf < on - pre && suf < tn - pre &&
           o[r1[V_OURS] - 1 - suf].id == t[r1[V_THEIRS] - 1 - suf].id)
        suf++;
    size_t bn = r1[V_BASE] - r0[V_BASE];
    for (size_t i = 0; i <= pre && i <= bn; i++) {
        for (size_t j = 0; j <= suf && i + j <= bn; j++) {
            size_t m0 = r0[V_BASE] + i, m1 = r1[V_BASE] - j;
            if (ids_equal(b, V_OURS, r0[V_OURS] + pre, r1[V_OURS] - suf, V_BASE, m0, m1) &&
                !edge_rewritten(b, r0, r1, pre, suf, m0, m1, V_THEIRS))
                return V_THEIRS;
            if (ids_equal(b, V_THEIRS, r0[V_THEIRS] + pre, r1[V_THEIRS] - suf, V_BASE, m0, m1) &&
                !edge_rewritten(b, r0, r1, pre, suf, m0, m1, V_OURS))
                return V_OURS;
        }
    }
    return -1;
}

/* Byte range of units [i0, i1) of version vi (an empty range sits where unit i0 starts). */
static void unit_bytes(const struct body *b, int vi, size_t i0, size_t i1, uint32_t *s, uint32_t *e)
{
    const unit_vec *u = &b->u[vi];
    if (i1 > i0) {
        *s = u->items[i0].start;
        *e = u->items[i1 - 1].end;
    } else {
        *s = *e = i0 < u->len ? u->items[i0].start : b->end[vi];
    }
}

static void put_units(const struct body *b, dk_str *out, int vi, size_t i0, size_t i1)
{
    uint32_t s, e;
    unit_bytes(b, vi, i0, i1, &s, &e);
    dk_str_add(out, b->cx->v[vi].src + s, e - s);
}

/* What a conflict over units r0..r1 (bytes s..e) is about, for its record. */
static const char *group_desc(const struct body *b, const size_t r0[3], const size_t r1[3],
                              const uint32_t s[3], const uint32_t e[3])
{
    const char *what = b->names->kind == DK_MERGE_CONFLICT_SYMBOL
                           ? dk_symbol_kind_name(b->names->symbol_kind)
                           : "declaration";
    bool blank_base = true;
    for (size_t i = r0[V_BASE]; i < r1[V_BASE]; i++)
        blank_base = blank_base && b->u[V_BASE].items[i].light;
    if (blank_base)
        return dk_arena_sprintf(&b->cx->arena,
                                "both sides added different statements at one place in %s `%s`",
                                what, b->names->qname);
    /* quote the first non-blank line of base's units */
    const char *src = b->cx->v[V_BASE].src;
    uint32_t a = s[V_BASE];
    while (a < e[V_BASE] && is_space(src[a]))
        a++;
    uint32_t z = a;
    while (z < e[V_BASE] && src[z] != '\n' && src[z] != '\r' && z - a < STMT_QUOTE_MAX)
        z++;
    const char *more = z < e[V_BASE] && src[z] != '\n' && src[z] != '\r' ? "..." : "";
    bool one = r1[V_BASE] - r0[V_BASE] == 1 && b->u[V_BASE].items[r0[V_BASE]].node_end != 0;
    const char *stmt = one ? "the statement" : "the statements from";
    int gone = r1[V_OURS] == r0[V_OURS] ? V_OURS : r1[V_THEIRS] == r0[V_THEIRS] ? V_THEIRS : 0;
    if (gone)
        return dk_arena_sprintf(&b->cx->arena, "%s deleted %s `%.*s%s` of %s `%s`, %s changed it",
                                gone == V_OURS ? "ours" : "theirs", stmt, (int)(z - a), src + a,
                                more, what, b->names->qname, gone == V_OURS ? "theirs" : "ours");
    return dk_arena_sprintf(&b->cx->arena, "both sides changed %s `%.*s%s` of %s `%s`", stmt,
                            (int)(z - a), src + a, more, what, b->names->qname);
}

/* The order-free name of unit i of version vi (dk_analysis_statement_name), or NULL. */
static char *unit_name(const struct body *b, int vi, size_t i)
{
    const struct unit *x = &b->u[vi].items[i];
    const struct merge_version *v = &b->cx->v[vi];
    char *name = NULL;
    if (!x->stmt || x->node_end == 0)
        return NULL;
    if (dk_analysis_statement_name(v->an, v->src, v->len, x->node_start, x->node_end, &name)) {
        dk_error_clear();
        return NULL;
    }
    return name;
}

/*
 * Version vi's units [r0, r1) hold at least one statement, and every unit there is a blank
 * line or an order-free statement whose name `elsewhere` lacks. Sets the range's leading
 * and trailing blank units.
 */
static bool order_free_range(const struct body *b, int vi, size_t r0, size_t r1,
                             const dk_map *elsewhere, size_t *lead, size_t *trail)
{
    const struct unit *u = b->u[vi].items;
    size_t a = r0, z = r1;
    while (a < z && u[a].light)
        a++;
    while (z > a && u[z - 1].light)
        z--;
    *lead = a - r0;
    *trail = r1 - z;
    bool ok = a < z;
    for (size_t i = a; ok && i < z; i++) {
        if (u[i].light)
            continue;
        char *name = unit_name(b, vi, i);
        ok = name && !dk_map_has(elsewhere, name, strlen(name));
        free(name);
    }
    return ok;
}

/* Adds version vi's order-free statement names at this level to `names`; false when one
 * occurs twice in the version. */
static bool add_names(const struct body *b, int vi, dk_map *names)
{
    dk_map own = DK_MAP_INIT_STR;
    bool once = true;
    for (size_t i = 0; i < b->u[vi].len && once; i++) {
        char *name = unit_name(b, vi, i);
        if (name) {
            bool added = false;
            (void)dk_map_slot(&own, name, strlen(name), &added);
            once = added;
            dk_map_put(names, name, strlen(name), (void *)1, NULL);
        }
        free(name);
    }
    dk_map_release(&own);
    return once;
}

/*
 * Two insertions at one place (base's units there blank lines at most) that are each only
 * order-free statements, blocks a framework collects and runs by name (JS/TS test blocks
 * `it('x', fn)`: lang's dk_analysis_statement_name), every name once on every side at this
 * level, and no name of one side's insertion anywhere in base or in the other side: both
 * insertions, ours first, then theirs, as two declarations added at one place merge. Their
 * order changes which runs first, not what either checks. A statement of a version's level
 * that is no unit of its own (it shares a line) could hide a name: then not.
 *
 * Layout: ours' range as written, then theirs' statements, one blank run between (theirs'
 * leading one, else ours' trailing or leading one, else theirs' trailing one), then ours'
 * trailing blank lines, so each block keeps the separation its side gave it.
 */
static bool order_free_insertions(const struct body *b, dk_str *out, const size_t r0[3],
                                  const size_t r1[3])
{
    for (size_t i = r0[V_BASE]; i < r1[V_BASE]; i++) {
        if (!b->u[V_BASE].items[i].light)
            return false;
    }
    for (int vi = 0; vi < 3; vi++) {
        if (b->loose[vi])
            return false;
    }
    size_t lead[3] = {0}, trail[3] = {0};
    bool ok = true;
    for (int vi = V_OURS; ok && vi <= V_THEIRS; vi++) {
        /* what the side inserts is new to base and to the other side, and every version
         * names each block once */
        int other = vi == V_OURS ? V_THEIRS : V_OURS;
        dk_map elsewhere = DK_MAP_INIT_STR;
        ok = add_names(b, V_BASE, &elsewhere) && add_names(b, other, &elsewhere);
        if (ok) {
            dk_map mine = DK_MAP_INIT_STR;
            ok = add_names(b, vi, &mine);
            dk_map_release(&mine);
        }
        ok = ok && order_free_range(b, vi, r0[vi], r1[vi], &elsewhere, &lead[vi], &trail[vi]);
        dk_map_release(&elsewhere);
    }
    if (!ok)
        return false;
    put_units(b, out, V_OURS, r0[V_OURS], r1[V_OURS] - trail[V_OURS]);
    if (lead[V_THEIRS])
        put_units(b, out, V_THEIRS, r0[V_THEIRS], r0[V_THEIRS] + lead[V_THEIRS]);
    else if (trail[V_OURS])
        put_units(b, out, V_OURS, r1[V_OURS] - trail[V_OURS], r1[V_OURS]);
    else if (lead[V_OURS])
        put_units(b, out, V_OURS, r0[V_OURS], r0[V_OURS] + lead[V_OURS]);
    else if (trail[V_THEIRS])
        put_units(b, out, V_THEIRS, r1[V_THEIRS] - trail[V_THEIRS], r1[V_THEIRS]);
    put_units(b, out, V_THEIRS, r0[V_THEIRS] + lead[V_THEIRS], r1[V_THEIRS] - trail[V_THEIRS]);
    put_units(b, out, V_OURS, r1[V_OURS] - trail[V_OURS], r1[V_OURS]);
    return true;
}

/*
 * Both sides changed base units [b0, b1) (sides' units r0..r1): one level
 * down when it is one statement everywhere, else a line merge of just these
 * units, recorded as narrow conflicts when it is not clean.
 */
static int merge_group(struct body *b, dk_str *out, const size_t r0[3], const size_t r1[3])
{
    struct merge_ctx *cx = b->cx;
    if (ids_equal(b, V_OURS, r0[V_OURS], r1[V_OURS], V_THEIRS, r0[V_THEIRS], r1[V_THEIRS])) {
        put_units(b, out, V_OURS, r0[V_OURS], r1[V_OURS]);
        return DK_OK;
    }
    /* the same edges on both sides and one side's middle unchanged: the other side */
    int side = zealous_side(b, r0, r1);
    if (side >= 0) {
        put_units(b, out, side, r0[side], r1[side]);
        return DK_OK;
    }
    /* two insertions of test blocks with names of their own: ours, then theirs */
    if (order_free_insertions(b, out, r0, r1))
        return DK_OK;
    uint32_t s[3], e[3];
    for (int vi = 0; vi < 3; vi++)
        unit_bytes(b, vi, r0[vi], r1[vi], &s[vi], &e[vi]);
    bool single = b->depth + 1 < STMT_MAX_DEPTH;
    for (int vi = 0; vi < 3 && single; vi++)
        single = r1[vi] - r0[vi] == 1 && b->u[vi].items[r0[vi]].node_end != 0;
    if (single) {
        /* one statement on all sides, which both changed: by its member lists (an object
         * literal's entries, a table's designated initializers) when those are all that
         * both sides changed */
        const char *texts[3];
        size_t lens[3];
        for (int vi = 0; vi < 3; vi++) {
            texts[vi] = cx->v[vi].src + s[vi];
            lens[vi] = e[vi] - s[vi];
        }
        if (dk_merge_members(cx, out, texts, lens) == DK_OK)
            return DK_OK;
        dk_error_clear();
    }
    if (single) {
        uint32_t ns[3], ne[3];
        for (int vi = 0; vi < 3; vi++) {
            ns[vi] = b->u[vi].items[r0[vi]].node_start;
            ne[vi] = b->u[vi].items[r0[vi]].node_end;
        }
        size_t mark = out->len, nconf = cx->conflicts.len;
        if (merge_body(cx, out, b->names, s, e, ns, ne, b->depth + 1) == DK_OK)
            return DK_OK;
        dk_error_clear();
        dk_str_truncate(out, mark);
        cx->conflicts.len = nconf;
        cx->conflict_out_start.len = nconf;
        cx->conflict_out_end.len = nconf;
    }
    struct merge_blocks blocks = {0};
    bool clean = false;
    int rc = dk_merge_line_contained(cx, out, &clean, &blocks, cx->v[V_BASE].src + s[V_BASE],
                                     e[V_BASE] - s[V_BASE], cx->v[V_OURS].src + s[V_OURS],
                                     e[V_OURS] - s[V_OURS], cx->v[V_THEIRS].src + s[V_THEIRS],
                                     e[V_THEIRS] - s[V_THEIRS]);
    if (rc == DK_OK && !clean) {
        struct merge_names names = *b->names;
        names.desc = group_desc(b, r0, r1, s, e);
        dk_merge_record_blocks(cx, out->ptr, &blocks, &names, s);
    }
    dk_merge_blocks_release(&blocks);
    return rc;
}

/*
 * Two hunks of different sides that write a unit (not a blank line) in
 * common: taking both would write it twice (ours changes a statement and
 * adds `x` after it, theirs only adds `x`), so touching hunks like these
 * are one group.
 */
static bool write_common(const struct body *b, const struct hunk *x, const struct hunk *y)
{
    const struct unit *ux = b->u[x->side].items, *uy = b->u[y->side].items;
    for (size_t i = x->s0; i < x->s1; i++) {
        for (size_t k = y->s0; !ux[i].light && k < y->s1; k++) {
            if (ux[i].id == uy[k].id)
                return true;
        }
    }
    return false;
}

/*
 * One side's insertion at p that the other side's hunk touching p already
 * writes, as the start of what replaces base from p on, or as the end of
 * what replaces base up to p (ours inserted `x` before s; theirs put `x`
 * there too and changed s): nothing of its own to add. Two insertions of
 * one length are not subsumed (the group writes an identical pair once).
 */
static bool subsumed(const struct body *b, const struct hunk *h, const struct hunk *g)
{
    size_t n = h->s1 - h->s0, gn = g->s1 - g->s0;
    if (h->b0 != h->b1 || g->side == h->side || gn < n || (g->b0 == g->b1 && gn == n))
        return false;
    size_t at;
    if (g->b0 == h->b0)
        at = g->s0;
    else if (g->b1 == h->b0 && g->b0 < g->b1)
        at = g->s1 - n;
    else
        return false;
    for (size_t k = 0; k < n; k++) {
        if (b->u[h->side].items[h->s0 + k].id != b->u[g->side].items[at + k].id)
            return false;
    }
    return true;
}

/* A hunk that only adds statements: an insertion, or one that replaces blank lines only. */
static bool adds_only(const struct body *b, const struct hunk *h)
{
    for (size_t i = h->b0; i < h->b1; i++) {
        if (!b->u[V_BASE].items[i].light)
            return false;
    }
    return true;
}

/* A hunk that writes more statements than it replaces (other lines, a head, not counted). */
static bool grows(const struct body *b, const struct hunk *h)
{
    size_t nb = 0, ns = 0;
    for (size_t i = h->b0; i < h->b1; i++)
        nb += b->u[V_BASE].items[i].stmt;
    for (size_t i = h->s0; i < h->s1; i++)
        ns += b->u[h->side].items[i].stmt;
    return ns > nb;
}

/* Bytes two lines (from `a` and `b`) agree on from their first non-blank byte. */
static size_t common_head(const char *a, const char *ae, const char *b, const char *be)
{
    while (a < ae && (*a == ' ' || *a == '\t'))
        a++;
    while (b < be && (*b == ' ' || *b == '\t'))
        b++;
    size_t n = 0;
    while (a + n < ae && b + n < be && a[n] == b[n] && a[n] != '\n')
        n++;
    return n;
}

/*
 * The hunk's first (at_start) or last unit is its base unit changed, not a
 * new one: their first lines start alike (`let names = ...` and `let
 * names: Vec<_> = ...`). Then an insertion on that edge goes before (after)
 * it without doubt, even when the hunk adds statements at its other end.
 */
static bool kept_at(const struct body *b, const struct hunk *h, bool at_start)
{
    if (h->b1 == h->b0 || h->s1 == h->s0)
        return false;
    const struct unit *ub = &b->u[V_BASE].items[at_start ? h->b0 : h->b1 - 1];
    const struct unit *us = &b->u[h->side].items[at_start ? h->s0 : h->s1 - 1];
    if (!ub->stmt || !us->stmt)
        return false;
    const char *bs = b->cx->v[V_BASE].src, *ss = b->cx->v[h->side].src;
    return common_head(bs + ub->start, bs + ub->end, ss + us->start, ss + us->end) >=
           STMT_SAME_HEAD;
}

/* Next identifier-like word of [*p, e) (letters, digits, '_'; at least one letter or '_'). */
static bool next_word(const char **p, const char *e, const char **w, size_t *n)
{
    const char *s = *p;
    for (;;) {
        while (s < e && !(isalnum((unsigned char)*s) || *s == '_'))
            s++;
        if (s == e) {
            *p = s;
            return false;
        }
        const char *t = s;
        bool letter = false;
        while (t < e && (isalnum((unsigned char)*t) || *t == '_')) {
            letter = letter || !isdigit((unsigned char)*t);
            t++;
        }
        if (letter) {
            *w = s;
            *n = (size_t)(t - s);
            *p = t;
            return true;
        }
        s = t;
    }
}

/*
 * One side inserts statements (hunk ins) right next to the other side's
 * deletion of statements (hunk del). Both edits stand, as two edits, when:
 * the insertion's other neighbour, base unit `anchor`, is a statement (the
 * insertion stays anchored to a statement both sides keep: neither hunk
 * touches it, the deletion being on the insertion's other side); the
 * deletion removes only statements and blank lines; and no word (an
 * identifier, a keyword) of the inserted text is in the deleted text, so
 * the insertion neither uses what the deletion removes nor restates it in
 * another form (ours deletes `free(p);`, theirs adds `close(fd);` before
 * `return 0;`: both; theirs adds `p = NULL;` there: a conflict).
 */
static bool insert_beside_delete(const struct body *b, const struct hunk *ins,
                                 const struct hunk *del, size_t anchor)
{
    const unit_vec *ub = &b->u[V_BASE];
    if (anchor >= ub->len || !ub->items[anchor].stmt || ins->s0 == ins->s1 ||
        b->m[V_OURS][anchor] == SIZE_MAX || b->m[V_THEIRS][anchor] == SIZE_MAX)
        return false;
    bool stmt = false;
    for (size_t i = del->b0; i < del->b1; i++) {
        if (!ub->items[i].stmt && !ub->items[i].light)
            return false;
        stmt = stmt || ub->items[i].stmt;
    }
    if (!stmt)
        return false;
    const char *bs = b->cx->v[V_BASE].src, *is = b->cx->v[ins->side].src;
    const char *ip = is + b->u[ins->side].items[ins->s0].start;
    const char *ie = is + b->u[ins->side].items[ins->s1 - 1].end;
    const char *dp0 = bs + ub->items[del->b0].start, *de = bs + ub->items[del->b1 - 1].end;
    dk_map deleted = DK_MAP_INIT_STR;
    const char *w;
    size_t n;
    while (next_word(&dp0, de, &w, &n))
        dk_map_put(&deleted, w, n, (void *)1, NULL);
    bool shared = false;
    while (!shared && next_word(&ip, ie, &w, &n))
        shared = dk_map_has(&deleted, w, n);
    dk_map_release(&deleted);
    return !shared;
}

/* Hunk hs[j] (next in base order) belongs to the group hs[i, j), which ends at base unit B1. */
static bool joins_group(const struct body *b, const struct hunk *hs, size_t i, size_t j, size_t B1)
{
    const struct hunk *h = &hs[j];
    if (h->b0 < B1)
        return true; /* overlaps */
    /* hunks apart only by blank lines touch: a blank line is no statement between them */
    const struct unit *ub = b->u[V_BASE].items;
    size_t nb = b->u[V_BASE].len, E = B1;
    while (E < nb && ub[E].light)
        E++;
    if (h->b0 > E)
        return false;
    /* between two lines of other text (decorators, a head over several lines) touching is
     * adjacency as in git: not a statement boundary */
    bool text_edge = h->b0 == B1 && B1 > 0 && B1 < nb && !ub[B1 - 1].stmt && !ub[B1 - 1].light &&
                     !ub[B1].stmt && !ub[B1].light;
    for (size_t k = i; k < j; k++) {
        const struct hunk *g = &hs[k];
        if (g->side == h->side || g->b1 != B1)
            continue; /* only the other side's hunks that end where h starts touch it */
        if (text_edge)
            return true;
        /* two insertions at one place (one may replace blank lines there): order matters in a
         * body, so both sides decide */
        if (adds_only(b, g) && adds_only(b, h))
            return true;
        /* an insertion next to a change that also adds statements (theirs changes s and
         * appends t, ours inserts u after s): two insertions at one place again */
        if (adds_only(b, g) && grows(b, h) && !kept_at(b, h, true))
            return true;
        if (adds_only(b, h) && grows(b, g) && !kept_at(b, g, false))
            return true;
        if (write_common(b, g, h))
            return true;
        /* an insertion next to a deletion: two edits only when the insertion keeps an anchor
         * and shares no word with what is deleted; else a replacement, both sides decide */
        bool h_ins = h->b0 == h->b1, g_ins = g->b0 == g->b1;
        if (h_ins && !g_ins && g->s0 == g->s1 && !insert_beside_delete(b, h, g, h->b0))
            return true;
        if (g_ins && !h_ins && h->s0 == h->s1 && !insert_beside_delete(b, g, h, g->b0 - 1))
            return true;
    }
    return false;
}

/*
 * Merge the hunks of both sides (sorted by base position). A group is a
 * run of hunks that overlap, two insertions at one place, or touching
 * hunks that write a unit in common; a group of one side's hunk alone is
 * that side's change.
 */
/*
 * Two hunks of different sides in different groups that write one
 * statement in common: both sides added it, at places this merge keeps
 * apart, so it would be written twice. The line merge decides instead.
 */
static bool written_twice(const struct body *b, const struct hunk *h, size_t nh)
{
    dk_map ours = DK_MAP_INIT_U64; /* statement id -> group + 1 of an ours hunk writing it */
    bool twice = false;
    for (int pass = 0; pass < 2 && !twice; pass++) {
        size_t group = 0;
        for (size_t i = 0; i < nh && !twice;) {
            size_t B1 = h[i].b1, j = i + 1;
            while (j < nh && joins_group(b, h, i, j, B1)) {
                B1 = h[j].b1 > B1 ? h[j].b1 : B1;
                j++;
            }
            group++;
            for (size_t k = i; k < j && !twice; k++) {
                int side = h[k].side;
                if ((pass == 0) != (side == V_OURS))
                    continue;
                for (size_t u = h[k].s0; u < h[k].s1 && !twice; u++) {
                    const struct unit *x = &b->u[side].items[u];
                    if (!x->stmt)
                        continue;
                    if (pass == 0) {
                        dk_map_put_u64(&ours, x->id, (void *)(uintptr_t)group, NULL);
                    } else {
                        uintptr_t g = (uintptr_t)dk_map_get_u64(&ours, x->id);
                        twice = g != 0 && g != group;
                    }
                }
            }
            i = j;
        }
    }
    dk_map_release(&ours);
    return twice;
}

/*
 * A group both sides changed that holds a statement cut off a hunk's edge
 * (side_hunks) stands apart only as the cut meant it: where the other side
 * changed that statement too, it is the same statement changed there (its
 * first line starts as base's, as kept_at reads it: keepassxc
 * Kdbx4Reader.cpp @9e2be34897, ours joins `if (headerHmac` with its next
 * line, theirs changes the body), so the two changes merge one level down.
 * Else the cut narrowed a change the other side made to something else
 * (express static.js @ae33e7b673: theirs adds a line inside
 * `path.exists(...)`, ours replaces that call by `if (cached) {...} else
 * {...}`; the narrowed line merge put theirs' line into ours' new branch),
 * and the whole body is merged without the statement rule (false).
 */
static bool cut_group_ok(const struct body *b, const struct hunk *h, size_t n)
{
    const char *bs = b->cx->v[V_BASE].src;
    for (size_t k = 0; k < n; k++) {
        if (!h[k].cut)
            continue;
        size_t at = h[k].b0;
        const struct unit *ub = &b->u[V_BASE].items[at];
        for (size_t g = 0; g < n; g++) {
            if (h[g].side == h[k].side || at < h[g].b0 || at >= h[g].b1)
                continue;
            /* the other side's unit in base's place, when its hunk keeps the count */
            if (h[g].b1 - h[g].b0 != h[g].s1 - h[g].s0)
                return false;
            const struct unit *us = &b->u[h[g].side].items[h[g].s0 + (at - h[g].b0)];
            const char *ss = b->cx->v[h[g].side].src;
            if (!ub->stmt || !us->stmt ||
                common_head(bs + ub->start, bs + ub->end, ss + us->start, ss + us->end) <
                    STMT_SAME_HEAD)
                return false;
        }
    }
    return true;
}

static int merge_hunks(struct body *b, dk_str *out, const struct hunk *h, size_t nh)
{
    size_t nb = b->u[V_BASE].len, bpos = 0;
    if (written_twice(b, h, nh))
        return dk_error_set(DK_ECONFLICT, "both sides add a statement at different places");
    for (size_t i = 0; i < nh;) {
        size_t B0 = h[i].b0, B1 = h[i].b1;
        size_t j = i + 1;
        while (j < nh && joins_group(b, h, i, j, B1)) {
            B1 = h[j].b1 > B1 ? h[j].b1 : B1;
            j++;
        }
        put_units(b, out, V_BASE, bpos, B0);
        size_t r0[3] = {B0, SIZE_MAX, SIZE_MAX}, r1[3] = {B1, 0, 0};
        bool both = false;
        for (size_t k = i; k < j; k++) {
            int vi = h[k].side;
            if (r0[vi] == SIZE_MAX)
                r0[vi] = h[k].s0 - (h[k].b0 - B0);
            r1[vi] = h[k].s1 + (B1 - h[k].b1);
            both = both || h[k].side != h[i].side;
        }
        if (both && !cut_group_ok(b, h + i, j - i))
            return dk_error_set(DK_ECONFLICT,
                                "a statement one side kept is another statement on the other");
        int rc = DK_OK;
        if (!both)
            put_units(b, out, h[i].side, r0[h[i].side], r1[h[i].side]);
        else
            rc = merge_group(b, out, r0, r1);
        if (rc)
            return rc;
        bpos = B1;
        i = j;
    }
    put_units(b, out, V_BASE, bpos, nb);
    return DK_OK;
}

static int merge_body(struct merge_ctx *cx, dk_str *out, const struct merge_names *names,
                      const uint32_t start[3], const uint32_t end[3], const uint32_t node_start[3],
                      const uint32_t node_end[3], int depth)
{
    struct body b = {.cx = cx, .names = names, .depth = depth};
    int rc = DK_OK;
    for (int vi = 0; vi < 3 && rc == DK_OK; vi++) {
        b.start[vi] = start[vi];
        b.end[vi] = end[vi];
        rc = tile_body(cx, vi, start[vi], end[vi], node_start[vi], node_end[vi], &b.u[vi],
                       &b.loose[vi]);
    }
    size_t nb = b.u[V_BASE].len;
    size_t *m[3] = {NULL, dk_xcalloc(nb + 1, sizeof(size_t)), dk_xcalloc(nb + 1, sizeof(size_t))};
    b.m[V_OURS] = m[V_OURS];
    b.m[V_THEIRS] = m[V_THEIRS];
    hunk_vec hs[3] = {DK_VEC_INIT, DK_VEC_INIT, DK_VEC_INIT}, all = DK_VEC_INIT;
    for (int vi = V_OURS; vi <= V_THEIRS && rc == DK_OK; vi++) {
        size_t n[2] = {nb, b.u[vi].len};
        uint32_t *ids[2];
        uint8_t *light[2];
        const unit_vec *uv[2] = {&b.u[V_BASE], &b.u[vi]};
        for (int k = 0; k < 2; k++) {
            ids[k] = dk_xcalloc(n[k] + 1, sizeof(uint32_t));
            light[k] = dk_xcalloc(n[k] + 1, 1);
            for (size_t i = 0; i < n[k]; i++) {
                ids[k][i] = uv[k]->items[i].id;
                light[k][i] = uv[k]->items[i].light;
            }
        }
        rc = dk_diff_match_weighted(m[vi], ids[0], light[0], n[0], ids[1], light[1], n[1],
                                    STMT_MAX_EDITS);
        for (int k = 0; k < 2; k++) {
            free(ids[k]);
            free(light[k]);
        }
        if (rc == DK_OK)
            side_hunks(&b, &hs[vi], m[vi], nb, b.u[vi].len, vi);
    }
    if (rc == DK_OK) {
        /* both sides' hunks in base order; at one position an insertion first */
        size_t i = 0, j = 0;
        const hunk_vec *o = &hs[V_OURS], *t = &hs[V_THEIRS];
        while (i < o->len || j < t->len) {
            bool take_o = j == t->len || (i < o->len && (o->items[i].b0 < t->items[j].b0 ||
                                                         (o->items[i].b0 == t->items[j].b0 &&
                                                          o->items[i].b1 <= t->items[j].b1)));
            dk_vec_push(&all, take_o ? o->items[i++] : t->items[j++]);
        }
        /* drop insertions the other side's touching hunk already writes */
        size_t kept = 0;
        for (size_t k = 0; k < all.len; k++) {
            bool drop = false;
            for (size_t g = k > 0 ? k - 1 : 0; g < all.len && g <= k + 1 && !drop; g++)
                drop = g != k && subsumed(&b, &all.items[k], &all.items[g]);
            if (!drop)
                all.items[kept++] = all.items[k];
        }
        all.len = kept;
        rc = merge_hunks(&b, out, all.items, all.len);
    }
    for (int vi = 0; vi < 3; vi++) {
        free(m[vi]);
        dk_vec_release(&hs[vi]);
        dk_vec_release(&b.u[vi]);
    }
    dk_vec_release(&all);
    return rc;
}

int dk_merge_statements(struct merge_ctx *cx, dk_str *out, const struct merge_names *names,
                        const uint32_t start[3], const uint32_t end[3],
                        const uint32_t node_start[3], const uint32_t node_end[3])
{
    for (int vi = 0; vi < 3; vi++) {
        if (!cx->v[vi].an)
            return dk_error_set(DK_EUNSUPPORTED, "an input was not analysed");
    }
    size_t mark = out->len, nconf = cx->conflicts.len;
    int rc = merge_body(cx, out, names, start, end, node_start, node_end, 0);
    if (rc) {
        dk_str_truncate(out, mark);
        cx->conflicts.len = nconf;
        cx->conflict_out_start.len = nconf;
        cx->conflict_out_end.len = nconf;
    }
    return rc;
}
