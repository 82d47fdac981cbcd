/*
 * merge/emit.c - conflict blocks, conflict records, the line merge.
 *
 * A conflict block is written where it is made and recorded at once: its
 * place in the output (byte offsets, turned into lines when the result is
 * built), each side's text and lines in its input, and what it is about.
 * The line merge (dk_git_merge_file, git's xdiff) reports where it wrote
 * each block, so its conflicts are recorded from those offsets, never by
 * reading marker lines back (labels may be empty or hold newlines, inputs
 * may hold marker-like lines).
 *
 * Conventions: record strings live in cx->arena until the result copies
 * them; output goes to a caller's dk_str.
 */
#include "merge/emit.h"

#include <stdlib.h>
#include <string.h>

#include "git/git.h"
#include "util/alloc.h"
#include "util/map.h"

#include "util/banned.h"

static uint32_t line_of(const struct merge_ctx *cx, int vi, uint32_t off)
{
    return dk_line_index_line(&cx->v[vi].lines, off);
}

dk_line_range dk_merge_lines_of(const struct merge_ctx *cx, int vi, uint32_t start, uint32_t end)
{
    if (start == UINT32_MAX || end <= start)
        return (dk_line_range){0, 0};
    return (dk_line_range){line_of(cx, vi, start), line_of(cx, vi, end - 1)};
}

/* The marker character line i starts with (exactly `size` of it, then space, CR, LF or end), or 0.
 */
static char marker_at(const char *src, size_t len, size_t i, unsigned size)
{
    static const char marks[] = {'<', '>', '|', '='};
    for (size_t m = 0; m < sizeof(marks); m++) {
        size_t k = 0;
        while (i + k < len && k < size && src[i + k] == marks[m])
            k++;
        if (k == size &&
            (i + k == len || src[i + k] == ' ' || src[i + k] == '\n' || src[i + k] == '\r') &&
            (marks[m] != '=' || i + k == len || src[i + k] != ' '))
            return marks[m];
    }
    return 0;
}

/*
 * A marker block: a <<<<<<< line, later a ======= line, later a >>>>>>> line
 * (||||||| lines may come between the first two). A lone marker-like line,
 * such as an RST title underline of seven '=', is text.
 */
