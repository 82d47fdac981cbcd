/* threshold handling for the riemann writer */

#include "collectd.h"

#include "common.h"
#include "plugin.h"

#include <ltdl.h>

int threshold_check(int value)
{
    return value > 0;
}
