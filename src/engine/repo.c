/*
 * engine/repo.c - registered repositories: init, import, list, get, and the
 * per-repository services the rest of the engine borrows (a pool of
 * libgit2 handles, the landing mutex, the path index's home).
 *
 *   <data>/repos/<name>.git   bare, HEAD -> refs/heads/<branch>, gc.auto=0
 *
 * Import copies every branch and tag of a local repository (bare or not)
 * with the history they reach, through libgit2 alone (repo_copy_refs: one
 * pack of the reachable objects, written and indexed into the new bare
 * repository, then the refs): no git process is spawned, and the source is
 * only read. The import then builds the repository's code-context index
 * (dk_context_index), so the first agent request does not.
 *
 * Maintenance: dk owns its repositories' maintenance. gc.auto is 0, so no
 * git command run on the repository prunes on its own, and every overlay
 * blob a live or stranded session names is reachable from the ref
 * refs/dk/sessions/<id> (a tree of the session's overlay, session.c), so
 * even `git gc --prune=now` keeps it (DESIGN.md: nothing the store
 * references is pruned).
 *
 * Invariants: a struct eng_repo is created once per name and lives until
 * the engine closes (repositories are never unregistered), so pointers to it
 * are stable. The store row is the truth; a name this node has not seen yet
 * (registered by another node) is looked up in the store on demand.
 * Threads: repos_lock guards the map; each repository's pool has its own
 * mutex; a handle is used by one thread between acquire and release.
 */
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "dk/context.h"
#include "dk/log.h"

#include "engine/workspace.h"
#include "util/alloc.h"

#include "util/banned.h"

/* Idle handles kept per repository. */
#define REPO_POOL_MAX 16

/* ========================================================================== */
/* Registry                                                                   */
/* ========================================================================== */

static struct eng_repo *repo_new(const char *name, const char *path, const char *branch)
{
    struct eng_repo *r = dk_xcalloc(1, sizeof(*r));
    r->name = dk_xstrdup(name);
    r->path = dk_xstrdup(path);
    r->branch = dk_xstrdup(branch);
    pthread_mutex_init(&r->pool_lock, NULL);
    pthread_mutex_init(&r->land_lock, NULL);
    pthread_rwlock_init(&r->idx_lock, NULL);
    r->paths = (dk_map)DK_MAP_INIT_STR;
    return r;
}

static void repo_free(struct eng_repo *r)
{
    dk_vec_foreach(&r->pool, dk_git_repo **, h)
        dk_git_repo_close(*h);
    dk_vec_release(&r->pool);
    dk_map_foreach(&r->paths, slot) {
        struct eng_pathset *ps = slot->value;
        dk_vec_release(&ps->sessions);
        free(ps);
    }
    dk_map_release(&r->paths);
    pthread_mutex_destroy(&r->pool_lock);
    pthread_mutex_destroy(&r->land_lock);
    pthread_rwlock_destroy(&r->idx_lock);
    free(r->name);
    free(r->path);
    free(r->branch);
    free(r);
}

/* Add to the map unless present; returns the one in the map. */
static struct eng_repo *repo_register(dk_engine *e, struct eng_repo *r)
{
    pthread_rwlock_wrlock(&e->repos_lock);
    struct eng_repo *have = dk_map_get(&e->repos, r->name, strlen(r->name));
    if (!have) {
        dk_map_put(&e->repos, r->name, strlen(r->name), r, NULL);
        have = r;
        r = NULL;
    }
    pthread_rwlock_unlock(&e->repos_lock);
    if (r)
        repo_free(r);
    return have;
}

int dk_eng_repos_load(dk_engine *e)
{
    dk_store_conn *conn;
    int rc = dk_eng_conn(&conn, e);
    if (rc)
        return rc;
    dk_store_rows *rows;
    rc = dk_store_query(&rows, conn, "SELECT name, path, branch FROM repos", NULL, 0);
    if (rc == DK_OK) {
        while ((rc = dk_store_rows_next(rows)) == 1)
            repo_register(e, repo_new(dk_store_rows_text(rows, 0, NULL),
                                      dk_store_rows_text(rows, 1, NULL),
                                      dk_store_rows_text(rows, 2, NULL)));
        dk_store_rows_free(rows);
    }
    dk_store_release(conn);
    return rc < 0 ? rc : DK_OK;
}

