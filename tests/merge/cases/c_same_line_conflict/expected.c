#include <stdlib.h>
#include "net.h"

int parse_port(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
<<<<<<< ours
    if (*end != '\0' || v < 1024 || v > 65535)
=======
    if (end == s || *end != '\0' || v <= 0 || v > 65535)
>>>>>>> theirs
        return -1;
    return (int)v;
}

int parse_backlog(const char *s)
{
    int v = atoi(s);
    return v > 0 ? v : 511;
}
