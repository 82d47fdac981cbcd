using System;

namespace Billing
{
    public static class Money
    {
        /// <summary>Rounds to cents.</summary>
        public static decimal Round(decimal v) => Math.Round(v, 2);
        /// <summary>Formats an amount.</summary>
        public static string Format(decimal v) => v.ToString("0.00");

        public static decimal Sum(decimal[] values)
        {
            decimal s = 0;
            foreach (var v in values)
                s += v;
            return Round(s);
        }
    }
}
