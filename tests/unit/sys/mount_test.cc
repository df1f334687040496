#include "lib/sys/mount.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <string>

#include "lib/sys/file.h"
#include "tests/unit/sys/test_support.h"

namespace nook::sys {
namespace {

// The body of a test that runs in a forked child: returns "" on success, else what failed.
using NsBody = std::function<std::string()>;

#define NS_CHECK(cond)                                                             \
  do {                                                                             \
    if (!(cond)) return fmt::format("line {}: check failed: {}", __LINE__, #cond); \
  } while (0)
#define NS_CHECK_OK(expr)                                           \
  do {                                                              \
    auto&& ns_check_result_ = (expr);                               \
    if (!ns_check_result_) {                                        \
      return fmt::format("line {}: {} failed: {}", __LINE__, #expr, \
                         ns_check_result_.error().message());       \
    }                                                               \
  } while (0)

bool write_proc(const char* path, const std::string& value) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
  ::close(fd);
  return ok;
}

dev_t dev_of(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_dev;
}

using test_support::exists;

// Runs `body` in a forked child inside a new, private mount namespace: unshare(CLONE_NEWNS) when
// we may (root), else CLONE_NEWUSER | CLONE_NEWNS with ourselves mapped to root. Skips the test
// when neither is allowed.
class MountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = make_temp_dir(::testing::TempDir(), "nook-mount-");
    ASSERT_TRUE(dir.has_value()) << dir.error().message();
    dir_ = std::move(*dir);
  }
  std::string path(std::string_view name) const { return dir_.path() + "/" + std::string(name); }

