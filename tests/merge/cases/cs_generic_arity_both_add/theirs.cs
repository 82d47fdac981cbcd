namespace Demo
{
    public class Bar
    {
    }

    public class Foo<T> : Foo
    {
        public new T Value { get; set; }
    }
}
