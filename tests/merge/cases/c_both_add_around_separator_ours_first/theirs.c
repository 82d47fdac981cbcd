#include "server.h"

#include <math.h>
static char charset_fill[] = "_o#";

int first(void)
{
    return 1;
}
