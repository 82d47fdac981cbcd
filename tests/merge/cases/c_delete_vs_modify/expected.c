#include <stdint.h>
#include <stddef.h>

uint32_t adler32(const uint8_t *p, size_t n)
{
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + p[i]) % 65521;
        b = (b + a) % 65521;
    }
    return (b << 16) | a;
}

<<<<<<< ours
=======
/* Old additive checksum, kept for v1 archives. */
uint32_t legacy_checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = (sum << 1) + p[i];
    return sum;
}
>>>>>>> theirs

uint32_t checksum(const uint8_t *p, size_t n)
{
    return adler32(p, n);
}
