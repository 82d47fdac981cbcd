namespace N
{
    public class A
    {
        public int X;
    }
}
