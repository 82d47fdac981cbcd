/*
 * store/store.c - the store's backend-independent half: URL dispatch, the
 * connection pool, transactions, statement checks, `?` -> `$n` rewriting,
 * the migrations runner and notification delivery.
 *
 * Everything here must mean the same on SQLite and PostgreSQL, so that the
 * engine's queries and the one test suite run unchanged on both. Where the
 * two databases differ by nature, this file picks one behaviour and
 * enforces it on both:
 *
 *  1. A failed statement inside a transaction poisons it (PostgreSQL aborts
 *     the transaction; SQLite would carry on). Every later statement is
 *     refused and commit rolls back, on both backends.
 *  2. TEXT parameters must be valid UTF-8 without NUL (PostgreSQL rejects
 *     anything else; SQLite would store it), checked here for both.
 *  3. The number of `?` outside string literals, quoted identifiers and
 *     comments must equal the number of parameters (SQLite would bind the
 *     missing ones as NULL).
 *
 * Pool. Connections are opened lazily up to max_conns and kept on an idle
 * stack (LIFO: the warmest connection is reused first). A waiter sleeps on
 * a condition variable with a monotonic deadline. A connection whose
 * transport failed is closed on release, which frees its slot.
 *
 *     dk_store { idle -> conn -> conn -> NULL ; nopen = idle + in use + opening }
 *
 * Notifications. Listeners are an append-only linked list read without a
 * lock (nodes are published with a release store and never freed before
 * dk_store_close), so delivery never allocates or blocks on listen().
 * In-process backends (SQLite) queue a transaction's notifications on its
 * connection; COMMIT and the hand-over to the store's delivery queue happen
 * under `commit_mu`, so queue order is commit order. One delivery thread
 * per store calls the listeners in queue order. PostgreSQL delivers through
 * its own listener thread (store_pg.c), which calls dk_store_deliver.
 *
 * Fault injection (tests): dk_store_fault_inject(s, n) makes the n-th
 * statement from now - begin, exec, query, notify or commit, counted over
 * the whole store - fail with DK_ERROR before it reaches the database, so
 * callers can prove that every failure point leaves no half-written state.
 *
 * Conventions: functions return DK_OK or a negative dk_err_code with
 * dk_error_set; `mu` guards the pool, `qmu` the delivery queue, `lmu` the
 * listener list's tail; no lock is held while calling a backend or a
 * listener.
 */
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dk/log.h"

#include "store/migrations.h"
#include "store/store_backend.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

#define STORE_MAX_PAYLOAD 7000
#define STORE_MAX_CHANNEL 63

struct store_listener {
    /* next listener (published with release ordering; NULL at the end) */
    _Atomic(struct store_listener *) next;
    dk_store_notify_cb cb;
    void *ud;
    char channel[STORE_MAX_CHANNEL + 1];
};

struct dk_store {
    const struct store_backend *be;
    /* the backend's store-wide state */
    void *db;
    dk_store_opts opts;

    /* ---- pool, guarded by mu ---- */
    pthread_mutex_t mu;
    /* signalled when a connection is released or a slot frees up */
    pthread_cond_t cv;
    /* idle connections, a stack through next_idle */
    dk_store_conn *idle;
    /* connections open or being opened (idle + in use) */
    unsigned nopen;

    /* statements until an injected fault (dk_store_fault_inject; 0: none) */
    atomic_uint fault_countdown;

    /* ---- listeners ---- */
    /* guards appends to the list (readers take no lock) */
    pthread_mutex_t lmu;
    _Atomic(struct store_listener *) listeners;

    /* ---- in-process delivery ---- */
    /* held across COMMIT + enqueue of a transaction that has notifications */
    pthread_mutex_t commit_mu;
    /* guards the queue below and the thread state */
    pthread_mutex_t qmu;
    pthread_cond_t qcv;
    struct store_note *q_head;
    struct store_note **q_tail;
    /* the delivery thread runs (started by the first dk_store_listen) */
    bool q_running;
    /* dk_store_close asked the delivery thread to finish */
    bool q_stop;
    pthread_t q_thread;
};

/* ========================================================================== */
/* Small helpers                                                              */
/* ========================================================================== */

