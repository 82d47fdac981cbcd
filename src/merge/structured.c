/*
 * merge/structured.c - the structured three-way merge.
 *
 * Each version of a region (the whole file, or the text of one container
 * such as a class) is tiled into items so that every byte belongs to
 * exactly one item:
 *
 *   [gap line][gap line][decl piece: blank lines + comments + declaration][gap line]...
 *
 * A decl piece is a declaration (a symbol of this level, or an import
 * statement at top level) widened to whole lines and to the blank lines
 * directly above it; a gap line is one line of whatever lies between
 * pieces (headers, statements, section comments, #if lines, braces).
 * Items are interned: gap lines by their bytes, pieces by identity
 * (qualified name + kind + occurrence), never by content. diff3 over the
 * item sequences then merges the *arrangement* line by line, with
 * declarations as single, movable lines; contents are decided per
 * identity afterwards:
 *
 *   one side changed a declaration       -> that side
 *   both changed it identically          -> it
 *   both changed a container             -> recurse into its members
 *   both changed a leaf                  -> git_merge_file on its text; clean or a narrow conflict
 *   deleted vs modified                  -> conflict; deleted vs unchanged -> gone
 *   added by both, same / different text -> once / conflict
 *
 * Where diff3 finds both sides changing the arrangement at one place and
 * every item there is a declaration, the region is merged as a set: base
 * order unless exactly one side reordered, deletions honoured, each side's
 * additions after their nearest surviving predecessor on that side, and
 * two sides' additions at one spot ordered by their first identity (so
 * swapping ours and theirs gives the same bytes). Anything else with both
 * sides changing the same lines is a conflict block. Bytes of unchanged
 * items are copied from the inputs; nothing is reformatted or deduplicated.
 *
 * Conventions: functions return DK_OK or an error meaning "the structured
 * merge does not apply here" (the caller falls back); conflicts are not
 * errors, they are recorded in the context.
 */
#include <stdlib.h>
#include <string.h>

#include "merge/diff3.h"
#include "merge/merge_int.h"
#include "util/alloc.h"

#include "util/banned.h"

/* Edit distance explored per diff before giving up on the structured merge. */
#define STRUCT_MAX_EDITS 5000
/* Containers nested deeper than this are merged as leaves. */
#define STRUCT_MAX_DEPTH 32

struct piece {
    uint32_t start, end;
    uint32_t id;
    /* symbol index in the version's analysis, -1 for an import statement */
    int32_t sym;
    const char *key;
};

struct item {
    uint32_t start, end;
    uint32_t id;
    /* index into the level's pieces, -1 for a gap line */
    int32_t piece;
};

struct level {
    int vi;
    uint32_t start, end;
    dk_vec(struct piece) pieces;
    dk_vec(struct item) items;
    /* piece id -> piece index + 1 */
    dk_map by_id;
};

static uint32_t intern(struct merge_ctx *cx, char tag, const char *bytes, size_t len)
{
    dk_str k = DK_STR_INIT;
    dk_str_addch(&k, tag);
    dk_str_add(&k, bytes, len);
    uintptr_t id = (uintptr_t)dk_map_get(&cx->intern, k.ptr, k.len);
    if (id == 0) {
        id = ++cx->next_id;
        dk_map_put(&cx->intern, k.ptr, k.len, (void *)id, NULL);
    }
    dk_str_release(&k);
    return (uint32_t)id;
}

static void level_release(struct level *l)
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

static bool is_hspace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Widen [s, e) to whole lines and to the blank lines just above, within [lo, hi). */
static void widen(const char *src, uint32_t lo, uint32_t hi, uint32_t *s, uint32_t *e)
{
    uint32_t a = *s;
    while (a > lo && (src[a - 1] == ' ' || src[a - 1] == '\t'))
        a--;
    if (a == lo || src[a - 1] == '\n') {
        /* starts a line: take the blank lines above as well */
        for (;;) {
            if (a <= lo)
                break;
            uint32_t p = a - 1; /* the '\n' ending the previous line */
            uint32_t q = p;
            while (q > lo && is_hspace(src[q - 1]))
                q--;
            if (q == lo || src[q - 1] == '\n') {
                a = q;
                if (q == lo)
                    break;
                continue;
            }
            break;
        }
        *s = a;
    }
    uint32_t z = *e;
    while (z < hi && is_hspace(src[z]))
        z++;
    if (z < hi && src[z] == '\n')
        *e = z + 1;
    else if (z == hi)
        *e = z;
}

