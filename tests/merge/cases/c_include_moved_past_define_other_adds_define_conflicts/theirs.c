#include "a.h"
#define X 1
#define Y 2
#include "b.h"

int f(void);
