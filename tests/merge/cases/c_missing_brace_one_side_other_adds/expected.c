int f0(int a)
{
    return a;


int f1(int a)
{
    return a;
}

int n(int a)
{
    return a;
}