void dk_eng_repos_free(dk_engine *e)
{
    dk_map_foreach(&e->repos, slot)
        repo_free(slot->value);
    dk_map_release(&e->repos);
}

int dk_eng_repo_find(struct eng_repo **out, dk_engine *e, const char *name)
{
    if (!name || !*name)
        return dk_error_set(DK_EINVALID, "repository name required");
    pthread_rwlock_rdlock(&e->repos_lock);
    struct eng_repo *r = dk_map_get(&e->repos, name, strlen(name));
    pthread_rwlock_unlock(&e->repos_lock);
    if (r) {
        *out = r;
        return DK_OK;
    }
    /* registered by another node? */
    dk_store_conn *conn;
    int rc = dk_eng_conn(&conn, e);
    if (rc)
        return rc;
    dk_store_rows *rows;
    dk_store_val p[] = {DK_SV_TEXT(name)};
    rc = dk_store_query(&rows, conn, "SELECT name, path, branch FROM repos WHERE name = ?", p, 1);
    if (rc == DK_OK) {
        rc = dk_store_rows_next(rows);
        if (rc == 1) {
            r = repo_register(e, repo_new(dk_store_rows_text(rows, 0, NULL),
                                          dk_store_rows_text(rows, 1, NULL),
                                          dk_store_rows_text(rows, 2, NULL)));
            rc = DK_OK;
        } else if (rc == 0) {
            rc = dk_error_set(DK_ENOTFOUND, "repository '%s' not found", name);
        }
        dk_store_rows_free(rows);
    }
    dk_store_release(conn);
    if (rc == DK_OK)
        *out = r;
    return rc;
}

/* ========================================================================== */
/* Handles and the landing lock                                               */
/* ========================================================================== */

int dk_eng_repo_acquire(dk_git_repo **out, const char **branch, dk_engine *e, const char *repo)
{
    struct eng_repo *r;
    int rc = dk_eng_repo_find(&r, e, repo);
    if (rc)
        return rc;
    if (branch)
        *branch = r->branch;
    pthread_mutex_lock(&r->pool_lock);
    dk_git_repo *h = r->pool.len ? dk_vec_pop(&r->pool) : NULL;
    pthread_mutex_unlock(&r->pool_lock);
    if (!h && (rc = dk_git_repo_open(&h, r->path)))
        return rc;
    *out = h;
    return DK_OK;
}

void dk_eng_repo_release(dk_engine *e, const char *repo, dk_git_repo *handle)
{
    if (!handle)
        return;
    struct eng_repo *r;
    if (dk_eng_repo_find(&r, e, repo)) {
        dk_git_repo_close(handle);
        return;
    }
    pthread_mutex_lock(&r->pool_lock);
    if (r->pool.len < REPO_POOL_MAX) {
        dk_vec_push(&r->pool, handle);
        handle = NULL;
    }
    pthread_mutex_unlock(&r->pool_lock);
    dk_git_repo_close(handle);
}

pthread_mutex_t *dk_eng_repo_land_lock(dk_engine *e, const char *repo)
{
    struct eng_repo *r;
    if (dk_eng_repo_find(&r, e, repo))
        return NULL;
    return &r->land_lock;
}

/* ========================================================================== */
/* Init and import                                                            */
/* ========================================================================== */

static int repo_check_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 100)
        return dk_error_set(DK_EINVALID, "repository name must have 1 to 100 characters");
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return dk_error_set(DK_EINVALID, "repository name '%s' is reserved", name);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return dk_error_set(
                DK_EINVALID, "repository name '%s': only letters, digits, '.', '_' and '-'", name);
    }
    return DK_OK;
}

static int repo_check_branch(const char *branch)
{
    dk_str ref = DK_STR_INIT;
    dk_str_addf(&ref, "refs/heads/%s", branch);
    int valid = 0;
    int rc = git_reference_name_is_valid(&valid, ref.ptr);
    dk_str_release(&ref);
    if (rc < 0 || !valid || !*branch)
        return dk_error_set(DK_EINVALID, "bad branch name '%s'", branch);
    return DK_OK;
}

