int f(void)
{
    int x = 1;
    log(x);
    done(x);
    return x;
}
