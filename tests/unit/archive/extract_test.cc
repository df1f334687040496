#include "lib/archive/extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <clocale>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lib/sys/file.h"
#include "tests/unit/archive/tar_builder.h"

namespace nook::archive {
namespace {

using test_support::TarBuilder;


std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return names;
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

std::optional<struct stat> lstat_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  return st;
}

std::optional<std::string> lxattr(const std::string& path, const std::string& name) {
  char buf[256];
  ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), buf, sizeof buf);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

class ExtractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = sys::make_temp_dir("/tmp", "nook-extract-test-");
    ASSERT_TRUE(dir) << dir.error().message();
    sandbox_ = std::move(*dir);
    target_ = sandbox_.path() + "/target";
    outside_ = sandbox_.path() + "/outside";
    ASSERT_EQ(::mkdir(target_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(outside_.c_str(), 0755), 0);
    opts_.rootless = true;
    opts_.keep_ownership = false;
  }
  void TearDown() override {
    // Nothing was written outside the target.
    auto top = list_dir(sandbox_.path());
    std::sort(top.begin(), top.end());
    EXPECT_EQ(top, (std::vector<std::string>{"outside", "target"}));
    EXPECT_EQ(list_dir(outside_), outside_expected_);
  }
  Result<ExtractStats> extract(const std::string& data) {
    return extract_layer_memory(data, target_, opts_);
  }
  void expect_corrupt(const std::string& data, const std::string& entry) {
    auto r = extract(data);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind(), ErrorKind::Corrupt) << r.error().message();
    EXPECT_NE(r.error().message().find(entry), std::string::npos) << r.error().message();
  }
  std::string t(const std::string& rel) const { return target_ + "/" + rel; }
  std::string content(const std::string& rel) const {
    auto r = sys::read_file(t(rel));
    return r ? *r : std::string("<missing>");
  }

  sys::TempPath sandbox_;
  std::string target_;
  std::string outside_;
  std::vector<std::string> outside_expected_;
  ExtractOptions opts_;
};

TEST_F(ExtractTest, FilesDirsSymlinksHardlinks) {
  std::string data = TarBuilder()
                         .dir("./etc", 0750)
                         .file("./etc/hosts", "127.0.0.1 localhost\n", 0640)
                         .dir("empty")
                         .file("implicit/parent/file", "x")
                         .symlink("etc/link", "/etc/hosts")
                         .hardlink("etc/hosts2", "./etc/hosts")
                         .file("etc/hosts", "replaced\n", 0600)
                         .finish();
  auto r = extract(data);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->dirs, 2);
  EXPECT_EQ(r->files, 3);
  EXPECT_EQ(r->symlinks, 1);
  EXPECT_EQ(r->hardlinks, 1);
  EXPECT_EQ(content("etc/hosts"), "replaced\n");
  EXPECT_EQ(content("etc/hosts2"), "127.0.0.1 localhost\n");
  EXPECT_EQ(content("implicit/parent/file"), "x");
  auto etc = lstat_of(t("etc"));
  ASSERT_TRUE(etc);
  EXPECT_EQ(etc->st_mode & 07777, 0750u);
  EXPECT_EQ(etc->st_mtim.tv_sec, 1000000000);
  EXPECT_EQ(lstat_of(t("etc/hosts"))->st_mode & 07777, 0600u);
  EXPECT_EQ(lstat_of(t("etc/hosts2"))->st_mode & 07777, 0640u);
  EXPECT_EQ(lstat_of(t("etc/hosts2"))->st_mtim.tv_sec, 1000000000);
  ASSERT_TRUE(lstat_of(t("empty")));
  EXPECT_TRUE(S_ISDIR(lstat_of(t("empty"))->st_mode));
  char buf[64] = {};
  ASSERT_GT(::readlink(t("etc/link").c_str(), buf, sizeof buf - 1), 0);
  EXPECT_STREQ(buf, "/etc/hosts");
  EXPECT_EQ(lstat_of(t("etc/link"))->st_mtim.tv_sec, 1000000000);
}

TEST_F(ExtractTest, SetuidModeKept) {
  auto r = extract(TarBuilder().file("bin/su", "elf", 04755).dir("tmp", 01777).finish());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(lstat_of(t("bin/su"))->st_mode & 07777, 04755u);
  EXPECT_EQ(lstat_of(t("tmp"))->st_mode & 07777, 01777u);
}

