#include <stdio.h>
#include "stream.h"


#ifndef NO_STDOUT /* if you define this you must implement this function */
int write_out(const char *s)
{
	return fputs(s, stdout);
}
#endif
