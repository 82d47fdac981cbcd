#include <errno.h>

int g(int a,
      int b) {
    errno = 0;
    return a + b;
}

int h(void)
{
    return 0;
}
