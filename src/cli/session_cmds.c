/*
 * cli/session_cmds.c - the handlers of the session commands (cli/session.h):
 * for each row of the table, `build` turns the command line into the
 * operation's params and `show` prints its result for people (with --json
 * the runner has printed the result already, and show only does what must
 * happen either way: the state file, the exit status). verify and watch run
 * several calls and have a `run` of their own.
 *
 * Invariants: the state file changes only after the operation succeeded:
 * connect writes it, land/abandon/close (and a landed resolve) clear it when
 * it names their session, resolve points it at the session that now holds
 * the work. Content goes as the API's rule says: UTF-8 text as is, any
 * other bytes as base64 with "encoding": "base64"; `dk cat` writes the bytes
 * back exactly.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api/api.h"
#include "api/api_json.h"
#include "api/ops_int.h"
#include "cli/cli.h"
#include "cli/client.h"
#include "cli/session.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

/* A commit id shortened for people. */
static void short_id(char out[13], const char *id)
{
    snprintf(out, 13, "%.12s", id ? id : "");
}

/* A realpath when there is one, else `path` as given. */
static json_t *path_json(const char *path)
{
    char *abs = realpath(path, NULL);
    json_t *v = json_string(abs ? abs : path);
    free(abs);
    return v;
}

/*
 * Set o["content"] to a file's bytes (FILE or "-" for stdin) by the API's
 * rule: UTF-8 as is, else base64 with o["encoding"] = "base64". The base64
 * comes from api_json's encoder (its "<key>_base64" sibling).
 */
static int set_content_from_file(json_t *o, const char *file)
{
    char *data = NULL;
    size_t len = 0;
    if (cli_read_file(file, &data, &len) != 0)
        return CLI_EXIT_NOT_FOUND;
    json_t *enc = json_object();
    dk_api_json_set_bytes(enc, "content", data, len);
    json_t *b64 = json_object_get(enc, "content_base64");
    json_object_set(o, "content", b64 ? b64 : json_object_get(enc, "content"));
    if (b64)
        json_object_set_new(o, "encoding", json_string("base64"));
    json_decref(enc);
    free(data);
    return 0;
}

/* ========================================================================== */
/* connect, status, sessions                                                  */
/* ========================================================================== */

static const char *connect_agent(const struct sess *s)
{
    const char *agent = sess_opt(s, "--agent");
    const char *env = getenv("DK_AGENT"), *user = getenv("USER");
    return agent ? agent : env && env[0] ? env : user && user[0] ? user : "cli";
}

