/*
 * merge/structured.c - the structured three-way merge of one region (the
 * whole file, or the text of one container such as a class).
 *
 * Each version of the region is tiled into items (tile.c: every byte in
 * exactly one item, declarations as pieces) and base's pieces are paired
 * with each side's (match.c). Items are interned: gap lines by their bytes, pieces by identity
 * (qualified name + kind + occurrence), never by content. diff3 over the
 * item sequences then merges the *arrangement* line by line, with
 * declarations as single, movable lines; contents are decided per
 * identity afterwards:
 *
 *   one side changed a declaration       -> that side
 *   both changed it identically          -> it
 *   both changed a container             -> recurse into its members
 *   both changed a struct/enum/import    -> by its member lists (members.c), else as a leaf
 *   both changed a leaf                  -> git_merge_file on its text; clean or a narrow conflict
 *   deleted vs modified                  -> conflict; deleted vs unchanged -> gone
 *   added by both, same / different text -> once / conflict
 *
 * Where diff3 finds both sides changing the arrangement at one place and
 * every item there is a declaration, the region is merged as a set: base
 * order unless exactly one side reordered, deletions honoured, each side's
 * additions after their nearest surviving predecessor on that side, and
 * two sides' additions at one spot ours first, then theirs (what is on the
 * branch stays put and the incoming change goes after it: landing order,
 * never name order; swapping the sides gives the same lines). Theirs adding
 * just above a blank separator and ours just below it is one such spot
 * (the separator written once). What both sides wrote identically at the
 * start and end of a chunk is written once (git's zealous merge) and the
 * middle merged as a set when it can be. Anything else with both
 * sides changing the same lines is a conflict block. Bytes of unchanged
 * items are copied from the inputs; nothing is reformatted or deduplicated.
 *
 * Conventions: functions return DK_OK or an error meaning "the structured
 * merge does not apply here" (the caller falls back); conflicts are not
 * errors, they are recorded in the context.
 */
#include "merge/structured.h"

#include <stdlib.h>
#include <string.h>

#include "dk/log.h"

#include "merge/diff3.h"
#include "merge/emit.h"
#include "merge/gate.h"
#include "merge/identity.h"
#include "merge/match.h"
#include "merge/members.h"
#include "merge/stmt.h"
#include "merge/tile.h"
#include "util/alloc.h"

#include "util/banned.h"

/* Edit distance explored per diff before giving up on the structured merge. */
#define STRUCT_MAX_EDITS 5000
/* Containers nested deeper than this are merged as leaves. */
#define STRUCT_MAX_DEPTH 32

/* ------------------------------------------------------------------------ */
/* Merging one level                                                        */
/* ------------------------------------------------------------------------ */

struct merge_level {
    struct merge_ctx *cx;
    struct level *l[3];
    /* qualified name of the container ("" at top level) */
    const char *qname;
    int depth;
    /* ids already written out at this level */
    dk_map emitted;
};

static int merge_region(struct merge_ctx *cx, dk_str *out, const char *qname, int depth,
                        const uint32_t start[3], const uint32_t end[3], const int32_t parent[3]);

static const dk_symbol *piece_symbol(const struct merge_level *m, int vi, const struct piece *p)
{
    if (!p || p->sym < 0)
        return NULL;
    return &m->cx->v[vi].an->symbols[p->sym];
}

static const char *piece_name(const struct merge_level *m, const struct piece *p[3])
{
    for (int vi = 0; vi < 3; vi++) {
        const dk_symbol *s = piece_symbol(m, vi, p[vi]);
        if (s)
            return s->qualified_name;
    }
    for (int vi = 0; vi < 3; vi++) {
        if (p[vi])
            return p[vi]->key;
    }
    return "";
}

/* What a conflict over these pieces is about: a symbol (and its kind) or an import. */
static dk_merge_conflict_kind piece_kind(const struct merge_level *m, const struct piece *p[3],
                                         dk_symbol_kind *symbol_kind)
{
    for (int vi = 0; vi < 3; vi++) {
        const dk_symbol *s = piece_symbol(m, vi, p[vi]);
        if (s) {
            *symbol_kind = s->kind;
            return DK_MERGE_CONFLICT_SYMBOL;
        }
    }
    *symbol_kind = (dk_symbol_kind)0;
    return DK_MERGE_CONFLICT_IMPORT;
}

static bool piece_eq(const struct merge_level *m, int va, const struct piece *a, int vb,
                     const struct piece *b)
{
    size_t al = a->end - a->start, bl = b->end - b->start;
    return al == bl && memcmp(m->cx->v[va].src + a->start, m->cx->v[vb].src + b->start, al) == 0;
}

/*
 * Append bytes [start, end) of version vi. Text that starts a line in its
 * version starts a line in the output too: when the output so far ends
 * without a newline (a side's last declaration had none) a newline goes
 * first, so two sides' additions are never glued onto one line.
 */
static void put(struct merge_level *m, dk_str *out, int vi, uint32_t start, uint32_t end)
{
    const char *src = m->cx->v[vi].src;
    if (out->len && out->ptr[out->len - 1] != '\n' && end > start &&
        (start == 0 || src[start - 1] == '\n'))
        dk_str_adds(out, m->cx->eol);
    dk_str_add(out, src + start, end - start);
}

static void emit_piece(struct merge_level *m, dk_str *out, int vi, const struct piece *p)
{
    put(m, out, vi, p->start, p->end);
}

static void conflict_for_pieces(struct merge_level *m, dk_str *out, const struct piece *p[3],
                                const char *desc)
{
    const char *texts[3] = {NULL, NULL, NULL};
    size_t lens[3] = {0, 0, 0};
    uint32_t starts[3] = {UINT32_MAX, UINT32_MAX, UINT32_MAX}, ends[3] = {0, 0, 0};
    for (int vi = 0; vi < 3; vi++) {
        if (!p[vi])
            continue;
        texts[vi] = m->cx->v[vi].src + p[vi]->start;
        lens[vi] = p[vi]->end - p[vi]->start;
        starts[vi] = p[vi]->start;
        ends[vi] = p[vi]->end;
    }
    dk_symbol_kind sk;
    dk_merge_conflict_kind kind = piece_kind(m, p, &sk);
    dk_merge_emit_conflict(m->cx, out, piece_name(m, p), kind, sk, desc, texts, lens, starts, ends);
}

/*
 * A leaf with statements (a function) whose line merge conflicts: merged by
 * its statements (stmt.c), so different statements on neighbouring lines
 * both go in. DK_OK when that applied; otherwise an error, nothing written.
 */
static int merge_statements(struct merge_level *m, dk_str *out, const struct piece *p[3])
{
    struct merge_ctx *cx = m->cx;
    uint32_t starts[3], ends[3], ns[3], ne[3];
    for (int vi = 0; vi < 3; vi++) {
        const dk_symbol *s = piece_symbol(m, vi, p[vi]);
        if (!s || p[vi]->opaque)
            return dk_error_set(DK_EUNSUPPORTED, "not a declaration without syntax errors");
        starts[vi] = p[vi]->start;
        ends[vi] = p[vi]->end;
        ns[vi] = s->decl.start_byte;
        ne[vi] = s->decl.end_byte;
    }
    struct merge_names names = {.qname = dk_arena_strdup(&cx->arena, piece_name(m, p))};
    names.kind = piece_kind(m, p, &names.symbol_kind);
    size_t mark = out->len;
    uint32_t at = p[V_OURS]->start;
    if (out->len && out->ptr[out->len - 1] != '\n' &&
        (at == 0 || cx->v[V_OURS].src[at - 1] == '\n'))
        dk_str_adds(out, cx->eol);
    int rc = dk_merge_statements(cx, out, &names, starts, ends, ns, ne);
    if (rc)
        dk_str_truncate(out, mark);
    return rc;
}

