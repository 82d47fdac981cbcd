#include <cstdio>

namespace fmt {

inline void print(int v) noexcept
{
    std::printf("%d\n", v);
    std::fflush(stdout);
}

inline void print(const char *s)
{
    std::printf("%s\n", s);
}

} // namespace fmt
