using System;

namespace N
{
    public class B
    {
    }

    public partial record R
    {
        public int Q { get; init; }
    }
}
