// The limit flags as podman 4.3 parses and checks them (observed with Debian's podman here),
// and inspect's HostConfig keys. The cgroups themselves are tested end to end in
// tests/e2e/097-cgroups-root.bats and 097-cgroups.bats.
#include "lib/engine/container_cgroups.h"

#include <sys/statfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "lib/engine/engine.h"
#include "lib/sys/file.h"

namespace nook::engine {
namespace {

TEST(RamInBytes, BinaryUnitsAsGoUnits) {
  EXPECT_EQ(ram_in_bytes("32m"), 32 << 20);
  EXPECT_EQ(ram_in_bytes("1g"), int64_t{1} << 30);
  EXPECT_EQ(ram_in_bytes("1.5g"), int64_t{3} << 29);
  EXPECT_EQ(ram_in_bytes("1024"), 1024);
  EXPECT_EQ(ram_in_bytes("64 MiB"), 64 << 20);
  EXPECT_EQ(ram_in_bytes("10kb"), 10240);
  EXPECT_EQ(ram_in_bytes("7b"), 7);
  for (const char* bad : {"foo", "-1", "", "1x", "m", "1.", "1..2m", "3 m m"}) {
    auto r = ram_in_bytes(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message(), fmt::format("invalid size: '{}'", bad));
  }
}

TEST(Cpuset, Lists) {
  EXPECT_TRUE(check_cpuset("0", "cpus"));
  EXPECT_TRUE(check_cpuset("0-3,5,7-8", "cpus"));
  auto bad = check_cpuset("abc", "cpus");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "invalid value abc for cpuset cpus");
  EXPECT_FALSE(check_cpuset("3-1", "mems"));
  EXPECT_FALSE(check_cpuset("1,,2", "mems"));
  EXPECT_FALSE(check_cpuset("1-2-3", "mems"));
}

bool host_is_v2() {
  struct statfs fs {};
  return ::statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

struct Planned {
  Result<CgroupPlan> plan;
  std::vector<std::string> warnings;
};

Planned plan_for(bool rootless, const std::function<void(ContainerResourceOptions&)>& set) {
  Settings settings;
  settings.config.rootless = rootless;
  settings.config.containers_conf.engine.cgroup_manager = "cgroupfs";
  ContainerCreateOptions options;
  set(options.resources);
  Planned out;
  options.on_warning = [&out](const std::string& w) { out.warnings.push_back(w); };
  out.plan = plan_container_cgroup(settings, options);
  return out;
}

TEST(PlanCgroup, RootLimitsBecomeResources) {
  Planned p = plan_for(false, [](ContainerResourceOptions& r) {
    r.memory = "32m";
    r.cpus = "1.5";
    r.cpu_shares = "512";
    r.pids_limit = "10";
    r.oom_kill_disable = true;
    r.oom_score_adj = "100";
  });
  ASSERT_TRUE(p.plan) << p.plan.error().message();
  EXPECT_TRUE(p.plan->active);
  const cgroup::Resources& r = p.plan->resources;
  EXPECT_EQ(r.memory_limit, 32 << 20);
  if (r.memory_swap) {
    EXPECT_EQ(*r.memory_swap, 64 << 20);  // podman's default where swap is accounted
  }
  EXPECT_EQ(r.cpu_quota, 150000);
  EXPECT_EQ(r.cpu_period, 100000u);
  EXPECT_EQ(r.cpu_shares, 512u);
  EXPECT_EQ(r.pids_limit, 10);
  EXPECT_EQ(r.disable_oom_killer, true);
  EXPECT_EQ(p.plan->oom_score_adj, 100);
  EXPECT_TRUE(p.warnings.empty());

  oci::SpecOptions spec_options;
  apply_cgroup_plan(*p.plan, "abc", spec_options);
  EXPECT_EQ(spec_options.cgroups_path, "/nook_parent/nook-abc");
  EXPECT_EQ(spec_options.oom_score_adj, 100);
  EXPECT_EQ(spec_options.cgroupns_private, host_is_v2());
}

TEST(PlanCgroup, DisabledAndParent) {
  Planned off = plan_for(false, [](ContainerResourceOptions& r) { r.cgroups = "disabled"; });
  ASSERT_TRUE(off.plan);
  oci::SpecOptions spec_options;
  apply_cgroup_plan(*off.plan, "abc", spec_options);
  EXPECT_EQ(spec_options.cgroups_path, "");
  Planned parent = plan_for(false, [](ContainerResourceOptions& r) { r.cgroup_parent = "/mine"; });
  ASSERT_TRUE(parent.plan);
  apply_cgroup_plan(*parent.plan, "abc", spec_options);
  EXPECT_EQ(spec_options.cgroups_path, "/mine/nook-abc");
}

TEST(PlanCgroup, RootlessV1IgnoresLimitsWithOneWarning) {
  if (host_is_v2()) GTEST_SKIP() << "the host is cgroup v2";
  Planned p = plan_for(true, [](ContainerResourceOptions& r) {
    r.memory = "32m";
    r.memory_swappiness = "200";  // not checked: ignored anyway, as podman
  });
  ASSERT_TRUE(p.plan) << p.plan.error().message();
  EXPECT_FALSE(p.plan->active);
  EXPECT_EQ(p.warnings, std::vector<std::string>{"Resource limits are not supported and ignored on cgroups V1 rootless systems"});
  Planned none = plan_for(true, [](ContainerResourceOptions& r) { r.oom_score_adj = "5"; });
  EXPECT_TRUE(none.warnings.empty());
}

TEST(PlanCgroup, PodmansErrors) {
  auto message = [](bool rootless, const std::function<void(ContainerResourceOptions&)>& set) {
    Planned p = plan_for(rootless, set);
    return p.plan ? std::string("ok") : p.plan.error().message();
  };
  EXPECT_EQ(message(false, [](auto& r) { r.memory = "foo"; }), "invalid value for memory: invalid size: 'foo'");
  EXPECT_EQ(message(true, [](auto& r) { r.cpus = "abc"; }),
            "invalid argument \"abc\" for \"--cpus\" flag: strconv.ParseFloat: parsing \"abc\": invalid syntax");
  EXPECT_EQ(message(true, [](auto& r) { r.cpu_period = "-5"; }),
            "invalid argument \"-5\" for \"--cpu-period\" flag: strconv.ParseUint: parsing \"-5\": invalid syntax");
  EXPECT_EQ(message(true, [](auto& r) { r.pids_limit = "99999999999999999999"; }),
            "invalid argument \"99999999999999999999\" for \"--pids-limit\" flag: strconv.ParseInt: parsing "
            "\"99999999999999999999\": value out of range");
  EXPECT_EQ(message(true, [](auto& r) {
              r.cpus = "1";
              r.cpu_quota = "1000";
            }),
            "--cpu-quota and --cpus cannot be set together");
  EXPECT_EQ(message(true, [](auto& r) { r.cgroups = "foo"; }),
            "running container create option: invalid cgroup mode \"foo\": invalid argument");
  EXPECT_EQ(message(true, [](auto& r) { r.cgroupns = "foo"; }), "unrecognized namespace mode foo passed");
  EXPECT_EQ(message(false, [](auto& r) { r.memory_swap = "10m"; }),
            "you should always set a memory limit when using a memoryswap limit, see usage");
  EXPECT_EQ(message(false, [](auto& r) {
              r.memory = "5m";
              r.memory_swap = "1m";
            }),
            "minimum memoryswap limit should be larger than memory limit, see usage");
  EXPECT_EQ(message(false, [](auto& r) {
              r.memory = "5m";
              r.memory_reservation = "10m";
            }),
            "minimum memory limit cannot be less than memory reservation limit, see usage");
  EXPECT_EQ(message(false, [](auto& r) { r.memory_swappiness = "200"; }),
            "invalid value: 200, valid memory swappiness range is 0-100");
  EXPECT_EQ(message(false, [](auto& r) { r.cpu_period = "100"; }),
            "CPU cfs period cannot be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  EXPECT_EQ(message(false, [](auto& r) { r.cpu_quota = "100"; }), "CPU cfs quota cannot be less than 1ms (i.e. 1000)");
  EXPECT_EQ(message(false, [](auto& r) { r.cgroup_parent = "foo.slice"; }),
            "systemd slice received as cgroup parent when using cgroupfs: invalid argument");
  EXPECT_EQ(message(false, [](auto& r) { r.blkio_weight = "x"; }),
            "invalid value for blkio-weight: strconv.ParseUint: parsing \"x\": invalid syntax");
}

TEST(CgroupInspect, HostConfigFromTheBundle) {
  char tmpl[] = "/tmp/nook-inspect-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string userdata = tmpl;
  CgroupPlan plan;
  plan.active = true;
  plan.parent = "/p";
  plan.resources.memory_limit = 33554432;
  plan.resources.memory_swap = 67108864;
  plan.resources.cpu_quota = 150000;
  plan.resources.cpu_period = 100000;
  plan.resources.pids_limit = 10;
  oci::Spec spec;
  spec.linux_.cgroups_path = "/p/nook-x";
  ASSERT_TRUE(finish_cgroup_spec(plan, spec, userdata));
  ASSERT_TRUE(spec.linux_.resources);
  nlohmann::ordered_json host = {{"Memory", 0}, {"CgroupParent", ""}};
  add_cgroup_inspect(userdata, &spec, host);
  EXPECT_EQ(host["Memory"], 33554432);
  EXPECT_EQ(host["MemorySwap"], 67108864);
  EXPECT_EQ(host["MemorySwappiness"], -1);
  EXPECT_EQ(host["NanoCpus"], 1500000000);
  EXPECT_EQ(host["PidsLimit"], 10);
  EXPECT_EQ(host["CgroupParent"], "/p");
  EXPECT_EQ(host["Cgroups"], "default");
  EXPECT_EQ(host["CgroupManager"], "cgroupfs");
  ASSERT_TRUE(sys::remove_all(userdata));
}

}  // namespace
}  // namespace nook::engine
