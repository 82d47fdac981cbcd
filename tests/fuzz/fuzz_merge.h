/*
 * tests/fuzz/fuzz_merge.h - the body of the three-way merge fuzz target,
 * shared by the libFuzzer entry point and the corpus replay in `make test`.
 */
#ifndef DK_TESTS_FUZZ_MERGE_H
#define DK_TESTS_FUZZ_MERGE_H

#include <stddef.h>
#include <stdint.h>

/* Separator between base, ours and theirs in a fuzz input (see fuzz_merge.c). */
#define DK_FUZZ_MERGE_SEP "\n@@@\n"

/* Merge one input; aborts (crash = finding) when an invariant breaks. */
void dk_fuzz_merge_one(const uint8_t *data, size_t size);

#endif
