#ifndef FMT_RANGES_H_
#define FMT_RANGES_H_

#include "format.h"

FMT_BEGIN_NAMESPACE

FMT_EXPORT
template <typename T, typename Char> struct is_range {
  static constexpr const bool value = true;
};

FMT_EXPORT
template <typename T> struct is_tuple_like {
  static constexpr const bool value = false;
};

FMT_END_NAMESPACE

#endif  // FMT_RANGES_H_