int sess_build_connect(struct sess *s, json_t *params)
{
    const char *intent = sess_opt(s, "--intent");
    if (!intent || !intent[0])
        return sess_usage_error(s, "connect needs --intent TEXT (what this session is for)");
    json_object_set_new(params, "intent", json_string(intent));
    json_object_set_new(params, "agent_id", json_string(connect_agent(s)));
    static const char *const map[][2] = {{"--agent-name", "agent_name"},
                                         {"--mode", "mode"},
                                         {"--resume", "resume_session_id"},
                                         {"--base", "base_commit"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (sess_opt(s, map[i][0]))
            json_object_set_new(params, map[i][1], json_string(sess_opt(s, map[i][0])));
    return 0;
}

static void print_other_sessions(const json_t *others)
{
    size_t i;
    json_t *o;
    json_array_foreach(others, i, o)
    {
        if (i == 0)
            puts("  also working here:");
        printf("    %s %s: %s", sess_jstr(o, "session_id"), sess_jstr(o, "agent_id"),
               sess_jstr(o, "intent"));
        size_t k;
        json_t *file;
        json_array_foreach(json_object_get(o, "files"), k, file)
        {
            printf("%s%s", k ? ", " : " (", json_string_value(file));
        }
        puts(json_array_size(json_object_get(o, "files")) ? ")" : "");
    }
}

int sess_show_connect(struct sess *s, json_t *res)
{
    /* remember the session and where it lives (never the token) */
    json_t *st = json_pack("{s:s,s:s,s:s}", "session_id", sess_jstr(res, "session_id"), "repo",
                           s->pos[0], "agent_id", connect_agent(s));
    if (s->target.server)
        json_object_set_new(st, "server", json_string(s->target.server));
    if (!s->target.server || s->target.data)
        json_object_set_new(st, "data", path_json(cli_data_dir(s->target.data)));
    if (!s->target.server && s->target.store)
        json_object_set_new(st, "store", json_string(s->target.store));
    if (!s->target.server && s->target.cache)
        json_object_set_new(st, "cache", json_string(s->target.cache));
    int rc = cli_state_save(st, s->who) ? CLI_EXIT_INTERNAL : 0;
    json_decref(st);
    const char *prev = s->state ? sess_jstr(s->state, "session_id") : "";
    if (rc == 0 && prev[0] && strcmp(prev, sess_jstr(res, "session_id")) != 0)
        fprintf(stderr, "%s: the previous current session %s stays open (dk close --session %s)\n",
                s->who, prev, prev);
    if (s->json)
        return rc;
    char base[13];
    short_id(base, sess_jstr(res, "base_commit"));
    bool c = s->color_out;
    printf("session %s%s%s on %s at %s (changeset %s, %s)\n", sess_col(c, C_BOLD),
           sess_jstr(res, "session_id"), sess_col(c, C_OFF), s->pos[0], base[0] ? base : "(empty)",
           sess_jstr(res, "changeset_id"), sess_jstr(res, "mode"));
    const json_t *sum = json_object_get(res, "summary");
    if (json_is_object(sum)) {
        printf("  %lld files", sess_jint(sum, "files"));
        const char *lang;
        json_t *n;
        json_object_foreach((json_t *)json_object_get(sum, "languages"), lang, n)
        {
            printf(", %s %lld", lang, (long long)json_integer_value(n));
        }
        putchar('\n');
    }
    print_other_sessions(json_object_get(res, "other_sessions"));
    return rc;
}

int sess_show_status(struct sess *s, json_t *res)
{
    if (s->json)
        return 0;
    char base[13];
    short_id(base, sess_jstr(res, "base_commit"));
    printf("session %s%s%s (%s) on %s, agent %s\n", sess_col(s->color_out, C_BOLD),
           sess_jstr(res, "session_id"), sess_col(s->color_out, C_OFF), sess_jstr(res, "state"),
           sess_jstr(res, "repo"), sess_jstr(res, "agent_id"));
    printf("  intent: %s\n", sess_jstr(res, "intent"));
    printf("  base %s, changeset %s (%s), %lld files and %lld symbols changed\n",
           base[0] ? base : "(empty)", sess_jstr(res, "changeset_id"),
           sess_jstr(res, "changeset_state"), sess_jint(res, "files_changed"),
           sess_jint(res, "symbols_changed"));
    return 0;
}

/* --repo, else the current session's repository, else none (every repository). */
static const char *repo_of(const struct sess *s)
{
    const char *repo = sess_opt(s, "--repo");
    if (!repo && s->state)
        repo = sess_jstr(s->state, "repo");
    return repo && repo[0] ? repo : NULL;
}

int sess_build_sessions(struct sess *s, json_t *params)
{
    if (repo_of(s))
        json_object_set_new(params, "repo", json_string(repo_of(s)));
    return 0;
}

int sess_show_sessions(struct sess *s, json_t *res)
{
    if (s->json)
        return 0;
    size_t i;
    json_t *o;
    const char *cur = s->state ? sess_jstr(s->state, "session_id") : "";
    json_array_foreach(json_object_get(res, "sessions"), i, o)
    {
        printf("%s %s%s%s  %s  %s  %s: %s (%lld files)\n",
               strcmp(cur, sess_jstr(o, "session_id")) == 0 ? "*" : " ",
               sess_col(s->color_out, C_BOLD), sess_jstr(o, "session_id"),
               sess_col(s->color_out, C_OFF), sess_jstr(o, "repo"), sess_jstr(o, "state"),
               sess_jstr(o, "agent_id"), sess_jstr(o, "intent"), sess_jint(o, "files_changed"));
    }
    if (!json_array_size(json_object_get(res, "sessions")))
        puts("no live sessions");
    return 0;
}

/* ========================================================================== */
/* Files: cat, write, rm, ls                                                  */
/* ========================================================================== */

int sess_show_cat(struct sess *s, json_t *res)
{
    if (s->json)
        return 0;
    /* the bytes as they are: base64 content decoded back */
    const char *content = sess_jstr(res, "content");
    size_t len = json_string_length(json_object_get(res, "content"));
    if (strcmp(sess_jstr(res, "encoding"), "base64") != 0) {
        fwrite(content, 1, len, stdout);
        return 0;
    }
    char *raw = dk_xmalloc(len * 3 / 4 + 3);
    size_t n = 0;
    int rc = 0;
    if (dk_ops_base64_decode(raw, &n, content, len) != 0) {
        fprintf(stderr, "%s: the answer's base64 content does not decode\n", s->who);
        rc = CLI_EXIT_INTERNAL;
    } else {
        fwrite(raw, 1, n, stdout);
    }
    free(raw);
    return rc;
}

/* ": f1 modified, f2 added" for a result's symbols, then the end of the line. */
static void print_symbols_line(const json_t *symbols)
{
    size_t i;
    json_t *o;
    json_array_foreach(symbols, i, o)
    {
        printf("%s%s %s", i ? ", " : ": ", sess_jstr(o, "symbol"), sess_jstr(o, "change"));
    }
    putchar('\n');
}

int sess_build_write(struct sess *s, json_t *params)
{
    if (sess_flag(s, "--force"))
        json_object_set_new(params, "force", json_true());
    return set_content_from_file(params, s->npos > 1 ? s->pos[1] : "-");
}

int sess_show_write(struct sess *s, json_t *res)
{
    if (s->json)
        return 0;
    char hash[13];
    short_id(hash, sess_jstr(res, "hash"));
    printf("wrote %s (%s, %s)", sess_jstr(res, "path"),
           json_is_true(json_object_get(res, "is_new")) ? "new" : "changed", hash);
    print_symbols_line(json_object_get(res, "symbols"));
    if (json_is_true(json_object_get(res, "unparsed")))
        puts("  note: not parsed as code; changes are tracked for the whole file");
    return 0;
}

int sess_show_rm(struct sess *s, json_t *res)
{
    if (s->json)
        return 0;
    printf("deleted %s", sess_jstr(res, "path"));
    print_symbols_line(json_object_get(res, "symbols"));
    return 0;
}

int sess_build_ls(struct sess *s, json_t *params)
{
    if (sess_flag(s, "--modified"))
        json_object_set_new(params, "only_modified", json_true());
    return 0;
}

int sess_show_ls(struct sess *s, json_t *res)
{
    if (s->json)
        return 0;
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(res, "files"), i, f)
    {
        const char *st = sess_jstr(f, "status");
        char mark = strcmp(st, "added") == 0      ? 'A'
                    : strcmp(st, "modified") == 0 ? 'M'
                    : strcmp(st, "deleted") == 0  ? 'D'
                                                  : ' ';
        printf("%c %s", mark, sess_jstr(f, "path"));
        if (sess_jstr(f, "other_modifiers")[0])
            printf("  %s(also changing: %s)%s", sess_col(s->color_out, C_YELLOW),
                   sess_jstr(f, "other_modifiers"), sess_col(s->color_out, C_OFF));
        putchar('\n');
    }
    return 0;
}

/* ========================================================================== */
/* Changesets: check, submit, approve, reject, land, revert                   */
/* ========================================================================== */

int sess_show_check(struct sess *s, json_t *res)
{
    bool clean = json_is_true(json_object_get(res, "clean"));
    const json_t *conflicts = json_object_get(res, "conflicts");
    if (s->json) {
        /* the verdict is the exit status either way */
    } else if (clean) {
        printf("%sclean%s: would land now (%zu files merged)\n", sess_col(s->color_out, C_GREEN),
               sess_col(s->color_out, C_OFF),
               json_array_size(json_object_get(res, "merged_files")));
    } else {
        printf("would not land: %zu conflict%s\n", json_array_size(conflicts),
               json_array_size(conflicts) == 1 ? "" : "s");
        sess_print_conflicts(stdout, s->color_out, conflicts);
    }
    return clean ? 0 : CLI_EXIT_REFUSED;
}

static void print_changeset(const struct sess *s, const char *verb, const json_t *res)
{
    char commit[13];
    short_id(commit, sess_jstr(res, "submit_commit"));
    printf("%s changeset %s%s%s (#%lld, %s)", verb, sess_col(s->color_out, C_BOLD),
           sess_jstr(res, "changeset_id"), sess_col(s->color_out, C_OFF), sess_jint(res, "number"),
           sess_jstr(res, "state"));
    if (commit[0])
        printf(" commit %s", commit);
    putchar('\n');
}

int sess_show_submit(struct sess *s, json_t *res)
{
    if (!s->json)
        print_changeset(s, "submitted", res);
    return 0;
}

/* approve and reject: a person's answer about a changeset, with a reason */
int sess_build_answer(struct sess *s, json_t *params)
{
    const char *reason = sess_opt(s, "--reason");
    if (!reason || !reason[0])
        return sess_usage_error(s, "%s needs --reason TEXT", s->cmd->name);
    json_object_set_new(params, "reason", json_string(reason));
    if (s->npos) {
        json_object_set_new(params, "changeset_id", json_string(s->pos[0]));
        return 0;
    }
    if (!s->session_id)
        return sess_usage_error(s, "name a CHANGESET, or connect to a session first");
    /* the current session's changeset */
    json_t *sp = json_pack("{s:s}", "session_id", s->session_id), *st = NULL;
    int rc = sess_call(s, "status", sp, &st);
    json_decref(sp);
    if (rc)
        return rc;
    json_object_set(params, "changeset_id", json_object_get(st, "changeset_id"));
    json_decref(st);
    return 0;
}

int sess_show_answer(struct sess *s, json_t *res)
{
    if (!s->json)
        print_changeset(s, strcmp(s->cmd->name, "reject") == 0 ? "rejected" : "approved", res);
    return 0;
}

int sess_build_land(struct sess *s, json_t *params)
{
    if (sess_opt(s, "--message"))
        json_object_set_new(params, "message", json_string(sess_opt(s, "--message")));
    json_object_set_new(params, "close_session", json_boolean(!sess_flag(s, "--keep")));
    return 0;
}

int sess_show_land(struct sess *s, json_t *res)
{
    bool keep = sess_flag(s, "--keep");
    if (!s->json) {
        char commit[13];
        short_id(commit, sess_jstr(res, "commit"));
        printf("%slanded%s changeset %s as %s%s%s", sess_col(s->color_out, C_GREEN),
               sess_col(s->color_out, C_OFF), sess_jstr(res, "landed_changeset_id"),
               sess_col(s->color_out, C_BOLD), commit, sess_col(s->color_out, C_OFF));
        size_t n = json_array_size(json_object_get(res, "merged_files"));
        if (n)
            printf(" (%zu files merged with the branch)", n);
        putchar('\n');
        if (keep)
            printf("  session %s continues with changeset %s\n", s->session_id,
                   sess_jstr(res, "changeset_id"));
        else
            printf("  session %s closed\n", s->session_id);
    }
    return keep ? 0 : sess_forget(s, s->session_id);
}

int sess_show_revert(struct sess *s, json_t *res)
{
    if (s->json)
        return 0;
    printf("reverted changeset %s in session %s", s->pos[0], s->session_id);
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(res, "files"), i, f)
    {
        printf("%s%s", i ? ", " : ": ", json_string_value(f));
    }
    puts("\n  next: dk submit && dk land");
    return 0;
}

