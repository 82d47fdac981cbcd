TEST(chrono_test, local_time) {
  test_time(time);
}

TEST(chrono_test, tm) {
  auto time = fmt::gmtime(290088000);
}
