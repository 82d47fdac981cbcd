/*
 * store/store_pg.c - the PostgreSQL backend (libpq), for several dk nodes
 * sharing one database (DESIGN.md decision 8).
 *
 * Statements. One PGconn per pooled connection, used by one thread at a
 * time. Every statement is prepared once per connection and then run with
 * PQexecPrepared (pg_exec_cached), with text-format parameters: integers are sent as decimal text
 * typed int8 (so `? + 1` never overflows int4), text and NULL untyped (the server infers the type
 * from the context, e.g. a TEXT or BIGINT column). Results come back whole
 * (no single-row mode: the engine's result sets are small and bounded by
 * LIMIT), so a row set costs nothing on the wire once open. store.c has
 * already turned `?` into $1, $2, ...
 *
 * Connections are opened with connect_timeout=10, application_name=dk and
 * client_encoding=UTF8 (the URL may override the first two), then
 * `SET lock_timeout` to the store's busy timeout so that a writer waiting
 * on a row lock gives up with DK_EBUSY as an SQLite writer does. libpq's
 * default notice processor prints to stderr; ours sends notices to
 * dk_trace (libdk never writes to stderr).
 *
 * Errors by SQLSTATE: 23505 -> DK_EEXISTS; other class 23 (not null, check,
 * foreign key) -> DK_EINVALID; 40001, 40P01 -> DK_ERACE; 55P03 -> DK_EBUSY;
 * class 42 (syntax, undefined table) and 22 (bad data) -> DK_EINVALID;
 * anything else DK_ERROR. A connection whose status is CONNECTION_BAD after
 * a call is marked broken: the caller gets DK_ERROR ("connection lost")
 * and store.c closes it on release instead of pooling it - except for
 * BEGIN, which store.c retries once on a fresh connection (pg_conn_reset).
 * A connection taken from the pool is checked first without a round trip
 * (pg_conn_check: the server announces a termination before it closes),
 * so a connection dropped while idle in the pool costs the caller nothing.
 *
 * Notifications. dk_store_notify is `SELECT pg_notify($1, $2)` on the
 * caller's connection, so PostgreSQL delivers it at COMMIT (dropped on
 * rollback) to every listening session of every node. Listening uses one
 * dedicated connection and one thread per store:
 *
 *     listener thread:  lock; PQconsumeInput; drain PQnotifies; unlock;
 *                       deliver (no lock held); poll(PQsocket, wake pipe)
 *
 * pg_listen runs LISTEN on that connection under the same mutex and then
 * writes to the wake pipe, because its PQexec may have read notifications
 * off the socket that the thread would otherwise not see until the next
 * packet. dk_store_close writes the pipe too, so the thread stops at once.
 * A lost listener connection is reopened with a back-off (100 ms doubling
 * to 5 s); once every channel is LISTENed again, each listener gets a NULL
 * payload: notifications sent meanwhile are lost and must be re-read.
 *
 * libpq is loaded on the first pg_db_open (pq.h): processes that use no
 * PostgreSQL store do not load it. Conventions: messages start "postgresql: "; the URL (which may
 * hold a password) is never put in a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dk/log.h"

#include "store/pq.h"
#include "store/store_backend.h"
#include "util/alloc.h"
#include "util/str.h"
#include "util/vec.h"

#include "util/banned.h"

/* int8 and bool in pg_type */
#define PG_INT8OID 20
#define PG_BOOLOID 16
/* parameters converted on the stack before falling back to the heap */
#define PG_STACK_PARAMS 16

struct pg_db {
    dk_store *store;
    /* the connection string (owned; may contain a password) */
    char *url;
    unsigned busy_ms;

    /* ---- the listener, guarded by mu ---- */
    pthread_mutex_t mu;
    /* the dedicated LISTEN connection (NULL while disconnected) */
    PGconn *lconn;
    /* channels LISTENed on (owned strings) */
    dk_vec(char *) channels;
    /* the listener thread runs */
    bool running;
    pthread_t thread;
    /* wake-up pipe: [0] polled by the thread, [1] written by listen/close */
    int wake[2];
    /* dk_store_close asked the thread to stop */
    atomic_bool stop;
};

