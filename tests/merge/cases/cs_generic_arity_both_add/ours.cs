namespace Demo
{
    public class Bar
    {
    }

    public class Foo
    {
        public object Value { get; set; }
    }
}
