<<<<<<< ours
=======
#include "app.h"
#include "mid.h"
>>>>>>> theirs
#include "config.h"
#include "app.h"

int main(void)
{
    return 0;
}
