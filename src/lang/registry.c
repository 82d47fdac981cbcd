/*
 * lang/registry.c - the language table and file -> language detection.
 *
 * Detection order: extension (case-insensitive), exact base name
 * (Rakefile, Gemfile, ...), then the interpreter named on a `#!` line
 * (`#!/usr/bin/env python3`, `#!/bin/bash -e`). The table is static and
 * read-only, so lookups are thread-safe.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "lang/lang_int.h"
#include "util/path.h"

#include "util/banned.h"

extern const dk_language dk_lang_python;
extern const dk_language dk_lang_javascript;
extern const dk_language dk_lang_typescript;
extern const dk_language dk_lang_tsx;
extern const dk_language dk_lang_c;
extern const dk_language dk_lang_cpp;
extern const dk_language dk_lang_scala;
extern const dk_language dk_lang_swift;
extern const dk_language dk_lang_haskell;
extern const dk_language dk_lang_julia;
extern const dk_language dk_lang_rust;
extern const dk_language dk_lang_go;
extern const dk_language dk_lang_java;
extern const dk_language dk_lang_csharp;
extern const dk_language dk_lang_ruby;
extern const dk_language dk_lang_php;
extern const dk_language dk_lang_bash;
extern const dk_language dk_lang_kotlin;

/* one entry per line, so adding a language is a one-line change */
/* clang-format off */
const dk_language *const dk_lang_table[] = {
    &dk_lang_python,
    &dk_lang_javascript,
    &dk_lang_typescript,
    &dk_lang_tsx,
    &dk_lang_c,
    &dk_lang_cpp,
    &dk_lang_scala,
    &dk_lang_swift,
    &dk_lang_haskell,
    &dk_lang_julia,
    &dk_lang_rust,
    &dk_lang_go,
    &dk_lang_java,
    &dk_lang_csharp,
    &dk_lang_ruby,
    &dk_lang_php,
    &dk_lang_bash,
    &dk_lang_kotlin,
    NULL,
};
/* clang-format on */

const dk_language *dk_language_at(size_t i)
{
    size_t n = sizeof(dk_lang_table) / sizeof(dk_lang_table[0]) - 1;
    return i < n ? dk_lang_table[i] : NULL;
}

const dk_language *dk_language_by_name(const char *name)
{
    for (size_t i = 0; dk_lang_table[i]; i++) {
        if (strcmp(dk_lang_table[i]->name, name) == 0)
            return dk_lang_table[i];
    }
    return NULL;
}

const char *dk_language_name(const dk_language *lang)
{
    return lang->name;
}

bool dk_language_has_forward_decls(const dk_language *lang)
{
    return lang->forward_decls;
}

bool dk_language_has_preprocessor(const dk_language *lang)
{
    return lang->preprocessor;
}

bool dk_language_overloads(const dk_language *lang, dk_symbol_kind kind)
{
    if (lang->overloads == LANG_OVERLOADS_SIGNATURES)
        return kind == DK_SYM_PROTOTYPE;
    return lang->overloads == LANG_OVERLOADS_ALL &&
           (kind == DK_SYM_FUNCTION || kind == DK_SYM_METHOD || kind == DK_SYM_PROTOTYPE);
}

const char *const *dk_language_extensions(const dk_language *lang)
{
    return lang->extensions;
}

/* The interpreter of a #! line: basename of the program, or of env's argument. */
static size_t shebang_interpreter(const char *src, size_t len, const char **out)
{
    if (!src || len < 3 || src[0] != '#' || src[1] != '!')
        return 0;
    size_t i = 2, end = len < 256 ? len : 256;
    const char *word = NULL;
    size_t wlen = 0;
    for (int words = 0; words < 3 && i < end;) {
        while (i < end && (src[i] == ' ' || src[i] == '\t'))
            i++;
        size_t s = i;
        while (i < end && src[i] != ' ' && src[i] != '\t' && src[i] != '\n' && src[i] != '\r')
            i++;
        if (i == s)
            break;
        word = src + s;
        wlen = i - s;
        const char *slash = memrchr(word, '/', wlen);
        if (slash) {
            wlen -= (size_t)(slash + 1 - word);
            word = slash + 1;
        }
        words++;
        if (!(wlen == 3 && memcmp(word, "env", 3) == 0))
            break;
        /* skip env options such as -S */
        while (i < end && (src[i] == ' ' || src[i] == '\t'))
            i++;
        if (i < end && src[i] == '-') {
            while (i < end && src[i] != ' ' && src[i] != '\t' && src[i] != '\n')
                i++;
        }
    }
    *out = word;
    return word ? wlen : 0;
}

