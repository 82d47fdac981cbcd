/*
 * api/api_json.h - the JSON of dk's results, built once with jansson for
 * every front end (CLI today; the HTTP API and MCP tools next).
 *
 * Every function returns a new jansson reference (the caller json_decref()s
 * it) and never fails except by running out of memory, which aborts (as
 * every dk allocation does). Thread-safe: no shared state.
 *
 * Strings are always valid UTF-8, so strict parsers accept every document:
 * text from the inputs that is not valid UTF-8 (Latin-1 source, binary
 * garbage) is written with U+FFFD in place of each bad byte, and the exact
 * bytes go in a sibling field "<key>_base64" (standard base64, with
 * padding), present only for such strings.
 */
#ifndef DK_API_JSON_H
#define DK_API_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "dk/lang.h"
#include "dk/merge.h"

/**
 * Set obj[key] to the bytes (ptr, len) as a JSON string, or to null when
 * ptr is NULL; adds obj[key + "_base64"] when the bytes are not valid UTF-8.
 */
void dk_api_json_set_bytes(json_t *obj, const char *key, const char *ptr, size_t len);

/** As dk_api_json_set_bytes for a NUL-terminated string (or NULL). */
void dk_api_json_set_str(json_t *obj, const char *key, const char *s);

/**
 * The JSON of one merge result:
 *   {"path", "clean", "method", "language", "note",
 *    "conflicts": [{"symbol", "kind", "description", "result_lines",
 *                   "base_lines", "ours_lines", "theirs_lines",
 *                   "base", "ours", "theirs"}],
 *    "merged" (only with with_merged)}
 * A line range is {"start", "end"} (1-based, inclusive) or null when the
 * side has no such text; "kind" is the declaration's kind for a symbol
 * conflict, else "text", "import" or "file".
 * @param path the file's name as the caller knows it (may be NULL)
 */
json_t *dk_api_merge_result_json(const dk_merge_result *r, const char *path, bool with_merged);

/**
 * The JSON of one file's analysis:
 *   {"path", "language", "symbols": [{"id", "kind", "name", "qualified_name",
 *    "visibility", "occurrence", "parent", "span", "decl", "body"?,
 *    "signature"}], "imports": [{"module", "name", "alias", "external",
 *    "line"}], "calls": [{"callee", "caller", "method", "line"}],
 *   "errors": [{"start_line", "end_line", "start_byte", "end_byte"}]}
 * A symbol's "id" is "<path>::<local id>"; spans are {"start_byte",
 * "end_byte", "start_line", "end_line"}.
 */
json_t *dk_api_analysis_json(const dk_analysis *a, const char *path);

#endif
