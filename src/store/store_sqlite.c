/*
 * store/store_sqlite.c - the SQLite backend (the default, embedded store).
 *
 * One sqlite3 handle per pooled connection, opened with SQLITE_OPEN_NOMUTEX:
 * the pool hands a connection to one thread at a time, so SQLite's own
 * per-handle mutex would only cost. Every handle gets
 *
 *     busy_timeout = the store's     foreign_keys = ON     synchronous = NORMAL
 *     case_sensitive_like = ON (LIKE means the same as on PostgreSQL)
 *
 * and a file database is switched to WAL once, at open. Writers begin with
 * BEGIN IMMEDIATE, so they queue on the write lock at the start (through the
 * busy handler) and never fail at COMMIT with a lock upgrade deadlock; WAL
 * lets readers go on meanwhile.
 *
 * Statements are prepared once per connection and kept (48 per connection,
 * LRU, keyed by the SQL text; SQLITE_PREPARE_PERSISTENT): the engine's SQL
 * is constant strings, so parse and plan are paid once. A statement is
 * reset and unbound as soon as its exec ends or its rows are freed, so no
 * cached statement ever holds a read transaction open.
 *
 * WAL checkpoints: every handle has our own WAL hook in place of SQLite's
 * auto-checkpoint, doing what the default does (a PASSIVE checkpoint in the
 * commit that leaves at least SQLITE_CKPT_FRAMES frames in the WAL) except
 * for a commit made with dk_store_commit_deferred: that one only counts the
 * checkpoint as due (`ckpt_due` of the store-wide state), and
 * dk_store_checkpoint runs it later, on a thread whose latency does not
 * matter. Such a due checkpoint is marked done (`ckpt_done`) only by a
 * checkpoint that started after it was counted, so none is lost.
 *
 * Durability: WAL with synchronous=NORMAL survives a process crash (kill -9)
 * with every committed transaction; on power loss or an OS crash the last
 * transactions before the crash may roll back (never corruption), because
 * the WAL is synced at checkpoints, not at each commit.
 *
 * "sqlite::memory:" (tests): a private database per dk_store in a fresh
 * file under /dev/shm (memory-backed; $TMPDIR or /tmp where there is no
 * /dev/shm), in WAL mode like any file, removed by dk_store_close. Why not
 * a real in-memory database: every connection of the pool must see the same
 * database, and SQLite's two ways to share one change the semantics tests
 * are meant to check. Shared-cache mode locks per table and answers
 * SQLITE_LOCKED, which the busy handler never retries, and lets no reader
 * in while a writer is active; the memdb VFS has no WAL, so a reader blocks
 * for the whole of a write transaction. A tmpfs file behaves exactly as
 * the production store does, at memory speed. A process killed before
 * dk_store_close leaves its file behind (dk-mem-*).
 *
 * Errors: unique/primary key violation -> DK_EEXISTS; other constraint
 * violations (NOT NULL, CHECK, FOREIGN KEY) -> DK_EINVALID; SQLITE_BUSY or
 * SQLITE_LOCKED past the busy timeout -> DK_EBUSY; a statement SQLite cannot
 * prepare -> DK_EINVALID; anything else DK_ERROR. Messages start "sqlite: ".
 *
 * Conventions: notifications are in-process (store.c), so notify/listen
 * are NULL here. libsqlite3 is loaded when the first store opens (sqlite.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqlite.h"
#include "store/store_backend.h"
#include "util/alloc.h"

#include "util/banned.h"

struct sqlite_db {
    /* the file name */
    char *path;
    /* "sqlite::memory:": the file is ours, removed at close */
    bool temporary;
    /* flags for sqlite3_open_v2 */
    int flags;
    /* the busy timeout in ms */
    int busy_ms;
    /* deferred checkpoints: counted due by a deferred commit's WAL hook, and
     * the count that the last completed dk_store_checkpoint had seen */
    atomic_uint ckpt_due, ckpt_done;
};

/* WAL frames after a commit that make it checkpoint (SQLite's default auto-checkpoint) */
#define SQLITE_CKPT_FRAMES 1000

/* statements kept prepared per connection */
#define SQLITE_STMT_CACHE 48

