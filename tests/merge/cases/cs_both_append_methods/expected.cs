using System;
using System.Collections.Generic;

namespace Inventory
{
    public class Warehouse
    {
        private readonly Dictionary<string, int> stock = new();

        public int Count(string sku) => stock.TryGetValue(sku, out var n) ? n : 0;
        public bool Has(string sku) => Count(sku) > 0;

        public void Add(string sku, int qty)
        {
            if (qty <= 0)
                throw new ArgumentOutOfRangeException(nameof(qty));
            stock[sku] = Count(sku) + qty;
        }

        public bool Remove(string sku, int qty)
        {
            int have = Count(sku);
            if (have < qty)
                return false;
            stock[sku] = have - qty;
            return true;
        }

        public int Total()
        {
            int sum = 0;
            foreach (var q in stock.Values)
                sum += q;
            return sum;
        }

        public void Clear()
        {
            stock.Clear();
        }
    }
}
