/*
 * store/sqlite.c - loads libsqlite3 on first use (see sqlite.h for why).
 *
 * Invariants: loaded at most once per process, never closed (dk_dl_lib).
 * Conventions: messages start "sqlite: ".
 */
#include "store/sqlite.h"

#include "util/dl.h"

#include "util/banned.h"

static const char *const sqlite_names[] = {
#define SQLITE_NAME(name) #name,
    DK_STORE_SQLITE_FUNCS(SQLITE_NAME)
#undef SQLITE_NAME
};

void (*dk_store_sqlite_fns[DK_STORE_SQLITE_NFUNCS])(void);

/* libsqlite3's soname, unchanged since SQLite 3.0 */
static struct dk_dl_lib sqlite_lib = DK_DL_LIB_INIT(
    "libsqlite3.so.0", sqlite_names, dk_store_sqlite_fns, DK_STORE_SQLITE_NFUNCS, "sqlite");

int dk_store_sqlite_load(void)
{
    return dk_dl_lib_load(&sqlite_lib);
}
