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

/**
 * Call `op` as th_api_op does and assert it failed; returns the error object as
 * the transports send it ({"error":{code, message, details}}, compact, keys
 * sorted), for comparing two answers byte for byte. The caller frees it.
 */
char *th_api_op_error(dk_api *api, const dk_api_principal *who, const char *op, const char *params);

#endif
