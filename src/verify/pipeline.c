/*
 * verify/pipeline.c - what runs: .dk/pipeline.yaml parsed with libyaml, or
 * a pipeline auto-detected from the tree; commands split into argv without
 * a shell and checked against one allow-list; changeset-aware scoping.
 *
 *   pipeline:                       # optional
 *     name: ci
 *     timeout: 10m                  # <N>s|<N>m|<N>h, default 10m
 *     allowed_commands: [make, "python3 -m pytest"]   # argv prefixes
 *     semantic: true                # the built-in symbol checks
 *   stages:                         # required, at least one
 *     - name: build
 *       parallel: false
 *       steps:                      # required, at least one
 *         - name: build             # required
 *           type: command           # command | agent-review | human-approve
 *           run: make -j2           # required (agent-review: the reviewer command)
 *           prompt: ...             # agent-review, human-approve
 *           timeout: 120s           # default 120s
 *           required: true
 *           changeset_aware: false
 *           work_dir: sub/dir       # relative, no "..", default the top
 *
 * Fail-closed checks, in the order they are made:
 *  1. The file is YAML with a mapping at the top, and every mapping has only
 *     the keys above (an unknown key is an error naming the line: a typo in
 *     `required` must not silently make a step optional), each at most once
 *     (YAML would silently keep the last of two `required:`).
 *  2. Every step's command splits into argv (quotes honoured; unquoted shell
 *     syntax refused, since no shell would interpret it).
 *  3. Every argv passes dk_vfy_command_check against the pipeline's own
 *     allowed_commands, or the default list when it has none: the same
 *     function and the same list verify.c calls again before each step runs
 *     (dkod re-checked against the default list, refusing at run time what
 *     validation allowed).
 *  4. Permanent denials (shells, interpreters given inline code, fetchers,
 *     `go run`, `cargo install`, flags that write outside the tree, paths
 *     with "..") apply whatever allowed_commands says.
 *  5. Step types: command (default), agent-review (`run` is the reviewer,
 *     checked like any command; `prompt`), human-approve (`name`, `prompt`
 *     only; the last step of the pipeline, not in a parallel stage). A key
 *     of another type, or an unknown type, is an error.
 *
 * Conventions: verify_int.h. Pure: no I/O besides reading the given bytes.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/alloc.h"
#include "util/str.h"
#include "verify/verify_int.h"

#include "util/banned.h"

#define DEFAULT_STEP_TIMEOUT_MS     (120 * 1000)
#define DEFAULT_PIPELINE_TIMEOUT_MS (10 * 60 * 1000)

/* ========================================================================== */
/* Release                                                                    */
/* ========================================================================== */

void dk_vfy_argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **p = argv; *p; p++)
        free(*p);
    free(argv);
}

static void step_release(struct dk_vfy_step *s)
{
    free(s->name);
    free(s->run);
    free(s->prompt);
    dk_vfy_argv_free(s->argv);
    free(s->work_dir);
}

void dk_vfy_pipeline_release(struct dk_vfy_pipeline *p)
{
    free(p->source);
    free(p->name);
    dk_vec_foreach(&p->allowed, char ***, a)
        dk_vfy_argv_free(*a);
    dk_vec_release(&p->allowed);
    dk_vec_foreach(&p->stages, struct dk_vfy_stage *, st) {
        free(st->name);
        dk_vec_foreach(&st->steps, struct dk_vfy_step *, s)
            step_release(s);
        dk_vec_release(&st->steps);
    }
    dk_vec_release(&p->stages);
    memset(p, 0, sizeof(*p));
}

/* ========================================================================== */
/* argv                                                                       */
/* ========================================================================== */

int dk_vfy_argv_split(char ***argv, size_t *argc, const char *cmd)
{
    dk_vec(char *) words = DK_VEC_INIT;
    dk_str w = DK_STR_INIT;
    bool in_word = false;
    int rc = DK_OK;

    *argv = NULL;
    *argc = 0;
    for (const char *p = cmd; *p && rc == DK_OK; p++) {
        char c = *p;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (in_word) {
                dk_vec_push(&words, dk_str_detach(&w, NULL));
                in_word = false;
            }
            continue;
        }
        in_word = true;
        if (c == '\'') {
            const char *end = strchr(p + 1, '\'');
            if (!end) {
                rc = dk_error_set(DK_EINVALID, "command '%s': unterminated quote", cmd);
                break;
            }
            dk_str_add(&w, p + 1, (size_t)(end - p - 1));
            p = end;
        } else if (c == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                    p++;
                dk_str_addch(&w, *p);
            }
            if (!*p) {
                rc = dk_error_set(DK_EINVALID, "command '%s': unterminated quote", cmd);
                break;
            }
        } else if (c == '\\') {
            if (!p[1]) {
                rc = dk_error_set(DK_EINVALID, "command '%s': ends with a backslash", cmd);
                break;
            }
            dk_str_addch(&w, *++p);
        } else if (strchr(";&|<>$`()*?[]{}~", c)) {
            rc = dk_error_set(DK_EINVALID,
                              "command '%s': '%c' is shell syntax; steps run without a shell "
                              "(quote it to pass it literally)",
                              cmd, c);
        } else {
            dk_str_addch(&w, c);
        }
    }
    if (rc == DK_OK && in_word)
        dk_vec_push(&words, dk_str_detach(&w, NULL));
    dk_str_release(&w);
    if (rc == DK_OK && words.len == 0)
        rc = dk_error_set(DK_EINVALID, "command is empty");
    if (rc) {
        dk_vec_foreach(&words, char **, s)
            free(*s);
        dk_vec_release(&words);
        return rc;
    }
    *argc = words.len;
    dk_vec_push(&words, NULL);
    *argv = words.items;
    return DK_OK;
}

