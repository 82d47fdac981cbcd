using System;
using System.Collections.Generic;

namespace Shop.Models
{
    public class Order
    {
        public int Id { get; set; }
    }

<<<<<<< ours
    [Serializable]
    public class Invoice
    {
        public int Number { get; set; }
        public decimal Total { get; set; }
    }
=======
    [MetadataType(typeof(InvoiceMetadata))]
    public class Invoice
    {
        public string Display
        {
            get { return "#" + Number; }
        }
    }
>>>>>>> theirs

    public class OrderLine
    {
        public int Quantity { get; set; }
    }
}
