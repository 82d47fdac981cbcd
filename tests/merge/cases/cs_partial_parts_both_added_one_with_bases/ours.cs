using System;

namespace N
{
    public class B
    {
    }

    public partial class A : IDisposable
    {
        public void Dispose() { }
    }
}
