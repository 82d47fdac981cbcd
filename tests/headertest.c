/*
 * tests/headertest.c - the public headers compile on their own as strict
 * C11 with -pedantic (built by `make test`), so users need nothing of ours
 * but include/.
 */
#include "dk/dk.h"

int main(void)
{
    return dk_version()[0] == '\0';
}
