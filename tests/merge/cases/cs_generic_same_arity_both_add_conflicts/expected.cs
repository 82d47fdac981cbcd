namespace Demo
{
    public class Bar
    {
    }

<<<<<<< ours
    public class Foo<T>
    {
        public T Value { get; set; }
    }
=======
    public class Foo<TItem>
    {
        public TItem Item { get; set; }
    }
>>>>>>> theirs
}