static void store_deadline(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void store_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

static bool store_channel_is_valid(const char *channel)
{
    size_t n = 0;
    if (!channel)
        return false;
    for (const char *p = channel; *p; p++, n++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    }
    return n > 0 && n <= STORE_MAX_CHANNEL;
}

static struct store_note *store_note_new(const char *channel, const char *payload)
{
    size_t cl = strlen(channel), pl = payload ? strlen(payload) : 0;
    struct store_note *n = dk_xmalloc(sizeof(*n) + cl + 1 + pl + 1);
    n->next = NULL;
    n->channel = n->buf;
    memcpy(n->channel, channel, cl + 1);
    if (payload) {
        n->payload = n->buf + cl + 1;
        memcpy(n->payload, payload, pl + 1);
    } else {
        n->payload = NULL;
    }
    return n;
}

static void store_notes_free(struct store_note *n)
{
    while (n) {
        struct store_note *next = n->next;
        free(n);
        n = next;
    }
}

unsigned dk_store_busy_timeout_ms(const dk_store *store)
{
    return store->opts.busy_timeout_ms;
}

dk_store_kind dk_store_kind_of(const dk_store *store)
{
    return store->be->kind;
}

void dk_store_fault_inject(dk_store *store, unsigned n)
{
    atomic_store(&store->fault_countdown, n);
}

/* Count one statement towards an injected fault; true for the failing one. */
static bool store_fault_hit(dk_store *s)
{
    unsigned v = atomic_load(&s->fault_countdown);
    while (v != 0) {
        if (atomic_compare_exchange_weak(&s->fault_countdown, &v, v - 1))
            return v == 1;
    }
    return false;
}

static int store_fault(void)
{
    return dk_error_set(DK_ERROR, "store: injected fault");
}

/* ========================================================================== */
/* SQL checks and placeholder rewriting                                       */
/* ========================================================================== */

/*
 * Count the `?` placeholders of `sql` outside '...' literals ('' escapes a
 * quote), "..." identifiers, -- comments and block comments; when `out` is
 * given, also copy the statement there with each `?` replaced by $1, $2...
 * A `?` inside a literal stays a literal character on both backends.
 */
static size_t store_sql_scan(dk_str *out, const char *sql)
{
    size_t n = 0;
    const char *p = sql;

    while (*p) {
        const char *start = p;
        if (*p == '\'' || *p == '"') {
            char q = *p++;
            while (*p) {
                if (*p == q && p[1] == q) {
                    p += 2;
                } else if (*p == q) {
                    p++;
                    break;
                } else {
                    p++;
                }
            }
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            p += 2;
            while (*p && !(p[0] == '*' && p[1] == '/'))
                p++;
            if (*p)
                p += 2;
        } else if (*p == '?') {
            n++;
            p++;
            if (out) {
                dk_str_addf(out, "$%zu", n);
                continue;
            }
        } else {
            p++;
        }
        if (out)
            dk_str_add(out, start, (size_t)(p - start));
    }
    return n;
}

/*
 * Common entry checks of a statement: no open rows, the transaction not
 * poisoned, parameters well-formed and as many as placeholders. Leaves the
 * SQL to run in *sqlp (`buf` holds it when rewritten).
 */
static int store_stmt_prepare(const char **sqlp, dk_str *buf, dk_store_conn *conn, const char *sql,
                              const dk_store_val *params, size_t nparams)
{
    const struct store_backend *be = conn->store->be;
    size_t n;

    if (!sql)
        return dk_error_set(DK_EINVALID, "no sql statement");
    if (conn->rows)
        return dk_error_set(DK_EINVALID, "rows of an earlier query are still open on this "
                                         "connection");
    if (conn->tx_failed)
        return dk_error_set(conn->tx_failed,
                            "an earlier statement of this transaction failed "
                            "(%s): roll back",
                            dk_error_name(conn->tx_failed));
    if (nparams && !params)
        return dk_error_set(DK_EINVALID, "%zu parameters announced, none given", nparams);
    for (size_t i = 0; i < nparams; i++) {
        const dk_store_val *v = &params[i];
        if (v->type == DK_SV_TEXT_T) {
            if (!v->s)
                return dk_error_set(DK_EINVALID, "parameter %zu: NULL text", i + 1);
            size_t len = v->len == (size_t)-1 ? strlen(v->s) : v->len;
            if (memchr(v->s, '\0', len))
                return dk_error_set(DK_EINVALID, "parameter %zu: text contains a NUL byte", i + 1);
            if (!dk_utf8_is_valid(v->s, len))
                return dk_error_set(DK_EINVALID, "parameter %zu: text is not valid utf-8", i + 1);
        } else if (v->type != DK_SV_INT_T && v->type != DK_SV_NULL_T) {
            return dk_error_set(DK_EINVALID, "parameter %zu: unknown type %d", i + 1, (int)v->type);
        }
    }
    n = store_sql_scan(be->numbered_params ? buf : NULL, sql);
    if (n != nparams)
        return dk_error_set(DK_EINVALID, "statement has %zu placeholders, %zu parameters given", n,
                            nparams);
    *sqlp = be->numbered_params ? buf->ptr : sql;
    return DK_OK;
}

/* A backend call failed inside a transaction: remember it (first failure wins). */
static int store_stmt_done(dk_store_conn *conn, int rc)
{
    if (rc < 0 && conn->in_tx && !conn->tx_failed)
        conn->tx_failed = rc;
    return rc;
}

int dk_store_exec(dk_store_conn *conn, int64_t *changes, const char *sql,
                  const dk_store_val *params, size_t nparams)
{
    dk_str buf = DK_STR_INIT;
    const char *run;
    int64_t dummy;
    int rc;

    if ((rc = store_stmt_prepare(&run, &buf, conn, sql, params, nparams)) < 0)
        goto out;
    if (store_fault_hit(conn->store)) {
        rc = store_stmt_done(conn, store_fault());
        goto out;
    }
    rc = store_stmt_done(
        conn, conn->store->be->exec(conn, changes ? changes : &dummy, run, params, nparams));
out:
    dk_str_release(&buf);
    return rc;
}

int dk_store_query(dk_store_rows **out, dk_store_conn *conn, const char *sql,
                   const dk_store_val *params, size_t nparams)
{
    dk_str buf = DK_STR_INIT;
    const char *run;
    dk_store_rows *rows = NULL;
    int rc;

    *out = NULL;
    if ((rc = store_stmt_prepare(&run, &buf, conn, sql, params, nparams)) < 0)
        goto out;
    if (store_fault_hit(conn->store)) {
        rc = store_stmt_done(conn, store_fault());
        goto out;
    }
    rc = store_stmt_done(conn, conn->store->be->query(&rows, conn, run, params, nparams));
    if (rc < 0)
        goto out;
    rows->conn = conn;
    conn->rows = rows;
    *out = rows;
out:
    dk_str_release(&buf);
    return rc;
}

int dk_store_rows_next(dk_store_rows *rows)
{
    return store_stmt_done(rows->conn, rows->conn->store->be->rows_next(rows));
}

bool dk_store_rows_is_null(dk_store_rows *rows, int col)
{
    return rows->conn->store->be->rows_is_null(rows, col);
}

int64_t dk_store_rows_int(dk_store_rows *rows, int col)
{
    return rows->conn->store->be->rows_int(rows, col);
}

const char *dk_store_rows_text(dk_store_rows *rows, int col, size_t *len)
{
    return rows->conn->store->be->rows_text(rows, col, len);
}

void dk_store_rows_free(dk_store_rows *rows)
{
    if (!rows)
        return;
    dk_store_conn *conn = rows->conn;
    dk_assert(conn->rows == rows);
    conn->rows = NULL;
    conn->store->be->rows_free(rows);
}

int dk_store_query_int(int64_t *out, bool *found, dk_store_conn *conn, const char *sql,
                       const dk_store_val *params, size_t nparams)
{
    dk_store_rows *rows;
    int rc = dk_store_query(&rows, conn, sql, params, nparams);
    if (found)
        *found = false;
    if (rc < 0)
        return rc;
    rc = dk_store_rows_next(rows);
    if (rc == 1) {
        *out = dk_store_rows_int(rows, 0);
        if (found)
            *found = true;
        rc = DK_OK;
    }
    dk_store_rows_free(rows);
    return rc;
}

/* ========================================================================== */
/* Transactions                                                               */
/* ========================================================================== */

int dk_store_begin(dk_store_conn *conn)
{
    int rc;
    if (conn->in_tx)
        return dk_error_set(DK_EINVALID, "a transaction is already open on this connection");
    if (conn->rows)
        return dk_error_set(DK_EINVALID, "rows of an earlier query are still open on this "
                                         "connection");
    int64_t dummy;
    const struct store_backend *be = conn->store->be;
    if (store_fault_hit(conn->store))
        return store_fault();
    rc = be->exec(conn, &dummy, be->begin_sql, NULL, 0);
    /*
     * A pooled connection the server dropped while it sat idle (a restart,
     * an idle timeout) is only found dead when used. BEGIN changes nothing,
     * so it is the one statement safe to retry on a fresh connection.
     */
    if (rc < 0 && conn->broken && be->reset) {
        dk_error le = *dk_error_last();
        if (be->reset(conn) == DK_OK) {
            dk_trace(DK_TRACE_INFO, "store", "%s: reconnected a dropped connection (%s)", be->name,
                     le.msg);
            conn->broken = false;
            rc = be->exec(conn, &dummy, be->begin_sql, NULL, 0);
        } else {
            dk_error_set(rc, "%s", le.msg);
        }
    }
    if (rc < 0)
        return rc;
    conn->in_tx = true;
    conn->tx_failed = 0;
    return DK_OK;
}

/* End the transaction with ROLLBACK; errors are traced (the connection is
 * marked broken by the backend when the transport failed). */
static void store_tx_abort(dk_store_conn *conn)
{
    int64_t dummy;
    if (conn->rows)
        dk_store_rows_free(conn->rows);
    int rc = conn->store->be->exec(conn, &dummy, "ROLLBACK", NULL, 0);
    if (rc < 0)
        dk_trace(DK_TRACE_WARN, "store", "rollback failed: %s", dk_error_last()->msg);
    conn->in_tx = false;
    conn->tx_failed = 0;
    store_notes_free(conn->notes);
    conn->notes = NULL;
    conn->notes_tail = &conn->notes;
}

void dk_store_rollback(dk_store_conn *conn)
{
    if (conn && conn->in_tx)
        store_tx_abort(conn);
}

/* Append a chain of notes to the delivery queue (qmu not held). */
static void store_queue_push(dk_store *s, struct store_note *head, struct store_note **tail)
{
    pthread_mutex_lock(&s->qmu);
    if (s->q_running && !s->q_stop) {
        *s->q_tail = head;
        s->q_tail = tail;
        head = NULL;
        pthread_cond_signal(&s->qcv);
    }
    pthread_mutex_unlock(&s->qmu);
    /* nobody listens: dropped */
    store_notes_free(head);
}

int dk_store_commit_deferred(dk_store_conn *conn)
{
    conn->defer_checkpoint = true;
    int rc = dk_store_commit(conn);
    conn->defer_checkpoint = false;
    return rc;
}

bool dk_store_checkpoint_due(dk_store *store)
{
    return store->be->checkpoint_due && store->be->checkpoint_due(store->db);
}

int dk_store_checkpoint(dk_store *store)
{
    if (!store->be->checkpoint)
        return DK_OK;
    dk_store_conn *conn = NULL;
    int rc = dk_store_acquire(&conn, store);
    if (rc < 0)
        return rc;
    rc = store->be->checkpoint(conn);
    dk_store_release(conn);
    return rc;
}

int dk_store_commit(dk_store_conn *conn)
{
    dk_store *s = conn->store;
    int64_t dummy;
    int rc;

    if (!conn->in_tx)
        return dk_error_set(DK_EINVALID, "no transaction is open on this connection");
    if (conn->tx_failed) {
        int code = conn->tx_failed;
        store_tx_abort(conn);
        return dk_error_set(code, "transaction rolled back: an earlier statement in it failed (%s)",
                            dk_error_name(code));
    }
    if (conn->rows)
        dk_store_rows_free(conn->rows);

    struct store_note *notes = conn->notes;
    if (notes)
        pthread_mutex_lock(&s->commit_mu);
    rc = store_fault_hit(s) ? store_fault() : s->be->exec(conn, &dummy, "COMMIT", NULL, 0);
    if (rc == DK_OK && notes) {
        store_queue_push(s, notes, conn->notes_tail);
        conn->notes = NULL;
        conn->notes_tail = &conn->notes;
    }
    if (notes)
        pthread_mutex_unlock(&s->commit_mu);
    if (rc < 0) {
        /* keep the commit's error message, not the rollback's */
        dk_error le = *dk_error_last();
        store_tx_abort(conn);
        return dk_error_set(rc, "%s", le.msg);
    }
    conn->in_tx = false;
    return DK_OK;
}

/* ========================================================================== */
/* Pool                                                                       */
/* ========================================================================== */

int dk_store_acquire(dk_store_conn **out, dk_store *s)
{
    struct timespec deadline;
    bool have_deadline = false;
    dk_store_conn *c;
    int rc;

    *out = NULL;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (s->idle) {
            c = s->idle;
            s->idle = c->next_idle;
            c->next_idle = NULL;
            pthread_mutex_unlock(&s->mu);
            /* a connection the server closed while it sat idle is replaced */
            if (s->be->check && s->be->check(c) < 0) {
                dk_trace(DK_TRACE_INFO, "store", "%s: dropped an idle connection: %s", s->be->name,
                         dk_error_last()->msg);
                s->be->conn_close(c);
                pthread_mutex_lock(&s->mu);
                s->nopen--;
                continue;
            }
            *out = c;
            return DK_OK;
        }
        if (s->nopen < s->opts.max_conns) {
            s->nopen++;
            pthread_mutex_unlock(&s->mu);
            rc = s->be->conn_open(&c, s->db);
            if (rc < 0) {
                pthread_mutex_lock(&s->mu);
                s->nopen--;
                pthread_cond_signal(&s->cv);
                pthread_mutex_unlock(&s->mu);
                return rc;
            }
            c->store = s;
            c->notes_tail = &c->notes;
            *out = c;
            return DK_OK;
        }
        if (!have_deadline) {
            store_deadline(&deadline, s->opts.busy_timeout_ms);
            have_deadline = true;
        }
        if (pthread_cond_timedwait(&s->cv, &s->mu, &deadline) == ETIMEDOUT && !s->idle &&
            s->nopen >= s->opts.max_conns) {
            pthread_mutex_unlock(&s->mu);
            return dk_error_set(DK_EBUSY, "all %u store connections stayed busy for %u ms",
                                s->opts.max_conns, s->opts.busy_timeout_ms);
        }
    }
}

