#include <string>

namespace color {

enum class Color { Red, Green, Blue };

inline Color next(Color c)
{
    switch (c) {
    case Color::Red:
        return Color::Green;
    case Color::Green: return Color::Blue;
    default: return Color::Red;
    }
}

inline bool is_primary(Color c)
{
    return c == Color::Red || c == Color::Green || c == Color::Blue;
}

} // namespace color
