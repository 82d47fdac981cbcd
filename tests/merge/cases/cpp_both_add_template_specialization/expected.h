#ifndef FUZZER_COMMON_H
#define FUZZER_COMMON_H

#include <cstdint>
#include <cstring>

inline const char* as_chars(const uint8_t* data) {
  return reinterpret_cast<const char*>(data);
}

template <typename Item> inline Item assign_from_buf(const std::uint8_t* data) {
  auto item = Item();
  std::memcpy(&item, data, sizeof(Item));
  return item;
}

// Reads a boolean value by looking at the first byte from data.
template <> inline bool assign_from_buf<bool>(const std::uint8_t* data) {
  return *data != 0;
}

#endif  // FUZZER_COMMON_H
