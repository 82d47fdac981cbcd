/*
 * merge/members.c - a declaration both sides changed, merged by its members
 * (see members.h). Used by structured.c before the line merge of a leaf.
 *
 * Each version's text is parsed on its own for member lists (lang/
 * dk_lang_members). The text outside the lists (the "skeleton": a struct's
 * head, an import's module) and each list's opening and closing text are
 * taken three-way as units: one side changed it, that side; both the same,
 * it; both differently, no member merge. Lists pair up by position, so a
 * list a side moved (one holding more of another base list's members than
 * of its own: `g({a}, {b})` -> `g({b}, {a})`) is no member merge. In a
 * list changed on both sides, members are identified by key (their name):
 * survivors keep base's order (when a side reordered them this does not
 * apply), deletions are honoured unless the other side changed the member,
 * additions go after their nearest surviving predecessor on their side,
 * theirs after ours' additions at the same spot. Each member's text is
 * taken three-way; the separator between two members is one a version has
 * between those two, else the one after the first in its version, else the
 * list's usual separator (ours' first). A comment in the text after a
 * member on its line (`b: 2, // deprecated`) is that member's: it is merged three-way with it, and
 * when the separator or close text written after the member carries
 * another comment (the member is no longer last, or a side's addition now
 * follows it) there is no member merge.
 *
 * Lists are short: positions are found by linear scans (quadratic in a
 * list's length), keys through maps.
 */
#include "merge/members.h"

#include <string.h>

#include "util/map.h"
#include "util/vec.h"

#include "util/banned.h"

struct version {
    const char *src;
    size_t len;
    dk_members *mb;
};

/* One list of one version: its members and their keys -> index + 1. */
struct side_list {
    const char *src;
    const dk_member_list *l;
    const dk_member *m;
    dk_map index;
};

struct entry {
    int vi;
    size_t j;
    const char *key;
};

typedef dk_vec(struct entry) entry_vec;

static bool bytes_eq(const char *a, size_t al, const char *b, size_t bl)
{
    return al == bl && memcmp(a, b, al) == 0;
}

/* Which version's part to take: the side that changed it, either when both agree; -1 otherwise. */
static int pick3(const char *const s[3], const size_t n[3])
{
    if (bytes_eq(s[V_BASE], n[V_BASE], s[V_OURS], n[V_OURS]))
        return V_THEIRS;
    if (bytes_eq(s[V_BASE], n[V_BASE], s[V_THEIRS], n[V_THEIRS]))
        return V_OURS;
    if (bytes_eq(s[V_OURS], n[V_OURS], s[V_THEIRS], n[V_THEIRS]))
        return V_OURS;
    return -1;
}

static size_t index_of(const struct side_list *s, const char *key)
{
    return (uintptr_t)dk_map_get(&s->index, key, strlen(key));
}

static const char *mtext(const struct side_list *s, size_t j, size_t *n)
{
    *n = s->m[j].end - s->m[j].start;
    return s->src + s->m[j].start;
}

/* The separator after member j of s (j not last). */
static const char *sep_after(const struct side_list *s, size_t j, size_t *n)
{
    *n = s->m[j + 1].start - s->m[j].end;
    return s->src + s->m[j].end;
}

static int pick_member(const struct side_list sl[3], const size_t at[3])
{
    const char *s[3];
    size_t n[3];
    for (int vi = 0; vi < 3; vi++)
        s[vi] = mtext(&sl[vi], at[vi], &n[vi]);
    return pick3(s, n);
}

/* Do a and b hold the same text but for blanks (spaces, tabs, line breaks)? */
static bool same_but_blanks(const char *a, size_t al, const char *b, size_t bl)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < al && (a[i] == ' ' || a[i] == '\t' || a[i] == '\n' || a[i] == '\r'))
            i++;
        while (j < bl && (b[j] == ' ' || b[j] == '\t' || b[j] == '\n' || b[j] == '\r'))
            j++;
        if (i == al || j == bl)
            return i == al && j == bl;
        if (a[i++] != b[j++])
            return false;
    }
}

/*
 * Separator text between merged entries x and y: the one the versions that
 * have x and y adjacent agree on (three-way), else the one after x.
 */
