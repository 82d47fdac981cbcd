/*
 * tests/harness/th_pg.c - per-test PostgreSQL databases (see th_pg.h).
 *
 * One database per test keeps the suites independent of each other and of
 * their order; the name carries the pid and a per-process counter, so
 * several test binaries can share one server. Administrative statements
 * (CREATE/DROP DATABASE) go through their own short-lived connection to the
 * database named in DK_TEST_PG_URL.
 */
#include "th_pg.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "th.h"

static const char *pg_admin_url(void)
{
    const char *url = getenv("DK_TEST_PG_URL");
    if (!url || !url[0]) {
        const char *why = getenv("DK_TEST_PG_ERROR");
        th_fail(__FILE__, __LINE__, "postgresql not available: %s",
                why && why[0] ? why : "DK_TEST_PG_URL is not set (tests/run.sh sets it)");
    }
    return url;
}

static void pg_admin_exec(const char *sql)
{
    PGconn *c = PQconnectdb(pg_admin_url());
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
        PQfinish(c);
        th_fail(__FILE__, __LINE__, "postgresql not available: %s", msg);
    }
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    th_assert_msg(ok, "%s: %s", sql, msg);
}

void th_pg_db_create(char *url, size_t url_size, char *db, size_t db_size, const char *prefix)
{
    static atomic_uint seq;
    const char *admin = pg_admin_url();
    const char *slash = strrchr(admin, '/');
    const char *q = strchr(admin, '?');
    th_assert_msg(slash && strncmp(admin, "postgresql://", 13) == 0 && slash > admin + 12,
                  "DK_TEST_PG_URL must be postgresql://HOST:PORT/DB, got %s", admin);
    snprintf(db, db_size, "%s_%ld_%u", prefix, (long)getpid(), atomic_fetch_add(&seq, 1));
    char sql[128];
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", db);
    pg_admin_exec(sql);
    snprintf(url, url_size, "%.*s/%s%s", (int)(slash - admin), admin, db, q ? q : "");
}

void th_pg_db_drop(char *db)
{
    if (!db[0])
        return;
    char sql[128];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
    db[0] = '\0';
    pg_admin_exec(sql);
}