TEST_F(ExtractTest, ModesAreExactWhateverTheUmask) {
  // Files are created with their mode when the umask leaves it whole, else chmod'ed afterwards.
  for (mode_t mask : {mode_t{022}, mode_t{077}, mode_t{0}}) {
    mode_t old = ::umask(mask);
    auto r = extract(TarBuilder()
                         .file("m/a", "1", 0644)
                         .file("m/b", "2", 0666)
                         .file("m/c", "3", 0777)
                         .file("m/d", "4", 0400)
                         .file("m/e", "5", 0000)
                         .finish());
    ::umask(old);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(lstat_of(t("m/a"))->st_mode & 07777, 0644u) << "umask " << mask;
    EXPECT_EQ(lstat_of(t("m/b"))->st_mode & 07777, 0666u) << "umask " << mask;
    EXPECT_EQ(lstat_of(t("m/c"))->st_mode & 07777, 0777u) << "umask " << mask;
    EXPECT_EQ(lstat_of(t("m/d"))->st_mode & 07777, 0400u) << "umask " << mask;
    EXPECT_EQ(lstat_of(t("m/e"))->st_mode & 07777, 0000u) << "umask " << mask;
    EXPECT_EQ(content("m/a"), "1");
    ASSERT_TRUE(sys::remove_all(t("m")));
  }
}

TEST_F(ExtractTest, OwnershipKept) {
  std::string probe = sandbox_.path() + "/target/probe";
  int fd = ::open(probe.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  bool can_chown = ::fchown(fd, 1000, 1000) == 0;
  ::close(fd);
  ::unlink(probe.c_str());
  opts_.keep_ownership = true;
  std::string data = TarBuilder().file("owned", "x", 02755, 1000, 1000).finish();
  if (!can_chown) {
    auto r = extract(data);
    ASSERT_FALSE(r);  // a refused chown is an error with keep_ownership
    EXPECT_EQ(r.error().kind(), ErrorKind::Permission) << r.error().message();
    GTEST_SKIP() << "chown to 1000:1000 not permitted here";
  }
  auto r = extract(data);
  ASSERT_TRUE(r) << r.error().message();
  auto st = lstat_of(t("owned"));
  EXPECT_EQ(st->st_uid, 1000u);
  EXPECT_EQ(st->st_gid, 1000u);
  EXPECT_EQ(st->st_mode & 07777, 02755u);  // setgid survives chown
}

TEST_F(ExtractTest, XattrsRootlessSkipsPrivileged) {
  auto r = extract(TarBuilder()
                       .file("f", "x", 0644, 0, 0,
                             {{"user.nook.test", "value"}, {"trusted.nook", "t"}, {"security.nook", "s"}})
                       .finish());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(lxattr(t("f"), "user.nook.test"), std::optional<std::string>("value"));
  EXPECT_FALSE(lxattr(t("f"), "trusted.nook"));
}

TEST_F(ExtractTest, LongPathAndNonAscii) {
  std::string long_dir = std::string(60, 'a') + "/" + std::string(60, 'b') + "/" + std::string(60, 'c');
  std::string name = "caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac.txt";
  auto r = extract(TarBuilder().file(long_dir + "/" + name, "long").file(name, "short").finish());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(content(long_dir + "/" + name), "long");
  EXPECT_EQ(content(name), "short");
}

TEST_F(ExtractTest, OverlayWhiteoutsAndOpaque) {
  auto r = extract(TarBuilder()
                       .dir("d")
                       .file("d/.wh..wh..opq", "")
                       .file("d/kept", "k")
                       .file(".wh.gone", "")
                       .file("sub/.wh.deep", "")
                       .finish());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->whiteouts, 3);
  for (const char* rel : {"gone", "sub/deep"}) {
    auto st = lstat_of(t(rel));
    ASSERT_TRUE(st) << rel;
    if (S_ISCHR(st->st_mode)) {
      EXPECT_EQ(st->st_rdev, makedev(0, 0));
    } else {  // documented fallback: xwhiteout
      EXPECT_TRUE(S_ISREG(st->st_mode));
      EXPECT_EQ(st->st_size, 0);
      EXPECT_TRUE(lxattr(t(rel), "user.overlay.whiteout"));
    }
  }
  EXPECT_FALSE(lstat_of(t(".wh.gone")));
  EXPECT_FALSE(lstat_of(t("d/.wh..wh..opq")));
  EXPECT_EQ(lxattr(t("d"), "user.overlay.opaque"), std::optional<std::string>("y"));
  EXPECT_EQ(content("d/kept"), "k");
}