/* One prepared statement kept for reuse, keyed by its SQL text. */
struct sqlite_slot {
    /* the SQL (owned), NULL when the slot is empty */
    char *sql;
    size_t len;
    uint32_t hash;
    sqlite3_stmt *st;
    /* last use (the connection's tick), for LRU eviction */
    uint64_t used;
    /* handed out: to the running exec or to open rows */
    bool busy;
};

struct sqlite_conn {
    struct dk_store_conn base;
    sqlite3 *db;
    /* the store-wide state */
    struct sqlite_db *d;
    /* use counter for the slots' LRU */
    uint64_t tick;
    struct sqlite_slot cache[SQLITE_STMT_CACHE];
};

struct sqlite_rows {
    struct dk_store_rows base;
    sqlite3_stmt *st;
    /* the cache slot of st (NULL: st is not cached, finalize it) */
    struct sqlite_slot *slot;
    /* sqlite3_step returned SQLITE_DONE (stepping again would re-run it) */
    bool done;
    /* positioned on a row (the last step returned SQLITE_ROW) */
    bool on_row;
};

/* Map an SQLite result code (with the handle's message) to a dk_err_code. */
static int sqlite_error(sqlite3 *db, int rc, bool preparing)
{
    int ext = db ? sqlite3_extended_errcode(db) : rc;
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int code = DK_ERROR;

    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        code = (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
                   ? DK_EEXISTS
                   : DK_EINVALID;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = DK_EBUSY;
        break;
    case SQLITE_ERROR:
        code = preparing ? DK_EINVALID : DK_ERROR;
        break;
    case SQLITE_TOOBIG:
        code = DK_ELIMIT;
        break;
    default:
        break;
    }
    return dk_error_set(code, "sqlite: %s", msg);
}

/* Open one handle on the database with the per-connection settings. */
static int sqlite_handle_open(sqlite3 **out, struct sqlite_db *d)
{
    sqlite3 *db = NULL;
    char *err = NULL;
    int rc = sqlite3_open_v2(d->path, &db, d->flags, NULL);

    *out = NULL;
    if (rc != SQLITE_OK) {
        dk_error_set(DK_ERROR, "sqlite: cannot open '%s': %s", d->path,
                     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close_v2(db);
        return DK_ERROR;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, d->busy_ms);
    /* LIKE is case-sensitive, as on PostgreSQL (SQLite's default folds ASCII case) */
    rc = sqlite3_exec(db,
                      "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; "
                      "PRAGMA case_sensitive_like = ON;",
                      NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        dk_error_set(DK_ERROR, "sqlite: cannot configure '%s': %s", d->path,
                     err ? err : sqlite3_errstr(rc));
        sqlite3_free(err);
        sqlite3_close_v2(db);
        return DK_ERROR;
    }
    *out = db;
    return DK_OK;
}

static void sqlite_db_close(void *arg)
{
    struct sqlite_db *d = arg;
    if (!d)
        return;
    if (d->temporary) {
        static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
        for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
            char name[4200];
            snprintf(name, sizeof(name), "%s%s", d->path, suffixes[i]);
            unlink(name);
        }
    }
    free(d->path);
    free(d);
}

/* A fresh private file for "sqlite::memory:" (see the note at the top). */
static int sqlite_temp_path(char **out)
{
    const char *dir = "/dev/shm";
    char tmpl[4096];
    int fd;

    if (access(dir, W_OK) != 0) {
        dir = getenv("TMPDIR");
        if (!dir || !dir[0])
            dir = "/tmp";
    }
    snprintf(tmpl, sizeof(tmpl), "%s/dk-mem-XXXXXX", dir);
    fd = mkstemp(tmpl);
    if (fd < 0)
        return dk_error_set(DK_ERROR, "sqlite: cannot create a temporary database in %s: %s", dir,
                            strerror(errno));
    close(fd);
    *out = dk_xstrdup(tmpl);
    return DK_OK;
}

