/*
 * tests/fuzz/standalone.c - replays the fuzz corpora inside `make test`
 * (libgit2's pattern), so every input a fuzzer ever saved keeps being
 * checked by the ordinary sanitizer build without clang or libFuzzer.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk/lang.h"

#include "fuzz/fuzz_merge.h"
#include "fuzz/fuzz_symbols.h"
#include "harness/th.h"

static int replay_dir(const char *sub, void (*one)(const uint8_t *, size_t))
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpora/%s", th_srcdir(), sub);
    DIR *d = opendir(dir);
    th_assert_msg(d != NULL, "no corpus directory %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096 + 256];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        size_t len;
        char *buf = th_read_file(path, &len);
        one((const uint8_t *)buf, len);
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

void test_fuzz__symbols_corpus(void)
{
    th_assert(replay_dir("symbols", dk_fuzz_symbols_one) > 0);
}

void test_fuzz__merge_corpus(void)
{
    th_assert(replay_dir("merge", dk_fuzz_merge_one) > 0);
}

/* Every fixture, fed to every language (wrong-language input must not crash). */
void test_fuzz__fixtures_in_every_language(void)
{
    char root[4096];
    snprintf(root, sizeof(root), "%s/tests/lang", th_srcdir());
    DIR *top = opendir(root);
    th_assert(top != NULL);
    size_t nlang = 0;
    while (dk_language_at(nlang))
        nlang++;
    struct dirent *ld;
    while ((ld = readdir(top)) != NULL) {
        if (ld->d_name[0] == '.')
            continue;
        char dir[4096 + 256];
        snprintf(dir, sizeof(dir), "%s/%s", root, ld->d_name);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *fe;
        while ((fe = readdir(d)) != NULL) {
            if (fe->d_name[0] == '.')
                continue;
            char path[4096 + 512];
            snprintf(path, sizeof(path), "%s/%s", dir, fe->d_name);
            size_t len;
            char *src = th_read_file(path, &len);
            uint8_t *buf = malloc(len + 1);
            memcpy(buf + 1, src, len);
            for (size_t l = 0; l < nlang; l++) {
                buf[0] = (uint8_t)l;
                dk_fuzz_symbols_one(buf, len + 1);
            }
            free(buf);
            free(src);
        }
        closedir(d);
    }
    closedir(top);
}
