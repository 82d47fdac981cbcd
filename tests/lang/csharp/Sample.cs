// Sample.cs - an order book used by the fixture.
using System;
using System.Collections.Generic;
using static System.Math;
using Env = System.Environment;
global using System.Linq;

namespace Shop.Orders
{
    /// <summary>What an order can be.</summary>
    public enum Status
    {
        Open,
        /// <summary>Paid in full.</summary>
        Paid = 2,
        Cancelled,
    }

    /// <summary>Something that can be priced.</summary>
    public interface IPriced
    {
        decimal Price { get; }
        decimal Total(int quantity);
    }

    public delegate void OrderChanged(Order order);

    public record Line(string Sku, int Quantity);

    public record struct Money(decimal Amount, string Currency);

    /// <summary>
    /// One customer order.
    /// </summary>
    [Serializable]
    [Obsolete("use Order2")]
    public class Order : IPriced
    {
        public const int MaxLines = 50;
        private static readonly string Prefix = "ORD";
        private readonly List<Line> _lines = new List<Line>();
        internal int Revision;
        public event OrderChanged Changed;

        /// <summary>Order number.</summary>
        public string Id { get; private set; }

        public decimal Price => _lines.Count * 1.5m;

        public Order(string id)
        {
            Id = Prefix + id;
            Console.WriteLine("created {0}", Id);
        }

        ~Order()
        {
            Console.WriteLine("finalized");
        }

        [Obsolete]
        public void Add(Line line)
        {
            if (_lines.Count >= MaxLines)
                throw new InvalidOperationException("full");
            _lines.Add(line);
            Changed?.Invoke(this);
        }

        public decimal Total(int quantity) => Max(0, Price * quantity);

        protected virtual void OnChanged() { }

        public static Order operator +(Order a, Line b)
        {
            a.Add(b);
            return a;
        }

        struct Cursor
        {
            public int Index;

            public bool Next(int count) => ++Index < count;
        }

        private class Audit
        {
            void Log(string what) => Console.Error.WriteLine(what.Trim());
        }
    }

    internal static class Program
    {
        static void Main(string[] args)
        {
            var order = new Order("1");
            order.Add(new Line("apple", 3));
            var user = Env.GetEnvironmentVariable("USER");
            Console.WriteLine(order.Total(2).ToString());
        }
    }
}

namespace Shop.Util
{
    static class Strings
    {
        public static string Shout(this string s) => s.ToUpper() + "!";
    }
}
