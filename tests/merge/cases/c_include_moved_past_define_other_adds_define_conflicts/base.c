#include "a.h"
#define X 1
#include "b.h"

int f(void);
