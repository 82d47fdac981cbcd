#include <type_traits>

namespace Detail {
    template <typename T>
    T identity(T in) {
        return in;
    }
} // namespace Detail
