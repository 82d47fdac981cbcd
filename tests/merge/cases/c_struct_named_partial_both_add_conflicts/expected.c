#include <stddef.h>

<<<<<<< ours
struct partial {
    int done;
};
=======
struct partial {
    size_t used;
};
>>>>>>> theirs

int count(void);
