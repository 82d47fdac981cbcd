/*
 * store/store.h - the durable store: one interface, two real backends
 * (SQLite in WAL mode, PostgreSQL through libpq), the same migrations and
 * the same test suite for both (DESIGN.md decision 8).
 *
 * Shape. The interface is a small relational core - a pool of connections,
 * transactions, statements with typed parameters, rows, notifications - and
 * not one typed function per engine record. Why: every engine query is then
 * written once, in portable SQL, and run unchanged on both backends, so the
 * two implementations cannot drift apart in meaning; a backend is 500-700
 * lines of driver glue (the vtable in store_backend.h), which is what
 * git_odb_backend and SQLite's VFS keep small for the same reason. The
 * engine's queries live beside the engine code that needs them.
 *
 * The SQL dialect both backends accept (keep to it):
 *  - placeholders are `?` (rewritten to $1, $2, ... for PostgreSQL; a `?`
 *    inside a '...' literal, a "..." identifier or a comment is not a
 *    placeholder; no E'...' or $$...$$ strings, no `?` operators);
 *  - types BIGINT and TEXT only (content lives in git, never in the store;
 *    timestamps are BIGINT milliseconds since the epoch, ids are TEXT);
 *  - INSERT ... ON CONFLICT (cols) DO NOTHING / DO UPDATE SET c = excluded.c,
 *    UPDATE/DELETE/INSERT ... RETURNING, COALESCE, CASE, LIKE with ESCAPE '\',
 *    ORDER BY/LIMIT/OFFSET; no AUTOINCREMENT/SERIAL (counters are rows);
 *  - ORDER BY a nullable column says NULLS FIRST or NULLS LAST (the two
 *    databases default to opposite ends); every selected column is grouped
 *    or aggregated (PostgreSQL refuses SQLite's bare columns);
 *  - text compares byte by byte and LIKE is case-sensitive on both; a
 *    boolean expression (a = b, EXISTS) reads as 1/0 on both;
 *  - a migration line starting with `-- sqlite: ` or `-- postgresql: ` is
 *    run (without that prefix) only on that backend.
 *
 * URLs: "sqlite:PATH" (the file is created; WAL, synchronous=NORMAL,
 * foreign_keys=ON, busy_timeout), "sqlite::memory:" (a private database
 * per dk_store, shared by its connections, gone at dk_store_close; for
 * tests. It is a WAL file on /dev/shm, not SQLite's shared cache, so that
 * readers and writers behave exactly as with a file: see store_sqlite.c),
 * "postgresql://..." or "postgres://..." (any libpq connection URI;
 * "host=... dbname=..." key/value strings are accepted too).
 *
 * Refinements of the first draft of this contract (same shape):
 *  - A statement that fails inside a transaction poisons it on BOTH
 *    backends (PostgreSQL aborts the transaction by nature): every later
 *    statement returns the first failure's code, dk_store_commit rolls
 *    back and returns it. Test for existence with ON CONFLICT DO NOTHING
 *    and `changes`, not by catching DK_EEXISTS mid-transaction.
 *  - Other constraint violations (NOT NULL, CHECK, FOREIGN KEY) are
 *    DK_EINVALID; a statement's `?` count must equal nparams (DK_EINVALID);
 *    TEXT parameters are checked for UTF-8 and NUL on both backends.
 *  - DK_EBUSY also on PostgreSQL: a lock wait longer than busy_timeout_ms
 *    (lock_timeout) fails the statement, as SQLite's busy timeout does.
 *  - A notification callback may get payload NULL: the PostgreSQL listener
 *    lost its connection and reconnected, so notifications on that channel
 *    may have been missed; re-read what the channel invalidates.
 *  - Counters: `UPDATE ... SET n = n + 1 ... RETURNING n` inside the
 *    transaction. READ COMMITTED does not make read-then-write safe on
 *    PostgreSQL; a single UPDATE is atomic on both backends. Likewise
 *    "SELECT, then INSERT if absent" is safe on SQLite (writers are
 *    serialised) but races on PostgreSQL: let a unique key decide
 *    (INSERT ... ON CONFLICT DO NOTHING and `changes`), or lock the row
 *    you read with an UPDATE first.
 *  - Added: dk_store_fault_inject (tests). Behind the interface: both
 *    backends keep statements prepared per connection; a PostgreSQL
 *    connection the server closed while it sat idle in the pool is
 *    replaced when taken (no round trip), and BEGIN on a connection found
 *    dead reconnects and retries once.
 *
 * Conventions:
 *  - Errors: DK_OK or a negative dk_err_code; detail in dk_error_last():
 *    DK_EINVALID for a bad URL or SQL the backend rejects as malformed,
 *    DK_EEXISTS for a unique/primary-key violation, DK_EBUSY when the pool or
 *    the database stays busy past the timeout, DK_ERACE for a serialization
 *    failure or deadlock (the caller may retry the whole transaction),
 *    DK_ERROR for everything else (I/O, lost connection).
 *  - Threads: a dk_store is shared by every thread; each thread takes its
 *    own connection with dk_store_acquire and gives it back with
 *    dk_store_release. A connection, its transaction and its rows are used
 *    by one thread at a time.
 *  - Ownership: strings read from rows are borrowed and valid until the next
 *    dk_store_rows_next or dk_store_rows_free on those rows.
 */
