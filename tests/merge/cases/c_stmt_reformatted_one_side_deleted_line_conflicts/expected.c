int g(void)
{
    setup(a);
<<<<<<< ours
=======
    trace(a);
>>>>>>> theirs
    return 0;
}
