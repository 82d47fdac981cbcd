namespace Demo
{
    /// <summary>Cached type facts.</summary>
    public class TypeInfo
    {
        public long Count;
        public int Size;
    }
}