TEST_F(ExtractTest, OverlayOpaqueAsRootUsesTrusted) {
  if (::setxattr(target_.c_str(), "trusted.nook-probe", "1", 1, 0) != 0) {
    GTEST_SKIP() << "trusted.* xattrs not permitted here";
  }
  ::removexattr(target_.c_str(), "trusted.nook-probe");
  opts_.rootless = false;
  auto r = extract(TarBuilder().dir("d").file("d/.wh..wh..opq", "").finish());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(lxattr(t("d"), "trusted.overlay.opaque"), std::optional<std::string>("y"));
}

TEST_F(ExtractTest, VfsWhiteoutsDelete) {
  ASSERT_TRUE(extract(TarBuilder()
                          .file("gone", "1")
                          .file("dir/tree/x", "2")
                          .file("opq/old", "3")
                          .file("keep", "4")
                          .finish()));
  opts_.whiteouts_as_overlay = false;
  auto r = extract(TarBuilder()
                       .file(".wh.gone", "")
                       .file(".wh.dir", "")
                       .file("opq/new", "5")
                       .file("opq/.wh..wh..opq", "")
                       .file("nodir/.wh.x", "")
                       .finish());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(lstat_of(t("gone")));
  EXPECT_FALSE(lstat_of(t("dir")));
  EXPECT_FALSE(lstat_of(t("opq/old")));
  EXPECT_EQ(content("opq/new"), "5");
  EXPECT_EQ(content("keep"), "4");
  EXPECT_FALSE(lstat_of(t("nodir")));
}

TEST_F(ExtractTest, DotDotEscapesRejected) {
  expect_corrupt(TarBuilder().file("../escape", "x").finish(), "../escape");
  expect_corrupt(TarBuilder().file("a/../../escape", "x").finish(), "a/../../escape");
  EXPECT_FALSE(lstat_of(sandbox_.path() + "/escape"));
  auto r = extract(TarBuilder().file("a/../inside", "x").finish());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(content("inside"), "x");
}

TEST_F(ExtractTest, AbsolutePathStaysInside) {
  auto r = extract(TarBuilder().file(sandbox_.path() + "/outside/abs", "x").finish());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(content(sandbox_.path().substr(1) + "/outside/abs"), "x");
}

TEST_F(ExtractTest, SymlinkParentRejected) {
  expect_corrupt(TarBuilder().symlink("link", outside_).file("link/file", "x").finish(), "link/file");
  expect_corrupt(TarBuilder().symlink("rel", "../outside").file("rel/file", "x").finish(), "rel/file");
}

TEST_F(ExtractTest, HardlinkEscapesRejected) {
  ASSERT_TRUE(sys::write_file_atomic(outside_ + "/secret", "s"));
  outside_expected_ = {"secret"};
  expect_corrupt(TarBuilder().hardlink("h", "../outside/secret").finish(), "h");
  expect_corrupt(TarBuilder().symlink("l", outside_).hardlink("h2", "l/secret").finish(), "h2");
  expect_corrupt(TarBuilder().hardlink("h3", "not/yet").finish(), "h3");
  EXPECT_FALSE(lstat_of(t("h")));
  EXPECT_FALSE(lstat_of(t("h2")));
  EXPECT_EQ(lstat_of(outside_ + "/secret")->st_nlink, 1u);
}

TEST_F(ExtractTest, DevicesSkippedRootless) {
  auto r = extract(TarBuilder()
                       .device("dev/null", AE_IFCHR, 1, 3)
                       .device("dev/sda", AE_IFBLK, 8, 0)
                       .device("fifo", AE_IFIFO, 0, 0)
                       .finish());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->skipped_devices, 2);
  EXPECT_FALSE(lstat_of(t("dev/null")));
  EXPECT_FALSE(lstat_of(t("dev/sda")));
  ASSERT_TRUE(lstat_of(t("fifo")));
  EXPECT_TRUE(S_ISFIFO(lstat_of(t("fifo"))->st_mode));
}

