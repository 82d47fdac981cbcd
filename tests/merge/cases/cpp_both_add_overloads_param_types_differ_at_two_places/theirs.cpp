int g(int x)
{
    return x;
}

int h(int x)
{
    return x + 1;
}

int f(long b)
{
    return b * 3;
}
