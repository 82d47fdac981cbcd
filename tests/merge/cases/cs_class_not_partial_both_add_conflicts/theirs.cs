using System;
using System.Collections.Generic;

namespace Shop.Models
{
    public class Order
    {
        public int Id { get; set; }
    }

    [MetadataType(typeof(InvoiceMetadata))]
    public class Invoice
    {
        public string Display
        {
            get { return "#" + Number; }
        }
    }

    public class OrderLine
    {
        public int Quantity { get; set; }
    }
}
