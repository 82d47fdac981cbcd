#include <type_traits>

namespace Detail {
    template <typename T>
    T identity(T in) {
        return in;
    }

    template <typename Original,
              typename Unsigned>
    constexpr std::enable_if_t<std::is_unsigned<Original>::value, Unsigned>
    toNaturalOrder(Unsigned in) {
        return in;
    }
} // namespace Detail
