namespace Demo
{
    /// <summary>Cached type facts.</summary>
    public class TypeInfo
    {
        public int Count;
        public int Size;
    }
}
