using System;

namespace N
{
    public class B
    {
    }

<<<<<<< ours
    public partial class A
    {
        public void M(int a) { }
    }
=======
    public partial class A
    {
        public void M(int b) { }
    }
>>>>>>> theirs
}