/* statements a connection keeps prepared; the rest run unprepared */
#define PG_STMT_CACHE 256

/* A statement prepared on one connection under `name`. */
struct pg_stmt {
    /* parameter signature ('i' int8, 'u' untyped per parameter), NUL, SQL */
    char *key;
    size_t keylen;
    uint32_t hash;
    /* "dk_<n>", unique on the connection */
    char name[24];
};

struct pg_conn {
    struct dk_store_conn base;
    PGconn *pg;
    /* the store-wide state (URL, busy timeout) */
    struct pg_db *db;
    /* prepared statements, in preparation order */
    dk_vec(struct pg_stmt) stmts;
    /* last statement number used in a name */
    unsigned seq;
};

struct pg_rows {
    struct dk_store_rows base;
    PGresult *res;
    /* current row (-1 before the first rows_next) */
    int row;
    int nrows;
};

/* ========================================================================== */
/* Connections and errors                                                     */
/* ========================================================================== */

/* Copy the first line of a libpq message (they end with "\n"). */
static void pg_msg_line(char *out, size_t cap, const char *msg)
{
    size_t n = 0;
    if (!msg)
        msg = "";
    while (msg[n] && msg[n] != '\n')
        n++;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, msg, n);
    out[n] = '\0';
}

static void pg_notice(void *arg, const char *message)
{
    char line[256];
    (void)arg;
    pg_msg_line(line, sizeof(line), message);
    dk_trace(DK_TRACE_DEBUG, "store", "postgresql: %s", line);
}

/* Open and configure one PGconn. */
static int pg_connect(PGconn **out, const char *url, unsigned busy_ms)
{
    static const char *const kw[] = {"connect_timeout", "application_name", "client_encoding",
                                     "dbname", NULL};
    const char *val[] = {"10", "dk", "UTF8", url, NULL};
    char line[256], sql[96];
    PGconn *pg;
    PGresult *r;

    *out = NULL;
    pg = PQconnectdbParams(kw, val, 1);
    if (!pg)
        return dk_error_set(DK_ERROR, "postgresql: out of memory");
    if (PQstatus(pg) != CONNECTION_OK) {
        pg_msg_line(line, sizeof(line), PQerrorMessage(pg));
        PQfinish(pg);
        return dk_error_set(DK_ERROR, "postgresql: cannot connect: %s", line);
    }
    PQsetNoticeProcessor(pg, pg_notice, NULL);
    snprintf(sql, sizeof(sql), "SET lock_timeout = %u", busy_ms);
    r = PQexec(pg, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        pg_msg_line(line, sizeof(line), PQresultErrorMessage(r));
        PQclear(r);
        PQfinish(pg);
        return dk_error_set(DK_ERROR, "postgresql: cannot configure the connection: %s", line);
    }
    PQclear(r);
    *out = pg;
    return DK_OK;
}

/* Map a failed result (or a failed send, res NULL) to a dk_err_code. */
static int pg_error(struct pg_conn *c, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char line[256];
    int code = DK_ERROR;

    pg_msg_line(line, sizeof(line),
                primary ? primary : (res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg)));
    if (PQstatus(c->pg) == CONNECTION_BAD) {
        c->base.broken = true;
        return dk_error_set(DK_ERROR, "postgresql: connection lost: %s",
                            line[0] ? line : PQerrorMessage(c->pg));
    }
    if (state) {
        if (strcmp(state, "23505") == 0)
            code = DK_EEXISTS;
        else if (strncmp(state, "23", 2) == 0)
            code = DK_EINVALID;
        else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
            code = DK_ERACE;
        else if (strcmp(state, "55P03") == 0)
            code = DK_EBUSY;
        else if (strncmp(state, "42", 2) == 0 || strncmp(state, "22", 2) == 0)
            code = DK_EINVALID;
    }
    return dk_error_set(code, "postgresql: %s%s%s%s", line, state ? " (" : "", state ? state : "",
                        state ? ")" : "");
}

/* ========================================================================== */
/* Statements                                                                 */
/* ========================================================================== */

static uint32_t pg_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void pg_stmts_clear(struct pg_conn *c)
{
    for (size_t i = 0; i < c->stmts.len; i++)
        free(c->stmts.items[i].key);
    c->stmts.len = 0;
}

