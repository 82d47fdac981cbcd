int f(void)
{
    int x = 1;
    prepare_buffers(x);
    done(x);
    return x;
}
