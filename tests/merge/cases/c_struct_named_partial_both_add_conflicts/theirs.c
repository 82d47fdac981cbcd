#include <stddef.h>

struct partial {
    size_t used;
};

int count(void);
