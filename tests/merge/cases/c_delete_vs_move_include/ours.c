/* threshold handling for the riemann writer */

#include "collectd.h"

#include "common.h"
#include "plugin.h"

int threshold_check(int value)
{
    assert(value >= 0);
    return value > 0;
}
