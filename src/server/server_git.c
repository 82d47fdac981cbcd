/*
 * server/server_git.c - read-only git smart HTTP at /git/<repo>.git through
 * `git http-backend` (CGI), so people `git clone`/`fetch` what agents landed.
 *
 *   GET  /git/NAME.git/info/refs?service=git-upload-pack
 *   POST /git/NAME.git/git-upload-pack
 *   anything that pushes (git-receive-pack)            -> 403 FORBIDDEN
 *
 * Runs on a worker thread (the connection suspended): the request body goes
 * to the CGI's stdin through a memfd (so a large body and a large answer can
 * never deadlock on two pipes), its stdout is read whole, the CGI headers
 * (Status:, Content-Type:, ...) become the response's. The child is started
 * with posix_spawn (no shell), a fixed environment (no inherited GIT_*
 * variables), GIT_PROJECT_ROOT = the repository's parent directory,
 * GIT_HTTP_EXPORT_ALL, and the repository name checked against the engine's
 * registry first. Same tokens as the API: Basic auth with the token as the
 * password (git's credential prompt), or Bearer; read scope on the repo.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dk/engine.h"

#include "api/api.h"
#include "server/mhd.h"
#include "server/server_int.h"
#include "util/alloc.h"
#include "util/str.h"

#include "util/banned.h"

extern char **environ;

/* Largest CGI answer kept in memory (a whole pack). */
#define GIT_MAX_OUT (4ull * 1024 * 1024 * 1024)

/* Split "/git/NAME.git/REST" into name and rest; false for anything else. */
static bool git_split(char *name, size_t cap, const char **rest, const char *path)
{
    if (strncmp(path, "/git/", 5) != 0)
        return false;
    const char *p = path + 5, *dot = strstr(p, ".git/");
    if (!dot || dot == p || (size_t)(dot - p) >= cap)
        return false;
    for (const char *q = p; q < dot; q++) {
        char c = *q;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    memcpy(name, p, (size_t)(dot - p));
    name[dot - p] = '\0';
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    *rest = dot + 5;
    return true;
}

bool srv_git_path_ok(const char *path, const char *method)
{
    char name[128];
    const char *rest;
    if (!git_split(name, sizeof(name), &rest, path))
        return false;
    if (strcmp(method, "GET") == 0)
        return strcmp(rest, "info/refs") == 0;
    if (strcmp(method, "POST") == 0)
        return strcmp(rest, "git-upload-pack") == 0 || strcmp(rest, "git-receive-pack") == 0;
    return false;
}

static void git_env(char **envp, size_t *n, const char *key, const char *value)
{
    if (!value)
        return;
    size_t len = strlen(key) + strlen(value) + 2;
    char *e = dk_xmalloc(len);
    snprintf(e, len, "%s=%s", key, value);
    envp[(*n)++] = e;
}

/* "Status: 404 Not Found" -> 404 (200 for anything unreadable). */
static int git_status(const char *v)
{
    while (*v == ' ')
        v++;
    char *end;
    long n = strtol(v, &end, 10);
    return end != v && n >= 100 && n <= 599 ? (int)n : 200;
}

/* Parse the CGI answer: headers, blank line, body. */
static void git_answer(struct srv_req *r, char *out, size_t len)
{
    char *sep = NULL;
    size_t seplen = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (out[i] == '\n' && out[i + 1] == '\n') {
            sep = out + i;
            seplen = 2;
            break;
        }
        if (i + 3 < len && memcmp(out + i, "\r\n\r\n", 4) == 0) {
            sep = out + i;
            seplen = 4;
            break;
        }
    }
    if (!sep) {
        free(out);
        srv_answer_code(r, DK_API_INTERNAL, "git http-backend gave no headers");
        return;
    }
    int status = 200;
    const char *type = "application/octet-stream";
    *sep = '\0';
    for (char *line = out; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        size_t ll = strlen(line);
        if (ll && line[ll - 1] == '\r')
            line[--ll] = '\0';
        if (strncasecmp(line, "Status:", 7) == 0) {
            status = git_status(line + 7);
        } else if (strncasecmp(line, "Content-Type:", 13) == 0) {
            const char *v = line + 13;
            while (*v == ' ')
                v++;
            type = strcmp(v, "application/x-git-upload-pack-advertisement") == 0
                       ? "application/x-git-upload-pack-advertisement"
                   : strcmp(v, "application/x-git-upload-pack-result") == 0
                       ? "application/x-git-upload-pack-result"
                       : "text/plain";
        } else if (ll && strchr(line, ':')) {
            dk_str_addf(&r->resp_headers, "%s\n", line);
        }
        line = nl ? nl + 1 : NULL;
    }
    size_t body = (size_t)(sep + seplen - out);
    size_t blen = len - body;
    char *b = dk_xmalloc(blen + 1);
    memcpy(b, out + body, blen);
    free(out);
    free(r->resp_body);
    r->resp_body = b;
    r->resp_len = blen;
    r->resp_type = type;
    r->status = status;
    r->ready = true;
    r->log_code = status == 200 ? "OK" : "GIT";
}

