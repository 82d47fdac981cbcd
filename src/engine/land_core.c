/*
 * engine/land_core.c - landing without sessions: an overlay merged
 * three-way onto a branch head (dk_land_merge_tree), and the loop that
 * commits the result and moves the branch by compare-and-swap
 * (dk_land_publish).
 *
 * Purpose. DESIGN.md decision 5. The overlay says what the session changed
 * against its base; the head is what the branch has now. Each overlay path
 * is decided on its own from three entries (base, head, session), by the
 * table in land_core.h; only paths where both sides changed the content of
 * a regular file are merged as text, with dk_merge_file (ours = the head,
 * theirs = the session, so what is already on the branch stays first).
 * Every decision is a tree edit applied to the head's tree; paths the
 * overlay does not name are the head's, untouched.
 *
 *   overlay entries ──► per path: B = base[p], H = head[p], S = overlay[p]
 *                        │ one side changed ─► take it      (no blob read)
 *                        │ both, text        ─► dk_merge_file (3 blobs read)
 *                        │ both, otherwise   ─► conflict
 *                        ▼
 *                  edits ──► dk_git_tree_build(head, edits) ──► tree
 *                                                              │
 *   publish: commit(tree, parent head) ─► prepare ─► CAS(branch, head ─► commit)
 *                ▲                                       │ lost: abort, re-read head
 *                └───────────────────────────────────────┘ (bounded)
 *
 * Invariants:
 *  1. Nothing is lost silently: a delete against a change, a change against
 *     a delete, two different additions, a symlink or submodule changed on
 *     both sides, and a file/directory clash are conflicts (dkod deleted or
 *     overwrote in several of these, and dropped modes: behaviour §4.4,
 *     bugs #15).
 *  2. Modes are honoured: executable bits and symlinks of either side are
 *     kept; a mode change on one side survives a content change on the other.
 *  3. A conflict anywhere lands nothing; every conflict of every path is
 *     reported (path order), not just the first.
 *  4. The branch only moves by compare-and-swap from the head that was
 *     merged onto; a lost race merges again onto the new head, so another
 *     writer's commit is never overwritten (dkod bug #15: no retry, lost work).
 *  5. Merging is pure with respect to refs: dk_land_merge_tree writes blobs
 *     and trees (content-addressed, harmless if unused) and nothing else.
 *
 * Ownership: results own their strings and arrays; the caller releases them.
 * Conventions: see land_core.h. One thread at a time per dk_git_repo.
 */
#include "engine/land_core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk/merge.h"

#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

/* ========================================================================== */
/* Results                                                                    */
/* ========================================================================== */

void dk_land_conflict_release(dk_land_conflict *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->qualified_name);
    free(c->kind);
    free(c->description);
    free(c->base_text);
    free(c->head_text);
    free(c->session_text);
    memset(c, 0, sizeof(*c));
}

void dk_land_merge_release(struct dk_land_merge *m)
{
    if (!m)
        return;
    dk_vec_foreach(&m->conflicts, dk_land_conflict *, c)
        dk_land_conflict_release(c);
    dk_vec_release(&m->conflicts);
    dk_vec_foreach(&m->merged_files, char **, p)
        free(*p);
    dk_vec_release(&m->merged_files);
}

void dk_land_publish_release(struct dk_land_publish_result *r)
{
    if (!r)
        return;
    dk_land_merge_release(&r->merge);
}

/* ========================================================================== */
/* One path                                                                   */
/* ========================================================================== */

/* An entry of one version at one path. */
struct land_side {
    /* a blob, symlink or submodule is there */
    bool present;
    /* a directory is there (then present is false: no file at this path) */
    bool dir;
    dk_oid id;
    unsigned mode;
};

/* The entry at `path` in commit `at` (NULL: an unborn branch, nothing anywhere). */
static int land_side_at(struct land_side *out, dk_git_repo *repo, const dk_oid *at,
                        const char *path)
{
    memset(out, 0, sizeof(*out));
    if (!at)
        return DK_OK;
    int rc = dk_git_file_lookup(&out->id, &out->mode, repo, at, path);
    if (rc == DK_ENOTFOUND) {
        /* the path is absent; the commit itself exists (checked by the caller) */
        memset(out, 0, sizeof(*out));
        return DK_OK;
    }
    if (rc < 0)
        return rc;
    if (out->mode == DK_GIT_MODE_TREE) {
        out->dir = true;
        return DK_OK;
    }
    out->present = true;
    return DK_OK;
}

