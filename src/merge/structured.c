/*
 * merge/structured.c - the structured three-way merge.
 *
 * Each version of a region (the whole file, or the text of one container
 * such as a class) is tiled into items so that every byte belongs to
 * exactly one item:
 *
 *   [gap line][blank run][decl piece: leading comments/attributes + declaration][gap line]...
 *
 * A decl piece is a declaration (a symbol of this level, or an import
 * statement at top level) widened to whole lines; it includes the leading
 * comments and attributes the language layer attached to the symbol (its
 * span), never blank lines. A gap line is one line of whatever lies between
 * pieces (headers, statements, section comments, #if lines, braces); a run
 * of blank lines is one item, the separator.
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

#include "dk/log.h"

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
    /* "qualified::kind" when the name is overloaded (matched by parameters), else NULL */
    const char *group;
    /* the key without its "#n" occurrence suffix */
    const char *stem;
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

static void base_key(dk_str *out, const dk_symbol *s);

static bool span_is_blank(const char *src, uint32_t a, uint32_t b)
{
    for (uint32_t i = a; i < b; i++) {
        if (src[i] != ' ' && src[i] != '\t' && src[i] != '\r' && src[i] != '\n' && src[i] != '\f' &&
            src[i] != '\v')
            return false;
    }
    return true;
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
static int level_build(struct merge_ctx *cx, struct level *l, int vi, uint32_t start, uint32_t end,
                       int32_t parent)
{
    const struct merge_version *v = &cx->v[vi];
    const dk_analysis *a = v->an;
    l->vi = vi;
    l->start = start;
    l->end = end;
    l->by_id = (dk_map)DK_MAP_INIT_U64;
    dk_map occ = DK_MAP_INIT_STR;
    dk_str key = DK_STR_INIT;
    for (size_t i = 0; i < a->nsymbols; i++) {
        const dk_symbol *s = &a->symbols[i];
        if (s->parent != parent)
            continue;
        if (s->span.start_byte < start || s->span.end_byte > end) {
            dk_str_release(&key);
            dk_map_release(&occ);
            return dk_error_set(DK_ELIMIT, "declaration `%s` outside its container",
                                s->qualified_name);
        }
        struct piece *p = dk_vec_push_zero(&l->pieces);
        p->start = s->span.start_byte;
        p->end = s->span.end_byte;
        p->sym = (int32_t)i;
        dk_str_clear(&key);
        dk_merge_symbol_key(&key, s, &cx->overloaded, false);
        dk_str grp = DK_STR_INIT;
        base_key(&grp, s);
        if (dk_map_has(&cx->overloaded, grp.ptr, grp.len))
            p->group = dk_arena_strndup(&cx->arena, grp.ptr, grp.len);
        dk_str_release(&grp);
        uintptr_t n = (uintptr_t)dk_map_get(&occ, key.ptr, key.len);
        dk_map_put(&occ, key.ptr, key.len, (void *)(n + 1), NULL);
        p->stem = dk_arena_strndup(&cx->arena, key.ptr, key.len);
        p->key = n == 0 ? p->stem : dk_arena_sprintf(&cx->arena, "%s#%u", key.ptr, (unsigned)n + 1);
    }
    dk_str_release(&key);
    dk_map_release(&occ);
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
            p->stem = dk_arena_strndup(&cx->arena, ikey.ptr, ikey.len);
            p->key =
                n == 0 ? p->stem : dk_arena_sprintf(&cx->arena, "%s#%u", ikey.ptr, (unsigned)n + 1);
            dk_str_release(&ikey);
        }
        dk_map_release(&seen);
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
        p->id = intern(cx, 'D', p->key, strlen(p->key));
        void *old = NULL;
        dk_map_put_u64(&l->by_id, p->id, (void *)(uintptr_t)(k + 1), &old);
        if (old)
            return dk_error_set(DK_ELIMIT, "declaration `%s` appears twice", p->key);
    }
    /*
     * Items: gap lines and pieces, covering [start, end) exactly. A run of
     * blank lines is one item (a separator), so that "one blank line became
     * two" is one change, not an insertion diff3 may place on either side.
     */
    uint32_t pos = start;
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

static void base_key(dk_str *out, const dk_symbol *s)
{
    dk_str_adds(out, s->qualified_name);
    dk_str_adds(out, "::");
    dk_str_adds(out, dk_symbol_kind_name(s->kind));
}

void dk_merge_find_overloads(dk_map *set, const dk_analysis *a)
{
    dk_map count = DK_MAP_INIT_STR;
    dk_str key = DK_STR_INIT;
    for (size_t i = 0; i < a->nsymbols; i++) {
        dk_str_clear(&key);
        base_key(&key, &a->symbols[i]);
        uintptr_t n = (uintptr_t)dk_map_get(&count, key.ptr, key.len);
        dk_map_put(&count, key.ptr, key.len, (void *)(n + 1), NULL);
        if (n == 1)
            dk_map_put(set, key.ptr, key.len, (void *)1, NULL);
    }
    dk_str_release(&key);
    dk_map_release(&count);
}

