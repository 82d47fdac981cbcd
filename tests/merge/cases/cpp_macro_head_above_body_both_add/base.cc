#include <gtest/gtest.h>

TEST_F(Suite, First)
{
  EXPECT_EQ(1, 1);
}