static int sqlite_db_open(void **out, dk_store *store, const char *target,
                          const dk_store_opts *opts)
{
    int rc = dk_store_sqlite_load();
    if (rc)
        return rc;
    struct sqlite_db *d = dk_xcalloc(1, sizeof(*d));
    sqlite3 *db = NULL;
    char *err = NULL;

    (void)store;
    *out = NULL;
    d->busy_ms = opts->busy_timeout_ms > INT_MAX ? INT_MAX : (int)opts->busy_timeout_ms;
    d->flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (strcmp(target, ":memory:") == 0) {
        if ((rc = sqlite_temp_path(&d->path)) < 0)
            goto fail;
        d->temporary = true;
    } else {
        d->path = dk_xstrdup(target);
    }
    if ((rc = sqlite_handle_open(&db, d)) < 0)
        goto fail;
    /* WAL is a property of the file: set once, every later handle sees it */
    rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        rc = dk_error_set(rc == SQLITE_BUSY ? DK_EBUSY : DK_ERROR,
                          "sqlite: cannot switch '%s' to wal: %s", d->path,
                          err ? err : sqlite3_errstr(rc));
        sqlite3_free(err);
        sqlite3_close_v2(db);
        goto fail;
    }
    sqlite3_close_v2(db);
    *out = d;
    return DK_OK;
fail:
    sqlite_db_close(d);
    return rc;
}

/*
 * A PASSIVE checkpoint of `db`'s WAL `name`. When it copied every frame, the
 * due checkpoints counted before it started are done (a reader's snapshot
 * can keep the newest frames from being copied; then they stay due).
 */
static int sqlite_ckpt_passive(struct sqlite_db *d, sqlite3 *db, const char *name)
{
    unsigned due = atomic_load(&d->ckpt_due);
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc == SQLITE_OK && done == log)
        atomic_store(&d->ckpt_done, due);
    return rc;
}

/*
 * The WAL hook of every pooled handle, run by SQLite after each commit with
 * the frames now in the WAL. It replaces the auto-checkpoint (the same
 * threshold, the same PASSIVE checkpoint, whose result is ignored as SQLite's
 * own hook ignores it) except in a deferred commit, which only counts the
 * checkpoint as due.
 */
static int sqlite_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    struct sqlite_conn *c = arg;
    if (frames < SQLITE_CKPT_FRAMES)
        return SQLITE_OK;
    if (c->base.defer_checkpoint) {
        atomic_fetch_add(&c->d->ckpt_due, 1);
        return SQLITE_OK;
    }
    (void)sqlite_ckpt_passive(c->d, db, name); /* a complete one also clears the due ones */
    return SQLITE_OK;
}

static int sqlite_conn_open(dk_store_conn **out, void *arg)
{
    struct sqlite_conn *c;
    sqlite3 *db;
    int rc = sqlite_handle_open(&db, arg);
    if (rc < 0)
        return rc;
    c = dk_xcalloc(1, sizeof(*c));
    c->db = db;
    c->d = arg;
    sqlite3_wal_hook(db, sqlite_wal_hook, c);
    *out = &c->base;
    return DK_OK;
}

static bool sqlite_checkpoint_due(void *arg)
{
    struct sqlite_db *d = arg;
    return atomic_load(&d->ckpt_due) != atomic_load(&d->ckpt_done);
}

/* A PASSIVE checkpoint of the WAL (see dk_store_checkpoint). */
static int sqlite_checkpoint(dk_store_conn *conn)
{
    struct sqlite_conn *c = (struct sqlite_conn *)conn;
    int rc = sqlite_ckpt_passive(c->d, c->db, "main");
    return rc == SQLITE_OK ? DK_OK : sqlite_error(c->db, rc, false);
}

static void sqlite_conn_close(dk_store_conn *conn)
{
    struct sqlite_conn *c = (struct sqlite_conn *)conn;
    for (size_t i = 0; i < SQLITE_STMT_CACHE; i++) {
        sqlite3_finalize(c->cache[i].st);
        free(c->cache[i].sql);
    }
    sqlite3_close_v2(c->db);
    free(c);
}

