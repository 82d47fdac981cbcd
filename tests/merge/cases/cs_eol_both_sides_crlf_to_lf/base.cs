namespace Demo
{
    public class TypeInfo
    {
        public int Count;
        public int Size;
    }
}
