#include <stdio.h>

<<<<<<< ours
int f(int x)
{
    return x;
}
=======
int f(long x)
{
    return (int)x;
}
>>>>>>> theirs

int a(void)
{
    return 1;
}

int b(void)
{
    return 2;
}

int c(void)
{
    return 3;
}
