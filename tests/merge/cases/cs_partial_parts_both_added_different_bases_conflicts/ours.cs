using System;

namespace N
{
    public class B
    {
    }

    public partial class A : B
    {
        public int P;
    }
}
