#include "lib/host/host.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace nook::host {
namespace {

TEST(ProcCgroup, ParsesV1AndV2Lines) {
  auto entries = parse_proc_cgroup("9:name=systemd:/\n8:pids:/user.slice\n4:cpu,cpuacct:/\n0::/user.slice/u.scope\n");
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[1].hierarchy, 8);
  EXPECT_EQ(entries[1].controllers, std::vector<std::string>{"pids"});
  EXPECT_EQ(entries[1].path, "/user.slice");
  EXPECT_EQ(entries[2].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_TRUE(entries[3].controllers.empty());
  EXPECT_EQ(entries[3].path, "/user.slice/u.scope");
}

TEST(Cgroups, HybridHostReportsV1AndCgroupfsWithoutSystemd) {
  CgroupFacts facts;
  facts.unified_is_cgroup2 = true;
  facts.proc_self_cgroup = "9:name=systemd:/\n8:pids:/\n5:memory:/\n2:cpu,cpuacct:/\n0::/\n";
  facts.rootless = true;
  CgroupInfo info = decide_cgroups(facts);
  EXPECT_EQ(info.layout, CgroupLayout::Hybrid);
  EXPECT_EQ(info.version, "v1");
  EXPECT_EQ(info.controllers, (std::vector<std::string>{"cpu", "cpuacct", "memory", "pids"}));
  EXPECT_EQ(info.manager, "cgroupfs");
  EXPECT_NE(info.manager_reason.find("systemd is not running"), std::string::npos);
}

TEST(Cgroups, UnifiedHostWithUserSystemd) {
  CgroupFacts facts;
  facts.root_is_cgroup2 = true;
  facts.v2_controllers = "cpu memory pids\n";
  facts.systemd_running = true;
  facts.rootless = true;
  facts.user_bus = true;
  CgroupInfo info = decide_cgroups(facts);
  EXPECT_EQ(info.layout, CgroupLayout::V2);
  EXPECT_EQ(info.version, "v2");
  EXPECT_EQ(info.controllers, (std::vector<std::string>{"cpu", "memory", "pids"}));
  EXPECT_EQ(info.manager, "systemd");
  facts.user_bus = false;
  EXPECT_EQ(decide_cgroups(facts).manager, "cgroupfs");
  facts.rootless = false;
  EXPECT_EQ(decide_cgroups(facts).manager, "systemd");
}

TEST(Cgroups, ProbeOnThisHostIsConsistent) {
  CgroupFacts facts = probe_cgroup_facts(true, "", "");
  EXPECT_FALSE(facts.proc_self_cgroup.empty()) << "/proc/self/cgroup reads as size 0 but has content";
  CgroupInfo info = decide_cgroups(facts);
  EXPECT_TRUE(info.version == "v1" || info.version == "v2");
}

}  // namespace
}  // namespace nook::host
