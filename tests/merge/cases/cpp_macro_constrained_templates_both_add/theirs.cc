TEST(chrono_test, local_time) {
  test_time(time);
}
template <typename T, FMT_ENABLE_IF(!fmt::detail::has_tm_gmtoff<T>::value)>
auto set_tm_gmtoff(T&, long) -> bool {
  return false;
}

TEST(chrono_test, tm) {
  auto time = fmt::gmtime(290088000);
}