int sess_build_reason(struct sess *s, json_t *params)
{
    if (sess_opt(s, "--reason"))
        json_object_set_new(params, "reason", json_string(sess_opt(s, "--reason")));
    return 0;
}

int sess_show_ended(struct sess *s, json_t *res)
{
    if (!s->json)
        printf("session %s %s\n", sess_jstr(res, "session_id"), sess_jstr(res, "state"));
    return sess_forget(s, s->session_id);
}

/* ========================================================================== */
/* resolve                                                                    */
/* ========================================================================== */

/* One resolution from TARGET ("path" or "path::symbol") and its action. */
static int resolution_json(struct sess *s, json_t *list, const char *target, const char *action,
                           const char *file)
{
    const char *sep = strstr(target, "::");
    size_t plen = sep ? (size_t)(sep - target) : strlen(target);
    if (plen == 0 || (sep && !sep[2]))
        return sess_usage_error(s, "'%s': a TARGET is PATH or PATH::SYMBOL", target);
    json_t *r = json_object();
    json_object_set_new(r, "path", json_stringn(target, plen));
    if (sep)
        json_object_set_new(r, "symbol", json_string(sep + 2));
    json_object_set_new(r, "action", json_string(action));
    int rc = file ? set_content_from_file(r, file) : 0;
    if (rc == 0)
        json_array_append(list, r);
    json_decref(r);
    return rc;
}

