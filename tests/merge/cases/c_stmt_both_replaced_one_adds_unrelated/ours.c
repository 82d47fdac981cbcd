int f(void)
{
    int x = 1;
    setup(x, 2);
    done(x);
    return x;
}
