/*
 * tests/harness/th_api.h - one operation through the table (dk_api_call),
 * its answer checked: on success against the operation's result schema, on
 * failure against the expected error code. Test failures are assertions
 * (th_assert_msg), so a caller never sees a wrong answer.
 */
#ifndef DK_TESTS_TH_API_H
#define DK_TESTS_TH_API_H

#include <jansson.h>

#include "api/api.h"

/**
 * Call `op` on `api` as `who` (NULL: the local, trusted caller) with the JSON
 * text `params`. With want == DK_API_OK returns the result (the caller
 * decrefs it); otherwise asserts the call failed with `want` and returns NULL.
 */
json_t *th_api_op(dk_api *api, const dk_api_principal *who, const char *op, const char *params,
                  dk_api_code want);

#endif
