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
        public decimal Total { get; set; }
    }

    [MetadataType(typeof(InvoiceMetadata))]
    partial class Invoice
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