/* HEAD -> refs/heads/<branch>, gc.auto = 0. */
static int repo_configure(dk_git_repo *g, const char *branch)
{
    git_repository *raw = dk_git_repo_raw(g);
    dk_str ref = DK_STR_INIT;
    dk_str_addf(&ref, "refs/heads/%s", branch);
    int rc = git_repository_set_head(raw, ref.ptr);
    dk_str_release(&ref);
    if (rc < 0)
        return dk_error_from_git(rc, "set HEAD");
    git_config *cfg = NULL;
    rc = git_repository_config(&cfg, raw);
    if (rc == 0)
        rc = git_config_set_int32(cfg, "gc.auto", 0);
    if (rc == 0)
        rc = git_config_set_bool(cfg, "receive.denyNonFastForwards", 1);
    git_config_free(cfg);
    if (rc < 0)
        return dk_error_from_git(rc, "configure repository");
    return DK_OK;
}

static int repo_row_exists(dk_engine *e, const char *name)
{
    dk_store_conn *conn;
    int rc = dk_eng_conn(&conn, e);
    if (rc)
        return rc;
    int64_t one = 0;
    bool found = false;
    dk_store_val p[] = {DK_SV_TEXT(name)};
    rc = dk_store_query_int(&one, &found, conn, "SELECT 1 FROM repos WHERE name = ?", p, 1);
    dk_store_release(conn);
    if (rc)
        return rc;
    if (found)
        return dk_error_set(DK_EEXISTS, "repository '%s' already exists", name);
    return DK_OK;
}

static int repo_insert(dk_engine *e, const char *name, const char *path, const char *branch)
{
    dk_store_conn *conn;
    int rc = dk_eng_conn(&conn, e);
    if (rc)
        return rc;
    dk_store_val p[] = {DK_SV_TEXT(name), DK_SV_TEXT(path), DK_SV_TEXT(branch),
                        DK_SV_INT(dk_eng_now(e))};
    rc = dk_store_exec(
        conn, NULL, "INSERT INTO repos (name, path, branch, created_at) VALUES (?, ?, ?, ?)", p, 4);
    dk_store_release(conn);
    if (rc == DK_EEXISTS)
        return dk_error_set(DK_EEXISTS, "repository '%s' already exists", name);
    if (rc)
        return rc;
    repo_register(e, repo_new(name, path, branch));
    return DK_OK;
}

static char *repo_path_of(dk_engine *e, const char *name)
{
    dk_str s = DK_STR_INIT;
    dk_str_addf(&s, "%s/%s.git", e->repos_dir, name);
    return dk_str_detach(&s, NULL);
}

/* Open the bare repository at `path`, creating it if needed. */
static int repo_create(dk_git_repo **out, const char *path)
{
    int rc = dk_git_repo_init(out, path);
    if (rc == DK_EEXISTS)
        rc = dk_git_repo_open(out, path);
    return rc;
}

int dk_repo_init(dk_engine *e, const char *name, const char *branch)
{
    if (!branch)
        branch = "main";
    int rc = repo_check_name(name);
    if (rc || (rc = repo_check_branch(branch)) || (rc = repo_row_exists(e, name)))
        return rc;
    char *path = repo_path_of(e, name);
    dk_git_repo *g = NULL;
    if ((rc = repo_create(&g, path)) == DK_OK && (rc = repo_configure(g, branch)) == DK_OK)
        rc = repo_insert(e, name, path, branch);
    dk_git_repo_close(g);
    free(path);
    return rc;
}

/* The branch the source's HEAD names (even unborn); malloc'd. */
static int repo_source_branch(char **out, dk_git_repo *src)
{
    git_reference *head = NULL;
    int rc = git_reference_lookup(&head, dk_git_repo_raw(src), "HEAD");
    if (rc < 0)
        return dk_error_from_git(rc, "read the source's HEAD");
    const char *target = git_reference_symbolic_target(head);
    if (!target || strncmp(target, "refs/heads/", 11) != 0) {
        git_reference_free(head);
        return dk_error_set(DK_EINVALID, "the source's HEAD names no branch: give one");
    }
    *out = dk_xstrdup(target + 11);
    git_reference_free(head);
    return DK_OK;
}

/*
 * Copy every branch and tag of `src` into `dest` with the history they
 * reach: one pack of the source's objects (a revision walk from every ref,
 * annotated tags included), written into the destination's object database
 * through its pack writer (indexed as git index-pack would), then the refs
 * created with the same targets. No remote, no transport: the source is only
 * read. (libgit2's local fetch was the first choice; in libgit2 1.5 creating
 * the anonymous remote leaks PCRE2 match data on every call.)
 */