static bool separator(const struct side_list sl[3], const struct entry *x, const struct entry *y,
                      const char **text, size_t *n)
{
    static const int order[3] = {V_OURS, V_THEIRS, V_BASE};
    const char *s[3] = {NULL, NULL, NULL};
    size_t len[3] = {0, 0, 0};
    int have = 0, first = -1;
    for (int k = 0; k < 3; k++) {
        int vi = order[k];
        size_t ix = index_of(&sl[vi], x->key), iy = index_of(&sl[vi], y->key);
        if (ix && iy == ix + 1) {
            s[vi] = sep_after(&sl[vi], ix - 1, &len[vi]);
            have++;
            if (first < 0)
                first = vi;
        }
    }
    if (have == 3) {
        int vi = pick3(s, len);
        /* both sides changed it: ours when they differ in blanks only, else no member merge
         * (a trailing comment each side rewrote must not lose one side's text) */
        if (vi < 0 && !same_but_blanks(s[V_OURS], len[V_OURS], s[V_THEIRS], len[V_THEIRS]))
            return false;
        first = vi < 0 ? V_OURS : vi;
    }
    if (first >= 0) {
        *text = s[first];
        *n = len[first];
        return true;
    }
    const int after[4] = {x->vi, V_OURS, V_THEIRS, V_BASE};
    for (int k = 0; k < 4; k++) {
        size_t ix = index_of(&sl[after[k]], x->key);
        if (ix && ix < sl[after[k]].l->count) {
            *text = sep_after(&sl[after[k]], ix - 1, n);
            return true;
        }
    }
    for (int k = 0; k < 3; k++) {
        if (sl[order[k]].l->count >= 2) {
            *text = sep_after(&sl[order[k]], 0, n);
            return true;
        }
    }
    return false;
}

/* Do a and b hold the same text but for blanks and the separators `,` and `;`? */
static bool same_trail(const char *a, size_t al, const char *b, size_t bl)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < al && memchr(" \t\r\n,;", a[i], 6))
            i++;
        while (j < bl && memchr(" \t\r\n,;", b[j], 6))
            j++;
        if (i == al || j == bl)
            return i == al && j == bl;
        if (a[i++] != b[j++])
            return false;
    }
}

/*
 * The part of text t (n bytes) after a member that is the member's own: up
 * to the end of its line (`, // deprecated`; a comment on a line of its own
 * belongs to the next member or to the list's end), and in a list's close
 * text that ends on the member's line, without the closing delimiter.
 */
static size_t own_trail(const char *t, size_t n, bool close)
{
    const char *nl = memchr(t, '\n', n);
    if (nl)
        return (size_t)(nl - t);
    while (close && n && memchr(" \t\r", t[n - 1], 3))
        n--;
    if (close && n && memchr(")]}>", t[n - 1], 4))
        n--;
    return n;
}

/* The text after member j of s that is its own (own_trail). */
static const char *trail_after(const struct side_list *s, size_t j, size_t *n)
{
    if (j + 1 < s->l->count) {
        const char *t = sep_after(s, j, n);
        *n = own_trail(t, *n, false);
        return t;
    }
    const char *close = s->src + s->m[j].end;
    *n = own_trail(close, s->l->end - s->m[j].end, true);
    return close;
}

/*
 * The trailing text member `key` should keep in the merge (three-way over
 * the versions that have it; its comment is its own), or NULL when both
 * sides changed it differently.
 */
static const char *wanted_trail(const struct side_list sl[3], const char *key, size_t *n)
{
    const char *t[3] = {NULL, NULL, NULL};
    size_t len[3] = {0, 0, 0};
    for (int vi = 0; vi < 3; vi++) {
        size_t ix = index_of(&sl[vi], key);
        if (ix)
            t[vi] = trail_after(&sl[vi], ix - 1, &len[vi]);
    }
    int vi = -1;
    if (t[V_BASE] && t[V_OURS] && t[V_THEIRS]) {
        vi = same_trail(t[V_BASE], len[V_BASE], t[V_OURS], len[V_OURS])       ? V_THEIRS
             : same_trail(t[V_BASE], len[V_BASE], t[V_THEIRS], len[V_THEIRS]) ? V_OURS
             : same_trail(t[V_OURS], len[V_OURS], t[V_THEIRS], len[V_THEIRS]) ? V_OURS
                                                                              : -1;
    } else if (t[V_OURS] && t[V_THEIRS]) {
        vi = same_trail(t[V_OURS], len[V_OURS], t[V_THEIRS], len[V_THEIRS]) ? V_OURS : -1;
    } else {
        vi = t[V_OURS] ? V_OURS : t[V_THEIRS] ? V_THEIRS : V_BASE;
    }
    if (vi < 0 || !t[vi])
        return NULL;
    *n = len[vi];
    return t[vi];
}

