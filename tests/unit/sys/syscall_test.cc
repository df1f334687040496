#include "lib/sys/syscall.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "lib/sys/file.h"
#include "tests/unit/sys/test_support.h"

namespace nook::sys {
namespace {

using test_support::has_cloexec;
using test_support::is_open;

TEST(PidfdOpen, OwnProcess) {
  auto pidfd = pidfd_open(::getpid());
  if (!pidfd && pidfd.error().kind() == ErrorKind::Unsupported) {
    GTEST_SKIP() << "pidfd_open unsupported: " << pidfd.error().message();
  }
  ASSERT_TRUE(pidfd.has_value()) << pidfd.error().message();
  EXPECT_TRUE(has_cloexec(pidfd->get()));
  // Signal 0 checks that the process can be signalled without sending anything.
  auto sent = pidfd_send_signal(pidfd->get(), 0);
  EXPECT_TRUE(sent.has_value()) << sent.error().message();
}

TEST(PidfdOpen, MissingProcessIsAnError) {
  // Above the largest pid_max (4194304), so never a live process.
  auto pidfd = pidfd_open(4194304 + 17);
  ASSERT_FALSE(pidfd.has_value());
  if (pidfd.error().kind() == ErrorKind::Unsupported) GTEST_SKIP() << "pidfd_open unsupported";
  EXPECT_TRUE(pidfd.error().sys_errno() == ESRCH || pidfd.error().sys_errno() == EINVAL)
      << pidfd.error().message();
  EXPECT_NE(pidfd.error().message().find("pidfd_open"), std::string::npos);
}

TEST(PidfdSendSignal, BadDescriptor) {
  auto sent = pidfd_send_signal(-1, 0);
  ASSERT_FALSE(sent.has_value());
  if (sent.error().kind() == ErrorKind::Unsupported)
    GTEST_SKIP() << "pidfd_send_signal unsupported";
  EXPECT_EQ(sent.error().sys_errno(), EBADF);
}

class Openat2Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = make_temp_dir(::testing::TempDir(), "nook-openat2-");
    ASSERT_TRUE(dir.has_value()) << dir.error().message();
    dir_ = std::move(*dir);
    root_ = dir_.path() + "/root";
    ASSERT_TRUE(make_dirs(root_ + "/etc").has_value());
    ASSERT_TRUE(write_file_atomic(root_ + "/etc/hostname", "inside\n").has_value());
    ASSERT_EQ(::symlink("/etc/hostname", (root_ + "/abs-link").c_str()), 0);
    ASSERT_EQ(::symlink("../../../../../../etc/hostname", (root_ + "/rel-link").c_str()), 0);
    auto fd = open_file(root_, O_RDONLY | O_DIRECTORY);
    ASSERT_TRUE(fd.has_value());
    root_fd_ = std::move(*fd);
    auto probe = openat2(root_fd_.get(), "etc/hostname", O_RDONLY, 0, 0);
    if (!probe && probe.error().kind() == ErrorKind::Unsupported) {
      GTEST_SKIP() << "openat2 unsupported: " << probe.error().message();
    }
  }

  std::string read_in_root(std::string_view path) {
    auto fd = openat2(root_fd_.get(), path, O_RDONLY, 0, RESOLVE_IN_ROOT);
    if (!fd) return "error: " + fd.error().message();
    auto data = read_all(fd->get());
    return data ? *data : "error: " + data.error().message();
  }

  TempPath dir_;
  std::string root_;
  UniqueFd root_fd_;
};

TEST_F(Openat2Test, InRootConfinesSymlinksAndDotDot) {
  EXPECT_EQ(read_in_root("etc/hostname"), "inside\n");
  EXPECT_EQ(read_in_root("abs-link"), "inside\n");  // "/" is the dirfd
  EXPECT_EQ(read_in_root("rel-link"), "inside\n");  // ".." stops at the dirfd
  EXPECT_EQ(read_in_root("/../../etc/hostname"), "inside\n");
}

TEST_F(Openat2Test, BeneathRejectsEscapes) {
  auto fd = openat2(root_fd_.get(), "../root/etc/hostname", O_RDONLY, 0, RESOLVE_BENEATH);
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().sys_errno(), EXDEV);
  EXPECT_NE(fd.error().message().find("openat2 \"../root/etc/hostname\""), std::string::npos)
      << fd.error().message();
}

TEST_F(Openat2Test, NoSymlinks) {
  auto fd = openat2(root_fd_.get(), "abs-link", O_RDONLY, 0, RESOLVE_NO_SYMLINKS);
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().sys_errno(), ELOOP);
}

TEST_F(Openat2Test, CreatesWithModeAndCloexec) {
  mode_t old_umask = ::umask(022);
  auto fd = openat2(root_fd_.get(), "etc/new", O_WRONLY | O_CREAT | O_EXCL, 0640, RESOLVE_IN_ROOT);
  ::umask(old_umask);
  ASSERT_TRUE(fd.has_value()) << fd.error().message();
  EXPECT_TRUE(has_cloexec(fd->get()));
  struct stat st;
  ASSERT_EQ(::fstat(fd->get(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  // A mode without O_CREAT would make the kernel fail with EINVAL; the wrapper drops it.
  auto again = openat2(root_fd_.get(), "etc/new", O_RDONLY, 0640, RESOLVE_IN_ROOT);
  EXPECT_TRUE(again.has_value()) << again.error().message();
}

TEST_F(Openat2Test, MissingFileIsNotFound) {
  auto fd = openat2(root_fd_.get(), "etc/missing", O_RDONLY, 0, RESOLVE_IN_ROOT);
  ASSERT_FALSE(fd.has_value());
  EXPECT_EQ(fd.error().kind(), ErrorKind::NotFound);
}

TEST(CloseRange, ClosesAndMarksCloexec) {
  int a = ::fcntl(0, F_DUPFD, 900);
  int b = ::fcntl(0, F_DUPFD, 905);
  ASSERT_GE(a, 900);
  ASSERT_GE(b, 905);
  auto marked = close_range(900, 910, CLOSE_RANGE_CLOEXEC);
  if (!marked && marked.error().kind() == ErrorKind::Unsupported) {
    ::close(a);
    ::close(b);
    GTEST_SKIP() << "close_range(CLOSE_RANGE_CLOEXEC) unsupported";
  }
  ASSERT_TRUE(marked.has_value()) << marked.error().message();
  EXPECT_TRUE(has_cloexec(a));
  EXPECT_TRUE(has_cloexec(b));
  ASSERT_TRUE(close_range(900, 910, 0).has_value());
  EXPECT_FALSE(is_open(a));
  EXPECT_FALSE(is_open(b));
}

TEST(CloseRange, RejectsInvertedRange) {
  auto closed = close_range(10, 5, 0);
  ASSERT_FALSE(closed.has_value());
  EXPECT_EQ(closed.error().kind(), ErrorKind::InvalidArgument);
}

TEST(CloseRange, RawFormReturnsNegativeErrno) {
  errno = 0;
  EXPECT_EQ(raw::close_range(10, 5, 0), -EINVAL);
  EXPECT_EQ(errno, 0);  // preserved
  EXPECT_EQ(raw::close_range(3000, 3001, 0), 0);
}

}  // namespace
}  // namespace nook::sys
