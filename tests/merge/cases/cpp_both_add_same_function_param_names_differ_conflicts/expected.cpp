<<<<<<< ours
int f(int a)
{
    return a * 2;
}
=======
int f(int b)
{
    return b * 3;
}
>>>>>>> theirs

int g(int x)
{
    return x;
}

int h(int x)
{
    return x + 1;
}
