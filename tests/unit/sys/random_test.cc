#include "lib/sys/random.h"

#include <gtest/gtest.h>

namespace nook::sys {
namespace {

TEST(RandomHex, HasTwoHexDigitsPerByte) {
  auto hex = random_hex(32);
  ASSERT_TRUE(hex) << hex.error().message();
  EXPECT_EQ(hex->size(), 64u);
  EXPECT_EQ(hex->find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(RandomHex, DiffersBetweenCalls) {
  auto a = random_hex(16);
  auto b = random_hex(16);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

TEST(RandomHex, ZeroBytesIsEmpty) {
  auto hex = random_hex(0);
  ASSERT_TRUE(hex);
  EXPECT_EQ(*hex, "");
}

}  // namespace
}  // namespace nook::sys
