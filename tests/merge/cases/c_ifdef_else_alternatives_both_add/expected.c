#include <stdio.h>

#ifdef _WIN32
#include <windows.h>

static int pause_ms(int ms)
{
    Sleep(ms);
    return 0;
}
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
