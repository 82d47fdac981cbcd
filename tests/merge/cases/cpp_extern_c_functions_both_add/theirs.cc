#include <cstdint>
#include <fmt/format.h>

template <typename T> void invoke_fmt(const uint8_t* data, size_t size) {
  fmt::format_to_n(nullptr, 0, fmt::runtime("{}"), T());
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  (void)argc;
  (void)argv;
  return 0;
}

namespace {
int unused_helper() { return 0; }
}  // namespace
