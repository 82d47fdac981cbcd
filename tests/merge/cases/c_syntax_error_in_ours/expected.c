#include <stdio.h>

int sum(const int *v, int n)
{
    int s = 0;
<<<<<<< ours
    for (int i = 0; i < n; i++ {
        s += v[i];
=======
    for (int i = 0; i < n; i++)
        s += v[i] * 1;
>>>>>>> theirs
    return s;
}

int mean(const int *v, int n)
{
    if (n == 0)
<<<<<<< ours
        return -1;
    return sum(v, n) / n;
=======
        return 0;
    return (sum(v, n) + n / 2) / n;
>>>>>>> theirs
}
