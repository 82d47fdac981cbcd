#include <stdio.h>

static int sleep_ms(int ms)
{
	if (ms < 0)
		return -1;
	usleep(ms * 1000);
	return 0;
}