/* ========================================================================== */
/* The allow-list                                                             */
/* ========================================================================== */

/* Default allow-list: argv prefixes (dkod §7.4, plus C/C++ and python3). */
static const char *const default_allowed[] = {
    "cargo check",
    "cargo test",
    "cargo clippy",
    "cargo fmt",
    "cargo build",
    "npm ci",
    "npm test",
    "npm run lint",
    "npm run check",
    "npm run test",
    "bun install --frozen-lockfile",
    "bun test",
    "bun run lint",
    "bun run check",
    "npx tsc",
    "bunx tsc",
    "npx eslint",
    "pip install -e .",
    "pip install -r requirements.txt",
    "pytest",
    "python -m pytest",
    "python3 -m pytest",
    "go build",
    "go test",
    "go vet",
    "make",
    "cmake",
    "ctest",
    "echo",
};

/* Programs never run, whatever the allow-list: shells, fetchers, eval. */
static const char *const denied_programs[] = {
    "sh",   "bash", "dash", "zsh",    "ksh",   "csh",   "fish",   "curl",
    "wget", "nc",   "ncat", "netcat", "ssh",   "scp",   "rsync",  "eval",
    "exec", "sudo", "su",   "env",    "xargs", "nohup", "setsid",
};

/* Interpreters that may run inline code with these flags. */
static const struct {
    const char *prog;
    const char *flag;
} denied_inline[] = {
    {"python", "-c"}, {"python3", "-c"}, {"perl", "-e"},     {"perl", "-E"},
    {"ruby", "-e"},   {"node", "-e"},    {"node", "--eval"}, {"node", "-p"},
};

/* argv prefixes never run. */
static const char *const denied_prefixes[] = {
    "go run",        "go get",      "go install", "cargo run",
    "cargo install", "npm install", "npm exec",   "npx -c",
};

/* Flags (exact, or followed by '=') that run other programs or write outside the tree. */
static const char *const denied_flags[] = {
    "-exec",    "-toolexec",        "-vettool",  "--target-dir", "--out-dir", "--manifest-path",
    "--outDir", "--declarationDir", "--rootdir", "--basetemp",   "--exec",
};

static bool prefix_match(char *const *argv, size_t argc, const char *prefix)
{
    char **words;
    size_t n;
    if (dk_vfy_argv_split(&words, &n, prefix))
        return false;
    bool ok = n <= argc;
    for (size_t i = 0; ok && i < n; i++)
        ok = strcmp(words[i], argv[i]) == 0;
    dk_vfy_argv_free(words);
    return ok;
}

static bool words_match(char *const *argv, size_t argc, char *const *words)
{
    size_t i = 0;
    for (; words[i]; i++)
        if (i >= argc || strcmp(words[i], argv[i]) != 0)
            return false;
    return i > 0;
}

/* Whether a word names a place above the tree ("..", "../x", "x/../y", "--flag=../x"). */
static bool escapes(const char *w)
{
    const char *eq = w[0] == '-' ? strchr(w, '=') : NULL;
    const char *v = eq ? eq + 1 : w;
    if (strcmp(v, "..") == 0 || strncmp(v, "../", 3) == 0 || strstr(v, "/../") ||
        (strlen(v) >= 3 && strcmp(v + strlen(v) - 3, "/..") == 0))
        return true;
    return false;
}

