/*
 * engine/context_head.c - who brings the code-context index to the branch
 * head, and when: at import, after every landing (a background thread of
 * the engine), and, as a fallback, when a reader finds it behind (issue 8).
 *
 * Design. Each repository has one indexing slot per process (`busy`): one
 * thread at a time runs dk_ctx_head_update on it; other processes are
 * serialised by the head row's compare-and-swap (context_index.c).
 *
 *   landing ──► dk_eng_ctx_follow: queued ──► indexer thread: busy,
 *               (large when at least inline_max files changed), update
 *               (no limit), last stats, busy = large = false, broadcast
 *
 *   reader (query, connect) ──► index at the branch head? ──yes──► answer
 *      │no
 *      slot free and no large build pending? ──► take it, update inline
 *      │ when fewer than inline_max files changed (one landing: a few ms);
 *      │ more: hand the build to the thread (queued, large)
 *      ▼
 *      wait for the slot at most wait_ms (not at all for a large build),
 *      then answer from the index as it is: its rows are those of one
 *      complete head (a build commits in one transaction), and the answer
 *      names that head (behind = true). So does a reader whose inline
 *      update found the store busy (DK_EBUSY: the write lock held past the
 *      busy timeout, e.g. by the thread building another repository) or
 *      the head moving (DK_ERACE): the build goes to the thread instead.
 *
 * So no agent request pays for a large build (the first index of a big
 * repository is built at import or by the thread), and a request that
 * arrives while one runs is answered within the bound, correctly for the
 * head it names. dk_context_index (import, tests, tools) is not bounded: it
 * waits for the slot and makes whatever is left itself.
 *
 * WAL checkpoints. An update commits with dk_store_commit_deferred, so the
 * SQLite checkpoint that about one update in 15 would pay inside its commit
 * (3-5 ms: the WAL passed 1,000 frames) is only counted due. Whoever made
 * the update publishes it first (ctxh_done), then hands the checkpoint to
 * the thread (`ckpt`), which runs it when its queue is empty; a reader's
 * inline update runs it itself only when there is no thread to take it.
 * Each update that leaves one due sets `ckpt` again, so the WAL stays as
 * bounded as with SQLite's own auto-checkpoint, and a checkpoint that could
 * not finish (a reader's snapshot) is retried after the next update, never
 * in a loop.
 *
 * Invariants: `busy`, `queued` and `large` change under `lock` only, and
 * every change is broadcast on `cond`; the thread starts at the first
 * queued build (when it cannot start, the repository is left neither queued
 * nor large, so readers update inline) and is joined by
 * dk_eng_ctx_indexer_stop, which also cancels a build in progress (rolled
 * back: the next reader or landing starts it again).
 *
 * Conventions: statics are ctxh_-prefixed; DK_OK or a negative dk_err_code.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dk/log.h"

#include "engine/context_int.h"
#include "engine/workspace.h"
#include "util/alloc.h"

#include "util/banned.h"

/* A reader updates the index itself when fewer files than this changed. */
#define CTXH_INLINE_MAX 256
/* How long a reader waits for an update in progress before answering from the index as it is. */
#define CTXH_WAIT_MS 2000

/* One repository's slot. */
struct ctxh_repo {
    char *name;
    /* a thread is updating the index of this repository */
    bool busy;
    /* the background thread should bring it to the head */
    bool queued;
    /* the pending build is too large to make inline (a reader's handoff, or the thread found
     * at least the inline limit's files changed): readers do not wait for it */
    bool large;
    /* the last update made in this process */
    bool has_last;
    dk_context_index_stats last;
    char last_head[41];
};

struct dk_ctx_indexer {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    /* name -> struct ctxh_repo * */
    dk_map repos;
    pthread_t thread;
    bool running, stop;
    /* a deferred WAL checkpoint is due: the thread runs it when its queue is empty */
    bool ckpt;
    atomic_bool cancel;
    /* tests: the thread takes no work (no build, no checkpoint) while set */
    bool hold;
    /* tests: called at the hook points (dk_ctx_indexer_hook) */
    dk_ctx_hook_fn hook;
    void *hook_arg;
    size_t inline_max;
    int64_t wait_ms;
};

