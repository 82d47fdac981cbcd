#ifndef APP_CONFIG_H
#define APP_CONFIG_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "types.h"
#include "log.h"

#define APP_NAME "demo"

typedef struct config {
    const char *path;
    size_t max_items;
    int verbose;
} config_t;

int config_load(config_t *cfg, const char *path);
void config_free(config_t *cfg);

#endif /* APP_CONFIG_H */