void dk_store_release(dk_store_conn *conn)
{
    if (!conn)
        return;
    dk_store *s = conn->store;
    if (conn->rows)
        dk_store_rows_free(conn->rows);
    if (conn->in_tx)
        store_tx_abort(conn);
    pthread_mutex_lock(&s->mu);
    if (conn->broken) {
        s->nopen--;
        pthread_mutex_unlock(&s->mu);
        dk_trace(DK_TRACE_WARN, "store", "dropped a %s connection that failed", s->be->name);
        s->be->conn_close(conn);
        pthread_mutex_lock(&s->mu);
    } else {
        conn->next_idle = s->idle;
        s->idle = conn;
    }
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* ========================================================================== */
/* Locks across nodes                                                         */
/* ========================================================================== */

struct dk_store_lock {
    /* the connection holding the advisory lock (NULL: SQLite, nothing held) */
    dk_store_conn *conn;
};

/* FNV-1a, 64 bits: the advisory lock's key for a name. */
static int64_t store_lock_key(const char *name)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = (h ^ *c) * 1099511628211ull;
    return (int64_t)h;
}

int dk_store_lock_take(dk_store_lock **out, dk_store *s, const char *name)
{
    *out = NULL;
    if (!name || !*name)
        return dk_error_set(DK_EINVALID, "a store lock needs a name");
    dk_store_lock *l = dk_xcalloc(1, sizeof(*l));
    if (s->be->kind != DK_STORE_POSTGRESQL) {
        *out = l;
        return DK_OK;
    }
    dk_store_conn *c;
    int rc = s->be->conn_open(&c, s->db);
    if (rc < 0) {
        free(l);
        return rc;
    }
    c->store = s;
    c->notes_tail = &c->notes;
    dk_store_val p[] = {DK_SV_INT(store_lock_key(name))};
    dk_store_rows *rows = NULL;
    if ((rc = dk_store_exec(c, NULL, "SET lock_timeout = 0", NULL, 0)) == DK_OK &&
        (rc = dk_store_query(&rows, c, "SELECT pg_advisory_lock(?)", p, 1)) == DK_OK)
        dk_store_rows_free(rows);
    if (rc < 0) {
        s->be->conn_close(c);
        free(l);
        return rc;
    }
    l->conn = c;
    *out = l;
    return DK_OK;
}

