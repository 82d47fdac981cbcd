/*
 * tests/fuzz/fuzz_symbols.h - the body of the symbol-extraction fuzz target,
 * shared by the libFuzzer entry point and the corpus replay in `make test`.
 */
#ifndef DK_TESTS_FUZZ_SYMBOLS_H
#define DK_TESTS_FUZZ_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

/* Analyse one input; aborts (crash = finding) when an invariant breaks. */
void dk_fuzz_symbols_one(const uint8_t *data, size_t size);

#endif
