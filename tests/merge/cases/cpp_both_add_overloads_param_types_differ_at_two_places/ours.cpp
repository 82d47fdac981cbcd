int f(int a)
{
    return a * 2;
}

int g(int x)
{
    return x;
}

int h(int x)
{
    return x + 1;
}