/*
 * Run `sql` as a prepared statement of this connection: prepared (one extra
 * round trip) the first time the connection sees this SQL with these
 * parameter types, then only Bind+Execute. Server-side parse and plan cost
 * more than the round trip here (a point SELECT: 130-160 us with
 * PQexecParams, about 50 us prepared). The key includes the parameter
 * types, because a prepared statement's types are fixed. Past
 * PG_STMT_CACHE statements (the engine has far fewer) a statement runs
 * unprepared. A statement the server no longer knows or can no longer run
 * as planned (26000 after DEALLOCATE/DISCARD, 0A000 after a column change)
 * did not run: it is dropped from the cache and, outside a transaction
 * block, prepared and run again at once; inside one, the error stands (the
 * server has aborted the transaction) and the next call prepares anew.
 */
static PGresult *pg_exec_cached(struct pg_conn *c, const char *sql, int nparams, const Oid *types,
                                const char *const *vals)
{
    dk_str key = DK_STR_INIT;
    struct pg_stmt *st = NULL;
    PGresult *res;

    /* transaction control has nothing to plan, and ROLLBACK must work even
     * when the session's prepared statements are gone */
    if (nparams == 0 &&
        (strcmp(sql, "BEGIN") == 0 || strcmp(sql, "COMMIT") == 0 || strcmp(sql, "ROLLBACK") == 0))
        /* cppcheck-suppress CastIntegerToAddressAtReturn ; a typed call through a table */
        return PQexecParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, 0);
    for (int i = 0; i < nparams; i++)
        dk_str_addch(&key, types[i] ? 'i' : 'u');
    dk_str_addch(&key, '\0');
    dk_str_adds(&key, sql);
    uint32_t h = pg_hash(key.ptr, key.len);
    for (size_t i = 0; i < c->stmts.len; i++) {
        struct pg_stmt *cand = &c->stmts.items[i];
        if (cand->hash == h && cand->keylen == key.len &&
            memcmp(cand->key, key.ptr, key.len) == 0) {
            st = cand;
            break;
        }
    }
    if (!st && c->stmts.len < PG_STMT_CACHE) {
        char name[24];
        snprintf(name, sizeof(name), "dk_%u", ++c->seq);
        res = PQprepare(c->pg, name, sql, nparams, types);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            dk_str_release(&key);
            return res;
        }
        PQclear(res);
        st = dk_vec_push_zero(&c->stmts);
        st->keylen = key.len;
        st->hash = h;
        st->key = dk_str_detach(&key, NULL);
        memcpy(st->name, name, sizeof(name));
    }
    dk_str_release(&key);
    if (!st)
        /* cppcheck-suppress CastIntegerToAddressAtReturn ; a typed call through a table */
        return PQexecParams(c->pg, sql, nparams, types, vals, NULL, NULL, 0);

    res = PQexecPrepared(c->pg, st->name, nparams, vals, NULL, NULL, 0);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (state && (strcmp(state, "26000") == 0 || strcmp(state, "0A000") == 0)) {
        size_t at = (size_t)(st - c->stmts.items);
        free(st->key);
        c->stmts.items[at] = c->stmts.items[c->stmts.len - 1];
        c->stmts.len--;
        /* it did not run: outside a transaction block, prepare it again */
        if (PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
            PQclear(res);
            return pg_exec_cached(c, sql, nparams, types, vals);
        }
    }
    return res;
}

/*
 * Run one statement with text parameters. Integers are formatted into
 * `ints`, text with an explicit length is copied to be NUL-terminated (the
 * text format takes C strings).
 */
