#include <stddef.h>

int count(void);