/* Same file at both (blob and mode), or no file at both. */
static bool land_side_same(const struct land_side *a, const struct land_side *b)
{
    if (a->present != b->present)
        return false;
    if (!a->present)
        return true;
    return a->mode == b->mode && dk_oid_is_equal(&a->id, &b->id);
}

static bool land_mode_is_regular(unsigned mode)
{
    return mode == DK_GIT_MODE_FILE || mode == DK_GIT_MODE_EXEC;
}

/* The text of a side for a conflict report: NULL when there is no file. */
static char *land_side_text(dk_git_repo *repo, const struct land_side *s)
{
    char *text = NULL;
    size_t len;
    if (!s->present || s->mode == DK_GIT_MODE_GITLINK)
        return s->present ? dk_xstrdup("") : NULL;
    if (dk_git_blob_read(&text, &len, repo, &s->id) < 0)
        return dk_xstrdup("");
    return text;
}

static bool land_is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/*
 * Rewrite the merge's words for the sides ("ours", "theirs") into the
 * landing's ("the branch", "the session"): the merge describes ours = head
 * and theirs = session, and an agent reading "ours" would take it to mean
 * itself. Whole words only, and never inside `backticks` (symbol names).
 */
static char *land_describe(const char *desc)
{
    dk_str out = DK_STR_INIT;
    const char *p = desc ? desc : "";
    bool quoted = false;
    while (*p) {
        if (*p == '`')
            quoted = !quoted;
        bool word_start = !quoted && (p == desc || !land_is_word_char(p[-1]));
        size_t n = 0;
        const char *with = NULL;
        if (word_start && strncmp(p, "ours", 4) == 0) {
            n = 4;
            with = "the branch";
        } else if (word_start && strncmp(p, "theirs", 6) == 0) {
            n = 6;
            with = "the session";
        }
        if (with && !land_is_word_char(p[n])) {
            dk_str_adds(&out, with);
            p += n;
            continue;
        }
        dk_str_addch(&out, *p++);
    }
    return dk_str_detach(&out, NULL);
}

/* Record a whole-file conflict with each side's full text. */
static void land_conflict_file(struct dk_land_merge *m, dk_git_repo *repo, const char *path,
                               const struct land_side *b, const struct land_side *h,
                               const struct land_side *s, const char *fmt, ...) DK_PRINTF(7, 8);
static void land_conflict_file(struct dk_land_merge *m, dk_git_repo *repo, const char *path,
                               const struct land_side *b, const struct land_side *h,
                               const struct land_side *s, const char *fmt, ...)
{
    dk_land_conflict *c = dk_vec_push_zero(&m->conflicts);
    dk_str desc = DK_STR_INIT;
    va_list ap;
    va_start(ap, fmt);
    dk_str_vaddf(&desc, fmt, ap);
    va_end(ap);
    c->path = dk_xstrdup(path);
    c->qualified_name = dk_xstrdup("<file>");
    c->kind = dk_xstrdup("file");
    c->description = dk_str_detach(&desc, NULL);
    c->base_text = land_side_text(repo, b);
    c->head_text = land_side_text(repo, h);
    c->session_text = land_side_text(repo, s);
}

static char *land_strdup_or_null(const char *s)
{
    return s ? dk_xstrdup(s) : NULL;
}

/*
 * Both sides changed a regular file's content: merge the three blobs with
 * dk_merge_file and turn its conflicts into landing conflicts. On a clean
 * merge the result is written as a blob into *merged.
 */