static int pg_run(PGresult **out, struct pg_conn *c, const char *sql, const dk_store_val *params,
                  size_t nparams)
{
    const char *stack_vals[PG_STACK_PARAMS] = {0};
    Oid stack_types[PG_STACK_PARAMS] = {0};
    char stack_ints[PG_STACK_PARAMS][24];
    const char **vals = stack_vals;
    Oid *types = stack_types;
    char(*ints)[24] = stack_ints;
    char **copies = NULL;
    PGresult *res;
    int rc = DK_OK;

    *out = NULL;
    if (nparams > 65535)
        return dk_error_set(DK_ELIMIT, "postgresql: %zu parameters (at most 65535)", nparams);
    if (nparams > PG_STACK_PARAMS) {
        vals = dk_xcalloc(nparams, sizeof(*vals));
        types = dk_xcalloc(nparams, sizeof(*types));
        ints = dk_xcalloc(nparams, sizeof(*ints));
    }
    for (size_t i = 0; i < nparams; i++) {
        const dk_store_val *v = &params[i];
        types[i] = 0;
        switch (v->type) {
        case DK_SV_NULL_T:
            vals[i] = NULL;
            break;
        case DK_SV_INT_T:
            snprintf(ints[i], sizeof(ints[i]), "%lld", (long long)v->i);
            vals[i] = ints[i];
            types[i] = PG_INT8OID;
            break;
        case DK_SV_TEXT_T:
            if (v->len == (size_t)-1) {
                vals[i] = v->s;
            } else {
                if (!copies)
                    copies = dk_xcalloc(nparams, sizeof(*copies));
                copies[i] = dk_xstrndup(v->s, v->len);
                vals[i] = copies[i];
            }
            break;
        }
    }
    res = pg_exec_cached(c, sql, (int)nparams, types, vals);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = pg_error(c, res);
        PQclear(res);
        res = NULL;
    }
    if (copies) {
        for (size_t i = 0; i < nparams; i++)
            free(copies[i]);
        free(copies);
    }
    if (nparams > PG_STACK_PARAMS) {
        free(vals);
        free(types);
        free(ints);
    }
    *out = res;
    return rc;
}

