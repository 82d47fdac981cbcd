#include <cstdint>

namespace net {
namespace detail {

class Crc {
public:
    static uint32_t table(int i) { return kTable[i & 0xff]; }
    static uint32_t mix(uint32_t crc, uint8_t b) { return table(static_cast<int>(crc ^ b)) ^ (crc >> 8); }
    static uint32_t finish(uint32_t crc) { return crc ^ 0xffffffffu; }

private:
    static const uint32_t kTable[256];
};

} // namespace detail

inline uint32_t crc32(const uint8_t *p, int n)
{
    uint32_t crc = 0xffffffffu;
    for (int i = 0; i < n; ++i)
        crc = detail::Crc::mix(crc, p[i]);
    return detail::Crc::finish(crc);
}

} // namespace net
