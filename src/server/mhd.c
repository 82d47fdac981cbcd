/*
 * server/mhd.c - loads libmicrohttpd on first use (see mhd.h for why).
 *
 * Invariants: loaded at most once per process, never closed (dk_dl_lib).
 * Conventions: messages start "http server: ".
 */
#include "server/mhd.h"

#include "util/dl.h"

#include "util/banned.h"

static const char *const mhd_names[] = {
#define SRV_MHD_NAME(name) #name,
    DK_SERVER_MHD_FUNCS(SRV_MHD_NAME)
#undef SRV_MHD_NAME
};

void (*dk_server_mhd_fns[DK_SERVER_MHD_NFUNCS])(void);

/* libmicrohttpd's ABI major (Debian 12 ships 0.9.75) */
static struct dk_dl_lib mhd_lib = DK_DL_LIB_INIT(
    "libmicrohttpd.so.12", mhd_names, dk_server_mhd_fns, DK_SERVER_MHD_NFUNCS, "http server");

int dk_server_mhd_load(void)
{
    return dk_dl_lib_load(&mhd_lib);
}