/* "python3.11" matches "python3" and "python": strip trailing version chars. */
static bool interpreter_matches(const char *word, size_t wlen, const char *name)
{
    size_t n = strlen(name);
    if (wlen < n || memcmp(word, name, n) != 0)
        return false;
    for (size_t i = n; i < wlen; i++) {
        if (!isdigit((unsigned char)word[i]) && word[i] != '.')
            return false;
    }
    return true;
}

/* Line [p, e) includes a C++ standard header: `#include <map>` (a name without an extension). */
static bool includes_cpp_header(const char *p, const char *e)
{
    if (e - p < 9 || memcmp(p, "#include", 8) != 0)
        return false;
    p += 8;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    if (p == e || *p != '<')
        return false;
    const char *q = ++p;
    while (q < e && ((*q >= 'a' && *q <= 'z') || *q == '_'))
        q++;
    return q > p && q < e && *q == '>';
}

/*
 * A ".h" header is C unless its text shows C++ (the C grammar turns classes
 * and namespaces into error regions, while the C++ grammar reads C fine
 * except for C++ keywords used as identifiers): a line that starts with a
 * C++ keyword, or includes a C++ standard header. Looks at the first 64 KiB.
 */
static bool header_looks_cpp(const char *src, size_t len)
{
    /* keywords that start a line in C++ headers and never in C ones */
    static const char *const line_markers[] = {"namespace ", "template<", "template <",
                                               "class ",     "public:",   "private:",
                                               "protected:", "using ",    NULL};
    if (!src)
        return false;
    size_t n = len < 65536 ? len : 65536;
    for (size_t i = 0; i < n;) {
        while (i < n && (src[i] == ' ' || src[i] == '\t'))
            i++;
        for (const char *const *m = line_markers; *m; m++) {
            size_t ml = strlen(*m);
            if (n - i >= ml && memcmp(src + i, *m, ml) == 0)
                return true;
        }
        const char *nl = memchr(src + i, '\n', n - i);
        if (includes_cpp_header(src + i, nl ? nl : src + n))
            return true;
        if (!nl)
            break;
        i = (size_t)(nl - src) + 1;
    }
    return false;
}

/*
 * XML content (`<?xml ...?>` or `<!DOCTYPE ...>` first, after a byte order
 * mark and blank space): Qt Linguist translation files are `*.ts`, and no
 * grammar of ours reads them; they are merged as text.
 */
static bool looks_xml(const char *src, size_t len)
{
    if (!src)
        return false;
    size_t i = 0;
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && (src[i] == ' ' || src[i] == '\t' || src[i] == '\r' || src[i] == '\n'))
        i++;
    return (len - i >= 5 && memcmp(src + i, "<?xml", 5) == 0) ||
           (len - i >= 9 && strncasecmp(src + i, "<!DOCTYPE", 9) == 0);
}

const dk_language *dk_language_for_path(const char *path, const char *src, size_t len)
{
    if (!path || looks_xml(src, len))
        return NULL;
    const char *ext = dk_path_extension(path);
    const char *base = dk_path_basename(path);
    if (strcasecmp(ext, "h") == 0 && header_looks_cpp(src, len) && dk_language_by_name("cpp"))
        return dk_language_by_name("cpp");
    for (size_t i = 0; *ext && dk_lang_table[i]; i++) {
        for (const char *const *e = dk_lang_table[i]->extensions; e && *e; e++) {
            if (strcasecmp(*e, ext) == 0)
                return dk_lang_table[i];
        }
    }
    for (size_t i = 0; dk_lang_table[i]; i++) {
        for (const char *const *f = dk_lang_table[i]->filenames; f && *f; f++) {
            if (strcmp(*f, base) == 0)
                return dk_lang_table[i];
        }
    }
    const char *word;
    size_t wlen = shebang_interpreter(src, len, &word);
    if (wlen == 0)
        return NULL;
    for (size_t i = 0; dk_lang_table[i]; i++) {
        for (const char *const *it = dk_lang_table[i]->interpreters; it && *it; it++) {
            if (interpreter_matches(word, wlen, *it))
                return dk_lang_table[i];
        }
    }
    return NULL;
}
