/*
 * store/migrations.h - the schema migrations, embedded at build time.
 *
 * scripts/embed-sql turns src/store/migrations/NNN_name.sql into
 * $(O)/gen/store_migrations.c, a table sorted by version. The SQL is the
 * file's bytes, per-backend lines (`-- sqlite: `, `-- postgresql: `)
 * included; store.c filters them. Immutable, shared by every thread.
 */
#ifndef DK_STORE_MIGRATIONS_H
#define DK_STORE_MIGRATIONS_H

#include <stddef.h>

struct dk_store_migration {
    /* NNN of the file name; 1, 2, 3, ... */
    int version;
    /* the file name's `name` part */
    const char *name;
    /* the file's text */
    const char *sql;
};

/* The migrations in version order (generated). */
extern const struct dk_store_migration dk_store_migrations[];
/* How many (generated). */
extern const size_t dk_store_migrations_count;

#endif
