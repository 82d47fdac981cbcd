namespace util {

#if defined(_WIN32)
int cores() { return win_cores(); }
#elif defined(__APPLE__)
int cores() { return mac_cores(); }
#else
int cores() { return sysconf_cores(); }
#endif

} // namespace util
