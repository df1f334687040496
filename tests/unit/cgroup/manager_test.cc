#include "lib/cgroup/manager.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "lib/sys/file.h"

namespace nook::cgroup {
namespace {

bool is_cgroup2(const char* path) {
  struct statfs fs {};
  return ::statfs(path, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

// The real cgroup2 hierarchy when we may create children there: this test bed's controller-less
// /sys/fs/cgroup/unified as root, or a pure v2 /sys/fs/cgroup as root.
std::optional<Hierarchy> writable_v2() {
  if (::geteuid() != 0) return std::nullopt;
  auto probed = probe_hierarchy();
  if (!probed || probed->unified_mount.empty() || !is_cgroup2(probed->unified_mount.c_str())) return std::nullopt;
  if (::access(probed->unified_mount.c_str(), W_OK) != 0) return std::nullopt;
  Hierarchy h = *probed;
  h.layout = Layout::V2;  // the cgroup2 mount alone: the v2 back end
  h.v1_mounts.clear();
  return h;
}

pid_t spawn_sleeper() {
  pid_t pid = ::fork();
  if (pid == 0) {
    for (;;) ::pause();
  }
  return pid;
}

std::string test_path() { return "/nook-unit-test-" + std::to_string(::getpid()); }

TEST(ManagerV2, CreatesJoinsFreezesAndRemovesOnRealCgroup2) {
  auto h = writable_v2();
  if (!h) GTEST_SKIP() << "needs root and a writable cgroup2 mount";
  auto m = Manager::create(*h, test_path(), Resources{});
  ASSERT_TRUE(m) << m.error().message();
  std::string dir = m->dir_of("unified");
  ASSERT_FALSE(dir.empty());
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  // Cgroup files report size 0; their content is still there.
  ASSERT_EQ(::stat((dir + "/cgroup.procs").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 0);

  pid_t pid = spawn_sleeper();
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(m->add_pid(pid));
  auto pids = m->pids();
  ASSERT_TRUE(pids);
  EXPECT_EQ(*pids, std::vector<pid_t>{pid});
  ASSERT_TRUE(m->can_freeze());
  ASSERT_TRUE(m->freeze(true)) << "freeze";
  EXPECT_TRUE(m->frozen());
  auto state = sys::read_file(fmt::format("/proc/{}/status", pid));
  ASSERT_TRUE(state);
  ASSERT_TRUE(m->freeze(false));
  EXPECT_FALSE(m->frozen());
  EXPECT_EQ(m->oom_kills(), 0);

  // destroy() thaws, kills what is left and removes the directory.
  ASSERT_TRUE(m->freeze(true));
  auto destroyed = m->destroy();
  EXPECT_TRUE(destroyed) << destroyed.error().message();
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_NE(::stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(m->destroy());  // twice is fine
}

TEST(ManagerV2, ALimitWithoutItsControllerIsAClearError) {
  auto h = writable_v2();
  if (!h) GTEST_SKIP() << "needs root and a writable cgroup2 mount";
  auto controllers = sys::read_file(h->unified_mount + "/cgroup.controllers");
  if (controllers && controllers->find("memory") != std::string::npos) GTEST_SKIP() << "the memory controller is there";
  Resources r;
  r.memory_limit = 1 << 25;
  auto m = Manager::create(*h, test_path(), r);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().kind(), ErrorKind::Unsupported);
  EXPECT_NE(m.error().message().find("the memory controller is not available"), std::string::npos) << m.error().message();
  struct stat st {};
  EXPECT_NE(::stat((h->unified_mount + test_path()).c_str(), &st), 0) << "nothing is left behind";
}

// The v2 writer on a directory tree shaped like a cgroup2 mount (regular files): the files and
// values written, in order, and subtree_control of the parents. The kernel's own files are
// tested above; this host has no v2 controllers to take real limits.
TEST(ManagerV2, WritesLimitsAndEnablesControllersInAncestors) {
  char tmpl[] = "/tmp/nook-cgroup-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string root = tmpl;
  auto put = [](const std::string& path, const std::string& text) { ASSERT_TRUE(sys::write_file_atomic(path, text, 0644)); };
  put(root + "/cgroup.controllers", "cpuset cpu io memory pids\n");
  put(root + "/cgroup.subtree_control", "");
  ASSERT_EQ(::mkdir((root + "/parent").c_str(), 0755), 0);
  put(root + "/parent/cgroup.controllers", "cpuset cpu io memory pids\n");
  put(root + "/parent/cgroup.subtree_control", "");
  Hierarchy h;
  h.layout = Layout::V2;
  h.unified_mount = root;
  h.own[""] = "/";
  // A real mkdir would bring the interface files; here they are made up front.
  ASSERT_EQ(::mkdir((root + "/parent/c").c_str(), 0755), 0);
  for (const char* f : {"memory.max", "memory.swap.max", "pids.max", "cpu.max", "cpu.weight"}) put(root + "/parent/c/" + f, "");
  Resources r;
  r.memory_limit = 33554432;
  r.memory_swap = 67108864;
  r.pids_limit = 10;
  r.cpu_quota = 150000;
  r.cpu_period = 100000;
  r.cpu_shares = 1024;
  auto m = Manager::create(h, "/parent/c", r);
  ASSERT_TRUE(m) << m.error().message();
  auto read = [](const std::string& path) { return sys::read_file(path).value_or("?"); };
  EXPECT_EQ(read(root + "/parent/c/memory.max"), "33554432");
  EXPECT_EQ(read(root + "/parent/c/memory.swap.max"), "33554432");
  EXPECT_EQ(read(root + "/parent/c/pids.max"), "10");
  EXPECT_EQ(read(root + "/parent/c/cpu.max"), "150000 100000");
  EXPECT_EQ(read(root + "/parent/c/cpu.weight"), "39");
  // Each "+ctrl" was one write(2) to the same (regular) file: the last one remains.
  EXPECT_EQ(read(root + "/parent/cgroup.subtree_control"), "+pids");
  EXPECT_EQ(read(root + "/cgroup.subtree_control"), "+pids");
  // An io limit whose file does not exist (io not enabled) fails and removes the leaf again.
  for (const char* f : {"memory.max", "memory.swap.max", "pids.max", "cpu.max", "cpu.weight"}) ::unlink((root + "/parent/c/" + f).c_str());
  Resources io;
  io.blkio_weight = 100;
  auto failed = Manager::create(h, "/parent/c", io);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message(),
            fmt::format("the io controller is not available in {:?} (cannot set io.weight)", root + "/parent/c"));
  ASSERT_TRUE(sys::remove_all(root));
}

TEST(ManagerV1, ParentsOfACpusetGetCpusAndMems) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto probed = probe_hierarchy();
  if (!probed || probed->layout == Layout::V2 || !probed->v1_mounts.contains("cpuset") || !probed->v1_mounts.contains("memory")) {
    GTEST_SKIP() << "needs v1 cpuset and memory controllers";
  }
  Resources r;
  r.memory_limit = 64 << 20;
  r.pids_limit = 5;
  std::string path = "/nook-unit-parent-" + std::to_string(::getpid()) + "/c";
  auto m = Manager::create(*probed, path, r);
  ASSERT_TRUE(m) << m.error().message();
  std::string cpuset = m->dir_of("cpuset");
  EXPECT_FALSE(sys::read_file(cpuset + "/cpuset.cpus").value_or("").empty());
  EXPECT_EQ(sys::read_file(m->dir_of("memory") + "/memory.limit_in_bytes").value_or(""), "67108864\n");
  if (!m->dir_of("pids").empty()) {
    EXPECT_EQ(sys::read_file(m->dir_of("pids") + "/pids.max").value_or(""), "5\n");
  }
  pid_t pid = spawn_sleeper();
  ASSERT_TRUE(m->add_pid(pid));
  ASSERT_TRUE(m->freeze(true));
  EXPECT_TRUE(m->frozen());
  EXPECT_TRUE(m->destroy());
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  for (const auto& [controller, dir] : m->dirs()) {
    struct stat st {};
    EXPECT_NE(::stat(dir.c_str(), &st), 0) << dir;
    ::rmdir(dir.substr(0, dir.rfind('/')).c_str());  // the parent this test made
  }
}

}  // namespace
}  // namespace nook::cgroup
