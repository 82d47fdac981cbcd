using System;

namespace N
{
    public class B
    {
    }
}
