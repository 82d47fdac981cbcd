int f(void)
{
    int x = 1;
    setup(x, 2);
    trace_enter();
    done(x);
    return x;
}