TEST_F(ExtractTest, DevicesCreatedAsRoot) {
  std::string probe = target_ + "/probe";
  if (::mknod(probe.c_str(), S_IFCHR | 0600, makedev(1, 3)) != 0) {
    GTEST_SKIP() << "mknod not permitted here";
  }
  ::unlink(probe.c_str());
  opts_.rootless = false;
  auto r = extract(TarBuilder().device("dev/null", AE_IFCHR, 1, 3).finish());
  ASSERT_TRUE(r) << r.error().message();
  auto st = lstat_of(t("dev/null"));
  ASSERT_TRUE(st);
  EXPECT_TRUE(S_ISCHR(st->st_mode));
  EXPECT_EQ(st->st_rdev, makedev(1, 3));
  EXPECT_EQ(st->st_mode & 07777, 0600u);
}

TEST_F(ExtractTest, EntryReplacesExistingOfOtherType) {
  auto r = extract(TarBuilder()
                       .file("x/inner", "1")
                       .file("x", "now a file")
                       .file("y", "2")
                       .dir("y")
                       .symlink("z", "/nowhere")
                       .file("z", "3")
                       .finish());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(content("x"), "now a file");
  EXPECT_TRUE(S_ISDIR(lstat_of(t("y"))->st_mode));
  EXPECT_EQ(content("z"), "3");
}

TEST_F(ExtractTest, AReplacedParentIsLookedUpAgain) {
  // The extractor reuses the previous entry's parent directory. A whiteout (vfs form: the
  // directory is deleted) between two entries of one directory must not leave the second entry
  // writing into the deleted one.
  opts_.whiteouts_as_overlay = false;
  auto r = extract(TarBuilder().file("d/a", "1").file(".wh.d", "").file("d/b", "2").finish());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(lstat_of(t("d/a"))) << "whited out";
  EXPECT_EQ(content("d/b"), "2") << "in the directory made again";
  // A parent replaced by a symlink out of the layer, or by a file, is refused.
  opts_.whiteouts_as_overlay = true;
  expect_corrupt(TarBuilder().file("e/a", "1").symlink("e", outside_).file("e/b", "2").finish(), "e/b");
  expect_corrupt(TarBuilder().file("g/a", "1").file("g", "file").file("g/b", "2").finish(), "g/b");
}

TEST_F(ExtractTest, TruncatedIsCorrupt) {
  std::string data = TarBuilder().file("big", std::string(100000, 'z')).finish();
  data.resize(20000);
  auto r = extract(data);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind(), ErrorKind::Corrupt) << r.error().message();
}

TEST_F(ExtractTest, GzipLayerFromFd) {
  std::string data = TarBuilder(ARCHIVE_FILTER_GZIP).file("a/b", "gz").finish();
  ASSERT_EQ(data.substr(0, 2), "\x1f\x8b");
  std::string path = target_ + "/../layer.tar.gz";
  int fd = ::open((sandbox_.path() + "/layer").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(sys::write_all(fd, data));
  ::lseek(fd, 0, SEEK_SET);
  ::unlink((sandbox_.path() + "/layer").c_str());
  auto r = extract_layer(fd, target_, opts_);
  ::close(fd);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(content("a/b"), "gz");
  EXPECT_EQ(r->bytes, 2);
}

TEST_F(ExtractTest, ZstdLayer) {
  std::string data = TarBuilder(ARCHIVE_FILTER_ZSTD).file("z", "zstd").finish();
  ASSERT_EQ(data.substr(0, 4), "\x28\xb5\x2f\xfd");
  auto r = extract(data);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(content("z"), "zstd");
}

}  // namespace
}  // namespace nook::archive

namespace nook::archive {
namespace {

TEST(SplitEntryPath, DropsRootAndDotsAndResolvesParents) {
  std::vector<std::string> comps;
  ASSERT_TRUE(split_entry_path("/./a//b/../c/", comps));
  EXPECT_EQ(comps, (std::vector<std::string>{"a", "c"}));
  ASSERT_TRUE(split_entry_path("./", comps));
  EXPECT_TRUE(comps.empty());
  EXPECT_FALSE(split_entry_path("a/../../etc/passwd", comps));
  EXPECT_FALSE(split_entry_path("../x", comps));
}

}  // namespace
}  // namespace nook::archive
