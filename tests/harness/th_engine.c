/*
 * tests/harness/th_engine.c - the engine suites' shared set-up (see
 * th_engine.h): fixture commits through dk_git_*, an engine per test on the
 * store the suite runs on, git fsck (th_git_out) as the independent check, and
 * the small calls every engine suite makes (connect, status, a count from the store).
 */
#include "th_engine.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "store/store.h"
#include "th.h"
#include "th_pg.h"

dk_oid th_blob(dk_git_repo *g, const char *text)
{
    dk_oid id;
    th_assert_ok(dk_git_blob_write(&id, g, text, strlen(text)));
    return id;
}

dk_oid th_commit(dk_git_repo *g, const dk_oid *parent, const th_file *files, size_t n,
                 const char *msg)
{
    dk_git_edit *e = calloc(n ? n : 1, sizeof(*e));
    th_assert(e != NULL);
    for (size_t i = 0; i < n; i++) {
        e[i].path = files[i].path;
        e[i].op = files[i].text ? DK_GIT_EDIT_UPSERT : DK_GIT_EDIT_DELETE;
        if (files[i].text)
            e[i].id = th_blob(g, files[i].text);
        e[i].mode = files[i].mode ? files[i].mode : DK_GIT_MODE_FILE;
    }
    dk_oid tree, commit;
    int rc = dk_git_tree_build(&tree, g, parent, e, n);
    free(e);
    th_assert_ok(rc);
    dk_git_commit_opts o = DK_GIT_COMMIT_OPTS_INIT;
    o.author_name = "T";
    o.author_email = "t@example.com";
    o.fixed_time = true;
    o.time = 1700000000;
    th_assert_ok(dk_git_commit_write(&commit, g, &tree, parent, parent ? 1 : 0, msg, &o));
    return commit;
}

dk_oid th_commit_on(dk_git_repo *g, const char *branch, const th_file *files, size_t n,
                    const char *msg)
{
    dk_oid tip;
    int rc = dk_git_branch_read(&tip, g, branch);
    if (rc != DK_ENOTFOUND)
        th_assert_ok(rc);
    bool born = rc == DK_OK;
    dk_oid commit = th_commit(g, born ? &tip : NULL, files, n, msg);
    th_assert_ok(dk_git_branch_cas(g, branch, born ? &tip : NULL, &commit, NULL));
    return commit;
}

void th_engine_store(th_engine *t, const char *pg_prefix)
{
    memset(t, 0, sizeof(*t));
    if (pg_prefix)
        th_pg_db_create(t->url, sizeof(t->url), t->pg_db, sizeof(t->pg_db), pg_prefix);
    else
        snprintf(t->url, sizeof(t->url), "sqlite:%s/dk.db", th_tmpdir());
    snprintf(t->data, sizeof(t->data), "%s/data", th_tmpdir());
}

dk_git_repo *th_engine_src(th_engine *t)
{
    snprintf(t->src, sizeof(t->src), "%s/src.git", th_tmpdir());
    dk_git_repo *g;
    th_assert_ok(dk_git_repo_init(&g, t->src));
    return g;
}

void th_engine_open(th_engine *t, const dk_engine_opts *base)
{
    dk_engine_opts o = DK_ENGINE_OPTS_INIT;
    if (base)
        o = *base;
    if (!t->data[0])
        snprintf(t->data, sizeof(t->data), "%s/data", th_tmpdir());
    o.data_dir = t->data;
    o.store_url = t->url[0] ? t->url : NULL;
    o.gc_interval_ms = 0;
    th_assert_ok(dk_engine_open(&t->e, &o));
}

void th_engine_close(th_engine *t)
{
    dk_engine_close(t->e);
    t->e = NULL;
}

void th_engine_done(th_engine *t)
{
    th_engine_close(t);
    th_pg_db_drop(t->pg_db);
}

const char *th_engine_repo_path(th_engine *t, const char *repo)
{
    static char path[4096];
    dk_repo_info *info;
    th_assert_ok(dk_repo_get(&info, t->e, repo));
    snprintf(path, sizeof(path), "%s", info->path);
    dk_repo_infos_free(info, 1);
    return path;
}

void th_engine_fsck(th_engine *t, const char *repo)
{
    free(th_git_out(th_engine_repo_path(t, repo), "fsck --strict --no-progress --no-dangling"));
}

const char *th_connect(th_engine *t, const dk_caller *caller, const char *repo,
                       const char *agent_id, const char *name, const char *intent)
{
    static char ids[64][64];
    static atomic_uint next;
    dk_connect_opts o = DK_CONNECT_OPTS_INIT;
    o.repo = repo;
    o.intent = intent;
    o.agent_id = agent_id;
    o.agent_name = name;
    dk_session_info *info;
    th_assert_ok(dk_session_connect(&info, t->e, caller, &o));
    char *slot = ids[atomic_fetch_add(&next, 1) % 64];
    snprintf(slot, 64, "%s", info->session_id);
    dk_session_infos_free(info, 1);
    return slot;
}

dk_session_info *th_status(th_engine *t, const char *sid)
{
    dk_session_info *info;
    th_assert_ok(dk_session_status(&info, t->e, NULL, sid));
    return info;
}

int64_t th_count(th_engine *t, const char *sql, const char *arg)
{
    dk_store_conn *c;
    th_assert_ok(dk_store_acquire(&c, dk_eng_store(t->e)));
    int64_t n = -1;
    bool found;
    dk_store_val p[] = {DK_SV_TEXT(arg ? arg : "")};
    int rc = dk_store_query_int(&n, &found, c, sql, p, arg ? 1 : 0);
    dk_store_release(c);
    th_assert_ok(rc);
    return n;
}