/* Both sides changed a leaf: line-merge its text; clean, or record the narrow conflict. */
static int merge_leaf(struct merge_level *m, dk_str *out, const struct piece *p[3])
{
    struct merge_ctx *cx = m->cx;
    dk_str tmp = DK_STR_INIT;
    struct merge_blocks blocks = {0};
    bool clean = false;
    int rc = dk_merge_line_contained(
        cx, &tmp, &clean, &blocks, cx->v[V_BASE].src + p[V_BASE]->start,
        p[V_BASE]->end - p[V_BASE]->start, cx->v[V_OURS].src + p[V_OURS]->start,
        p[V_OURS]->end - p[V_OURS]->start, cx->v[V_THEIRS].src + p[V_THEIRS]->start,
        p[V_THEIRS]->end - p[V_THEIRS]->start);
    if (rc)
        goto out;
    if (!clean) {
        /* neighbouring lines of different statements: merged by statements when it applies */
        if (merge_statements(m, out, p) == DK_OK)
            goto out;
        dk_error_clear();
    }
    if (clean) {
        uint32_t at = p[V_OURS]->start;
        if (out->len && out->ptr[out->len - 1] != '\n' && tmp.len &&
            (at == 0 || cx->v[V_OURS].src[at - 1] == '\n'))
            dk_str_adds(out, cx->eol);
        dk_str_add(out, tmp.ptr, tmp.len);
        goto out;
    }
    /* git's markers are ours too (same labels, style, size): keep them, one record a block */
    if (out->len && out->ptr[out->len - 1] != '\n')
        dk_str_adds(out, cx->eol);
    size_t from = out->len;
    dk_str_add(out, tmp.ptr, tmp.len);
    for (size_t i = 0; i < blocks.len; i++) {
        struct merge_block *k = &blocks.items[i];
        k->start += from;
        k->end += from;
        for (int vi = 0; vi < 3; vi++) {
            if (k->side_start[vi] != SIZE_MAX) {
                k->side_start[vi] += from;
                k->side_end[vi] += from;
            }
        }
    }
    const dk_symbol *s = piece_symbol(m, V_OURS, p[V_OURS]);
    struct merge_names names = {.qname = dk_arena_strdup(&cx->arena, piece_name(m, p))};
    names.kind = piece_kind(m, p, &names.symbol_kind);
    names.desc = dk_arena_sprintf(&cx->arena, "both sides changed the same lines of %s `%s`",
                                  s ? dk_symbol_kind_name(s->kind) : "import", names.qname);
    uint32_t starts[3] = {p[V_BASE]->start, p[V_OURS]->start, p[V_THEIRS]->start};
    dk_merge_record_blocks(cx, out->ptr, &blocks, &names, starts);
out:
    dk_merge_blocks_release(&blocks);
    dk_str_release(&tmp);
    return rc;
}

/*
 * Kinds whose members are lists below the declaration (fields, variants, a
 * C table's designated initializers, a Python dict's entries), and imports.
 */
static bool has_member_lists(const dk_symbol *s)
{
    return !s || s->kind == DK_SYM_STRUCT || s->kind == DK_SYM_UNION || s->kind == DK_SYM_ENUM ||
           s->kind == DK_SYM_TYPE || s->kind == DK_SYM_VARIABLE || s->kind == DK_SYM_CONSTANT;
}

/*
 * Both sides changed a struct, union, enum, type, variable, constant or
 * import: merge its member lists (fields, variants, imported names, derive
 * arguments, dict entries) when
 * they are all the two sides changed; false when that does not apply (the
 * caller merges the declaration as before, with a conflict where both sides
 * changed one member).
 */
static bool merge_by_members(struct merge_level *m, dk_str *out, const struct piece *p[3],
                             const dk_symbol *sb, const dk_symbol *so, const dk_symbol *st)
{
    if (!has_member_lists(sb) || !has_member_lists(so) || !has_member_lists(st) || (!sb) != (!so) ||
        (!sb) != (!st))
        return false;
    const char *texts[3];
    size_t lens[3];
    for (int vi = 0; vi < 3; vi++) {
        texts[vi] = m->cx->v[vi].src + p[vi]->start;
        lens[vi] = p[vi]->end - p[vi]->start;
    }
    dk_str tmp = DK_STR_INIT;
    bool ok = dk_merge_members(m->cx, &tmp, texts, lens) == DK_OK;
    if (ok) {
        uint32_t at = p[V_OURS]->start;
        if (out->len && out->ptr[out->len - 1] != '\n' && tmp.len &&
            (at == 0 || m->cx->v[V_OURS].src[at - 1] == '\n'))
            dk_str_adds(out, m->cx->eol);
        dk_str_add(out, tmp.ptr, tmp.len);
    } else {
        dk_error_clear();
    }
    dk_str_release(&tmp);
    return ok;
}

/*
 * The nearest piece before (dir -1) or after (dir +1) piece k of level `l`
 * that level `other` has too; 0 when there is none.
 */
static uint32_t common_neighbour(const struct level *l, const struct level *other, size_t k,
                                 int dir)
{
    for (size_t i = k; dir < 0 ? i-- > 0 : ++i < l->pieces.len;) {
        uint32_t id = l->pieces.items[i].id;
        if (dk_merge_level_piece(other, id))
            return id;
    }
    return 0;
}

/*
 * Side vi moved declaration `id` of base: among the declarations both have,
 * the ones right before and right after it differ on both ends (a neighbour
 * moving away changes one end only).
 */
static bool moved_by(const struct merge_level *m, int vi, uint32_t id)
{
    const struct level *lb = m->l[V_BASE], *ls = m->l[vi];
    const struct piece *pb = dk_merge_level_piece(lb, id), *ps = dk_merge_level_piece(ls, id);
    if (!pb || !ps)
        return false;
    size_t kb = (size_t)(pb - lb->pieces.items), ks = (size_t)(ps - ls->pieces.items);
    return common_neighbour(lb, ls, kb, -1) != common_neighbour(ls, lb, ks, -1) &&
           common_neighbour(lb, ls, kb, +1) != common_neighbour(ls, lb, ks, +1);
}

/* Write the merged content of declaration `id` (once per level). */
static int resolve_decl(struct merge_level *m, dk_str *out, uint32_t id)
{
    void *seen = NULL;
    dk_map_put_u64(&m->emitted, id, (void *)1, &seen);
    if (seen)
        return DK_OK;
    const struct piece *p[3];
    for (int vi = 0; vi < 3; vi++)
        p[vi] = dk_merge_level_piece(m->l[vi], id);
    const struct piece *b = p[V_BASE], *o = p[V_OURS], *t = p[V_THEIRS];
    if (o && t) {
        if (piece_eq(m, V_OURS, o, V_THEIRS, t)) {
            emit_piece(m, out, V_OURS, o);
            return DK_OK;
        }
        if (!b) {
            conflict_for_pieces(m, out, p, "both sides added it with different content");
            m->cx->conflicts.items[m->cx->conflicts.len - 1].description = dk_arena_sprintf(
                &m->cx->arena, "both sides added `%s` with different content", piece_name(m, p));
            return DK_OK;
        }
        if (piece_eq(m, V_BASE, b, V_OURS, o)) {
            emit_piece(m, out, V_THEIRS, t);
            return DK_OK;
        }
        if (piece_eq(m, V_BASE, b, V_THEIRS, t)) {
            emit_piece(m, out, V_OURS, o);
            return DK_OK;
        }
        const dk_symbol *sb = piece_symbol(m, V_BASE, b), *so = piece_symbol(m, V_OURS, o),
                        *st = piece_symbol(m, V_THEIRS, t);
        if (merge_by_members(m, out, p, sb, so, st))
            return DK_OK;
        /*
         * A container is merged member by member even when it holds syntax
         * errors (opaque): one level down they make members opaque or stay
         * text between them, and one that crosses a member's edge makes
         * merge_region fail, so the container is merged as a leaf.
         */
        if (sb && so && st && dk_symbol_kind_is_container(so->kind) &&
            m->depth < STRUCT_MAX_DEPTH) {
            uint32_t starts[3] = {b->start, o->start, t->start};
            uint32_t ends[3] = {b->end, o->end, t->end};
            int32_t parents[3] = {b->sym, o->sym, t->sym};
            size_t mark = out->len, nconf = m->cx->conflicts.len;
            if (merge_region(m->cx, out, so->qualified_name, m->depth + 1, starts, ends, parents) ==
                DK_OK)
                return DK_OK;
            /* the container could not be merged member-wise: undo and merge it as a leaf */
            dk_str_truncate(out, mark);
            m->cx->conflicts.len = nconf;
            m->cx->conflict_out_start.len = nconf;
            m->cx->conflict_out_end.len = nconf;
        }
        return merge_leaf(m, out, p);
    }
    const struct piece *only = o ? o : t;
    int vi = o ? V_OURS : V_THEIRS;
    if (!only)
        return DK_OK; /* deleted on both sides */
    if (!b) {
        emit_piece(m, out, vi, only); /* added on one side */
        return DK_OK;
    }
    /*
     * Deleted on one side, unchanged on the other: gone. Unless the other
     * side moved it (collectd: both delete an #include block, theirs puts
     * `<ltdl.h>` back lower down): one side wants it gone, the other wants
     * it elsewhere, and neither wins silently.
     */
    if (piece_eq(m, V_BASE, b, vi, only) && !moved_by(m, vi, id))
        return DK_OK;
    if (piece_eq(m, V_BASE, b, vi, only)) {
        conflict_for_pieces(m, out, p, "");
        m->cx->conflicts.items[m->cx->conflicts.len - 1].description =
            dk_arena_sprintf(&m->cx->arena, "%s deleted `%s`, %s moved it", o ? "theirs" : "ours",
                             piece_name(m, p), o ? "ours" : "theirs");
        return DK_OK;
    }
    conflict_for_pieces(m, out, p, "");
    m->cx->conflicts.items[m->cx->conflicts.len - 1].description =
        dk_arena_sprintf(&m->cx->arena, "%s deleted `%s`, %s modified it", o ? "theirs" : "ours",
                         piece_name(m, p), o ? "ours" : "theirs");
    return DK_OK;
}