static int pg_exec(dk_store_conn *conn, int64_t *changes, const char *sql,
                   const dk_store_val *params, size_t nparams)
{
    struct pg_conn *c = (struct pg_conn *)conn;
    PGresult *res;
    int rc = pg_run(&res, c, sql, params, nparams);
    if (rc < 0)
        return rc;
    const char *n = PQcmdTuples(res);
    *changes = n && n[0] ? strtoll(n, NULL, 10) : 0;
    /* COMMIT of a transaction the server had aborted answers ROLLBACK */
    if (strcmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
        rc = dk_error_set(DK_ERROR, "postgresql: the server rolled the transaction back");
    PQclear(res);
    return rc;
}

static int pg_exec_script(dk_store_conn *conn, const char *sql)
{
    struct pg_conn *c = (struct pg_conn *)conn;
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = DK_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        rc = pg_error(c, res);
    PQclear(res);
    return rc;
}

static int pg_query(dk_store_rows **out, dk_store_conn *conn, const char *sql,
                    const dk_store_val *params, size_t nparams)
{
    PGresult *res;
    int rc = pg_run(&res, (struct pg_conn *)conn, sql, params, nparams);
    if (rc < 0)
        return rc;
    struct pg_rows *r = dk_xcalloc(1, sizeof(*r));
    r->res = res;
    r->row = -1;
    r->nrows = PQntuples(res);
    *out = &r->base;
    return DK_OK;
}

static int pg_rows_next(dk_store_rows *rows)
{
    struct pg_rows *r = (struct pg_rows *)rows;
    if (r->row < r->nrows)
        r->row++;
    return r->row < r->nrows ? 1 : 0;
}

static bool pg_rows_valid(const struct pg_rows *r, int col)
{
    return r->row >= 0 && r->row < r->nrows && col >= 0 && col < PQnfields(r->res);
}

static bool pg_rows_is_null(dk_store_rows *rows, int col)
{
    struct pg_rows *r = (struct pg_rows *)rows;
    return !pg_rows_valid(r, col) || PQgetisnull(r->res, r->row, col);
}

/*
 * A boolean column ("t"/"f" in text format; `a = b`, EXISTS, ...) reads as
 * 1/0, as SQLite, which has no boolean type, returns it.
 */
static const char *pg_rows_value(struct pg_rows *r, int col, size_t *len)
{
    const char *v = PQgetvalue(r->res, r->row, col);
    if (PQftype(r->res, col) == PG_BOOLOID) {
        *len = 1;
        return v[0] == 't' ? "1" : "0";
    }
    *len = (size_t)PQgetlength(r->res, r->row, col);
    return v;
}

static int64_t pg_rows_int(dk_store_rows *rows, int col)
{
    struct pg_rows *r = (struct pg_rows *)rows;
    size_t len;
    if (pg_rows_is_null(rows, col))
        return 0;
    return strtoll(pg_rows_value(r, col, &len), NULL, 10);
}

static const char *pg_rows_text(dk_store_rows *rows, int col, size_t *len)
{
    struct pg_rows *r = (struct pg_rows *)rows;
    size_t n = 0;
    const char *v = NULL;
    if (!pg_rows_is_null(rows, col))
        v = pg_rows_value(r, col, &n);
    if (len)
        *len = n;
    return v;
}

static void pg_rows_free(dk_store_rows *rows)
{
    struct pg_rows *r = (struct pg_rows *)rows;
    PQclear(r->res);
    free(r);
}

static int pg_notify(dk_store_conn *conn, const char *channel, const char *payload)
{
    int64_t changes;
    dk_store_val p[] = {DK_SV_TEXT(channel), DK_SV_TEXT(payload)};
    return pg_exec(conn, &changes, "SELECT pg_notify($1, $2)", p, 2);
}

/* ========================================================================== */
/* Connections                                                                */
/* ========================================================================== */

static int pg_conn_open(dk_store_conn **out, void *arg)
{
    struct pg_db *d = arg;
    PGconn *pg;
    int rc = pg_connect(&pg, d->url, d->busy_ms);
    if (rc < 0)
        return rc;
    struct pg_conn *c = dk_xcalloc(1, sizeof(*c));
    c->pg = pg;
    c->db = d;
    *out = &c->base;
    return DK_OK;
}

/* A fresh PGconn for a connection whose transport failed. */
static int pg_conn_reset(dk_store_conn *conn)
{
    struct pg_conn *c = (struct pg_conn *)conn;
    struct pg_db *d = c->db;
    PGconn *pg;
    int rc = pg_connect(&pg, d->url, d->busy_ms);
    if (rc < 0)
        return rc;
    PQfinish(c->pg);
    c->pg = pg;
    /* the new session knows none of the old one's prepared statements */
    pg_stmts_clear(c);
    return DK_OK;
}

/*
 * An idle connection has nothing to read unless the server spoke on its
 * own, and what it says unprompted is, in practice, FATAL "terminating
 * connection" just before it closes (restart, pg_terminate_backend,
 * idle_session_timeout). libpq may not see the close yet (the message and
 * the EOF arrive together and it stops after the message), so anything
 * readable on an idle connection condemns it: one poll with no wait, and
 * a false alarm costs one reconnect.
 */
static int pg_conn_check(dk_store_conn *conn)
{
    struct pg_conn *c = (struct pg_conn *)conn;
    struct pollfd p = {.fd = PQsocket(c->pg), .events = POLLIN};
    if (PQstatus(c->pg) != CONNECTION_OK || p.fd < 0)
        return dk_error_set(DK_ERROR, "postgresql: connection lost");
    if (poll(&p, 1, 0) > 0) {
        char line[256];
        PQconsumeInput(c->pg);
        PGresult *r = PQgetResult(c->pg);
        pg_msg_line(line, sizeof(line), r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg));
        PQclear(r);
        return dk_error_set(DK_ERROR, "postgresql: the server closed an idle connection: %s",
                            line[0] ? line : "(no message)");
    }
    return DK_OK;
}

static void pg_conn_close(dk_store_conn *conn)
{
    struct pg_conn *c = (struct pg_conn *)conn;
    PQfinish(c->pg);
    pg_stmts_clear(c);
    dk_vec_release(&c->stmts);
    free(c);
}

/* ========================================================================== */
/* The listener                                                               */
/* ========================================================================== */

static void pg_wake(struct pg_db *d)
{
    char b = 1;
    /* a full pipe already wakes the thread */
    if (write(d->wake[1], &b, 1) < 0 && errno != EAGAIN)
        dk_trace(DK_TRACE_WARN, "store", "postgresql: listener wake-up failed: %s",
                 strerror(errno));
}

