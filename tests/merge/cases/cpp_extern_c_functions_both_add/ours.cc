#include <cstdint>
#include <fmt/format.h>

template <typename T> void invoke_fmt(const uint8_t* data, size_t size) {
  fmt::format_to_n(nullptr, 0, fmt::runtime("{}"), T());
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size <= 3) return 0;
  invoke_fmt<int>(data, size);
  return 0;
}

namespace {
int unused_helper() { return 0; }
}  // namespace
