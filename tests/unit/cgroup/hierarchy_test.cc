#include "lib/cgroup/hierarchy.h"

#include <gtest/gtest.h>

namespace nook::cgroup {
namespace {

// This test bed's layout: v1 controllers, each mounted alone, and a controller-less cgroup2.
constexpr const char* kHybridMountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
constexpr const char* kHybridCgroup =
    "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n4:memory:/process_api/abc\n3:cpuset:/\n"
    "2:cpuacct:/\n1:cpu:/\n0::/\n";

TEST(Hierarchy, ParsesThisHybridHost) {
  Hierarchy h = parse_hierarchy(kHybridMountinfo, kHybridCgroup);
  EXPECT_EQ(h.layout, Layout::Hybrid);
  EXPECT_EQ(h.unified_mount, "/sys/fs/cgroup/unified");
  EXPECT_EQ(h.v1_mounts.at("memory"), "/sys/fs/cgroup/memory");
  EXPECT_EQ(h.v1_mounts.at("name=systemd"), "/sys/fs/cgroup/systemd");
  EXPECT_EQ(h.own.at("memory"), "/process_api/abc");
  EXPECT_EQ(h.own.at(""), "/");
  auto dirs = container_dirs(h, "/nook_parent/nook-1");
  std::vector<std::pair<std::string, std::string>> want = {
      {"cpuset", "/sys/fs/cgroup/cpuset/nook_parent/nook-1"}, {"memory", "/sys/fs/cgroup/memory/nook_parent/nook-1"},
      {"pids", "/sys/fs/cgroup/pids/nook_parent/nook-1"},     {"cpu", "/sys/fs/cgroup/cpu/nook_parent/nook-1"},
      {"cpuacct", "/sys/fs/cgroup/cpuacct/nook_parent/nook-1"}, {"blkio", "/sys/fs/cgroup/blkio/nook_parent/nook-1"},
      {"freezer", "/sys/fs/cgroup/freezer/nook_parent/nook-1"}, {"unified", "/sys/fs/cgroup/unified/nook_parent/nook-1"}};
  EXPECT_EQ(dirs, want);
  // A relative path is below our own cgroup of each hierarchy.
  auto relative = container_dirs(h, "x");
  EXPECT_EQ(relative[1], (std::pair<std::string, std::string>{"memory", "/sys/fs/cgroup/memory/process_api/abc/x"}));
  EXPECT_TRUE(container_dirs(h, "").empty());
}

TEST(Hierarchy, CoMountedControllersShareADirectory) {
  Hierarchy h = parse_hierarchy(
      "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
      "31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
      "3:cpu,cpuacct:/\n2:memory:/\n");
  EXPECT_EQ(h.layout, Layout::V1);
  auto dirs = container_dirs(h, "/p/c");
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[0].first, "memory");
  EXPECT_EQ(dirs[1], (std::pair<std::string, std::string>{"cpu", "/sys/fs/cgroup/cpu,cpuacct/p/c"}));
}

TEST(Hierarchy, PureV2) {
  Hierarchy h = parse_hierarchy("25 20 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
                                "0::/user.slice/user-1000.slice/session-2.scope\n");
  EXPECT_EQ(h.layout, Layout::V2);
  auto dirs = container_dirs(h, "/machine.slice/nook-1");
  ASSERT_EQ(dirs.size(), 1u);
  EXPECT_EQ(dirs[0], (std::pair<std::string, std::string>{"unified", "/sys/fs/cgroup/machine.slice/nook-1"}));
  EXPECT_EQ(container_dirs(h, "machine.slice:nook:abc")[0].second, "/sys/fs/cgroup/machine.slice/nook-abc.scope");
}

TEST(Hierarchy, ResolvesSpecPaths) {
  EXPECT_EQ(resolve_path("/a/b", "/own"), "/a/b");
  EXPECT_EQ(resolve_path("a/b", "/own"), "/own/a/b");
  EXPECT_EQ(resolve_path("a", "/"), "/a");
  EXPECT_EQ(resolve_path("machine.slice:libpod:123", "/"), "/machine.slice/libpod-123.scope");
  EXPECT_EQ(resolve_path(":nook:1", "/"), "/system.slice/nook-1.scope");
  EXPECT_EQ(resolve_path("", "/own"), "");
}

TEST(Hierarchy, ChoosesThePathAsPodman) {
  Hierarchy hybrid = parse_hierarchy(kHybridMountinfo, kHybridCgroup);
  PathInputs in;
  in.id = "abc";
  EXPECT_EQ(choose_cgroups_path(hybrid, in), "/nook_parent/nook-abc");
  in.parent = "/custom";
  EXPECT_EQ(choose_cgroups_path(hybrid, in), "/custom/nook-abc");
  in.parent = "relative";
  EXPECT_EQ(choose_cgroups_path(hybrid, in), "/relative/nook-abc");
  in.parent = "";
  in.mode = "disabled";
  EXPECT_EQ(choose_cgroups_path(hybrid, in), "");
  in.mode = "split";
  EXPECT_EQ(choose_cgroups_path(hybrid, in), "/nook_parent/nook-abc");  // v1: one path cannot name our cgroups
  in.mode = "no-conmon";
  in.rootless = true;  // rootless on v1/hybrid: no cgroup at all
  EXPECT_EQ(choose_cgroups_path(hybrid, in), "");

  Hierarchy v2 = parse_hierarchy("25 20 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/user.slice/u.scope\n");
  EXPECT_EQ(choose_cgroups_path(v2, in), "");  // our cgroup is not ours to write
  in.mode = "split";
  EXPECT_EQ(choose_cgroups_path(v2, in), "/user.slice/u.scope/nook-payload-abc");
  in.mode = "enabled";
  in.own_writable = true;
  EXPECT_EQ(choose_cgroups_path(v2, in), "/user.slice/u.scope/nook-abc");
  in.manager = "systemd";
  EXPECT_EQ(choose_cgroups_path(v2, in), "user.slice:nook:abc");
  in.rootless = false;
  EXPECT_EQ(choose_cgroups_path(v2, in), "machine.slice:nook:abc");
  in.manager = "cgroupfs";
  EXPECT_EQ(choose_cgroups_path(v2, in), "/nook_parent/nook-abc");
}

}  // namespace
}  // namespace nook::cgroup
