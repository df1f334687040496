// The runtime end to end in-process: needs root (or CAP_SYS_ADMIN) and /bin/busybox (Debian's
// busybox-static); skipped otherwise. The rootless path is covered by tests/e2e/080-oci-runtime.bats.
#include "lib/runtime/runtime.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "lib/sys/fd.h"
#include "lib/sys/file.h"

namespace nook::runtime {
namespace {

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (::access("/bin/busybox", X_OK) != 0) GTEST_SKIP() << "needs /bin/busybox (busybox-static)";
    auto dir = sys::make_temp_dir("/tmp", "nook-runtime-test-");
    ASSERT_TRUE(dir.has_value());
    dir_ = std::move(*dir);
    bundle_ = dir_.path() + "/bundle";
    state_root_ = dir_.path() + "/state";
    std::string rootfs = bundle_ + "/rootfs";
    for (const char* sub : {"/bin", "/proc", "/dev", "/tmp", "/etc"}) ASSERT_TRUE(sys::make_dirs(rootfs + sub).has_value());
    auto busybox = sys::read_file("/bin/busybox");
    ASSERT_TRUE(busybox.has_value());
    ASSERT_TRUE(sys::write_file_atomic(rootfs + "/bin/busybox", *busybox, 0755).has_value());
    for (const char* applet : {"sh", "cat", "hostname", "sleep", "ls", "true"}) {
      ASSERT_EQ(::symlink("busybox", (rootfs + "/bin/" + applet).c_str()), 0);
    }
  }

  void write_spec(const std::vector<std::string>& args) {
    oci::Spec spec;
    spec.process.args = args;
    spec.process.env = {"PATH=/bin"};
    spec.process.capabilities = oci::Capabilities{.bounding = {"CAP_KILL"}, .effective = {"CAP_KILL"}, .permitted = {"CAP_KILL"}};
    spec.process.no_new_privileges = true;
    spec.hostname = "unit";
    spec.mounts = {{"/proc", "proc", "proc", {}}, {"/dev", "tmpfs", "tmpfs", {"mode=755"}}};
    spec.linux_.namespaces = {{"pid", ""}, {"mount", ""}, {"uts", ""}, {"ipc", ""}};
    ASSERT_TRUE(sys::write_file_atomic(bundle_ + "/config.json", oci::to_json(spec).dump()).has_value());
  }

  CreateOptions options(const std::string& id, int out) {
    CreateOptions o;
    o.id = id;
    o.bundle = bundle_;
    o.state_root = state_root_;
    o.stdio.out = out;
    return o;
  }

  sys::TempPath dir_;
  std::string bundle_;
  std::string state_root_;
};

TEST_F(RuntimeTest, RunCapturesOutputAndExitCode) {
  write_spec({"sh", "-c", "hostname; echo $$; ls /proc/self/fd >/tmp/fds; cat /tmp/fds; exit 3"});
  auto pipe = sys::Pipe::create();
  ASSERT_TRUE(pipe.has_value());
  auto child = create(options("run1", pipe->write.get()));
  ASSERT_TRUE(child.has_value()) << child.error().message();
  pipe->write.reset();
  auto status = child->wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->shell_code(), 3);
  auto out = sys::read_all(pipe->read.get());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, "unit\n1\n0\n1\n2\n3\n");  // ls's own directory fd is 3
  ASSERT_TRUE(remove(state_root_, "run1", false).has_value());
}

TEST_F(RuntimeTest, CommandNotFoundLeavesNothing) {
  write_spec({"no-such-program"});
  auto child = create(options("run2", -1));
  ASSERT_FALSE(child.has_value());
  EXPECT_EQ(child.error().kind(), ErrorKind::CommandNotFound);
  EXPECT_EQ(child.error().message(), "executable file `no-such-program` not found in $PATH: No such file or directory");
  EXPECT_FALSE(sys::path_exists(state_root_ + "/run2").value_or(true));
}

TEST_F(RuntimeTest, CreateStartStateKillRemoveAndExec) {
  write_spec({"sleep", "100"});
  CreateOptions o = options("c1", -1);
  o.wait_for_start = true;
  auto child = create(o);
  ASSERT_TRUE(child.has_value()) << child.error().message();
  auto st = state(state_root_, "c1");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ((*st)["status"], "created");
  EXPECT_EQ((*st)["pid"], child->pid());
  EXPECT_EQ(create(o).error().kind(), ErrorKind::Exists);
  ASSERT_TRUE(start(state_root_, "c1").has_value());
  EXPECT_EQ((*state(state_root_, "c1"))["status"], "running");
  EXPECT_EQ(start(state_root_, "c1").error().kind(), ErrorKind::InvalidState);
  EXPECT_EQ(remove(state_root_, "c1", false).error().kind(), ErrorKind::InvalidState);

  // exec joins the container: its hostname, its pid namespace.
  ExecOptions e;
  e.container_pid = child->pid();
  e.process.args = {"sh", "-c", "hostname; cat /proc/1/cmdline; echo"};
  e.process.env = {"PATH=/bin"};
  auto pipe = sys::Pipe::create();
  ASSERT_TRUE(pipe.has_value());
  e.stdio.out = pipe->write.get();
  auto execed = exec(e);
  ASSERT_TRUE(execed.has_value()) << execed.error().message();
  pipe->write.reset();
  auto exec_status = execed->wait();
  ASSERT_TRUE(exec_status.has_value());
  EXPECT_EQ(exec_status->shell_code(), 0);
  auto out = sys::read_all(pipe->read.get());
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, std::string("unit\nsleep") + '\0' + "100" + '\0' + "\n");
  e.process.args = {"missing"};
  EXPECT_EQ(exec(e).error().kind(), ErrorKind::CommandNotFound);

  ASSERT_TRUE(kill(state_root_, "c1", SIGKILL).has_value());
  auto status = child->wait();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->shell_code(), 137);
  EXPECT_EQ((*state(state_root_, "c1"))["status"], "stopped");
  EXPECT_EQ(kill(state_root_, "c1", SIGKILL).error().kind(), ErrorKind::InvalidState);
  ASSERT_TRUE(remove(state_root_, "c1", false).has_value());
  EXPECT_EQ(state(state_root_, "c1").error().kind(), ErrorKind::NotFound);
}

}  // namespace
}  // namespace nook::runtime
