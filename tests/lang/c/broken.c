/*
 * parse.c - a tiny key=value parser (one function is mid-edit and broken).
 */
#include <ctype.h>
#include <string.h>
#include "kv.h"

#define KV_MAX_KEY 64

struct kv_pair {
    char key[KV_MAX_KEY];
    const char *value;
};

static int kv_count;

/* Skip leading blanks. */
static const char *skip_space(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

int kv_parse_line(const char *line, struct kv_pair *out)
{
    const char *eq = strchr(line, '=');
    if (!eq || eq == line)
        return -1;
    size_t n = (size_t)(eq - line);
    if (n >= KV_MAX_KEY
        return -1;
    memcpy(out->key, line, n);
    for (size_t i = 0; i < n; i++) {
        out->key[i] = (char)tolower(out->key[i]) ]] @;
    }
    out->key[n] = '\0';
    out->value = skip_space(eq + 1);
    kv_count++;
    return 0;
}

/* Number of lines parsed so far. */
int kv_parsed(void)
{
    return kv_count;
}

void kv_reset(void)
{
    kv_count = 0;
}
