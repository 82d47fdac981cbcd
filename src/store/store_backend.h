/*
 * store/store_backend.h - the vtable a store backend implements (the
 * git_odb_backend / SQLite VFS model), and the generic parts of a connection
 * and of a row set that store.c manages for every backend.
 *
 * Division of labour. store.c owns everything that must mean the same on
 * every backend: the pool, transaction state (a failed statement poisons the
 * open transaction on both backends), placeholder checking and `?` -> `$n`
 * rewriting, the migrations runner, channel/payload validation, and the
 * delivery of notifications to listeners. A backend only drives its
 * library: open a database and its connections, run one statement with text
 * or integer parameters, step through rows, and map its errors onto
 * dk_err_code.
 *
 * Layout. A backend's connection struct begins with `struct dk_store_conn`
 * and its rows struct with `struct dk_store_rows`, so store.c and the
 * backend share one allocation:
 *
 *     struct sqlite_conn { struct dk_store_conn base; sqlite3 *db; ... }
 *     struct pg_rows     { struct dk_store_rows base; PGresult *res; ... }
 *
 * Threads: every vtable call on a connection or its rows happens on the one
 * thread holding that connection; db_open/db_close/listen are called by
 * store.c with no lock held and must be thread-safe themselves.
 */
#ifndef DK_STORE_STORE_BACKEND_H
#define DK_STORE_STORE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/str.h"

/* A notification waiting for its transaction to commit (in-process delivery). */
struct store_note {
    /* the next one, in the order sent */
    struct store_note *next;
    /* points into `buf` */
    char *channel;
    /* points into `buf`; NULL for a "notifications may have been lost" mark */
    char *payload;
    /* channel NUL payload NUL */
    char buf[];
};

/* The generic head of every backend connection. Zeroed by the backend. */
struct dk_store_conn {
    /* the store this connection belongs to */
    dk_store *store;
    /* a transaction is open (dk_store_begin succeeded, no commit/rollback yet) */
    bool in_tx;
    /* the error code of the first statement that failed inside the open
     * transaction (0: none); every later statement is refused with it */
    int tx_failed;
    /* the COMMIT running now is dk_store_commit_deferred's: the backend leaves its
     * WAL checkpoint due instead of running it */
    bool defer_checkpoint;
    /* the transport failed: close on release instead of pooling */
    bool broken;
    /* the rows open on this connection, if any (at most one) */
    dk_store_rows *rows;
    /* in-process backends: notifications of the open transaction, in order */
    struct store_note *notes;
    /* tail link of `notes` (points at `notes` when empty) */
    struct store_note **notes_tail;
    /* next idle connection of the pool (valid only while pooled) */
    dk_store_conn *next_idle;
};

/* The generic head of every backend row set. */
struct dk_store_rows {
    /* the connection the rows came from */
    dk_store_conn *conn;
};

#define STORE_BACKEND_VERSION 1

struct store_backend {
    /* STORE_BACKEND_VERSION */
    unsigned version;
    /* "sqlite", "postgresql" (messages) */
    const char *name;
    dk_store_kind kind;
    /* placeholders are numbered ($1, $2, ...) instead of `?` */
    bool numbered_params;
    /* the statement that begins a write transaction */
    const char *begin_sql;
    /* run right after begin_sql in a migration transaction so that
     * concurrent migrators serialise; NULL when begin_sql already does */
    const char *migrate_lock_sql;

    /*
     * Open the database `target` (the URL without its scheme for SQLite, the
     * whole URL for PostgreSQL). `*out` is the backend's store-wide state,
     * shared by all its connections. Errors: DK_EINVALID for a malformed
     * target, DK_ERROR otherwise (message set).
     */
    int (*db_open)(void **out, dk_store *store, const char *url, const dk_store_opts *opts);
    /* Stop the backend's listener thread, if any (no callback runs after
     * it returns); NULL when there is none. Called before the pool closes. */
    void (*stop)(void *db);
    /* Free the store-wide state; every connection is closed already. */
    void (*db_close)(void *db);
    /* Open one connection (head zeroed except `store`, set by store.c). */
    int (*conn_open)(dk_store_conn **out, void *db);
    void (*conn_close)(dk_store_conn *conn);
    /* Reopen the transport of a connection marked broken, in place (NULL:
     * the backend has no transport to lose). Used only to retry BEGIN. */
    int (*reset)(dk_store_conn *conn);
    /* Cheap liveness check of an idle connection taken from the pool, no
     * round trip (NULL: none); an error makes store.c close it and open
     * another. */
    int (*check)(dk_store_conn *conn);

    /* One statement; `sql` already uses this backend's placeholders. */
    int (*exec)(dk_store_conn *conn, int64_t *changes, const char *sql, const dk_store_val *params,
                size_t nparams);
    /* Several statements without parameters (migrations). */
    int (*exec_script)(dk_store_conn *conn, const char *sql);
    int (*query)(dk_store_rows **out, dk_store_conn *conn, const char *sql,
                 const dk_store_val *params, size_t nparams);
    int (*rows_next)(dk_store_rows *rows);
    bool (*rows_is_null)(dk_store_rows *rows, int col);
    int64_t (*rows_int)(dk_store_rows *rows, int col);
    const char *(*rows_text)(dk_store_rows *rows, int col, size_t *len);
    void (*rows_free)(dk_store_rows *rows);

    /*
     * Deferred WAL checkpoints (NULL, both: the backend has none to defer).
     * checkpoint_due: a deferred commit left a checkpoint that no completed
     * checkpoint has run since (thread-safe, no connection). checkpoint: run
     * one without blocking writers or readers, on `conn` (outside a
     * transaction), and mark the due ones done when it copied everything.
     */
    bool (*checkpoint_due)(void *db);
    int (*checkpoint)(dk_store_conn *conn);

    /*
     * Cross-process notifications. NULL for in-process delivery (store.c
     * queues notifications with the transaction and delivers them after
     * COMMIT). Otherwise `notify` sends through the database (which delivers
     * on commit) and `listen` makes the backend's listener, a thread of its
     * own, pass each notification on `channel` to dk_store_deliver.
     */
    int (*notify)(dk_store_conn *conn, const char *channel, const char *payload);
    int (*listen)(void *db, const char *channel);
};

extern const struct store_backend dk_store_backend_sqlite;
extern const struct store_backend dk_store_backend_pg;

/**
 * Hand one notification to this store's listeners of `channel`, on the
 * calling thread, in call order. Called by a backend's listener thread.
 * `payload` NULL means "notifications on this channel may have been lost"
 * (the listener reconnected). Thread-safe; must not be called with a
 * backend lock held that a listener callback could need.
 */
void dk_store_deliver(dk_store *store, const char *channel, const char *payload);

/**
 * Append to `out` the text of migration `sql` for backend `kind`: a line
 * starting with "-- sqlite: " or "-- postgresql: " is kept without that
 * prefix on its backend and dropped on the other; other lines are kept.
 * (store.c's migrations runner; exposed for its unit test.)
 */
void dk_store_migration_text(dk_str *out, const char *sql, dk_store_kind kind);

/** The busy timeout of the store, in ms (for backends). */
unsigned dk_store_busy_timeout_ms(const dk_store *store);

#endif
