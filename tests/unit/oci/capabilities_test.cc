#include "lib/oci/capabilities.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/oci/test_support.h"

namespace nook::oci {
namespace {

using Names = std::vector<std::string>;

// containers.conf default_capabilities as podman 4.3 ships them.
const Names kDefaults = {"CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",      "NET_BIND_SERVICE",
                         "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT"};
using test_support::kDefaultCaps;

TEST(Capabilities, NameTableFollowsTheKernelNumbers) {
  EXPECT_EQ(capability_name(0), "CAP_CHOWN");
  EXPECT_EQ(capability_name(21), "CAP_SYS_ADMIN");
  EXPECT_EQ(capability_name(29), "CAP_AUDIT_WRITE");
  EXPECT_EQ(capability_name(38), "CAP_PERFMON");
  EXPECT_EQ(capability_name(40), "CAP_CHECKPOINT_RESTORE");
  EXPECT_EQ(capability_name(41), "");
  EXPECT_EQ(capability_name(-1), "");
  EXPECT_EQ(capability_number("CAP_NET_RAW"), 13);
  EXPECT_EQ(capability_number("CAP_BPF"), 39);
  EXPECT_EQ(capability_number("NET_RAW"), std::nullopt);
  for (int i = 0; i <= kLastCapability; ++i) EXPECT_EQ(capability_number(capability_name(i)), i);
  EXPECT_EQ(all_capabilities().size(), 41U);
}

TEST(Capabilities, NormalizeAcceptsAnyCaseWithOrWithoutPrefix) {
  EXPECT_EQ(normalize_capability("chown").value(), "CAP_CHOWN");
  EXPECT_EQ(normalize_capability("CAP_chown").value(), "CAP_CHOWN");
  EXPECT_EQ(normalize_capability("cap_sys_admin").value(), "CAP_SYS_ADMIN");
  EXPECT_EQ(normalize_capability("all").value(), "ALL");
  auto bad = normalize_capability("foo");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_EQ(bad.error().message(), "unknown capability \"CAP_FOO\"");
}

TEST(Capabilities, MergeAddsDropsAndSorts) {
  auto merged = merge_capabilities(kDefaults, {"net_raw", "CAP_SYS_ADMIN"}, {"chown"});
  ASSERT_TRUE(merged) << merged.error().message();
  EXPECT_EQ(*merged,
            (Names{"CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW",
                   "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_ADMIN", "CAP_SYS_CHROOT"}));
  EXPECT_EQ(merge_capabilities(kDefaults, {}, {}).value(), kDefaultCaps);
  // Adding one already there does not duplicate it.
  EXPECT_EQ(merge_capabilities(kDefaults, {"kill"}, {}).value(), kDefaultCaps);
}

TEST(Capabilities, AllInDropKeepsOnlyTheAddedOnes) {
  EXPECT_EQ(merge_capabilities(kDefaults, {"kill"}, {"all"}).value(), (Names{"CAP_KILL"}));
  EXPECT_TRUE(merge_capabilities(kDefaults, {}, {"ALL"}).value().empty());
}

TEST(Capabilities, AllInAddGivesEverything) {
  Names all = merge_capabilities(kDefaults, {"all"}, {"chown"}).value();
  EXPECT_EQ(all.size(), 41U);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(all.front(), "CAP_AUDIT_CONTROL");
  EXPECT_EQ(all.back(), "CAP_WAKE_ALARM");
}

TEST(Capabilities, AddingAndDroppingTheSameIsAnError) {
  auto merged = merge_capabilities(kDefaults, {"net_raw"}, {"NET_RAW"});
  ASSERT_FALSE(merged);
  EXPECT_EQ(merged.error().message(), "capability \"CAP_NET_RAW\" cannot be dropped and added");
  auto unknown = merge_capabilities(kDefaults, {}, {"bogus"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message(), "unknown capability \"CAP_BOGUS\"");
}

TEST(Capabilities, RootGetsTheMergedSetEverywhere) {
  Capabilities caps = resolve_capabilities({.defaults = kDefaults}).value();
  EXPECT_EQ(caps.bounding, kDefaultCaps);
  EXPECT_EQ(caps.effective, kDefaultCaps);
  EXPECT_EQ(caps.permitted, kDefaultCaps);
  EXPECT_TRUE(caps.inheritable.empty());
  EXPECT_TRUE(caps.ambient.empty());
}

// podman 4.3 rootless: --user bob --cap-add net_raw,CAP_SYS_ADMIN --cap-drop chown.
TEST(Capabilities, NonRootGetsOnlyAddedCapabilitiesBeyondBounding) {
  Capabilities caps =
      resolve_capabilities(
          {.defaults = kDefaults, .add = {"net_raw", "CAP_SYS_ADMIN"}, .drop = {"chown"}, .root_user = false})
          .value();
  EXPECT_EQ(caps.bounding.size(), 12U);
  EXPECT_EQ(caps.effective, (Names{"CAP_NET_RAW", "CAP_SYS_ADMIN"}));
  EXPECT_EQ(caps.permitted, caps.effective);
  EXPECT_EQ(caps.inheritable, caps.effective);
  EXPECT_EQ(caps.ambient, caps.effective);

  Capabilities plain = resolve_capabilities({.defaults = kDefaults, .root_user = false}).value();
  EXPECT_EQ(plain.bounding, kDefaultCaps);
  EXPECT_TRUE(plain.effective.empty());
  EXPECT_TRUE(plain.permitted.empty());
}

TEST(Capabilities, PrivilegedGetsEverythingAndIgnoresDrops) {
  Capabilities caps = resolve_capabilities({.defaults = kDefaults, .drop = {"chown"}, .privileged = true}).value();
  EXPECT_EQ(caps.bounding.size(), 41U);
  EXPECT_EQ(caps.effective, caps.bounding);
  EXPECT_NE(std::find(caps.bounding.begin(), caps.bounding.end(), "CAP_CHOWN"), caps.bounding.end());
}

}  // namespace
}  // namespace nook::oci
