namespace N
{
    public class A
    {
        public int X;

<<<<<<< ours
        public void M(int a) { }
=======
        public void M(int b) { }
>>>>>>> theirs
    }
}
