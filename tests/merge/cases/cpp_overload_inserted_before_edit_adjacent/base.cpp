#include <cstdio>

namespace fmt {

inline void print(int v)
{
    std::printf("%d\n", v);
}

inline void print(const char *s)
{
    std::printf("%s\n", s);
}

} // namespace fmt
