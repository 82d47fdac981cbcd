TEST(chrono_test, local_time) {
  test_time(time);
}

template <typename T, FMT_ENABLE_IF(fmt::detail::has_tm_gmtoff<T>::value)>
auto set_tm_gmtoff(T& time, long offset) -> bool {
  time.tm_gmtoff = offset;
  return true;
}

TEST(chrono_test, tm) {
  auto time = fmt::gmtime(290088000);
}
