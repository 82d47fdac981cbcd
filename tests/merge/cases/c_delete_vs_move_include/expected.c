/* threshold handling for the riemann writer */

#include "collectd.h"

#include "common.h"
#include "plugin.h"

<<<<<<< ours
=======
#include <ltdl.h>
>>>>>>> theirs

int threshold_check(int value)
{
    assert(value >= 0);
    return value > 0;
}
