using System;
using System.Collections.Generic;

namespace Shop.Models
{
    public class Order
    {
        public int Id { get; set; }
    }

    [Serializable]
    public partial class Invoice
    {
        public int Number { get; set; }
        public string Display => Number.ToString();
    }

    public class OrderLine
    {
        public int Quantity { get; set; }
    }
}
