namespace N
{
    public class A
    {
        public int X;

        public void M(int a) { }
    }
}