/* The action an option names ("keep_mine"), or NULL when it is not one. */
static const char *resolve_action(const char *option)
{
    if (!option)
        return NULL;
    return strcmp(option, "--keep-mine") == 0     ? "keep_mine"
           : strcmp(option, "--keep-theirs") == 0 ? "keep_theirs"
           : strcmp(option, "--content") == 0     ? "content"
                                                  : NULL;
}

/* TARGET ACTION pairs, in command-line order. */
int sess_build_resolve(struct sess *s, json_t *params)
{
    json_t *list = json_array();
    json_object_set_new(params, "resolutions", list);
    const char *target = NULL;
    for (size_t i = 0; i < s->nargs; i++) {
        const struct sess_arg *a = &s->args[i];
        const char *action = resolve_action(a->name);
        if (!a->name && target)
            break;
        if (!a->name) {
            target = a->value;
        } else if (action && !target) {
            return sess_usage_error(s, "%s must follow the TARGET it resolves", a->name);
        } else if (action) {
            int rc = resolution_json(s, list, target, action, a->value);
            if (rc)
                return rc;
            target = NULL;
        }
    }
    if (target)
        return sess_usage_error(
            s, "'%s' has no action (--keep-mine, --keep-theirs or --content FILE)", target);
    if (sess_opt(s, "--message"))
        json_object_set_new(params, "message", json_string(sess_opt(s, "--message")));
    if (sess_flag(s, "--no-land"))
        json_object_set_new(params, "land", json_false());
    return 0;
}