struct dk_ctx_indexer *dk_eng_ctx_indexer_new(void)
{
    struct dk_ctx_indexer *ix = dk_xcalloc(1, sizeof(*ix));
    pthread_mutex_init(&ix->lock, NULL);
    pthread_cond_init(&ix->cond, NULL);
    ix->repos = (dk_map)DK_MAP_INIT_STR;
    atomic_init(&ix->cancel, false);
    ix->inline_max = CTXH_INLINE_MAX;
    ix->wait_ms = CTXH_WAIT_MS;
    return ix;
}

void dk_eng_ctx_indexer_stop(dk_engine *e)
{
    struct dk_ctx_indexer *ix = e->ctx_indexer;
    if (!ix)
        return;
    pthread_mutex_lock(&ix->lock);
    ix->stop = true;
    atomic_store(&ix->cancel, true);
    pthread_cond_broadcast(&ix->cond);
    bool running = ix->running;
    pthread_mutex_unlock(&ix->lock);
    if (running)
        pthread_join(ix->thread, NULL);
    pthread_mutex_lock(&ix->lock);
    ix->running = false;
    pthread_mutex_unlock(&ix->lock);
}

void dk_eng_ctx_indexer_free(struct dk_ctx_indexer *ix)
{
    if (!ix)
        return;
    dk_map_foreach(&ix->repos, it) {
        struct ctxh_repo *r = it->value;
        free(r->name);
        free(r);
    }
    dk_map_release(&ix->repos);
    pthread_mutex_destroy(&ix->lock);
    pthread_cond_destroy(&ix->cond);
    free(ix);
}

void dk_ctx_indexer_tune(dk_engine *e, size_t inline_max, int64_t wait_ms, bool hold)
{
    struct dk_ctx_indexer *ix = e->ctx_indexer;
    pthread_mutex_lock(&ix->lock);
    ix->inline_max = inline_max ? inline_max : CTXH_INLINE_MAX;
    ix->wait_ms = wait_ms >= 0 ? wait_ms : CTXH_WAIT_MS;
    ix->hold = hold;
    pthread_cond_broadcast(&ix->cond);
    pthread_mutex_unlock(&ix->lock);
}

void dk_ctx_indexer_hook(dk_engine *e, dk_ctx_hook_fn fn, void *arg)
{
    struct dk_ctx_indexer *ix = e->ctx_indexer;
    pthread_mutex_lock(&ix->lock);
    ix->hook = fn;
    ix->hook_arg = arg;
    pthread_mutex_unlock(&ix->lock);
}

void dk_ctx_hook_run(dk_engine *e, enum dk_ctx_hook_at at, const char *repo)
{
    struct dk_ctx_indexer *ix = e->ctx_indexer;
    pthread_mutex_lock(&ix->lock);
    dk_ctx_hook_fn fn = ix->hook;
    void *arg = ix->hook_arg;
    pthread_mutex_unlock(&ix->lock);
    if (fn)
        fn(arg, at, repo);
}

/* The slot of `repo`, made on first use (under ix->lock). */
static struct ctxh_repo *ctxh_repo(struct dk_ctx_indexer *ix, const char *repo)
{
    struct ctxh_repo *r = dk_map_get(&ix->repos, repo, strlen(repo));
    if (!r) {
        r = dk_xcalloc(1, sizeof(*r));
        r->name = dk_xstrdup(repo);
        dk_map_put(&ix->repos, r->name, strlen(r->name), r, NULL);
    }
    return r;
}

/* Release the slot after an update (under ix->lock). */
static void ctxh_done(struct dk_ctx_indexer *ix, struct ctxh_repo *r, int rc,
                      const dk_context_index_stats *st, const char *head)
{
    r->busy = false;
    r->large = false;
    if (rc == DK_OK && !st->up_to_date) {
        r->has_last = true;
        r->last = *st;
        snprintf(r->last_head, sizeof(r->last_head), "%s", head);
    }
    pthread_cond_broadcast(&ix->cond);
}

/* Run the store's due WAL checkpoint (no lock held); a failure only delays it. */
static void ctxh_checkpoint(dk_engine *e)
{
    if (dk_store_checkpoint(dk_eng_store(e)) < 0) {
        dk_trace(DK_TRACE_WARN, "context", "wal checkpoint: %s", dk_error_last()->msg);
        dk_error_clear();
    }
}

static bool ctxh_start(dk_engine *e, struct dk_ctx_indexer *ix);

/*
 * After an update was published (under ix->lock): hand the checkpoint it
 * left due, if any, to the thread. False when the caller must run it itself
 * (ctxh_checkpoint, after unlocking): the thread is not there to take it.
 */