void dk_store_lock_release(dk_store_lock *l)
{
    if (!l)
        return;
    /* closing the session releases its advisory locks */
    if (l->conn)
        l->conn->store->be->conn_close(l->conn);
    free(l);
}

/* ========================================================================== */
/* Notifications                                                              */
/* ========================================================================== */

void dk_store_deliver(dk_store *s, const char *channel, const char *payload)
{
    for (struct store_listener *l = atomic_load_explicit(&s->listeners, memory_order_acquire); l;
         l = atomic_load_explicit(&l->next, memory_order_acquire)) {
        if (strcmp(l->channel, channel) == 0)
            l->cb(l->ud, channel, payload);
    }
}

/* The in-process delivery thread: listeners called in queue (= commit) order. */
static void *store_delivery_main(void *arg)
{
    dk_store *s = arg;
    pthread_mutex_lock(&s->qmu);
    for (;;) {
        while (!s->q_head && !s->q_stop)
            pthread_cond_wait(&s->qcv, &s->qmu);
        if (!s->q_head)
            break;
        struct store_note *batch = s->q_head;
        s->q_head = NULL;
        s->q_tail = &s->q_head;
        pthread_mutex_unlock(&s->qmu);
        for (struct store_note *n = batch; n; n = n->next)
            dk_store_deliver(s, n->channel, n->payload);
        store_notes_free(batch);
        pthread_mutex_lock(&s->qmu);
    }
    pthread_mutex_unlock(&s->qmu);
    return NULL;
}

