#include "lib/sys/dynlib.h"

#include <gtest/gtest.h>

#include <cstring>

namespace nook::sys {
namespace {

TEST(DynamicLibrary, LoadsAndResolves) {
  auto handle = open_library("libz.so.1");
  ASSERT_TRUE(handle) << handle.error().message();
  const char* (*version)() = nullptr;
  ASSERT_TRUE(resolve_symbol(*handle, "zlibVersion", version));
  ASSERT_NE(version, nullptr);
  EXPECT_GT(std::strlen(version()), 0u);
  int (*missing)() = nullptr;
  EXPECT_FALSE(resolve_symbol(*handle, "no_such_function_in_zlib", missing));
  Error error = library_error("libz.so.1");
  EXPECT_EQ(error.kind(), ErrorKind::Unsupported);
  EXPECT_NE(error.message().find("no_such_function_in_zlib"), std::string::npos) << error.message();
}

TEST(DynamicLibrary, MissingLibraryIsUnsupported) {
  auto handle = open_library("libnook-no-such-library.so.0");
  ASSERT_FALSE(handle);
  EXPECT_EQ(handle.error().kind(), ErrorKind::Unsupported);
  EXPECT_NE(handle.error().message().find("loading libnook-no-such-library.so.0: "), std::string::npos);
}

}  // namespace
}  // namespace nook::sys