static int land_merge_text(struct dk_land_merge *m, bool *clean, dk_oid *merged, dk_git_repo *repo,
                           const char *path, const struct land_side *b, const struct land_side *h,
                           const struct land_side *s, dk_symcache *cache)
{
    char *tb = NULL, *th = NULL, *ts = NULL;
    size_t lb = 0, lh = 0, ls = 0;
    dk_merge_result *res = NULL;
    dk_merge_opts opts = DK_MERGE_OPTS_INIT;
    int rc;

    *clean = false;
    if ((rc = dk_git_blob_read(&tb, &lb, repo, &b->id)) < 0 ||
        (rc = dk_git_blob_read(&th, &lh, repo, &h->id)) < 0 ||
        (rc = dk_git_blob_read(&ts, &ls, repo, &s->id)) < 0)
        goto out;
    opts.cache = cache;
    /* diff3, so that conflicts carry the base's lines too */
    opts.style = DK_MERGE_STYLE_DIFF3;
    opts.our_label = "branch";
    opts.their_label = "session";
    if ((rc = dk_merge_file(&res, path, tb, lb, th, lh, ts, ls, &opts)) < 0)
        goto out;
    dk_vec_push(&m->merged_files, dk_xstrdup(path));
    if (res->clean) {
        if ((rc = dk_git_blob_write(merged, repo, res->merged, res->merged_len)) < 0)
            goto out;
        *clean = true;
        goto out;
    }
    for (size_t i = 0; i < res->nconflicts; i++) {
        const dk_merge_conflict *mc = &res->conflicts[i];
        dk_land_conflict *c = dk_vec_push_zero(&m->conflicts);
        bool whole = mc->kind == DK_MERGE_CONFLICT_FILE;
        c->path = dk_xstrdup(path);
        c->qualified_name = dk_xstrdup(whole ? "<file>" : mc->qualified_name);
        c->kind = dk_xstrdup(mc->kind == DK_MERGE_CONFLICT_SYMBOL
                                 ? dk_symbol_kind_name(mc->symbol_kind)
                                 : dk_merge_conflict_kind_name(mc->kind));
        c->description = land_describe(mc->description);
        if (whole) {
            /* the region is the whole file: give each side's full text */
            c->base_text = dk_xstrndup(tb, lb);
            c->head_text = dk_xstrndup(th, lh);
            c->session_text = dk_xstrndup(ts, ls);
        } else {
            c->base_text = land_strdup_or_null(mc->base_text);
            c->head_text = land_strdup_or_null(mc->ours_text);
            c->session_text = land_strdup_or_null(mc->theirs_text);
        }
    }
    if (res->nconflicts == 0) {
        /* not clean yet nothing reported: never land it silently */
        land_conflict_file(m, repo, path, b, h, s, "the merge was not clean");
    }
out:
    dk_merge_result_free(res);
    free(tb);
    free(th);
    free(ts);
    return rc;
}

/* What one path contributes: nothing, an edit, or conflicts (recorded in m). */
enum land_outcome { LAND_KEEP = 0, LAND_UPSERT, LAND_DELETE, LAND_CONFLICT };

/*
 * Decide one overlay path (the table of land_core.h). `edit` receives the
 * UPSERT's id and mode.
 */
static int land_path(enum land_outcome *outcome, dk_git_edit *edit, struct land_side *head_side,
                     struct dk_land_merge *m, dk_git_repo *repo, const dk_oid *base,
                     const dk_oid *head, const struct dk_eng_overlay_entry *e, dk_symcache *cache)
{
    struct land_side b, h, s;
    int rc;

    *outcome = LAND_KEEP;
    if ((rc = land_side_at(&b, repo, base, e->path)) < 0 ||
        (rc = land_side_at(&h, repo, head, e->path)) < 0)
        return rc;
    *head_side = h;
    memset(&s, 0, sizeof(s));
    if (!e->deleted) {
        s.present = true;
        s.id = e->blob;
        s.mode = e->mode ? e->mode : DK_GIT_MODE_FILE;
    }
    edit->path = e->path;

    if (!s.present) {
        if (!b.present || (!h.present && !h.dir))
            return DK_OK; /* nothing to delete, or both deleted */
        if (land_side_same(&h, &b)) {
            *outcome = LAND_DELETE;
            edit->op = DK_GIT_EDIT_DELETE;
            return DK_OK;
        }
        *outcome = LAND_CONFLICT;
        land_conflict_file(m, repo, e->path, &b, &h, &s, "%s",
                           h.dir ? "the session deleted the file, the branch replaced it "
                                   "with a directory"
                                 : "the session deleted the file, the branch modified it");
        return DK_OK;
    }

    if (land_side_same(&s, &b) || land_side_same(&h, &s))
        return DK_OK; /* the session changed nothing, or the branch already has it */
    if (land_side_same(&h, &b) && !h.dir) {
        *outcome = LAND_UPSERT;
        edit->op = DK_GIT_EDIT_UPSERT;
        edit->id = s.id;
        edit->mode = s.mode;
        return DK_OK;
    }
    *outcome = LAND_CONFLICT;
    if (h.dir) {
        land_conflict_file(m, repo, e->path, &b, &h, &s,
                           "the session writes a file where the branch has a directory");
        return DK_OK;
    }
    if (!b.present) {
        land_conflict_file(m, repo, e->path, &b, &h, &s,
                           "both the branch and the session added the file, with different "
                           "content");
        return DK_OK;
    }
    if (!h.present) {
        land_conflict_file(m, repo, e->path, &b, &h, &s,
                           "the branch deleted the file, the session modified it");
        return DK_OK;
    }
    if (!land_mode_is_regular(b.mode) || !land_mode_is_regular(h.mode) ||
        !land_mode_is_regular(s.mode)) {
        bool links =
            b.mode == DK_GIT_MODE_LINK && h.mode == DK_GIT_MODE_LINK && s.mode == DK_GIT_MODE_LINK;
        land_conflict_file(m, repo, e->path, &b, &h, &s, "%s",
                           links ? "both the branch and the session changed the symlink"
                                 : "the branch and the session changed the kind of entry "
                                   "(file, symlink, submodule) differently");
        return DK_OK;
    }

    /* regular files, both changed: mode from the side that changed it */
    unsigned mode = h.mode == b.mode ? s.mode : h.mode;
    edit->op = DK_GIT_EDIT_UPSERT;
    edit->mode = mode;
    *outcome = LAND_UPSERT;
    if (dk_oid_is_equal(&h.id, &s.id) || dk_oid_is_equal(&s.id, &b.id)) {
        edit->id = h.id;
        return DK_OK;
    }
    if (dk_oid_is_equal(&h.id, &b.id)) {
        edit->id = s.id;
        return DK_OK;
    }
    bool clean;
    if ((rc = land_merge_text(m, &clean, &edit->id, repo, e->path, &b, &h, &s, cache)) < 0)
        return rc;
    if (!clean)
        *outcome = LAND_CONFLICT;
    return DK_OK;
}

