using System;
using System.Collections.Generic;

namespace Shop.Models
{
    public class Order
    {
        public int Id { get; set; }
    }

    public class OrderLine
    {
        public int Quantity { get; set; }
    }
}