int sess_show_resolve(struct sess *s, json_t *res)
{
    const char *sid = sess_jstr(res, "session_id");
    bool landed = json_is_true(json_object_get(res, "landed"));
    int rc = sess_follow(s, s->session_id, sid);
    if (!s->json) {
        printf("resolved in session %s%s%s", sess_col(s->color_out, C_BOLD), sid,
               sess_col(s->color_out, C_OFF));
        putchar('\n');
        char commit[13];
        short_id(commit, sess_jstr(res, "commit"));
        if (landed)
            printf("%slanded%s as %s\n", sess_col(s->color_out, C_GREEN),
                   sess_col(s->color_out, C_OFF), commit);
        else if (sess_jstr(res, "note")[0])
            printf("not landed: %s\n", sess_jstr(res, "note"));
        else
            puts("not landed yet: dk land");
    }
    if (rc || !landed || sess_flag(s, "--keep"))
        return rc;
    /* a landed resolve ends the session as `dk land` does, unless --keep */
    json_t *cp = json_pack("{s:s}", "session_id", sid), *cres = NULL;
    rc = sess_call(s, "close", cp, &cres);
    json_decref(cp);
    json_decref(cres);
    if (rc)
        return rc;
    if (!s->json)
        printf("  session %s closed\n", sid);
    return sess_forget(s, sid);
}

/* ========================================================================== */
/* verify                                                                     */
/* ========================================================================== */

/*
 * Step results as they finish: the verify op answers once, at the end, but
 * the pipeline emits a changeset.verify_step event per finished step. A
 * second thread follows those events (the watch op, on the same backend)
 * while the main thread waits for the verdict, and prints each step of this
 * changeset as it comes; the verdict's list then prints only the steps not
 * seen yet, and the details of the failed ones.
 */
struct verify_follow {
    struct sess *s;
    const char *repo;
    const char *changeset_id;
    /* the last event id seen (before the run: the repository's last) */
    int64_t since;
    pthread_mutex_t lock;
    bool done;
    /* names of the steps already printed, each followed by '\n' */
    dk_str printed;
};

static void print_step_line(const struct sess *s, const char *name, const char *status,
                            long long ms, bool required)
{
    bool c = s->color_out;
    const char *colour = strcmp(status, "pass") == 0      ? C_GREEN
                         : strcmp(status, "skip") == 0    ? C_DIM
                         : strcmp(status, "waiting") == 0 ? C_YELLOW
                                                          : C_RED;
    printf("  %s%-7s%s %s (%lld ms%s)\n", sess_col(c, colour), status, sess_col(c, C_OFF), name, ms,
           required ? "" : ", optional");
    fflush(stdout);
}

/* One watch call; prints the finished steps of our changeset. -1 when the call failed. */
static int verify_poll(struct verify_follow *vf, int timeout_ms)
{
    json_t *params =
        json_pack("{s:s,s:I,s:s,s:i}", "repo", vf->repo, "since", (json_int_t)vf->since, "types",
                  "changeset.verify_step", "timeout_ms", timeout_ms);
    json_t *res = NULL;
    dk_api_error err = DK_API_ERROR_INIT;
    int rc = cli_client_call(&vf->s->client, "watch", params, &res, &err);
    json_decref(params);
    dk_api_error_release(&err);
    if (rc)
        return -1;
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(res, "events"), i, ev)
    {
        const json_t *p = json_object_get(ev, "payload");
        if (strcmp(sess_jstr(ev, "changeset_id"), vf->changeset_id) != 0 ||
            !sess_jstr(p, "step")[0])
            continue;
        pthread_mutex_lock(&vf->lock);
        print_step_line(vf->s, sess_jstr(p, "step"), sess_jstr(p, "status"),
                        sess_jint(p, "duration_ms"), json_is_true(json_object_get(p, "required")));
        dk_str_addf(&vf->printed, "%s\n", sess_jstr(p, "step"));
        pthread_mutex_unlock(&vf->lock);
    }
    if (sess_jint(res, "next") > vf->since)
        vf->since = sess_jint(res, "next");
    json_decref(res);
    return 0;
}

