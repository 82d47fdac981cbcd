#include "server.h"

#include <math.h>

/* The charset. */
static char charset[] = "_-`";
static char charset_fill[] = "_o#";

int first(void)
{
    return 1;
}
