#include <stdio.h>

#ifdef _WIN32
#include <windows.h>
#else
#include <unistd.h>

static int pause_ms(int ms)
{
    return usleep(ms * 1000);
}
#endif

int main(void)
{
    return 0;
}
