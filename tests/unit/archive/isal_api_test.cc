#include "lib/archive/isal_api.h"

#include <gtest/gtest.h>

namespace nook::archive {
namespace {

TEST(IsalApi, AMissingLibraryIsUnsupportedAndCodesHaveWords) {
  auto missing = load_isal_api("libnook-no-such-isal.so.9");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::Unsupported);
  EXPECT_STREQ(isal_error_text(ISAL_INCORRECT_CHECKSUM), "incorrect data check");
  EXPECT_STREQ(isal_error_text(12345), "invalid data");
}

TEST(IsalApi, TheInstalledLibraryLoadsWithEveryFunction) {
  const IsalApi* api = isal_api();
  if (api == nullptr) GTEST_SKIP() << kIsalLibrary << " is not installed";
  EXPECT_NE(api->inflate_init, nullptr);
  EXPECT_NE(api->inflate_reset, nullptr);
  EXPECT_NE(api->inflate, nullptr);
  EXPECT_EQ(isal_api(), api) << "loaded once";
}

}  // namespace
}  // namespace nook::archive
