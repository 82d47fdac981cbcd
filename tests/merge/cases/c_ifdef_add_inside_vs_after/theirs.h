#ifndef NET_TLS_H
#define NET_TLS_H

#include <stdbool.h>

#ifdef HAVE_OPENSSL
#include <openssl/ssl.h>

static inline int tls_init(void)
{
    return OPENSSL_init_ssl(0, NULL);
}
#endif

static inline const char *tls_backend(void)
{
#ifdef HAVE_OPENSSL
    return "openssl";
#else
    return "none";
#endif
}

static inline bool tls_enabled(void)
{
#ifdef HAVE_OPENSSL
    return true;
#else
    return false;
#endif
}

#endif /* NET_TLS_H */
