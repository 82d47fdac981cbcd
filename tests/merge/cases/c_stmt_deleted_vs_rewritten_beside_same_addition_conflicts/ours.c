int f(void)
{
    int x = 1;
    extra();
    done(x);
    return x;
}
