#include <string>

namespace color {

enum class Color { Red, Green, Blue };

inline Color next(Color c)
{
    switch (c) {
    case Color::Red: return Color::Green;
    case Color::Green: return Color::Blue;
    default: return Color::Red;
    }
}

<<<<<<< ours
inline std::string to_string(Color c)
{
    switch (c) {
    case Color::Red: return "red";
    case Color::Green: return "green";
    default: return "blue";
    }
}
=======
inline std::string to_string(Color c)
{
    static const char *names[] = {"Red", "Green", "Blue"};
    return names[static_cast<int>(c)];
}
>>>>>>> theirs

} // namespace color
