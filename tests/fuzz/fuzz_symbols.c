/*
 * tests/fuzz/fuzz_symbols.c - libFuzzer target over symbol extraction.
 *
 * Input layout: first byte selects the language (modulo the number of
 * registered languages), the rest is the source. Every accepted input must
 * analyse without crashing, and the result must satisfy the model's
 * invariants (spans inside the source, parents before children, members
 * inside their parent's declaration, calls attributed to a symbol that
 * contains them). Rejected inputs (binary, invalid UTF-8) must leave no
 * result behind.
 */
#include "fuzz_symbols.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dk_fuzz_symbols_one(data, size);
    return 0;
}
