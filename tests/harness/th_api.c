/*
 * tests/harness/th_api.c - an operation call with its answer checked (see
 * th_api.h): the suites that drive the operation table (api_ops, verify)
 * share it, so a result off its schema fails every one of them the same way.
 */
#include "th_api.h"

#include "harness/th.h"

/* dk_api_call of `op` with the JSON text `params` as `who`. */
static int api_call(dk_api *api, const dk_api_principal *who, const char *op, const char *params,
                    json_t **res, dk_api_error *err)
{
    dk_api_ctx ctx = DK_API_CTX_INIT(api);
    ctx.principal = who;
    json_t *p = json_loads(params, 0, NULL);
    th_assert_msg(p != NULL, "bad test json %s", params);
    int rc = dk_api_call(&ctx, op, p, res, err);
    json_decref(p);
    dk_api_ctx_release(&ctx);
    return rc;
}

json_t *th_api_op(dk_api *api, const dk_api_principal *who, const char *op, const char *params,
                  dk_api_code want)
{
    json_t *res = NULL;
    dk_api_error err = DK_API_ERROR_INIT;
    int rc = api_call(api, who, op, params, &res, &err);
    if (want == DK_API_OK) {
        th_assert_msg(rc == 0, "%s failed: %s %s", op, dk_api_code_name(err.code), err.message);
        json_t *schema = dk_api_op_schema(dk_api_op_find(op), true);
        dk_api_error verr = DK_API_ERROR_INIT;
        th_assert_msg(dk_api_validate(schema, res, &verr) == 0, "%s result off its schema: %s", op,
                      verr.message);
        json_decref(schema);
        return res;
    }
    th_assert_msg(rc == -1 && err.code == want, "%s: want %s, got %s (%s)", op,
                  dk_api_code_name(want), rc ? dk_api_code_name(err.code) : "OK", err.message);
    json_decref(res);
    dk_api_error_release(&err);
    return NULL;
}

char *th_api_op_error(dk_api *api, const dk_api_principal *who, const char *op, const char *params)
{
    json_t *res = NULL;
    dk_api_error err = DK_API_ERROR_INIT;
    int rc = api_call(api, who, op, params, &res, &err);
    json_decref(res);
    th_assert_msg(rc == -1, "%s %s: want an error, got OK", op, params);
    json_t *j = dk_api_error_json(&err);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    dk_api_error_release(&err);
    return text;
}
