namespace util {

#if defined(_WIN32)
#elif defined(__APPLE__)
#else
#endif

} // namespace util
