/*
 * util/path.c - repository path validation.
 *
 * Paths reach the engine from agents over HTTP and MCP, so every check fails
 * closed with a message that names the offending component. A trailing '/'
 * or a doubled '//' is an empty component and rejected: callers must send
 * canonical paths, which keeps one spelling per file in every overlay. A
 * component that some filesystem would read as ".git" (".git ", ".GIT.",
 * "git~1", ".git::$DATA") is refused like ".git" itself, and so is one that
 * reads as ".git" once invisible or look-alike characters are taken out
 * (".g<ZERO WIDTH SPACE>it", ".git<ZERO WIDTH JOINER>", fullwidth ".ｇｉｔ",
 * a combining mark): a superset of what git refuses in verify_path
 * (is_hfs_dotgit, is_ntfs_dotgit), written here by hand.
 */
#include "util/path.h"

#include <stdbool.h>
#include <string.h>

#include "dk/errors.h"

#include "util/str.h"

/*
 * Code points a comparison with ".git" skips: Unicode's default-ignorable
 * code points (DerivedCoreProperties.txt, Default_Ignorable_Code_Point),
 * which include every one HFS+ ignores in file names and git skips in
 * is_hfs_dotgit (U+200C-200F, U+202A-202E, U+206A-206F, U+FEFF), plus the
 * zero width space U+200B and the other invisible format characters; and
 * the combining mark blocks (a mark on a letter of "git" renders as that
 * letter with an accent a reader may not see).
 */
static bool path_is_skipped(unsigned cp)
{
    static const struct {
        unsigned lo, hi;
    } skip[] = {
        {0x00ad, 0x00ad},   {0x0300, 0x036f},   {0x034f, 0x034f}, {0x061c, 0x061c},
        {0x115f, 0x1160},   {0x17b4, 0x17b5},   {0x180b, 0x180f}, {0x1ab0, 0x1aff},
        {0x1dc0, 0x1dff},   {0x200b, 0x200f},   {0x202a, 0x202e}, {0x2060, 0x206f},
        {0x20d0, 0x20ff},   {0x3164, 0x3164},   {0xfe00, 0xfe0f}, {0xfe20, 0xfe2f},
        {0xfeff, 0xfeff},   {0xffa0, 0xffa0},   {0xfff0, 0xfff8}, {0x1bca0, 0x1bca3},
        {0x1d173, 0x1d17a}, {0xe0000, 0xe0fff},
    };
    for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
        if (cp >= skip[i].lo && cp <= skip[i].hi)
            return true;
    return false;
}

/* A component read one folded character at a time (valid UTF-8: checked before). */
struct path_reader {
    const char *p;
    const char *end;
};

/*
 * The next character of the component as compared with ".git": skipped
 * code points are passed over, the fullwidth forms U+FF01-FF5E read as
 * their ASCII letters ('ｇ' as 'g', '．' as '.'), ASCII letters in lower
 * case; 0 at the end of the component. Anything else is returned as is and
 * matches nothing ".git" is spelled with.
 */
static unsigned path_next(struct path_reader *r)
{
    while (r->p < r->end) {
        unsigned cp = 0;
        size_t n = dk_utf8_next(&cp, r->p, (size_t)(r->end - r->p));
        if (n == 0)
            return 0xfffd;
        r->p += n;
        if (path_is_skipped(cp))
            continue;
        if (cp >= 0xff01 && cp <= 0xff5e)
            cp -= 0xfee0;
        if (cp >= 'A' && cp <= 'Z')
            cp += 'a' - 'A';
        return cp;
    }
    return 0;
}

/* Whether the next characters of `r` spell `word` (lower-case ASCII). */
static bool path_reads(struct path_reader *r, const char *word)
{
    for (; *word; word++)
        if (path_next(r) != (unsigned char)*word)
            return false;
    return true;
}

/*
 * Whether a component names the repository's .git directory on some
 * filesystem a clone may land on: ".git" in any case; followed by trailing
 * spaces or dots, which Windows drops (".git ", ".git."), or by ':' (an NTFS
 * stream, ".git::$INDEX_ALLOCATION"); and the 8.3 short name "git~1" with the
 * same endings. git itself refuses these trees for the same reason. Read
 * through path_next, so invisible and look-alike spellings of these match
 * too (HFS+ ignores some of those characters when it looks a name up).
 */
static bool path_is_dotgit(const char *comp, size_t n)
{
    struct path_reader r = {comp, comp + n};
    unsigned c = path_next(&r);
    if (c == '.') {
        if (!path_reads(&r, "git"))
            return false;
    } else if (c != 'g' || !path_reads(&r, "it~1")) {
        return false;
    }
    for (;;) {
        c = path_next(&r);
        if (c == 0 || c == ':')
            return true;
        if (c != ' ' && c != '.')
            return false;
    }
}

/*
 * Whether component `comp` reads as "." or ".." through path_next: with
 * invisible characters between or around the dots (".\u200c.") it is not
 * the parent directory here, but HFS+ ignores those characters and git
 * refuses such trees, so it is refused like the plain spelling.
 */
static bool path_is_dots(const char *comp, size_t n)
{
    struct path_reader r = {comp, comp + n};
    unsigned dots = 0, c;
    while ((c = path_next(&r)) == '.')
        dots++;
    return c == 0 && (dots == 1 || dots == 2);
}

static bool path_is_ascii(const char *comp, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)comp[i] >= 0x80)
            return false;
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
        bool ascii = path_is_ascii(comp, n);
        if (!ascii && path_is_dots(comp, n))
            return dk_error_set(DK_EINVALID,
                                "path '%.*s' has a component that reads as '.' or '..' "
                                "(invisible or look-alike characters)",
                                (int)(len > 200 ? 200 : len), path);
        bool dotgit = path_is_dotgit(comp, n);
        if (dotgit && ascii)
            return dk_error_set(DK_EINVALID, "path '%.*s' has a '.git' component",
                                (int)(len > 200 ? 200 : len), path);
        if (dotgit)
            return dk_error_set(DK_EINVALID,
                                "path '%.*s' has a component that reads as '.git' (invisible or "
                                "look-alike characters in '%.*s')",
                                (int)(len > 200 ? 200 : len), path, (int)(n > 200 ? 200 : n), comp);
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
