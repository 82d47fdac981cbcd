/*
 * tests/harness/th_merge.h - test-side definitions shared by the merge
 * cases, the merge properties and the merge fuzzer (header-only: the fuzzer
 * links no harness): "this text has a conflict marker block", and "these two
 * texts hold the same lines" (the swap law: merge(B,X,Y) and merge(B,Y,X)
 * hold the same lines; additions at one place come ours first, so their
 * order may differ).
 */
#ifndef DK_TESTS_TH_MERGE_H
#define DK_TESTS_TH_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/*
 * A conflict marker block: a line that starts with exactly 7 '<' followed by
 * a space, CR, LF or the end of the text, later such a line of '=', later one
 * of '>' (what git writes with the default size, whatever the labels). A lone
 * marker-like line (an RST title underline) is text, as for the merge.
 */
static inline bool th_has_marker_lines(const char *s, size_t len)
{
    static const char marks[] = "<>=|";
    int state = 0;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && s[i - 1] != '\n')
            continue;
        char c = 0;
        for (int m = 0; m < 4 && !c; m++) {
            size_t k = 0;
            while (i + k < len && k < 8 && s[i + k] == marks[m])
                k++;
            if (k == 7 && (i + 7 == len || s[i + 7] == ' ' || s[i + 7] == '\r' || s[i + 7] == '\n'))
                c = marks[m];
        }
        if (c == '<')
            state = 1;
        else if (c == '=' && state == 1)
            state = 2;
        else if (c == '>' && state == 2)
            return true;
    }
    return false;
}

struct th_line {
    const char *p;
    size_t n;
};

static inline int th_line_cmp(const void *a, const void *b)
{
    const struct th_line *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);
    return c ? c : (x->n < y->n ? -1 : x->n > y->n ? 1 : 0);
}

/* The lines of s (without their newline), in a malloc'd array; *n set. */
static inline struct th_line *th_lines_of(const char *s, size_t len, size_t *n)
{
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += s[i] == '\n';
    struct th_line *v = calloc(cap, sizeof(*v));
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '\n') {
            if (i > start || i < len)
                v[k++] = (struct th_line){s + start, i - start};
            start = i + 1;
        }
    }
    *n = k;
    return v;
}

/* Both texts hold the same lines, each as often, in any order. */
static inline bool th_same_lines(const char *a, size_t al, const char *b, size_t bl)
{
    size_t na, nb;
    struct th_line *x = th_lines_of(a, al, &na), *y = th_lines_of(b, bl, &nb);
    bool same = na == nb;
    if (same) {
        qsort(x, na, sizeof(*x), th_line_cmp);
        qsort(y, nb, sizeof(*y), th_line_cmp);
        for (size_t i = 0; i < na && same; i++)
            same = th_line_cmp(&x[i], &y[i]) == 0;
    }
    free(x);
    free(y);
    return same;
}

#endif
