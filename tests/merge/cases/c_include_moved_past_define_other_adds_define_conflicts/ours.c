#include "a.h"
#include "b.h"
#define X 1

int f(void);
