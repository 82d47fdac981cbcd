using System;
using System.Collections.Generic;
using System.Text;
using System.IO;

namespace Inventory
{
    public class Warehouse
    {
        private readonly Dictionary<string, int> stock = new();

        public int Count(string sku) => stock.TryGetValue(sku, out var n) ? n : 0;
        public bool Has(string sku) => Count(sku) > 0;
        public string Dump() => new StringBuilder().AppendJoin(",", stock.Keys).ToString();

        public void Add(string sku, int qty)
        {
            if (qty <= 0)
                throw new ArgumentOutOfRangeException(nameof(qty));
            stock[sku] = Count(sku) + qty;
        }

        public bool Remove(string sku, int qty)
        {
            int have = Count(sku);
            File.AppendAllText("audit.log", sku);
            if (have < qty)
                return false;
            stock[sku] = have - qty;
            return true;
        }
    }
}
