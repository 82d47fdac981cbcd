namespace Demo
{
    public class Bar
    {
    }
}
