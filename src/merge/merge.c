/*
 * merge/merge.c - dk_merge_file: the cascade, and nothing else.
 *
 *   trivial? --yes--> that side
 *      | no
 *   line merge (git_merge_file) --clean and gate passes--> done ("line")
 *      | conflicted, or clean but refused by the gate
 *   structured merge (structured.c) --applies--> its result ("structured"),
 *      |                                         gated again when clean
 *      | does not apply (no language, parse errors, limits)
 *   line merge result ("fallback"), one conflict record per block git wrote
 *
 * Before the cascade, when both sides changed every line ending of base the
 * same way (base all CRLF, both sides all LF, or the reverse), base is read
 * with the sides' endings: the conversion is one change both sides made,
 * taken once, instead of a change to every line on both sides that
 * conflicts wherever either side also edited (AutoMapper converted 23 C#
 * files to LF on two branches). Not with DK_MERGE_LINE_ONLY, which is git's
 * line merge as git does it.
 *
 * Invariants: the result never claims clean with markers in it; every
 * conflict block in the output has a record in conflicts[] with the lines
 * where it sits. Conventions: all temporary memory is in cx->arena or in
 * dk_str buffers released at the one exit; the result is malloc'd as one
 * owner (dk_merge_result_free).
 */
#include <stdlib.h>
#include <string.h>

#include "git/git.h"
#include "merge/emit.h"
#include "merge/gate.h"
#include "merge/identity.h"
#include "merge/merge_int.h"
#include "merge/structured.h"
#include "util/alloc.h"

#include "util/banned.h"

/* Longest conflict marker accepted: git accepts any size; this only bounds the output. */
#define MERGE_MAX_MARKER_SIZE DK_MERGE_MAX_INPUT

/* ------------------------------------------------------------------------ */
/* Results                                                                   */
/* ------------------------------------------------------------------------ */

