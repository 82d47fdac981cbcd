using System;

namespace N
{
    public class B
    {
    }

    public partial record R
    {
        public int P { get; init; }
    }

    public partial record R
    {
        public int Q { get; init; }
    }
}
