using System;
using System.Collections.Generic;

namespace Shop.Models
{
    public class Order
    {
        public int Id { get; set; }
    }

    [Serializable]
    public class Invoice
    {
        public int Number { get; set; }
        public decimal Total { get; set; }
    }

    public class OrderLine
    {
        public int Quantity { get; set; }
    }
}
