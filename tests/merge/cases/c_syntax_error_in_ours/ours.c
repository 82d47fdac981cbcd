#include <stdio.h>

int sum(const int *v, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++ {
        s += v[i];
    return s;
}

int mean(const int *v, int n)
{
    if (n == 0)
        return -1;
    return sum(v, n) / n;
}