static size_t position_of(const struct entry *e, size_t n, const char *key)
{
    for (size_t k = 0; k < n; k++) {
        if (strcmp(e[k].key, key) == 0)
            return k + 1;
    }
    return 0;
}

/* Insert `e` at position p of the entries. */
static void insert_at(entry_vec *v, size_t p, struct entry e)
{
    dk_vec_push(v, e);
    memmove(v->items + p + 1, v->items + p, (v->len - 1 - p) * sizeof(*v->items));
    v->items[p] = e;
}

/* The merged member sequence of one list changed on both sides; DK_ECONFLICT when it has none. */
static int merge_list(struct side_list sl[3], entry_vec *res)
{
    /* survivors must keep one order on all sides */
    size_t last_o = 0, last_t = 0;
    for (size_t j = 0; j < sl[V_BASE].l->count; j++) {
        const char *key = sl[V_BASE].m[j].key;
        size_t io = index_of(&sl[V_OURS], key), it = index_of(&sl[V_THEIRS], key);
        if (!io || !it)
            continue;
        if (io < last_o || it < last_t)
            return dk_error_set(DK_ECONFLICT, "a side reordered the members");
        last_o = io;
        last_t = it;
    }
    for (size_t j = 0; j < sl[V_BASE].l->count; j++) {
        const char *key = sl[V_BASE].m[j].key;
        size_t at[3] = {j, index_of(&sl[V_OURS], key), index_of(&sl[V_THEIRS], key)};
        if (at[V_OURS] && at[V_THEIRS]) {
            at[V_OURS]--;
            at[V_THEIRS]--;
            int vi = pick_member(sl, at);
            if (vi < 0)
                return dk_error_set(DK_ECONFLICT, "both sides changed member `%s`", key);
            struct entry e = {vi, at[vi], key};
            dk_vec_push(res, e);
            continue;
        }
        /* deleted by one side (or both): a conflict when the other changed it */
        int keep = at[V_OURS] ? V_OURS : at[V_THEIRS] ? V_THEIRS : -1;
        if (keep >= 0) {
            size_t n0, n1;
            const char *b = mtext(&sl[V_BASE], j, &n0);
            const char *k = mtext(&sl[keep], at[keep] - 1, &n1);
            if (!bytes_eq(b, n0, k, n1))
                return dk_error_set(DK_ECONFLICT, "member `%s` deleted and modified", key);
        }
    }
    for (size_t j = 0; j < sl[V_OURS].l->count; j++) {
        const char *key = sl[V_OURS].m[j].key;
        if (index_of(&sl[V_BASE], key))
            continue;
        size_t it = index_of(&sl[V_THEIRS], key);
        if (it) {
            size_t n0, n1;
            const char *a = mtext(&sl[V_OURS], j, &n0), *b = mtext(&sl[V_THEIRS], it - 1, &n1);
            if (!bytes_eq(a, n0, b, n1))
                return dk_error_set(DK_ECONFLICT, "both sides added member `%s` differently", key);
        }
        size_t p = 0;
        for (size_t k = j; k-- > 0 && !p;)
            p = position_of(res->items, res->len, sl[V_OURS].m[k].key);
        struct entry e = {V_OURS, j, key};
        insert_at(res, p, e);
    }
    for (size_t j = 0; j < sl[V_THEIRS].l->count; j++) {
        const char *key = sl[V_THEIRS].m[j].key;
        if (index_of(&sl[V_BASE], key) || index_of(&sl[V_OURS], key))
            continue;
        size_t p = 0;
        for (size_t k = j; k-- > 0 && !p;)
            p = position_of(res->items, res->len, sl[V_THEIRS].m[k].key);
        /* after ours' additions at that spot (those both sides added too) */
        while (p < res->len && !index_of(&sl[V_BASE], res->items[p].key))
            p++;
        struct entry e = {V_THEIRS, j, key};
        insert_at(res, p, e);
    }
    return DK_OK;
}

/* How many members of list li of x are in list lj of y with the same key and text. */
static size_t shared_members(const struct version *x, size_t li, const struct version *y, size_t lj)
{
    const dk_member_list *a = &x->mb->lists[li], *b = &y->mb->lists[lj];
    size_t k = 0;
    for (size_t i = 0; i < a->count; i++) {
        const dk_member *m = &x->mb->members[a->first + i];
        for (size_t j = 0; j < b->count; j++) {
            const dk_member *n = &y->mb->members[b->first + j];
            if (strcmp(m->key, n->key) == 0 && bytes_eq(x->src + m->start, m->end - m->start,
                                                        y->src + n->start, n->end - n->start)) {
                k++;
                break;
            }
        }
    }
    return k;
}

