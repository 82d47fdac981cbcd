/*
 * verify/exec.c - one step as a process: no shell, a new process group, a
 * cleared environment, resource limits, a timeout that kills the whole
 * group, and output kept to its tail.
 *
 *   parent                                  child (fork, then only
 *   ──────                                   async-signal-safe calls)
 *   resolve argv[0] on PATH, build envp     setpgid(0, 0)
 *   pipe2(O_CLOEXEC), fork ───────────────► stdin </dev/null (or a file), out > pipe
 *   setpgid(pid, pid) (no race either way)  close every other fd, chdir, rlimits
 *   poll the pipe ◄──── output ──────────── execve (or bwrap --unshare-net ... --)
 *     ring buffer of output_cap bytes
 *   child exited?  kill(-pgid, SIGKILL): what it left behind dies with it
 *   deadline?      kill(-pgid, SIGKILL), status timeout
 *
 * Invariants:
 *  1. Nothing of a step outlives it: the group is killed when the program
 *     exits and at the timeout; output readers stop at the deadline even if
 *     a process escaped the group (setsid) and holds the pipe open.
 *  2. The environment is exactly PATH, HOME (<scratch>/home, created) and
 *     LANG=C.UTF-8: no token, no credential of the server reaches a step.
 *  3. Memory for the output is output_cap bytes whatever the step prints.
 *  4. The child holds no descriptor but stdin/stdout/stderr (close_range:
 *     the server's sockets and database files stay out of reach) and starts
 *     with no signal blocked.
 *  5. Between fork and exec the child calls only async-signal-safe functions
 *     (the server forks from a multi-threaded process): everything it needs
 *     is built before fork.
 *
 * Conventions: verify_int.h. Thread-safe: steps of a parallel stage call
 * this at once (pipes are close-on-exec, so one step's child never holds
 * another step's pipe).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/str.h"
#include "verify/verify_int.h"

#include "util/banned.h"

#define LIMIT_AS     (16ull << 30)
#define LIMIT_FSIZE  (2ull << 30)
#define LIMIT_NOFILE 4096
#define LIMIT_NPROC  4096
/* after the program exits, how long its output may still drain */
#define DRAIN_MS 1000

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void dk_vfy_exec_result_release(struct dk_vfy_exec_result *r)
{
    free(r->output);
    memset(r, 0, sizeof(*r));
}

/* `name` found in the ':'-separated `path`, executable; NULL if not (malloc'd). */
static char *path_find(const char *path, const char *name)
{
    const char *p = path ? path : "";
    while (*p) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len) {
            dk_str f = DK_STR_INIT;
            dk_str_add(&f, p, len);
            dk_str_addf(&f, "/%s", name);
            struct stat st;
            if (stat(f.ptr, &st) == 0 && S_ISREG(st.st_mode) && access(f.ptr, X_OK) == 0)
                return dk_str_detach(&f, NULL);
            dk_str_release(&f);
        }
        p += len + (end ? 1 : 0);
        if (!end)
            break;
    }
    return NULL;
}

char *dk_vfy_bwrap_path(const char *path)
{
    return path_find(path, "bwrap");
}

/* The output ring: the last `cap` bytes of everything appended. */
struct ring {
    char *buf;
    size_t cap;
    /* where the next byte goes */
    size_t pos;
    size_t total;
};

static void ring_add(struct ring *r, const char *p, size_t n)
{
    r->total += n;
    if (n >= r->cap) {
        memcpy(r->buf, p + n - r->cap, r->cap);
        r->pos = 0;
        return;
    }
    size_t first = r->cap - r->pos < n ? r->cap - r->pos : n;
    memcpy(r->buf + r->pos, p, first);
    memcpy(r->buf, p + first, n - first);
    r->pos = (r->pos + n) % r->cap;
}

/* The tail, in order, NUL-terminated. */
static char *ring_take(const struct ring *r, bool *truncated)
{
    size_t len = r->total < r->cap ? r->total : r->cap;
    char *out = dk_xmalloc(len + 1);
    if (r->total <= r->cap) {
        memcpy(out, r->buf, len);
    } else {
        memcpy(out, r->buf + r->pos, r->cap - r->pos);
        memcpy(out + (r->cap - r->pos), r->buf, r->pos);
    }
    out[len] = '\0';
    *truncated = r->total > r->cap;
    return out;
}

