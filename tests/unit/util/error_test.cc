#include "lib/util/error.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace nook {
namespace {

Result<int> parse_positive(int value) {
  if (value <= 0) return fail(ErrorKind::InvalidArgument, "value must be positive");
  return value;
}

Result<int> doubled(int value) {
  int checked = NOOK_TRY(parse_positive(value));
  return checked * 2;
}

Result<void> check_only(int value) {
  NOOK_TRY_VOID(parse_positive(value));
  return {};
}

TEST(Error, FromErrnoNamesCallAndMapsKind) {
  Error e = Error::from_errno_value(ENOENT, "open", "\"/x\"");
  EXPECT_EQ(e.kind(), ErrorKind::NotFound);
  EXPECT_EQ(e.sys_errno(), ENOENT);
  EXPECT_EQ(e.message(), "open \"/x\": No such file or directory");
  EXPECT_EQ(Error::from_errno_value(EEXIST, "mkdir").kind(), ErrorKind::Exists);
  EXPECT_EQ(Error::from_errno_value(EACCES, "mkdir").kind(), ErrorKind::Permission);
  EXPECT_EQ(Error::from_errno_value(EPERM, "mount").kind(), ErrorKind::Permission);
  EXPECT_EQ(Error::from_errno_value(ENOSYS, "openat2").kind(), ErrorKind::Unsupported);
  EXPECT_EQ(Error::from_errno_value(EIO, "read").kind(), ErrorKind::System);
}

TEST(Error, FromErrnoReadsErrno) {
  errno = EACCES;
  Error e = Error::from_errno("open");
  EXPECT_EQ(e.sys_errno(), EACCES);
  EXPECT_EQ(e.message(), "open: Permission denied");
}

TEST(Error, ContextPrefixesOutermostFirst) {
  Error inner(ErrorKind::Corrupt, "line 3: expected '='");
  Error outer = inner.context("parsing \"a.conf\"").context("loading configuration");
  EXPECT_EQ(outer.message(), "loading configuration: parsing \"a.conf\": line 3: expected '='");
  EXPECT_EQ(outer.kind(), ErrorKind::Corrupt);
  EXPECT_EQ(inner.message(), "line 3: expected '='") << "the const& overload must not modify";
}

TEST(Error, TryPropagates) {
  ASSERT_TRUE(doubled(4).has_value());
  EXPECT_EQ(*doubled(4), 8);
  auto bad = doubled(-1);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message(), "value must be positive");
  EXPECT_TRUE(check_only(1).has_value());
  EXPECT_FALSE(check_only(0).has_value());
}

TEST(Error, ExitCodes) {
  EXPECT_EQ(exit_code_for(Error(ErrorKind::NotFound, "x")), 125);
  EXPECT_EQ(exit_code_for(Error(ErrorKind::InvalidArgument, "x")), 125);
  EXPECT_EQ(exit_code_for(Error(ErrorKind::Internal, "x")), 125);
  EXPECT_EQ(exit_code_for(Error(ErrorKind::NotExecutable, "x")), 126);
  EXPECT_EQ(exit_code_for(Error(ErrorKind::CommandNotFound, "x")), 127);
}

TEST(Error, KindNames) {
  EXPECT_EQ(error_kind_name(ErrorKind::NotFound), "not found");
  EXPECT_EQ(error_kind_name(ErrorKind::Permission), "permission denied");
}

}  // namespace
}  // namespace nook

namespace nook {
namespace {

TEST(ErrorKindName, RoundTripsEveryKind) {
  for (ErrorKind kind : {ErrorKind::NotFound, ErrorKind::Exists, ErrorKind::InvalidArgument, ErrorKind::InvalidState,
                         ErrorKind::Permission, ErrorKind::Unsupported, ErrorKind::Network, ErrorKind::Corrupt,
                         ErrorKind::System, ErrorKind::Internal, ErrorKind::NotExecutable,
                         ErrorKind::CommandNotFound}) {
    EXPECT_EQ(error_kind_from_name(error_kind_name(kind)), kind) << error_kind_name(kind);
  }
  EXPECT_EQ(error_kind_from_name("no such kind"), ErrorKind::Internal);
}

}  // namespace
}  // namespace nook
