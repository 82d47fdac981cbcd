int g(int x)
{
    return x;
}

int h(int x)
{
    return x + 1;
}

int f(int b)
{
    return b * 3;
}
