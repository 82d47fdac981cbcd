#include "server.h"

#include <math.h>

/* The charset. */
static char charset[] = "_-`";

int first(void)
{
    return 1;
}
