#include <gtest/gtest.h>

TEST_F(Suite, First)
{
  EXPECT_EQ(1, 1);
}

TEST_F(Suite, Second)
{
  EXPECT_EQ(2, 2);
}
