#include "lib/runtime/mounts.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/sys/file.h"

namespace nook::runtime {
namespace {

TEST(ParseMount, FlagsDataAndPropagation) {
  auto step = parse_mount({"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", "rprivate"}}, "/b");
  ASSERT_TRUE(step.has_value()) << step.error().message();
  EXPECT_FALSE(step->bind);
  EXPECT_EQ(step->fstype, "tmpfs");
  EXPECT_EQ(step->source, "shm");
  EXPECT_EQ(step->flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC | MS_NODEV));
  EXPECT_EQ(step->data, "mode=1777,size=65536k");
  EXPECT_EQ(step->propagation, static_cast<unsigned long>(MS_PRIVATE | MS_REC));
}

TEST(ParseMount, Binds) {
  auto step = parse_mount({"/data/", "bind", "/srv/data", {"rbind", "ro", "z"}}, "/b");
  ASSERT_TRUE(step.has_value());
  EXPECT_TRUE(step->bind);
  EXPECT_TRUE(step->recursive);
  EXPECT_EQ(step->destination, "/data");
  EXPECT_EQ(step->flags, static_cast<unsigned long>(MS_RDONLY));
  EXPECT_TRUE(step->data.empty());
  EXPECT_TRUE(step->fstype.empty());

  // No type but a "bind" option (runc's specs), and a source relative to the bundle.
  step = parse_mount({"/etc/hosts", "", "hosts", {"bind", "rw", "nosuid"}}, "/b");
  ASSERT_TRUE(step.has_value());
  EXPECT_TRUE(step->bind);
  EXPECT_FALSE(step->recursive);
  EXPECT_EQ(step->source, "/b/hosts");
  EXPECT_EQ(step->flags, static_cast<unsigned long>(MS_NOSUID));
  EXPECT_EQ(step->clear_flags, static_cast<unsigned long>(MS_RDONLY));
}

TEST(ParseMount, TmpcopyupIsForTmpfsOnly) {
  auto step = parse_mount({"/tmp", "tmpfs", "tmpfs", {"rw", "tmpcopyup", "mode=1777"}}, "/b");
  ASSERT_TRUE(step.has_value());
  EXPECT_TRUE(step->copy_up);
  EXPECT_EQ(step->data, "mode=1777") << "not passed to the kernel";
  step = parse_mount({"/tmp", "tmpfs", "tmpfs", {"notmpcopyup"}}, "/b");
  ASSERT_TRUE(step.has_value());
  EXPECT_FALSE(step->copy_up);
  EXPECT_TRUE(step->data.empty());
  step = parse_mount({"/data", "bind", "/srv", {"rbind", "tmpcopyup"}}, "/b");
  ASSERT_TRUE(step.has_value());
  EXPECT_FALSE(step->copy_up);
}

TEST(ParseMount, Errors) {
  EXPECT_FALSE(parse_mount({"relative", "tmpfs", "tmpfs", {}}, "/b").has_value());
  EXPECT_FALSE(parse_mount({"/x", "", "", {}}, "/b").has_value());
  EXPECT_FALSE(parse_mount({"/x", "bind", "", {"bind"}}, "/b").has_value());
}

TEST(OpenInRoot, CreatesAndStaysInside) {
  auto dir = sys::make_temp_dir("/tmp", "nook-mounts-test-");
  ASSERT_TRUE(dir.has_value());
  std::string root = dir->path();
  // A symlink pointing outside is resolved inside the root.
  ASSERT_EQ(::mkdir((root + "/etc").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("/etc", (root + "/escape").c_str()), 0);
  int rootfd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(rootfd, 0);
  int fd = open_in_root(rootfd, "/a/b/c", Create::Directory);
  ASSERT_GE(fd, 0) << -fd;
  ::close(fd);
  EXPECT_TRUE(sys::path_exists(root + "/a/b/c").value_or(false));
  fd = open_in_root(rootfd, "/escape/passwd-x", Create::File);
  ASSERT_GE(fd, 0) << -fd;
  ::close(fd);
  EXPECT_TRUE(sys::path_exists(root + "/etc/passwd-x").value_or(false));
  EXPECT_FALSE(sys::path_exists("/etc/passwd-x").value_or(true));
  EXPECT_EQ(open_in_root(rootfd, "/missing", Create::Nothing), -ENOENT);
  ::close(rootfd);
}

TEST(LockedMountFlags, MatchTheMountTable) {
  int fd = ::open("/proc", O_PATH | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  unsigned long flags = locked_mount_flags(fd);
  ::close(fd);
  auto mounts = sys::read_file("/proc/self/mounts");
  ASSERT_TRUE(mounts.has_value());
  size_t at = mounts->find(" /proc proc ");
  ASSERT_NE(at, std::string::npos);
  std::string options = mounts->substr(at + 12, mounts->find(' ', at + 12) - (at + 12));
  auto has = [&](const std::string& option) { return ("," + options + ",").find("," + option + ",") != std::string::npos; };
  EXPECT_EQ((flags & MS_NOSUID) != 0, has("nosuid")) << options;
  EXPECT_EQ((flags & MS_NODEV) != 0, has("nodev")) << options;
  EXPECT_EQ((flags & MS_NOEXEC) != 0, has("noexec")) << options;
  EXPECT_EQ((flags & MS_RDONLY) != 0, has("ro")) << options;
  EXPECT_EQ((flags & MS_RELATIME) != 0, has("relatime")) << options;
}

}  // namespace
}  // namespace nook::runtime
