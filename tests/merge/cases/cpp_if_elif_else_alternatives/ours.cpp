namespace util {

#if defined(_WIN32)
int cores() { return win_cores(); }
#elif defined(__APPLE__)
#else
#endif

} // namespace util
