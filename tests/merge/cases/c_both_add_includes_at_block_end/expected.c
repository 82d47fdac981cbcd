#include <errno.h>
#include <stdio.h>
#include "queue.h"
#include <stdlib.h>
#include "log.h"

static struct queue jobs;

int queue_init(size_t cap)
{
    jobs.items = calloc(cap, sizeof(*jobs.items));
    if (!jobs.items)
        return log_error("queue_init", -ENOMEM);
    jobs.cap = cap;
    return 0;
}
