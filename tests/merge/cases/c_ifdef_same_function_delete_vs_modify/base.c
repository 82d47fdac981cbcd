#include <stdio.h>

#ifdef _WIN32
static int sleep_ms(int ms)
{
	if (ms < 0)
		return -1;
	Sleep(ms);
	return 0;
}
#else
static int sleep_ms(int ms)
{
	if (ms < 0)
		return -1;
	usleep(ms * 1000);
	return 0;
}
#endif
