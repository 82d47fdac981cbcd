using System;

namespace N
{
    public class B
    {
    }

    [Serializable]
    public partial class A
    {
        public int P;
    }
}