/*
 * Does a side's list i hold more of another base list's members than of
 * base's list i (the side moved lists: `g({a}, {b})` -> `g({b}, {a})`)?
 * Lists pair up by position, so merging them would put the other side's
 * changes into the wrong list.
 */
static bool list_moved(const struct version v[3], size_t i)
{
    for (int vi = V_OURS; vi <= V_THEIRS; vi++) {
        size_t own = shared_members(&v[vi], i, &v[V_BASE], i);
        for (size_t j = 0; j < v[V_BASE].mb->nlists; j++) {
            if (j != i && shared_members(&v[vi], i, &v[V_BASE], j) > own)
                return true;
        }
    }
    return false;
}

/* Append list i merged; DK_OK or why not. */
static int render_list(struct version v[3], size_t i, dk_str *out)
{
    struct side_list sl[3];
    memset(sl, 0, sizeof(sl));
    int rc = DK_OK;
    for (int vi = 0; vi < 3; vi++) {
        sl[vi].src = v[vi].src;
        sl[vi].l = &v[vi].mb->lists[i];
        sl[vi].m = v[vi].mb->members + sl[vi].l->first;
        sl[vi].index = (dk_map)DK_MAP_INIT_STR;
        for (size_t j = 0; j < sl[vi].l->count && rc == DK_OK; j++) {
            const char *key = sl[vi].m[j].key;
            void *old = NULL;
            dk_map_put(&sl[vi].index, key, strlen(key), (void *)(uintptr_t)(j + 1), &old);
            if (old)
                rc = dk_error_set(DK_EUNSUPPORTED, "member `%s` appears twice in a list", key);
        }
    }
    const char *whole[3];
    size_t wlen[3];
    for (int vi = 0; vi < 3; vi++) {
        whole[vi] = v[vi].src + sl[vi].l->start;
        wlen[vi] = sl[vi].l->end - sl[vi].l->start;
    }
    int wv = rc == DK_OK ? pick3(whole, wlen) : -1;
    if (wv >= 0) {
        dk_str_add(out, whole[wv], wlen[wv]);
        goto out;
    }
    for (int vi = 0; vi < 3 && rc == DK_OK; vi++) {
        if (sl[vi].l->count == 0)
            rc = dk_error_set(DK_EUNSUPPORTED, "an empty member list");
    }
    if (rc == DK_OK && list_moved(v, i))
        rc = dk_error_set(DK_EUNSUPPORTED, "a side moved a member list");
    if (rc)
        goto out;
    const char *open[3], *close[3];
    size_t olen[3], clen[3];
    for (int vi = 0; vi < 3; vi++) {
        open[vi] = whole[vi];
        olen[vi] = sl[vi].m[0].start - sl[vi].l->start;
        close[vi] = v[vi].src + sl[vi].m[sl[vi].l->count - 1].end;
        clen[vi] = sl[vi].l->end - sl[vi].m[sl[vi].l->count - 1].end;
    }
    int ov = pick3(open, olen), cv = pick3(close, clen);
    if (ov < 0 || cv < 0) {
        rc = dk_error_set(DK_ECONFLICT, "both sides changed a list's delimiters");
        goto out;
    }
    entry_vec res = DK_VEC_INIT;
    rc = merge_list(sl, &res);
    if (rc == DK_OK && res.len == 0)
        rc = dk_error_set(DK_EUNSUPPORTED, "every member deleted");
    dk_str buf = DK_STR_INIT;
    if (rc == DK_OK)
        dk_str_add(&buf, open[ov], olen[ov]);
    for (size_t k = 0; k < res.len && rc == DK_OK; k++) {
        size_t n, wn = 0;
        const char *t = mtext(&sl[res.items[k].vi], res.items[k].j, &n);
        dk_str_add(&buf, t, n);
        if (k + 1 < res.len) {
            if (!separator(sl, &res.items[k], &res.items[k + 1], &t, &n)) {
                rc = dk_error_set(DK_EUNSUPPORTED, "no separator known for a list");
                break;
            }
            dk_str_add(&buf, t, n);
            n = own_trail(t, n, false);
        } else {
            t = close[cv];
            n = own_trail(close[cv], clen[cv], true);
        }
        /* what follows the member must carry its trailing comment as merged, not another's */
        const char *w = wanted_trail(sl, res.items[k].key, &wn);
        if (!w || !same_trail(t, n, w, wn))
            rc = dk_error_set(DK_ECONFLICT, "the comment after member `%s` would change",
                              res.items[k].key);
    }
    if (rc == DK_OK) {
        dk_str_add(&buf, close[cv], clen[cv]);
        dk_str_add(out, buf.ptr, buf.len);
    }
    dk_str_release(&buf);
    dk_vec_release(&res);
out:
    for (int vi = 0; vi < 3; vi++)
        dk_map_release(&sl[vi].index);
    return rc;
}