static bool ctxh_checkpoint_later(dk_engine *e, struct dk_ctx_indexer *ix)
{
    if (!dk_store_checkpoint_due(dk_eng_store(e)))
        return true;
    if (!ctxh_start(e, ix))
        return false;
    ix->ckpt = true;
    pthread_cond_broadcast(&ix->cond);
    return true;
}

static void *ctxh_main(void *arg)
{
    dk_engine *e = arg;
    struct dk_ctx_indexer *ix = e->ctx_indexer;
    pthread_mutex_lock(&ix->lock);
    while (!ix->stop) {
        struct ctxh_repo *next = NULL;
        dk_map_foreach(&ix->repos, it) {
            struct ctxh_repo *r = it->value;
            if (r->queued && !r->busy && !ix->hold) {
                next = r;
                break;
            }
        }
        if (!next && ix->ckpt && !ix->hold) {
            ix->ckpt = false;
            pthread_mutex_unlock(&ix->lock);
            ctxh_checkpoint(e);
            pthread_mutex_lock(&ix->lock);
            continue;
        }
        if (!next) {
            pthread_cond_wait(&ix->cond, &ix->lock);
            continue;
        }
        next->queued = false;
        next->busy = true;
        dk_context_index_stats st = {0};
        char head[41] = "";
        /* a build of at least the inline limit's files is large whoever queued it (a reader's
         * handoff or a landing): readers answer from the index as it is instead of waiting */
        size_t inline_max = ix->inline_max;
        pthread_mutex_unlock(&ix->lock);
        bool large = false;
        int rc = dk_ctx_head_update(&st, head, e, next->name, inline_max, &ix->cancel, &large);
        if (rc == DK_OK && large) {
            pthread_mutex_lock(&ix->lock);
            next->large = true;
            pthread_cond_broadcast(&ix->cond);
            pthread_mutex_unlock(&ix->lock);
            dk_ctx_hook_run(e, DK_CTX_HOOK_LARGE, next->name);
            rc = dk_ctx_head_update(&st, head, e, next->name, 0, &ix->cancel, NULL);
        }
        if (rc < 0 && !atomic_load(&ix->cancel))
            dk_trace(DK_TRACE_WARN, "context", "indexing %s: %s", next->name, dk_error_last()->msg);
        pthread_mutex_lock(&ix->lock);
        ctxh_done(ix, next, rc, &st, head);
        if (dk_store_checkpoint_due(dk_eng_store(e)))
            ix->ckpt = true;
    }
    pthread_mutex_unlock(&ix->lock);
    return NULL;
}

/*
 * Queue `r` for the thread, starting it if needed (under ix->lock). False
 * when nothing will build it (the engine is closing, or the thread cannot
 * start): then `r` is neither queued nor large, so readers update inline.
 */
static bool ctxh_queue(dk_engine *e, struct dk_ctx_indexer *ix, struct ctxh_repo *r)
{
    bool queued = ctxh_start(e, ix);
    r->queued = queued;
    if (!queued)
        r->large = false;
    pthread_cond_broadcast(&ix->cond);
    return queued;
}

/* Start the thread if it is not running (under ix->lock). False when the engine is closing or
 * the thread cannot start. */
static bool ctxh_start(dk_engine *e, struct dk_ctx_indexer *ix)
{
    if (ix->stop)
        return false;
    if (!ix->running) {
        if (pthread_create(&ix->thread, NULL, ctxh_main, e) != 0) {
            dk_trace(DK_TRACE_WARN, "context", "cannot start the indexer thread");
            return false;
        }
        ix->running = true;
    }
    return true;
}

void dk_eng_ctx_follow(dk_engine *e, const char *repo)
{
    struct dk_ctx_indexer *ix = e->ctx_indexer;
    if (!ix || !repo)
        return;
    pthread_mutex_lock(&ix->lock);
    (void)ctxh_queue(e, ix, ctxh_repo(ix, repo));
    pthread_mutex_unlock(&ix->lock);
}