int dk_store_notify(dk_store_conn *conn, const char *channel, const char *payload)
{
    if (!store_channel_is_valid(channel))
        return dk_error_set(DK_EINVALID, "invalid notification channel (want [a-z0-9_]{1,63})");
    if (!payload)
        payload = "";
    size_t len = strlen(payload);
    if (len > STORE_MAX_PAYLOAD)
        return dk_error_set(DK_ELIMIT, "notification payload of %zu bytes (at most %d)", len,
                            STORE_MAX_PAYLOAD);
    if (!dk_utf8_is_valid(payload, len))
        return dk_error_set(DK_EINVALID, "notification payload is not valid utf-8");
    if (conn->tx_failed)
        return dk_error_set(conn->tx_failed,
                            "an earlier statement of this transaction failed "
                            "(%s): roll back",
                            dk_error_name(conn->tx_failed));
    if (conn->rows)
        return dk_error_set(DK_EINVALID, "rows of an earlier query are still open on this "
                                         "connection");

    const struct store_backend *be = conn->store->be;
    if (store_fault_hit(conn->store))
        return store_stmt_done(conn, store_fault());
    if (be->notify)
        return store_stmt_done(conn, be->notify(conn, channel, payload));

    struct store_note *n = store_note_new(channel, payload);
    if (conn->in_tx) {
        *conn->notes_tail = n;
        conn->notes_tail = &n->next;
    } else {
        store_queue_push(conn->store, n, &n->next);
    }
    return DK_OK;
}