/* ========================================================================== */
/* The whole overlay                                                          */
/* ========================================================================== */

static int land_edit_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const dk_git_edit *)elem)->path);
}

/* True when the edits (sorted by path) delete exactly `path`. */
static bool land_edits_delete(const dk_git_edit *edits, size_t n, const char *path)
{
    if (n == 0)
        return false;
    const dk_git_edit *e = bsearch(path, edits, n, sizeof(*edits), land_edit_cmp);
    return e && e->op == DK_GIT_EDIT_DELETE;
}

/*
 * A file new to the head at `path` must not sit below a file of the head
 * (a tree edit would replace that file by a directory) unless the overlay
 * deletes that file. Checked only for paths absent from the head: if the
 * head has a file at `path`, none of its parents can be a file. `edits` are
 * the edits decided so far (sorted, and every parent of `path` sorts
 * before it).
 */
static int land_check_parents(struct dk_land_merge *m, dk_git_repo *repo, const dk_oid *head,
                              const dk_git_edit *upsert, const dk_git_edit *edits, size_t nedits)
{
    const char *path = upsert->path;
    dk_str prefix = DK_STR_INIT;
    int rc = DK_OK;
    for (const char *slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
        struct land_side p;
        dk_str_clear(&prefix);
        dk_str_add(&prefix, path, (size_t)(slash - path));
        if ((rc = land_side_at(&p, repo, head, prefix.ptr)) < 0)
            break;
        if (p.dir)
            continue;
        if (!p.present)
            break; /* no entry here, so none below it either */
        if (land_edits_delete(edits, nedits, prefix.ptr))
            break;
        struct land_side none = {0}, s = {.present = true, .id = upsert->id, .mode = upsert->mode};
        land_conflict_file(m, repo, path, &none, &p, &s,
                           "the session adds '%s' below '%s', which is a file on the branch", path,
                           prefix.ptr);
        break;
    }
    dk_str_release(&prefix);
    return rc;
}

/* Check that a commit exists (a zero or NULL id means "unborn": no commit). */
static const dk_oid *land_commit_or_null(const dk_oid *id)
{
    return id && !dk_oid_is_zero(id) ? id : NULL;
}

