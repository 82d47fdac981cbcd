namespace Demo
{
    public class Bar
    {
    }

    public class Foo<T>
    {
        public T Value { get; set; }
    }
}