/* A declaration of base missing from side `vi`'s whole level was deleted by that side. */
static bool deleted_by(const struct merge_level *m, int vi, uint32_t id)
{
    return dk_merge_level_piece(m->l[vi], id) == NULL;
}

/*
 * Delete-vs-modify conflicts for base items in [b0, b1) that one side
 * deleted and the other changed. The conflict block takes the place of the
 * declaration, and base's blank lines after it stay, as if nobody had
 * deleted it yet (the deletion is what is in question).
 */
static int check_deletions(struct merge_level *m, dk_str *out, size_t b0, size_t b1)
{
    const struct level *lb = m->l[V_BASE];
    for (size_t i = b0; i < b1; i++) {
        const struct item *it = &lb->items.items[i];
        if (it->piece < 0)
            continue;
        bool gone_o = deleted_by(m, V_OURS, it->id), gone_t = deleted_by(m, V_THEIRS, it->id);
        if (gone_o == gone_t)
            continue;
        /* the other side moved it: decided where that side put it (emit_items) */
        if (moved_by(m, gone_o ? V_THEIRS : V_OURS, it->id))
            continue;
        size_t before = out->len;
        /* base's blank lines right above it, when the deleting side took them too */
        size_t lead = i;
        while (lead > b0 && lb->items.items[lead - 1].piece < 0 && lb->items.items[lead - 1].blank)
            lead--;
        for (size_t k = lead; k < i; k++)
            put(m, out, V_BASE, lb->items.items[k].start, lb->items.items[k].end);
        size_t with_lead = out->len;
        int rc = resolve_decl(m, out, it->id);
        if (rc)
            return rc;
        if (out->len == with_lead) {
            dk_str_truncate(out, before); /* nothing written: no conflict, no blank lines */
            continue;
        }
        for (size_t k = i + 1; out->len > before && k < b1; k++) {
            const struct item *bl = &lb->items.items[k];
            if (bl->piece >= 0 || !bl->blank)
                break;
            put(m, out, V_BASE, bl->start, bl->end);
        }
    }
    return DK_OK;
}

/* Only declarations and blank lines in items [i0, i1) of version vi. */
static bool range_is_decl_set(const struct merge_level *m, int vi, size_t i0, size_t i1)
{
    for (size_t i = i0; i < i1; i++) {
        const struct item *it = &m->l[vi]->items.items[i];
        if (it->piece < 0 && !it->blank)
            return false;
    }
    return true;
}

static const char *id_key(const struct merge_level *m, uint32_t id)
{
    for (int vi = 0; vi < 3; vi++) {
        const struct piece *p = dk_merge_level_piece(m->l[vi], id);
        if (p)
            return p->key;
    }
    return "";
}

/* A side's view of a decl-set chunk: its items, and which are pieces. */
struct set_side {
    const struct merge_level *m;
    int vi;
    const struct item *items;
    size_t n;
};

static bool side_has_piece(const struct set_side *s, uint32_t id)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->items[i].piece >= 0 && s->items[i].id == id)
            return true;
    }
    return false;
}

/*
 * Order two runs of additions at one spot independently of which side is
 * ours: by their declarations' identities, then by their bytes.
 */
static int run_cmp(const struct merge_level *m, const struct set_side *a, size_t a0, size_t a1,
                   const struct set_side *b, size_t b0, size_t b1)
{
    size_t i = a0, j = b0;
    for (;;) {
        while (i < a1 && a->items[i].piece < 0)
            i++;
        while (j < b1 && b->items[j].piece < 0)
            j++;
        if (i == a1 || j == b1)
            break;
        int c = strcmp(id_key(m, a->items[i].id), id_key(m, b->items[j].id));
        if (c)
            return c;
        i++;
        j++;
    }
    if ((i == a1) != (j == b1))
        return i == a1 ? -1 : 1;
    const char *as = m->cx->v[a->vi].src, *bs = m->cx->v[b->vi].src;
    uint32_t as0 = a0 < a1 ? a->items[a0].start : 0, as1 = a0 < a1 ? a->items[a1 - 1].end : 0;
    uint32_t bs0 = b0 < b1 ? b->items[b0].start : 0, bs1 = b0 < b1 ? b->items[b1 - 1].end : 0;
    size_t al = as1 - as0, bl = bs1 - bs0;
    int c = memcmp(as + as0, bs + bs0, al < bl ? al : bl);
    return c ? c : (al < bl ? -1 : al > bl ? 1 : 0);
}

static bool run_has_piece(const struct set_side *s, size_t r0, size_t r1)
{
    for (size_t i = r0; i < r1; i++) {
        if (s->items[i].piece >= 0)
            return true;
    }
    return false;
}

/* Same items (by identity; blank lines by bytes) in both runs. */
static bool runs_equal(const struct set_side *a, size_t a0, size_t a1, const struct set_side *b,
                       size_t b0, size_t b1)
{
    if (a1 - a0 != b1 - b0)
        return false;
    for (size_t i = 0; i < a1 - a0; i++) {
        if (a->items[a0 + i].id != b->items[b0 + i].id)
            return false;
    }
    return true;
}

/*
 * Write items [r0, r1) of one side: gap lines as they are, pieces through
 * resolve_decl. A piece already written (moved, or added by both sides) or
 * present in `skip_side` (a base piece the set merge places elsewhere) is
 * skipped together with the blank lines that lead up to it, and blank lines
 * after the last piece go only if that piece was written, or if it took the
 * separator above it away from something this run wrote before it: so a
 * duplicate never leaves its separator behind, and a piece written before a
 * skipped one keeps the separator below it (one separator, never zero).
 */