/*
 * Tile version `vi` of region [start, end) whose declarations are the
 * symbols with parent `parent` (and, at top level, import statements).
 */
static int level_build(struct merge_ctx *cx, struct level *l, int vi, uint32_t start, uint32_t end,
                       int32_t parent)
{
    const struct merge_version *v = &cx->v[vi];
    const dk_analysis *a = v->an;
    l->vi = vi;
    l->start = start;
    l->end = end;
    l->by_id = (dk_map)DK_MAP_INIT_U64;
    for (size_t i = 0; i < a->nsymbols; i++) {
        const dk_symbol *s = &a->symbols[i];
        if (s->parent != parent)
            continue;
        if (s->span.start_byte < start || s->span.end_byte > end)
            return dk_error_set(DK_ELIMIT, "declaration `%s` outside its container",
                                s->qualified_name);
        struct piece *p = dk_vec_push_zero(&l->pieces);
        p->start = s->span.start_byte;
        p->end = s->span.end_byte;
        p->sym = (int32_t)i;
        p->key = s->local_id;
    }
    if (parent < 0) {
        /* import statements outside every top-level symbol, one piece per statement */
        dk_map seen = DK_MAP_INIT_STR;
        uint32_t last_start = UINT32_MAX;
        for (size_t i = 0; i < a->nimports; i++) {
            const dk_import *im = &a->imports[i];
            if (im->span.start_byte == last_start)
                continue;
            last_start = im->span.start_byte;
            bool inside = false;
            for (size_t k = 0; k < l->pieces.len && !inside; k++) {
                const struct piece *p = &l->pieces.items[k];
                inside =
                    p->sym >= 0 && im->span.start_byte >= p->start && im->span.start_byte < p->end;
            }
            /* only statements at the start of a line: indented or conditional imports
             * (`if TYPE_CHECKING:` blocks) are ordinary text */
            uint32_t at = im->span.start_byte;
            if (inside || (at > 0 && v->src[at - 1] != '\n'))
                continue;
            uintptr_t n = (uintptr_t)dk_map_get(&seen, im->module, strlen(im->module));
            dk_map_put(&seen, im->module, strlen(im->module), (void *)(n + 1), NULL);
            struct piece *p = dk_vec_push_zero(&l->pieces);
            p->start = im->span.start_byte;
            p->end = im->span.end_byte;
            p->sym = -1;
            p->key = dk_arena_sprintf(&cx->arena, "import:%s#%u", im->module, (unsigned)n + 1);
        }
        dk_map_release(&seen);
    }
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
        p->id = intern(cx, 'D', p->key, strlen(p->key));
        void *old = NULL;
        dk_map_put_u64(&l->by_id, p->id, (void *)(uintptr_t)(k + 1), &old);
        if (old)
            return dk_error_set(DK_ELIMIT, "declaration `%s` appears twice", p->key);
    }
    /* items: gap lines and pieces, covering [start, end) exactly */
    uint32_t pos = start;
    for (size_t k = 0; k <= l->pieces.len; k++) {
        uint32_t gap_end = k < l->pieces.len ? l->pieces.items[k].start : end;
        while (pos < gap_end) {
            const char *nl = memchr(v->src + pos, '\n', gap_end - pos);
            uint32_t e = nl ? (uint32_t)(nl - v->src) + 1 : gap_end;
            struct item *it = dk_vec_push_zero(&l->items);
            it->start = pos;
            it->end = e;
            it->piece = -1;
            it->id = intern(cx, 'L', v->src + pos, e - pos);
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
    return DK_OK;
}

static const struct piece *level_piece(const struct level *l, uint32_t id)
{
    uintptr_t k = (uintptr_t)dk_map_get_u64(&l->by_id, id);
    return k ? &l->pieces.items[k - 1] : NULL;
}

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

static const char *piece_kind(const struct merge_level *m, const struct piece *p[3])
{
    for (int vi = 0; vi < 3; vi++) {
        const dk_symbol *s = piece_symbol(m, vi, p[vi]);
        if (s)
            return dk_symbol_kind_name(s->kind);
    }
    return "import";
}

static bool piece_eq(const struct merge_level *m, int va, const struct piece *a, int vb,
                     const struct piece *b)
{
    size_t al = a->end - a->start, bl = b->end - b->start;
    return al == bl && memcmp(m->cx->v[va].src + a->start, m->cx->v[vb].src + b->start, al) == 0;
}

static void emit_piece(struct merge_level *m, dk_str *out, int vi, const struct piece *p)
{
    dk_str_add(out, m->cx->v[vi].src + p->start, p->end - p->start);
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
    merge_emit_conflict(m->cx, out, piece_name(m, p), piece_kind(m, p), desc, texts, lens, starts,
                        ends);
}

/* Both sides changed a leaf: line-merge its text; clean, or record the narrow conflict. */
static int merge_leaf(struct merge_level *m, dk_str *out, const struct piece *p[3])
{
    struct merge_ctx *cx = m->cx;
    dk_str tmp = DK_STR_INIT;
    bool clean = false;
    int rc = merge_line(cx, &tmp, &clean, cx->v[V_BASE].src + p[V_BASE]->start,
                        p[V_BASE]->end - p[V_BASE]->start, cx->v[V_OURS].src + p[V_OURS]->start,
                        p[V_OURS]->end - p[V_OURS]->start, cx->v[V_THEIRS].src + p[V_THEIRS]->start,
                        p[V_THEIRS]->end - p[V_THEIRS]->start);
    if (rc) {
        dk_str_release(&tmp);
        return rc;
    }
    if (clean) {
        dk_str_add(out, tmp.ptr, tmp.len);
        dk_str_release(&tmp);
        return DK_OK;
    }
    /* git's markers are ours too (same labels, style, size): keep them, record the span */
    if (out->len && out->ptr[out->len - 1] != '\n')
        dk_str_adds(out, cx->eol);
    uint32_t base = (uint32_t)out->len;
    dk_str_add(out, tmp.ptr, tmp.len);
    const char *first = tmp.ptr, *last = NULL;
    unsigned size = cx->opts.marker_size;
    for (size_t i = 0; i < tmp.len;) {
        const char *nl = memchr(tmp.ptr + i, '\n', tmp.len - i);
        size_t next = nl ? (size_t)(nl - tmp.ptr) + 1 : tmp.len;
        if (next - i >= size && (tmp.ptr[i] == '<' || tmp.ptr[i] == '>')) {
            bool run = true;
            for (unsigned k = 1; k < size; k++)
                run = run && tmp.ptr[i + k] == tmp.ptr[i];
            if (run && tmp.ptr[i] == '<' && last == NULL)
                first = tmp.ptr + i;
            if (run && tmp.ptr[i] == '>')
                last = tmp.ptr + next;
        }
        i = next;
    }
    if (!last)
        last = tmp.ptr + tmp.len;
    const dk_symbol *s = piece_symbol(m, V_OURS, p[V_OURS]);
    dk_merge_conflict *c = dk_vec_push_zero(&cx->conflicts);
    c->qualified_name = dk_arena_strdup(&cx->arena, piece_name(m, p));
    c->kind = dk_arena_strdup(&cx->arena, piece_kind(m, p));
    c->description =
        dk_arena_sprintf(&cx->arena, "both sides changed the same lines of %s `%s`",
                         s ? dk_symbol_kind_name(s->kind) : "import", c->qualified_name);
    const char **side_text[3] = {&c->base_text, &c->ours_text, &c->theirs_text};
    dk_line_range *side_range[3] = {&c->base, &c->ours, &c->theirs};
    for (int vi = 0; vi < 3; vi++) {
        *side_text[vi] =
            dk_arena_strndup(&cx->arena, cx->v[vi].src + p[vi]->start, p[vi]->end - p[vi]->start);
        *side_range[vi] = merge_lines_of(cx, vi, p[vi]->start, p[vi]->end);
    }
    dk_vec_push(&cx->conflict_out_start, base + (uint32_t)(first - tmp.ptr));
    dk_vec_push(&cx->conflict_out_end, base + (uint32_t)(last - tmp.ptr));
    dk_str_release(&tmp);
    return DK_OK;
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
        p[vi] = level_piece(m->l[vi], id);
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
    if (piece_eq(m, V_BASE, b, vi, only))
        return DK_OK; /* deleted on one side, unchanged on the other */
    conflict_for_pieces(m, out, p, "");
    m->cx->conflicts.items[m->cx->conflicts.len - 1].description =
        dk_arena_sprintf(&m->cx->arena, "%s deleted `%s`, %s modified it", o ? "theirs" : "ours",
                         piece_name(m, p), o ? "ours" : "theirs");
    return DK_OK;
}

/* A declaration of base missing from side `vi`'s whole level was deleted by that side. */
static bool deleted_by(const struct merge_level *m, int vi, uint32_t id)
{
    return level_piece(m->l[vi], id) == NULL;
}

/* Delete-vs-modify conflicts for base items in [b0, b1) that a side deleted. */
static int check_deletions(struct merge_level *m, dk_str *out, size_t b0, size_t b1)
{
    for (size_t i = b0; i < b1; i++) {
        const struct item *it = &m->l[V_BASE]->items.items[i];
        if (it->piece < 0)
            continue;
        bool gone_o = deleted_by(m, V_OURS, it->id), gone_t = deleted_by(m, V_THEIRS, it->id);
        if (gone_o != gone_t) {
            int rc = resolve_decl(m, out, it->id);
            if (rc)
                return rc;
        }
    }
    return DK_OK;
}

static void emit_items(struct merge_level *m, dk_str *out, int vi, size_t i0, size_t i1, int *rc)
{
    const struct level *l = m->l[vi];
    for (size_t i = i0; i < i1 && *rc == DK_OK; i++) {
        const struct item *it = &l->items.items[i];
        if (it->piece < 0)
            dk_str_add(out, m->cx->v[vi].src + it->start, it->end - it->start);
        else
            *rc = resolve_decl(m, out, it->id);
    }
}

static bool range_all_decls(const struct level *l, size_t i0, size_t i1)
{
    for (size_t i = i0; i < i1; i++) {
        if (l->items.items[i].piece < 0)
            return false;
    }
    return true;
}

static bool ids_contain(const uint32_t *ids, size_t n, uint32_t id)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == id)
            return true;
    }
    return false;
}

