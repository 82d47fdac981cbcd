#ifndef FUZZER_COMMON_H
#define FUZZER_COMMON_H

#include <cstdint>
#include <cstring>

inline const char* as_chars(const uint8_t* data) {
  return reinterpret_cast<const char*>(data);
}

#endif  // FUZZER_COMMON_H
