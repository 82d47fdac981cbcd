/*
 * store/pq.h - libpq, loaded with dlopen when the first PostgreSQL store
 * opens (store_pg.c's only way to it).
 *
 * Linking libpq would make every dk process load it and the 20 libraries
 * under it (OpenSSL, Kerberos, LDAP, SASL, GnuTLS...) and resolve their
 * symbols at start-up, bound immediately: about 8 M instructions, a third of
 * `dk merge-file` on a small file, for commands that never touch PostgreSQL.
 * Including this header instead of <libpq-fe.h> turns every PQ* call below
 * into a call through dk_store_pq_fns, filled by dk_store_pq_load.
 *
 * Contract: call dk_store_pq_load (thread-safe, idempotent) before any PQ*
 * call; after it returned DK_OK every listed function is set. Add a libpq
 * function by adding it to DK_STORE_PQ_FUNCS and a #define below.
 */
#ifndef DK_STORE_PQ_H
#define DK_STORE_PQ_H

#include <libpq-fe.h>

#define DK_STORE_PQ_FUNCS(X)                                                                       \
    X(PQclear)                                                                                     \
    X(PQcmdStatus)                                                                                 \
    X(PQcmdTuples)                                                                                 \
    X(PQconnectdbParams)                                                                           \
    X(PQconninfoFree)                                                                              \
    X(PQconninfoParse)                                                                             \
    X(PQconsumeInput)                                                                              \
    X(PQerrorMessage)                                                                              \
    X(PQexec)                                                                                      \
    X(PQexecParams)                                                                                \
    X(PQexecPrepared)                                                                              \
    X(PQfinish)                                                                                    \
    X(PQfreemem)                                                                                   \
    X(PQftype)                                                                                     \
    X(PQgetResult)                                                                                 \
    X(PQgetisnull)                                                                                 \
    X(PQgetlength)                                                                                 \
    X(PQgetvalue)                                                                                  \
    X(PQnfields)                                                                                   \
    X(PQnotifies)                                                                                  \
    X(PQntuples)                                                                                   \
    X(PQprepare)                                                                                   \
    X(PQresultErrorField)                                                                          \
    X(PQresultErrorMessage)                                                                        \
    X(PQresultStatus)                                                                              \
    X(PQsetNoticeProcessor)                                                                        \
    X(PQsocket)                                                                                    \
    X(PQstatus)                                                                                    \
    X(PQtransactionStatus)

/* indexes into dk_store_pq_fns */
enum dk_store_pq_fn {
#define DK_STORE_PQ_INDEX(name) DK_STORE_PQ_##name,
    DK_STORE_PQ_FUNCS(DK_STORE_PQ_INDEX)
#undef DK_STORE_PQ_INDEX
        DK_STORE_PQ_NFUNCS
};

/* filled by dk_store_pq_load; each call casts its entry back to the declared type */
extern void (*dk_store_pq_fns[DK_STORE_PQ_NFUNCS])(void);

/**
 * Load libpq (libpq.so.5) once per process and look up every function.
 * @return DK_OK; DK_EUNSUPPORTED (with the loader's reason) when the library
 *         or one of its functions cannot be loaded - then and on every later
 *         call.
 */
int dk_store_pq_load(void);

/* the calls, routed through the table (__typeof__ names the declaration, not this macro) */
#define PQclear     ((__typeof__(&PQclear))dk_store_pq_fns[DK_STORE_PQ_PQclear])
#define PQcmdStatus ((__typeof__(&PQcmdStatus))dk_store_pq_fns[DK_STORE_PQ_PQcmdStatus])
#define PQcmdTuples ((__typeof__(&PQcmdTuples))dk_store_pq_fns[DK_STORE_PQ_PQcmdTuples])
#define PQconnectdbParams                                                                          \
    ((__typeof__(&PQconnectdbParams))dk_store_pq_fns[DK_STORE_PQ_PQconnectdbParams])
#define PQconninfoFree  ((__typeof__(&PQconninfoFree))dk_store_pq_fns[DK_STORE_PQ_PQconninfoFree])
#define PQconninfoParse ((__typeof__(&PQconninfoParse))dk_store_pq_fns[DK_STORE_PQ_PQconninfoParse])
#define PQconsumeInput  ((__typeof__(&PQconsumeInput))dk_store_pq_fns[DK_STORE_PQ_PQconsumeInput])
#define PQerrorMessage  ((__typeof__(&PQerrorMessage))dk_store_pq_fns[DK_STORE_PQ_PQerrorMessage])
#define PQexec          ((__typeof__(&PQexec))dk_store_pq_fns[DK_STORE_PQ_PQexec])
#define PQexecParams    ((__typeof__(&PQexecParams))dk_store_pq_fns[DK_STORE_PQ_PQexecParams])
#define PQexecPrepared  ((__typeof__(&PQexecPrepared))dk_store_pq_fns[DK_STORE_PQ_PQexecPrepared])
#define PQfinish        ((__typeof__(&PQfinish))dk_store_pq_fns[DK_STORE_PQ_PQfinish])
#define PQfreemem       ((__typeof__(&PQfreemem))dk_store_pq_fns[DK_STORE_PQ_PQfreemem])
#define PQftype         ((__typeof__(&PQftype))dk_store_pq_fns[DK_STORE_PQ_PQftype])
#define PQgetResult     ((__typeof__(&PQgetResult))dk_store_pq_fns[DK_STORE_PQ_PQgetResult])
#define PQgetisnull     ((__typeof__(&PQgetisnull))dk_store_pq_fns[DK_STORE_PQ_PQgetisnull])
#define PQgetlength     ((__typeof__(&PQgetlength))dk_store_pq_fns[DK_STORE_PQ_PQgetlength])
#define PQgetvalue      ((__typeof__(&PQgetvalue))dk_store_pq_fns[DK_STORE_PQ_PQgetvalue])
#define PQnfields       ((__typeof__(&PQnfields))dk_store_pq_fns[DK_STORE_PQ_PQnfields])
#define PQnotifies      ((__typeof__(&PQnotifies))dk_store_pq_fns[DK_STORE_PQ_PQnotifies])
#define PQntuples       ((__typeof__(&PQntuples))dk_store_pq_fns[DK_STORE_PQ_PQntuples])
#define PQprepare       ((__typeof__(&PQprepare))dk_store_pq_fns[DK_STORE_PQ_PQprepare])
#define PQresultErrorField                                                                         \
    ((__typeof__(&PQresultErrorField))dk_store_pq_fns[DK_STORE_PQ_PQresultErrorField])
#define PQresultErrorMessage                                                                       \
    ((__typeof__(&PQresultErrorMessage))dk_store_pq_fns[DK_STORE_PQ_PQresultErrorMessage])
#define PQresultStatus ((__typeof__(&PQresultStatus))dk_store_pq_fns[DK_STORE_PQ_PQresultStatus])
#define PQsetNoticeProcessor                                                                       \
    ((__typeof__(&PQsetNoticeProcessor))dk_store_pq_fns[DK_STORE_PQ_PQsetNoticeProcessor])
#define PQsocket ((__typeof__(&PQsocket))dk_store_pq_fns[DK_STORE_PQ_PQsocket])
#define PQstatus ((__typeof__(&PQstatus))dk_store_pq_fns[DK_STORE_PQ_PQstatus])
#define PQtransactionStatus                                                                        \
    ((__typeof__(&PQtransactionStatus))dk_store_pq_fns[DK_STORE_PQ_PQtransactionStatus])

#endif
