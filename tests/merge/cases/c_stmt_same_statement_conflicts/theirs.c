#include <stdio.h>

static int counter;

int run(int n)
{
    int total = 0;
    int step = 3;
    printf("start\n");
    for (int i = 0; i < n; i++) {
        total += i * step;
        counter++;
    }
    printf("done %d\n", total);
    return total + 1;
}

int other(void)
{
    return counter;
}