static void set_limit(int res, rlim_t soft, rlim_t hard)
{
    struct rlimit cur;
    if (getrlimit(res, &cur) != 0)
        return;
    /* never above what this process may set */
    if (cur.rlim_max != RLIM_INFINITY && hard > cur.rlim_max)
        hard = cur.rlim_max;
    if (soft > hard)
        soft = hard;
    struct rlimit l = {.rlim_cur = soft, .rlim_max = hard};
    (void)setrlimit(res, &l);
}

/* The child, after fork: only async-signal-safe calls. Never returns. */
static void child_run(int out_fd, const char *stdin_path, const char *cwd, const char *prog,
                      char *const *argv, char *const *envp, int64_t timeout_ms, rlim_t max_as,
                      const char *fail_msg, size_t fail_len)
{
    setpgid(0, 0);
    int null = open(stdin_path, O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
        _exit(126);
    /* the server's sockets and database files must not reach the step, CLOEXEC or not */
    if (close_range(3, ~0u, 0) != 0)
        for (int fd = 3; fd < 65536; fd++)
            close(fd);
    /* a server thread may block signals; the step starts with none blocked */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (chdir(cwd) != 0) {
        (void)!write(2, "cannot enter the work directory\n", 32);
        _exit(126);
    }
    rlim_t cpu = (rlim_t)(timeout_ms / 1000 + 5);
    set_limit(RLIMIT_CPU, cpu, cpu + 5);
    if (max_as != RLIM_INFINITY)
        set_limit(RLIMIT_AS, max_as, max_as);
    set_limit(RLIMIT_FSIZE, LIMIT_FSIZE, LIMIT_FSIZE);
    set_limit(RLIMIT_NOFILE, LIMIT_NOFILE, LIMIT_NOFILE);
    set_limit(RLIMIT_NPROC, LIMIT_NPROC, LIMIT_NPROC);
    set_limit(RLIMIT_CORE, 0, 0);
    signal(SIGPIPE, SIG_DFL);
    execve(prog, argv, envp);
    (void)!write(2, fail_msg, fail_len);
    _exit(127);
}

int dk_vfy_exec(struct dk_vfy_exec_result *out, char *const *argv, const struct dk_vfy_exec_opts *o)
{
    memset(out, 0, sizeof(*out));
    out->exit_code = -1;
    int64_t start = now_ms();
    size_t cap = o->output_cap ? o->output_cap : 256 * 1024;
    struct ring ring = {.buf = dk_xmalloc(cap), .cap = cap};
    dk_str home = DK_STR_INIT, env_path = DK_STR_INIT, env_home = DK_STR_INIT, fail = DK_STR_INIT;
    dk_vec(char *) av = DK_VEC_INIT;
    char *prog = NULL;
    int rc = DK_OK;

    rlim_t max_as = o->max_address_space == 0            ? (rlim_t)LIMIT_AS
                    : o->max_address_space == UINT64_MAX ? RLIM_INFINITY
                                                         : (rlim_t)o->max_address_space;
    dk_str_addf(&home, "%s/home", o->scratch);
    (void)mkdir(home.ptr, 0755);
    dk_str_addf(&env_path, "PATH=%s", o->path ? o->path : "/usr/local/bin:/usr/bin:/bin");
    dk_str_addf(&env_home, "HOME=%s", home.ptr);
    dk_vec(char *) envp = DK_VEC_INIT;
    dk_vec_push(&envp, env_path.ptr);
    dk_vec_push(&envp, env_home.ptr);
    dk_vec_push(&envp, (char *)"LANG=C.UTF-8");
    for (const char *const *x = o->env_extra; x && *x; x++)
        dk_vec_push(&envp, (char *)*x);
    dk_vec_push(&envp, NULL);

    if (o->bwrap) {
        prog = dk_xstrdup(o->bwrap);
        const char *pre[] = {"bwrap",
                             "--die-with-parent",
                             "--unshare-net",
                             "--unshare-ipc",
                             "--unshare-pid",
                             "--ro-bind",
                             "/",
                             "/",
                             "--dev",
                             "/dev",
                             "--proc",
                             "/proc",
                             "--tmpfs",
                             "/tmp"};
        for (size_t i = 0; i < sizeof(pre) / sizeof(*pre); i++)
            dk_vec_push(&av, (char *)pre[i]);
        dk_vec_push(&av, (char *)"--bind");
        dk_vec_push(&av, (char *)o->scratch);
        dk_vec_push(&av, (char *)o->scratch);
        dk_vec_push(&av, (char *)"--chdir");
        dk_vec_push(&av, (char *)o->cwd);
        dk_vec_push(&av, (char *)"--");
    } else if (strchr(argv[0], '/')) {
        prog = dk_xstrdup(argv[0]);
    } else {
        prog = path_find(o->path, argv[0]);
    }
    for (char *const *a = argv; *a; a++)
        dk_vec_push(&av, *a);
    dk_vec_push(&av, NULL);
    dk_str_addf(&fail, "dk verify: cannot run '%s': not found or not executable\n", argv[0]);
    if (!prog) {
        ring_add(&ring, fail.ptr, fail.len);
        out->status = DK_VERIFY_FAIL;
        goto done;
    }

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        rc = dk_error_set(DK_ERROR, "pipe: %s", strerror(errno));
        goto done;
    }
    pid_t pid = fork();
    if (pid < 0) {
        rc = dk_error_set(DK_ERROR, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        goto done;
    }
    if (pid == 0)
        child_run(fds[1], o->stdin_path ? o->stdin_path : "/dev/null", o->bwrap ? "/" : o->cwd,
                  prog, av.items, envp.items, o->timeout_ms, max_as, fail.ptr, fail.len);
    setpgid(pid, pid);
    close(fds[1]);
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);

    int64_t deadline = start + (o->timeout_ms > 0 ? o->timeout_ms : 120000);
    int64_t drain_until = 0;
    bool exited = false, eof = false, timed_out = false;
    int wstatus = 0;
    char chunk[65536];
    while (!eof || !exited) {
        int64_t now = now_ms();
        if (!exited && now >= deadline) {
            kill(-pid, SIGKILL);
            timed_out = true;
            waitpid(pid, &wstatus, 0);
            exited = true;
            drain_until = now + 200;
        }
        if (exited && (eof || now >= drain_until))
            break;
        int wait_ms = 50;
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        if (!eof && poll(&pfd, 1, wait_ms) > 0) {
            ssize_t n;
            while ((n = read(fds[0], chunk, sizeof(chunk))) > 0)
                ring_add(&ring, chunk, (size_t)n);
            if (n == 0)
                eof = true;
        } else if (eof) {
            struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000000};
            nanosleep(&ts, NULL);
        }
        if (!exited && waitpid(pid, &wstatus, WNOHANG) == pid) {
            exited = true;
            /* what it left running dies with it (invariant 1) */
            kill(-pid, SIGKILL);
            drain_until = now_ms() + DRAIN_MS;
        }
    }
    close(fds[0]);
    if (timed_out) {
        char msg[128];
        int n = snprintf(msg, sizeof(msg),
                         "\ndk verify: timed out after %lld ms; process group killed\n",
                         (long long)(o->timeout_ms));
        ring_add(&ring, msg, (size_t)n);
        out->status = DK_VERIFY_TIMEOUT;
    } else if (WIFEXITED(wstatus)) {
        out->exit_code = WEXITSTATUS(wstatus);
        out->status = out->exit_code == 0 ? DK_VERIFY_PASS : DK_VERIFY_FAIL;
    } else {
        char msg[96];
        int n = snprintf(msg, sizeof(msg), "\ndk verify: killed by signal %d\n",
                         WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
        ring_add(&ring, msg, (size_t)n);
        out->status = DK_VERIFY_FAIL;
    }
done:
    out->duration_ms = now_ms() - start;
    out->output_bytes = ring.total;
    out->output = ring_take(&ring, &out->truncated);
    free(ring.buf);
    free(prog);
    dk_vec_release(&av);
    dk_vec_release(&envp);
    dk_str_release(&home);
    dk_str_release(&env_path);
    dk_str_release(&env_home);
    dk_str_release(&fail);
    return rc;
}