bool srv_git_work(struct srv_req *r)
{
    char name[128];
    const char *rest;
    struct MHD_Connection *c = r->conn;
    char *out = NULL;
    size_t len = 0;
    int memfd = -1, pipefd[2] = {-1, -1};
    char *envp[24] = {0};
    size_t nenv = 0;
    dk_repo_info *ri = NULL;

    if (!git_split(name, sizeof(name), &rest, r->path)) {
        srv_answer_code(r, DK_API_NOT_FOUND, "no such resource %s", r->path);
        goto out;
    }
    const char *service = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "service");
    if (strcmp(rest, "git-receive-pack") == 0 ||
        (service && strcmp(service, "git-upload-pack") != 0)) {
        srv_answer_code(r, DK_API_FORBIDDEN,
                        "%s is read-only: agents land through sessions, not git push", r->path);
        goto out;
    }
    if (strcmp(rest, "info/refs") == 0 && !service) {
        srv_answer_code(r, DK_API_FORBIDDEN, "only git's smart HTTP protocol is served");
        goto out;
    }
    if (!dk_api_principal_allows(&r->who, name, DK_API_SCOPE_READ)) {
        srv_answer_code(r, DK_API_FORBIDDEN, "this token has no read scope on repository '%s'",
                        name);
        goto out;
    }
    int rc = dk_repo_get(&ri, r->srv->engine, name);
    if (rc) {
        dk_api_error err = DK_API_ERROR_INIT;
        dk_api_error_from_dk(&err, rc);
        srv_answer_error(r, &err);
        goto out;
    }
    /* GIT_PROJECT_ROOT = the parent directory, PATH_INFO = /<dir name>/<rest> */
    char root[4096], info[4400], clen[32];
    snprintf(root, sizeof(root), "%s", ri->path);
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        root[--rl] = '\0';
    char *slash = strrchr(root, '/');
    if (!slash || slash == root) {
        srv_answer_code(r, DK_API_INTERNAL, "repository path '%s' has no parent", ri->path);
        goto out;
    }
    *slash = '\0';
    snprintf(info, sizeof(info), "/%s/%s", slash + 1, rest);
    snprintf(clen, sizeof(clen), "%zu", r->body.len);

    git_env(envp, &nenv, "PATH", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    git_env(envp, &nenv, "GIT_PROJECT_ROOT", root);
    git_env(envp, &nenv, "GIT_HTTP_EXPORT_ALL", "1");
    git_env(envp, &nenv, "GIT_CONFIG_NOSYSTEM", "1");
    git_env(envp, &nenv, "HOME", root);
    git_env(envp, &nenv, "PATH_INFO", info);
    git_env(envp, &nenv, "REQUEST_METHOD", r->method);
    git_env(envp, &nenv, "QUERY_STRING", service ? "service=git-upload-pack" : "");
    git_env(envp, &nenv, "CONTENT_LENGTH", clen);
    git_env(envp, &nenv, "CONTENT_TYPE",
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE));
    git_env(envp, &nenv, "HTTP_CONTENT_ENCODING",
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING));
    git_env(envp, &nenv, "HTTP_GIT_PROTOCOL",
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Git-Protocol"));
    git_env(envp, &nenv, "REMOTE_USER", r->who.token_id);
    git_env(envp, &nenv, "REMOTE_ADDR", "127.0.0.1");
    git_env(envp, &nenv, "GATEWAY_INTERFACE", "CGI/1.1");

    memfd = memfd_create("dk-git-body", MFD_CLOEXEC);
    if (memfd < 0 ||
        (r->body.len && write(memfd, r->body.ptr, r->body.len) != (ssize_t)r->body.len) ||
        lseek(memfd, 0, SEEK_SET) != 0 || pipe2(pipefd, O_CLOEXEC) != 0) {
        srv_answer_code(r, DK_API_INTERNAL, "git http-backend: %s", strerror(errno));
        goto out;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, memfd, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = {"git", "http-backend", NULL};
    pid_t pid;
    int src = posix_spawnp(&pid, "git", &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    pipefd[1] = -1;
    if (src != 0) {
        srv_answer_code(r, DK_API_INTERNAL, "cannot run git http-backend: %s", strerror(src));
        goto out;
    }
    size_t cap = 0;
    bool too_big = false;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 131072;
            out = dk_xrealloc(out, cap);
        }
        ssize_t n = read(pipefd[0], out + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len > GIT_MAX_OUT) {
            too_big = true;
            break;
        }
    }
    close(pipefd[0]);
    pipefd[0] = -1;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (too_big) {
        srv_answer_code(r, DK_API_TOO_LARGE, "the answer of git http-backend is too large");
        goto out;
    }
    if (len == 0) {
        srv_answer_code(r, DK_API_INTERNAL, "git http-backend failed (exit status %d)",
                        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        goto out;
    }
    git_answer(r, out, len);
    out = NULL;
out:
    free(out);
    if (memfd >= 0)
        close(memfd);
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    for (size_t i = 0; i < nenv; i++)
        free(envp[i]);
    dk_repo_infos_free(ri, ri ? 1 : 0);
    dk_str_release(&r->body);
    return true;
}
