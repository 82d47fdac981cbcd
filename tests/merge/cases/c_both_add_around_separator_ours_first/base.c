#include "server.h"

#include <math.h>

int first(void)
{
    return 1;
}