int dk_store_listen(dk_store *s, const char *channel, dk_store_notify_cb cb, void *ud)
{
    if (!store_channel_is_valid(channel))
        return dk_error_set(DK_EINVALID, "invalid notification channel (want [a-z0-9_]{1,63})");
    if (!cb)
        return dk_error_set(DK_EINVALID, "no notification callback");

    if (!s->be->listen) {
        int err = 0;
        pthread_mutex_lock(&s->qmu);
        if (!s->q_running) {
            err = pthread_create(&s->q_thread, NULL, store_delivery_main, s);
            s->q_running = err == 0;
        }
        pthread_mutex_unlock(&s->qmu);
        if (err)
            return dk_error_set(DK_ERROR, "cannot start the notification thread: %s",
                                strerror(err));
    }

    struct store_listener *l = dk_xcalloc(1, sizeof(*l));
    l->cb = cb;
    l->ud = ud;
    memcpy(l->channel, channel, strlen(channel) + 1);
    pthread_mutex_lock(&s->lmu);
    _Atomic(struct store_listener *) *link = &s->listeners;
    struct store_listener *cur;
    while ((cur = atomic_load_explicit(link, memory_order_acquire)))
        link = &cur->next;
    atomic_store_explicit(link, l, memory_order_release);
    pthread_mutex_unlock(&s->lmu);

    if (s->be->listen)
        return s->be->listen(s->db, channel);
    return DK_OK;
}