static void *verify_follow_main(void *ud)
{
    struct verify_follow *vf = ud;
    for (;;) {
        pthread_mutex_lock(&vf->lock);
        bool done = vf->done;
        pthread_mutex_unlock(&vf->lock);
        if (done || verify_poll(vf, 250) != 0)
            break;
    }
    return NULL;
}

static bool step_printed(const struct verify_follow *vf, const char *name)
{
    const char *p = vf->printed.ptr;
    size_t n = strlen(name);
    while ((p = strstr(p, name)) != NULL) {
        if ((p == vf->printed.ptr || p[-1] == '\n') && p[n] == '\n')
            return true;
        p += n;
    }
    return false;
}

/* Start following: the repository's last event id now, then the thread. */
static bool verify_follow_start(struct verify_follow *vf, pthread_t *th)
{
    /* a type nothing has: the op scans every event and answers how far ("next") */
    json_t *wp = json_pack("{s:s,s:I,s:s,s:i}", "repo", vf->repo, "since", (json_int_t)0, "types",
                           "dk.cli.none", "max", 1),
           *wr = NULL;
    dk_api_error err = DK_API_ERROR_INIT;
    bool ok = cli_client_call(&vf->s->client, "watch", wp, &wr, &err) == 0;
    if (ok) {
        vf->since = sess_jint(wr, "next");
        ok = pthread_create(th, NULL, verify_follow_main, vf) == 0;
    }
    dk_api_error_release(&err);
    json_decref(wp);
    json_decref(wr);
    return ok;
}

static void verify_print(struct sess *s, const struct verify_follow *vf, const json_t *res)
{
    size_t i;
    json_t *step;
    json_array_foreach(json_object_get(res, "steps"), i, step)
    {
        const char *status = sess_jstr(step, "status");
        if (!step_printed(vf, sess_jstr(step, "name")))
            print_step_line(s, sess_jstr(step, "name"), status, sess_jint(step, "duration_ms"),
                            json_is_true(json_object_get(step, "required")));
        if (strcmp(status, "pass") == 0 || strcmp(status, "skip") == 0 ||
            strcmp(status, "waiting") == 0)
            continue;
        size_t k;
        json_t *f;
        json_array_foreach(json_object_get(step, "findings"), k, f)
        {
            printf("    %s:%lld: %s: %s\n", sess_jstr(f, "file"), sess_jint(f, "line"),
                   sess_jstr(f, "severity"), sess_jstr(f, "message"));
        }
        if (!json_array_size(json_object_get(step, "findings")))
            sess_print_indented(stdout, "    | ", sess_jstr(step, "output_tail"));
    }
    json_t *c;
    json_array_foreach(json_object_get(res, "conflicts"), i, c)
    {
        printf("  conflict in %s (dk check shows both versions)\n", sess_jstr(c, "path"));
    }
    if (sess_jstr(res, "error")[0])
        printf("  %s\n", sess_jstr(res, "error"));
    bool passed = json_is_true(json_object_get(res, "passed"));
    if (!passed && json_is_true(json_object_get(res, "awaiting_approval"))) {
        /* every required step passed; a human-approve step waits for a person */
        printf("%sawaiting approval%s: changeset %s waits for `dk approve %s --reason TEXT` "
               "(or `dk reject`) from a token with approve scope\n",
               sess_col(s->color_out, C_YELLOW), sess_col(s->color_out, C_OFF), vf->changeset_id,
               vf->changeset_id);
        return;
    }
    printf("%s%s%s: changeset %s\n", sess_col(s->color_out, passed ? C_GREEN : C_RED),
           passed ? "passed" : "failed", sess_col(s->color_out, C_OFF), sess_jstr(res, "state"));
}

