/*
 * ringbuf.h - public interface of the ring buffer.
 */

#ifndef RINGBUF_H
#define RINGBUF_H

#include <stddef.h>
#include <stdint.h>
#include "util/compat.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RINGBUF_VERSION_MAJOR 1
#define RINGBUF_VERSION_MINOR 4
/* Stringify a version component. */
#define RINGBUF_STR(x) #x
#define RINGBUF_CHECK(rb)                                                                          \
    do {                                                                                           \
        if (!(rb))                                                                                 \
            return -1;                                                                             \
    } while (0)

/** Opaque ring buffer handle. */
typedef struct ringbuf ringbuf;

/** Flags for rb_open(). */
typedef enum rb_flags {
    RB_FLAG_NONE = 0,
    RB_FLAG_GROW = 1 << 0, /* grow instead of dropping */
    RB_FLAG_LOCK = 1 << 1,
} rb_flags;

/* A read-only view into the buffer. */
struct rb_view {
    const unsigned char *ptr;
    size_t len;
};

typedef int (*rb_visit_fn)(const struct rb_view *view, void *arg);

/* Library-wide allocation hooks; NULL means libc. */
extern void *(*rb_malloc_hook)(size_t size);
extern const char *const rb_version_string;
extern int rb_instances, rb_peak_instances;

/**
 * Create a buffer of at least `capacity` bytes.
 * @return NULL when out of memory
 */
ringbuf *rb_open(size_t capacity, rb_flags flags);
void rb_close(ringbuf *rb);

int rb_write(ringbuf *rb, const void *buf, size_t len);
size_t rb_read(ringbuf *rb, void *out, size_t len);
int rb_visit(const ringbuf *rb, rb_visit_fn visit, void *arg);

/* Bytes currently stored. */
static inline size_t rb_len(const struct rb_view *v)
{
    return v ? v->len : 0;
}

#if RINGBUF_VERSION_MAJOR > 1
int rb_resize(ringbuf *rb, size_t capacity);
#elif defined(RINGBUF_LEGACY)
int rb_resize(ringbuf *rb, size_t capacity, int flags);
#endif

#ifdef RINGBUF_THREADS
typedef struct {
    void *mutex;
    uint64_t owner;
} rb_lock;

int rb_lock_acquire(rb_lock *lock);
void rb_lock_release(rb_lock *lock);
#endif

#ifdef __cplusplus
}
#endif

#endif /* RINGBUF_H */
