int a(void)
{
    return 1;
}

int n(void)
{
    return 0;
}

int c(void)
{
    return 3;
}
