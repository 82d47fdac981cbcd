int f(void)
{
    int x = 1;
    log(z);
    extra();
    done(x);
    return x;
}
