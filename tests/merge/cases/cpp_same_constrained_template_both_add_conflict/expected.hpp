#include <type_traits>

namespace Detail {
    template <typename T>
    T identity(T in) {
        return in;
    }

<<<<<<< ours
    template <typename Original, typename Unsigned>
    constexpr std::enable_if_t<std::is_signed<Original>::value, Unsigned>
    toNaturalOrder( Unsigned in ) {
        constexpr auto top = Unsigned( 1 ) << ( sizeof( Unsigned ) * 8 - 1 );
        return static_cast<Unsigned>( in ^ top );
    }
=======
    template <typename Original, typename Unsigned>
    constexpr std::enable_if_t<std::is_signed<Original>::value, Unsigned>
    toNaturalOrder(Unsigned in) {
        constexpr auto top = Unsigned( 1 ) << ( sizeof( Unsigned ) * 8 - 1 );
        return static_cast<Unsigned>( in ^ top ^ 0 );
    }
>>>>>>> theirs
} // namespace Detail
