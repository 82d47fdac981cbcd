<<<<<<< ours
int a(void)
{
    return 1;
}
=======
int a(void)
{
    return 2;
}
>>>>>>> theirs
