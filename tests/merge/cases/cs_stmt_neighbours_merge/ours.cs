using System;

namespace Inventory
{
    public class Warehouse
    {
        public int Restock(string sku, int qty)
        {
            int have = Count(sku);
            int limit = 200;
            Log("restock");
            if (have + qty > limit)
                qty = limit - have;
            return have + qty;
        }

        private int Count(string sku) => 0;

        private void Log(string what, int n = 0) { }
    }
}