int dk_vfy_command_check(char *const *argv, size_t argc, char **const *allowed, size_t nallowed)
{
    if (argc == 0 || !argv[0] || !argv[0][0])
        return dk_error_set(DK_EINVALID, "command is empty");
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    for (size_t i = 0; i < sizeof(denied_programs) / sizeof(*denied_programs); i++)
        if (strcmp(prog, denied_programs[i]) == 0)
            return dk_error_set(DK_EINVALID, "command '%s' refused: %s is never run", argv[0],
                                denied_programs[i]);
    for (size_t i = 0; i < sizeof(denied_inline) / sizeof(*denied_inline); i++)
        if (strncmp(prog, denied_inline[i].prog, strlen(denied_inline[i].prog)) == 0)
            for (size_t j = 1; j < argc; j++)
                if (strcmp(argv[j], denied_inline[i].flag) == 0)
                    return dk_error_set(DK_EINVALID, "command '%s %s' refused: inline code",
                                        argv[0], argv[j]);
    for (size_t i = 0; i < sizeof(denied_prefixes) / sizeof(*denied_prefixes); i++)
        if (prefix_match(argv, argc, denied_prefixes[i]))
            return dk_error_set(DK_EINVALID, "command '%s' refused: '%s' is never run", argv[0],
                                denied_prefixes[i]);
    for (size_t j = 1; j < argc; j++) {
        for (size_t i = 0; i < sizeof(denied_flags) / sizeof(*denied_flags); i++) {
            size_t fl = strlen(denied_flags[i]);
            if (strncmp(argv[j], denied_flags[i], fl) == 0 && (!argv[j][fl] || argv[j][fl] == '='))
                return dk_error_set(DK_EINVALID, "command '%s' refused: flag %s", argv[0],
                                    denied_flags[i]);
        }
        if (escapes(argv[j]))
            return dk_error_set(DK_EINVALID, "command '%s' refused: '%s' leaves the tree", argv[0],
                                argv[j]);
        if (strstr(argv[j], "://"))
            return dk_error_set(DK_EINVALID, "command '%s' refused: '%s' is a url", argv[0],
                                argv[j]);
    }
    if (escapes(argv[0]) || argv[0][0] == '/')
        return dk_error_set(DK_EINVALID, "command '%s' refused: programs are found on PATH",
                            argv[0]);
    if (nallowed) {
        for (size_t i = 0; i < nallowed; i++)
            if (words_match(argv, argc, allowed[i]))
                return DK_OK;
        return dk_error_set(DK_EINVALID, "command '%s' is not in the pipeline's allowed_commands",
                            argv[0]);
    }
    for (size_t i = 0; i < sizeof(default_allowed) / sizeof(*default_allowed); i++)
        if (prefix_match(argv, argc, default_allowed[i]))
            return DK_OK;
    return dk_error_set(DK_EINVALID,
                        "command '%s' is not on the default allow-list (list it in "
                        "pipeline.allowed_commands)",
                        argv[0]);
}

/* ========================================================================== */
/* YAML                                                                       */
/* ========================================================================== */

struct yp {
    yaml_document_t doc;
    struct dk_vfy_pipeline *out;
};

#define YP_FILE ".dk/pipeline.yaml"

