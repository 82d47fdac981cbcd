/* threshold handling for the riemann writer */

#include <assert.h>
#include <ltdl.h>
#include <pthread.h>

#include "collectd.h"
#include "common.h"
#include "plugin.h"

int threshold_check(int value)
{
    return value > 0;
}
