module;

#include <string>

export module lib;

#define LIB_EXPORT export

#ifdef LIB_ATTACH_TO_GLOBAL_MODULE
extern "C++" {
#endif

export int lib_open(const char *path);

export int lib_close(int fd, int flags);

#ifdef LIB_ATTACH_TO_GLOBAL_MODULE
}
#endif

#ifdef LIB_ATTACH_TO_GLOBAL_MODULE
extern "C++" {
#endif

static int lib_state = 0;

#ifdef LIB_ATTACH_TO_GLOBAL_MODULE
}
#endif
