using System;

namespace N
{
    public class B
    {
    }

    partial class A
    {
        public int Q;
    }
}
