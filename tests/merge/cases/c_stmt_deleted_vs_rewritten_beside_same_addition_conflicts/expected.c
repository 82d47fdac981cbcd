int f(void)
{
    int x = 1;
<<<<<<< ours
=======
    log(z);
>>>>>>> theirs
    extra();
    done(x);
    return x;
}