/* LISTEN on `channel` with the listener connection (mu held). */
static int pg_listen_locked(struct pg_db *d, const char *channel)
{
    char sql[96], line[256];
    /* channels are [a-z0-9_]{1,63} (store.c), so no quoting is needed */
    snprintf(sql, sizeof(sql), "LISTEN %s", channel);
    PGresult *r = PQexec(d->lconn, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        pg_msg_line(line, sizeof(line), PQresultErrorMessage(r));
        PQclear(r);
        return dk_error_set(DK_ERROR, "postgresql: LISTEN %s failed: %s", channel, line);
    }
    PQclear(r);
    return DK_OK;
}

/* (Re)open the listener connection and LISTEN on every channel (mu held). */
static int pg_listener_connect(struct pg_db *d)
{
    int rc = pg_connect(&d->lconn, d->url, d->busy_ms);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < d->channels.len && rc == DK_OK; i++)
        rc = pg_listen_locked(d, d->channels.items[i]);
    if (rc < 0) {
        PQfinish(d->lconn);
        d->lconn = NULL;
    }
    return rc;
}

struct pg_note {
    struct pg_note *next;
    char *channel;
    /* NULL: notifications may have been lost */
    char *payload;
};

/*
 * Move what the listener connection has received into a list (mu held).
 * Returns false when the connection is lost (it is then closed).
 */
static bool pg_listener_drain(struct pg_db *d, struct pg_note ***tail)
{
    PGnotify *n;
    if (!PQconsumeInput(d->lconn) || PQstatus(d->lconn) == CONNECTION_BAD) {
        char line[256];
        pg_msg_line(line, sizeof(line), PQerrorMessage(d->lconn));
        dk_trace(DK_TRACE_WARN, "store", "postgresql: listener connection lost: %s", line);
        PQfinish(d->lconn);
        d->lconn = NULL;
        return false;
    }
    while ((n = PQnotifies(d->lconn))) {
        struct pg_note *note = dk_xcalloc(1, sizeof(*note));
        note->channel = dk_xstrdup(n->relname);
        note->payload = dk_xstrdup(n->extra ? n->extra : "");
        PQfreemem(n);
        **tail = note;
        *tail = &note->next;
    }
    return true;
}

/* Sleep up to `ms` (or until woken); returns the poll result on the socket. */
static int pg_listener_wait(struct pg_db *d, int sock, int ms)
{
    struct pollfd fds[2] = {{.fd = d->wake[0], .events = POLLIN}, {.fd = sock, .events = POLLIN}};
    int rc = poll(fds, sock >= 0 ? 2 : 1, ms);
    if (rc > 0 && (fds[0].revents & POLLIN)) {
        char buf[64];
        while (read(d->wake[0], buf, sizeof(buf)) > 0)
            ;
    }
    return rc;
}

static void *pg_listener_main(void *arg)
{
    struct pg_db *d = arg;
    int backoff = 0;

    while (!atomic_load(&d->stop)) {
        struct pg_note *notes = NULL, **tail = &notes;
        int sock = -1;

        pthread_mutex_lock(&d->mu);
        if (!d->lconn) {
            if (pg_listener_connect(d) == DK_OK) {
                dk_trace(DK_TRACE_INFO, "store", "postgresql: listener reconnected");
                backoff = 0;
                /* tell every channel it may have missed notifications */
                for (size_t i = 0; i < d->channels.len; i++) {
                    struct pg_note *note = dk_xcalloc(1, sizeof(*note));
                    note->channel = dk_xstrdup(d->channels.items[i]);
                    *tail = note;
                    tail = &note->next;
                }
            } else {
                dk_trace(DK_TRACE_WARN, "store", "postgresql: listener: %s", dk_error_last()->msg);
                backoff = backoff ? (backoff * 2 > 5000 ? 5000 : backoff * 2) : 100;
            }
        }
        if (d->lconn && pg_listener_drain(d, &tail))
            sock = PQsocket(d->lconn);
        else if (!d->lconn && !backoff)
            backoff = 100;
        pthread_mutex_unlock(&d->mu);

        while (notes) {
            struct pg_note *next = notes->next;
            dk_store_deliver(d->store, notes->channel, notes->payload);
            free(notes->channel);
            free(notes->payload);
            free(notes);
            notes = next;
        }
        if (atomic_load(&d->stop))
            break;
        pg_listener_wait(d, sock, sock >= 0 ? -1 : backoff);
    }
    return NULL;
}

