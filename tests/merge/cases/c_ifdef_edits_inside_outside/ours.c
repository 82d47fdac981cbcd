#include <stdio.h>
#include "engine.h"

static int frame_count;

#ifdef ENGINE_DEBUG
static void debug_frame(const struct frame *f) { fprintf(stderr, "frame %d: %zu objects\n", frame_count, f->nobjects); }
#endif
static void count_frame(void) { frame_count++; }

void engine_tick(struct frame *f)
{
    count_frame();
#ifdef ENGINE_DEBUG
    debug_frame(f);
#endif
    physics_step(f);
    render(f);
}
