/*
 * util/path.c - repository path validation.
 *
 * Paths reach the engine from agents over HTTP and MCP, so every check fails
 * closed with a message that names the offending component. A trailing '/'
 * or a doubled '//' is an empty component and rejected: callers must send
 * canonical paths, which keeps one spelling per file in every overlay. A
 * component that some filesystem would read as ".git" (".git ", ".GIT.",
 * "git~1", ".git::$DATA") is refused like ".git" itself.
 */
#include "util/path.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "dk/errors.h"

#include "util/str.h"

/*
 * Whether a component names the repository's .git directory on some
 * filesystem a clone may land on: ".git" in any case; followed by trailing
 * spaces or dots, which Windows drops (".git ", ".git."), or by ':' (an NTFS
 * stream, ".git::$INDEX_ALLOCATION"); and the 8.3 short name "git~1" with the
 * same endings. git itself refuses these trees for the same reason.
 */
static bool path_is_dotgit(const char *comp, size_t n)
{
    size_t skip;
    if (n >= 4 && comp[0] == '.' && strncasecmp(comp + 1, "git", 3) == 0)
        skip = 4;
    else if (n >= 5 && strncasecmp(comp, "git~1", 5) == 0)
        skip = 5;
    else
        return false;
    for (size_t i = skip; i < n; i++) {
        if (comp[i] == ':')
            return true;
        if (comp[i] != ' ' && comp[i] != '.')
            return false;
    }
    return true;
}

int dk_path_validate(const char *path, size_t len)
{
    if (!path || len == 0)
        return dk_error_set(DK_EINVALID, "path is empty");
    if (len > DK_PATH_MAX)
        return dk_error_set(DK_EINVALID, "path is %zu bytes, over the %d-byte limit", len,
                            DK_PATH_MAX);
    if (path[0] == '/')
        return dk_error_set(DK_EINVALID, "path '%.*s' is absolute; paths are repository-relative",
                            (int)(len > 200 ? 200 : len), path);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c == '\0')
            return dk_error_set(DK_EINVALID, "path contains a nul byte at offset %zu", i);
        if (c < 0x20 || c == 0x7f)
            return dk_error_set(DK_EINVALID, "path contains control byte 0x%02x at offset %zu", c,
                                i);
        if (c == '\\')
            return dk_error_set(DK_EINVALID,
                                "path contains a backslash at offset %zu; use '/' as separator", i);
    }
    if (!dk_utf8_is_valid(path, len))
        return dk_error_set(DK_EINVALID, "path is not valid utf-8");
    size_t start = 0;
    while (start <= len) {
        const char *slash = memchr(path + start, '/', len - start);
        size_t end = slash ? (size_t)(slash - path) : len;
        size_t n = end - start;
        const char *comp = path + start;
        if (n == 0)
            return dk_error_set(DK_EINVALID, "path '%.*s' has an empty component",
                                (int)(len > 200 ? 200 : len), path);
        if (n == 1 && comp[0] == '.')
            return dk_error_set(DK_EINVALID, "path '%.*s' has a '.' component",
                                (int)(len > 200 ? 200 : len), path);
        if (n == 2 && comp[0] == '.' && comp[1] == '.')
            return dk_error_set(DK_EINVALID, "path '%.*s' has a '..' component",
                                (int)(len > 200 ? 200 : len), path);
        if (path_is_dotgit(comp, n))
            return dk_error_set(DK_EINVALID, "path '%.*s' has a '.git' component",
                                (int)(len > 200 ? 200 : len), path);
        if (!slash)
            break;
        start = end + 1;
    }
    return DK_OK;
}

const char *dk_path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

const char *dk_path_extension(const char *path)
{
    const char *base = dk_path_basename(path);
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return "";
    return dot + 1;
}