/* ========================================================================== */
/* Migrations                                                                 */
/* ========================================================================== */

/* The contract is in store_backend.h. */
void dk_store_migration_text(dk_str *out, const char *sql, dk_store_kind kind)
{
    const struct store_backend *be =
        kind == DK_STORE_SQLITE ? &dk_store_backend_sqlite : &dk_store_backend_pg;
    static const char *const prefixes[] = {"-- sqlite: ", "-- postgresql: "};
    const char *p = sql;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        bool keep = true;
        size_t skip = 0;
        for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
            size_t pl = strlen(prefixes[i]);
            if (len >= pl && strncmp(p, prefixes[i], pl) == 0) {
                bool mine = strncmp(prefixes[i] + 3, be->name, strlen(be->name)) == 0 &&
                            prefixes[i][3 + strlen(be->name)] == ':';
                keep = mine;
                skip = pl;
            }
        }
        if (keep)
            dk_str_add(out, p + skip, len - skip);
        p += len;
    }
}

static const char store_migrations_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
    "name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

static int64_t store_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Apply migration `m` unless it is there already; one transaction. */
static int store_migrate_one(dk_store_conn *c, const struct dk_store_migration *m)
{
    dk_str text = DK_STR_INIT;
    int64_t n = 0;
    int rc;

    if ((rc = dk_store_begin(c)) < 0)
        return rc;
    if (c->store->be->migrate_lock_sql &&
        (rc = dk_store_exec(c, NULL, c->store->be->migrate_lock_sql, NULL, 0)) < 0)
        goto out;
    if ((rc = store_stmt_done(c, c->store->be->exec_script(c, store_migrations_table))) < 0)
        goto out;
    if ((rc = dk_store_query_int(&n, NULL, c,
                                 "SELECT COALESCE(MAX(version), 0) FROM "
                                 "schema_migrations",
                                 NULL, 0)) < 0)
        goto out;
    if (n > (int64_t)dk_store_migrations_count) {
        rc = dk_error_set(DK_ERROR,
                          "the database schema is at version %lld, newer than this dk (%zu)",
                          (long long)n, dk_store_migrations_count);
        goto out;
    }
    if (n >= m->version)
        goto out;
    if (n != m->version - 1) {
        rc = dk_error_set(DK_ERROR, "schema at version %lld cannot take migration %d", (long long)n,
                          m->version);
        goto out;
    }
    dk_store_migration_text(&text, m->sql, c->store->be->kind);
    if ((rc = store_stmt_done(c, c->store->be->exec_script(c, text.ptr))) < 0) {
        dk_error le = *dk_error_last();
        rc = dk_error_set(DK_ERROR, "migration %03d_%s failed: %s", m->version, m->name, le.msg);
        goto out;
    }
    dk_store_val p[] = {DK_SV_INT(m->version), DK_SV_TEXT(m->name), DK_SV_INT(store_now_ms())};
    rc = dk_store_exec(c, NULL,
                       "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                       p, 3);
out:
    dk_str_release(&text);
    if (rc < 0) {
        dk_error le = *dk_error_last();
        dk_store_rollback(c);
        return dk_error_set(rc == DK_EBUSY ? DK_EBUSY : DK_ERROR, "%s", le.msg);
    }
    return dk_store_commit(c);
}

static int store_migrate(dk_store *s)
{
    dk_store_conn *c;
    int rc;

    for (size_t i = 0; i < dk_store_migrations_count; i++)
        dk_assert(dk_store_migrations[i].version == (int)i + 1);
    if ((rc = dk_store_acquire(&c, s)) < 0)
        return rc;
    for (size_t i = 0; i < dk_store_migrations_count && rc == DK_OK; i++)
        rc = store_migrate_one(c, &dk_store_migrations[i]);
    dk_store_release(c);
    return rc;
}

int dk_store_schema_version(int *out, dk_store *s)
{
    dk_store_conn *c;
    int64_t v = 0;
    int rc;

    if ((rc = dk_store_acquire(&c, s)) < 0)
        return rc;
    rc = dk_store_query_int(&v, NULL, c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                            NULL, 0);
    dk_store_release(c);
    if (rc == DK_OK)
        *out = (int)v;
    return rc;
}

/* ========================================================================== */
/* Open and close                                                             */
/* ========================================================================== */

/* A libpq "key=value ..." string: it starts with a keyword and '='. */
static bool store_is_conninfo(const char *url)
{
    const char *p = url;
    while ((*p >= 'a' && *p <= 'z') || *p == '_')
        p++;
    return p > url && *p == '=';
}

/* Pick the backend for `url` and the part of it the backend opens. */
static int store_parse_url(const struct store_backend **be, const char **target, const char *url)
{
    if (!url || !url[0])
        return dk_error_set(DK_EINVALID, "empty store url");
    if (strncmp(url, "sqlite:", 7) == 0) {
        *be = &dk_store_backend_sqlite;
        *target = url + 7;
        if (!(*target)[0])
            return dk_error_set(DK_EINVALID, "store url 'sqlite:' names no file");
        return DK_OK;
    }
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0 ||
        store_is_conninfo(url)) {
        *be = &dk_store_backend_pg;
        *target = url;
        return DK_OK;
    }
    return dk_error_set(
        DK_EINVALID, "unknown store url '%.64s' (expected sqlite:PATH or postgresql://...)", url);
}

