/*
 * tests/fuzz/fuzz_symbols_body.c - invariant checks over one analysis.
 * See fuzz_symbols.c for the input layout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk/lang.h"

#include "fuzz_symbols.h"

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_symbols: invariant broken: %s\n", what);
        abort();
    }
}

static void check_span(const dk_span *s, size_t len)
{
    check(s->start_byte <= s->end_byte, "span start <= end");
    check(s->end_byte <= len, "span inside source");
    check(s->start_line >= 1 && s->start_line <= s->end_line, "line span ordered");
}

void dk_fuzz_symbols_one(const uint8_t *data, size_t size)
{
    size_t nlang = 0;
    while (dk_language_at(nlang))
        nlang++;
    if (size < 1 || nlang == 0)
        return;
    const dk_language *lang = dk_language_at(data[0] % nlang);
    const char *src = (const char *)data + 1;
    size_t len = size - 1;
    dk_analysis *a = NULL;
    int rc = dk_lang_analyze(&a, lang, src, len);
    if (rc != 0) {
        check(a == NULL, "no result on failure");
        return;
    }
    for (size_t i = 0; i < a->nsymbols; i++) {
        const dk_symbol *s = &a->symbols[i];
        check_span(&s->span, len);
        check_span(&s->decl, len);
        check(s->span.start_byte <= s->decl.start_byte && s->decl.end_byte == s->span.end_byte,
              "span covers decl");
        check(s->name && *s->name && s->qualified_name && s->local_id && s->signature,
              "names present");
        check(s->parent < (int32_t)i, "parent precedes member");
        if (s->parent >= 0) {
            const dk_symbol *p = &a->symbols[s->parent];
            check(p->decl.start_byte <= s->decl.start_byte && s->decl.end_byte <= p->decl.end_byte,
                  "member inside parent");
        }
        if (s->has_body)
            check_span(&s->body, len);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(a->symbols[j].local_id, s->local_id) == 0)
                check(0, "local ids unique");
        }
    }
    for (size_t i = 0; i < a->nimports; i++) {
        check(a->imports[i].module && *a->imports[i].module, "import module");
        check_span(&a->imports[i].span, len);
    }
    for (size_t i = 0; i < a->ncalls; i++) {
        const dk_call *c = &a->calls[i];
        check_span(&c->span, len);
        check(c->callee != NULL, "callee");
        if (c->enclosing >= 0) {
            check((size_t)c->enclosing < a->nsymbols, "enclosing index");
            const dk_symbol *e = &a->symbols[c->enclosing];
            check(e->decl.start_byte <= c->span.start_byte && c->span.start_byte < e->decl.end_byte,
                  "call inside its enclosing symbol");
        }
    }
    for (size_t i = 0; i < a->nerrors; i++)
        check_span(&a->errors[i], len);
    dk_analysis_unref(a);
}
