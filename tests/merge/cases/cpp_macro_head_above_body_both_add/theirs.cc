#include <gtest/gtest.h>

TEST_F(Suite, First)
{
  EXPECT_EQ(1, 1);
}

TEST_F(Suite, Third)
{
  EXPECT_EQ(3, 3);
}
