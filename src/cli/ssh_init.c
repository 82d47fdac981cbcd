/*
 * cli/ssh_init.c - a policy of the dk executable: libgit2's init does not
 * initialise libssh2's crypto backend in a dk process.
 *
 * Debian's libgit2 links libssh2, and git_libgit2_init calls libssh2_init(0),
 * which initialises OpenSSL eagerly (all algorithms, the built-in engines,
 * their error strings): about 1.1 M instructions, 5% of a 100-line
 * `dk merge-file`, paid by every command. dk opens no network connection
 * through libgit2 (no remotes, clone, fetch or push; see ca_bundle.c), so it
 * never uses libssh2.
 *
 * This file defines libssh2_init with default visibility; the executable
 * exports it (libgit2 refers to the name) and the dynamic linker binds the
 * call to it ahead of libssh2's. It does nothing and succeeds.
 *
 * Why this stays safe if ssh were ever used: libssh2's own calls to
 * libssh2_init bind here too, and OpenSSL 1.1 and later initialise
 * themselves on first use, so a session would still work (without OpenSSL
 * engines, which dk does not configure). Why here and not in libdk: the
 * same rule as ca_bundle.c, interposing a symbol is the application's
 * decision. tests/integration/cli_process.sh checks the binding.
 */
#include "dk/dk.h"

#include "util/banned.h"

DK_EXTERN int libssh2_init(int flags);
int libssh2_init(int flags)
{
    (void)flags;
    return 0;
}
