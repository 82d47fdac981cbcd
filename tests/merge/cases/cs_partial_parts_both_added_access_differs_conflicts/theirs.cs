using System;

namespace N
{
    public class B
    {
    }

    internal partial class A
    {
        public int Q;
    }
}