/*
 * What tells overloads apart: "(params)", the first parenthesised group
 * after the name; for declarations without parameters (several Swift
 * `extension T: P` blocks, Rust impls of one type) the whole head.
 */
static void add_params(dk_str *out, const dk_symbol *s)
{
    const char *sig = s->signature, *at = strstr(sig, s->name);
    const char *open = strchr(at ? at : sig, '(');
    if (!open) {
        dk_str_addf(out, "[%s]", sig);
        return;
    }
    int depth = 0;
    for (const char *p = open; *p; p++) {
        dk_str_addch(out, *p);
        if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            return;
    }
}

void dk_merge_symbol_key(dk_str *out, const dk_symbol *s, const dk_map *overloaded, bool callable)
{
    dk_str k = DK_STR_INIT;
    base_key(&k, s);
    bool over = overloaded && dk_map_has(overloaded, k.ptr, k.len);
    dk_str_release(&k);
    dk_str_adds(out, s->qualified_name);
    if (over)
        add_params(out, s);
    dk_str_adds(out, "::");
    bool fn = s->kind == DK_SYM_FUNCTION || s->kind == DK_SYM_METHOD || s->kind == DK_SYM_PROTOTYPE;
    dk_str_adds(out, callable && fn ? "callable" : dk_symbol_kind_name(s->kind));
}

void dk_merge_import_key(dk_str *out, const dk_import *im)
{
    dk_str_addf(out, "import:%s", im->module);
    if (im->name)
        dk_str_addf(out, ":%s", im->name);
    if (im->alias)
        dk_str_addf(out, " as %s", im->alias);
}

static const struct piece *level_piece(const struct level *l, uint32_t id);

static bool group_eq(const struct piece *a, const struct piece *b)
{
    return a->group && b->group && strcmp(a->group, b->group) == 0;
}

/*
 * Overloads are matched by parameters, so an overload whose parameters one
 * side changed would look deleted and re-added. When exactly one piece of
 * an overload group is unmatched on each side of (base, side), they are the
 * same declaration with a new head: give the side's piece base's identity.
 */
static bool piece_bytes_eq(const struct merge_ctx *cx, int va, const struct piece *a, int vb,
                           const struct piece *b)
{
    size_t al = a->end - a->start, bl = b->end - b->start;
    return al == bl && memcmp(cx->v[va].src + a->start, cx->v[vb].src + b->start, al) == 0;
}

