namespace Demo
{
    public class Bar
    {
    }

    public class Foo<TItem>
    {
        public TItem Item { get; set; }
    }
}
