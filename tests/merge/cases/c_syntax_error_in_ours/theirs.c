#include <stdio.h>

int sum(const int *v, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += v[i] * 1;
    return s;
}

int mean(const int *v, int n)
{
    if (n == 0)
        return 0;
    return (sum(v, n) + n / 2) / n;
}
