namespace Demo
{
    public class TypeInfo
    {
        public long Count;
        public int Size;
    }
}