#ifndef DK_STORE_STORE_H
#define DK_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dk/errors.h"

/** The store: a pool of connections to one database. Thread-safe. */
typedef struct dk_store dk_store;

/** One pooled connection. One thread at a time. */
typedef struct dk_store_conn dk_store_conn;

/** Rows of one query. One thread at a time; at most one open per connection. */
typedef struct dk_store_rows dk_store_rows;

typedef enum dk_store_kind {
    DK_STORE_SQLITE = 1,
    DK_STORE_POSTGRESQL = 2,
} dk_store_kind;

/** Options of dk_store_open. Initialise with DK_STORE_OPTS_INIT. */
typedef struct dk_store_opts {
    unsigned version;
    /* most connections the pool opens (default 8) */
    unsigned max_conns;
    /* how long dk_store_acquire and a busy database wait, in ms (default 10000) */
    unsigned busy_timeout_ms;
} dk_store_opts;

#define DK_STORE_OPTS_VERSION 1
#define DK_STORE_OPTS_INIT                                                                         \
    {                                                                                              \
        .version = DK_STORE_OPTS_VERSION, .max_conns = 8, .busy_timeout_ms = 10000                 \
    }

/**
 * Open the store named by `url` and bring its schema up to date: every
 * migration not yet applied runs, in order, each in its own transaction
 * (concurrent openers of one database serialise on it; an already-applied
 * migration is skipped). Thread-safe.
 * @param[out] out the store; close with dk_store_close
 * @param opts may be NULL (defaults)
 * @return DK_OK; DK_EINVALID for an unknown or malformed URL; DK_ERROR if
 *         the database cannot be opened or a migration fails (nothing of the
 *         failed migration is applied)
 */
int dk_store_open(dk_store **out, const char *url, const dk_store_opts *opts);

/**
 * Close the store: first stop the listener threads (a running callback is
 * waited for, and may still use the store; queued in-process notifications
 * are delivered), then close every pooled connection and free the store.
 * Every connection taken by other threads must have been released (checked:
 * abort otherwise). Never call it from a listener callback. NULL is a no-op.
 */
void dk_store_close(dk_store *store);

/** Which backend this store runs on. */
dk_store_kind dk_store_kind_of(const dk_store *store);

/** The schema version (number of the newest applied migration). */
int dk_store_schema_version(int *out, dk_store *store);

/**
 * Take a connection from the pool, opening one if the pool is below
 * max_conns; otherwise wait up to busy_timeout_ms.
 * @return DK_OK; DK_EBUSY on timeout; DK_ERROR if a new connection fails
 */
int dk_store_acquire(dk_store_conn **out, dk_store *store);

/**
 * Give a connection back. An open transaction is rolled back and open rows
 * are freed first; a connection that failed at the transport level is
 * closed instead of pooled. NULL is a no-op.
 */
void dk_store_release(dk_store_conn *conn);

/**
 * Begin a write transaction (SQLite: BEGIN IMMEDIATE, so writers serialise
 * at the start and never deadlock at commit; PostgreSQL: BEGIN, READ
 * COMMITTED). Nested calls are an error (DK_EINVALID).
 */