int sess_run_verify(struct sess *s)
{
    bool check = sess_flag(s, "--check");
    struct verify_follow vf = {.s = s, .printed = DK_STR_INIT};
    pthread_mutex_init(&vf.lock, NULL);
    json_t *st = NULL, *res = NULL;
    json_t *params = json_pack("{s:s}", "session_id", s->session_id);
    pthread_t th;
    bool following = false;
    int rc = 0;
    if (!s->json) {
        rc = sess_call(s, "status", params, &st);
        if (rc)
            goto out;
        vf.repo = sess_jstr(st, "repo");
        vf.changeset_id = sess_jstr(st, "changeset_id");
        printf("verifying changeset %s%s\n", vf.changeset_id, check ? " (check only)" : "");
        fflush(stdout);
        following = verify_follow_start(&vf, &th);
    }
    if (check)
        json_object_set_new(params, "check", json_true());
    rc = sess_call(s, "verify", params, &res);
    if (following) {
        pthread_mutex_lock(&vf.lock);
        vf.done = true;
        pthread_mutex_unlock(&vf.lock);
        pthread_join(th, NULL);
        /* the last steps' events may have come after the thread's last look */
        verify_poll(&vf, 0);
    }
    if (rc)
        goto out;
    if (s->json)
        sess_print_json(res);
    else
        verify_print(s, &vf, res);
    rc = json_is_true(json_object_get(res, "passed")) ? 0 : CLI_EXIT_REFUSED;
out:
    json_decref(params);
    json_decref(res);
    json_decref(st);
    dk_str_release(&vf.printed);
    pthread_mutex_destroy(&vf.lock);
    return rc;
}

/* ========================================================================== */
/* watch                                                                      */
/* ========================================================================== */

static void print_event(const struct sess *s, const json_t *ev)
{
    bool c = s->color_out;
    char *payload = json_dumps(json_object_get(ev, "payload"), JSON_COMPACT);
    printf("%s#%lld%s %s %s%s%s", sess_col(c, C_DIM), sess_jint(ev, "id"), sess_col(c, C_OFF),
           sess_jstr(ev, "created"), sess_col(c, C_BOLD), sess_jstr(ev, "type"),
           sess_col(c, C_OFF));
    if (sess_jstr(ev, "agent")[0])
        printf(" %s", sess_jstr(ev, "agent"));
    if (sess_jstr(ev, "session_id")[0])
        printf(" %s", sess_jstr(ev, "session_id"));
    if (payload && strcmp(payload, "{}") != 0)
        printf(" %s", payload);
    putchar('\n');
    free(payload);
}

/* One answer's events: people's lines, or with --follow --json one JSON object per line. */
static void watch_print(const struct sess *s, const json_t *res, bool follow)
{
    if (s->json && !follow) {
        sess_print_json(res);
        return;
    }
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(res, "events"), i, ev)
    {
        if (!s->json) {
            print_event(s, ev);
            continue;
        }
        char *line = json_dumps(ev, JSON_COMPACT);
        puts(line ? line : "{}");
        free(line);
    }
}

/*
 * --follow is repeated blocking `watch` calls, on both backends: the same
 * operation and fields as without --follow, an exact resume point ("next")
 * after every answer, and no second protocol (SSE) in the CLI. In-process a
 * call waits at most a second, so events written by other processes on the
 * same data directory (read from the store) show up within one.
 */
int sess_run_watch(struct sess *s)
{
    const char *repo = repo_of(s);
    if (!repo)
        return sess_usage_error(s, "watch needs --repo NAME (or a current session)");
    long long since = sess_opt_int(s, "--since", 0);
    long long max = sess_opt_int(s, "--max", 100);
    long long timeout = sess_opt_int(s, "--timeout-ms", 0);
    if (since < 0 || max < 0 || timeout < 0)
        return CLI_EXIT_USAGE;
    bool follow = sess_flag(s, "--follow");
    if (follow)
        timeout = s->client.is_remote ? 25000 : 1000;
    for (;;) {
        json_t *params = json_pack("{s:s,s:I,s:I,s:I}", "repo", repo, "since", (json_int_t)since,
                                   "timeout_ms", (json_int_t)timeout, "max", (json_int_t)max);
        if (sess_opt(s, "--type"))
            json_object_set_new(params, "types", json_string(sess_opt(s, "--type")));
        json_t *res = NULL;
        int rc = sess_call(s, "watch", params, &res);
        json_decref(params);
        if (rc)
            return rc;
        watch_print(s, res, follow);
        if (since > 0 && sess_jint(res, "oldest") > since + 1)
            fprintf(stderr, "%s: events %lld..%lld are gone (older than the window)\n", s->who,
                    since + 1, sess_jint(res, "oldest") - 1);
        if (sess_jint(res, "next") > since)
            since = sess_jint(res, "next");
        json_decref(res);
        if (!follow)
            return 0;
        if (fflush(stdout) != 0)
            return CLI_EXIT_INTERNAL;
    }
}

/* ========================================================================== */
/* context, search                                                            */
/* ========================================================================== */

