#include "lib/cgroup/resources.h"

#include <gtest/gtest.h>

namespace nook::cgroup {
namespace {

using nlohmann::json;

Resources sample() {
  Resources r;
  r.memory_limit = 33554432;
  r.memory_reservation = 16777216;
  r.memory_swap = 67108864;
  r.memory_swappiness = 10;
  r.disable_oom_killer = true;
  r.cpu_shares = 512;
  r.cpu_quota = 150000;
  r.cpu_period = 100000;
  r.cpuset_cpus = "0";
  r.cpuset_mems = "0";
  r.pids_limit = 10;
  r.blkio_weight = 500;
  return r;
}

TEST(Resources, RoundTripsThroughPodmansJson) {
  // What podman 4.3 writes for -m 32m --memory-reservation 16m --memory-swap 64m ... (observed).
  json podman = json::parse(R"({"devices":[{"allow":false,"access":"rwm"}],
    "memory":{"limit":33554432,"reservation":16777216,"swap":67108864,"swappiness":10,"disableOOMKiller":true},
    "cpu":{"shares":512,"quota":150000,"period":100000,"cpus":"0","mems":"0"},"pids":{"limit":10},
    "blockIO":{"weight":500}})");
  auto parsed = parse_resources(podman);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(*parsed, sample());
  json merged = merge_into(json{{"devices", podman["devices"]}}, *parsed);
  EXPECT_EQ(merged, podman);
  EXPECT_TRUE(parse_resources(json(nullptr))->empty());
  EXPECT_FALSE(sample().empty());
}

TEST(Resources, RejectsWrongTypes) {
  auto bad = parse_resources(json::parse(R"({"memory":{"limit":"32m"}})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_EQ(bad.error().message(), "linux.resources.memory.limit: expected an integer");
  EXPECT_FALSE(parse_resources(json::parse(R"({"cpu":{"shares":-1}})")));
  EXPECT_FALSE(parse_resources(json::parse(R"({"memory":{"disableOOMKiller":1}})")));
  EXPECT_FALSE(parse_resources(json::array()));
}

TEST(Resources, V1WritesInKernelOrder) {
  std::vector<FileWrite> want = {
      {"cpuset", "cpuset.cpus", "0"},
      {"cpuset", "cpuset.mems", "0"},
      {"memory", "memory.limit_in_bytes", "33554432"},
      {"memory", "memory.soft_limit_in_bytes", "16777216"},
      {"memory", "memory.memsw.limit_in_bytes", "67108864"},
      {"memory", "memory.swappiness", "10"},
      {"memory", "memory.oom_control", "1"},
      {"cpu", "cpu.shares", "512"},
      {"cpu", "cpu.cfs_period_us", "100000"},
      {"cpu", "cpu.cfs_quota_us", "150000"},
      {"pids", "pids.max", "10"},
      {"blkio", "blkio.weight", "500"},
  };
  EXPECT_EQ(v1_writes(sample()), want);
  // Without swap accounting there is no memsw file to write.
  std::vector<FileWrite> no_swap = v1_writes(sample(), false);
  EXPECT_EQ(std::count_if(no_swap.begin(), no_swap.end(), [](const FileWrite& w) { return w.file.starts_with("memory.memsw"); }), 0);
  Resources unlimited;
  unlimited.pids_limit = -1;
  unlimited.memory_swap = -1;
  unlimited.memory_limit = 1048576;
  EXPECT_EQ(v1_writes(unlimited), (std::vector<FileWrite>{{"memory", "memory.limit_in_bytes", "1048576"},
                                                          {"memory", "memory.memsw.limit_in_bytes", "-1"},
                                                          {"pids", "pids.max", "max"}}));
  EXPECT_TRUE(v1_writes(Resources{}).empty());
}

TEST(Resources, V2WritesConvertAsCrun) {
  std::vector<FileWrite> want = {
      {"cpuset", "cpuset.cpus", "0"},
      {"cpuset", "cpuset.mems", "0"},
      {"memory", "memory.max", "33554432"},
      {"memory", "memory.low", "16777216"},
      {"memory", "memory.swap.max", "33554432"},  // 64m total - 32m memory
      {"cpu", "cpu.weight", "20"},                // 1 + (512-2)*9999/262142
      {"cpu", "cpu.max", "150000 100000"},
      {"pids", "pids.max", "10"},
      {"io", "io.weight", "4950"},  // 1 + (500-10)*9999/990
  };
  EXPECT_EQ(v2_writes(sample()), want);
  EXPECT_EQ(v2_controllers_needed(sample()), (std::vector<std::string>{"cpu", "cpuset", "io", "memory", "pids"}));
  Resources r;
  r.cpu_quota = 50000;  // quota alone: the kernel's default period
  r.memory_limit = -1;
  r.memory_swap = -1;
  EXPECT_EQ(v2_writes(r), (std::vector<FileWrite>{{"memory", "memory.max", "max"},
                                                  {"memory", "memory.swap.max", "max"},
                                                  {"cpu", "cpu.max", "50000 100000"}}));
  Resources period_only;
  period_only.cpu_period = 50000;
  EXPECT_EQ(v2_writes(period_only), (std::vector<FileWrite>{{"cpu", "cpu.max", "max 50000"}}));
}

TEST(Resources, WeightConversions) {
  EXPECT_EQ(shares_to_weight(2), 1u);
  EXPECT_EQ(shares_to_weight(1024), 39u);
  EXPECT_EQ(shares_to_weight(262144), 10000u);
  EXPECT_EQ(shares_to_weight(0), 0u);
  EXPECT_EQ(blkio_to_io_weight(10), 1u);
  EXPECT_EQ(blkio_to_io_weight(1000), 10000u);
  EXPECT_EQ(blkio_to_io_weight(0), 0u);
}

TEST(Resources, FlatKeyedFiles) {
  // memory.events (v2) and memory.oom_control (v1, kernel >= 4.13).
  std::string events = "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n";
  EXPECT_EQ(flat_key_value(events, "oom_kill"), 1);
  EXPECT_EQ(flat_key_value(events, "oom"), 1);
  EXPECT_EQ(flat_key_value(events, "max"), 12);
  std::string control = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
  EXPECT_EQ(flat_key_value(control, "oom_kill"), 3);
  EXPECT_EQ(flat_key_value(control, "oom"), std::nullopt);
  EXPECT_EQ(flat_key_value("frozen x\n", "frozen"), std::nullopt);
  EXPECT_EQ(flat_key_value("", "oom_kill"), std::nullopt);
}

}  // namespace
}  // namespace nook::cgroup