static const char *id_key(const struct merge_level *m, uint32_t id)
{
    for (int vi = 0; vi < 3; vi++) {
        const struct piece *p = level_piece(m->l[vi], id);
        if (p)
            return p->key;
    }
    return "";
}

/*
 * Both sides changed the arrangement of a region made only of declarations:
 * merge it as a set (see the file comment). Returns DK_ECONFLICT when both
 * sides reordered the survivors differently (the caller writes a conflict).
 */
static int merge_decl_set(struct merge_level *m, dk_str *out, const struct diff3_chunk *c)
{
    size_t nb = c->b1 - c->b0, no = c->o1 - c->o0, nt = c->t1 - c->t0;
    uint32_t *B = dk_xcalloc(nb + 1, sizeof(*B)), *O = dk_xcalloc(no + 1, sizeof(*O)),
             *T = dk_xcalloc(nt + 1, sizeof(*T));
    for (size_t i = 0; i < nb; i++)
        B[i] = m->l[V_BASE]->items.items[c->b0 + i].id;
    for (size_t i = 0; i < no; i++)
        O[i] = m->l[V_OURS]->items.items[c->o0 + i].id;
    for (size_t i = 0; i < nt; i++)
        T[i] = m->l[V_THEIRS]->items.items[c->t0 + i].id;
    /* survivors in base order, and each side's order of them */
    uint32_t *S = dk_xcalloc(nb + 1, sizeof(*S)), *SO = dk_xcalloc(nb + 1, sizeof(*SO)),
             *ST = dk_xcalloc(nb + 1, sizeof(*ST));
    size_t ns = 0, nso = 0, nst = 0;
    for (size_t i = 0; i < nb; i++) {
        if (ids_contain(O, no, B[i]) && ids_contain(T, nt, B[i]))
            S[ns++] = B[i];
    }
    for (size_t i = 0; i < no; i++) {
        if (ids_contain(S, ns, O[i]))
            SO[nso++] = O[i];
    }
    for (size_t i = 0; i < nt; i++) {
        if (ids_contain(S, ns, T[i]))
            ST[nst++] = T[i];
    }
    const uint32_t *order;
    int rc = DK_OK;
    if (memcmp(SO, S, ns * sizeof(*S)) == 0)
        order = ST;
    else if (memcmp(ST, S, ns * sizeof(*S)) == 0)
        order = SO;
    else if (memcmp(SO, ST, ns * sizeof(*S)) == 0)
        order = SO;
    else {
        rc = DK_ECONFLICT;
        goto out;
    }
    rc = check_deletions(m, out, c->b0, c->b1);
    if (rc)
        goto out;
    /*
     * Additions (ids not in base's region) anchored after the nearest
     * preceding survivor on their side; slot a = after order[a-1], 0 = first.
     */
    for (size_t slot = 0; slot <= ns && rc == DK_OK; slot++) {
        if (slot > 0)
            rc = resolve_decl(m, out, order[slot - 1]);
        const uint32_t *side[2] = {O, T};
        size_t side_n[2] = {no, nt};
        size_t run_start[2] = {SIZE_MAX, SIZE_MAX}, run_end[2] = {0, 0};
        for (int s = 0; s < 2; s++) {
            /* the run of this side's additions that follow the anchor */
            uint32_t anchor = slot > 0 ? order[slot - 1] : 0;
            size_t i = 0;
            if (slot > 0) {
                while (i < side_n[s] && side[s][i] != anchor)
                    i++;
                if (i == side_n[s])
                    continue;
                i++;
            }
            size_t j = i;
            while (j < side_n[s] && !ids_contain(S, ns, side[s][j]))
                j++;
            run_start[s] = i;
            run_end[s] = j;
        }
        int first = 0;
        if (run_start[0] != SIZE_MAX && run_start[1] != SIZE_MAX && run_start[0] < run_end[0] &&
            run_start[1] < run_end[1] &&
            strcmp(id_key(m, side[1][run_start[1]]), id_key(m, side[0][run_start[0]])) < 0)
            first = 1;
        for (int k = 0; k < 2 && rc == DK_OK; k++) {
            int s = k == 0 ? first : 1 - first;
            if (run_start[s] == SIZE_MAX)
                continue;
            for (size_t i = run_start[s]; i < run_end[s] && rc == DK_OK; i++) {
                uint32_t id = side[s][i];
                /* an id of base outside this region was moved here by this side */
                if (ids_contain(B, nb, id))
                    continue;
                rc = resolve_decl(m, out, id);
            }
        }
    }
out:
    free(B);
    free(O);
    free(T);
    free(S);
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
    merge_emit_conflict(m->cx, out, m->qname, "text", desc, texts, lens, starts, ends);
}

