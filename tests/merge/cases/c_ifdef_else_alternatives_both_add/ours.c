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
#endif

int main(void)
{
    return 0;
}