int dk_store_open(dk_store **out, const char *url, const dk_store_opts *opts)
{
    dk_store_opts o = DK_STORE_OPTS_INIT;
    const struct store_backend *be = NULL;
    const char *target = NULL;
    dk_store *s;
    int rc;

    *out = NULL;
    if (opts) {
        if (opts->version != DK_STORE_OPTS_VERSION)
            return dk_error_set(DK_EINVALID, "store options version %u (expected %u)",
                                opts->version, DK_STORE_OPTS_VERSION);
        o = *opts;
    }
    if (o.max_conns == 0)
        return dk_error_set(DK_EINVALID, "store pool size is 0");
    if ((rc = store_parse_url(&be, &target, url)) < 0)
        return rc;
    dk_assert(be->version == STORE_BACKEND_VERSION);

    s = dk_xcalloc(1, sizeof(*s));
    s->be = be;
    s->opts = o;
    pthread_mutex_init(&s->mu, NULL);
    store_cond_init(&s->cv);
    pthread_mutex_init(&s->lmu, NULL);
    pthread_mutex_init(&s->commit_mu, NULL);
    pthread_mutex_init(&s->qmu, NULL);
    pthread_cond_init(&s->qcv, NULL);
    s->q_tail = &s->q_head;

    if ((rc = be->db_open(&s->db, s, target, &o)) < 0) {
        s->db = NULL;
        dk_store_close(s);
        return rc;
    }
    if ((rc = store_migrate(s)) < 0) {
        dk_error le = *dk_error_last();
        dk_store_close(s);
        return dk_error_set(rc, "%s", le.msg);
    }
    *out = s;
    return DK_OK;
}

void dk_store_close(dk_store *s)
{
    if (!s)
        return;
    /*
     * Listener threads first: a callback may be running and may hold a
     * connection (listeners re-read the store), so the pool can be checked
     * only once no callback can run. Queued in-process notifications are
     * delivered before the delivery thread ends.
     */
    if (s->db && s->be->stop)
        s->be->stop(s->db);
    pthread_mutex_lock(&s->qmu);
    bool running = s->q_running;
    s->q_stop = true;
    pthread_cond_signal(&s->qcv);
    pthread_mutex_unlock(&s->qmu);
    if (running)
        pthread_join(s->q_thread, NULL);
    store_notes_free(s->q_head);

    pthread_mutex_lock(&s->mu);
    while (s->idle) {
        dk_store_conn *c = s->idle;
        s->idle = c->next_idle;
        s->nopen--;
        s->be->conn_close(c);
    }
    /* every connection must have been released */
    dk_assert(s->nopen == 0);
    pthread_mutex_unlock(&s->mu);
    if (s->db)
        s->be->db_close(s->db);

    struct store_listener *l = atomic_load(&s->listeners);
    while (l) {
        struct store_listener *next = atomic_load(&l->next);
        free(l);
        l = next;
    }
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->lmu);
    pthread_mutex_destroy(&s->commit_mu);
    pthread_mutex_destroy(&s->qmu);
    pthread_cond_destroy(&s->qcv);
    free(s);
}
