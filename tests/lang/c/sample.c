/*
 * ringbuf.c - a fixed-size byte ring buffer with optional statistics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ringbuf.h"
#include "util/log.h"

#define RB_MIN_CAPACITY 16
#define RB_MAX_CAPACITY (1u << 20)
#define RB_MASK(rb, i) ((i) & ((rb)->cap - 1))

/* Callback invoked when the buffer overflows. */
typedef void (*rb_overflow_fn)(void *ctx, size_t dropped);

typedef struct rb_stats {
    size_t writes;
    size_t reads;
    size_t dropped;
} rb_stats_t;

struct ringbuf {
    unsigned char *data;
    size_t cap;
    size_t head;
    size_t tail;
    rb_overflow_fn on_overflow;
    void *ctx;
#ifdef RB_STATS
    rb_stats_t stats;
#endif
};

enum rb_mode {
    RB_MODE_DROP_NEW,
    RB_MODE_DROP_OLD,
};

union rb_word {
    uint32_t u;
    unsigned char b[4];
};

/* Default log prefix; never written. */
static const char *const rb_prefix = "ringbuf";
const unsigned rb_version = 3;
int rb_debug_level;
static struct ringbuf *rb_last_created;

static size_t rb_round_up(size_t n);
int rb_write(struct ringbuf *rb, const void *buf, size_t len);

/**
 * Round `n` up to the next power of two, clamped to the valid range.
 */
static size_t rb_round_up(size_t n)
{
    size_t cap = RB_MIN_CAPACITY;
    while (cap < n && cap < RB_MAX_CAPACITY)
        cap <<= 1;
    return cap;
}

struct ringbuf *rb_new(size_t capacity, rb_overflow_fn on_overflow, void *ctx)
{
    struct ringbuf *rb = calloc(1, sizeof(*rb));
    if (!rb)
        return NULL;
    rb->cap = rb_round_up(capacity);
    rb->data = malloc(rb->cap);
    if (!rb->data) {
        free(rb);
        return NULL;
    }
    rb->on_overflow = on_overflow;
    rb->ctx = ctx;
    rb_last_created = rb;
    return rb;
}

void rb_free(struct ringbuf *rb)
{
    if (!rb)
        return;
    free(rb->data);
    free(rb);
}

static inline size_t rb_used(const struct ringbuf *rb)
{
    return rb->head - rb->tail;
}

// Append up to `len` bytes; the rest is reported to the overflow callback.
int rb_write(struct ringbuf *rb, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    size_t room = rb->cap - rb_used(rb);
    size_t n = len < room ? len : room;
    for (size_t i = 0; i < n; i++)
        rb->data[RB_MASK(rb, rb->head + i)] = p[i];
    rb->head += n;
    if (n < len && rb->on_overflow)
        rb->on_overflow(rb->ctx, len - n);
#ifdef RB_STATS
    rb->stats.writes++;
    rb->stats.dropped += len - n;
#endif
    return (int)n;
}

size_t rb_read(struct ringbuf *rb, void *out, size_t len)
{
    unsigned char *p = out;
    size_t n = rb_used(rb);
    if (n > len)
        n = len;
    for (size_t i = 0; i < n; i++)
        p[i] = rb->data[RB_MASK(rb, rb->tail + i)];
    rb->tail += n;
    return n;
}

#ifdef RB_STATS
/* Copy the counters out. */
void rb_stats_get(const struct ringbuf *rb, rb_stats_t *out)
{
    memcpy(out, &rb->stats, sizeof(*out));
}
#else
void rb_stats_get(const struct ringbuf *rb, rb_stats_t *out)
{
    (void)rb;
    memset(out, 0, sizeof(*out));
}
#endif

#if defined(RB_DEBUG)
static void rb_dump(const struct ringbuf *rb)
{
    fprintf(stderr, "%s: head=%zu tail=%zu\n", rb_prefix, rb->head, rb->tail);
}
#elif RB_TRACE
#define rb_dump(rb) log_trace("ringbuf %p", (void *)(rb))
#endif
