using System;

namespace N
{
    public class B
    {
    }

    public partial class A
    {
        public int P;
    }
}
