namespace N
{
    public class A
    {
        public int X;

        public void M(int a) { }

        public void M(string a) { }
    }
}
