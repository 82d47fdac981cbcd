/*
 * server/mhd.h - libmicrohttpd, loaded with dlopen when a server starts
 * (dk_server_start); the server's only way to it.
 *
 * Linked, libmicrohttpd and GnuTLS under it (with p11-kit, nettle, gmp,
 * libidn2, libunistring...) would be loaded and bound at the start of every
 * dk process: about 5 M instructions, a quarter of a small `dk merge-file`,
 * for commands that serve nothing. Including this header instead of
 * <microhttpd.h> turns every MHD_* call into a call through dk_server_mhd_fns,
 * filled by dk_server_mhd_load.
 *
 * Contract: call dk_server_mhd_load (thread-safe, idempotent) before any
 * MHD_* call; after it returned DK_OK every listed function is set. Add a
 * function by adding it to DK_SERVER_MHD_FUNCS and a #define below.
 */
#ifndef DK_SERVER_MHD_H
#define DK_SERVER_MHD_H

/* microhttpd.h needs these first */
#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>

#define DK_SERVER_MHD_FUNCS(X)                                                                     \
    X(MHD_add_response_header)                                                                     \
    X(MHD_create_response_from_buffer)                                                             \
    X(MHD_create_response_from_callback)                                                           \
    X(MHD_destroy_response)                                                                        \
    X(MHD_get_daemon_info)                                                                         \
    X(MHD_lookup_connection_value)                                                                 \
    X(MHD_queue_response)                                                                          \
    X(MHD_resume_connection)                                                                       \
    X(MHD_set_connection_option)                                                                   \
    X(MHD_start_daemon)                                                                            \
    X(MHD_stop_daemon)                                                                             \
    X(MHD_suspend_connection)

/* indexes into dk_server_mhd_fns */
enum dk_server_mhd_fn {
#define DK_SERVER_MHD_INDEX(name) DK_SERVER_MHD_##name,
    DK_SERVER_MHD_FUNCS(DK_SERVER_MHD_INDEX)
#undef DK_SERVER_MHD_INDEX
        DK_SERVER_MHD_NFUNCS
};

/* filled by dk_server_mhd_load; each call casts its entry back to the declared type */
extern void (*dk_server_mhd_fns[DK_SERVER_MHD_NFUNCS])(void);

/**
 * Load libmicrohttpd (libmicrohttpd.so.12) once per process and look up
 * every function.
 * @return DK_OK; DK_EUNSUPPORTED (with the loader's reason) when the
 *         library or one of its functions cannot be loaded - then and on
 *         every later call.
 */
int dk_server_mhd_load(void);

/* the calls, routed through the table (__typeof__ names the declaration, not this macro) */
#define MHD_add_response_header                                                                    \
    ((__typeof__(&MHD_add_response_header))dk_server_mhd_fns[DK_SERVER_MHD_MHD_add_response_header])
#define MHD_create_response_from_buffer                                                            \
    ((__typeof__(&MHD_create_response_from_buffer))                                                \
         dk_server_mhd_fns[DK_SERVER_MHD_MHD_create_response_from_buffer])
#define MHD_create_response_from_callback                                                          \
    ((__typeof__(&MHD_create_response_from_callback))                                              \
         dk_server_mhd_fns[DK_SERVER_MHD_MHD_create_response_from_callback])
#define MHD_destroy_response                                                                       \
    ((__typeof__(&MHD_destroy_response))dk_server_mhd_fns[DK_SERVER_MHD_MHD_destroy_response])
#define MHD_get_daemon_info                                                                        \
    ((__typeof__(&MHD_get_daemon_info))dk_server_mhd_fns[DK_SERVER_MHD_MHD_get_daemon_info])
#define MHD_lookup_connection_value                                                                \
    ((__typeof__(&MHD_lookup_connection_value))                                                    \
         dk_server_mhd_fns[DK_SERVER_MHD_MHD_lookup_connection_value])
#define MHD_queue_response                                                                         \
    ((__typeof__(&MHD_queue_response))dk_server_mhd_fns[DK_SERVER_MHD_MHD_queue_response])
#define MHD_resume_connection                                                                      \
    ((__typeof__(&MHD_resume_connection))dk_server_mhd_fns[DK_SERVER_MHD_MHD_resume_connection])
#define MHD_set_connection_option                                                                  \
    ((__typeof__(&MHD_set_connection_option))                                                      \
         dk_server_mhd_fns[DK_SERVER_MHD_MHD_set_connection_option])
#define MHD_start_daemon                                                                           \
    ((__typeof__(&MHD_start_daemon))dk_server_mhd_fns[DK_SERVER_MHD_MHD_start_daemon])
#define MHD_stop_daemon                                                                            \
    ((__typeof__(&MHD_stop_daemon))dk_server_mhd_fns[DK_SERVER_MHD_MHD_stop_daemon])
#define MHD_suspend_connection                                                                     \
    ((__typeof__(&MHD_suspend_connection))dk_server_mhd_fns[DK_SERVER_MHD_MHD_suspend_connection])

#endif