int dk_land_merge_tree(struct dk_land_merge *out, dk_git_repo *repo, const dk_oid *base,
                       const dk_oid *head, const struct dk_eng_overlay_entry *entries, size_t n,
                       dk_symcache *cache)
{
    dk_vec(dk_git_edit) edits = DK_VEC_INIT;
    dk_oid base_tree, head_tree;
    int rc = DK_OK;

    memset(out, 0, sizeof(*out));
    base = land_commit_or_null(base);
    head = land_commit_or_null(head);
    /* missing commits are errors, not "every path absent"; lookups then go
     * through the trees, so no path lookup peels a commit again */
    if ((base && (rc = dk_git_tree_resolve(&base_tree, repo, base)) < 0) ||
        (head && (rc = dk_git_tree_resolve(&head_tree, repo, head)) < 0))
        return rc;
    if (base)
        base = &base_tree;
    if (head)
        head = &head_tree;

    for (size_t i = 0; i < n; i++) {
        enum land_outcome oc;
        dk_git_edit edit = {0};
        struct land_side h;
        size_t nconf = out->conflicts.len;
        if (i > 0 && strcmp(entries[i - 1].path, entries[i].path) >= 0) {
            rc = dk_error_set(DK_EINVALID, "overlay entries not sorted and unique at '%s'",
                              entries[i].path);
            goto out;
        }
        if ((rc = land_path(&oc, &edit, &h, out, repo, base, head, &entries[i], cache)) < 0)
            goto out;
        /* a parent path sorts before its children, so its edit is already decided */
        if (oc == LAND_UPSERT && !h.present && !h.dir &&
            (rc = land_check_parents(out, repo, head, &edit, edits.items, edits.len)) < 0)
            goto out;
        if ((oc == LAND_UPSERT || oc == LAND_DELETE) && out->conflicts.len == nconf)
            dk_vec_push(&edits, edit);
    }
    if (out->conflicts.len > 0)
        goto out;
    rc = dk_git_tree_build(&out->tree, repo, head, edits.items, edits.len);
out:
    dk_vec_release(&edits);
    if (rc < 0) {
        dk_land_merge_release(out);
        memset(out, 0, sizeof(*out));
    }
    return rc;
}

/* ========================================================================== */
/* Publishing                                                                 */
/* ========================================================================== */

int dk_land_publish(struct dk_land_publish_result *out, dk_git_repo *repo, const dk_oid *base,
                    const struct dk_eng_overlay_entry *entries, size_t n,
                    const struct dk_land_publish_opts *opts)
{
    int rc;

    memset(out, 0, sizeof(*out));
    base = land_commit_or_null(base);
    if (!opts || !opts->branch || !opts->author_name || !opts->author_email || !opts->message)
        return dk_error_set(DK_EINVALID, "landing needs a branch, an author and a message");

    for (;;) {
        dk_oid head = {{0}}, commit;
        bool unborn = false;

        dk_land_merge_release(&out->merge);
        rc = dk_git_branch_read(&head, repo, opts->branch);
        if (rc == DK_ENOTFOUND) {
            unborn = true;
            memset(&head, 0, sizeof(head));
        } else if (rc < 0) {
            return rc;
        }
        if (unborn && base)
            return dk_error_set(DK_ESTALE, "branch '%s' no longer exists", opts->branch);
        out->head = head;
        if ((rc = dk_land_merge_tree(&out->merge, repo, base, unborn ? NULL : &head, entries, n,
                                     opts->cache)) < 0)
            return rc;
        if (out->merge.conflicts.len > 0)
            return dk_error_set(DK_ECONFLICT, "%zu conflict%s landing on '%s'",
                                out->merge.conflicts.len, out->merge.conflicts.len == 1 ? "" : "s",
                                opts->branch);
        if (opts->dry_run)
            return DK_OK;

        dk_git_commit_opts co = DK_GIT_COMMIT_OPTS_INIT;
        co.author_name = opts->author_name;
        co.author_email = opts->author_email;
        co.fixed_time = opts->time_s != 0;
        co.time = opts->time_s;
        if ((rc = dk_git_commit_write(&commit, repo, &out->merge.tree, unborn ? NULL : &head,
                                      unborn ? 0 : 1, opts->message, &co)) < 0)
            return rc;
        if (opts->prepare && (rc = opts->prepare(opts->ud, &head, &commit)) < 0)
            return rc;
        rc = dk_git_branch_cas(repo, opts->branch, unborn ? NULL : &head, &commit, "dk: land");
        if (rc == DK_OK) {
            out->commit = commit;
            return DK_OK;
        }
        if (opts->abort)
            opts->abort(opts->ud);
        if (rc != DK_ERACE)
            return rc;
        if (out->retries >= opts->max_retries)
            return dk_error_set(DK_EBUSY, "branch '%s' kept moving: gave up after %u retries",
                                opts->branch, out->retries);
        out->retries++;
    }
}