int dk_store_begin(dk_store_conn *conn);

/**
 * Commit. On failure the transaction is rolled back and the error returned,
 * with one exception no database can avoid: when the connection is lost
 * during COMMIT (PostgreSQL, DK_ERROR "connection lost"), the server may
 * or may not have committed. Nothing is acknowledged on a failed commit, so
 * a caller that retries must write idempotently (ON CONFLICT, or re-read).
 * Pending notifications are delivered only after a successful commit.
 */
int dk_store_commit(dk_store_conn *conn);

/**
 * Commit like dk_store_commit, without the WAL checkpoint the commit may
 * pay. SQLite: a commit that leaves at least 1,000 frames in the WAL copies
 * them into the database before it returns (a few ms every dozen or so
 * commits of a busy writer); this one counts that checkpoint as due
 * instead. The caller must then call dk_store_checkpoint while
 * dk_store_checkpoint_due holds, after the work it does not want delayed,
 * or the WAL grows until an ordinary commit checkpoints it. PostgreSQL:
 * exactly dk_store_commit (nothing is ever due).
 */
int dk_store_commit_deferred(dk_store_conn *conn);

/**
 * True when a dk_store_commit_deferred left a checkpoint due that no
 * completed dk_store_checkpoint has run since. Thread-safe, no I/O.
 */
bool dk_store_checkpoint_due(dk_store *store);

/**
 * Run a checkpoint on a pooled connection (SQLite: PASSIVE: it copies what
 * it can without waiting for, or blocking, any writer or reader, so it may
 * leave frames a reader still needs, and the checkpoint stays due). A no-op
 * when the backend has none (PostgreSQL). Call it outside a transaction.
 * @return DK_OK; DK_EBUSY when no connection is free within the busy
 *         timeout or the database is locked; DK_ERROR otherwise
 */
int dk_store_checkpoint(dk_store *store);

/** Roll back the open transaction, if any. Never fails (errors are traced). */
void dk_store_rollback(dk_store_conn *conn);

/** A statement parameter. Build them with the DK_SV_* macros. */
typedef struct dk_store_val {
    enum { DK_SV_NULL_T = 0, DK_SV_INT_T, DK_SV_TEXT_T } type;
    int64_t i;
    /* TEXT: the bytes (valid UTF-8, no NUL), borrowed for the call */
    const char *s;
    /* TEXT: byte length, or (size_t)-1 for NUL-terminated */
    size_t len;
} dk_store_val;

#define DK_SV_NULL        ((dk_store_val){.type = DK_SV_NULL_T})
#define DK_SV_INT(v)      ((dk_store_val){.type = DK_SV_INT_T, .i = (int64_t)(v)})
#define DK_SV_TEXT(str)   ((dk_store_val){.type = DK_SV_TEXT_T, .s = (str), .len = (size_t)-1})
#define DK_SV_TEXTN(p, n) ((dk_store_val){.type = DK_SV_TEXT_T, .s = (p), .len = (n)})
/* TEXT, or NULL when str is NULL */
#define DK_SV_TEXT_OR_NULL(str) ((str) ? DK_SV_TEXT(str) : DK_SV_NULL)

/**
 * Run one statement that returns no rows (or whose rows are not needed).
 * @param[out] changes may be NULL; rows inserted, updated or deleted
 * @return DK_OK; DK_EEXISTS on a unique violation; see Conventions
 */
int dk_store_exec(dk_store_conn *conn, int64_t *changes, const char *sql,
                  const dk_store_val *params, size_t nparams);

/**
 * Run one query. Rows are read with dk_store_rows_next.
 * @param[out] out the rows; free with dk_store_rows_free before the next
 *                 statement on this connection
 */
int dk_store_query(dk_store_rows **out, dk_store_conn *conn, const char *sql,
                   const dk_store_val *params, size_t nparams);

/**
 * Advance to the next row.
 * @return 1 when positioned on a row, 0 when there are no more, or a
 *         negative dk_err_code
 */
int dk_store_rows_next(dk_store_rows *rows);

/** True when column `col` (0-based) of the current row is NULL. Reading
 *  before the first row, after the last, or past the last column gives
 *  NULL / 0 (on both backends). */
