/*
 * tests/harness/th_engine.h - the set-up the engine suites share: a source
 * repository built with dk_git_* (blobs, commits of a few files on a branch),
 * an engine on a fresh store (SQLite in the test's directory, or a fresh
 * PostgreSQL database from th_pg); th.h's th_git_out checks results with
 * the git CLI.
 *
 * Every helper asserts (th_assert_*): a test never goes on with a half-built
 * fixture. Commits are authored "T <t@example.com>" at a fixed time
 * (1700000000) so their ids are the same in every run.
 */
#ifndef DK_TESTS_TH_ENGINE_H
#define DK_TESTS_TH_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/engine.h"

#include "git/git.h"

/** One file of a fixture commit: text NULL deletes the path; mode 0 is a regular file. */
typedef struct th_file {
    const char *path;
    const char *text;
    unsigned mode;
} th_file;

/** Write `text` as a blob of `g`. */
dk_oid th_blob(dk_git_repo *g, const char *text);

/**
 * Commit `files` on top of `parent` (NULL: a root commit) with message `msg`;
 * no branch moves. The tree is the parent's with the files written or deleted.
 */
dk_oid th_commit(dk_git_repo *g, const dk_oid *parent, const th_file *files, size_t n,
                 const char *msg);

/**
 * Commit `files` on branch `branch` (its tip as the parent; unborn: a root
 * commit) and move the branch to the new commit.
 */
dk_oid th_commit_on(dk_git_repo *g, const char *branch, const th_file *files, size_t n,
                    const char *msg);

/** One engine on its own store, data directory and source repository. */
typedef struct th_engine {
    /* the store: "sqlite:<tmpdir>/dk.db", a fresh PostgreSQL database's URL, or "" (the
     * engine's default store in its data directory) */
    char url[1024];
    /* the PostgreSQL database to drop at th_engine_done ("" for none) */
    char pg_db[64];
    /* <tmpdir>/data */
    char data[4096];
    /* <tmpdir>/src.git, the source repository th_engine_src creates */
    char src[4096];
    dk_engine *e;
} th_engine;

/**
 * Choose the store of `t` for this test: a fresh PostgreSQL database named
 * after `pg_prefix` (th_pg_db_create; the test fails without a server), or
 * with pg_prefix NULL the SQLite file <tmpdir>/dk.db. Sets the data directory.
 */
void th_engine_store(th_engine *t, const char *pg_prefix);

/** A bare repository at <tmpdir>/src.git (t->src), returned open (close it with dk_git_repo_close).
 */
dk_git_repo *th_engine_src(th_engine *t);

/**
 * Open t->e on t's store and data directory. `base` (NULL: defaults) gives
 * every other option (clock, TTLs, node name); background GC is off
 * (gc_interval_ms 0): the suites run it by hand.
 */
void th_engine_open(th_engine *t, const dk_engine_opts *base);

/** Close t->e (NULL after; a closed engine is a no-op). */
void th_engine_close(th_engine *t);

/** Close t->e and drop its PostgreSQL database, if any: a suite's cleanup. */
void th_engine_done(th_engine *t);

/** The path of repository `repo`'s bare git directory in t->e (static slot). */
const char *th_engine_repo_path(th_engine *t, const char *repo);

/** `git fsck --strict` of repository `repo` of t->e passes. */
void th_engine_fsck(th_engine *t, const char *repo);

/**
 * Connect agent `agent_id` (named `name`; NULL: the engine's "agent-N") to
 * repository `repo` of t->e as `caller` (NULL: the local process) with
 * `intent`. Returns the session id from a ring of 64 static slots: it stays
 * valid for the next 63 calls (from any thread).
 */
const char *th_connect(th_engine *t, const dk_caller *caller, const char *repo,
                       const char *agent_id, const char *name, const char *intent);

/** Session `sid`'s status, read as the local process; free with dk_session_infos_free(s, 1). */
dk_session_info *th_status(th_engine *t, const char *sid);

/**
 * The one integer `sql` answers on t->e's store, with `arg` as its single
 * parameter (NULL: the query has none).
 */
int64_t th_count(th_engine *t, const char *sql, const char *arg);

#endif
