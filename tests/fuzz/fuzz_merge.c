/*
 * tests/fuzz/fuzz_merge.c - libFuzzer target over dk_merge_file.
 *
 * Input layout:
 *
 *   [selector byte][base] "\n@@@\n" [ours] "\n@@@\n" [theirs]
 *
 * The selector picks the file extension (selector % the table size in
 * fuzz_merge_body.c: most supported languages, plus ".txt" and none), the
 * conflict style and the line-only flag (selector / table size). Missing
 * separators leave ours and theirs empty. Checked for every input: no crash
 * or sanitizer report; DK_OK with a non-NULL, NUL-terminated result; a clean
 * result has no conflicts and no marker lines unless an input had some; a
 * conflicted one has at least one conflict record, each with its fields set
 * and its result line range inside the output; merge(B,X,X) = merge(B,B,X) =
 * merge(B,X,B) = X byte for byte.
 */
#include "fuzz_merge.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dk_fuzz_merge_one(data, size);
    return 0;
}
