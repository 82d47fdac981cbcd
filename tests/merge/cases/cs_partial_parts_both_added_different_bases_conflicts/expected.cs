using System;

namespace N
{
    public class B
    {
    }

<<<<<<< ours
    public partial class A : B
    {
        public int P;
    }
=======
    public partial class A : Exception
    {
        public int Q;
    }
>>>>>>> theirs
}
