/*
 * cli/ca_bundle.c - a policy of the dk executable: libgit2 never parses the
 * system CA bundle in a dk process.
 *
 * Debian's libgit2 is built with mbedTLS, and git_libgit2_init parses the
 * system CA bundle (GIT_DEFAULT_CERT_LOCATION, compiled in, with no option or
 * variable to skip it): about 54 M instructions, three quarters of
 * `dk version` and a fifth of a 2,000-line `dk merge-file`. dk opens no
 * network connection through libgit2 (no remotes, clone, fetch or push; its
 * git-over-HTTP is served by dk itself and `git http-backend`), so it never
 * needs those certificates.
 *
 * This file defines mbedtls_x509_crt_parse_file with default visibility; the
 * executable exports it (libgit2, a shared library it links, refers to the
 * name) and the dynamic linker binds libgit2's call to it ahead of
 * libmbedx509's. It reads nothing and fails like a missing file.
 *
 * Why here and not in libdk: interposing a symbol changes the whole process.
 * That is the application's decision to make (the same rule as
 * dk_global_init's flags), never a library's: a program that links libdk.a
 * and makes its own mbedTLS connections keeps its certificates.
 *
 * Fail closed: should a libgit2 TLS connection ever be made in a dk process,
 * it would find no trusted CA and certificate verification would refuse the
 * server. With a libgit2 built on OpenSSL, or without TLS, nothing calls it.
 * tests/integration/cli_process.sh checks the binding with LD_DEBUG.
 */
#include "dk/dk.h"

#include "util/banned.h"

/* mbedTLS's MBEDTLS_ERR_X509_FILE_IO_ERROR ("read or write error in file") */
#define CA_BUNDLE_FILE_IO_ERROR (-0x2900)

/* `chain` is an mbedtls_x509_crt *: no certificate is added to it. */
DK_EXTERN int mbedtls_x509_crt_parse_file(void *chain, const char *path);
int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
    (void)chain;
    (void)path;
    return CA_BUNDLE_FILE_IO_ERROR;
}
