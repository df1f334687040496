#include "lib/sys/lock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "lib/sys/file.h"

namespace nook::sys {
namespace {

class LockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = make_temp_dir(::testing::TempDir(), "nook-lock-");
    ASSERT_TRUE(dir.has_value()) << dir.error().message();
    dir_ = std::move(*dir);
    lock_path_ = dir_.path() + "/store.lock";
  }

  // Runs `fn` in a forked child and returns its exit code (fn's return value).
  template <class F>
  int in_child(F fn) {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(fn());
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  TempPath dir_;
  std::string lock_path_;
};

TEST_F(LockTest, CreatesLockFileWithMode0600) {
  auto lock = FileLock::exclusive(lock_path_);
  ASSERT_TRUE(lock.has_value()) << lock.error().message();
  EXPECT_TRUE(lock->locked());
  struct stat st;
  ASSERT_EQ(::stat(lock_path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE((::fcntl(lock->fd(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_F(LockTest, ExclusiveBlocksTryExclusiveOnAnotherOpenFileDescription) {
  auto held = FileLock::exclusive(lock_path_);
  ASSERT_TRUE(held.has_value());
  auto second = FileLock::try_exclusive(lock_path_);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().kind(), ErrorKind::InvalidState);
  EXPECT_EQ(second.error().sys_errno(), EWOULDBLOCK);
  EXPECT_EQ(second.error().message(), "\"" + lock_path_ + "\" is locked by another process");
  EXPECT_FALSE(FileLock::try_shared(lock_path_).has_value());

  held->unlock();
  EXPECT_FALSE(held->locked());
  auto third = FileLock::try_exclusive(lock_path_);
  EXPECT_TRUE(third.has_value());
}

TEST_F(LockTest, SharedLocksCoexistButExcludeWriters) {
  auto a = FileLock::shared(lock_path_);
  auto b = FileLock::try_shared(lock_path_);
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(FileLock::try_exclusive(lock_path_).error().kind(), ErrorKind::InvalidState);
}

TEST_F(LockTest, DestructorReleases) {
  {
    auto held = FileLock::exclusive(lock_path_);
    ASSERT_TRUE(held.has_value());
  }
  EXPECT_TRUE(FileLock::try_exclusive(lock_path_).has_value());
}

TEST_F(LockTest, MoveKeepsTheLock) {
  FileLock outer;
  EXPECT_FALSE(outer.locked());
  {
    auto held = FileLock::exclusive(lock_path_);
    ASSERT_TRUE(held.has_value());
    outer = std::move(*held);
  }
  EXPECT_TRUE(outer.locked());
  EXPECT_FALSE(FileLock::try_exclusive(lock_path_).has_value());
}

TEST_F(LockTest, OtherProcessSeesTheLock) {
  auto held = FileLock::exclusive(lock_path_);
  ASSERT_TRUE(held.has_value());
  std::string path = lock_path_;
  int code = in_child([&] {
    auto attempt = FileLock::try_exclusive(path);
    if (attempt) return 0;
    return attempt.error().kind() == ErrorKind::InvalidState ? 1 : 2;
  });
  EXPECT_EQ(code, 1);  // would block
  held->unlock();
  code = in_child([&] { return FileLock::try_exclusive(path).has_value() ? 0 : 1; });
  EXPECT_EQ(code, 0);
}

TEST_F(LockTest, BlockingExclusiveWaitsForRelease) {
  auto held = FileLock::exclusive(lock_path_);
  ASSERT_TRUE(held.has_value());
  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  std::string path = lock_path_;
  int held_fd = held->fd();
  pid_t pid = ::fork();
  if (pid == 0) {
    // The inherited descriptor shares the parent's open file description and so its lock: keep
    // it and the child would wait for itself.
    ::close(held_fd);
    ::close(ready[0]);
    (void)::write(ready[1], "r", 1);
    auto lock = FileLock::exclusive(path);  // blocks until the parent unlocks
    ::_exit(lock.has_value() ? 0 : 1);
  }
  ::close(ready[1]);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ::usleep(100 * 1000);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), 0) << "the child got the lock while we held it";
  held->unlock();
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST_F(LockTest, MissingDirectoryIsNotFound) {
  auto lock = FileLock::exclusive(dir_.path() + "/no/such/dir.lock");
  ASSERT_FALSE(lock.has_value());
  EXPECT_EQ(lock.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(lock.error().message().rfind("locking: open ", 0), 0u) << lock.error().message();
}

}  // namespace
}  // namespace nook::sys