/* The query, where to look (session or --repo) and the shared options. */
static int context_params(struct sess *s, json_t *params, const char *depth)
{
    dk_str q = DK_STR_INIT;
    for (size_t i = 0; i < s->npos; i++)
        dk_str_addf(&q, "%s%s", i ? " " : "", s->pos[i]);
    json_object_set_new(params, "query", json_string(q.ptr));
    dk_str_release(&q);
    json_object_set_new(params, "depth", json_string(depth));
    /* the session's own symbols when there is one, else the branch head of --repo */
    if (sess_opt(s, "--repo"))
        json_object_set_new(params, "repo", json_string(sess_opt(s, "--repo")));
    else if (s->session_id)
        json_object_set_new(params, "session_id", json_string(s->session_id));
    else
        return sess_usage_error(s, "%s needs --repo NAME (or a current session)", s->cmd->name);
    long long max_results = sess_opt_int(s, "--max-results", -2);
    if (max_results == -1)
        return CLI_EXIT_USAGE;
    if (max_results >= 0)
        json_object_set_new(params, "max_results", json_integer(max_results));
    return 0;
}

int sess_build_context(struct sess *s, json_t *params)
{
    const char *depth = sess_opt(s, "--depth");
    if (depth && strcmp(depth, "full") != 0 && strcmp(depth, "call_graph") != 0 &&
        strcmp(depth, "signatures") != 0)
        return sess_usage_error(s, "--depth is signatures, full or call_graph, not '%s'", depth);
    long long max_tokens = sess_opt_int(s, "--max-tokens", -2);
    if (max_tokens == -1)
        return CLI_EXIT_USAGE;
    if (max_tokens >= 0)
        json_object_set_new(params, "max_tokens", json_integer(max_tokens));
    if (sess_flag(s, "--tests"))
        json_object_set_new(params, "include_tests", json_true());
    return context_params(s, params, depth ? depth : "full");
}

int sess_build_search(struct sess *s, json_t *params)
{
    return context_params(s, params, "signatures");
}

static void print_context_symbol(const struct sess *s, const json_t *sym)
{
    const char *qname = sess_jstr(sym, "qualified_name");
    printf("%2lld. %s:%lld-%lld  %s %s%s%s%s\n", sess_jint(sym, "rank"), sess_jstr(sym, "path"),
           sess_jint(sym, "start_line"), sess_jint(sym, "end_line"), sess_jstr(sym, "kind"),
           sess_col(s->color_out, C_BOLD), qname[0] ? qname : sess_jstr(sym, "name"),
           sess_col(s->color_out, C_OFF),
           json_is_true(json_object_get(sym, "from_session")) ? " (this session)" : "");
    if (sess_jstr(sym, "source")[0])
        sess_print_indented(stdout, "      ", sess_jstr(sym, "source"));
    else if (sess_jstr(sym, "signature")[0])
        printf("      %s\n", sess_jstr(sym, "signature"));
    if (json_is_true(json_object_get(sym, "source_cut")))
        puts("      ... (cut to fit the token budget)");
    static const char *const edges[][2] = {
        {"callers", "called by"}, {"callees", "calls"}, {"tests", "tested by"}};
    for (size_t k = 0; k < 3; k++) {
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(sym, edges[k][0]), i, e)
        {
            const char *name = sess_jstr(e, "name");
            printf("      %s %s", edges[k][1], name[0] ? name : sess_jstr(e, "text"));
            if (sess_jstr(e, "path")[0])
                printf(" (%s:%lld)", sess_jstr(e, "path"), sess_jint(e, "start_line"));
            putchar('\n');
        }
    }
}

int sess_show_context(struct sess *s, json_t *res)
{
    if (s->json)
        return 0;
    size_t i;
    json_t *sym;
    json_array_foreach(json_object_get(res, "symbols"), i, sym)
    {
        print_context_symbol(s, sym);
    }
    if (!json_array_size(json_object_get(res, "symbols")))
        puts("no matching symbols");
    const json_t *cut = json_object_get(res, "cut");
    printf("~%lld tokens", sess_jint(res, "estimated_tokens"));
    if (sess_jint(res, "max_tokens"))
        printf(" of %lld", sess_jint(res, "max_tokens"));
    if (sess_jint(cut, "sources_cut") || sess_jint(cut, "sources_dropped") ||
        sess_jint(cut, "symbols_dropped"))
        printf(" (over budget: %lld sources cut, %lld dropped, %lld symbols dropped)",
               sess_jint(cut, "sources_cut"), sess_jint(cut, "sources_dropped"),
               sess_jint(cut, "symbols_dropped"));
    putchar('\n');
    return 0;
}
