/*
 * tests/headertest.c - the public headers compile on their own as strict
 * C11 with -pedantic (built by `make test`), so users need nothing of ours
 * but include/.
 */
#include "dk/dk.h"

int main(void)
{
    /* the options initialisers compile cleanly under -Wall -Wextra -Werror */
    dk_merge_opts mo = DK_MERGE_OPTS_INIT;
    dk_lang_opts lo = DK_LANG_OPTS_INIT;
    return dk_version()[0] == '\0' || mo.marker_size != 7 || lo.flags != 0 ||
           mo.style != DK_MERGE_STYLE_MERGE;
}