/* After re-keying pieces of a side level: ids from keys, the id map, the items. */
static void level_reindex(struct merge_ctx *cx, struct level *l)
{
    dk_map_release(&l->by_id);
    l->by_id = (dk_map)DK_MAP_INIT_U64;
    for (size_t k = 0; k < l->pieces.len; k++) {
        struct piece *p = &l->pieces.items[k];
        p->id = intern(cx, 'D', p->key, strlen(p->key));
        dk_map_put_u64(&l->by_id, p->id, (void *)(uintptr_t)(k + 1), NULL);
    }
    for (size_t k = 0; k < l->items.len; k++) {
        struct item *it = &l->items.items[k];
        if (it->piece >= 0)
            it->id = l->pieces.items[it->piece].id;
    }
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
        level_reindex(cx, ls);
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

static void pair_overloads(struct merge_ctx *cx, struct level *lb, struct level *ls)
{
    for (size_t i = 0; i < ls->pieces.len; i++) {
        struct piece *sp = &ls->pieces.items[i];
        if (!sp->group || level_piece(lb, sp->id))
            continue;
        size_t n_side = 0, n_base = 0;
        const struct piece *bp = NULL;
        for (size_t k = 0; k < ls->pieces.len; k++) {
            const struct piece *q = &ls->pieces.items[k];
            n_side += group_eq(q, sp) && !level_piece(lb, q->id);
        }
        for (size_t k = 0; k < lb->pieces.len; k++) {
            const struct piece *q = &lb->pieces.items[k];
            if (group_eq(q, sp) && !level_piece(ls, q->id)) {
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

/* Both sides changed a leaf: line-merge its text; clean, or record the narrow conflict. */
static int merge_leaf(struct merge_level *m, dk_str *out, const struct piece *p[3])
{
    struct merge_ctx *cx = m->cx;
    dk_str tmp = DK_STR_INIT;
    bool clean = false;
    int rc = dk_merge_line(
        cx, &tmp, &clean, cx->v[V_BASE].src + p[V_BASE]->start, p[V_BASE]->end - p[V_BASE]->start,
        cx->v[V_OURS].src + p[V_OURS]->start, p[V_OURS]->end - p[V_OURS]->start,
        cx->v[V_THEIRS].src + p[V_THEIRS]->start, p[V_THEIRS]->end - p[V_THEIRS]->start);
    if (rc) {
        dk_str_release(&tmp);
        return rc;
    }
    if (clean) {
        uint32_t at = p[V_OURS]->start;
        if (out->len && out->ptr[out->len - 1] != '\n' && tmp.len &&
            (at == 0 || cx->v[V_OURS].src[at - 1] == '\n'))
            dk_str_adds(out, cx->eol);
        dk_str_add(out, tmp.ptr, tmp.len);
        dk_str_release(&tmp);
        return DK_OK;
    }
    /* git's markers are ours too (same labels, style, size): keep them, one record a block */
    if (out->len && out->ptr[out->len - 1] != '\n')
        dk_str_adds(out, cx->eol);
    size_t from = out->len;
    dk_str_add(out, tmp.ptr, tmp.len);
    const dk_symbol *s = piece_symbol(m, V_OURS, p[V_OURS]);
    const char *qname = dk_arena_strdup(&cx->arena, piece_name(m, p));
    const char *desc = dk_arena_sprintf(&cx->arena, "both sides changed the same lines of %s `%s`",
                                        s ? dk_symbol_kind_name(s->kind) : "import", qname);
    uint32_t starts[3] = {p[V_BASE]->start, p[V_OURS]->start, p[V_THEIRS]->start};
    dk_symbol_kind sk;
    dk_merge_conflict_kind kind = piece_kind(m, p, &sk);
    dk_merge_record_markers(cx, out->ptr, from, out->len, qname, kind, sk, desc, starts);
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
        const struct piece *p = level_piece(m->l[vi], id);
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

/* Items of a level from index i; never NULL (an empty level has no array). */
static const struct item *items_at(const struct level *l, size_t i)
{
    static const struct item none[1];
    return l->items.items ? l->items.items + i : none;
}

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
 * after the last piece go only if that piece was written: so a duplicate
 * never leaves its separator behind.
 */
static int emit_seq(struct merge_level *m, dk_str *out, const struct set_side *s, size_t r0,
                    size_t r1, const struct set_side *skip_side)
{
    size_t pending = SIZE_MAX; /* first unwritten blank line */
    bool wrote_last = true;
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
        wrote_last = !skip;
        pending = SIZE_MAX;
    }
    if (pending != SIZE_MAX && wrote_last) {
        for (size_t k = pending; k < r1; k++)
            put(m, out, s->vi, s->items[k].start, s->items[k].end);
    }
    return DK_OK;
}

static int emit_items(struct merge_level *m, dk_str *out, int vi, size_t i0, size_t i1)
{
    struct set_side whole = {m, vi, items_at(m->l[vi], 0), m->l[vi]->items.len};
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
    struct set_side B = {m, V_BASE, items_at(m->l[V_BASE], c->b0), c->b1 - c->b0};
    struct set_side O = {m, V_OURS, items_at(m->l[V_OURS], c->o0), c->o1 - c->o0};
    struct set_side T = {m, V_THEIRS, items_at(m->l[V_THEIRS], c->t0), c->t1 - c->t0};
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
        bool first_theirs = o0 < o1 && t0 < t1 && run_cmp(m, &T, t0, t1, &O, o0, o1) < 0;
        if (rc == DK_OK)
            rc = first_theirs ? emit_seq(m, out, &T, t0, t1, &B) : emit_seq(m, out, &O, o0, o1, &B);
        if (rc == DK_OK)
            rc = first_theirs ? emit_seq(m, out, &O, o0, o1, &B) : emit_seq(m, out, &T, t0, t1, &B);
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
            if (range_is_decl_set(m, V_BASE, c->b0, c->b1) &&
                range_is_decl_set(m, V_OURS, c->o0, c->o1) &&
                range_is_decl_set(m, V_THEIRS, c->t0, c->t1)) {
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
        rekey_duplicates(cx, &l[V_BASE], &l[V_OURS], "ours");
        rekey_duplicates(cx, &l[V_BASE], &l[V_THEIRS], "theirs");
        pair_overloads(cx, &l[V_BASE], &l[V_OURS]);
        pair_overloads(cx, &l[V_BASE], &l[V_THEIRS]);
        struct merge_level m = {cx, {&l[0], &l[1], &l[2]}, qname, depth, DK_MAP_INIT_U64};
        rc = merge_level_items(&m, out);
        dk_map_release(&m.emitted);
    }
    for (int vi = 0; vi < 3; vi++)
        level_release(&l[vi]);
    return rc;
}

int dk_merge_structured(struct merge_ctx *cx, dk_str *out, const char **why)
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
        if (dk_merge_has_markers(cx->v[vi].src, cx->v[vi].len, cx->opts.marker_size)) {
            *why = "an input already contains conflict markers";
            return DK_EUNSUPPORTED;
        }
    }
    cx->overloaded = (dk_map)DK_MAP_INIT_STR;
    for (int vi = 0; vi < 3; vi++)
        dk_merge_find_overloads(&cx->overloaded, cx->v[vi].an);
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