static bool has_line(const char *text, size_t len, const char *line, size_t n)
{
    for (size_t i = 0; i + n <= len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len;
        if (e - i == n && memcmp(text + i, line, n) == 0)
            return true;
        i = e + 1;
    }
    return false;
}

/* Record for the gate the lines of a member merge's text that none of the three texts has. */
static void note_composed_lines(struct merge_ctx *cx, const char *text, size_t len,
                                const char *const texts[3], const size_t lens[3])
{
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len;
        size_t a = i, z = e;
        while (a < z && (text[a] == ' ' || text[a] == '\t'))
            a++;
        while (z > a && (text[z - 1] == ' ' || text[z - 1] == '\t' || text[z - 1] == '\r'))
            z--;
        bool known = false;
        for (int vi = 0; vi < 3 && !known; vi++)
            known = has_line(texts[vi], lens[vi], text + i, e - i);
        if (!known && z > a) {
            uintptr_t n = (uintptr_t)dk_map_get(&cx->composed, text + a, z - a);
            dk_map_put(&cx->composed, text + a, z - a, (void *)(n + 1), NULL);
        }
        i = e + 1;
    }
}

/* Version vi's text with each list replaced by one \x01 byte. */
static void skeleton(const struct version *v, dk_str *s)
{
    size_t pos = 0;
    for (size_t i = 0; i < v->mb->nlists; i++) {
        dk_str_add(s, v->src + pos, v->mb->lists[i].start - pos);
        dk_str_addch(s, '\x01');
        pos = v->mb->lists[i].end;
    }
    dk_str_add(s, v->src + pos, v->len - pos);
}

int dk_merge_members(struct merge_ctx *cx, dk_str *out, const char *const text[3],
                     const size_t len[3])
{
    struct version v[3];
    memset(v, 0, sizeof(v));
    int rc = cx->lang ? DK_OK : dk_error_set(DK_EUNSUPPORTED, "no language");
    for (int vi = 0; vi < 3 && rc == DK_OK; vi++) {
        v[vi].src = text[vi];
        v[vi].len = len[vi];
        rc = dk_lang_members(&v[vi].mb, cx->lang, text[vi], len[vi]);
    }
    if (rc == DK_OK && (v[0].mb->nlists == 0 || v[0].mb->nlists != v[1].mb->nlists ||
                        v[0].mb->nlists != v[2].mb->nlists))
        rc = dk_error_set(DK_EUNSUPPORTED, "the member lists do not line up");
    dk_str sk[3] = {DK_STR_INIT, DK_STR_INIT, DK_STR_INIT};
    int skv = -1;
    if (rc == DK_OK) {
        const char *s[3];
        size_t n[3];
        for (int vi = 0; vi < 3; vi++) {
            skeleton(&v[vi], &sk[vi]);
            s[vi] = sk[vi].ptr;
            n[vi] = sk[vi].len;
        }
        skv = pick3(s, n);
        if (skv < 0)
            rc = dk_error_set(DK_ECONFLICT, "both sides changed the text around the members");
    }
    dk_str res = DK_STR_INIT;
    if (rc == DK_OK) {
        const struct version *k = &v[skv];
        size_t pos = 0;
        for (size_t i = 0; i < k->mb->nlists && rc == DK_OK; i++) {
            dk_str_add(&res, k->src + pos, k->mb->lists[i].start - pos);
            rc = render_list(v, i, &res);
            pos = k->mb->lists[i].end;
        }
        if (rc == DK_OK)
            dk_str_add(&res, k->src + pos, k->len - pos);
    }
    if (rc == DK_OK) {
        dk_str_add(out, res.ptr, res.len);
        note_composed_lines(cx, res.ptr, res.len, text, len);
    }
    dk_str_release(&res);
    for (int vi = 0; vi < 3; vi++) {
        dk_str_release(&sk[vi]);
        dk_members_free(v[vi].mb);
    }
    return rc;
}
