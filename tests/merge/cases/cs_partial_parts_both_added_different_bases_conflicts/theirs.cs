using System;

namespace N
{
    public class B
    {
    }

    public partial class A : Exception
    {
        public int Q;
    }
}
