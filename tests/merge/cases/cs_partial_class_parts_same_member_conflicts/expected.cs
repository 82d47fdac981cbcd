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
    public partial class Invoice
    {
        public int Number { get; set; }
        public string Display => Number.ToString();
    }
=======
    [MetadataType(typeof(InvoiceMetadata))]
    partial class Invoice
    {
        public string Display { get; set; }
    }
>>>>>>> theirs

    public class OrderLine
    {
        public int Quantity { get; set; }
    }
}
