/*
 * tests/harness/markers.h - the one test-side definition of "this text has
 * conflict marker lines", shared by the merge cases, the merge properties
 * and the merge fuzzer (header-only: the fuzzer links no harness).
 */
#ifndef DK_TESTS_MARKERS_H
#define DK_TESTS_MARKERS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A line that starts with exactly 7 of '<', '>', '=' or '|' followed by a
 * space, CR, LF or the end of the text: what git writes as a marker with
 * the default size, whatever the label.
 */
static inline bool th_has_marker_lines(const char *s, size_t len)
{
    static const char marks[] = "<>=|";
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && s[i - 1] != '\n')
            continue;
        for (int m = 0; m < 4; m++) {
            size_t k = 0;
            while (i + k < len && k < 8 && s[i + k] == marks[m])
                k++;
            if (k == 7 && (i + 7 == len || s[i + 7] == ' ' || s[i + 7] == '\r' || s[i + 7] == '\n'))
                return true;
        }
    }
    return false;
}

#endif
