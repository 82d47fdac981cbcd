/*
 * util/dl.h - loading a shared library at run time, by its soname.
 *
 * For libraries that only some commands need (libpq, libmicrohttpd): linked,
 * they and everything under them are loaded and bound at every process
 * start. A module keeps a table of the functions it calls (see
 * store/pq.h), fills it once with dk_dl_lib_load, and routes its calls
 * through it.
 */
#ifndef DK_UTIL_DL_H
#define DK_UTIL_DL_H

#include <pthread.h>
#include <stddef.h>

/**
 * Open `soname` (RTLD_NOW | RTLD_LOCAL; never closed once every function
 * is found) and look up the `n` functions `names[i]` into `fns[i]`.
 * @return DK_OK with every fns[i] set; DK_EUNSUPPORTED, with the loader's
 *         reason and the name of the missing function if one is, when the
 *         library or a function cannot be loaded (then the library is
 *         closed again and every fns[i] is NULL).
 */
int dk_dl_load(void (**fns)(void), const char *soname, const char *const *names, size_t n);

/* A library loaded at most once per process; DK_DL_LIB_INIT, then dk_dl_lib_load. */
struct dk_dl_lib {
    const char *soname;
    const char *const *names;
    void (**fns)(void);
    size_t n;
    /* prefix of the error message ("postgresql") */
    const char *what;
    pthread_mutex_t mu;
    /* 0: not tried; 1: loaded; -1: failed, for `failure` */
    int state;
    char failure[256];
};

#define DK_DL_LIB_INIT(soname, names, fns, n, what)                                                \
    {                                                                                              \
        (soname), (names), (fns), (n), (what), PTHREAD_MUTEX_INITIALIZER, 0, ""                    \
    }

/**
 * Load `lib` into lib->fns the first time (dk_dl_load); later calls give
 * the first call's outcome. Thread-safe.
 * @return DK_OK; DK_EUNSUPPORTED "WHAT: cannot load SONAME: ..." otherwise.
 */
int dk_dl_lib_load(struct dk_dl_lib *lib);

#endif
