/*
 * util/dl.c - dk_dl_load: dlopen and dlsym, with dk errors.
 *
 * Invariants: a library opened here stays open for the life of the process
 * (its functions may be called from any thread at any time), unless a listed
 * function is missing: then it is closed and `fns` is all NULL; a dk_dl_lib
 * is tried once, under its mutex, and its outcome never changes. Conventions:
 * the message names the soname and, when one is missing, the function.
 */
#include "util/dl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dk/dk.h"

#include "util/banned.h"

int dk_dl_load(void (**fns)(void), const char *soname, const char *const *names, size_t n)
{
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *e = dlerror();
        return dk_error_set(DK_EUNSUPPORTED, "cannot load %s: %s", soname,
                            e ? e : "unknown loader error");
    }
    for (size_t i = 0; i < n; i++) {
        void *p = dlsym(lib, names[i]);
        if (!p) {
            /* nothing half-filled is left behind, and the library is let go */
            memset(fns, 0, n * sizeof(*fns));
            dlclose(lib);
            return dk_error_set(DK_EUNSUPPORTED, "cannot load %s: it has no %s", soname, names[i]);
        }
        /* POSIX: a function's address converts through void * */
        memcpy(&fns[i], &p, sizeof(p));
    }
    return DK_OK;
}

int dk_dl_lib_load(struct dk_dl_lib *lib)
{
    pthread_mutex_lock(&lib->mu);
    if (lib->state == 0) {
        if (dk_dl_load(lib->fns, lib->soname, lib->names, lib->n) == DK_OK) {
            lib->state = 1;
        } else {
            snprintf(lib->failure, sizeof(lib->failure), "%s", dk_error_last()->msg);
            lib->state = -1;
        }
    }
    int state = lib->state;
    pthread_mutex_unlock(&lib->mu);
    if (state < 0)
        return dk_error_set(DK_EUNSUPPORTED, "%s: %s", lib->what, lib->failure);
    return DK_OK;
}
