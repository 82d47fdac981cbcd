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

#include "merge/identity.h"
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
    /*
     * Group the pieces of both versions by stem in one pass each (a map from
     * stem to group, base's pieces of a group chained in order), so the
     * work is linear in the pieces plus the pairs compared inside a group
     * a side resized; comparing every name with every other was quadratic
     * even when nothing is duplicated.
     */
    size_t nbp = lb->pieces.len, nsp = ls->pieces.len;
    dk_map groups = DK_MAP_INIT_STR_POOLED;
    struct group {
        uint32_t nb, ns;
        /* first base piece of the group, and the last (for appending), SIZE_MAX: none */
        size_t first_b, last_b;
        unsigned fresh;
    };
    struct group *g = dk_xcalloc(nbp + nsp + 1, sizeof(*g));
    size_t ng = 0;
    size_t *next_b = dk_xcalloc(nbp + 1, sizeof(*next_b));
    size_t *side_group = dk_xcalloc(nsp + 1, sizeof(*side_group));
    bool *used = dk_xcalloc(nbp + 1, sizeof(*used));
    for (size_t pass = 0; pass < 2; pass++) {
        const struct level *l = pass == 0 ? lb : ls;
        for (size_t k = 0; k < l->pieces.len; k++) {
            const char *stem = l->pieces.items[k].stem;
            size_t len = strlen(stem);
            uintptr_t gi = (uintptr_t)dk_map_get(&groups, stem, len);
            if (gi == 0) {
                gi = ++ng;
                g[gi - 1].first_b = g[gi - 1].last_b = SIZE_MAX;
                dk_map_put(&groups, stem, len, (void *)gi, NULL);
            }
            struct group *gr = &g[gi - 1];
            if (pass == 0) {
                gr->nb++;
                next_b[k] = SIZE_MAX;
                if (gr->last_b == SIZE_MAX)
                    gr->first_b = k;
                else
                    next_b[gr->last_b] = k;
                gr->last_b = k;
            } else {
                gr->ns++;
                side_group[k] = gi - 1;
            }
        }
    }
    bool changed = false;
    for (size_t k = 0; k < nsp; k++) {
        struct group *gr = &g[side_group[k]];
        if (gr->nb == gr->ns || (gr->nb < 2 && gr->ns < 2))
            continue;
        /* a group the side resized: pair by identical bytes, in order */
        struct piece *q = &ls->pieces.items[k];
        const struct piece *match = NULL;
        for (size_t b = gr->first_b; b != SIZE_MAX && !match; b = next_b[b]) {
            const struct piece *bp = &lb->pieces.items[b];
            if (!used[b] && piece_bytes_eq(cx, lb->vi, bp, ls->vi, q)) {
                used[b] = true;
                match = bp;
            }
        }
        q->key =
            match ? match->key : dk_arena_sprintf(&cx->arena, "%s@%s%u", q->stem, tag, ++gr->fresh);
        changed = true;
    }
    free(used);
    free(side_group);
    free(next_b);
    free(g);
    dk_map_release(&groups);
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

/* The side's piece i is base's piece bp: give it bp's identity. */
static void adopt_identity(struct level *ls, size_t i, const struct piece *bp)
{
    struct piece *sp = &ls->pieces.items[i];
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

/*
 * Exactly one piece of group `sp->group` unmatched on the side (sp itself)
 * and exactly one in base: that base piece, else NULL.
 */
static const struct piece *only_unmatched(const struct level *lb, const struct level *ls,
                                          const struct piece *sp)
{
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
    return n_side == 1 && n_base == 1 ? bp : NULL;
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
        if (!sp->group || sp->sym < 0 || dk_merge_level_piece(lb, sp->id))
            continue;
        const struct piece *bp = only_unmatched(lb, ls, sp);
        if (!bp || !bodies_similar(cx, lb->vi, bp, ls->vi, sp))
            continue;
        adopt_identity(ls, i, bp);
    }
}

/*
 * An import statement is keyed by its first name, so a side that adds a
 * name in front (`use a::{b, c}` -> `use a::{Z, b, c}`) seems to delete the
 * statement and add another: a change of it on the other side conflicted
 * as deleted-vs-modified, and a deletion of it there was lost (the side's
 * "new" statement came back). When the side has exactly one unmatched
 * statement whose first name comes from a module and base exactly one
 * unmatched from that module, they are one statement: the two sides'
 * changes then merge as for any statement (names as members; a deletion
 * against a change conflicts; the gate as always).
 */
