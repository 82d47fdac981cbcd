#ifndef FUZZER_COMMON_H
#define FUZZER_COMMON_H

#include <cstdint>
#include <cstring>

inline const char* as_chars(const uint8_t* data) {
  return reinterpret_cast<const char*>(data);
}

// Reads a boolean value by looking at the first byte from data.
template <> inline bool assign_from_buf<bool>(const std::uint8_t* data) {
  return *data != 0;
}

#endif  // FUZZER_COMMON_H
