namespace Shop.Data
{
    public class Box
    {
        public object Value { get; set; }
    }

    public class Box<T> : Box
    {
        public new T Value { get; set; }

        public TOut Map<TOut>(System.Func<T, TOut> f) => f(Value);

        public T Map(T fallback) => Value ?? fallback;
    }

    public interface IStore<TKey, TValue>
    {
        TValue Get(TKey key);
    }

    public delegate TOut Converter<TIn, TOut>(TIn input);
}