static void pair_imports(struct level *lb, struct level *ls)
{
    for (size_t i = 0; i < ls->pieces.len; i++) {
        struct piece *sp = &ls->pieces.items[i];
        if (!sp->group || sp->sym >= 0 || dk_merge_level_piece(lb, sp->id))
            continue;
        const struct piece *bp = only_unmatched(lb, ls, sp);
        if (bp)
            adopt_identity(ls, i, bp);
    }
}

/*
 * Both sides add a declaration the language lets a file repeat (a Rust
 * inherent `impl T` block, a C# partial class part, dk_merge_repeatable)
 * under one key that base lacks, with different bytes: two blocks, ours'
 * and theirs', not one added twice differently. Theirs' piece gets a key
 * of its own so both are written, ours' first (when parts_compatible);
 * the gate still refuses the result when a member (`impl T.new`) is then
 * declared twice.
 */
static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
}

/*
 * What a C# partial type part's head says that every part must agree on
 * (whitespace runs in a signature are one space), each as a string:
 * attr: the names of its attributes, each followed by a space (`[A, B(x)]
 * [C]` -> "A B C "); access: its access modifiers; bases: its base list
 * (after `:` up to `where`).
 */
struct part_head {
    dk_str attr, access, bases;
};

static void read_part_head(struct part_head *h, const char *sig)
{
    int sq = 0, round = 0, angle = 0;
    bool name_next = false;
    const char *colon = NULL;
    for (const char *p = sig; *p; p++) {
        char c = *p;
        if (c == '[') {
            sq++;
            name_next = sq == 1;
        } else if (c == ']' && sq > 0) {
            sq--;
        } else if (c == '(') {
            round++;
        } else if (c == ')' && round > 0) {
            round--;
        } else if (c == '<') {
            angle++;
        } else if (c == '>' && angle > 0) {
            angle--;
        } else if (sq == 1 && round == 0 && c == ',') {
            name_next = true;
        } else if (sq == 1 && round == 0 && name_next && word_char(c)) {
            const char *e = p;
            while (word_char(*e))
                e++;
            /* a target (`[return: X]`) is not the name */
            const char *q = e;
            while (*q == ' ')
                q++;
            if (*q != ':') {
                dk_str_add(&h->attr, p, (size_t)(e - p));
                dk_str_addch(&h->attr, ' ');
                name_next = false;
            }
            p = e - 1;
        } else if (sq == 0 && round == 0 && angle == 0 && c == ':' && !colon) {
            colon = p + 1;
        } else if (sq == 0 && !colon && word_char(c) && (p == sig || !word_char(p[-1]))) {
            static const char *const acc[] = {"public", "internal", "protected", "private"};
            for (size_t i = 0; i < sizeof(acc) / sizeof(acc[0]); i++) {
                size_t n = strlen(acc[i]);
                if (strncmp(p, acc[i], n) == 0 && !word_char(p[n])) {
                    dk_str_adds(&h->access, acc[i]);
                    dk_str_addch(&h->access, ' ');
                }
            }
        }
    }
    if (colon) {
        const char *w = strstr(colon, " where ");
        size_t n = w ? (size_t)(w - colon) : strlen(colon);
        while (n && colon[0] == ' ')
            colon++, n--;
        while (n && colon[n - 1] == ' ')
            n--;
        dk_str_add(&h->bases, colon, n);
    }
}

/* Some word of the space-ended list a is also in b. */
static bool share_word(const dk_str *a, const dk_str *b)
{
    for (size_t i = 0; i < a->len;) {
        const char *sp = memchr(a->ptr + i, ' ', a->len - i);
        size_t n = (size_t)(sp - (a->ptr + i)) + 1;
        for (size_t j = 0; j + n <= b->len;) {
            const char *sp2 = memchr(b->ptr + j, ' ', b->len - j);
            size_t m = (size_t)(sp2 - (b->ptr + j)) + 1;
            if (m == n && memcmp(a->ptr + i, b->ptr + j, n) == 0)
                return true;
            j += m;
        }
        i += n;
    }
    return false;
}