static int yp_err(const yaml_node_t *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int yp_err(const yaml_node_t *n, const char *fmt, ...)
{
    char msg[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return dk_error_set(DK_EINVALID, YP_FILE ":%zu: %s", n ? n->start_mark.line + 1 : 0, msg);
}

static const char *yp_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Whether the key of pair `p` of mapping `n` was already given (YAML would keep the last). */
static bool yp_dup(struct yp *y, const yaml_node_t *n, const yaml_node_pair_t *p)
{
    const char *key = yp_scalar(yaml_document_get_node(&y->doc, p->key));
    for (const yaml_node_pair_t *q = n->data.mapping.pairs.start; key && q < p; q++) {
        const char *k = yp_scalar(yaml_document_get_node(&y->doc, q->key));
        if (k && strcmp(k, key) == 0)
            return true;
    }
    return false;
}

static int yp_string(char **out, const yaml_node_t *n, const char *key)
{
    const char *s = yp_scalar(n);
    if (!s)
        return yp_err(n, "'%s' must be a string", key);
    free(*out);
    *out = dk_xstrdup(s);
    return DK_OK;
}

static int yp_bool(bool *out, const yaml_node_t *n, const char *key)
{
    const char *s = yp_scalar(n);
    if (s && (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0))
        *out = true;
    else if (s && (strcmp(s, "false") == 0 || strcmp(s, "no") == 0))
        *out = false;
    else
        return yp_err(n, "'%s' must be true or false", key);
    return DK_OK;
}

/* "<N>s", "<N>m", "<N>h" (or a bare number of seconds) -> ms. */
static int yp_duration(int64_t *out, const yaml_node_t *n, const char *key)
{
    const char *s = yp_scalar(n);
    char *end = NULL;
    if (!s || !isdigit((unsigned char)s[0]))
        return yp_err(n, "'%s' must be a duration such as 90s, 5m or 1h", key);
    long long v = strtoll(s, &end, 10);
    int64_t mul = 1000;
    if (strcmp(end, "s") == 0 || !*end)
        mul = 1000;
    else if (strcmp(end, "m") == 0)
        mul = 60 * 1000;
    else if (strcmp(end, "h") == 0)
        mul = 3600 * 1000;
    else
        return yp_err(n, "'%s' must be a duration such as 90s, 5m or 1h, not '%s'", key, s);
    if (v <= 0 || v > 24LL * 3600)
        return yp_err(n, "'%s' is out of range: %s", key, s);
    *out = (int64_t)v * mul;
    return DK_OK;
}

static int yp_work_dir(char **out, const yaml_node_t *n)
{
    const char *s = yp_scalar(n);
    if (!s)
        return yp_err(n, "'work_dir' must be a string");
    if (s[0] == '/' || escapes(s) || strstr(s, "//"))
        return yp_err(n, "'work_dir' must be relative to the tree without '..': '%s'", s);
    size_t len = strlen(s);
    while (len && s[len - 1] == '/')
        len--;
    free(*out);
    *out = dk_xstrndup(strcmp(s, ".") == 0 ? "" : s, strcmp(s, ".") == 0 ? 0 : len);
    return DK_OK;
}

/* The keys a step may have, as bits; which ones each type takes. */
enum {
    K_NAME = 1u << 0,
    K_RUN = 1u << 1,
    K_TIMEOUT = 1u << 2,
    K_REQUIRED = 1u << 3,
    K_AWARE = 1u << 4,
    K_WORK_DIR = 1u << 5,
    K_TYPE = 1u << 6,
    K_PROMPT = 1u << 7,
};

static const struct {
    const char *name;
    enum dk_vfy_step_type type;
    unsigned keys;
    const char *listed;
} step_types[] = {
    {"command", DK_VFY_COMMAND, K_NAME | K_RUN | K_TIMEOUT | K_REQUIRED | K_AWARE | K_WORK_DIR,
     "name, run, timeout, required, changeset_aware, work_dir"},
    {"agent-review", DK_VFY_AGENT_REVIEW,
     K_NAME | K_RUN | K_TIMEOUT | K_REQUIRED | K_WORK_DIR | K_PROMPT,
     "name, run, prompt, timeout, required, work_dir"},
    {"human-approve", DK_VFY_HUMAN_APPROVE, K_NAME | K_PROMPT, "name, prompt"},
};

static const char *const step_keys[] = {
    "name", "run", "timeout", "required", "changeset_aware", "work_dir", "type", "prompt"};

/*
 * A step. The type decides which keys it takes, and a key that belongs to
 * another type is an error rather than ignored: `run` on a human-approve
 * step would otherwise look like a check that never runs, `changeset_aware`
 * on a review like a scope that is not applied.
 */
static int yp_step(struct yp *y, const yaml_node_t *n, struct dk_vfy_stage *stage)
{
    if (n->type != YAML_MAPPING_NODE)
        return yp_err(n, "a step must be a mapping (name, run, ...)");
    struct dk_vfy_step s = {.timeout_ms = DEFAULT_STEP_TIMEOUT_MS, .required = true};
    s.work_dir = dk_xstrdup("");
    s.line = n->start_mark.line + 1;
    const yaml_node_t *seen[sizeof(step_keys) / sizeof(*step_keys)] = {0};
    size_t ti = 0;
    int rc = DK_OK;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         rc == DK_OK && p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = yaml_document_get_node(&y->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(&y->doc, p->value);
        const char *key = yp_scalar(k);
        size_t ki = 0;
        while (key && ki < sizeof(step_keys) / sizeof(*step_keys) && strcmp(key, step_keys[ki]))
            ki++;
        if (!key)
            rc = yp_err(k, "step keys must be strings");
        else if (yp_dup(y, n, p))
            rc = yp_err(k, "'%s' is given twice", key);
        else if (ki == sizeof(step_keys) / sizeof(*step_keys))
            rc = yp_err(k,
                        "unknown key '%s' in a step (name, type, run, prompt, timeout, required, "
                        "changeset_aware, work_dir)",
                        key);
        else
            seen[ki] = k;
        if (rc)
            break;
        if (strcmp(key, "name") == 0)
            rc = yp_string(&s.name, v, key);
        else if (strcmp(key, "run") == 0)
            rc = yp_string(&s.run, v, key);
        else if (strcmp(key, "prompt") == 0)
            rc = yp_string(&s.prompt, v, key);
        else if (strcmp(key, "timeout") == 0)
            rc = yp_duration(&s.timeout_ms, v, key);
        else if (strcmp(key, "required") == 0)
            rc = yp_bool(&s.required, v, key);
        else if (strcmp(key, "changeset_aware") == 0)
            rc = yp_bool(&s.changeset_aware, v, key);
        else if (strcmp(key, "work_dir") == 0)
            rc = yp_work_dir(&s.work_dir, v);
        else if (strcmp(key, "type") == 0) {
            const char *t = yp_scalar(v);
            for (ti = 0; t && ti < sizeof(step_types) / sizeof(*step_types); ti++)
                if (strcmp(t, step_types[ti].name) == 0)
                    break;
            if (!t || ti == sizeof(step_types) / sizeof(*step_types))
                rc = yp_err(v,
                            "unknown step type '%s' (command, agent-review, human-approve; the "
                            "semantic checks are built in, see pipeline.semantic)",
                            t ? t : "?");
        }
    }
    if (rc == DK_OK) {
        s.type = step_types[ti].type;
        for (size_t ki = 0; ki < sizeof(step_keys) / sizeof(*step_keys); ki++)
            if (seen[ki] && !((step_types[ti].keys | K_TYPE) & (1u << ki))) {
                rc = yp_err(seen[ki], "'%s' does not apply to %s steps (%s)", step_keys[ki],
                            step_types[ti].name, step_types[ti].listed);
                break;
            }
    }
    if (rc == DK_OK && !s.name)
        rc = yp_err(n, "a step needs a name");
    if (rc == DK_OK && s.type != DK_VFY_HUMAN_APPROVE && !s.run)
        rc = yp_err(n, "step '%s' needs run%s", s.name,
                    s.type == DK_VFY_AGENT_REVIEW ? " (the reviewer command)" : "");
    if (rc == DK_OK) {
        for (size_t i = 0; i < stage->steps.len; i++)
            if (strcmp(stage->steps.items[i].name, s.name) == 0)
                rc = yp_err(n, "step name '%s' is used twice in stage '%s'", s.name, stage->name);
    }
    if (rc == DK_OK && s.type == DK_VFY_HUMAN_APPROVE) {
        s.run = dk_xstrdup("");
        s.argv = dk_xcalloc(1, sizeof(*s.argv));
    } else if (rc == DK_OK && (rc = dk_vfy_argv_split(&s.argv, &s.argc, s.run))) {
        rc = yp_err(n, "step '%s': %s", s.name, dk_error_last()->msg);
    }
    if (rc == DK_OK && s.type == DK_VFY_AGENT_REVIEW && !s.prompt)
        s.prompt = dk_xstrdup("Review this changeset");
    if (rc) {
        step_release(&s);
        return rc;
    }
    dk_vec_push(&stage->steps, s);
    return DK_OK;
}

static int yp_stage(struct yp *y, const yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE)
        return yp_err(n, "a stage must be a mapping (name, parallel, steps)");
    struct dk_vfy_stage st = {0};
    const yaml_node_t *steps = NULL;
    int rc = DK_OK;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         rc == DK_OK && p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = yaml_document_get_node(&y->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(&y->doc, p->value);
        const char *key = yp_scalar(k);
        if (!key)
            rc = yp_err(k, "stage keys must be strings");
        else if (yp_dup(y, n, p))
            rc = yp_err(k, "'%s' is given twice", key);
        else if (strcmp(key, "name") == 0)
            rc = yp_string(&st.name, v, key);
        else if (strcmp(key, "parallel") == 0)
            rc = yp_bool(&st.parallel, v, key);
        else if (strcmp(key, "steps") == 0)
            steps = v;
        else
            rc = yp_err(k, "unknown key '%s' in a stage (name, parallel, steps)", key);
    }
    if (rc == DK_OK && !st.name)
        rc = yp_err(n, "a stage needs a name");
    if (rc == DK_OK && (!steps || steps->type != YAML_SEQUENCE_NODE ||
                        steps->data.sequence.items.start == steps->data.sequence.items.top))
        rc = yp_err(steps ? steps : n, "stage '%s' needs a non-empty list of steps", st.name);
    for (yaml_node_item_t *i = rc == DK_OK ? steps->data.sequence.items.start : NULL;
         i && rc == DK_OK && i < steps->data.sequence.items.top; i++)
        rc = yp_step(y, yaml_document_get_node(&y->doc, *i), &st);
    if (rc) {
        free(st.name);
        dk_vec_foreach(&st.steps, struct dk_vfy_step *, s)
            step_release(s);
        dk_vec_release(&st.steps);
        return rc;
    }
    dk_vec_push(&y->out->stages, st);
    return DK_OK;
}

static int yp_header(struct yp *y, const yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE)
        return yp_err(n, "'pipeline' must be a mapping");
    int rc = DK_OK;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
         rc == DK_OK && p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = yaml_document_get_node(&y->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(&y->doc, p->value);
        const char *key = yp_scalar(k);
        if (!key)
            rc = yp_err(k, "pipeline keys must be strings");
        else if (yp_dup(y, n, p))
            rc = yp_err(k, "'%s' is given twice", key);
        else if (strcmp(key, "name") == 0)
            rc = yp_string(&y->out->name, v, key);
        else if (strcmp(key, "timeout") == 0)
            rc = yp_duration(&y->out->timeout_ms, v, key);
        else if (strcmp(key, "semantic") == 0)
            rc = yp_bool(&y->out->semantic, v, key);
        else if (strcmp(key, "allowed_commands") == 0) {
            if (v->type != YAML_SEQUENCE_NODE)
                rc = yp_err(v, "'allowed_commands' must be a list of commands");
            for (yaml_node_item_t *i = rc ? NULL : v->data.sequence.items.start;
                 i && rc == DK_OK && i < v->data.sequence.items.top; i++) {
                const yaml_node_t *c = yaml_document_get_node(&y->doc, *i);
                const char *cmd = yp_scalar(c);
                char **words;
                size_t nw;
                if (!cmd)
                    rc = yp_err(c, "allowed_commands entries must be strings");
                else if (dk_vfy_argv_split(&words, &nw, cmd))
                    rc = yp_err(c, "allowed_commands: %s", dk_error_last()->msg);
                else
                    dk_vec_push(&y->out->allowed, words);
            }
        } else
            rc = yp_err(k,
                        "unknown key '%s' in pipeline (name, timeout, allowed_commands, "
                        "semantic)",
                        key);
    }
    return rc;
}