static int pg_listen(void *arg, const char *channel)
{
    struct pg_db *d = arg;
    int rc = DK_OK;

    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->channels.len; i++) {
        if (strcmp(d->channels.items[i], channel) == 0)
            goto out;
    }
    if (!d->lconn) {
        if (d->running) {
            /* the thread is reconnecting: it LISTENs on every channel */
            dk_vec_push(&d->channels, dk_xstrdup(channel));
            goto out;
        }
        if ((rc = pg_listener_connect(d)) < 0)
            goto out;
    }
    if ((rc = pg_listen_locked(d, channel)) < 0)
        goto out;
    dk_vec_push(&d->channels, dk_xstrdup(channel));
    if (!d->running) {
        int err = pthread_create(&d->thread, NULL, pg_listener_main, d);
        if (err) {
            rc = dk_error_set(DK_ERROR, "cannot start the listener thread: %s", strerror(err));
            goto out;
        }
        d->running = true;
    }
out:
    pthread_mutex_unlock(&d->mu);
    if (rc == DK_OK)
        pg_wake(d);
    return rc;
}

/* ========================================================================== */
/* Store                                                                      */
/* ========================================================================== */

/* Stop the listener thread and close its connection; idempotent. */
static void pg_db_stop(void *arg)
{
    struct pg_db *d = arg;
    atomic_store(&d->stop, true);
    if (d->running) {
        pg_wake(d);
        pthread_join(d->thread, NULL);
        d->running = false;
    }
    PQfinish(d->lconn);
    d->lconn = NULL;
}

static void pg_db_close(void *arg)
{
    struct pg_db *d = arg;
    if (!d)
        return;
    pg_db_stop(d);
    for (size_t i = 0; i < d->channels.len; i++)
        free(d->channels.items[i]);
    dk_vec_release(&d->channels);
    close(d->wake[0]);
    close(d->wake[1]);
    pthread_mutex_destroy(&d->mu);
    free(d->url);
    free(d);
}

static int pg_db_open(void **out, dk_store *store, const char *url, const dk_store_opts *opts)
{
    int rc = dk_store_pq_load();
    if (rc)
        return rc;
    char *err = NULL;
    PQconninfoOption *info = PQconninfoParse(url, &err);
    if (!info) {
        char line[256];
        pg_msg_line(line, sizeof(line), err ? err : "out of memory");
        PQfreemem(err);
        return dk_error_set(DK_EINVALID, "postgresql: bad connection string: %s", line);
    }
    PQconninfoFree(info);

    struct pg_db *d = dk_xcalloc(1, sizeof(*d));
    if (pipe2(d->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        int e = errno;
        free(d);
        return dk_error_set(DK_ERROR, "postgresql: pipe: %s", strerror(e));
    }
    d->store = store;
    d->url = dk_xstrdup(url);
    d->busy_ms = opts->busy_timeout_ms;
    pthread_mutex_init(&d->mu, NULL);
    *out = d;
    return DK_OK;
}

const struct store_backend dk_store_backend_pg = {
    .version = STORE_BACKEND_VERSION,
    .name = "postgresql",
    .kind = DK_STORE_POSTGRESQL,
    .numbered_params = true,
    .begin_sql = "BEGIN",
    /* CREATE TABLE IF NOT EXISTS races on PostgreSQL: serialise migrators */
    .migrate_lock_sql = "SELECT pg_advisory_xact_lock(7011130001)",
    .db_open = pg_db_open,
    .stop = pg_db_stop,
    .db_close = pg_db_close,
    .conn_open = pg_conn_open,
    .conn_close = pg_conn_close,
    .reset = pg_conn_reset,
    .check = pg_conn_check,
    .exec = pg_exec,
    .exec_script = pg_exec_script,
    .query = pg_query,
    .rows_next = pg_rows_next,
    .rows_is_null = pg_rows_is_null,
    .rows_int = pg_rows_int,
    .rows_text = pg_rows_text,
    .rows_free = pg_rows_free,
    .checkpoint_due = NULL,
    .checkpoint = NULL,
    .notify = pg_notify,
    .listen = pg_listen,
};
