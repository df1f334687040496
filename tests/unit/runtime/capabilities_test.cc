#include "lib/runtime/capabilities.h"

#include <gtest/gtest.h>
#include <linux/capability.h>

namespace nook::runtime {
namespace {

TEST(CapabilitySets, Masks) {
  auto sets = capability_sets(oci::Capabilities{.bounding = {"CAP_CHOWN", "CAP_SYS_ADMIN"},
                                                .effective = {"CAP_SYS_ADMIN"},
                                                .inheritable = {},
                                                .permitted = {"CAP_KILL"},
                                                .ambient = {"CAP_NET_BIND_SERVICE"}});
  ASSERT_TRUE(sets.has_value()) << sets.error().message();
  EXPECT_EQ(sets->bounding, (uint64_t{1} << CAP_CHOWN) | (uint64_t{1} << CAP_SYS_ADMIN));
  EXPECT_EQ(sets->effective, uint64_t{1} << CAP_SYS_ADMIN);
  EXPECT_EQ(sets->permitted, uint64_t{1} << CAP_KILL);
  EXPECT_EQ(sets->inheritable, 0u);
  EXPECT_EQ(sets->ambient, uint64_t{1} << CAP_NET_BIND_SERVICE);
}

TEST(CapabilitySets, AbsentMeansNone) {
  auto sets = capability_sets(std::nullopt);
  ASSERT_TRUE(sets.has_value());
  EXPECT_EQ(sets->bounding, 0u);
  EXPECT_EQ(sets->effective, 0u);
}

TEST(CapabilitySets, UnknownName) {
  auto sets = capability_sets(oci::Capabilities{.effective = {"CAP_FLY"}});
  ASSERT_FALSE(sets.has_value());
  EXPECT_EQ(sets.error().message(), "process.capabilities.effective: unknown capability \"CAP_FLY\"");
}

TEST(KernelLastCapability, Plausible) {
  int last = kernel_last_capability();
  EXPECT_GE(last, CAP_AUDIT_READ);
  EXPECT_LE(last, 63);
}

}  // namespace
}  // namespace nook::runtime
