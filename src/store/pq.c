/*
 * store/pq.c - loads libpq on first use (see pq.h for why).
 *
 * Invariants: loaded at most once per process, never closed (dk_dl_lib).
 * Conventions: messages start "postgresql: ".
 */
#include "store/pq.h"

#include "util/dl.h"

#include "util/banned.h"

static const char *const pq_names[] = {
#define PQ_NAME(name) #name,
    DK_STORE_PQ_FUNCS(PQ_NAME)
#undef PQ_NAME
};

void (*dk_store_pq_fns[DK_STORE_PQ_NFUNCS])(void);

/* libpq's ABI major, unchanged since PostgreSQL 8.x */
static struct dk_dl_lib pq_lib =
    DK_DL_LIB_INIT("libpq.so.5", pq_names, dk_store_pq_fns, DK_STORE_PQ_NFUNCS, "postgresql");

int dk_store_pq_load(void)
{
    return dk_dl_lib_load(&pq_lib);
}
