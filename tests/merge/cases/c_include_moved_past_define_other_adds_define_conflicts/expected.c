#include "a.h"
<<<<<<< ours
=======
#define X 1
#define Y 2
>>>>>>> theirs
#include "b.h"
#define X 1

int f(void);
