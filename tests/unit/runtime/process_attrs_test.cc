#include "lib/runtime/process_attrs.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace nook::runtime {
namespace {

TEST(RlimitResource, Names) {
  EXPECT_EQ(rlimit_resource("RLIMIT_NOFILE").value(), RLIMIT_NOFILE);
  EXPECT_EQ(rlimit_resource("RLIMIT_RTTIME").value(), RLIMIT_RTTIME);
  EXPECT_FALSE(rlimit_resource("NOFILE").has_value());
}

TEST(SysctlPath, Names) {
  EXPECT_EQ(sysctl_path("net.ipv4.ip_forward").value(), "/proc/sys/net/ipv4/ip_forward");
  EXPECT_EQ(sysctl_path("kernel.msgmax").value(), "/proc/sys/kernel/msgmax");
  EXPECT_FALSE(sysctl_path("net..x").has_value());
  EXPECT_FALSE(sysctl_path("net/ipv4").has_value());
  EXPECT_FALSE(sysctl_path("").has_value());
}

TEST(ApplyRlimits, InThisProcess) {
  struct rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_CORE, &old), 0);
  Plan plan;
  plan.rlimits = {{RLIMIT_CORE, 0, old.rlim_max}};
  SyncRecord error{};
  ASSERT_TRUE(apply_rlimits(plan, error)) << error.message;
  struct rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_CORE, &now), 0);
  EXPECT_EQ(now.rlim_cur, 0u);
  ::setrlimit(RLIMIT_CORE, &old);
  plan.rlimits = {{RLIMIT_CORE, 10, 5}};  // soft above hard
  EXPECT_FALSE(apply_rlimits(plan, error));
  EXPECT_EQ(error.err, EINVAL);
}

}  // namespace
}  // namespace nook::runtime
