/*
 * merge/merge.c - dk_merge_file: the cascade, the line merge, conflict
 * records and result assembly.
 *
 *   trivial? --yes--> that side
 *      | no
 *   line merge (git_merge_file) --clean and gate passes--> done ("line")
 *      | conflicted, or clean but refused by the gate
 *   structured merge (structured.c) --applies--> its result ("structured"),
 *      |                                         gated again when clean
 *      | does not apply (no language, parse errors, limits)
 *   line merge result ("fallback"), conflicts parsed from its markers
 *
 * Invariants: the result never claims clean with markers in it; every
 * conflict block in the output has a record in conflicts[] with the lines
 * where it sits. Conventions: all temporary memory is in cx->arena or in
 * dk_str buffers released before return; the result is malloc'd as one
 * owner (dk_merge_result_free).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "git/git.h"
#include "merge/merge_int.h"
#include "util/alloc.h"

#include "util/banned.h"

/* ------------------------------------------------------------------------ */
/* Lines                                                                     */
/* ------------------------------------------------------------------------ */

static void index_lines(struct merge_version *v)
{
    dk_vec_push(&v->line_starts, 0);
    for (size_t i = 0; i < v->len; i++) {
        if (v->src[i] == '\n' && i + 1 < v->len)
            dk_vec_push(&v->line_starts, (uint32_t)(i + 1));
    }
}

