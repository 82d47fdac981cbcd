int g(void)
{
    setup(a);
    return 0;
}
