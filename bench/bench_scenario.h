/*
 * bench/bench_scenario.h - what the in-process merge benches share: reading
 * a scenario directory (base.<ext>, ours.<ext>, theirs.<ext>), a monotonic
 * clock in microseconds, sorting samples, counting lines.
 *
 * Header-only (static functions): each bench is one translation unit built
 * by bench/run.sh with no library of its own. Buffers are malloc'd and owned
 * by the caller; errors are printed on stderr with the bench's name.
 */
#ifndef DK_BENCH_SCENARIO_H
#define DK_BENCH_SCENARIO_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The whole file, NUL-terminated (not counted in *len); NULL if unreadable. */
static char *bench_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

static double bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int bench_count_lines(const char *s, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    return n;
}

/* One scenario's three inputs: path[k], buf[k], len[k] for base, ours, theirs. */
struct bench_scenario {
    char path[3][4096];
    char *buf[3];
    size_t len[3];
};

/*
 * Reads dir's base.<ext>, ours.<ext> and theirs.<ext> (the extension from
 * base's file name). 0, or 1 with a message naming `who` on stderr and
 * nothing to free.
 */
static int bench_scenario_load(struct bench_scenario *s, const char *dir, const char *who)
{
    static const char *const names[3] = {"base", "ours", "theirs"};
    char ext[32] = "";
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: cannot open %s\n", who, dir);
        return 1;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "base.", 5) == 0)
            snprintf(ext, sizeof(ext), "%s", e->d_name + 5);
    }
    closedir(d);
    for (int k = 0; k < 3; k++) {
        snprintf(s->path[k], sizeof(s->path[k]), "%s/%s.%s", dir, names[k], ext);
        s->buf[k] = bench_read_file(s->path[k], &s->len[k]);
        if (!s->buf[k]) {
            fprintf(stderr, "%s: cannot read %s\n", who, s->path[k]);
            while (k-- > 0)
                free(s->buf[k]);
            return 1;
        }
    }
    return 0;
}

static void bench_scenario_release(struct bench_scenario *s)
{
    for (int k = 0; k < 3; k++)
        free(s->buf[k]);
}

#endif
