#include "lib/oci/user.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "lib/sys/file.h"

namespace nook::oci {
namespace {

using Gids = std::vector<gid_t>;

constexpr std::string_view kPasswd =
    "# comment\n"
    "root:x:0:0:root:/root:/bin/sh\n"
    "\n"
    "bob:x:1000:1000::/home/bob:/bin/sh\n";
constexpr std::string_view kGroup =
    "root:x:0:\n"
    "bob:x:1000:\n"
    "wheel:x:10:bob,root\n";

ResolvedUser resolve(std::string_view user, const std::vector<std::string>& group_add = {}) {
  auto r = resolve_user_from_files(user, group_add, kPasswd, kGroup);
  EXPECT_TRUE(r) << r.error().message();
  return r.value_or(ResolvedUser{});
}

std::string user_error(std::string_view user, const std::vector<std::string>& group_add = {}) {
  auto r = resolve_user_from_files(user, group_add, kPasswd, kGroup);
  if (r) return "no error";
  EXPECT_EQ(r.error().kind(), ErrorKind::InvalidArgument);
  return r.error().message();
}

// The expectations are what podman 4.3.1 wrote into config.json for the same files.
TEST(User, NoUserIsRootWithItsGroupsButNotItsPrimaryGid) {
  ResolvedUser u = resolve("");
  EXPECT_EQ(u.uid, 0U);
  EXPECT_EQ(u.gid, 0U);
  EXPECT_EQ(u.additional_gids, Gids{10});
  EXPECT_EQ(u.home, "/root");
  EXPECT_TRUE(u.root_user);
}

TEST(User, NamedOrNumericRootAddsThePrimaryGid) {
  EXPECT_EQ(resolve("root").additional_gids, (Gids{0, 10}));
  ResolvedUser zero = resolve("0");
  EXPECT_EQ(zero.additional_gids, (Gids{0, 10}));
  EXPECT_TRUE(zero.root_user);
  EXPECT_EQ(zero.name, "root");
}

TEST(User, NameAndUidFindThePasswdEntry) {
  for (std::string_view spec : {"bob", "1000"}) {
    ResolvedUser u = resolve(spec);
    EXPECT_EQ(u.uid, 1000U) << spec;
    EXPECT_EQ(u.gid, 1000U);
    EXPECT_EQ(u.additional_gids, (Gids{1000, 10}));
    EXPECT_EQ(u.home, "/home/bob");
    EXPECT_FALSE(u.root_user);
  }
}

TEST(User, ExplicitGroupReplacesMembershipGroups) {
  ResolvedUser u = resolve("bob:wheel");
  EXPECT_EQ(u.uid, 1000U);
  EXPECT_EQ(u.gid, 10U);
  EXPECT_EQ(u.additional_gids, Gids{10});
}

TEST(User, UnknownNumericIdsAreFine) {
  ResolvedUser u = resolve("1234:5", {"wheel", "77"});
  EXPECT_EQ(u.uid, 1234U);
  EXPECT_EQ(u.gid, 5U);
  EXPECT_EQ(u.additional_gids, (Gids{5, 10, 77}));
  EXPECT_EQ(u.home, std::nullopt);
  EXPECT_FALSE(u.root_user);
  ResolvedUser bare = resolve("4321");
  EXPECT_EQ(bare.gid, 0U);
  EXPECT_EQ(bare.additional_gids, Gids{0});
}

TEST(User, GroupAddDropsDuplicates) { EXPECT_EQ(resolve("bob", {"10", "bob"}).additional_gids, (Gids{1000, 10})); }

TEST(User, UnknownNamesAreErrors) {
  EXPECT_EQ(user_error("nobody"), "unable to find user nobody: no matching entries in passwd file");
  EXPECT_EQ(user_error("bob:nogroup"), "unable to find group nogroup: no matching entries in group file");
  EXPECT_EQ(user_error("", {"nogroup"}), "unable to find group nogroup: no matching entries in group file");
  EXPECT_EQ(user_error("-1"), "uids and gids must be in range 0-2147483647");
  EXPECT_EQ(user_error("bob:4294967296"), "uids and gids must be in range 0-2147483647");
  EXPECT_EQ(user_error("a:b:c"), "invalid user \"a:b:c\"");
}

TEST(User, MissingFilesAllowNumericIdsOnly) {
  auto numeric = resolve_user_from_files("1000:1000", {}, "", "");
  ASSERT_TRUE(numeric);
  EXPECT_EQ(numeric->uid, 1000U);
  EXPECT_FALSE(resolve_user_from_files("bob", {}, "", ""));
}

TEST(User, ReadsFilesInsideTheRootfsOnly) {
  auto dir = sys::make_temp_dir("/tmp", "nook-user-test-");
  ASSERT_TRUE(dir);
  const std::string root = dir->path() + "/rootfs";
  ASSERT_TRUE(sys::make_dirs(root + "/etc"));
  ASSERT_TRUE(sys::make_dirs(root + "/outside"));
  ASSERT_TRUE(sys::write_file_atomic(root + "/outside/passwd", "eve:x:666:666::/eve:/bin/sh\n"));
  ASSERT_TRUE(sys::write_file_atomic(dir->path() + "/passwd", "eve:x:777:777::/host:/bin/sh\n"));
  // An absolute symlink in the image resolves inside the rootfs, never on the host.
  ASSERT_EQ(::symlink("/outside/passwd", (root + "/etc/passwd").c_str()), 0);
  auto rootfs = sys::open_file(root, O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(rootfs);
  auto u = resolve_user(rootfs->get(), "eve", {});
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->uid, 666U);
  EXPECT_EQ(u->home, "/eve");
  // etc/group is missing: no supplementary groups, and no error.
  EXPECT_EQ(u->additional_gids, Gids{666});

  ASSERT_EQ(::unlink((root + "/etc/passwd").c_str()), 0);
  ASSERT_EQ(::symlink("../../passwd", (root + "/etc/passwd").c_str()), 0);
  auto escaped = resolve_user(rootfs->get(), "eve", {});
  ASSERT_FALSE(escaped);
  EXPECT_EQ(escaped.error().message(), "unable to find user eve: no matching entries in passwd file");
}

}  // namespace
}  // namespace nook::oci
