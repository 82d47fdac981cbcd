/*
 * dk/dk.h - umbrella header of libdk.
 *
 * libdk is thread-safe where each header says so; it never writes to stdout
 * or stderr (see dk/log.h) and reports failures through dk/errors.h.
 */
#ifndef DK_DK_H
#define DK_DK_H

#include "dk/errors.h"
#include "dk/lang.h"
#include "dk/log.h"

#define DK_VERSION "0.1.0"

/** The library version string ("0.1.0"). Static; thread-safe. */
DK_EXTERN const char *dk_version(void);

#endif
