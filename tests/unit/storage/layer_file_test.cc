#include "lib/storage/layer_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <string>
#include <vector>

#include "lib/sys/file.h"

namespace nook::storage {
namespace {

using Kind = LayerFile::Kind;

// Three layers under a temporary directory: top, mid, base (the order read_layer_file takes).
class LayerFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = sys::make_temp_dir("/tmp", "nook-layer-file-test-");
    ASSERT_TRUE(tmp) << tmp.error().message();
    tmp_ = std::move(*tmp);
    for (const char* name : {"top", "mid", "base"}) {
      layers_.push_back(tmp_.path() + "/" + name);
      ASSERT_TRUE(sys::make_dirs(layers_.back() + "/etc", 0755));
    }
  }

  std::string at(size_t layer, const std::string& rel) const { return layers_[layer] + "/" + rel; }
  void write(size_t layer, const std::string& rel, const std::string& text) {
    ASSERT_TRUE(sys::write_file_atomic(at(layer, rel), text, 0644, sys::Durability::AtomicOnly));
  }
  LayerFile read(const std::string& path) const {
    auto file = read_layer_file(layers_, path);
    EXPECT_TRUE(file) << file.error().message();
    return file ? *file : LayerFile{.kind = Kind::NeedsMount, .content = "error"};
  }
  // A whiteout device needs CAP_MKNOD; false (and the test skips) without it.
  bool whiteout(size_t layer, const std::string& rel) {
    return ::mknod(at(layer, rel).c_str(), S_IFCHR | 0000, makedev(0, 0)) == 0;
  }

  sys::TempPath tmp_;
  std::vector<std::string> layers_;
};

TEST_F(LayerFileTest, TheTopmostCopyWins) {
  write(2, "etc/passwd", "root:x:0:0:base:/root:/bin/sh\n");
  write(1, "etc/passwd", "root:x:0:0:mid:/root:/bin/sh\n");
  LayerFile file = read("etc/passwd");
  EXPECT_EQ(file.kind, Kind::Found);
  EXPECT_EQ(file.content, "root:x:0:0:mid:/root:/bin/sh\n");
  EXPECT_EQ(read("/etc//passwd").content, file.content);  // leading and doubled slashes
}

TEST_F(LayerFileTest, MissingEverywhereIsAbsent) {
  EXPECT_EQ(read("etc/group").kind, Kind::Absent);
  EXPECT_EQ(read("nodir/group").kind, Kind::Absent);
}

TEST_F(LayerFileTest, AWhiteoutHidesTheLowerFile) {
  write(2, "etc/group", "root:x:0:\n");
  if (!whiteout(1, "etc/group")) GTEST_SKIP() << "mknod of a whiteout needs CAP_MKNOD";
  EXPECT_EQ(read("etc/group").kind, Kind::Absent);
  write(0, "etc/group", "wheel:x:10:\n");  // recreated above the whiteout
  EXPECT_EQ(read("etc/group").content, "wheel:x:10:\n");
}

TEST_F(LayerFileTest, AWhitedOutDirectoryHidesEverythingBelow) {
  write(2, "etc/group", "root:x:0:\n");
  ASSERT_EQ(::rmdir(at(1, "etc").c_str()), 0);
  if (!whiteout(1, "etc")) GTEST_SKIP() << "mknod of a whiteout needs CAP_MKNOD";
  EXPECT_EQ(read("etc/group").kind, Kind::Absent);
}

TEST_F(LayerFileTest, AnOpaqueDirectoryHidesTheLowerLayers) {
  write(2, "etc/group", "root:x:0:\n");
  ASSERT_EQ(::setxattr(at(1, "etc").c_str(), "user.overlay.opaque", "y", 1, 0), 0) << std::strerror(errno);
  EXPECT_EQ(read("etc/group").kind, Kind::Absent);
  write(1, "etc/group", "mid:x:1:\n");  // the opaque layer's own file is seen
  EXPECT_EQ(read("etc/group").content, "mid:x:1:\n");
  // An opaque value this lookup does not know (overlay's "x" for xwhiteouts) needs the mount.
  ASSERT_EQ(::setxattr(at(1, "etc").c_str(), "user.overlay.opaque", "x", 1, 0), 0);
  ASSERT_EQ(::unlink(at(1, "etc/group").c_str()), 0);
  EXPECT_EQ(read("etc/group").kind, Kind::NeedsMount);
}

TEST_F(LayerFileTest, WhatOnlyOverlayCanResolveNeedsAMount) {
  write(2, "etc/real", "root:x:0:\n");
  ASSERT_EQ(::symlink("real", at(1, "etc/group").c_str()), 0);  // a symlinked file
  EXPECT_EQ(read("etc/group").kind, Kind::NeedsMount);
  write(0, "etc/passwd", "");  // empty: maybe an xwhiteout
  EXPECT_EQ(read("etc/passwd").kind, Kind::NeedsMount);
  ASSERT_EQ(::unlink(at(0, "etc/passwd").c_str()), 0);
  ASSERT_EQ(::rmdir(at(0, "etc").c_str()), 0);
  ASSERT_EQ(::symlink("/usr/etc", at(0, "etc").c_str()), 0);  // a symlinked directory
  EXPECT_EQ(read("etc/hosts").kind, Kind::NeedsMount);
  EXPECT_EQ(read("../etc/hosts").kind, Kind::NeedsMount);
  EXPECT_EQ(read("/").kind, Kind::NeedsMount);
  ASSERT_TRUE(sys::make_dirs(at(1, "etc/shadow"), 0755));  // a directory where a file is asked for
  EXPECT_EQ(read("etc/shadow").kind, Kind::NeedsMount);
}

}  // namespace
}  // namespace nook::storage