static int repo_copy_refs(dk_git_repo *dest, dk_git_repo *src)
{
    git_repository *sr = dk_git_repo_raw(src), *dr = dk_git_repo_raw(dest);
    git_packbuilder *pb = NULL;
    git_revwalk *walk = NULL;
    git_reference_iterator *it = NULL;
    git_reference *ref = NULL;
    git_odb *odb = NULL;
    git_odb_writepack *wp = NULL;
    dk_vec(git_reference *) refs = DK_VEC_INIT;
    int rc;
    const char *what = "read the source's refs";
    if ((rc = git_packbuilder_new(&pb, sr)) < 0 || (rc = git_revwalk_new(&walk, sr)) < 0 ||
        (rc = git_reference_iterator_new(&it, sr)) < 0)
        goto out;
    bool any_commit = false;
    while ((rc = git_reference_next(&ref, it)) == 0) {
        const char *name = git_reference_name(ref);
        bool wanted = strncmp(name, "refs/heads/", 11) == 0 || strncmp(name, "refs/tags/", 10) == 0;
        if (!wanted || git_reference_type(ref) != GIT_REFERENCE_DIRECT) {
            git_reference_free(ref);
            continue;
        }
        dk_vec_push(&refs, ref);
        const git_oid *target = git_reference_target(ref);
        git_object *obj = NULL, *peeled = NULL;
        what = "walk the source's history";
        if ((rc = git_object_lookup(&obj, sr, target, GIT_OBJECT_ANY)) < 0)
            goto out;
        /* a tag (of a tag ...): every tag object, then what it finally names */
        rc = git_object_dup(&peeled, obj);
        while (rc == 0 && git_object_type(peeled) == GIT_OBJECT_TAG) {
            git_object *next = NULL;
            rc = git_packbuilder_insert(pb, git_object_id(peeled), NULL);
            if (rc == 0 && (rc = git_tag_target(&next, (git_tag *)peeled)) == 0) {
                git_object_free(peeled);
                peeled = next;
            }
        }
        if (rc == 0) {
            if (git_object_type(peeled) == GIT_OBJECT_COMMIT) {
                rc = git_revwalk_push(walk, git_object_id(peeled));
                any_commit = true;
            } else {
                rc = git_packbuilder_insert_recur(pb, git_object_id(peeled), NULL);
            }
        }
        git_object_free(peeled);
        git_object_free(obj);
        if (rc < 0)
            goto out;
    }
    if (rc != GIT_ITEROVER)
        goto out;
    what = "pack the source's objects";
    if (any_commit && (rc = git_packbuilder_insert_walk(pb, walk)) < 0)
        goto out;
    if (git_packbuilder_object_count(pb) > 0) {
        what = "write the pack";
        git_buf pack = GIT_BUF_INIT;
        git_indexer_progress stats;
        if ((rc = git_packbuilder_write_buf(&pack, pb)) < 0)
            goto out;
        if ((rc = git_repository_odb(&odb, dr)) == 0 &&
            (rc = git_odb_write_pack(&wp, odb, NULL, NULL)) == 0 &&
            (rc = wp->append(wp, pack.ptr, pack.size, &stats)) == 0)
            rc = wp->commit(wp, &stats);
        if (rc == 0)
            rc = git_odb_refresh(odb);
        git_buf_dispose(&pack);
        if (rc < 0)
            goto out;
    }
    what = "create the refs";
    for (size_t i = 0; i < refs.len; i++) {
        git_reference *made = NULL;
        rc = git_reference_create(&made, dr, git_reference_name(refs.items[i]),
                                  git_reference_target(refs.items[i]), 1, "dk repo import");
        git_reference_free(made);
        if (rc < 0)
            goto out;
    }
    rc = 0;
out:
    if (rc < 0)
        rc = dk_error_from_git(rc, what);
    if (wp)
        wp->free(wp);
    git_odb_free(odb);
    dk_vec_foreach(&refs, git_reference **, r)
        git_reference_free(*r);
    dk_vec_release(&refs);
    git_reference_iterator_free(it);
    git_revwalk_free(walk);
    git_packbuilder_free(pb);
    return rc;
}