/* The output is empty or its last line is blank: a separator is already there. */
static bool ends_blank(const dk_str *out)
{
    if (out->len == 0)
        return true;
    size_t e = out->len;
    if (out->ptr[e - 1] != '\n')
        return false;
    e--;
    size_t s = e;
    while (s > 0 && out->ptr[s - 1] != '\n')
        s--;
    for (size_t i = s; i < e; i++) {
        char c = out->ptr[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v')
            return false;
    }
    return true;
}

static int emit_seq(struct merge_level *m, dk_str *out, const struct set_side *s, size_t r0,
                    size_t r1, const struct set_side *skip_side)
{
    size_t pending = SIZE_MAX; /* first unwritten blank line */
    bool wrote_last = true;
    /* a skipped piece took away the separator below what the output ends with */
    bool owe_sep = false;
    for (size_t i = r0; i < r1; i++) {
        const struct item *it = &s->items[i];
        if (it->piece < 0 && it->blank) {
            if (pending == SIZE_MAX)
                pending = i;
            continue;
        }
        bool skip = it->piece >= 0 && ((skip_side && side_has_piece(skip_side, it->id)) ||
                                       dk_map_has_u64(&m->emitted, it->id));
        if (skip && pending == SIZE_MAX) {
            /* no separator above the skipped piece: the one below it goes with it */
            while (i + 1 < r1 && s->items[i + 1].piece < 0 && s->items[i + 1].blank)
                i++;
            wrote_last = false;
            owe_sep = false;
            continue;
        }
        if (!skip) {
            for (size_t k = pending; k != SIZE_MAX && k < i; k++)
                put(m, out, s->vi, s->items[k].start, s->items[k].end);
            if (it->piece < 0) {
                put(m, out, s->vi, it->start, it->end);
            } else {
                int rc = resolve_decl(m, out, it->id);
                if (rc)
                    return rc;
            }
        }
        /* skipped with the blank lines above it: they separated it from the output's last line */
        owe_sep = skip && pending != SIZE_MAX && !ends_blank(out);
        wrote_last = !skip;
        pending = SIZE_MAX;
    }
    if (pending != SIZE_MAX && (wrote_last || owe_sep)) {
        for (size_t k = pending; k < r1; k++)
            put(m, out, s->vi, s->items[k].start, s->items[k].end);
    }
    return DK_OK;
}

static int emit_items(struct merge_level *m, dk_str *out, int vi, size_t i0, size_t i1)
{
    struct set_side whole = {m, vi, dk_merge_level_items_at(m->l[vi], 0), m->l[vi]->items.len};
    return emit_seq(m, out, &whole, i0, i1, NULL);
}

/* The items of side s after survivor `anchor` (or from the start) up to the next survivor. */
static void run_after(const struct set_side *s, const struct set_side *o, const struct set_side *t,
                      const struct set_side *b, bool from_start, uint32_t anchor, size_t *r0,
                      size_t *r1)
{
    size_t i = 0;
    if (!from_start) {
        while (i < s->n && !(s->items[i].piece >= 0 && s->items[i].id == anchor))
            i++;
        if (i == s->n) {
            *r0 = *r1 = 0;
            return;
        }
        i++;
    }
    size_t j = i;
    while (j < s->n) {
        const struct item *it = &s->items[j];
        if (it->piece >= 0 && side_has_piece(b, it->id) && side_has_piece(o, it->id) &&
            side_has_piece(t, it->id))
            break;
        j++;
    }
    *r0 = i;
    *r1 = j;
}

/*
 * Both sides changed the arrangement of a region made only of declarations
 * and blank lines: merge it as a set (see the file comment). Returns
 * DK_ECONFLICT when both sides reordered the survivors differently (the
 * caller then writes a conflict block).
 */
static int merge_decl_set(struct merge_level *m, dk_str *out, const struct diff3_chunk *c)
{
    struct set_side B = {m, V_BASE, dk_merge_level_items_at(m->l[V_BASE], c->b0), c->b1 - c->b0};
    struct set_side O = {m, V_OURS, dk_merge_level_items_at(m->l[V_OURS], c->o0), c->o1 - c->o0};
    struct set_side T = {m, V_THEIRS, dk_merge_level_items_at(m->l[V_THEIRS], c->t0),
                         c->t1 - c->t0};
    /* survivors (pieces in all three) in each version's order */
    uint32_t *SB = dk_xcalloc(B.n + 1, sizeof(*SB)), *SO = dk_xcalloc(B.n + 1, sizeof(*SO)),
             *ST = dk_xcalloc(B.n + 1, sizeof(*ST));
    size_t ns = 0, nso = 0, nst = 0;
    for (size_t i = 0; i < B.n; i++) {
        if (B.items[i].piece >= 0 && side_has_piece(&O, B.items[i].id) &&
            side_has_piece(&T, B.items[i].id))
            SB[ns++] = B.items[i].id;
    }
    for (size_t i = 0; i < O.n; i++) {
        if (O.items[i].piece >= 0 && side_has_piece(&B, O.items[i].id) &&
            side_has_piece(&T, O.items[i].id))
            SO[nso++] = O.items[i].id;
    }
    for (size_t i = 0; i < T.n; i++) {
        if (T.items[i].piece >= 0 && side_has_piece(&B, T.items[i].id) &&
            side_has_piece(&O, T.items[i].id))
            ST[nst++] = T.items[i].id;
    }
    int rc = DK_OK;
    /*
     * Both sides deleted the same declarations here and both put their own
     * (ones the other side does not have) in their place: two replacements
     * of one thing, not two additions (a concatenation would be a guess). A
     * conflict, as git's would be.
     */
    bool gone_both = false, add_o = false, add_t = false;
    for (size_t i = 0; i < B.n && !gone_both; i++)
        gone_both = B.items[i].piece >= 0 && deleted_by(m, V_OURS, B.items[i].id) &&
                    deleted_by(m, V_THEIRS, B.items[i].id);
    for (size_t i = 0; i < O.n && gone_both && !add_o; i++)
        add_o = O.items[i].piece >= 0 && !dk_merge_level_piece(m->l[V_BASE], O.items[i].id) &&
                !dk_merge_level_piece(m->l[V_THEIRS], O.items[i].id);
    for (size_t i = 0; i < T.n && gone_both && !add_t; i++)
        add_t = T.items[i].piece >= 0 && !dk_merge_level_piece(m->l[V_BASE], T.items[i].id) &&
                !dk_merge_level_piece(m->l[V_OURS], T.items[i].id);
    if (gone_both && add_o && add_t) {
        rc = DK_ECONFLICT;
        goto out;
    }
    const uint32_t *order;
    if (memcmp(SO, SB, ns * sizeof(*SB)) == 0) {
        order = ST;
    } else if (memcmp(ST, SB, ns * sizeof(*SB)) == 0 || memcmp(SO, ST, ns * sizeof(*SB)) == 0) {
        order = SO;
    } else {
        rc = DK_ECONFLICT;
        goto out;
    }
    rc = check_deletions(m, out, c->b0, c->b1);
    for (size_t slot = 0; slot <= ns && rc == DK_OK; slot++) {
        if (slot > 0)
            rc = resolve_decl(m, out, order[slot - 1]);
        uint32_t anchor = slot > 0 ? order[slot - 1] : 0;
        size_t b0, b1, o0, o1, t0, t1;
        run_after(&B, &O, &T, &B, slot == 0, anchor, &b0, &b1);
        run_after(&O, &O, &T, &B, slot == 0, anchor, &o0, &o1);
        run_after(&T, &O, &T, &B, slot == 0, anchor, &t0, &t1);
        /* a side whose run is base's changed nothing here: the other side's run wins */
        bool o_is_base = runs_equal(&O, o0, o1, &B, b0, b1);
        bool t_is_base = runs_equal(&T, t0, t1, &B, b0, b1);
        if (rc == DK_OK && (o_is_base || runs_equal(&O, o0, o1, &T, t0, t1))) {
            rc = emit_seq(m, out, &T, t0, t1, &B);
            continue;
        }
        if (rc == DK_OK && t_is_base) {
            rc = emit_seq(m, out, &O, o0, o1, &B);
            continue;
        }
        /* what both runs start with is written once (up to its last declaration:
         * blank lines after it may be each run's separator for what follows) */
        size_t common = 0, k = 0;
        while (o0 + k < o1 && t0 + k < t1 && O.items[o0 + k].id == T.items[t0 + k].id) {
            k++;
            if (O.items[o0 + k - 1].piece >= 0)
                common = k;
        }
        if (common > 0 && rc == DK_OK) {
            rc = emit_seq(m, out, &O, o0, o0 + common, &B);
            o0 += common;
            t0 += common;
        }
        /*
         * A run of blank lines only is the separator at this spot; next to the
         * other side's run of declarations it adds nothing (that run brings its
         * own separators). Two separator-only runs: one, chosen by bytes.
         */
        bool o_blank = !run_has_piece(&O, o0, o1), t_blank = !run_has_piece(&T, t0, t1);
        if (rc == DK_OK && (o_blank || t_blank)) {
            bool take_o = t_blank && (!o_blank || run_cmp(m, &O, o0, o1, &T, t0, t1) >= 0);
            rc = take_o ? emit_seq(m, out, &O, o0, o1, &B) : emit_seq(m, out, &T, t0, t1, &B);
            continue;
        }
        /*
         * Both sides added here: ours first, then theirs. What is already on
         * the branch stays where it is and the incoming change goes after it,
         * as a person appending would (and git's union does), so agents
         * landing one after another read in landing order, never by name.
         */
        if (rc == DK_OK)
            rc = emit_seq(m, out, &O, o0, o1, &B);
        if (rc == DK_OK)
            rc = emit_seq(m, out, &T, t0, t1, &B);
    }
out:
    free(SB);
    free(SO);
    free(ST);
    return rc;
}

static void conflict_chunk(struct merge_level *m, dk_str *out, const struct diff3_chunk *c)
{
    const char *texts[3];
    size_t lens[3];
    uint32_t starts[3], ends[3];
    size_t r0[3] = {c->b0, c->o0, c->t0}, r1[3] = {c->b1, c->o1, c->t1};
    const char *first_decl = NULL;
    for (int vi = 0; vi < 3; vi++) {
        const struct level *l = m->l[vi];
        if (r1[vi] > r0[vi]) {
            starts[vi] = l->items.items[r0[vi]].start;
            ends[vi] = l->items.items[r1[vi] - 1].end;
        } else {
            /* empty side: an empty text at the position of the chunk */
            uint32_t at = r0[vi] < l->items.len ? l->items.items[r0[vi]].start : l->end;
            starts[vi] = ends[vi] = at;
        }
        texts[vi] = m->cx->v[vi].src + starts[vi];
        lens[vi] = ends[vi] - starts[vi];
        for (size_t i = r0[vi]; i < r1[vi]; i++) {
            const struct item *it = &l->items.items[i];
            if (it->piece < 0)
                continue;
            dk_map_put_u64(&m->emitted, it->id, (void *)1, NULL);
            if (!first_decl) {
                const struct piece *p = &l->pieces.items[it->piece];
                const dk_symbol *s = p->sym >= 0 ? &m->cx->v[vi].an->symbols[p->sym] : NULL;
                first_decl = s ? s->qualified_name : p->key;
            }
        }
    }
    const char *desc;
    if (first_decl)
        desc =
            dk_arena_sprintf(&m->cx->arena, "both sides changed the lines around `%s`", first_decl);
    else if (*m->qname)
        desc = dk_arena_sprintf(&m->cx->arena,
                                "both sides changed the same lines between the members of `%s`",
                                m->qname);
    else
        desc = "both sides changed the same lines between declarations";
    dk_merge_emit_conflict(m->cx, out, m->qname, DK_MERGE_CONFLICT_TEXT, 0, desc, texts, lens,
                           starts, ends);
}

static const char *chunk_kind_name(enum diff3_kind k)
{
    static const char *const names[] = {"stable", "ours", "theirs", "both-same", "conflict"};
    return names[k];
}

static void trace_level(const struct merge_level *m, int vi)
{
    static const char *const vn[] = {"base", "ours", "theirs"};
    const struct level *l = m->l[vi];
    for (size_t i = 0; i < l->items.len; i++) {
        const struct item *it = &l->items.items[i];
        if (it->piece >= 0)
            dk_trace(DK_TRACE_DEBUG, "merge", "%s[%zu] piece %s", vn[vi], i,
                     l->pieces.items[it->piece].key);
        else
            dk_trace(DK_TRACE_DEBUG, "merge", "%s[%zu] line %.*s", vn[vi], i,
                     (int)(it->end - it->start > 40 ? 40 : it->end - it->start - 1),
                     m->cx->v[vi].src + it->start);
    }
}

/* Forget what was written and recorded since `mark` / `nconf` (a merge tried and given up). */
static void undo_to(struct merge_level *m, dk_str *out, size_t mark, size_t nconf)
{
    dk_str_truncate(out, mark);
    m->cx->conflicts.len = nconf;
    m->cx->conflict_out_start.len = nconf;
    m->cx->conflict_out_end.len = nconf;
}

/* Item i of version vi and item j of version vj hold the same bytes. */
static bool item_bytes_eq(const struct merge_level *m, int vi, size_t i, int vj, size_t j)
{
    const struct item *x = &m->l[vi]->items.items[i], *y = &m->l[vj]->items.items[j];
    return x->end - x->start == y->end - y->start &&
           memcmp(m->cx->v[vi].src + x->start, m->cx->v[vj].src + y->start, x->end - x->start) == 0;
}

/* The items of version vi in [i0, i1) that are not blank lines. */
static size_t count_nonblank(const struct merge_level *m, int vi, size_t i0, size_t i1)
{
    size_t k = 0;
    for (size_t i = i0; i < i1; i++)
        k += !m->l[vi]->items.items[i].blank;
    return k;
}

/* Every name of base's items in chunk c is in version vi's items [i0, i1) (dk_merge_words_kept). */
static bool chunk_words_kept(const struct merge_level *m, const struct diff3_chunk *c, int vi,
                             size_t i0, size_t i1)
{
    const struct item *B = m->l[V_BASE]->items.items, *S = m->l[vi]->items.items;
    if (c->b0 == c->b1)
        return true;
    const char *b = m->cx->v[V_BASE].src + B[c->b0].start;
    size_t bl = B[c->b1 - 1].end - B[c->b0].start;
    const char *k = i0 < i1 ? m->cx->v[vi].src + S[i0].start : "";
    size_t kl = i0 < i1 ? S[i1 - 1].end - S[i0].start : 0;
    return dk_merge_words_kept(b, bl, k, kl);
}

/*
 * A chunk where one side's items are the other's with items added (a common
 * start and a common end, byte for byte, covering all of the shorter side),
 * the added items new (none of base's in the chunk, blank lines aside: such
 * an item is one the shorter side deleted), the shorter side with no fewer
 * items than base's chunk or with all its names (else it deleted one, and
 * the added items may be the longer side's edit of it), no added item more
 * like a base item than the shared ones are (dk_merge_added_rewrites: a
 * rewrite of a line the shorter side deleted): the side that holds the
 * other's, or -1. Ours adds `#![allow(a)]`,
 * theirs `#![allow(a)]` and `#![allow(b)]`: theirs, which says all ours says.
 */
static int contained_insert_side(const struct merge_level *m, const struct diff3_chunk *c)
{
    size_t on = c->o1 - c->o0, tn = c->t1 - c->t0, pre = 0, suf = 0;
    if (!on || !tn)
        return -1;
    /* base's declarations here are decided by check_deletions on the one-sided paths */
    for (size_t k = c->b0; k < c->b1; k++) {
        if (m->l[V_BASE]->items.items[k].piece >= 0)
            return -1;
    }
    while (pre < on && pre < tn && item_bytes_eq(m, V_OURS, c->o0 + pre, V_THEIRS, c->t0 + pre))
        pre++;
    while (suf < on - pre && suf < tn - pre &&
           item_bytes_eq(m, V_OURS, c->o1 - 1 - suf, V_THEIRS, c->t1 - 1 - suf))
        suf++;
    int side = pre + suf == on ? V_THEIRS : pre + suf == tn ? V_OURS : -1;
    size_t l0 = side == V_OURS ? c->o0 : c->t0, l1 = side == V_OURS ? c->o1 : c->t1;
    /* the shorter side with fewer items than base's chunk and without one of its names deleted
     * one, which the added items may be the longer side's edit of (delete vs modify) */
    int shorter = side == V_OURS ? V_THEIRS : V_OURS;
    size_t s0 = shorter == V_OURS ? c->o0 : c->t0, s1 = shorter == V_OURS ? c->o1 : c->t1;
    if (side >= 0 && count_nonblank(m, shorter, s0, s1) < count_nonblank(m, V_BASE, c->b0, c->b1) &&
        !chunk_words_kept(m, c, shorter, s0, s1))
        side = -1;
    for (size_t i = l0 + pre; side >= 0 && i < l1 - suf; i++) {
        for (size_t k = c->b0; side >= 0 && k < c->b1; k++) {
            if (!m->l[side]->items.items[i].blank && item_bytes_eq(m, side, i, V_BASE, k))
                side = -1;
        }
    }
    /* an added item that is base's line rewritten, which the shorter side deleted */
    if (side >= 0 && c->b1 > c->b0) {
        size_t n = l1 - l0, ns = 0, na = 0;
        struct merge_line *shared = dk_xcalloc(n, sizeof(*shared));
        struct merge_line *added = dk_xcalloc(n, sizeof(*added));
        for (size_t i = l0; i < l1; i++) {
            const struct item *it = &m->l[side]->items.items[i];
            struct merge_line x = {m->cx->v[side].src + it->start, it->end - it->start};
            if (i >= l0 + pre && i < l1 - suf)
                added[na++] = x;
            else
                shared[ns++] = x;
        }
        for (size_t k = c->b0; side >= 0 && k < c->b1; k++) {
            const struct item *it = &m->l[V_BASE]->items.items[k];
            struct merge_line y = {m->cx->v[V_BASE].src + it->start, it->end - it->start};
            if (dk_merge_added_rewrites(y, shared, ns, added, na))
                side = -1;
        }
        free(shared);
        free(added);
    }
    return side;
}

/*
 * A chunk without declarations where a side changed only the blank lines at its edges (htop
 * linux/LinuxProcessList.c @a82fd262d7: ours adds `bool haveSmapsRollup;` above a line of
 * spaces, theirs strips the spaces): merged part by part (dk_merge_blank_edges), so both
 * changes stand.
 */
static bool blank_edges_chunk(struct merge_level *m, dk_str *out, const struct diff3_chunk *c)
{
    size_t r0[3] = {c->b0, c->o0, c->t0}, r1[3] = {c->b1, c->o1, c->t1};
    const char *text[3];
    size_t len[3];
    for (int vi = 0; vi < 3; vi++) {
        const struct item *it = m->l[vi]->items.items;
        for (size_t k = r0[vi]; k < r1[vi]; k++) {
            if (it[k].piece >= 0)
                return false;
        }
        uint32_t s = r1[vi] > r0[vi] ? it[r0[vi]].start : 0;
        text[vi] = m->cx->v[vi].src + s;
        len[vi] = r1[vi] > r0[vi] ? it[r1[vi] - 1].end - s : 0;
    }
    size_t mark = out->len;
    if (out->len && out->ptr[out->len - 1] != '\n')
        dk_str_adds(out, m->cx->eol);
    if (dk_merge_blank_edges(out, text[V_BASE], len[V_BASE], text[V_OURS], len[V_OURS],
                             text[V_THEIRS], len[V_THEIRS]))
        return true;
    dk_str_truncate(out, mark);
    return false;
}

/* The item with id `id` among items [i0, i1) of version vi (a piece when piece), or SIZE_MAX. */
static size_t find_item(const struct merge_level *m, int vi, size_t i0, size_t i1, uint32_t id,
                        bool piece)
{
    for (size_t i = i0; i < i1; i++) {
        const struct item *it = &m->l[vi]->items.items[i];
        if (it->id == id && (it->piece >= 0) == piece)
            return i;
    }
    return SIZE_MAX;
}

/*
 * An import statement, #include or macro definition of base's in this chunk
 * that one side moved elsewhere (past declarations or only text) while the
 * other side kept it here and added lines on the side of it that it moved
 * across (base `require('./app');` `require('./polyfill');`, ours moves app
 * below polyfill, theirs adds `require('./mid');` after app): written where
 * the mover put it, it would end up on the other side of those lines, and
 * their order matters (side effects, headers, macros a header reads).
 */
static bool moved_import_crosses_addition(const struct merge_level *m, const struct diff3_chunk *c)
{
    const struct level *lb = m->l[V_BASE];
    for (size_t k = c->b0; k < c->b1; k++) {
        const struct item *it = &lb->items.items[k];
        if (it->piece < 0)
            continue;
        const dk_symbol *sym = piece_symbol(m, V_BASE, &lb->pieces.items[it->piece]);
        if (sym && sym->kind != DK_SYM_INCLUDE && sym->kind != DK_SYM_MACRO)
            continue;
        size_t in_o = find_item(m, V_OURS, c->o0, c->o1, it->id, true);
        size_t in_t = find_item(m, V_THEIRS, c->t0, c->t1, it->id, true);
        if ((in_o == SIZE_MAX) == (in_t == SIZE_MAX))
            continue;
        int mover = in_o == SIZE_MAX ? V_OURS : V_THEIRS, other = V_OURS + V_THEIRS - mover;
        /* gone from here but kept by the mover: it moved past something (maybe only text) */
        if (!dk_merge_level_piece(m->l[mover], it->id))
            continue;
        /* already written: the mover put it above this chunk; else below it */
        bool up = dk_map_has_u64(&m->emitted, it->id);
        size_t at = other == V_OURS ? in_o : in_t;
        size_t r0 = other == V_OURS ? c->o0 : c->t0, r1 = other == V_OURS ? c->o1 : c->t1;
        for (size_t i = up ? r0 : at + 1; i < (up ? at : r1); i++) {
            const struct item *x = &m->l[other]->items.items[i];
            if (!x->blank && find_item(m, V_BASE, c->b0, c->b1, x->id, x->piece >= 0) == SIZE_MAX)
                return true;
        }
    }
    return false;
}

/*
 * A chunk both sides changed. Made only of declarations and blank lines:
 * merged as a set. Otherwise, what both sides wrote identically at its
 * start and at its end (the same comment lines above two different
 * additions, say) is written once, as git's zealous merge does, and the
 * middle is merged as a set when it is made of declarations and blank
 * lines; anything else is one conflict block over the whole chunk. Blank
 * lines next to the middle stay with it (each side's run may need them as
 * its separator).
 */
static int merge_both_changed(struct merge_level *m, dk_str *out, const struct diff3_chunk *c)
{
    /* the region falls back to the line merge, whose conflict shows both orders */
    if (moved_import_crosses_addition(m, c))
        return dk_error_set(DK_ECONFLICT,
                            "a side moved an import next to which the other added lines");
    const struct item *O = dk_merge_level_items_at(m->l[V_OURS], 0);
    const struct item *T = dk_merge_level_items_at(m->l[V_THEIRS], 0);
    size_t on = c->o1 - c->o0, tn = c->t1 - c->t0, pre = 0, suf = 0;
    bool set = range_is_decl_set(m, V_BASE, c->b0, c->b1);
    if (!set || !range_is_decl_set(m, V_OURS, c->o0, c->o1) ||
        !range_is_decl_set(m, V_THEIRS, c->t0, c->t1)) {
        for (size_t k = 0; k < on && k < tn && O[c->o0 + k].id == T[c->t0 + k].id; k++) {
            if (!O[c->o0 + k].blank)
                pre = k + 1;
        }
        for (size_t k = 0;
             k < on - pre && k < tn - pre && O[c->o1 - 1 - k].id == T[c->t1 - 1 - k].id; k++) {
            if (!O[c->o1 - 1 - k].blank)
                suf = k + 1;
        }
        set = set && (pre || suf) && on > pre + suf && tn > pre + suf &&
              range_is_decl_set(m, V_OURS, c->o0 + pre, c->o1 - suf) &&
              range_is_decl_set(m, V_THEIRS, c->t0 + pre, c->t1 - suf);
    }
    if (!set) {
        int side = contained_insert_side(m, c);
        if (side == V_OURS)
            return emit_items(m, out, V_OURS, c->o0, c->o1);
        if (side == V_THEIRS)
            return emit_items(m, out, V_THEIRS, c->t0, c->t1);
        if (blank_edges_chunk(m, out, c))
            return DK_OK;
        conflict_chunk(m, out, c);
        return DK_OK;
    }
    struct diff3_chunk mid = {.kind = DIFF3_CONFLICT,
                              .b0 = c->b0,
                              .b1 = c->b1,
                              .o0 = c->o0 + pre,
                              .o1 = c->o1 - suf,
                              .t0 = c->t0 + pre,
                              .t1 = c->t1 - suf};
    size_t mark = out->len, nconf = m->cx->conflicts.len;
    int rc = emit_items(m, out, V_OURS, c->o0, mid.o0);
    if (rc == DK_OK)
        rc = merge_decl_set(m, out, &mid);
    if (rc == DK_OK)
        rc = emit_items(m, out, V_OURS, mid.o1, c->o1);
    if (rc == DK_ECONFLICT) {
        undo_to(m, out, mark, nconf);
        conflict_chunk(m, out, c);
        rc = DK_OK;
    }
    return rc;
}

/* Items [i0, i1) of version vi: only blank lines, and at least one. */
static bool range_is_blank(const struct merge_level *m, int vi, size_t i0, size_t i1)
{
    for (size_t i = i0; i < i1; i++) {
        const struct item *it = &m->l[vi]->items.items[i];
        if (it->piece >= 0 || !it->blank)
            return false;
    }
    return i1 > i0;
}

/* Items [i0, i1) of version vi: declarations and blank lines, at least one declaration. */
static bool range_adds_decls(const struct merge_level *m, int vi, size_t i0, size_t i1)
{
    bool piece = false;
    for (size_t i = i0; i < i1; i++)
        piece = piece || m->l[vi]->items.items[i].piece >= 0;
    return piece && range_is_decl_set(m, vi, i0, i1);
}

/*
 * Chunks c[0..2] are "theirs inserts declarations / an unchanged blank
 * separator / ours inserts declarations": both sides added at one spot,
 * theirs just above the separator that follows what precedes it, ours just
 * below it. Written in diff3's order that is theirs first; as one spot it is
 * ours first, then theirs (landing order, see the file comment).
 */
static bool adds_around_separator(const struct merge_level *m, const struct diff3_chunk *c)
{
    return c[0].kind == DIFF3_THEIRS && c[1].kind == DIFF3_STABLE && c[2].kind == DIFF3_OURS &&
           c[0].b0 == c[0].b1 && c[2].b0 == c[2].b1 &&
           range_is_blank(m, V_OURS, c[1].o0, c[1].o1) &&
           range_adds_decls(m, V_THEIRS, c[0].t0, c[0].t1) &&
           range_adds_decls(m, V_OURS, c[2].o0, c[2].o1);
}

/*
 * Write such a spot once: the separator, ours' additions, theirs' additions
 * right after them (theirs put its own just above the separator that ends
 * the spot, so they go where ours' additions end, above ours' separator), then
 * ours' trailing blank lines, or theirs' when ours has none: never the
 * separator twice.
 */
static int merge_adds_around_separator(struct merge_level *m, dk_str *out,
                                       const struct diff3_chunk *c)
{
    const struct level *lo = m->l[V_OURS], *lt = m->l[V_THEIRS];
    size_t o_last = c[2].o1, t_last = c[0].t1;
    while (lo->items.items[o_last - 1].piece < 0)
        o_last--;
    while (lt->items.items[t_last - 1].piece < 0)
        t_last--;
    int rc = emit_items(m, out, V_OURS, c[1].o0, c[1].o1);
    if (rc == DK_OK)
        rc = emit_items(m, out, V_OURS, c[2].o0, o_last);
    if (rc == DK_OK)
        rc = emit_items(m, out, V_THEIRS, c[0].t0, t_last);
    if (rc == DK_OK && o_last < c[2].o1)
        rc = emit_items(m, out, V_OURS, o_last, c[2].o1);
    else if (rc == DK_OK)
        rc = emit_items(m, out, V_THEIRS, t_last, c[0].t1);
    return rc;
}

static int merge_level_items(struct merge_level *m, dk_str *out)
{
    if (dk_trace_enabled(DK_TRACE_DEBUG)) {
        for (int vi = 0; vi < 3; vi++)
            trace_level(m, vi);
    }
    const struct level *lb = m->l[V_BASE], *lo = m->l[V_OURS], *lt = m->l[V_THEIRS];
    uint32_t *ib = dk_xcalloc(lb->items.len + 1, sizeof(*ib));
    uint32_t *io = dk_xcalloc(lo->items.len + 1, sizeof(*io));
    uint32_t *it = dk_xcalloc(lt->items.len + 1, sizeof(*it));
    uint8_t *wb = dk_xcalloc(lb->items.len + 1, 1), *wo = dk_xcalloc(lo->items.len + 1, 1),
            *wt = dk_xcalloc(lt->items.len + 1, 1);
    for (size_t i = 0; i < lb->items.len; i++) {
        ib[i] = lb->items.items[i].id;
        wb[i] = lb->items.items[i].blank;
    }
    for (size_t i = 0; i < lo->items.len; i++) {
        io[i] = lo->items.items[i].id;
        wo[i] = lo->items.items[i].blank;
    }
    for (size_t i = 0; i < lt->items.len; i++) {
        it[i] = lt->items.items[i].id;
        wt[i] = lt->items.items[i].blank;
    }
    /* declarations and text line up first; blank lines only between them */
    struct diff3_result d;
    int rc = dk_diff3_weighted(&d, ib, wb, lb->items.len, io, wo, lo->items.len, it, wt,
                               lt->items.len, STRUCT_MAX_EDITS);
    free(ib);
    free(io);
    free(it);
    free(wb);
    free(wo);
    free(wt);
    if (rc)
        return rc;
    for (size_t k = 0; k < d.nchunks && rc == DK_OK; k++) {
        const struct diff3_chunk *c = &d.chunks[k];
        dk_trace(DK_TRACE_DEBUG, "merge",
                 "level `%s` chunk %s base[%zu,%zu) ours[%zu,%zu) theirs[%zu,%zu)", m->qname,
                 chunk_kind_name(c->kind), c->b0, c->b1, c->o0, c->o1, c->t0, c->t1);
        if (k + 2 < d.nchunks && adds_around_separator(m, c)) {
            rc = merge_adds_around_separator(m, out, c);
            k += 2;
            continue;
        }
        switch (c->kind) {
        case DIFF3_STABLE:
        case DIFF3_BOTH_SAME:
            if (c->kind == DIFF3_BOTH_SAME)
                rc = check_deletions(m, out, c->b0, c->b1);
            if (rc == DK_OK)
                rc = emit_items(m, out, V_OURS, c->o0, c->o1);
            break;
        case DIFF3_OURS:
            rc = check_deletions(m, out, c->b0, c->b1);
            if (rc == DK_OK)
                rc = emit_items(m, out, V_OURS, c->o0, c->o1);
            break;
        case DIFF3_THEIRS:
            rc = check_deletions(m, out, c->b0, c->b1);
            if (rc == DK_OK)
                rc = emit_items(m, out, V_THEIRS, c->t0, c->t1);
            break;
        case DIFF3_CONFLICT:
            rc = merge_both_changed(m, out, c);
            break;
        }
    }
    free(d.chunks);
    return rc;
}

/*
 * The declarations all three versions have, in version vi's order (ids into
 * `ids`, which has room for every piece of the level); returns how many.
 */
static size_t survivors(uint32_t *ids, struct level *const l[3], int vi)
{
    size_t n = 0;
    for (size_t i = 0; i < l[vi]->items.len; i++) {
        const struct item *it = &l[vi]->items.items[i];
        if (it->piece >= 0 && dk_merge_level_piece(l[0], it->id) &&
            dk_merge_level_piece(l[1], it->id) && dk_merge_level_piece(l[2], it->id))
            ids[n++] = it->id;
    }
    return n;
}

/*
 * Both sides moved declarations that all three versions have, each its own
 * way (ours swaps f and g, theirs swaps g and h; or both move one function
 * to different places): diff3 sees each move as a deletion and an insertion
 * and would follow one side's order and drop the other's. Following the one
 * side that reordered is right; when both did, differently, the structured
 * merge of this region does not apply (the caller merges it line by line,
 * with conflicts), so no side's intent is dropped silently.
 */
static bool both_reordered(struct level *const l[3])
{
    size_t cap = l[V_BASE]->pieces.len + 1;
    uint32_t *sb = dk_xcalloc(cap, sizeof(*sb)), *so = dk_xcalloc(cap, sizeof(*so)),
             *st = dk_xcalloc(cap, sizeof(*st));
    size_t nb = survivors(sb, l, V_BASE), no = survivors(so, l, V_OURS),
           nt = survivors(st, l, V_THEIRS);
    /* a survivor appears once per level, so the three lists have one length */
    bool both = nb == no && nb == nt && memcmp(sb, so, nb * sizeof(*sb)) != 0 &&
                memcmp(sb, st, nb * sizeof(*sb)) != 0 && memcmp(so, st, nb * sizeof(*sb)) != 0;
    free(sb);
    free(so);
    free(st);
    return both;
}

/*
 * The first line of base piece `b`'s declaration (after its leading comments),
 * without indentation and trailing blanks: how a swallowed declaration is
 * recognised inside another one.
 */
static void head_line(const struct merge_ctx *cx, const struct piece *b, const char **s, size_t *n)
{
    const char *src = cx->v[V_BASE].src;
    uint32_t at = b->start;
    if (b->sym >= 0) {
        uint32_t d = cx->v[V_BASE].an->symbols[b->sym].decl.start_byte;
        if (d > at && d < b->end)
            at = d;
    }
    while (at < b->end && (src[at] == ' ' || src[at] == '\t'))
        at++;
    const char *nl = memchr(src + at, '\n', b->end - at);
    uint32_t e = nl ? (uint32_t)(nl - src) : b->end;
    while (e > at && (src[e - 1] == ' ' || src[e - 1] == '\t' || src[e - 1] == '\r'))
        e--;
    *s = src + at;
    *n = e - at;
}

/*
 * A side whose changed declarations hold syntax errors and that also deletes
 * a declaration whose first line is inside one of them: the "deletion" is
 * a declaration the broken one swallowed (a missing `}` makes f0 run over
 * f1), and merging it as a deletion would keep f1 inside f0 while the other
 * side's edits to f1 are lost, or drop a deletion the other side made. The
 * structured merge does not apply. A deletion whose text is nowhere in the
 * side's broken declarations is a deletion like any other.
 */
static const char *error_blurs_deletions(struct merge_ctx *cx, struct level *const l[3])
{
    for (int vi = V_OURS; vi <= V_THEIRS; vi++) {
        dk_vec(const struct piece *) broken = DK_VEC_INIT;
        for (size_t k = 0; k < l[vi]->pieces.len; k++) {
            const struct piece *p = &l[vi]->pieces.items[k];
            const struct piece *b = dk_merge_level_piece(l[V_BASE], p->id);
            if (p->opaque && (!b || b->end - b->start != p->end - p->start ||
                              memcmp(cx->v[V_BASE].src + b->start, cx->v[vi].src + p->start,
                                     p->end - p->start) != 0))
                dk_vec_push(&broken, p);
        }
        bool swallowed = false;
        for (size_t k = 0; k < l[V_BASE]->pieces.len && broken.len && !swallowed; k++) {
            const struct piece *b = &l[V_BASE]->pieces.items[k];
            if (dk_merge_level_piece(l[vi], b->id))
                continue;
            const char *h;
            size_t hn;
            head_line(cx, b, &h, &hn);
            for (size_t j = 0; j < broken.len && !swallowed; j++) {
                const struct piece *p = broken.items[j];
                swallowed = hn == 0 || memmem(cx->v[vi].src + p->start, p->end - p->start, h, hn);
            }
        }
        dk_vec_release(&broken);
        if (swallowed)
            return vi == V_OURS ? "ours" : "theirs";
    }
    return NULL;
}

static int merge_region(struct merge_ctx *cx, dk_str *out, const char *qname, int depth,
                        const uint32_t start[3], const uint32_t end[3], const int32_t parent[3])
{
    struct level l[3];
    memset(l, 0, sizeof(l));
    int rc = DK_OK;
    for (int vi = 0; vi < 3 && rc == DK_OK; vi++)
        rc = dk_merge_level_build(cx, &l[vi], vi, start[vi], end[vi], parent[vi]);
    if (rc == DK_OK) {
        struct level *lv[3] = {&l[0], &l[1], &l[2]};
        dk_merge_match_pieces(cx, lv);
        dk_merge_level_detach_left_comments(cx, lv);
        dk_merge_level_detach_base_text(cx, &l[V_OURS], &l[V_BASE]);
        dk_merge_level_detach_base_text(cx, &l[V_THEIRS], &l[V_BASE]);
        const char *blurred = error_blurs_deletions(cx, lv);
        if (blurred)
            rc = dk_error_set(DK_ECONFLICT,
                              "%s changes declarations that have syntax errors and deletes others",
                              blurred);
        else if (both_reordered(lv))
            rc = dk_error_set(DK_ECONFLICT, "both sides reordered the declarations of %s%s%s",
                              *qname ? "`" : "the file", qname, *qname ? "`" : "");
    }
    if (rc == DK_OK) {
        struct merge_level m = {cx, {&l[0], &l[1], &l[2]}, qname, depth, DK_MAP_INIT_U64};
        rc = merge_level_items(&m, out);
        dk_map_release(&m.emitted);
    }
    for (int vi = 0; vi < 3; vi++)
        dk_merge_level_release(&l[vi]);
    return rc;
}

/* The slot of each new piece of side vi (last survivor before it, 0 at the start), as bits. */
static void mark_slots(dk_map *slots, struct level *const l[3], int vi)
{
    uint32_t slot = 0;
    for (size_t i = 0; i < l[vi]->items.len; i++) {
        const struct item *it = &l[vi]->items.items[i];
        if (it->piece < 0)
            continue;
        bool in_base = dk_merge_level_piece(l[V_BASE], it->id) != NULL;
        bool in_other = dk_merge_level_piece(l[vi == V_OURS ? V_THEIRS : V_OURS], it->id) != NULL;
        if (in_base && in_other) {
            slot = it->id;
        } else if (!in_base && !in_other) {
            uintptr_t bits = (uintptr_t)dk_map_get_u64(slots, slot);
            dk_map_put_u64(slots, slot, (void *)(bits | (uintptr_t)vi), NULL);
        }
    }
}

/*
 * The same for members of containers (a namespace's, a class's): side vi's
 * new members marked in `slots` under "container\nlast survivor before
 * them", by the analysis' local ids (what tiling starts from), in one pass.
 */
static void mark_member_slots(dk_map *slots, struct merge_ctx *cx, const dk_map ids[3], int vi)
{
    const dk_analysis *a = cx->v[vi].an;
    const dk_map *other = &ids[vi == V_OURS ? V_THEIRS : V_OURS];
    dk_map last = DK_MAP_INIT_U64; /* parent index -> last survivor's index + 1 */
    dk_str key = DK_STR_INIT;
    for (size_t i = 0; i < a->nsymbols; i++) {
        const dk_symbol *s = &a->symbols[i];
        if (s->parent < 0)
            continue;
        size_t n = strlen(s->local_id);
        bool in_base = dk_map_has(&ids[V_BASE], s->local_id, n);
        bool in_other = dk_map_has(other, s->local_id, n);
        if (in_base && in_other) {
            dk_map_put_u64(&last, (uint64_t)s->parent, (void *)(uintptr_t)(i + 1), NULL);
        } else if (!in_base) {
            /* new on this side (the other side may add one of that name too: an overload) */
            uintptr_t prev = (uintptr_t)dk_map_get_u64(&last, (uint64_t)s->parent);
            dk_str_clear(&key);
            dk_str_adds(&key, a->symbols[s->parent].local_id);
            dk_str_addch(&key, '\n');
            if (prev)
                dk_str_adds(&key, a->symbols[prev - 1].local_id);
            uintptr_t bits = (uintptr_t)dk_map_get(slots, key.ptr, key.len);
            dk_map_put(slots, key.ptr, key.len, (void *)(bits | (uintptr_t)vi), NULL);
        }
    }
    dk_str_release(&key);
    dk_map_release(&last);
}

static bool members_added_at_one_place(struct merge_ctx *cx)
{
    dk_map ids[3] = {DK_MAP_INIT_STR_POOLED, DK_MAP_INIT_STR_POOLED, DK_MAP_INIT_STR_POOLED};
    for (int vi = 0; vi < 3; vi++) {
        for (size_t i = 0; i < cx->v[vi].an->nsymbols; i++) {
            const char *id = cx->v[vi].an->symbols[i].local_id;
            dk_map_put(&ids[vi], id, strlen(id), (void *)1, NULL);
        }
    }
    dk_map slots = DK_MAP_INIT_STR_POOLED;
    mark_member_slots(&slots, cx, ids, V_OURS);
    mark_member_slots(&slots, cx, ids, V_THEIRS);
    bool both = false;
    dk_map_foreach(&slots, sl) {
        if ((uintptr_t)sl->value == (V_OURS | V_THEIRS))
            both = true;
    }
    dk_map_release(&slots);
    for (int vi = 0; vi < 3; vi++)
        dk_map_release(&ids[vi]);
    return both;
}

/* Overloads both sides added (identity.h): keyed by parameters, so both survive. */
static void find_added_overloads(struct merge_ctx *cx)
{
    if (!cx->lang)
        return;
    const dk_analysis *a[3] = {cx->v[0].an, cx->v[1].an, cx->v[2].an};
    const char *src[3] = {cx->v[0].src, cx->v[1].src, cx->v[2].src};
    struct merge_branches *br[3] = {cx->v[0].br, cx->v[1].br, cx->v[2].br};
    dk_merge_find_added_overloads(&cx->overloaded, cx->lang, a, src, br);
}

bool dk_merge_adds_at_one_place(struct merge_ctx *cx)
{
    for (int vi = 0; vi < 3; vi++) {
        if (!cx->v[vi].an || cx->v[vi].len == 0)
            return false;
    }
    for (int vi = 0; vi < 3; vi++)
        dk_merge_add_overloads(cx, vi, &cx->overloaded);
    find_added_overloads(cx);
    struct level l[3];
    memset(l, 0, sizeof(l));
    bool both = false;
    int rc = DK_OK;
    for (int vi = 0; vi < 3 && rc == DK_OK; vi++)
        rc = dk_merge_level_build(cx, &l[vi], vi, 0, (uint32_t)cx->v[vi].len, -1);
    if (rc == DK_OK) {
        struct level *lv[3] = {&l[0], &l[1], &l[2]};
        dk_merge_match_pieces(cx, lv);
        dk_map slots = DK_MAP_INIT_U64;
        mark_slots(&slots, lv, V_OURS);
        mark_slots(&slots, lv, V_THEIRS);
        dk_map_foreach(&slots, s) {
            if ((uintptr_t)s->value == (V_OURS | V_THEIRS))
                both = true;
        }
        dk_map_release(&slots);
    }
    for (int vi = 0; vi < 3; vi++)
        dk_merge_level_release(&l[vi]);
    dk_error_clear();
    return both || members_added_at_one_place(cx);
}

int dk_merge_structured(struct merge_ctx *cx, dk_str *out, const char **why)
{
    for (int vi = 0; vi < 3; vi++) {
        if (!cx->v[vi].an) {
            *why = "an input could not be analysed (binary, invalid utf-8 or too large)";
            return DK_EUNSUPPORTED;
        }
    }
    for (int vi = 0; vi < 3; vi++) {
        if (dk_merge_has_markers(cx->v[vi].src, cx->v[vi].len, cx->opts.marker_size)) {
            *why = "an input already contains conflict markers";
            return DK_EUNSUPPORTED;
        }
    }
    for (int vi = 0; vi < 3; vi++)
        dk_merge_add_overloads(cx, vi, &cx->overloaded);
    find_added_overloads(cx);
    if (cx->v[V_BASE].len == 0) {
        /* both sides created the file: nothing to anchor declarations to */
        *why = "no common ancestor content (both sides created the file)";
        return DK_EUNSUPPORTED;
    }
    uint32_t starts[3] = {0, 0, 0};
    uint32_t ends[3] = {(uint32_t)cx->v[0].len, (uint32_t)cx->v[1].len, (uint32_t)cx->v[2].len};
    int32_t parents[3] = {-1, -1, -1};
    int rc = merge_region(cx, out, "", 0, starts, ends, parents);
    if (rc)
        *why = dk_arena_sprintf(&cx->arena, "structured merge not applicable: %s",
                                dk_error_last()->msg);
    return rc;
}
