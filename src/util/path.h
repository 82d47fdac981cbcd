/*
 * util/path.h - validation of repository-relative paths from untrusted input.
 *
 * A valid path is non-empty, at most DK_PATH_MAX bytes, relative, '/'-separated,
 * and has no empty, "." or ".." component, no ".git" component (any case, nor
 * a spelling some filesystem reads as ".git": trailing dots or spaces, an
 * NTFS stream, "git~1", invisible or fullwidth or combining characters), no
 * backslash, NUL or control byte, and is valid UTF-8. Thread-safe, pure.
 */
#ifndef DK_UTIL_PATH_H
#define DK_UTIL_PATH_H

#include <stddef.h>

#define DK_PATH_MAX 4096

/**
 * Check `path` (`len` bytes, may contain NUL which is rejected).
 * @return DK_OK or DK_EINVALID with a message naming the problem.
 */
int dk_path_validate(const char *path, size_t len);

/** Pointer to the extension after the last '.' of the basename, or "" if none. */
const char *dk_path_extension(const char *path);
/** Pointer to the basename (after the last '/'). */
const char *dk_path_basename(const char *path);

#endif
