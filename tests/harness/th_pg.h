/*
 * tests/harness/th_pg.h - a fresh PostgreSQL database per test, on the server
 * tests/run.sh starts (scripts/test-services) and names in DK_TEST_PG_URL.
 *
 * Without a server the calling test FAILS with "postgresql not available:
 * <why>" (DK_TEST_PG_ERROR when test-services could not start one): suites
 * that run on PostgreSQL are never skipped silently.
 */
#ifndef DK_TESTS_TH_PG_H
#define DK_TESTS_TH_PG_H

#include <stddef.h>

/**
 * Create a database named "<prefix>_<pid>_<n>" on DK_TEST_PG_URL's server.
 * @param[out] url the new database's connection URL (NUL-terminated)
 * @param[out] db  its name, for th_pg_db_drop
 */
void th_pg_db_create(char *url, size_t url_size, char *db, size_t db_size, const char *prefix);

/** Drop database `db` (forcing its connections closed) and clear `db`; "" is a no-op. */
void th_pg_db_drop(char *db);

#endif
