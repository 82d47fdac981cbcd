/*
 * util/version.c - the library version, one place.
 */
#include "dk/dk.h"

#include "util/banned.h"

const char *dk_version(void)
{
    return DK_VERSION;
}
