#include "lib/archive/tree_tar.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string>

#include "lib/archive/extract.h"
#include "lib/sys/fd.h"
#include "lib/sys/file.h"

namespace nook::archive {
namespace {

TEST(OverlayEntries, Classification) {
  EXPECT_EQ(classify_overlay_entry(false, true, false, std::nullopt), OverlayKind::Whiteout);
  EXPECT_EQ(classify_overlay_entry(false, false, true, std::nullopt), OverlayKind::Whiteout);  // xwhiteout
  EXPECT_EQ(classify_overlay_entry(true, false, false, std::string("y")), OverlayKind::OpaqueDir);
  // "x" only says the directory holds xwhiteouts; it is not opaque.
  EXPECT_EQ(classify_overlay_entry(true, false, false, std::string("x")), OverlayKind::Plain);
  EXPECT_EQ(classify_overlay_entry(false, false, false, std::nullopt), OverlayKind::Plain);
  EXPECT_EQ(whiteout_name("group"), ".wh.group");
}

class TreeTar : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = sys::make_temp_dir("/tmp", "nook-treetar-");
    ASSERT_TRUE(dir);
    dir_ = std::move(*dir);
  }
  std::string path(const std::string& rel) const { return dir_.path() + "/" + rel; }
  std::string tar_of(const std::string& rel, bool contents, const TreeTarOptions& options) {
    std::string out;
    auto writer = TarWriter::create([&](std::span<const char> bytes) -> Result<void> {
      out.append(bytes.data(), bytes.size());
      return {};
    });
    EXPECT_TRUE(writer);
    auto fd = sys::open_file(path(rel), O_PATH);
    EXPECT_TRUE(fd);
    auto added = contents ? writer->add_contents(fd->get(), "", options) : writer->add_fd(fd->get(), "top", options);
    EXPECT_TRUE(added) << added.error().message();
    EXPECT_TRUE(writer->finish());
    return out;
  }
  sys::TempPath dir_;
};

TEST_F(TreeTar, RoundTripsFilesLinksAndModes) {
  ASSERT_TRUE(sys::make_dirs(path("src/sub"), 0755));
  ASSERT_TRUE(sys::write_file_atomic(path("src/sub/file"), "content"));
  ASSERT_EQ(::chmod(path("src/sub/file").c_str(), 0640), 0);
  ASSERT_EQ(::symlink("/etc/passwd", path("src/abs").c_str()), 0);
  ASSERT_EQ(::link(path("src/sub/file").c_str(), path("src/hard").c_str()), 0);
  std::string tar = tar_of("src", false, {});
  ASSERT_TRUE(sys::make_dirs(path("out"), 0755));
  auto stats = extract_layer_memory(tar, path("out"), {.rootless = true, .whiteouts_as_overlay = false, .keep_ownership = false});
  ASSERT_TRUE(stats) << stats.error().message();
  EXPECT_EQ(*sys::read_file(path("out/top/sub/file")), "content");
  struct stat st {};
  ASSERT_EQ(::stat(path("out/top/sub/file").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(st.st_nlink, 2u) << "the hard link stays a hard link";
  char target[64] = {};
  ASSERT_GT(::readlink(path("out/top/abs").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "/etc/passwd") << "symlinks are stored, not followed";
}

TEST_F(TreeTar, ContentsAreSortedAndDeterministic) {
  ASSERT_TRUE(sys::make_dirs(path("src"), 0755));
  for (const char* name : {"b", "a", "c"}) ASSERT_TRUE(sys::write_file_atomic(path(std::string("src/") + name), name));
  EXPECT_EQ(tar_of("src", true, {}), tar_of("src", true, {}));
  std::string tar = tar_of("src", true, {});
  EXPECT_LT(tar.find("a\0"), tar.find("b\0"));
}

TEST_F(TreeTar, OverlayWhiteoutsBecomeOciWhiteouts) {
  ASSERT_TRUE(sys::make_dirs(path("upper/etc"), 0755));
  ASSERT_TRUE(sys::make_dirs(path("upper/opaque"), 0755));
  // The xwhiteout form (an empty file with the whiteout xattr) works without privilege.
  ASSERT_TRUE(sys::write_file_atomic(path("upper/etc/group"), ""));
  if (::setxattr(path("upper/etc/group").c_str(), "user.overlay.whiteout", "", 0, 0) != 0 ||
      ::setxattr(path("upper/opaque").c_str(), "user.overlay.opaque", "y", 1, 0) != 0) {
    GTEST_SKIP() << "no user xattrs on /tmp";
  }
  std::string tar = tar_of("upper", true, {.overlay_whiteouts = true});
  EXPECT_NE(tar.find("etc/.wh.group"), std::string::npos);
  EXPECT_NE(tar.find("opaque/.wh..wh..opq"), std::string::npos);
  EXPECT_EQ(tar.find("user.overlay"), std::string::npos) << "overlay's own xattrs are not archived";
}

TEST_F(TreeTar, OwnershipOverride) {
  ASSERT_TRUE(sys::make_dirs(path("src"), 0755));
  ASSERT_TRUE(sys::write_file_atomic(path("src/f"), "x"));
  std::string a = tar_of("src", true, {.uid = 1234, .gid = 4321});
  EXPECT_NE(a, tar_of("src", true, {}));
}

}  // namespace
}  // namespace nook::archive