int dk_vfy_pipeline_parse(struct dk_vfy_pipeline *out, const char *yaml, size_t len)
{
    yaml_parser_t parser;
    struct yp y = {.out = out};
    int rc = DK_OK;

    memset(out, 0, sizeof(*out));
    out->source = dk_xstrdup(YP_FILE);
    out->timeout_ms = DEFAULT_PIPELINE_TIMEOUT_MS;
    out->semantic = true;
    if (!yaml_parser_initialize(&parser))
        return dk_error_set(DK_ERROR, "yaml parser: out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    if (!yaml_parser_load(&parser, &y.doc)) {
        rc = dk_error_set(DK_EINVALID, YP_FILE ":%zu: %s", parser.problem_mark.line + 1,
                          parser.problem ? parser.problem : "malformed yaml");
        yaml_parser_delete(&parser);
        return rc;
    }
    yaml_parser_delete(&parser);
    const yaml_node_t *root = yaml_document_get_root_node(&y.doc);
    const yaml_node_t *stages = NULL;
    if (!root || root->type != YAML_MAPPING_NODE) {
        rc = yp_err(root, "the file must be a mapping with 'stages'");
        goto out;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
         rc == DK_OK && p < root->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = yaml_document_get_node(&y.doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(&y.doc, p->value);
        const char *key = yp_scalar(k);
        if (key && yp_dup(&y, root, p))
            rc = yp_err(k, "'%s' is given twice", key);
        else if (key && strcmp(key, "pipeline") == 0)
            rc = yp_header(&y, v);
        else if (key && strcmp(key, "stages") == 0)
            stages = v;
        else
            rc = yp_err(k, "unknown top-level key '%s' (pipeline, stages)", key ? key : "?");
    }
    if (rc == DK_OK && (!stages || stages->type != YAML_SEQUENCE_NODE ||
                        stages->data.sequence.items.start == stages->data.sequence.items.top))
        rc = yp_err(stages ? stages : root,
                    "'stages' must be a non-empty list (a pipeline file without stages would "
                    "approve everything)");
    for (yaml_node_item_t *i = rc == DK_OK ? stages->data.sequence.items.start : NULL;
         i && rc == DK_OK && i < stages->data.sequence.items.top; i++)
        rc = yp_stage(&y, yaml_document_get_node(&y.doc, *i));
    if (rc == DK_OK && !out->name)
        out->name = dk_xstrdup("pipeline");
    /* check 3: every command (reviewers too) against the pipeline's own list */
    dk_vec_foreach(&out->stages, struct dk_vfy_stage *, st) {
        dk_vec_foreach(&st->steps, struct dk_vfy_step *, s) {
            if (rc == DK_OK && s->type != DK_VFY_HUMAN_APPROVE &&
                dk_vfy_command_check(s->argv, s->argc, out->allowed.items, out->allowed.len))
                rc = dk_error_set(DK_EINVALID, YP_FILE ": step '%s': %s", s->name,
                                  dk_error_last()->msg);
        }
    }
    /* check 5: a human-approve step is the last step of a sequential last stage */
    for (size_t i = 0; rc == DK_OK && i < out->stages.len; i++) {
        const struct dk_vfy_stage *st = &out->stages.items[i];
        for (size_t j = 0; rc == DK_OK && j < st->steps.len; j++) {
            const struct dk_vfy_step *s = &st->steps.items[j];
            if (s->type != DK_VFY_HUMAN_APPROVE)
                continue;
            if (i + 1 != out->stages.len || j + 1 != st->steps.len)
                rc = dk_error_set(DK_EINVALID,
                                  YP_FILE
                                  ":%zu: human-approve step '%s' must be the pipeline's "
                                  "last step (the approval answers for every check before it)",
                                  s->line, s->name);
            else if (st->parallel && st->steps.len > 1)
                rc = dk_error_set(DK_EINVALID,
                                  YP_FILE ":%zu: human-approve step '%s' cannot be in a parallel "
                                          "stage (it waits for the steps before it)",
                                  s->line, s->name);
        }
    }
out:
    yaml_document_delete(&y.doc);
    return rc;
}

/* ========================================================================== */
/* Auto-detection                                                             */
/* ========================================================================== */

static bool has_path(const char *const *paths, size_t n, const char *dir, const char *file)
{
    char want[1024];
    snprintf(want, sizeof(want), "%s%s%s", dir, *dir ? "/" : "", file);
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(paths[mid], want);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static void add_step(struct dk_vfy_stage *st, const char *lang, const char *dir, const char *step,
                     const char *run, int secs, bool aware)
{
    struct dk_vfy_step s = {
        .timeout_ms = (int64_t)secs * 1000, .required = true, .changeset_aware = aware};
    dk_str name = DK_STR_INIT;
    if (*dir)
        dk_str_addf(&name, "%s(%s):%s", lang, dir, step);
    else
        dk_str_addf(&name, "%s:%s", lang, step);
    s.name = dk_str_detach(&name, NULL);
    s.run = dk_xstrdup(run);
    s.work_dir = dk_xstrdup(dir);
    /* the commands above are constants that split */
    int rc = dk_vfy_argv_split(&s.argv, &s.argc, run);
    dk_assert(rc == DK_OK);
    dk_vec_push(&st->steps, s);
}

enum { L_RUST, L_BUN, L_NODE, L_PYTHON, L_GO, L_MAKE, L_CMAKE, L_COUNT };
static const char *const lang_names[L_COUNT] = {"rust", "bun", "node", "python",
                                                "go",   "c",   "cmake"};

/* The languages of directory `dir`, as bits; steps added unless `root_mask` has the language. */
static unsigned detect_dir(struct dk_vfy_stage *st, const char *const *paths, size_t n,
                           const char *dir, unsigned root_mask)
{
    unsigned found = 0;
    if (has_path(paths, n, dir, "Cargo.toml") && !(root_mask & (1u << L_RUST))) {
        found |= 1u << L_RUST;
        add_step(st, "rust", dir, "check", "cargo check", 60, true);
        add_step(st, "rust", dir, "test", "cargo test", 60, true);
    }
    if (has_path(paths, n, dir, "package.json")) {
        bool bun = has_path(paths, n, dir, "bun.lock") || has_path(paths, n, dir, "bun.lockb");
        int l = bun ? L_BUN : L_NODE;
        if (!(root_mask & (1u << l))) {
            found |= 1u << l;
            if (bun) {
                add_step(st, "bun", dir, "install", "bun install --frozen-lockfile", 120, false);
                add_step(st, "bun", dir, "test", "bun test", 60, true);
            } else {
                add_step(st, "node", dir, "install", "npm ci", 120, false);
                add_step(st, "node", dir, "test", "npm test", 60, true);
            }
        }
    }
    bool pyproject = has_path(paths, n, dir, "pyproject.toml");
    bool reqs = has_path(paths, n, dir, "requirements.txt");
    if ((pyproject || reqs) && !(root_mask & (1u << L_PYTHON))) {
        found |= 1u << L_PYTHON;
        /* the installs are advisory (not required): pip refuses to install outside a
         * virtual environment on PEP 668 systems such as Debian 12, and without network
         * nothing can be fetched; pytest decides (missing dependencies fail it) */
        if (pyproject) {
            add_step(st, "python", dir, "install", "pip install -e .", 120, false);
            st->steps.items[st->steps.len - 1].required = false;
        }
        if (reqs) {
            add_step(st, "python", dir, "install-deps", "pip install -r requirements.txt", 120,
                     false);
            st->steps.items[st->steps.len - 1].required = false;
        }
        add_step(st, "python", dir, "test", "python3 -m pytest", 60, true);
    }
    if (has_path(paths, n, dir, "go.mod") && !(root_mask & (1u << L_GO))) {
        found |= 1u << L_GO;
        add_step(st, "go", dir, "build", "go build ./...", 60, true);
        add_step(st, "go", dir, "vet", "go vet ./...", 60, true);
        add_step(st, "go", dir, "test", "go test ./...", 60, true);
    }
    if ((has_path(paths, n, dir, "Makefile") || has_path(paths, n, dir, "makefile") ||
         has_path(paths, n, dir, "GNUmakefile")) &&
        !(root_mask & (1u << L_MAKE))) {
        found |= 1u << L_MAKE;
        add_step(st, "c", dir, "build", "make", 300, false);
        add_step(st, "c", dir, "test", "make test", 300, false);
    } else if (has_path(paths, n, dir, "CMakeLists.txt") && !(root_mask & (1u << L_CMAKE))) {
        found |= 1u << L_CMAKE;
        add_step(st, "cmake", dir, "configure", "cmake -S . -B build", 120, false);
        add_step(st, "cmake", dir, "build", "cmake --build build", 300, false);
        add_step(st, "cmake", dir, "test", "ctest --test-dir build --output-on-failure", 300,
                 false);
    }
    return found;
}

void dk_vfy_pipeline_detect(struct dk_vfy_pipeline *out, const char *const *paths, size_t n)
{
    memset(out, 0, sizeof(*out));
    out->semantic = true;
    struct dk_vfy_stage st = {.name = dk_xstrdup("checks")};
    unsigned root = detect_dir(&st, paths, n, "", 0), all = root;
    size_t dirs = root ? 1 : 0;
    /* immediate subdirectories, in path order (paths are sorted) */
    char last[512] = "";
    for (size_t i = 0; i < n; i++) {
        const char *slash = strchr(paths[i], '/');
        if (!slash || (size_t)(slash - paths[i]) >= sizeof(last) || paths[i][0] == '.')
            continue;
        char dir[512];
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - paths[i]), paths[i]);
        if (strcmp(dir, last) == 0 || strcmp(dir, "node_modules") == 0 ||
            strcmp(dir, "target") == 0)
            continue;
        snprintf(last, sizeof(last), "%s", dir);
        unsigned f = detect_dir(&st, paths, n, dir, root);
        if (f)
            dirs++;
        all |= f;
    }
    int64_t total = 0;
    dk_vec_foreach(&st.steps, struct dk_vfy_step *, s)
        total += s->timeout_ms;
    out->timeout_ms = total < 60000 ? 60000 : total;
    int langs = __builtin_popcount(all);
    dk_str src = DK_STR_INIT;
    if (langs == 0)
        dk_str_adds(&src, "auto-none");
    else if (langs == 1 && dirs == 1)
        dk_str_addf(&src, "auto-%s", lang_names[__builtin_ctz(all)]);
    else
        dk_str_adds(&src, "auto-polyglot");
    out->source = dk_str_detach(&src, NULL);
    out->name = dk_xstrdup(out->source);
    if (st.steps.len) {
        dk_vec_push(&out->stages, st);
    } else {
        free(st.name);
        dk_vec_release(&st.steps);
    }
}

