#include <string>
#include <sstream>

namespace util {

std::string trim(const std::string &s)
{
    size_t b = s.find_first_not_of(" \t");
    size_t e = s.find_last_not_of(" \t");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool parse_kv(const std::string &line, std::string &key, std::string &val)
{
    size_t eq = line.find('=');
    if (eq == std::string::npos)
        return false;
    key = trim(line.substr(0, eq));
    val = trim(line.substr(eq + 1));
    return true;
}

} // namespace util
