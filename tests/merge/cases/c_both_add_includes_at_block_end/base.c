#include <errno.h>
#include <stdio.h>
#include "queue.h"

static struct queue jobs;

int queue_init(size_t cap)
{
    jobs.items = calloc(cap, sizeof(*jobs.items));
    if (!jobs.items)
        return -ENOMEM;
    jobs.cap = cap;
    return 0;
}
