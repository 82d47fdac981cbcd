/*
 * store/sqlite.h - libsqlite3, loaded with dlopen when the first SQLite store
 * opens (store_sqlite.c's only way to it).
 *
 * Linked, libsqlite3 costs every dk process 1,610 symbol relocations at
 * start-up (Debian builds it with BIND_NOW, and it binds its own exported
 * API through the GOT): about 1.5 M instructions, a sixth of the dynamic
 * loader's work, for commands such as `dk merge-file` that open no store.
 * Including this header instead of <sqlite3.h> turns every sqlite3_* call
 * below into a call through dk_store_sqlite_fns, filled by
 * dk_store_sqlite_load.
 *
 * Contract: call dk_store_sqlite_load (thread-safe, idempotent) before any
 * sqlite3_* call; after it returned DK_OK every listed function is set. Add a
 * function by adding it to DK_STORE_SQLITE_FUNCS and a #define below.
 */
#ifndef DK_STORE_SQLITE_H
#define DK_STORE_SQLITE_H

#include <sqlite3.h>

#define DK_STORE_SQLITE_FUNCS(X)                                                                   \
    X(sqlite3_bind_int64)                                                                          \
    X(sqlite3_bind_null)                                                                           \
    X(sqlite3_bind_text)                                                                           \
    X(sqlite3_busy_timeout)                                                                        \
    X(sqlite3_changes64)                                                                           \
    X(sqlite3_clear_bindings)                                                                      \
    X(sqlite3_close_v2)                                                                            \
    X(sqlite3_column_bytes)                                                                        \
    X(sqlite3_column_count)                                                                        \
    X(sqlite3_column_int64)                                                                        \
    X(sqlite3_column_text)                                                                         \
    X(sqlite3_column_type)                                                                         \
    X(sqlite3_db_handle)                                                                           \
    X(sqlite3_errmsg)                                                                              \
    X(sqlite3_errstr)                                                                              \
    X(sqlite3_exec)                                                                                \
    X(sqlite3_extended_errcode)                                                                    \
    X(sqlite3_extended_result_codes)                                                               \
    X(sqlite3_finalize)                                                                            \
    X(sqlite3_free)                                                                                \
    X(sqlite3_open_v2)                                                                             \
    X(sqlite3_prepare_v3)                                                                          \
    X(sqlite3_reset)                                                                               \
    X(sqlite3_step)                                                                                \
    X(sqlite3_wal_checkpoint_v2)                                                                   \
    X(sqlite3_wal_hook)

/* indexes into dk_store_sqlite_fns */
enum dk_store_sqlite_fn {
#define DK_STORE_SQLITE_INDEX(name) DK_STORE_SQLITE_##name,
    DK_STORE_SQLITE_FUNCS(DK_STORE_SQLITE_INDEX)
#undef DK_STORE_SQLITE_INDEX
        DK_STORE_SQLITE_NFUNCS
};

/* filled by dk_store_sqlite_load; each call casts its entry back to the declared type */
extern void (*dk_store_sqlite_fns[DK_STORE_SQLITE_NFUNCS])(void);

/**
 * Load libsqlite3 (libsqlite3.so.0) once per process and look up every
 * function.
 * @return DK_OK; DK_EUNSUPPORTED (with the loader's reason) when the library
 *         or one of its functions cannot be loaded - then and on every later
 *         call.
 */
int dk_store_sqlite_load(void);

/* the calls, routed through the table (__typeof__ names the declaration, not this macro) */
#define sqlite3_bind_int64                                                                         \
    ((__typeof__(&sqlite3_bind_int64))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_bind_int64])
#define sqlite3_bind_null                                                                          \
    ((__typeof__(&sqlite3_bind_null))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_bind_null])
#define sqlite3_bind_text                                                                          \
    ((__typeof__(&sqlite3_bind_text))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_bind_text])
#define sqlite3_busy_timeout                                                                       \
    ((__typeof__(&sqlite3_busy_timeout))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_busy_timeout])
#define sqlite3_changes64                                                                          \
    ((__typeof__(&sqlite3_changes64))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_changes64])
#define sqlite3_clear_bindings                                                                     \
    ((__typeof__(&sqlite3_clear_bindings))                                                         \
         dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_clear_bindings])
#define sqlite3_close_v2                                                                           \
    ((__typeof__(&sqlite3_close_v2))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_close_v2])
#define sqlite3_column_bytes                                                                       \
    ((__typeof__(&sqlite3_column_bytes))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_column_bytes])
#define sqlite3_column_count                                                                       \
    ((__typeof__(&sqlite3_column_count))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_column_count])
#define sqlite3_column_int64                                                                       \
    ((__typeof__(&sqlite3_column_int64))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_column_int64])
#define sqlite3_column_text                                                                        \
    ((__typeof__(&sqlite3_column_text))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_column_text])
#define sqlite3_column_type                                                                        \
    ((__typeof__(&sqlite3_column_type))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_column_type])
#define sqlite3_db_handle                                                                          \
    ((__typeof__(&sqlite3_db_handle))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_db_handle])
#define sqlite3_errmsg                                                                             \
    ((__typeof__(&sqlite3_errmsg))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_errmsg])
#define sqlite3_errstr                                                                             \
    ((__typeof__(&sqlite3_errstr))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_errstr])
#define sqlite3_exec ((__typeof__(&sqlite3_exec))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_exec])
#define sqlite3_extended_errcode                                                                   \
    ((__typeof__(&sqlite3_extended_errcode))                                                       \
         dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_extended_errcode])
#define sqlite3_extended_result_codes                                                              \
    ((__typeof__(&sqlite3_extended_result_codes))                                                  \
         dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_extended_result_codes])
#define sqlite3_finalize                                                                           \
    ((__typeof__(&sqlite3_finalize))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_finalize])
#define sqlite3_free ((__typeof__(&sqlite3_free))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_free])
#define sqlite3_open_v2                                                                            \
    ((__typeof__(&sqlite3_open_v2))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_open_v2])
#define sqlite3_prepare_v3                                                                         \
    ((__typeof__(&sqlite3_prepare_v3))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_prepare_v3])
#define sqlite3_reset                                                                              \
    ((__typeof__(&sqlite3_reset))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_reset])
#define sqlite3_step ((__typeof__(&sqlite3_step))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_step])
#define sqlite3_wal_checkpoint_v2                                                                  \
    ((__typeof__(&sqlite3_wal_checkpoint_v2))                                                      \
         dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_wal_checkpoint_v2])
#define sqlite3_wal_hook                                                                           \
    ((__typeof__(&sqlite3_wal_hook))dk_store_sqlite_fns[DK_STORE_SQLITE_sqlite3_wal_hook])

#endif