uint32_t dk_merge_line_of(const struct merge_ctx *cx, int vi, uint32_t off)
{
    const struct merge_version *v = &cx->v[vi];
    size_t lo = 0, hi = v->line_starts.len;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->line_starts.items[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return (uint32_t)lo + 1;
}

dk_line_range dk_merge_lines_of(const struct merge_ctx *cx, int vi, uint32_t start, uint32_t end)
{
    if (start == UINT32_MAX || end <= start)
        return (dk_line_range){0, 0};
    return (dk_line_range){dk_merge_line_of(cx, vi, start), dk_merge_line_of(cx, vi, end - 1)};
}

bool dk_merge_has_markers(const char *src, size_t len, unsigned size)
{
    static const char marks[] = {'<', '>', '|', '='};
    size_t i = 0;
    while (i < len) {
        for (size_t m = 0; m < sizeof(marks); m++) {
            size_t k = 0;
            while (i + k < len && k < size && src[i + k] == marks[m])
                k++;
            /* a marker is exactly `size` marker chars then space, newline or end */
            if (k == size &&
                (i + k == len || src[i + k] == ' ' || src[i + k] == '\n' || src[i + k] == '\r') &&
                (marks[m] != '=' || i + k == len || src[i + k] != ' '))
                return true;
        }
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

static void add_marker(struct merge_ctx *cx, dk_str *out, char c, const char *label)
{
    for (unsigned i = 0; i < cx->opts.marker_size; i++)
        dk_str_addch(out, c);
    if (label && *label) {
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

int dk_merge_line(struct merge_ctx *cx, dk_str *out, bool *clean, const char *b, size_t bl,
                  const char *o, size_t ol, const char *t, size_t tl)
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
    dk_str_add(out, r.ptr, r.len);
    *clean = r.clean;
    dk_git_merge_file_result_release(&r);
    return DK_OK;
}

/*
 * Conflict records for the marker blocks git wrote into text[from, len):
 * each side's text, located in that input (searching forward from the
 * previous block, so repeated text maps to the right place). With `qname`
 * the records name that symbol, else the innermost symbol of ours around.
 */
void dk_merge_record_markers(struct merge_ctx *cx, const char *text, size_t from, size_t len,
                             const char *qname, dk_merge_conflict_kind kind,
                             dk_symbol_kind symbol_kind, const char *desc,
                             const uint32_t *search_start)
{
    unsigned size = cx->opts.marker_size;
    size_t i = from;
    size_t search_from[3] = {0, 0, 0};
    for (int vi = 0; search_start && vi < 3; vi++)
        search_from[vi] = search_start[vi];
    enum { NONE, OURS, BASE, THEIRS } state = NONE;
    size_t block_start = 0, sec_start[3] = {0, 0, 0}, sec_end[3] = {0, 0, 0};
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t next = nl ? (size_t)(nl - text) + 1 : len;
        char c0 = text[i];
        bool run = true;
        for (unsigned k = 0; k < size; k++) {
            if (i + k >= len || text[i + k] != c0)
                run = false;
        }
        /*
         * Only markers as git wrote them count: the marker run, then exactly
         * our label for <, > and |, nothing for =. Lines that merely look like
         * markers (already in an input, inside a string) are text.
         */
        bool marker = false;
        if (run && next - i >= size && (c0 == '<' || c0 == '>' || c0 == '|' || c0 == '=')) {
            const char *label = c0 == '<'   ? cx->opts.our_label
                                : c0 == '>' ? cx->opts.their_label
                                : c0 == '|' ? cx->opts.ancestor_label
                                            : NULL;
            size_t rest = next - i - size;
            const char *r = text + i + size;
            while (rest > 0 && (r[rest - 1] == '\n' || r[rest - 1] == '\r'))
                rest--;
            if (c0 == '=')
                marker = rest == 0;
            else if (label && *label)
                marker =
                    rest == strlen(label) + 1 && r[0] == ' ' && memcmp(r + 1, label, rest - 1) == 0;
            else
                marker = rest == 0;
        }
        if (marker && c0 == '<' && state == NONE) {
            state = OURS;
            block_start = i;
            sec_start[V_OURS] = next;
            sec_start[V_BASE] = sec_end[V_BASE] = SIZE_MAX;
        } else if (marker && c0 == '|' && state == OURS) {
            sec_end[V_OURS] = i;
            sec_start[V_BASE] = next;
            state = BASE;
        } else if (marker && c0 == '=' && (state == OURS || state == BASE)) {
            if (state == OURS)
                sec_end[V_OURS] = i;
            else
                sec_end[V_BASE] = i;
            sec_start[V_THEIRS] = next;
            state = THEIRS;
        } else if (marker && c0 == '>' && state == THEIRS) {
            sec_end[V_THEIRS] = i;
            dk_merge_conflict *c = dk_vec_push_zero(&cx->conflicts);
            c->qualified_name = "";
            c->kind = DK_MERGE_CONFLICT_TEXT;
            c->description = "both sides changed the same lines";
            const char **side_text[3] = {&c->base_text, &c->ours_text, &c->theirs_text};
            dk_line_range *side_range[3] = {&c->base, &c->ours, &c->theirs};
            for (int vi = 0; vi < 3; vi++) {
                if (sec_start[vi] == SIZE_MAX)
                    continue;
                size_t sl = sec_end[vi] - sec_start[vi];
                const char *s = text + sec_start[vi];
                *side_text[vi] = dk_arena_strndup(&cx->arena, s, sl);
                const struct merge_version *v = &cx->v[vi];
                if (sl == 0 || search_from[vi] >= v->len)
                    continue;
                const char *at = memmem(v->src + search_from[vi], v->len - search_from[vi], s, sl);
                if (at) {
                    uint32_t off = (uint32_t)(at - v->src);
                    *side_range[vi] = dk_merge_lines_of(cx, vi, off, off + (uint32_t)sl);
                    search_from[vi] = off + sl;
                }
            }
            if (qname) {
                c->qualified_name = qname;
                c->kind = kind;
                c->symbol_kind = kind == DK_MERGE_CONFLICT_SYMBOL ? symbol_kind : (dk_symbol_kind)0;
                c->description = desc;
            } else if (cx->v[V_OURS].an && c->ours.start) {
                /* name the innermost symbol of ours around the conflict */
                const dk_analysis *a = cx->v[V_OURS].an;
                for (size_t k = a->nsymbols; k-- > 0;) {
                    const dk_symbol *s = &a->symbols[k];
                    if (s->span.start_line <= c->ours.start && c->ours.end <= s->span.end_line) {
                        c->qualified_name = s->qualified_name;
                        c->kind = DK_MERGE_CONFLICT_SYMBOL;
                        c->symbol_kind = s->kind;
                        c->description = dk_arena_sprintf(
                            &cx->arena, "both sides changed the same lines of `%s`",
                            s->qualified_name);
                        break;
                    }
                }
            }
            dk_vec_push(&cx->conflict_out_start, (uint32_t)block_start);
            dk_vec_push(&cx->conflict_out_end, (uint32_t)next);
            state = NONE;
        }
        i = next;
    }
}

/* ------------------------------------------------------------------------ */
/* Entry point                                                               */
/* ------------------------------------------------------------------------ */

static uint32_t out_line_of(const char *text, size_t len, uint32_t off)
{
    uint32_t line = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (text[i] == '\n')
            line++;
    }
    return line;
}

static void build_result(dk_merge_result **out, struct merge_ctx *cx, dk_str *text, bool clean,
                         dk_merge_method method, const char *note)
{
    dk_merge_result *r = dk_xcalloc(1, sizeof(*r));
    *out = r;
    r->merged = dk_str_detach(text, &r->merged_len);
    r->clean = clean && cx->conflicts.len == 0;
    r->method = method;
    r->language = cx->lang ? dk_language_name(cx->lang) : NULL;
    size_t n = cx->conflicts.len;
    r->nconflicts = n;
    if (note)
        r->note = dk_xstrdup(note);
    if (n == 0)
        return;
    r->conflicts = dk_xcalloc(n, sizeof(*r->conflicts));
    for (size_t i = 0; i < n; i++) {
        dk_merge_conflict *c = &r->conflicts[i];
        *c = cx->conflicts.items[i];
        c->result.start = out_line_of(r->merged, r->merged_len, cx->conflict_out_start.items[i]);
        uint32_t e = cx->conflict_out_end.items[i];
        c->result.end = out_line_of(r->merged, r->merged_len, e ? e - 1 : 0);
        const char **fields[5] = {&c->qualified_name, &c->description, &c->base_text, &c->ours_text,
                                  &c->theirs_text};
        for (int f = 0; f < 5; f++) {
            if (*fields[f])
                *fields[f] = dk_xstrdup(*fields[f]);
        }
    }
}

void dk_merge_result_free(dk_merge_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nconflicts; i++) {
        dk_merge_conflict *c = &r->conflicts[i];
        free((char *)c->qualified_name);
        free((char *)c->description);
        free((char *)c->base_text);
        free((char *)c->ours_text);
        free((char *)c->theirs_text);
    }
    free(r->conflicts);
    free((char *)r->note);
    free(r->merged);
    free(r);
}

const char *dk_merge_method_name(dk_merge_method method)
{
    static const char *const names[] = {
        [DK_MERGE_METHOD_TRIVIAL] = "trivial",
        [DK_MERGE_METHOD_LINE] = "line",
        [DK_MERGE_METHOD_STRUCTURED] = "structured",
        [DK_MERGE_METHOD_FALLBACK] = "fallback",
    };
    if ((unsigned)method >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[method];
}

const char *dk_merge_conflict_kind_name(dk_merge_conflict_kind kind)
{
    static const char *const names[] = {
        [DK_MERGE_CONFLICT_TEXT] = "text",
        [DK_MERGE_CONFLICT_SYMBOL] = "symbol",
        [DK_MERGE_CONFLICT_IMPORT] = "import",
        [DK_MERGE_CONFLICT_FILE] = "file",
    };
    if ((unsigned)kind >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[kind];
}

static bool bytes_eq(const char *a, size_t al, const char *b, size_t bl)
{
    return al == bl && (al == 0 || memcmp(a, b, al) == 0);
}

static void ctx_release(struct merge_ctx *cx)
{
    for (int vi = 0; vi < 3; vi++) {
        dk_analysis_unref(cx->v[vi].an);
        dk_vec_release(&cx->v[vi].line_starts);
    }
    dk_vec_release(&cx->conflicts);
    dk_vec_release(&cx->conflict_out_start);
    dk_vec_release(&cx->conflict_out_end);
    dk_map_release(&cx->intern);
    dk_map_release(&cx->overloaded);
    dk_arena_release(&cx->arena);
}

int dk_merge_file(dk_merge_result **out, const char *path, const char *base, size_t base_len,
                  const char *ours, size_t ours_len, const char *theirs, size_t theirs_len,
                  const dk_merge_opts *opts)
{
    *out = NULL;
    dk_merge_opts o = DK_MERGE_OPTS_INIT;
    if (opts) {
        if (opts->version != DK_MERGE_OPTS_VERSION)
            return dk_error_set(DK_EINVALID, "merge options version %u, expected %u", opts->version,
                                DK_MERGE_OPTS_VERSION);
        o = *opts;
    }
    if (o.marker_size == 0)
        o.marker_size = 7;
    if (o.marker_size > 64)
        return dk_error_set(DK_EINVALID, "marker size %u is over 64", o.marker_size);
    if ((unsigned)o.style > DK_MERGE_STYLE_ZDIFF3)
        return dk_error_set(DK_EINVALID, "unknown merge style %d", (int)o.style);
    if (!o.ancestor_label)
        o.ancestor_label = "base";
    if (!o.our_label)
        o.our_label = "ours";
    if (!o.their_label)
        o.their_label = "theirs";
    if (base_len > DK_MERGE_MAX_INPUT || ours_len > DK_MERGE_MAX_INPUT ||
        theirs_len > DK_MERGE_MAX_INPUT)
        return dk_error_set(DK_ELIMIT, "an input of %zu bytes is over the merge's limit of %u",
                            base_len > ours_len ? (base_len > theirs_len ? base_len : theirs_len)
                                                : (ours_len > theirs_len ? ours_len : theirs_len),
                            DK_MERGE_MAX_INPUT);
    if ((!base && base_len) || (!ours && ours_len) || (!theirs && theirs_len))
        return dk_error_set(DK_EINVALID, "merge input is NULL with a length");
    if (!base)
        base = "";
    if (!ours)
        ours = "";
    if (!theirs)
        theirs = "";

    struct merge_ctx cx;
    memset(&cx, 0, sizeof(cx));
    cx.path = path ? path : "";
    cx.opts = o;
    cx.intern = (dk_map)DK_MAP_INIT_STR;
    const char *srcs[3] = {base, ours, theirs};
    size_t lens[3] = {base_len, ours_len, theirs_len};
    for (int vi = 0; vi < 3; vi++) {
        cx.v[vi].src = srcs[vi];
        cx.v[vi].len = lens[vi];
        index_lines(&cx.v[vi]);
    }
    const char *crlf = memmem(ours, ours_len, "\r\n", 2);
    const char *lf = memchr(ours, '\n', ours_len);
    cx.eol = crlf && crlf + 1 == lf ? "\r\n" : "\n";

    dk_str text = DK_STR_INIT;
    /* trivial cases: byte for byte the changed side */
    if (bytes_eq(ours, ours_len, theirs, theirs_len) ||
        bytes_eq(base, base_len, theirs, theirs_len)) {
        dk_str_add(&text, ours, ours_len);
        build_result(out, &cx, &text, true, DK_MERGE_METHOD_TRIVIAL, NULL);
        ctx_release(&cx);
        return DK_OK;
    }
    if (bytes_eq(base, base_len, ours, ours_len)) {
        dk_str_add(&text, theirs, theirs_len);
        build_result(out, &cx, &text, true, DK_MERGE_METHOD_TRIVIAL, NULL);
        ctx_release(&cx);
        return DK_OK;
    }

    bool line_clean = false;
    int rc =
        dk_merge_line(&cx, &text, &line_clean, base, base_len, ours, ours_len, theirs, theirs_len);
    if (rc == DK_EBINARY) {
        /* like git: binary content changed on both sides is one conflict, ours kept */
        dk_str_clear(&text);
        dk_str_add(&text, ours, ours_len);
        dk_merge_conflict *c = dk_vec_push_zero(&cx.conflicts);
        c->qualified_name = "";
        c->kind = DK_MERGE_CONFLICT_FILE;
        c->description = "binary file changed on both sides";
        dk_vec_push(&cx.conflict_out_start, 0);
        dk_vec_push(&cx.conflict_out_end, (uint32_t)ours_len);
        build_result(out, &cx, &text, false, DK_MERGE_METHOD_LINE, "binary content is not merged");
        ctx_release(&cx);
        return DK_OK;
    }
    if (rc) {
        dk_str_release(&text);
        ctx_release(&cx);
        return rc;
    }

    cx.lang = (o.flags & DK_MERGE_LINE_ONLY) ? NULL : dk_language_for_path(cx.path, ours, ours_len);
    if (!cx.lang) {
        if (!line_clean)
            dk_merge_record_markers(&cx, text.ptr, 0, text.len, NULL, DK_MERGE_CONFLICT_TEXT, 0,
                                    NULL, NULL);
        build_result(out, &cx, &text, line_clean, DK_MERGE_METHOD_LINE, NULL);
        ctx_release(&cx);
        return DK_OK;
    }
    /*
     * Analyses of the three inputs, outline only (no calls). Ours and theirs
     * start from base's tree and the gate's parse of a result from ours', so
     * only what changed is re-parsed. A failure (binary, bad UTF-8, limits)
     * leaves an == NULL.
     */
    for (int vi = 0; vi < 3; vi++) {
        dk_lang_opts lo = DK_LANG_OPTS_INIT;
        lo.flags = DK_LANG_OUTLINE | DK_LANG_KEEP_TREE;
        if (vi != V_BASE && cx.v[V_BASE].an) {
            lo.prev = cx.v[V_BASE].an;
            lo.prev_src = base;
            lo.prev_len = base_len;
        }
        int arc;
        dk_oid id;
        if (o.cache && dk_git_blob_id(&id, srcs[vi], lens[vi]) == DK_OK)
            arc = dk_symcache_analyze_ex(&cx.v[vi].an, NULL, o.cache, cx.lang, id.id, sizeof(id.id),
                                         srcs[vi], lens[vi], &lo);
        else
            arc = dk_lang_analyze_ex(&cx.v[vi].an, cx.lang, srcs[vi], lens[vi], &lo);
        if (arc != DK_OK)
            cx.v[vi].an = NULL;
    }

    const char *why = NULL;
    if (line_clean) {
        if (dk_merge_gate(&cx, text.ptr, text.len, &why) == DK_OK) {
            build_result(out, &cx, &text, true, DK_MERGE_METHOD_LINE, NULL);
            ctx_release(&cx);
            return DK_OK;
        }
    }
    const char *line_refusal = why;

    dk_str structured = DK_STR_INIT;
    why = NULL;
    rc = dk_merge_structured(&cx, &structured, &why);
    if (rc == DK_OK) {
        bool clean = cx.conflicts.len == 0;
        const char *gate_why = NULL;
        if (clean && dk_merge_gate(&cx, structured.ptr, structured.len, &gate_why) != DK_OK) {
            /* fail closed: the structured result is refused; report the line result */
            why = gate_why;
        } else {
            dk_str_release(&text);
            build_result(out, &cx, &structured, clean, DK_MERGE_METHOD_STRUCTURED, line_refusal);
            ctx_release(&cx);
            return DK_OK;
        }
    }
    dk_str_release(&structured);
    cx.conflicts.len = 0;
    cx.conflict_out_start.len = 0;
    cx.conflict_out_end.len = 0;

    /* fallback: the line merge result; a clean one the gate refused becomes one conflict */
    if (line_clean) {
        dk_str boxed = DK_STR_INIT;
        const char *texts[3] = {base, ours, theirs};
        uint32_t starts[3] = {0, 0, 0};
        uint32_t ends[3] = {(uint32_t)base_len, (uint32_t)ours_len, (uint32_t)theirs_len};
        const char *desc = dk_arena_sprintf(&cx.arena, "the merged file was refused: %s",
                                            line_refusal ? line_refusal : "gate failed");
        dk_merge_emit_conflict(&cx, &boxed, "", DK_MERGE_CONFLICT_FILE, 0, desc, texts, lens,
                               starts, ends);
        dk_str_release(&text);
        text = boxed;
    } else {
        dk_merge_record_markers(&cx, text.ptr, 0, text.len, NULL, DK_MERGE_CONFLICT_TEXT, 0, NULL,
                                NULL);
    }
    const char *note = why ? why : line_refusal;
    build_result(out, &cx, &text, false, DK_MERGE_METHOD_FALLBACK, note);
    ctx_release(&cx);
    return DK_OK;
}
