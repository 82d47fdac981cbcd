# tests/integration/lib/pg_db.sh - sourced by the integration scripts that
# run a second time on PostgreSQL + Redis (agents20.sh, crash_restart.sh).
#   pg_db NAME   sets PGDB to a fresh database NAME on the PostgreSQL server
#                of tests/run.sh (its DK_TEST_PG_URL / DK_TEST_REDIS_URL), or
#                of scripts/test-services started here when run alone; fails
#                when either service is missing.
#   pg_db_done   drops the database and stops services started here.
# Needs `fail` (the sourcing script's) and the repository as the working directory.
PG_OWN_SERVICES=
PG_DB_NAME=
pg_db() {
    if { [ -z "${DK_TEST_PG_URL:-}" ] && [ -z "${DK_TEST_PG_ERROR:-}" ]; } ||
        { [ -z "${DK_TEST_REDIS_URL:-}" ] && [ -z "${DK_TEST_REDIS_ERROR:-}" ]; }; then
        eval "$(scripts/test-services start)"
        PG_OWN_SERVICES=$DK_TEST_SERVICES_DIR
    fi
    [ -n "${DK_TEST_PG_URL:-}" ] || fail "postgresql not available: ${DK_TEST_PG_ERROR:-unknown}"
    [ -n "${DK_TEST_REDIS_URL:-}" ] || fail "redis not available: ${DK_TEST_REDIS_ERROR:-unknown}"
    PG_DB_NAME=$1
    psql -q "$DK_TEST_PG_URL" -c "CREATE DATABASE $PG_DB_NAME" > /dev/null || fail "create database $PG_DB_NAME"
    PGDB=${DK_TEST_PG_URL%/*}/$PG_DB_NAME
}
pg_db_done() {
    if [ -n "$PG_DB_NAME" ]; then
        psql -q "$DK_TEST_PG_URL" -c "DROP DATABASE $PG_DB_NAME" > /dev/null 2>&1 || true
        PG_DB_NAME=
    fi
    if [ -n "$PG_OWN_SERVICES" ]; then
        scripts/test-services stop "$PG_OWN_SERVICES" > /dev/null 2>&1 || true
        PG_OWN_SERVICES=
    fi
}
