using System;

namespace N
{
    public class B
    {
    }

<<<<<<< ours
    [Serializable]
    public partial class A
    {
        public int P;
    }
=======
    [Serializable]
    public partial class A
    {
        public int Q;
    }
>>>>>>> theirs
}