int dk_repo_import(dk_engine *e, const char *name, const char *from_path, const char *branch)
{
    int rc = repo_check_name(name);
    if (rc || (rc = repo_row_exists(e, name)))
        return rc;
    if (!from_path || !*from_path)
        return dk_error_set(DK_EINVALID, "import needs a source repository path");
    dk_git_repo *src = NULL, *g = NULL;
    char *def = NULL, *path = NULL;
    if ((rc = dk_git_repo_open(&src, from_path))) {
        if (rc == DK_ENOTFOUND)
            dk_error_set(DK_ENOTFOUND, "no repository at '%s'", from_path);
        goto out;
    }
    if (!branch) {
        if ((rc = repo_source_branch(&def, src)))
            goto out;
        branch = def;
    }
    if ((rc = repo_check_branch(branch)))
        goto out;
    /* the source must have the branch, unless it has no commit at all */
    dk_oid tip;
    rc = dk_git_branch_read(&tip, src, branch);
    if (rc == DK_ENOTFOUND) {
        git_reference_iterator *it = NULL;
        git_reference *ref = NULL;
        bool any = false;
        if (git_reference_iterator_glob_new(&it, dk_git_repo_raw(src), "refs/heads/*") == 0) {
            any = git_reference_next(&ref, it) == 0;
            git_reference_free(ref);
            git_reference_iterator_free(it);
        }
        if (any) {
            rc = dk_error_set(DK_ENOTFOUND, "the source has no branch '%s'", branch);
            goto out;
        }
    } else if (rc) {
        goto out;
    }
    path = repo_path_of(e, name);
    if ((rc = repo_create(&g, path)) || (rc = repo_copy_refs(g, src)) ||
        (rc = repo_configure(g, branch)))
        goto out;
    if ((rc = repo_insert(e, name, path, branch)))
        goto out;
    /* the code-context index is built now, so no agent's first request pays for it; a failure
     * leaves the repository imported and the index to its first reader */
    dk_git_repo_close(g);
    g = NULL;
    if (dk_context_index(NULL, e, name) != DK_OK)
        dk_trace(DK_TRACE_WARN, "repo", "import %s: building the code-context index: %s", name,
                 dk_error_last()->msg);
out:
    dk_git_repo_close(src);
    dk_git_repo_close(g);
    free(def);
    free(path);
    return rc;
}

/* ========================================================================== */
/* List and get                                                               */
/* ========================================================================== */

static void repo_info_fill(dk_repo_info *info, dk_engine *e, const struct eng_repo *r)
{
    info->name = dk_xstrdup(r->name);
    info->path = dk_xstrdup(r->path);
    info->branch = dk_xstrdup(r->branch);
    info->head[0] = '\0';
    dk_git_repo *g;
    if (dk_eng_repo_acquire(&g, NULL, e, r->name) == DK_OK) {
        dk_oid head;
        if (dk_git_branch_read(&head, g, r->branch) == DK_OK)
            dk_oid_to_hex(info->head, &head);
        dk_eng_repo_release(e, r->name, g);
    }
}

static int repo_cmp(const void *a, const void *b)
{
    return strcmp(((const dk_repo_info *)a)->name, ((const dk_repo_info *)b)->name);
}

int dk_repo_list(dk_repo_info **out, size_t *count, dk_engine *e)
{
    /* pick up repositories registered by other nodes */
    int rc = dk_eng_repos_load(e);
    if (rc)
        return rc;
    dk_vec(struct eng_repo *) all = DK_VEC_INIT;
    pthread_rwlock_rdlock(&e->repos_lock);
    dk_map_foreach(&e->repos, slot)
        dk_vec_push(&all, slot->value);
    pthread_rwlock_unlock(&e->repos_lock);
    dk_repo_info *infos = dk_xcalloc(all.len ? all.len : 1, sizeof(*infos));
    for (size_t i = 0; i < all.len; i++)
        repo_info_fill(&infos[i], e, all.items[i]);
    qsort(infos, all.len, sizeof(*infos), repo_cmp);
    *out = infos;
    *count = all.len;
    dk_vec_release(&all);
    return DK_OK;
}

int dk_repo_get(dk_repo_info **out, dk_engine *e, const char *name)
{
    struct eng_repo *r;
    int rc = dk_eng_repo_find(&r, e, name);
    if (rc)
        return rc;
    dk_repo_info *info = dk_xcalloc(1, sizeof(*info));
    repo_info_fill(info, e, r);
    *out = info;
    return DK_OK;
}

void dk_repo_infos_free(dk_repo_info *infos, size_t count)
{
    if (!infos)
        return;
    for (size_t i = 0; i < count; i++) {
        free(infos[i].name);
        free(infos[i].path);
        free(infos[i].branch);
    }
    free(infos);
}
