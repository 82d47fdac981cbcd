int a(void)
{
    return 2;
}
