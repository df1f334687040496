#include "lib/runtime/copyup.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "lib/sys/fd.h"
#include "lib/sys/file.h"

namespace nook::runtime {
namespace {

class CopyTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = sys::make_temp_dir("/tmp", "nook-copyup-test-");
    ASSERT_TRUE(tmp) << tmp.error().message();
    tmp_ = std::move(*tmp);
    src_ = tmp_.path() + "/src";
    dst_ = tmp_.path() + "/dst";
    ASSERT_TRUE(sys::make_dirs(src_, 0755));
    ASSERT_TRUE(sys::make_dirs(dst_, 0700));
  }

  int copy() {
    auto src = sys::open_file(src_, O_RDONLY | O_DIRECTORY);
    auto dst = sys::open_file(dst_, O_RDONLY | O_DIRECTORY);
    EXPECT_TRUE(src && dst);
    return copy_tree(src->get(), dst->get());
  }

  struct stat lstat_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path << ": " << std::strerror(errno);
    return st;
  }

  sys::TempPath tmp_;
  std::string src_, dst_;
};

TEST_F(CopyTreeTest, FilesDirectoriesLinksAndFifosWithTheirModesAndTimes) {
  ASSERT_TRUE(sys::make_dirs(src_ + "/a/b/c", 0755));
  ASSERT_TRUE(sys::write_file_atomic(src_ + "/a/b/c/file", "deep\n", 0640, sys::Durability::AtomicOnly));
  ASSERT_TRUE(sys::write_file_atomic(src_ + "/top", "top\n", 04755, sys::Durability::AtomicOnly));
  std::string big(200000, 'x');
  ASSERT_TRUE(sys::write_file_atomic(src_ + "/big", big, 0600, sys::Durability::AtomicOnly));
  ASSERT_EQ(::chmod((src_ + "/a/b").c_str(), 01777), 0);
  ASSERT_EQ(::symlink("a/b/c/file", (src_ + "/link").c_str()), 0);
  ASSERT_EQ(::symlink("/nowhere", (src_ + "/dangling").c_str()), 0);
  ASSERT_EQ(::mkfifo((src_ + "/fifo").c_str(), 0620), 0);
  const struct timespec old_times[2] = {{1000000, 0}, {1000000, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (src_ + "/top").c_str(), old_times, 0), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, (src_ + "/a").c_str(), old_times, 0), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, (src_ + "/link").c_str(), old_times, AT_SYMLINK_NOFOLLOW), 0);

  ASSERT_EQ(copy(), 0);
  EXPECT_EQ(*sys::read_file(dst_ + "/a/b/c/file"), "deep\n");
  EXPECT_EQ(*sys::read_file(dst_ + "/top"), "top\n");
  EXPECT_EQ(*sys::read_file(dst_ + "/big"), big);
  EXPECT_EQ(lstat_of(dst_ + "/a/b/c/file").st_mode & 07777, 0640u);
  EXPECT_EQ(lstat_of(dst_ + "/top").st_mode & 07777, 04755u) << "setuid kept";
  EXPECT_EQ(lstat_of(dst_ + "/a/b").st_mode & 07777, 01777u) << "sticky directory";
  EXPECT_EQ(lstat_of(dst_ + "/top").st_mtim.tv_sec, 1000000);
  EXPECT_EQ(lstat_of(dst_ + "/a").st_mtim.tv_sec, 1000000) << "a directory's time is set after its entries";
  EXPECT_TRUE(S_ISLNK(lstat_of(dst_ + "/link").st_mode));
  EXPECT_EQ(lstat_of(dst_ + "/link").st_mtim.tv_sec, 1000000) << "the link's own time";
  EXPECT_EQ(*sys::read_file(dst_ + "/link"), "deep\n");
  char target[64] = {};
  ASSERT_GT(::readlink((dst_ + "/dangling").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "/nowhere");
  EXPECT_TRUE(S_ISFIFO(lstat_of(dst_ + "/fifo").st_mode));
  EXPECT_EQ(lstat_of(dst_).st_mode & 07777, 0700u) << "the destination keeps its own mode";
  EXPECT_EQ(lstat_of(dst_ + "/top").st_uid, lstat_of(src_ + "/top").st_uid);
}

TEST_F(CopyTreeTest, AnEmptySourceCopiesNothingAndAClashIsAnError) {
  ASSERT_EQ(copy(), 0);
  ASSERT_TRUE(sys::write_file_atomic(src_ + "/f", "1", 0644, sys::Durability::AtomicOnly));
  ASSERT_TRUE(sys::write_file_atomic(dst_ + "/f", "2", 0644, sys::Durability::AtomicOnly));
  EXPECT_EQ(copy(), -EEXIST);
}

}  // namespace
}  // namespace nook::runtime