/* Absolute CLOCK_REALTIME time `ms` from now (pthread_cond_timedwait's clock). */
static struct timespec ctxh_deadline(int64_t ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += (time_t)(ms / 1000);
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

int dk_ctx_head_ready(struct dk_ctx_head *out, dk_context_index_stats *stats, dk_engine *e,
                      const char *repo, bool bounded)
{
    struct dk_ctx_indexer *ix = e->ctx_indexer;
    memset(out, 0, sizeof(*out));
    if (stats) {
        memset(stats, 0, sizeof(*stats));
        stats->up_to_date = true;
    }
    pthread_mutex_lock(&ix->lock);
    struct timespec until = ctxh_deadline(ix->wait_ms);
    size_t inline_max = bounded ? ix->inline_max : 0;
    pthread_mutex_unlock(&ix->lock);
    bool timed_out = false;
    for (;;) {
        int rc = dk_ctx_head_state(out->indexed, out->branch, e, repo);
        if (rc < 0)
            return rc;
        if (strcmp(out->indexed, out->branch) == 0 || timed_out) {
            out->behind = strcmp(out->indexed, out->branch) != 0;
            return DK_OK;
        }
        pthread_mutex_lock(&ix->lock);
        struct ctxh_repo *r = ctxh_repo(ix, repo);
        if (!r->busy && !(bounded && r->large)) {
            r->busy = true;
            r->queued = false;
            pthread_mutex_unlock(&ix->lock);
            dk_context_index_stats st = {0};
            char head[41] = "";
            bool handoff = false;
            rc = dk_ctx_head_update(&st, head, e, repo, inline_max, NULL, &handoff);
            pthread_mutex_lock(&ix->lock);
            if (rc == DK_OK && handoff) {
                r->busy = false;
                r->large = true;
                /* no thread to build it: answer from the index as it is (the next reader
                 * tries again) rather than hand it off again */
                if (!ctxh_queue(e, ix, r))
                    timed_out = true;
            } else if (bounded && (rc == DK_EBUSY || rc == DK_ERACE)) {
                /* the store's write lock was held for the whole busy timeout (the thread
                 * building another repository, another process) or the head kept moving:
                 * answer from the last complete head, index_behind; the thread catches up */
                ctxh_done(ix, r, rc, &st, head);
                (void)ctxh_queue(e, ix, r);
                pthread_mutex_unlock(&ix->lock);
                dk_error_clear();
                timed_out = true;
                continue;
            } else {
                ctxh_done(ix, r, rc, &st, head);
                bool ckpt_here = !ctxh_checkpoint_later(e, ix);
                pthread_mutex_unlock(&ix->lock);
                if (ckpt_here)
                    ctxh_checkpoint(e);
                if (rc < 0)
                    return rc;
                if (stats)
                    *stats = st;
                /* the branch may have moved again meanwhile: say what the index describes */
                snprintf(out->indexed, sizeof(out->indexed), "%s", head);
                out->behind = strcmp(out->indexed, out->branch) != 0;
                return DK_OK;
            }
        }
        /* someone else is updating it: wait for the slot, at most until the deadline; a reader
         * does not wait for a large build at all (a minute of waiting helps nobody) */
        if (bounded && r->large)
            timed_out = true;
        while ((r->busy || (bounded && r->large)) && !timed_out) {
            if (!bounded) {
                pthread_cond_wait(&ix->cond, &ix->lock);
                continue;
            }
            int w = pthread_cond_timedwait(&ix->cond, &ix->lock, &until);
            timed_out = w == ETIMEDOUT;
        }
        pthread_mutex_unlock(&ix->lock);
    }
}

int dk_context_index(dk_context_index_stats *stats, dk_engine *e, const char *repo)
{
    struct dk_ctx_head h;
    return dk_ctx_head_ready(&h, stats, e, repo, false);
}

int dk_context_index_state(dk_context_index_status *out, dk_engine *e, const char *repo)
{
    memset(out, 0, sizeof(*out));
    int rc = dk_ctx_head_state(out->indexed_head, out->branch_head, e, repo);
    if (rc < 0)
        return rc;
    struct dk_ctx_indexer *ix = e->ctx_indexer;
    pthread_mutex_lock(&ix->lock);
    struct ctxh_repo *r = dk_map_get(&ix->repos, repo, strlen(repo));
    if (r) {
        out->updating = r->busy || r->queued;
        out->large = out->updating && r->large;
        out->has_last = r->has_last;
        out->last = r->last;
        snprintf(out->last_head, sizeof(out->last_head), "%s", r->last_head);
    }
    pthread_mutex_unlock(&ix->lock);
    return DK_OK;
}
