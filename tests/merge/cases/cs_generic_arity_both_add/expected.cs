namespace Demo
{
    public class Bar
    {
    }

    public class Foo
    {
        public object Value { get; set; }
    }

    public class Foo<T> : Foo
    {
        public new T Value { get; set; }
    }
}
