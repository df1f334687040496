// cp's argument and path rules (pure); the copies themselves, diff, export and mount need a
// container and the user namespace and are tested end to end in tests/e2e/110-container-fs.bats.
#include "lib/engine/container_fs.h"

#include <gtest/gtest.h>

namespace nook::engine {
namespace {

TEST(CopyEndpoint, ContainerOrHost) {
  CopyEndpoint c = parse_copy_endpoint("ctr:/etc/passwd");
  EXPECT_EQ(c.container, "ctr");
  EXPECT_EQ(c.path, "/etc/passwd");
  // podman: a leading "/" or "." is always a host path, even with a colon in it.
  EXPECT_EQ(parse_copy_endpoint("/tmp/a:b").container, "");
  EXPECT_EQ(parse_copy_endpoint("./a:b").path, "./a:b");
  EXPECT_EQ(parse_copy_endpoint("relative").container, "");
  EXPECT_EQ(parse_copy_endpoint("-").path, "-");
  CopyEndpoint empty = parse_copy_endpoint("ctr:");
  EXPECT_EQ(empty.container, "ctr");
  EXPECT_EQ(empty.path, "");
}

TEST(PlanCopy, FileToMissingNameRenames) {
  auto plan = plan_copy("x", false, false, "/tmp/new", PathKind::Missing, PathKind::Dir);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->dest_dir, "/tmp");
  EXPECT_EQ(plan->dest_name, "new");
}

TEST(PlanCopy, IntoAnExistingDirectoryKeepsTheName) {
  auto plan = plan_copy("x", false, false, "/tmp/", PathKind::Dir, PathKind::Dir);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->dest_dir, "/tmp");
  EXPECT_EQ(plan->dest_name, "x");
  auto dir = plan_copy("etc", true, false, "/out", PathKind::Dir, PathKind::Dir);
  ASSERT_TRUE(dir);
  EXPECT_EQ(dir->dest_name, "etc");
}

TEST(PlanCopy, TrailingDotCopiesTheContent) {
  auto plan = plan_copy("etc", true, true, "/out", PathKind::Dir, PathKind::Dir);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->dest_dir, "/out");
  EXPECT_EQ(plan->dest_name, "");
  // To a missing destination, the directory itself takes the new name (same content either way).
  auto missing = plan_copy("etc", true, true, "/new", PathKind::Missing, PathKind::Dir);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->dest_dir, "/");
  EXPECT_EQ(missing->dest_name, "new");
}

TEST(PlanCopy, FileOverAFile) {
  auto plan = plan_copy("x", false, false, "/etc/passwd", PathKind::File, PathKind::Dir);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->dest_dir, "/etc");
  EXPECT_EQ(plan->dest_name, "passwd");
}

TEST(PlanCopy, Errors) {
  auto no_parent = plan_copy("x", false, false, "/nodir/y", PathKind::Missing, PathKind::Missing);
  ASSERT_FALSE(no_parent);
  EXPECT_EQ(no_parent.error().kind(), ErrorKind::NotFound);
  auto slash = plan_copy("x", false, false, "/tmp/new/", PathKind::Missing, PathKind::Dir);
  ASSERT_FALSE(slash);
  EXPECT_EQ(slash.error().kind(), ErrorKind::NotFound);
  auto dir_on_file = plan_copy("d", true, false, "/etc/passwd", PathKind::File, PathKind::Dir);
  ASSERT_FALSE(dir_on_file);
  EXPECT_EQ(dir_on_file.error().message(), "destination must be a directory when copying a directory");
  auto parent_is_file = plan_copy("x", false, false, "/etc/passwd/foo", PathKind::Missing, PathKind::File);
  ASSERT_FALSE(parent_is_file);
}

}  // namespace
}  // namespace nook::engine