bool dk_store_rows_is_null(dk_store_rows *rows, int col);

/** Column `col` as an integer (0 when NULL). */
int64_t dk_store_rows_int(dk_store_rows *rows, int col);

/** Column `col` as text; NULL when the value is NULL. Borrowed (see Conventions).
 *  @param[out] len may be NULL; the byte length */
const char *dk_store_rows_text(dk_store_rows *rows, int col, size_t *len);

/** Free the rows (the rest are discarded). NULL is a no-op. */
void dk_store_rows_free(dk_store_rows *rows);

/**
 * Convenience: run a query expected to return at most one row with one
 * integer column.
 * @param[out] out the value (untouched when there is no row)
 * @param[out] found may be NULL; whether a row came back
 */
int dk_store_query_int(int64_t *out, bool *found, dk_store_conn *conn, const char *sql,
                       const dk_store_val *params, size_t nparams);

/**
 * Testing: make the `n`-th statement from now on this store (counting
 * dk_store_begin, _exec, _query, _notify and _commit, on every connection)
 * fail with DK_ERROR "store: injected fault" before it reaches the
 * database; 0 disables. A fault inside a transaction poisons it like any
 * failure; a fault on commit rolls it back. Rerunning a scenario for
 * n = 1, 2, ... shows that no failure point leaves half-written state
 * (STYLE.md section 10). Thread-safe.
 */
void dk_store_fault_inject(dk_store *store, unsigned n);

/* ========================================================================== */
/* Locks across nodes                                                         */
/* ========================================================================== */

/** A named lock held across every process on the database (dk_store_lock_take). */
typedef struct dk_store_lock dk_store_lock;

/**
 * Take the lock `name` (non-empty) for every node on this database, waiting
 * as long as another holds it. PostgreSQL: a session-level advisory lock
 * (pg_advisory_lock on a 64-bit hash of the name; two names with one hash
 * only share a queue) on a connection of its own, outside the pool, so the
 * waiters take no pooled connection from the holder, and a process that
 * dies releases it with its connection; lock_timeout is off on it. SQLite:
 * one node per database file, nothing to take (the lock is a token).
 * @return DK_OK (*out set); DK_EINVALID for an empty name; the connection's
 *         error when PostgreSQL cannot be reached (*out NULL)
 */
int dk_store_lock_take(dk_store_lock **out, dk_store *store, const char *name);

/** Release and free a lock from dk_store_lock_take. NULL is a no-op. */
void dk_store_lock_release(dk_store_lock *lock);

/* ========================================================================== */
/* Notifications (cross-node fan-out)                                         */
/* ========================================================================== */

/**
 * Called on the store's listener thread for each notification, one at a
 * time, in order. `payload` is NULL when notifications on `channel` may
 * have been lost (PostgreSQL: the listener reconnected). The callback must
 * not call dk_store_close; it may use the store (acquire, query, notify).
 */
typedef void (*dk_store_notify_cb)(void *payload_ud, const char *channel, const char *payload);

/**
 * Send `payload` (at most 7,000 bytes) on `channel` ([a-z0-9_]+). Inside a
 * transaction it is delivered only if and when the transaction commits.
 * PostgreSQL: NOTIFY, seen by every listener of every process on the
 * database. SQLite: delivered to this dk_store's listeners only (one
 * process owns an SQLite store, through one dk_store).
 * @return DK_OK; DK_EINVALID for a bad channel or payload (not UTF-8);
 *         DK_ELIMIT for a payload over 7,000 bytes; the first failure's
 *         code in a poisoned transaction
 */
int dk_store_notify(dk_store_conn *conn, const char *channel, const char *payload);

/**
 * Listen on `channel`: `cb` is called on a background thread of the store
 * for each notification, in the order sent. Several listeners may be added;
 * they live until dk_store_close. Thread-safe. Notifications committed
 * after this returns are delivered.
 * @return DK_OK; DK_EINVALID for a bad channel or a NULL callback;
 *         DK_ERROR when the thread or (PostgreSQL) the listening
 *         connection cannot be started
 */
int dk_store_listen(dk_store *store, const char *channel, dk_store_notify_cb cb, void *ud);

#endif
