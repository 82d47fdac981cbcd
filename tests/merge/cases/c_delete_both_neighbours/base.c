#include "flags.h"

int flag_is_set(unsigned f, unsigned bit) { return (f & bit) != 0; }
unsigned flag_set_old(unsigned f, unsigned bit) { return f | bit; }
unsigned flag_clear_old(unsigned f, unsigned bit) { return f & ~bit; }
unsigned flag_toggle(unsigned f, unsigned bit) { return f ^ bit; }

unsigned flag_count(unsigned f)
{
    unsigned n = 0;
    for (; f; f &= f - 1)
        n++;
    return n;
}