static uint32_t sqlite_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/*
 * A prepared statement for `sql`: a cached one that is free (reset, its
 * bindings cleared), or a new one, which takes the least recently used
 * free slot. Every statement the engine runs is a constant string, so the
 * cache saves the parse and plan of nearly every call (a point SELECT goes
 * from about 25 to a few microseconds). *slot is NULL when the statement
 * could not be cached (every slot busy): finalize it after use.
 */
static int sqlite_stmt_get(sqlite3_stmt **out, struct sqlite_slot **slot, struct sqlite_conn *c,
                           const char *sql)
{
    size_t len = strlen(sql);
    uint32_t h = sqlite_hash(sql, len);
    struct sqlite_slot *victim = NULL;
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;

    *out = NULL;
    *slot = NULL;
    for (size_t i = 0; i < SQLITE_STMT_CACHE; i++) {
        struct sqlite_slot *sl = &c->cache[i];
        if (sl->busy)
            continue;
        if (sl->sql && sl->hash == h && sl->len == len && memcmp(sl->sql, sql, len) == 0) {
            sl->busy = true;
            sl->used = ++c->tick;
            *out = sl->st;
            *slot = sl;
            return DK_OK;
        }
        if (!victim || !sl->sql || (victim->sql && sl->used < victim->used))
            victim = sl;
    }

    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, &tail);
    if (rc != SQLITE_OK)
        return sqlite_error(c->db, rc, true);
    if (!st)
        return dk_error_set(DK_EINVALID, "sqlite: empty statement");
    while (tail &&
           (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';'))
        tail++;
    if (tail && *tail) {
        sqlite3_finalize(st);
        return dk_error_set(DK_EINVALID, "sqlite: more than one statement in one call");
    }
    if (victim) {
        sqlite3_finalize(victim->st);
        free(victim->sql);
        victim->sql = dk_xstrndup(sql, len);
        victim->len = len;
        victim->hash = h;
        victim->st = st;
        victim->busy = true;
        victim->used = ++c->tick;
        *slot = victim;
    }
    *out = st;
    return DK_OK;
}

/* Give a statement back: reset and unbound in its slot, or finalized. */
static void sqlite_stmt_put(sqlite3_stmt *st, struct sqlite_slot *slot)
{
    if (!slot) {
        sqlite3_finalize(st);
        return;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    slot->busy = false;
}

/* A statement for `sql` with its parameters bound. */
static int sqlite_prepare(sqlite3_stmt **out, struct sqlite_slot **slot, struct sqlite_conn *c,
                          const char *sql, const dk_store_val *params, size_t nparams)
{
    sqlite3_stmt *st;
    int rc = sqlite_stmt_get(&st, slot, c, sql);

    *out = NULL;
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < nparams; i++) {
        const dk_store_val *v = &params[i];
        int idx = (int)i + 1;
        switch (v->type) {
        case DK_SV_NULL_T:
            rc = sqlite3_bind_null(st, idx);
            break;
        case DK_SV_INT_T:
            rc = sqlite3_bind_int64(st, idx, v->i);
            break;
        case DK_SV_TEXT_T: {
            size_t len = v->len == (size_t)-1 ? strlen(v->s) : v->len;
            if (len > INT_MAX) {
                sqlite_stmt_put(st, *slot);
                return dk_error_set(DK_ELIMIT, "sqlite: parameter %d is too long", idx);
            }
            rc = sqlite3_bind_text(st, idx, v->s, (int)len, SQLITE_TRANSIENT);
            break;
        }
        }
        if (rc != SQLITE_OK) {
            rc = sqlite_error(c->db, rc, false);
            sqlite_stmt_put(st, *slot);
            return rc;
        }
    }
    *out = st;
    return DK_OK;
}

static int sqlite_exec(dk_store_conn *conn, int64_t *changes, const char *sql,
                       const dk_store_val *params, size_t nparams)
{
    struct sqlite_conn *c = (struct sqlite_conn *)conn;
    struct sqlite_slot *slot;
    sqlite3_stmt *st;
    int rc = sqlite_prepare(&st, &slot, c, sql, params, nparams);
    if (rc < 0)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    if (rc != SQLITE_DONE) {
        rc = sqlite_error(c->db, rc, false);
        sqlite_stmt_put(st, slot);
        return rc;
    }
    *changes = sqlite3_changes64(c->db);
    sqlite_stmt_put(st, slot);
    return DK_OK;
}

