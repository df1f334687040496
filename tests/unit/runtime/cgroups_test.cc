#include "lib/runtime/cgroups.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "lib/sys/file.h"

namespace nook::runtime {
namespace {

TEST(RuntimeCgroups, NoPathNoCgroup) {
  oci::Spec spec;
  auto cg = create_container_cgroup(spec);
  ASSERT_TRUE(cg);
  EXPECT_FALSE(cg->has_value());
  EXPECT_FALSE(recorded_cgroup("/nonexistent", "x"));
  EXPECT_FALSE(oom_killed("/nonexistent", "x"));
  EXPECT_TRUE(remove_recorded_cgroup("/nonexistent", "x"));
  EXPECT_FALSE(bundle_cgroup("/nonexistent"));
}

TEST(RuntimeCgroups, MistypedLimitsAreRefusedEvenWithoutACgroup) {
  oci::Spec spec;
  spec.linux_.resources = oci::Resources{};
  spec.linux_.resources->raw["memory"]["limit"] = "lots";
  auto cg = create_container_cgroup(spec);
  ASSERT_FALSE(cg);
  EXPECT_EQ(cg.error().message(), "linux.resources.memory.limit: expected an integer");
}

TEST(RuntimeCgroups, CreateEnterLeaveRecordAndRemove) {
  if (::geteuid() != 0 || ::access("/sys/fs/cgroup", W_OK) != 0) GTEST_SKIP() << "needs root";
  oci::Spec spec;
  spec.linux_.cgroups_path = "/nook-runtime-unit-" + std::to_string(::getpid());
  spec.linux_.resources = oci::Resources{};
  spec.linux_.resources->raw["pids"]["limit"] = 50;
  auto cg = create_container_cgroup(spec);
  ASSERT_TRUE(cg) << cg.error().message();
  ASSERT_TRUE(cg->has_value());
  ContainerCgroup& c = **cg;
  if (std::string pids = c.manager.dir_of("pids"); !pids.empty()) {
    EXPECT_EQ(sys::read_file(pids + "/pids.max").value_or(""), "50\n");
  }
  ASSERT_TRUE(enter_container_cgroup(c));
  auto self = sys::read_file("/proc/self/cgroup");
  ASSERT_TRUE(self);
  EXPECT_NE(self->find(spec.linux_.cgroups_path), std::string::npos) << *self;
  leave_container_cgroup(c);
  self = sys::read_file("/proc/self/cgroup");
  EXPECT_EQ(self->find(spec.linux_.cgroups_path), std::string::npos) << *self;

  char tmpl[] = "/tmp/nook-rt-cgroup-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string root = tmpl;
  ASSERT_TRUE(sys::make_dirs(root + "/ctr"));
  ASSERT_TRUE(record_container_cgroup(root + "/ctr", spec.linux_.cgroups_path));
  auto recorded = recorded_cgroup(root, "ctr");
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded->dirs(), c.manager.dirs());
  EXPECT_FALSE(oom_killed(root, "ctr"));
  ASSERT_TRUE(remove_recorded_cgroup(root, "ctr"));
  for (const auto& [controller, dir] : c.manager.dirs()) EXPECT_NE(::access(dir.c_str(), F_OK), 0) << dir;
  EXPECT_FALSE(recorded_cgroup(root, "ctr"));
  ASSERT_TRUE(sys::remove_all(root));
}

}  // namespace
}  // namespace nook::runtime