bool dk_merge_has_markers(const char *src, size_t len, unsigned size)
{
    int state = 0; /* 0: outside; 1: after <<<; 2: after === */
    size_t i = 0;
    while (i < len) {
        char c = marker_at(src, len, i, size);
        if (c == '<')
            state = 1;
        else if (c == '=' && state == 1)
            state = 2;
        else if (c == '>' && state == 2)
            return true;
        const char *nl = memchr(src + i, '\n', len - i);
        if (!nl)
            break;
        i = (size_t)(nl - src) + 1;
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* Conflict blocks                                                           */
/* ------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------ */
/* Conflict blocks                                                           */
/* ------------------------------------------------------------------------ */

static void add_marker(struct merge_ctx *cx, dk_str *out, char c, const char *label)
{
    for (unsigned i = 0; i < cx->opts.marker_size; i++)
        dk_str_addch(out, c);
    if (label) {
        /* as xdiff writes it: "<<<<<<< " even for an empty label */
        dk_str_addch(out, ' ');
        dk_str_adds(out, label);
    }
    dk_str_adds(out, cx->eol);
}

static void add_side(struct merge_ctx *cx, dk_str *out, const char *text, size_t len)
{
    if (!text || len == 0)
        return;
    dk_str_add(out, text, len);
    if (text[len - 1] != '\n')
        dk_str_adds(out, cx->eol);
}

void dk_merge_emit_conflict(struct merge_ctx *cx, dk_str *out, const char *qname,
                            dk_merge_conflict_kind kind, dk_symbol_kind symbol_kind,
                            const char *desc, const char *texts[3], const size_t lens[3],
                            const uint32_t starts[3], const uint32_t ends[3])
{
    /* a conflict block always starts on a line of its own */
    if (out->len && out->ptr[out->len - 1] != '\n')
        dk_str_adds(out, cx->eol);
    uint32_t start = (uint32_t)out->len;
    add_marker(cx, out, '<', cx->opts.our_label);
    add_side(cx, out, texts[V_OURS], lens[V_OURS]);
    if (cx->opts.style != DK_MERGE_STYLE_MERGE) {
        add_marker(cx, out, '|', cx->opts.ancestor_label);
        add_side(cx, out, texts[V_BASE], lens[V_BASE]);
    }
    add_marker(cx, out, '=', NULL);
    add_side(cx, out, texts[V_THEIRS], lens[V_THEIRS]);
    add_marker(cx, out, '>', cx->opts.their_label);

    dk_merge_conflict *c = dk_vec_push_zero(&cx->conflicts);
    c->qualified_name = dk_arena_strdup(&cx->arena, qname ? qname : "");
    c->kind = kind;
    c->symbol_kind = kind == DK_MERGE_CONFLICT_SYMBOL ? symbol_kind : (dk_symbol_kind)0;
    c->description = dk_arena_strdup(&cx->arena, desc);
    const char **side_text[3] = {&c->base_text, &c->ours_text, &c->theirs_text};
    dk_line_range *side_range[3] = {&c->base, &c->ours, &c->theirs};
    for (int vi = 0; vi < 3; vi++) {
        *side_text[vi] = texts[vi] ? dk_arena_strndup(&cx->arena, texts[vi], lens[vi]) : NULL;
        *side_range[vi] = dk_merge_lines_of(cx, vi, starts[vi], ends[vi]);
    }
    dk_vec_push(&cx->conflict_out_start, start);
    dk_vec_push(&cx->conflict_out_end, (uint32_t)out->len);
}

/* ------------------------------------------------------------------------ */
/* The line merge (libgit2)                                                  */
/* ------------------------------------------------------------------------ */

void dk_merge_blocks_release(struct merge_blocks *b)
{
    free(b->items);
    b->items = NULL;
    b->len = 0;
}

int dk_merge_line(struct merge_ctx *cx, dk_str *out, bool *clean, struct merge_blocks *blocks,
                  const char *b, size_t bl, const char *o, size_t ol, const char *t, size_t tl)
{
    static const dk_git_merge_style styles[] = {
        [DK_MERGE_STYLE_MERGE] = DK_GIT_MERGE_STYLE_MERGE,
        [DK_MERGE_STYLE_DIFF3] = DK_GIT_MERGE_STYLE_DIFF3,
        [DK_MERGE_STYLE_ZDIFF3] = DK_GIT_MERGE_STYLE_ZDIFF3,
    };
    dk_git_merge_input ib = {b, bl, 0}, io = {o, ol, 0}, it = {t, tl, 0};
    dk_git_merge_file_opts mo = {
        .version = DK_GIT_MERGE_FILE_OPTS_VERSION,
        .base_label = cx->opts.ancestor_label,
        .our_label = cx->opts.our_label,
        .their_label = cx->opts.their_label,
        .style = styles[cx->opts.style],
        .marker_size = cx->opts.marker_size,
    };
    dk_git_merge_file_result r = {0};
    int rc = dk_git_merge_file(&r, &ib, &io, &it, &mo);
    if (rc)
        return rc;
    size_t at = out->len;
    dk_str_add(out, r.ptr, r.len);
    *clean = r.clean;
    if (blocks && r.nconflicts) {
        blocks->items = dk_xcalloc(r.nconflicts, sizeof(*blocks->items));
        blocks->len = r.nconflicts;
        for (size_t i = 0; i < r.nconflicts; i++) {
            const dk_git_merge_conflict *g = &r.conflicts[i];
            struct merge_block *k = &blocks->items[i];
            k->start = at + g->start;
            k->end = at + g->end;
            k->side_start[V_OURS] = at + g->ours_start;
            k->side_end[V_OURS] = at + g->ours_end;
            k->side_start[V_THEIRS] = at + g->theirs_start;
            k->side_end[V_THEIRS] = at + g->theirs_end;
            k->side_start[V_BASE] = g->base_start == SIZE_MAX ? SIZE_MAX : at + g->base_start;
            k->side_end[V_BASE] = g->base_end == SIZE_MAX ? SIZE_MAX : at + g->base_end;
        }
    }
    dk_git_merge_file_result_release(&r);
    return DK_OK;
}

/* Offsets of the starts of the lines of text[s, e), and e last: returns the number of lines. */
static size_t line_starts(const char *text, size_t s, size_t e, size_t **at)
{
    size_t n = 0;
    for (size_t i = s; i < e; i++)
        n += text[i] == '\n' || i + 1 == e;
    *at = dk_xcalloc(n + 1, sizeof(**at));
    size_t k = 0;
    for (size_t i = s; i < e; i++) {
        if (i == s || text[i - 1] == '\n')
            (*at)[k++] = i;
    }
    (*at)[n] = e;
    return n;
}

static bool line_eq(const char *text, const size_t *x, size_t i, const size_t *y, size_t j)
{
    size_t n = x[i + 1] - x[i];
    return n == y[j + 1] - y[j] && memcmp(text + x[i], text + y[j], n) == 0;
}

/* Line i of x (starts xa) is blank: only spaces, tabs and the line end. */
static bool line_blank(const char *text, const size_t *xa, size_t i)
{
    for (size_t k = xa[i]; k < xa[i + 1]; k++) {
        if (text[k] != ' ' && text[k] != '\t' && text[k] != '\r' && text[k] != '\n')
            return false;
    }
    return true;
}

/* The lines of x (starts xa, n lines) that are not blank. */
static size_t count_nonblank(const char *text, const size_t *xa, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += !line_blank(text, xa, i);
    return k;
}

static bool word_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool word_char(char c)
{
    return word_start(c) || (c >= '0' && c <= '9');
}

bool dk_merge_words_kept(const char *b, size_t bl, const char *k, size_t kl)
{
    dk_map words = DK_MAP_INIT_STR;
    for (size_t i = 0; i < kl;) {
        size_t j = i;
        if (word_start(k[i]) && (i == 0 || !word_char(k[i - 1]))) {
            while (j < kl && word_char(k[j]))
                j++;
            dk_map_put(&words, k + i, j - i, (void *)1, NULL);
        }
        i = j > i ? j : i + 1;
    }
    bool kept = true;
    for (size_t i = 0; i < bl && kept;) {
        size_t j = i;
        if (word_start(b[i]) && (i == 0 || !word_char(b[i - 1]))) {
            while (j < bl && word_char(b[j]))
                j++;
            kept = dk_map_has(&words, b + i, j - i);
        }
        i = j > i ? j : i + 1;
    }
    dk_map_release(&words);
    return kept;
}

/* Words a line is compared by, at most. */
#define LIKENESS_WORDS 64

struct word {
    const char *p;
    size_t n;
};

/* The line's words (runs of letters, digits and '_'), at most LIKENESS_WORDS; their count. */
static size_t words_of(const char *p, size_t n, struct word *w)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < LIKENESS_WORDS;) {
        if (!word_char(p[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && word_char(p[j]))
            j++;
        w[k++] = (struct word){p + i, j - i};
        i = j;
    }
    return k;
}

unsigned dk_merge_line_likeness(const char *a, size_t al, const char *b, size_t bl)
{
    struct word x[LIKENESS_WORDS], y[LIKENESS_WORDS];
    size_t nx = words_of(a, al, x), ny = words_of(b, bl, y);
    if (nx + ny == 0)
        return 0;
    /* the longest common subsequence of words, one row of its table at a time */
    unsigned row[LIKENESS_WORDS + 1] = {0};
    for (size_t i = 0; i < nx; i++) {
        unsigned diag = 0;
        for (size_t j = 0; j < ny; j++) {
            unsigned up = row[j + 1];
            bool eq = x[i].n == y[j].n && memcmp(x[i].p, y[j].p, x[i].n) == 0;
            row[j + 1] = eq ? diag + 1 : up > row[j] ? up : row[j];
            diag = up;
        }
    }
    return (unsigned)(2000 * row[ny] / (nx + ny));
}

/*
 * An added line counts as a rewrite of base line b when at least half of
 * their words are common (`log(x)` and `log(z)`; a long new line merely
 * quoting some of b's words is mostly other words) and it is more like b
 * than every shared line is (a tie tells nothing: `a = a + 1;` is as like
 * `a = f(a);` as `a = g(a);`).
 */
bool dk_merge_added_rewrites(struct merge_line b, const struct merge_line *shared, size_t nshared,
                             const struct merge_line *added, size_t nadded)
{
    unsigned best_added = 0, best_shared = 0;
    for (size_t i = 0; i < nadded; i++) {
        unsigned l = dk_merge_line_likeness(b.p, b.n, added[i].p, added[i].n);
        best_added = l > best_added ? l : best_added;
    }
    for (size_t i = 0; i < nshared; i++) {
        unsigned l = dk_merge_line_likeness(b.p, b.n, shared[i].p, shared[i].n);
        best_shared = l > best_shared ? l : best_shared;
    }
    return best_added >= 500 && best_added > best_shared;
}

/*
 * Which side of a diff3 block holds the other side's lines with lines added
 * (a common start and a common end that together cover all of the shorter
 * side): V_OURS or V_THEIRS, or -1. The added lines must be new: a line of
 * base's block among them (not blank) is one the shorter side deleted, so
 * that block stays a conflict. So does a shorter side with fewer lines than
 * base's block (blank lines aside) that lacks a name base's block has: it
 * deleted a line, and the added lines may be the longer side's edit of it
 * (base `x = 1` `log(x)`, ours `x = 2`, theirs `x = 2` `log(x, 1)`: delete
 * vs modify). Base lines only joined (a `{` moved up by a reformat) keep
 * every name.
 * And so does an added line that is more like a base line than the shared
 * lines are (dk_merge_added_rewrites): ours replaced `log(x)` by `extra()`,
 * theirs wrote `log(z)` `extra()`: the deletion and the edit of one line.
 */
static int containing_side(const char *text, const dk_git_merge_conflict *g)
{
    if (g->base_start == SIZE_MAX)
        return -1;
    size_t *o, *t, *b;
    size_t no = line_starts(text, g->ours_start, g->ours_end, &o);
    size_t nt = line_starts(text, g->theirs_start, g->theirs_end, &t);
    size_t nb = line_starts(text, g->base_start, g->base_end, &b);
    size_t pre = 0, suf = 0;
    while (pre < no && pre < nt && line_eq(text, o, pre, t, pre))
        pre++;
    while (suf < no - pre && suf < nt - pre && line_eq(text, o, no - 1 - suf, t, nt - 1 - suf))
        suf++;
    int side = -1;
    if (no && nt && pre + suf == no)
        side = V_THEIRS;
    else if (no && nt && pre + suf == nt)
        side = V_OURS;
    const size_t *l = side == V_OURS ? o : t, *sh = side == V_OURS ? t : o;
    size_t nl = side == V_OURS ? no : nt, nsh = side == V_OURS ? nt : no;
    /* fewer lines than base's block, and a name of base's block gone: the shorter side deleted
     * a line, which the added lines may well be the longer side's edit of (delete vs modify);
     * base's lines only joined or reformatted keep every name */
    if (side >= 0 && count_nonblank(text, sh, nsh) < count_nonblank(text, b, nb) &&
        !dk_merge_words_kept(text + g->base_start, g->base_end - g->base_start,
                             text + (side == V_OURS ? g->theirs_start : g->ours_start),
                             side == V_OURS ? g->theirs_end - g->theirs_start
                                            : g->ours_end - g->ours_start))
        side = -1;
    for (size_t i = pre; side >= 0 && i < nl - suf; i++) {
        for (size_t k = 0; side >= 0 && k < nb; k++) {
            if (!line_blank(text, l, i) && line_eq(text, l, i, b, k))
                side = -1;
        }
    }
    /* an added line that is a base line rewritten (base `log(x);`, ours `extra();`, theirs
     * `log(z);` `extra();`): the shorter side's deletion of it is not in the longer side */
    if (side >= 0) {
        struct merge_line *shared = dk_xcalloc(nl, sizeof(*shared));
        struct merge_line *added = dk_xcalloc(nl, sizeof(*added));
        size_t ns = 0, na = 0;
        for (size_t i = 0; i < nl; i++) {
            struct merge_line x = {text + l[i], l[i + 1] - l[i]};
            if (i >= pre && i < nl - suf)
                added[na++] = x;
            else
                shared[ns++] = x;
        }
        for (size_t k = 0; side >= 0 && k < nb; k++) {
            struct merge_line y = {text + b[k], b[k + 1] - b[k]};
            if (dk_merge_added_rewrites(y, shared, ns, added, na))
                side = -1;
        }
        free(shared);
        free(added);
    }
    free(o);
    free(t);
    free(b);
    return side;
}

/* Lines [i0, i1) of x and [j0, j1) of y are the same lines. */
static bool lines_eq(const char *text, const size_t *x, size_t i0, size_t i1, const size_t *y,
                     size_t j0, size_t j1)
{
    if (i1 - i0 != j1 - j0)
        return false;
    for (size_t k = 0; k < i1 - i0; k++) {
        if (!line_eq(text, x, i0 + k, y, j0 + k))
            return false;
    }
    return true;
}

/* A block's lines of one version cut into blank lines above, the lines between, blank lines
 * below (all blank: all below, a separator under what is above the block). */
struct edges {
    const size_t *at;
    size_t n, lead, trail;
};

static void cut_edges(const char *text, const size_t *at, size_t n, struct edges *e)
{
    e->at = at;
    e->n = n;
    e->trail = 0;
    while (e->trail < n && line_blank(text, at, n - 1 - e->trail))
        e->trail++;
    e->lead = 0;
    while (e->lead < n - e->trail && line_blank(text, at, e->lead))
        e->lead++;
}

/*
 * One of three parts of a block (0: blank lines above, 1: the lines between, 2: blank lines
 * below) merged: the side that changed it from base's, or both when they agree; -1 when
 * both changed it differently.
 */
static int part_side(const char *text, const struct edges v[3], int part)
{
    size_t s[3], e[3];
    for (int vi = 0; vi < 3; vi++) {
        s[vi] = part == 0 ? 0 : part == 1 ? v[vi].lead : v[vi].n - v[vi].trail;
        e[vi] = part == 0 ? v[vi].lead : part == 1 ? v[vi].n - v[vi].trail : v[vi].n;
    }
    if (lines_eq(text, v[V_OURS].at, s[V_OURS], e[V_OURS], v[V_BASE].at, s[V_BASE], e[V_BASE]))
        return V_THEIRS;
    if (lines_eq(text, v[V_THEIRS].at, s[V_THEIRS], e[V_THEIRS], v[V_BASE].at, s[V_BASE],
                 e[V_BASE]) ||
        lines_eq(text, v[V_OURS].at, s[V_OURS], e[V_OURS], v[V_THEIRS].at, s[V_THEIRS],
                 e[V_THEIRS]))
        return V_OURS;
    return -1;
}

/*
 * A block where a side changed only blank lines above or below base's lines (added one,
 * removed one, or stripped the spaces of one: git's `} \n   \n` against `}\n\n` where the
 * other side rewrote the lines between): the three parts merged one by one, each taken
 * from the side that changed it, appended to `res`. False, with nothing appended, when both
 * changed one part differently (the lines between above all: that is a conflict) or when
 * no side left base's lines between as they were.
 */
static bool blank_edges_merge(const char *text, const dk_git_merge_conflict *g, dk_str *res)
{
    if (g->base_start == SIZE_MAX)
        return false;
    size_t *at[3];
    size_t n[3];
    n[V_OURS] = line_starts(text, g->ours_start, g->ours_end, &at[V_OURS]);
    n[V_THEIRS] = line_starts(text, g->theirs_start, g->theirs_end, &at[V_THEIRS]);
    n[V_BASE] = line_starts(text, g->base_start, g->base_end, &at[V_BASE]);
    struct edges v[3];
    for (int vi = 0; vi < 3; vi++)
        cut_edges(text, at[vi], n[vi], &v[vi]);
    int side[3];
    for (int part = 0; part < 3; part++)
        side[part] = part_side(text, v, part);
    /* a side left base's lines between as they were: only blank lines changed there */
    bool ok = side[0] >= 0 && side[1] >= 0 && side[2] >= 0 &&
              (lines_eq(text, at[V_OURS], v[V_OURS].lead, n[V_OURS] - v[V_OURS].trail, at[V_BASE],
                        v[V_BASE].lead, n[V_BASE] - v[V_BASE].trail) ||
               lines_eq(text, at[V_THEIRS], v[V_THEIRS].lead, n[V_THEIRS] - v[V_THEIRS].trail,
                        at[V_BASE], v[V_BASE].lead, n[V_BASE] - v[V_BASE].trail));
    for (int part = 0; ok && part < 3; part++) {
        const struct edges *e = &v[side[part]];
        size_t s = part == 0 ? 0 : part == 1 ? e->lead : e->n - e->trail;
        size_t z = part == 0 ? e->lead : part == 1 ? e->n - e->trail : e->n;
        dk_str_add(res, text + e->at[s], e->at[z] - e->at[s]);
    }
    for (int vi = 0; vi < 3; vi++)
        free(at[vi]);
    return ok;
}

bool dk_merge_blank_edges(dk_str *out, const char *b, size_t bl, const char *o, size_t ol,
                          const char *t, size_t tl)
{
    /* one text, the three blocks in it, as git's conflicts are read */
    dk_str all = DK_STR_INIT;
    dk_str_add(&all, o, ol);
    dk_str_add(&all, t, tl);
    dk_str_add(&all, b, bl);
    dk_git_merge_conflict g = {.ours_start = 0,
                               .ours_end = ol,
                               .theirs_start = ol,
                               .theirs_end = ol + tl,
                               .base_start = ol + tl,
                               .base_end = ol + tl + bl};
    bool ok = blank_edges_merge(all.ptr ? all.ptr : "", &g, out);
    dk_str_release(&all);
    return ok;
}

int dk_merge_line_contained(struct merge_ctx *cx, dk_str *out, bool *clean,
                            struct merge_blocks *blocks, const char *b, size_t bl, const char *o,
                            size_t ol, const char *t, size_t tl)
{
    size_t mark = out->len;
    int rc = dk_merge_line(cx, out, clean, blocks, b, bl, o, ol, t, tl);
    if (rc || *clean)
        return rc;
    dk_git_merge_input ib = {b, bl, 0}, io = {o, ol, 0}, it = {t, tl, 0};
    dk_git_merge_file_opts mo = {.version = DK_GIT_MERGE_FILE_OPTS_VERSION,
                                 .style = DK_GIT_MERGE_STYLE_DIFF3};
    dk_git_merge_file_result r = {0};
    if (dk_git_merge_file(&r, &ib, &io, &it, &mo) != DK_OK) {
        dk_error_clear();
        return DK_OK;
    }
    /* each block: the side holding the other's lines, or one side's blank-line edges around
     * the other's change */
    dk_str merged = DK_STR_INIT;
    bool all = r.nconflicts > 0;
    size_t from = 0;
    for (size_t i = 0; all && i < r.nconflicts; i++) {
        const dk_git_merge_conflict *g = &r.conflicts[i];
        dk_str_add(&merged, r.ptr + from, g->start - from);
        int side = containing_side(r.ptr, g);
        if (side == V_OURS)
            dk_str_add(&merged, r.ptr + g->ours_start, g->ours_end - g->ours_start);
        else if (side == V_THEIRS)
            dk_str_add(&merged, r.ptr + g->theirs_start, g->theirs_end - g->theirs_start);
        else
            all = blank_edges_merge(r.ptr, g, &merged);
        from = g->end;
    }
    if (all) {
        dk_str_add(&merged, r.ptr + from, r.len - from);
        dk_str_truncate(out, mark);
        dk_str_add(out, merged.ptr, merged.len);
        *clean = true;
        if (blocks)
            dk_merge_blocks_release(blocks);
    }
    dk_str_release(&merged);
    dk_git_merge_file_result_release(&r);
    return DK_OK;
}

/* Name a record after the innermost symbol of ours around its lines, if any. */
static void name_by_position(struct merge_ctx *cx, dk_merge_conflict *c)
{
    const dk_analysis *a = cx->v[V_OURS].an;
    if (!a || !c->ours.start)
        return;
    for (size_t k = a->nsymbols; k-- > 0;) {
        const dk_symbol *s = &a->symbols[k];
        if (s->span.start_line <= c->ours.start && c->ours.end <= s->span.end_line) {
            c->qualified_name = s->qualified_name;
            c->kind = DK_MERGE_CONFLICT_SYMBOL;
            c->symbol_kind = s->kind;
            c->description = dk_arena_sprintf(
                &cx->arena, "both sides changed the same lines of `%s`", s->qualified_name);
            return;
        }
    }
}

/*
 * Each side's text of a block is located in that input by searching forward
 * from the previous block's, so repeated text maps to the right place.
 */
void dk_merge_record_blocks(struct merge_ctx *cx, const char *text,
                            const struct merge_blocks *blocks, const struct merge_names *names,
                            const uint32_t *search_start)
{
    size_t search_from[3] = {0, 0, 0};
    for (int vi = 0; search_start && vi < 3; vi++)
        search_from[vi] = search_start[vi];
    for (size_t i = 0; blocks && i < blocks->len; i++) {
        const struct merge_block *k = &blocks->items[i];
        dk_merge_conflict *c = dk_vec_push_zero(&cx->conflicts);
        c->qualified_name = "";
        c->kind = DK_MERGE_CONFLICT_TEXT;
        c->description = "both sides changed the same lines";
        const char **side_text[3] = {&c->base_text, &c->ours_text, &c->theirs_text};
        dk_line_range *side_range[3] = {&c->base, &c->ours, &c->theirs};
        for (int vi = 0; vi < 3; vi++) {
            if (k->side_start[vi] == SIZE_MAX)
                continue;
            size_t sl = k->side_end[vi] - k->side_start[vi];
            const char *s = text + k->side_start[vi];
            *side_text[vi] = dk_arena_strndup(&cx->arena, s, sl);
            const struct merge_version *v = &cx->v[vi];
            if (sl == 0 || search_from[vi] >= v->len)
                continue;
            const char *found = memmem(v->src + search_from[vi], v->len - search_from[vi], s, sl);
            if (found) {
                uint32_t off = (uint32_t)(found - v->src);
                *side_range[vi] = dk_merge_lines_of(cx, vi, off, off + (uint32_t)sl);
                search_from[vi] = off + sl;
            }
        }
        if (names && names->qname) {
            c->qualified_name = names->qname;
            c->kind = names->kind;
            c->symbol_kind =
                names->kind == DK_MERGE_CONFLICT_SYMBOL ? names->symbol_kind : (dk_symbol_kind)0;
            c->description = names->desc;
        } else {
            name_by_position(cx, c);
        }
        dk_vec_push(&cx->conflict_out_start, (uint32_t)k->start);
        dk_vec_push(&cx->conflict_out_end, (uint32_t)k->end);
    }
}
