using System;

namespace N
{
    public class B
    {
    }

<<<<<<< ours
    public partial class A
    {
        public int P;
    }
=======
    internal partial class A
    {
        public int Q;
    }
>>>>>>> theirs
}