  void run_in_namespace(const NsBody& body) {
    int report[2];
    ASSERT_EQ(::pipe2(report, O_CLOEXEC), 0);
    uid_t uid = ::geteuid();
    gid_t gid = ::getegid();
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(report[0]);
      auto finish = [&](int code, const std::string& message) {
        (void)!::write(report[1], message.data(), message.size());
        ::_exit(code);
      };
      if (::unshare(CLONE_NEWNS) < 0) {
        int first = errno;
        if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
          finish(77, fmt::format("cannot create a mount namespace: unshare(CLONE_NEWNS): {}; "
                                 "unshare(CLONE_NEWUSER|CLONE_NEWNS): {}",
                                 std::strerror(first), std::strerror(errno)));
        }
        if (!write_proc("/proc/self/uid_map", fmt::format("0 {} 1\n", uid)) ||
            !write_proc("/proc/self/setgroups", "deny") ||
            !write_proc("/proc/self/gid_map", fmt::format("0 {} 1\n", gid))) {
          finish(77, fmt::format("cannot write the user namespace maps: {}", std::strerror(errno)));
        }
      }
      // Nothing we mount may propagate back to the host.
      if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) {
        finish(77, fmt::format("cannot make / private: {}", std::strerror(errno)));
      }
      std::string failure = body();
      finish(failure.empty() ? 0 : 1, failure);
    }
    ::close(report[1]);
    std::string message;
    char buf[512];
    for (ssize_t n; (n = ::read(report[0], buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      message.append(buf, static_cast<size_t>(n));
    }
    ::close(report[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status);
    if (WEXITSTATUS(status) == 77) GTEST_SKIP() << message;
    EXPECT_EQ(WEXITSTATUS(status), 0) << message;
  }

  TempPath dir_;
};

TEST_F(MountTest, TmpfsIsDetachedOnDestruction) {
  std::string mnt = path("mnt");
  ASSERT_TRUE(make_dirs(mnt).has_value());
  run_in_namespace([&]() -> std::string {
    dev_t before = dev_of(mnt);
    {
      auto mounted = mount_fs("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755");
      NS_CHECK_OK(mounted);
      NS_CHECK(mounted->target() == mnt);
      NS_CHECK(static_cast<bool>(*mounted));
      NS_CHECK(dev_of(mnt) != before);
      NS_CHECK_OK(write_file_atomic(mnt + "/inside", "x"));
      NS_CHECK(exists(mnt + "/inside"));
    }
    NS_CHECK(dev_of(mnt) == before);
    NS_CHECK(!exists(mnt + "/inside"));
    return "";
  });
}

TEST_F(MountTest, ReleaseKeepsTheMount) {
  std::string mnt = path("mnt");
  ASSERT_TRUE(make_dirs(mnt).has_value());
  run_in_namespace([&]() -> std::string {
    dev_t before = dev_of(mnt);
    std::string released;
    {
      auto mounted = mount_fs("tmpfs", mnt, "tmpfs", 0, "");
      NS_CHECK_OK(mounted);
      released = mounted->release();
      NS_CHECK(!*mounted);
    }
    NS_CHECK(released == mnt);
    NS_CHECK(dev_of(mnt) != before);
    NS_CHECK(::umount2(mnt.c_str(), 0) == 0);
    return "";
  });
}

TEST_F(MountTest, ExplicitUnmountAndMoves) {
  std::string mnt = path("mnt");
  ASSERT_TRUE(make_dirs(mnt).has_value());
  run_in_namespace([&]() -> std::string {
    dev_t before = dev_of(mnt);
    auto mounted = mount_fs("tmpfs", mnt, "tmpfs", 0, "");
    NS_CHECK_OK(mounted);
    ScopedMount owner = std::move(*mounted);
    NS_CHECK(!*mounted);
    NS_CHECK(owner.target() == mnt);
    NS_CHECK_OK(owner.unmount(0));
    NS_CHECK(dev_of(mnt) == before);
    NS_CHECK(owner.target().empty());
    NS_CHECK_OK(owner.unmount());  // empty: nothing to do

    // Unmounting something that is no longer mounted is reported.
    ScopedMount stale(mnt);
    auto again = stale.unmount();
    NS_CHECK(!again);
    NS_CHECK(again.error().sys_errno() == EINVAL);
    return "";
  });
}

TEST_F(MountTest, BindMount) {
  std::string src = path("src");
  std::string dst = path("dst");
  ASSERT_TRUE(make_dirs(src).has_value());
  ASSERT_TRUE(make_dirs(dst).has_value());
  ASSERT_TRUE(write_file_atomic(src + "/file", "bound").has_value());
  run_in_namespace([&]() -> std::string {
    {
      auto bound = mount_fs(src, dst, "", MS_BIND, "");
      NS_CHECK_OK(bound);
      auto content = read_file(dst + "/file");
      NS_CHECK_OK(content);
      NS_CHECK(*content == "bound");
    }
    NS_CHECK(!exists(dst + "/file"));
    return "";
  });
}

TEST_F(MountTest, FlagOnlyChangesOwnNothing) {
  std::string mnt = path("mnt");
  ASSERT_TRUE(make_dirs(mnt).has_value());
  run_in_namespace([&]() -> std::string {
    auto mounted = mount_fs("tmpfs", mnt, "tmpfs", 0, "");
    NS_CHECK_OK(mounted);
    auto propagation = mount_fs("", mnt, "", MS_PRIVATE, "");
    NS_CHECK_OK(propagation);
    NS_CHECK(!*propagation);
    auto remount = mount_fs("", mnt, "", MS_REMOUNT | MS_RDONLY, "");
    NS_CHECK_OK(remount);
    NS_CHECK(!*remount);
    NS_CHECK(!write_file_atomic(mnt + "/x", "x"));  // read-only now
    return "";
  });
}

TEST_F(MountTest, Errors) {
  std::string mnt = path("mnt");
  ASSERT_TRUE(make_dirs(mnt).has_value());
  run_in_namespace([&]() -> std::string {
    auto missing = mount_fs("tmpfs", mnt + "/missing", "tmpfs", 0, "");
    NS_CHECK(!missing);
    NS_CHECK(missing.error().kind() == ErrorKind::NotFound);
    NS_CHECK(missing.error().message().find("mount tmpfs on \"" + mnt + "/missing\"") == 0);
    auto bad_type = mount_fs("none", mnt, "nook-no-such-fs", 0, "");
    NS_CHECK(!bad_type);
    NS_CHECK(bad_type.error().sys_errno() == ENODEV);
    return "";
  });
}

// remove_all must not descend into mounts inside the tree: a bind mount of a directory on the
// same file system (same st_dev) is the dangerous case.
TEST_F(MountTest, RemoveAllRefusesMountPoints) {
  std::string outside = path("outside");
  std::string tree = path("tree");
  ASSERT_TRUE(make_dirs(outside).has_value());
  ASSERT_TRUE(write_file_atomic(outside + "/precious", "p").has_value());
  ASSERT_TRUE(make_dirs(tree + "/a/bind").has_value());
  ASSERT_TRUE(make_dirs(tree + "/tmp").has_value());
  run_in_namespace([&]() -> std::string {
    {
      auto bound = mount_fs(outside, tree + "/a/bind", "", MS_BIND, "");
      NS_CHECK_OK(bound);
      auto removed = remove_all(tree);
      NS_CHECK(!removed);
      NS_CHECK(removed.error().sys_errno() == EBUSY);
      NS_CHECK(removed.error().message().find("(a mount point)") != std::string::npos);
      NS_CHECK(exists(outside + "/precious"));
      auto direct = remove_all(tree + "/a/bind");
      NS_CHECK(!direct);
      NS_CHECK(exists(outside + "/precious"));
    }
    {
      NS_CHECK_OK(make_dirs(tree + "/tmp"));  // the refused walk may have removed it
      auto tmp = mount_fs("tmpfs", tree + "/tmp", "tmpfs", 0, "");
      NS_CHECK_OK(tmp);
      NS_CHECK_OK(write_file_atomic(tree + "/tmp/inside", "x"));
      NS_CHECK(!remove_all(tree));
      NS_CHECK(exists(tree + "/tmp/inside"));
    }
    NS_CHECK_OK(remove_all(tree));  // no mounts left: fine
    NS_CHECK(!exists(tree));
    NS_CHECK(exists(outside + "/precious"));
    return "";
  });
}

}  // namespace
}  // namespace nook::sys