/* The result: `text` is taken, the records copied out of the context. */
static int build_result(dk_merge_result **out, struct merge_ctx *cx, dk_str *text, bool clean,
                        dk_merge_method method, const char *note)
{
    if (text->len > UINT32_MAX)
        return dk_error_set(DK_ELIMIT, "merged text of %zu bytes is over 4 GiB", text->len);
    dk_merge_result *r = dk_xcalloc(1, sizeof(*r));
    r->merged = dk_str_detach(text, &r->merged_len);
    r->clean = clean && cx->conflicts.len == 0;
    r->method = method;
    r->language = cx->lang ? dk_language_name(cx->lang) : NULL;
    size_t n = cx->conflicts.len;
    r->nconflicts = n;
    if (note)
        r->note = dk_xstrdup(note);
    if (n > 0) {
        struct dk_line_index lines;
        dk_line_index_init(&lines, r->merged, r->merged_len);
        r->conflicts = dk_xcalloc(n, sizeof(*r->conflicts));
        for (size_t i = 0; i < n; i++) {
            dk_merge_conflict *c = &r->conflicts[i];
            *c = cx->conflicts.items[i];
            c->result.start = dk_line_index_line(&lines, cx->conflict_out_start.items[i]);
            uint32_t e = cx->conflict_out_end.items[i];
            c->result.end = dk_line_index_line(&lines, e ? e - 1 : 0);
            const char **fields[5] = {&c->qualified_name, &c->description, &c->base_text,
                                      &c->ours_text, &c->theirs_text};
            for (int f = 0; f < 5; f++) {
                if (*fields[f])
                    *fields[f] = dk_xstrdup(*fields[f]);
            }
        }
        dk_line_index_release(&lines);
    }
    *out = r;
    return DK_OK;
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

/* ------------------------------------------------------------------------ */
/* The cascade                                                               */
/* ------------------------------------------------------------------------ */

/* Forget the conflicts recorded so far (an answer that is not used). */
static void conflicts_clear(struct merge_ctx *cx)
{
    cx->conflicts.len = 0;
    cx->conflict_out_start.len = 0;
    cx->conflict_out_end.len = 0;
}

/* Exchange two buffers (a dk_str is a plain owner: moving it is a copy). */
static void str_swap(dk_str *a, dk_str *b)
{
    dk_str t = *a;
    *a = *b;
    *b = t;
}

static bool bytes_eq(const char *a, size_t al, const char *b, size_t bl)
{
    return al == bl && (al == 0 || memcmp(a, b, al) == 0);
}

/* Line endings of a text: 1 when every line break is CRLF, 0 when none is, -1 mixed or none. */
static int crlf_style(const char *s, size_t n)
{
    size_t lf = 0, crlf = 0;
    for (const char *p = s, *end = s + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
        lf++;
        crlf += p > s && p[-1] == '\r';
    }
    if (lf == 0 || (crlf != 0 && crlf != lf))
        return -1;
    return crlf == lf;
}

/*
 * Base with the line endings both sides converted it to, in `buf`; false
 * (buf untouched) unless base's endings are all CRLF and both sides' all LF,
 * or the reverse.
 */
static bool base_with_sides_eol(dk_str *buf, const char *base, size_t base_len, const char *ours,
                                size_t ours_len, const char *theirs, size_t theirs_len)
{
    int b = crlf_style(base, base_len);
    if (b < 0 || crlf_style(ours, ours_len) != !b || crlf_style(theirs, theirs_len) != !b)
        return false;
    for (size_t i = 0; i < base_len; i++) {
        if (b && base[i] == '\r' && i + 1 < base_len && base[i + 1] == '\n')
            continue;
        if (!b && base[i] == '\n')
            dk_str_addch(buf, '\r');
        dk_str_addch(buf, base[i]);
    }
    return true;
}

static void ctx_release(struct merge_ctx *cx)
{
    for (int vi = 0; vi < 3; vi++) {
        dk_analysis_unref(cx->v[vi].an);
        dk_line_index_release(&cx->v[vi].lines);
        if (cx->v[vi].br)
            dk_merge_branches_release(cx->v[vi].br);
        free(cx->v[vi].br);
        dk_map_release(&cx->v[vi].overloads);
    }
    dk_vec_release(&cx->conflicts);
    dk_vec_release(&cx->conflict_out_start);
    dk_vec_release(&cx->conflict_out_end);
    dk_map_release(&cx->intern);
    dk_map_release(&cx->overloaded);
    dk_map_release(&cx->composed);
    dk_arena_release(&cx->arena);
}

/* Defaults filled in and checked; DK_EINVALID for a bad version or style. */
static int check_opts(dk_merge_opts *o, const dk_merge_opts *opts)
{
    if (opts) {
        if (opts->version != DK_MERGE_OPTS_VERSION)
            return dk_error_set(DK_EINVALID, "merge options version %u, expected %u", opts->version,
                                DK_MERGE_OPTS_VERSION);
        *o = *opts;
    }
    if (o->marker_size == 0)
        o->marker_size = 7;
    if (o->marker_size > MERGE_MAX_MARKER_SIZE)
        return dk_error_set(DK_ELIMIT, "marker size %u is over %u", o->marker_size,
                            MERGE_MAX_MARKER_SIZE);
    if ((unsigned)o->style > DK_MERGE_STYLE_ZDIFF3)
        return dk_error_set(DK_EINVALID, "unknown merge style %d", (int)o->style);
    if (!o->ancestor_label)
        o->ancestor_label = "base";
    if (!o->our_label)
        o->our_label = "ours";
    if (!o->their_label)
        o->their_label = "theirs";
    return DK_OK;
}

/*
 * Analyses of the three inputs, outline only (no calls). Ours and theirs
 * start from base's tree and the gate's parse of a result from ours', so
 * only what changed is re-parsed. A failure (binary, bad UTF-8, limits)
 * leaves an == NULL.
 */
static void analyze_inputs(struct merge_ctx *cx)
{
    for (int vi = 0; vi < 3; vi++) {
        dk_lang_opts lo = DK_LANG_OPTS_INIT;
        lo.flags = DK_LANG_OUTLINE | DK_LANG_KEEP_TREE;
        if (vi != V_BASE && cx->v[V_BASE].an) {
            lo.prev = cx->v[V_BASE].an;
            lo.prev_src = cx->v[V_BASE].src;
            lo.prev_len = cx->v[V_BASE].len;
        }
        const struct merge_version *v = &cx->v[vi];
        int arc;
        dk_oid id;
        if (cx->opts.cache && dk_git_blob_id(&id, v->src, v->len) == DK_OK)
            arc = dk_symcache_analyze_ex(&cx->v[vi].an, NULL, cx->opts.cache, cx->lang, id.id,
                                         sizeof(id.id), v->src, v->len, &lo);
        else
            arc = dk_lang_analyze_ex(&cx->v[vi].an, cx->lang, v->src, v->len, &lo);
        if (arc != DK_OK)
            cx->v[vi].an = NULL;
    }
}

/*
 * The language of the path, judged on all three inputs so that swapping the
 * sides cannot change it: a ".h" header is C++ when any input shows C++ (a
 * side that adds the first class to a header that was plain C so far).
 */
static const dk_language *merge_language(const struct merge_ctx *cx)
{
    const dk_language *lang = NULL;
    for (int vi = 0; vi < 3; vi++) {
        const dk_language *l = dk_language_for_path(cx->path, cx->v[vi].src, cx->v[vi].len);
        if (!lang || (l && l != lang && l == dk_language_by_name("cpp")))
            lang = l;
    }
    return lang;
}

int dk_merge_file(dk_merge_result **out, const char *path, const char *base, size_t base_len,
                  const char *ours, size_t ours_len, const char *theirs, size_t theirs_len,
                  const dk_merge_opts *opts)
{
    *out = NULL;
    dk_merge_opts o = DK_MERGE_OPTS_INIT;
    int rc = check_opts(&o, opts);
    if (rc)
        return rc;
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
    dk_str base_eol = DK_STR_INIT;
    if (!(o.flags & DK_MERGE_LINE_ONLY) &&
        base_with_sides_eol(&base_eol, base, base_len, ours, ours_len, theirs, theirs_len)) {
        if (base_eol.len > DK_MERGE_MAX_INPUT) {
            dk_str_release(&base_eol);
            return dk_error_set(DK_ELIMIT, "base with CRLF line endings is over the merge's limit");
        }
        base = base_eol.ptr ? base_eol.ptr : "";
        base_len = base_eol.len;
    }

    struct merge_ctx cx;
    memset(&cx, 0, sizeof(cx));
    cx.path = path ? path : "";
    cx.opts = o;
    cx.intern = (dk_map)DK_MAP_INIT_STR_POOLED;
    cx.overloaded = (dk_map)DK_MAP_INIT_STR_POOLED;
    cx.composed = (dk_map)DK_MAP_INIT_STR_POOLED;
    const char *srcs[3] = {base, ours, theirs};
    size_t lens[3] = {base_len, ours_len, theirs_len};
    for (int vi = 0; vi < 3; vi++) {
        cx.v[vi].src = srcs[vi];
        cx.v[vi].len = lens[vi];
        dk_line_index_init(&cx.v[vi].lines, srcs[vi], lens[vi]);
    }
    const char *crlf = memmem(ours, ours_len, "\r\n", 2);
    const char *lf = memchr(ours, '\n', ours_len);
    cx.eol = crlf && crlf + 1 == lf ? "\r\n" : "\n";

    /* what the cascade settles on; `text` holds the answer's bytes */
    dk_str text = DK_STR_INIT, structured = DK_STR_INIT;
    struct merge_blocks blocks = {0};
    dk_merge_method method;
    bool clean;
    const char *note = NULL;

    /* 1. trivial cases: byte for byte the changed side */
    bool shortcuts = !(o.flags & DK_MERGE_NO_SHORTCUTS);
    if (shortcuts &&
        (bytes_eq(ours, ours_len, theirs, theirs_len) || bytes_eq(base, base_len, ours, ours_len) ||
         bytes_eq(base, base_len, theirs, theirs_len))) {
        bool take_theirs = bytes_eq(base, base_len, ours, ours_len);
        dk_str_add(&text, take_theirs ? theirs : ours, take_theirs ? theirs_len : ours_len);
        method = DK_MERGE_METHOD_TRIVIAL;
        clean = true;
        goto done;
    }

    /* 2. the line merge */
    bool line_clean = false;
    rc = dk_merge_line(&cx, &text, &line_clean, &blocks, base, base_len, ours, ours_len, theirs,
                       theirs_len);
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
        method = DK_MERGE_METHOD_LINE;
        clean = false;
        note = "binary content is not merged";
        rc = DK_OK;
        goto done;
    }
    if (rc)
        goto out;

    cx.lang = (o.flags & DK_MERGE_LINE_ONLY) ? NULL : merge_language(&cx);
    if (!cx.lang) {
        if (!line_clean)
            dk_merge_record_blocks(&cx, text.ptr, &blocks, NULL, NULL);
        method = DK_MERGE_METHOD_LINE;
        clean = line_clean;
        goto done;
    }
    analyze_inputs(&cx);
    for (int vi = 0; vi < 3 && dk_language_has_preprocessor(cx.lang); vi++) {
        cx.v[vi].br = dk_xmalloc(sizeof(*cx.v[vi].br));
        dk_merge_branches_init(cx.v[vi].br, cx.v[vi].src, cx.v[vi].len);
    }
    const char *why = NULL;
    bool line_accepted = line_clean && dk_merge_gate(&cx, text.ptr, text.len, &why) == DK_OK;
    /* git's clean answer, unless both sides added declarations at one place (order) */
    bool prefer_structured = line_accepted && shortcuts && dk_merge_adds_at_one_place(&cx);
    if (line_accepted && shortcuts && !prefer_structured) {
        method = DK_MERGE_METHOD_LINE;
        clean = true;
        goto done;
    }
    const char *line_refusal = why;

    /* 3. the structured merge, gated again when clean */
    why = NULL;
    if (dk_merge_structured(&cx, &structured, &why) == DK_OK) {
        const char *gate_why = NULL;
        bool s_clean = cx.conflicts.len == 0;
        if (s_clean ? dk_merge_gate(&cx, structured.ptr, structured.len, &gate_why) == DK_OK
                    : !prefer_structured) {
            str_swap(&text, &structured);
            method = DK_MERGE_METHOD_STRUCTURED;
            clean = s_clean;
            note = line_refusal;
            goto done;
        }
        /* fail closed: the structured result is refused; report the line result */
        why = gate_why;
    }
    conflicts_clear(&cx);
    if (line_accepted) {
        /* the structured merge did not apply, was refused, or (preferred only for the
         * order of additions) did not merge cleanly: git's clean answer */
        method = DK_MERGE_METHOD_LINE;
        clean = true;
        note = why;
        goto done;
    }

    /* 4. fallback: the line merge result; a clean one the gate refused becomes one conflict */
    if (line_clean) {
        dk_str boxed = DK_STR_INIT;
        uint32_t starts[3] = {0, 0, 0};
        uint32_t ends[3] = {(uint32_t)base_len, (uint32_t)ours_len, (uint32_t)theirs_len};
        const char *desc = dk_arena_sprintf(&cx.arena, "the merged file was refused: %s",
                                            line_refusal ? line_refusal : "gate failed");
        dk_merge_emit_conflict(&cx, &boxed, "", DK_MERGE_CONFLICT_FILE, 0, desc, srcs, lens, starts,
                               ends);
        str_swap(&text, &boxed);
        dk_str_release(&boxed);
    } else {
        dk_merge_record_blocks(&cx, text.ptr, &blocks, NULL, NULL);
    }
    method = DK_MERGE_METHOD_FALLBACK;
    clean = false;
    note = why ? why : line_refusal;

done:
    rc = build_result(out, &cx, &text, clean, method, note);
out:
    dk_merge_blocks_release(&blocks);
    dk_str_release(&structured);
    dk_str_release(&text);
    dk_str_release(&base_eol);
    ctx_release(&cx);
    return rc;
}
