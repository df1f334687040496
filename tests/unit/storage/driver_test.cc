#include "lib/storage/driver.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>

namespace nook::storage {
namespace {

TEST(Driver, ConfiguredDriverWinsAndIsNamed) {
  DriverFacts facts;
  facts.configured = "vfs";
  facts.configured_by = "--storage-driver";
  facts.kernel_overlay_works = true;
  auto choice = choose_driver(facts);
  ASSERT_TRUE(choice);
  EXPECT_EQ(choice->driver, "vfs");
  EXPECT_EQ(choice->reason, "set by --storage-driver");
  facts.configured = "overlay2";
  EXPECT_EQ(choose_driver(facts)->driver, "overlay");
}

TEST(Driver, UnknownConfiguredDriverIsAnError) {
  DriverFacts facts;
  facts.configured = "btrfs";
  facts.configured_by = "NOOK_STORAGE_DRIVER";
  auto choice = choose_driver(facts);
  ASSERT_FALSE(choice);
  EXPECT_EQ(choice.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_NE(choice.error().message().find("\"btrfs\""), std::string::npos);
}

TEST(Driver, FallsBackInOrder) {
  DriverFacts facts;
  facts.rootless = true;
  facts.kernel_overlay_works = true;
  EXPECT_EQ(choose_driver(facts)->driver, "overlay");
  facts.kernel_overlay_works = false;
  facts.kernel_overlay_error = "mount: Operation not permitted";
  facts.fuse_overlayfs = "/usr/bin/fuse-overlayfs";
  facts.dev_fuse_usable = true;
  auto fuse = choose_driver(facts);
  EXPECT_EQ(fuse->driver, "fuse-overlayfs");
  EXPECT_NE(fuse->reason.find("Operation not permitted"), std::string::npos);
  facts.dev_fuse_usable = false;
  auto vfs = choose_driver(facts);
  EXPECT_EQ(vfs->driver, "vfs");
  EXPECT_NE(vfs->reason.find("/dev/fuse is not usable"), std::string::npos);
  facts.fuse_overlayfs.clear();
  EXPECT_NE(choose_driver(facts)->reason.find("fuse-overlayfs is not installed"), std::string::npos);
}

TEST(Driver, ProbeReportsWhatTheKernelDoes) {
  char dir[] = "/tmp/nook-probe-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  bool rootless = getuid() != 0;
  auto result = probe_kernel_overlay(dir, rootless);
  // Either outcome is legitimate on some host; what must hold is that a failure says why.
  if (!result) {
    EXPECT_EQ(result.error().kind(), ErrorKind::Unsupported);
    EXPECT_FALSE(result.error().message().empty());
  }
  std::string cmd = std::string("rm -rf ") + dir;
  ASSERT_EQ(system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace nook::storage