static int merge_level_items(struct merge_level *m, dk_str *out)
{
    const struct level *lb = m->l[V_BASE], *lo = m->l[V_OURS], *lt = m->l[V_THEIRS];
    uint32_t *ib = dk_xcalloc(lb->items.len + 1, sizeof(*ib));
    uint32_t *io = dk_xcalloc(lo->items.len + 1, sizeof(*io));
    uint32_t *it = dk_xcalloc(lt->items.len + 1, sizeof(*it));
    for (size_t i = 0; i < lb->items.len; i++)
        ib[i] = lb->items.items[i].id;
    for (size_t i = 0; i < lo->items.len; i++)
        io[i] = lo->items.items[i].id;
    for (size_t i = 0; i < lt->items.len; i++)
        it[i] = lt->items.items[i].id;
    struct diff3_result d;
    int rc =
        dk_diff3(&d, ib, lb->items.len, io, lo->items.len, it, lt->items.len, STRUCT_MAX_EDITS);
    free(ib);
    free(io);
    free(it);
    if (rc)
        return rc;
    for (size_t k = 0; k < d.nchunks && rc == DK_OK; k++) {
        const struct diff3_chunk *c = &d.chunks[k];
        switch (c->kind) {
        case DIFF3_STABLE:
        case DIFF3_BOTH_SAME:
            if (c->kind == DIFF3_BOTH_SAME)
                rc = check_deletions(m, out, c->b0, c->b1);
            emit_items(m, out, V_OURS, c->o0, c->o1, &rc);
            break;
        case DIFF3_OURS:
            rc = check_deletions(m, out, c->b0, c->b1);
            emit_items(m, out, V_OURS, c->o0, c->o1, &rc);
            break;
        case DIFF3_THEIRS:
            rc = check_deletions(m, out, c->b0, c->b1);
            emit_items(m, out, V_THEIRS, c->t0, c->t1, &rc);
            break;
        case DIFF3_CONFLICT:
            if (range_all_decls(lb, c->b0, c->b1) && range_all_decls(lo, c->o0, c->o1) &&
                range_all_decls(lt, c->t0, c->t1)) {
                size_t mark = out->len;
                rc = merge_decl_set(m, out, c);
                if (rc == DK_ECONFLICT) {
                    dk_str_truncate(out, mark);
                    rc = DK_OK;
                    conflict_chunk(m, out, c);
                }
            } else {
                conflict_chunk(m, out, c);
            }
            break;
        }
    }
    free(d.chunks);
    return rc;
}

