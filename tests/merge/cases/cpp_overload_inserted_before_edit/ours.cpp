#include <cstdio>

namespace fmt {

inline void print(double v)
{
    std::printf("%g\n", v);
}

inline void print(int v)
{
    std::printf("%d\n", v);
}

inline void print(const char *s)
{
    std::printf("%s\n", s);
}

} // namespace fmt
