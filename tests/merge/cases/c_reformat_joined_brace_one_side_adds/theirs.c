#include <errno.h>

int g(int a,
      int b) {
    return a + b;
}

int h(void)
{
    return 0;
}