static int merge_region(struct merge_ctx *cx, dk_str *out, const char *qname, int depth,
                        const uint32_t start[3], const uint32_t end[3], const int32_t parent[3])
{
    struct level l[3];
    memset(l, 0, sizeof(l));
    int rc = DK_OK;
    for (int vi = 0; vi < 3 && rc == DK_OK; vi++)
        rc = level_build(cx, &l[vi], vi, start[vi], end[vi], parent[vi]);
    if (rc == DK_OK) {
        struct merge_level m = {cx, {&l[0], &l[1], &l[2]}, qname, depth, DK_MAP_INIT_U64};
        rc = merge_level_items(&m, out);
        dk_map_release(&m.emitted);
    }
    for (int vi = 0; vi < 3; vi++)
        level_release(&l[vi]);
    return rc;
}

int merge_structured(struct merge_ctx *cx, dk_str *out, const char **why)
{
    for (int vi = 0; vi < 3; vi++) {
        if (!cx->v[vi].an) {
            *why = "an input could not be analysed (binary, invalid utf-8 or too large)";
            return DK_EUNSUPPORTED;
        }
        if (cx->v[vi].an->nerrors > 0) {
            static const char *const names[3] = {"base", "ours", "theirs"};
            *why = dk_arena_sprintf(&cx->arena, "%s has syntax errors (line %u)", names[vi],
                                    cx->v[vi].an->errors[0].start_line);
            return DK_EUNSUPPORTED;
        }
    }
    for (int vi = 0; vi < 3; vi++) {
        if (merge_has_markers(cx->v[vi].src, cx->v[vi].len, cx->opts.marker_size)) {
            *why = "an input already contains conflict markers";
            return DK_EUNSUPPORTED;
        }
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
