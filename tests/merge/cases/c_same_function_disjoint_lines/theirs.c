#include <string.h>
#include "csv.h"

int csv_split(char *line, char **fields, int max, char sep)
{
    int n = 0;
    char *p = line;
    if (!line || max <= 0)
        return 0;
    while (n < max) {
        fields[n++] = p;
        char *comma = strchr(p, sep);
        if (!comma)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}
