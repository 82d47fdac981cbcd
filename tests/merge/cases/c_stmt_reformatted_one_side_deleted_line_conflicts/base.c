int g(void)
{
    setup (a);
    trace (a);
    return 0;
}
