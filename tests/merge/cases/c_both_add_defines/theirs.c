#include <stdio.h>
#include "server.h"

#define BUF_SIZE 256
#define MAX_RETRIES 3
#define TIMEOUT_MS 500

static char buffer[BUF_SIZE];

int server_read(int fd)
{
    int tries = 0;
    while (tries < MAX_RETRIES) {
        if (read_some(fd, buffer, sizeof(buffer)) >= 0)
            return 0;
        tries++;
    }
    return -1;
}