/* ========================================================================== */
/* Changeset-aware scoping                                                    */
/* ========================================================================== */

/* Paths of `changed` below `work_dir`, relative to it. */
static size_t rel_paths(const char **out, const char *work_dir, const char *const *changed,
                        size_t n)
{
    size_t wl = strlen(work_dir), k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!wl)
            out[k++] = changed[i];
        else if (strncmp(changed[i], work_dir, wl) == 0 && changed[i][wl] == '/')
            out[k++] = changed[i] + wl + 1;
    }
    return k;
}

static bool safe_name(const char *s, size_t len)
{
    if (!len || s[0] == '-' || s[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
            return false;
    return true;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef dk_vec(char *) strvec;

/* Add a scope word once (malloc'd). */
static void scope_add(strvec *v, const char *s, size_t len)
{
    for (size_t i = 0; i < v->len; i++)
        if (strlen(v->items[i]) == len && memcmp(v->items[i], s, len) == 0)
            return;
    dk_vec_push(v, dk_xstrndup(s, len));
}

char **dk_vfy_argv_scope(char *const *argv, size_t argc, const char *work_dir,
                         const char *const *changed, size_t nchanged)
{
    const char **rel = dk_xcalloc(nchanged ? nchanged : 1, sizeof(*rel));
    size_t nrel = rel_paths(rel, work_dir, changed, nchanged);
    strvec scope = DK_VEC_INIT;
    strvec res = DK_VEC_INIT;
    /* how many leading words stay before the scope; the rest follows it */
    size_t keep = 0;
    enum { S_NONE, S_CARGO, S_BUN, S_PYTEST, S_GO } kind = S_NONE;

    if (argc >= 2 && strcmp(argv[0], "cargo") == 0 &&
        (strcmp(argv[1], "test") == 0 || strcmp(argv[1], "check") == 0 ||
         strcmp(argv[1], "clippy") == 0))
        kind = S_CARGO, keep = 2;
    else if (argc >= 2 && strcmp(argv[0], "bun") == 0 && strcmp(argv[1], "test") == 0)
        kind = S_BUN, keep = 2;
    else if (argc >= 1 && strcmp(argv[0], "pytest") == 0)
        kind = S_PYTEST, keep = 1;
    else if (argc >= 3 && strncmp(argv[0], "python", 6) == 0 && strcmp(argv[1], "-m") == 0 &&
             strcmp(argv[2], "pytest") == 0)
        kind = S_PYTEST, keep = 3;
    else if (argc >= 2 && strcmp(argv[0], "go") == 0 &&
             (strcmp(argv[1], "test") == 0 || strcmp(argv[1], "vet") == 0 ||
              strcmp(argv[1], "build") == 0))
        kind = S_GO, keep = 2;

    for (size_t i = 0; kind != S_NONE && i < nrel; i++) {
        const char *p = rel[i];
        const char *slash = strchr(p, '/');
        if (kind == S_CARGO && strncmp(p, "crates/", 7) == 0) {
            const char *name = p + 7, *end = strchr(name, '/');
            if (end && safe_name(name, (size_t)(end - name))) {
                scope_add(&scope, "-p", 2);
                scope_add(&scope, name, (size_t)(end - name));
            }
        } else if (kind == S_BUN && strncmp(p, "src/", 4) == 0) {
            const char *end = strchr(p + 4, '/');
            if (end && safe_name(p + 4, (size_t)(end - p - 4)))
                scope_add(&scope, p, (size_t)(end - p));
        } else if (kind == S_PYTEST && slash && safe_name(p, (size_t)(slash - p)) &&
                   strncmp(p, "tests/", 6) != 0 && strlen(p) > 3 &&
                   strcmp(p + strlen(p) - 3, ".py") == 0) {
            scope_add(&scope, p, (size_t)(slash - p));
        } else if (kind == S_GO && strlen(p) > 3 && strcmp(p + strlen(p) - 3, ".go") == 0) {
            const char *dir_end = strrchr(p, '/');
            dk_str d = DK_STR_INIT;
            dk_str_adds(&d, "./");
            if (dir_end)
                dk_str_add(&d, p, (size_t)(dir_end - p));
            else
                dk_str_truncate(&d, 1);
            scope_add(&scope, d.ptr, d.len);
            dk_str_release(&d);
        }
    }
    /* cargo's "-p x -p y" pairs must stay pairs: rebuild them after sorting the names */
    if (kind == S_CARGO && scope.len) {
        strvec names = DK_VEC_INIT;
        for (size_t i = 0; i < scope.len; i++) {
            if (strcmp(scope.items[i], "-p") != 0)
                dk_vec_push(&names, scope.items[i]);
            else
                free(scope.items[i]);
        }
        qsort(names.items, names.len, sizeof(*names.items), str_cmp);
        scope.len = 0;
        for (size_t i = 0; i < names.len; i++) {
            dk_vec_push(&scope, dk_xstrdup("-p"));
            dk_vec_push(&scope, names.items[i]);
        }
        dk_vec_release(&names);
    } else if (scope.len) {
        qsort(scope.items, scope.len, sizeof(*scope.items), str_cmp);
    }
    for (size_t i = 0; i < argc; i++) {
        if (i == keep && scope.len) {
            for (size_t j = 0; j < scope.len; j++)
                dk_vec_push(&res, scope.items[j]);
            scope.len = 0;
        }
        /* go's "./..." is what the scope replaces */
        if (kind == S_GO && i >= keep && strcmp(argv[i], "./...") == 0 && res.len > keep)
            continue;
        dk_vec_push(&res, dk_xstrdup(argv[i]));
    }
    for (size_t j = 0; j < scope.len; j++)
        dk_vec_push(&res, scope.items[j]);
    dk_vec_release(&scope);
    dk_vec_push(&res, NULL);
    free(rel);
    return res.items;
}