static int sqlite_exec_script(dk_store_conn *conn, const char *sql)
{
    struct sqlite_conn *c = (struct sqlite_conn *)conn;
    char *err = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        int code = sqlite_error(c->db, rc, false);
        dk_error_set(code, "sqlite: %s", err ? err : sqlite3_errstr(rc));
        sqlite3_free(err);
        return code;
    }
    return DK_OK;
}

static int sqlite_query(dk_store_rows **out, dk_store_conn *conn, const char *sql,
                        const dk_store_val *params, size_t nparams)
{
    struct sqlite_conn *c = (struct sqlite_conn *)conn;
    struct sqlite_slot *slot;
    struct sqlite_rows *r;
    sqlite3_stmt *st;
    int rc = sqlite_prepare(&st, &slot, c, sql, params, nparams);
    if (rc < 0)
        return rc;
    r = dk_xcalloc(1, sizeof(*r));
    r->st = st;
    r->slot = slot;
    *out = &r->base;
    return DK_OK;
}

static int sqlite_rows_next(dk_store_rows *rows)
{
    struct sqlite_rows *r = (struct sqlite_rows *)rows;
    r->on_row = false;
    if (r->done)
        return 0;
    int rc = sqlite3_step(r->st);
    if (rc == SQLITE_ROW) {
        r->on_row = true;
        return 1;
    }
    r->done = true;
    if (rc == SQLITE_DONE)
        return 0;
    return sqlite_error(sqlite3_db_handle(r->st), rc, false);
}

/* SQLite leaves reading off a row or past the last column undefined: the
 * same calls answer NULL / 0 here, as they do on PostgreSQL. */
static bool sqlite_rows_valid(const struct sqlite_rows *r, int col)
{
    return r->on_row && col >= 0 && col < sqlite3_column_count(r->st);
}

static bool sqlite_rows_is_null(dk_store_rows *rows, int col)
{
    struct sqlite_rows *r = (struct sqlite_rows *)rows;
    return !sqlite_rows_valid(r, col) || sqlite3_column_type(r->st, col) == SQLITE_NULL;
}

static int64_t sqlite_rows_int(dk_store_rows *rows, int col)
{
    struct sqlite_rows *r = (struct sqlite_rows *)rows;
    return sqlite_rows_valid(r, col) ? sqlite3_column_int64(r->st, col) : 0;
}

static const char *sqlite_rows_text(dk_store_rows *rows, int col, size_t *len)
{
    struct sqlite_rows *r = (struct sqlite_rows *)rows;
    const char *s = NULL;
    if (sqlite_rows_valid(r, col))
        s = (const char *)sqlite3_column_text(r->st, col);
    if (len)
        *len = s ? (size_t)sqlite3_column_bytes(r->st, col) : 0;
    return s;
}

static void sqlite_rows_free(dk_store_rows *rows)
{
    struct sqlite_rows *r = (struct sqlite_rows *)rows;
    sqlite_stmt_put(r->st, r->slot);
    free(r);
}

const struct store_backend dk_store_backend_sqlite = {
    .version = STORE_BACKEND_VERSION,
    .name = "sqlite",
    .kind = DK_STORE_SQLITE,
    .numbered_params = false,
    .begin_sql = "BEGIN IMMEDIATE",
    .migrate_lock_sql = NULL,
    .db_open = sqlite_db_open,
    .stop = NULL,
    .db_close = sqlite_db_close,
    .conn_open = sqlite_conn_open,
    .conn_close = sqlite_conn_close,
    .reset = NULL,
    .check = NULL,
    .exec = sqlite_exec,
    .exec_script = sqlite_exec_script,
    .query = sqlite_query,
    .rows_next = sqlite_rows_next,
    .rows_is_null = sqlite_rows_is_null,
    .rows_int = sqlite_rows_int,
    .rows_text = sqlite_rows_text,
    .rows_free = sqlite_rows_free,
    .checkpoint_due = sqlite_checkpoint_due,
    .checkpoint = sqlite_checkpoint,
    .notify = NULL,
    .listen = NULL,
};