/*
 * Two C# partial type parts, ours' and theirs', that can both be kept: no
 * attribute both name (`[Serializable]` twice is an error), and access
 * modifiers and base lists the same where both give them (`partial class
 * A : B` and `partial class A : Exception` name two base classes).
 */
static bool part_heads_compatible(const dk_symbol *o, const dk_symbol *t)
{
    struct part_head ho = {DK_STR_INIT, DK_STR_INIT, DK_STR_INIT};
    struct part_head ht = {DK_STR_INIT, DK_STR_INIT, DK_STR_INIT};
    read_part_head(&ho, o->signature);
    read_part_head(&ht, t->signature);
    bool ok = !(ho.attr.len && share_word(&ho.attr, &ht.attr));
    if (ho.access.len && ht.access.len)
        ok = ok && ho.access.len == ht.access.len &&
             memcmp(ho.access.ptr, ht.access.ptr, ho.access.len) == 0;
    if (ho.bases.len && ht.bases.len)
        ok = ok && ho.bases.len == ht.bases.len &&
             memcmp(ho.bases.ptr, ht.bases.ptr, ho.bases.len) == 0;
    dk_str_release(&ho.attr);
    dk_str_release(&ho.access);
    dk_str_release(&ho.bases);
    dk_str_release(&ht.attr);
    dk_str_release(&ht.access);
    dk_str_release(&ht.bases);
    return ok;
}

/*
 * Two parts of one repeatable declaration, ours' and theirs', can both be
 * kept: no member of one has a member name of the other (`M(int a)` and
 * `M(int b)` are one method twice, which the gate, keying overloads by
 * their text, would let through), and C# partial type heads that agree
 * (part_heads_compatible).
 */
static bool parts_compatible(const struct merge_version *vo, int32_t so,
                             const struct merge_version *vt, int32_t st)
{
    const dk_symbol *o = &vo->an->symbols[so], *t = &vt->an->symbols[st];
    if (o->kind != DK_SYM_IMPL && !part_heads_compatible(o, t))
        return false;
    for (size_t i = 0; i < vo->an->nsymbols; i++) {
        if (vo->an->symbols[i].parent != so)
            continue;
        for (size_t j = 0; j < vt->an->nsymbols; j++) {
            if (vt->an->symbols[j].parent == st &&
                strcmp(vo->an->symbols[i].name, vt->an->symbols[j].name) == 0)
                return false;
        }
    }
    return true;
}

static void split_repeated_additions(struct merge_ctx *cx, struct level *const l[3])
{
    const struct merge_version *vo = &cx->v[V_OURS], *vt = &cx->v[V_THEIRS];
    bool changed = false;
    unsigned fresh = 0;
    for (size_t k = 0; k < l[V_THEIRS]->pieces.len; k++) {
        struct piece *t = &l[V_THEIRS]->pieces.items[k];
        const struct piece *o = dk_merge_level_piece(l[V_OURS], t->id);
        if (t->sym < 0 || !o || o->sym < 0 || dk_merge_level_piece(l[V_BASE], t->id) ||
            !dk_merge_repeatable(&vt->an->symbols[t->sym]) ||
            !dk_merge_repeatable(&vo->an->symbols[o->sym]) ||
            piece_bytes_eq(cx, V_OURS, o, V_THEIRS, t) || !parts_compatible(vo, o->sym, vt, t->sym))
            continue;
        t->key = dk_arena_sprintf(&cx->arena, "%s@theirs-added%u", t->stem, ++fresh);
        changed = true;
    }
    if (changed)
        dk_merge_level_reindex(cx, l[V_THEIRS]);
}

void dk_merge_match_pieces(struct merge_ctx *cx, struct level *l[3])
{
    rekey_duplicates(cx, l[V_BASE], l[V_OURS], "ours");
    rekey_duplicates(cx, l[V_BASE], l[V_THEIRS], "theirs");
    split_repeated_additions(cx, l);
    pair_overloads(cx, l[V_BASE], l[V_OURS]);
    pair_overloads(cx, l[V_BASE], l[V_THEIRS]);
    pair_imports(l[V_BASE], l[V_OURS]);
    pair_imports(l[V_BASE], l[V_THEIRS]);
}
