/*
 * dk/dk.h - umbrella header of libdk.
 *
 * libdk is thread-safe where each header says so; it never writes to stdout
 * or stderr (see dk/log.h) and reports failures through dk/errors.h.
 */
#ifndef DK_DK_H
#define DK_DK_H

#include "dk/errors.h"
#include "dk/lang.h"
#include "dk/log.h"
#include "dk/merge.h"

#define DK_VERSION "0.1.0"

/** The library version string ("0.1.0"). Static; thread-safe. */
DK_EXTERN const char *dk_version(void);

/** Flags of dk_global_init. */
enum dk_global_init_flags {
    /*
     * Read no git configuration from outside a repository: empty libgit2's
     * search paths for the system, XDG and global levels (/etc/gitconfig,
     * ~/.config/git/config, ~/.gitconfig) for the whole process, so that a
     * server's or a test's behaviour does not depend on the user it runs as.
     */
    DK_GLOBAL_ISOLATE_CONFIG = 1u << 0,
};

/**
 * Process-wide set-up, owned by the application (as git_libgit2_init and
 * sqlite3_config): initialises libgit2 and applies the policy `flags` asks
 * for (dk_global_init_flags). libdk changes no process-wide setting on its
 * own; a library call that needs libgit2 before this was called initialises
 * libgit2 alone, with no policy, as SQLite initialises itself.
 *
 * Call it once at start, before threads; later calls may add flags, never
 * remove one. Thread-safe (one mutex).
 * @return DK_OK; DK_EINVALID for an unknown flag; DK_ERROR if libgit2 could
 *         not be initialised.
 */
DK_EXTERN int dk_global_init(unsigned flags);

#endif
