#include "lib/oci/seccomp_profile.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/oci/capabilities.h"
#include "tests/unit/oci/test_support.h"

namespace nook::oci {
namespace {

using Names = std::vector<std::string>;

using test_support::kDefaultCaps;

Names first_names(const Seccomp& s) {
  Names out;
  for (const SeccompSyscall& call : s.syscalls) out.push_back(call.names.at(0));
  return out;
}

// The rules podman 4.3.1 wrote into config.json for a rootless container with the default
// capabilities on x86_64 (the first name of each rule).
TEST(SeccompProfile, DefaultProfileMatchesPodmanForDefaultCapabilities) {
  Seccomp s = default_seccomp({.capabilities = kDefaultCaps}).value();
  EXPECT_EQ(s.default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(s.default_errno_ret, 38U);
  EXPECT_EQ(s.architectures, (Names{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}));
  EXPECT_EQ(first_names(s), (Names{"bdflush",     "_llseek",       "personality",   "personality", "personality",
                                   "personality", "personality",   "arch_prctl",    "modify_ldt",  "open_by_handle_at",
                                   "bpf",         "chroot",        "delete_module", "acct",        "kcmp",
                                   "ioperm",      "clock_settime", "vhangup",       "socket",      "socket",
                                   "socket",      "socket"}));
  EXPECT_EQ(s.syscalls[0].names.size(), 28U);
  EXPECT_EQ(s.syscalls[0].errno_ret, 1U);
  EXPECT_EQ(s.syscalls[1].names.size(), 374U);
  EXPECT_EQ(s.syscalls[1].action, "SCMP_ACT_ALLOW");
  EXPECT_EQ(s.syscalls[1].errno_ret, std::nullopt);
  EXPECT_EQ(s.syscalls[6].args, (std::vector<SeccompArg>{{0, 4294967295U, 0, "SCMP_CMP_EQ"}}));
  // chroot is allowed because CAP_SYS_CHROOT is in the set; open_by_handle_at is refused.
  EXPECT_EQ(s.syscalls[11].action, "SCMP_ACT_ALLOW");
  EXPECT_EQ(s.syscalls[9].action, "SCMP_ACT_ERRNO");
  // Without CAP_AUDIT_WRITE, netlink audit sockets fail with EINVAL.
  EXPECT_EQ(s.syscalls[18].errno_ret, 22U);
  EXPECT_EQ(s.syscalls[18].args, (std::vector<SeccompArg>{{0, 16, 0, "SCMP_CMP_EQ"}, {2, 9, 0, "SCMP_CMP_EQ"}}));
}

TEST(SeccompProfile, AllCapabilitiesSwitchTheCapabilityRules) {
  Seccomp s = default_seccomp({.capabilities = all_capabilities()}).value();
  // podman 4.3.1 with --cap-add all: 19 rules, the capability-gated ones become plain allows.
  ASSERT_EQ(s.syscalls.size(), 19U);
  EXPECT_EQ(s.syscalls[9].names, Names{"open_by_handle_at"});
  EXPECT_EQ(s.syscalls[9].action, "SCMP_ACT_ALLOW");
  EXPECT_EQ(s.syscalls[18].names, Names{"socket"});
  EXPECT_TRUE(s.syscalls[18].args.empty());
}

TEST(SeccompProfile, ArchitectureSelectsArchMapEntryAndArchRules) {
  Seccomp arm = default_seccomp({.capabilities = kDefaultCaps, .arch = "aarch64"}).value();
  EXPECT_EQ(arm.architectures, (Names{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"}));
  Names names = first_names(arm);
  EXPECT_EQ(std::count(names.begin(), names.end(), "arch_prctl"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "arm_fadvise64_64"), 1);
  Seccomp x86 = default_seccomp({.capabilities = kDefaultCaps, .arch = "x86_64"}).value();
  EXPECT_EQ(x86.architectures.front(), "SCMP_ARCH_X86_64");
}

TEST(SeccompProfile, UserProfileWithIncludesAndExcludes) {
  std::string json = R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64"],
    "flags": ["SECCOMP_FILTER_FLAG_LOG"],
    "syscalls": [
      {"name": "mkdir", "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["reboot"], "action": "SCMP_ACT_KILL", "excludes": {"caps": ["CAP_SYS_BOOT"]}},
      {"names": ["swapon"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_KILL"]}},
      {"names": ["new_in_9"], "action": "SCMP_ACT_ERRNO", "includes": {"minKernel": "9.1"}},
      {"names": ["old_ok"], "action": "SCMP_ACT_LOG", "includes": {"minKernel": "4.8"}},
      {"names": ["not_here"], "action": "SCMP_ACT_ERRNO", "excludes": {"arches": ["amd64"]}},
      {"names": ["getpid"], "action": "SCMP_ACT_TRACE", "args": [{"index": 1, "value": 2, "valueTwo": 3, "op": "SCMP_CMP_MASKED_EQ"}]}
    ]})";
  auto profile = load_seccomp_profile(json, {.capabilities = {"CAP_KILL"}, .kernel_version = "6.1.0-9-amd64"});
  ASSERT_TRUE(profile) << profile.error().message();
  ASSERT_TRUE(profile->has_value());
  const Seccomp& s = **profile;
  EXPECT_EQ(s.default_action, "SCMP_ACT_ALLOW");
  EXPECT_EQ(s.architectures, Names{"SCMP_ARCH_X86_64"});
  EXPECT_EQ(s.flags, Names{"SECCOMP_FILTER_FLAG_LOG"});
  EXPECT_EQ(first_names(s), (Names{"mkdir", "reboot", "old_ok", "getpid"}));
  EXPECT_EQ(s.syscalls[0].errno_ret, 13U);
  EXPECT_EQ(s.syscalls[3].args, (std::vector<SeccompArg>{{1, 2, 3, "SCMP_CMP_MASKED_EQ"}}));

  auto with_boot = load_seccomp_profile(json, {.capabilities = {"CAP_SYS_BOOT", "CAP_SYS_ADMIN", "CAP_KILL"}});
  EXPECT_EQ(first_names(**with_boot), (Names{"mkdir", "swapon", "new_in_9", "old_ok", "getpid"}));
}

TEST(SeccompProfile, EmptyProfileMeansNoSeccomp) {
  auto profile = load_seccomp_profile("{}", {});
  ASSERT_TRUE(profile);
  EXPECT_FALSE(profile->has_value());
}

std::string profile_error(std::string_view json) {
  auto profile = load_seccomp_profile(json, {.capabilities = {}});
  if (profile) return "no error";
  EXPECT_EQ(profile.error().kind(), ErrorKind::InvalidArgument);
  return profile.error().message();
}

TEST(SeccompProfile, MalformedProfilesAreNamed) {
  EXPECT_TRUE(profile_error("{").starts_with("decoding seccomp profile failed: ")) << profile_error("{");
  EXPECT_EQ(profile_error("[]"), "decoding seccomp profile failed: expected a JSON object");
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_NOPE"})"),
            "decoding seccomp profile failed: defaultAction: unknown action \"SCMP_ACT_NOPE\"");
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
                        "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]})"),
            "'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or "
            "'archMap'");
  EXPECT_EQ(
      profile_error(
          R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "a", "names": ["b"], "action": "SCMP_ACT_ALLOW"}]})"),
      "'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"]}]})"),
            "decoding seccomp profile failed: syscalls[0].action: missing");
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"], "action": "SCMP_ACT_ALLOW",
                        "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ABOUT"}]}]})"),
            "decoding seccomp profile failed: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ABOUT\"");
  EXPECT_EQ(
      profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "a", "action": "SCMP_ACT_ALLOW"}]})"),
      "decoding seccomp profile failed: syscalls[0].names: expected an array of strings");
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]})"),
            "decoding seccomp profile failed: architectures: unknown architecture \"SCMP_ARCH_Z80\"");
  EXPECT_EQ(profile_error(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"], "action": "SCMP_ACT_ALLOW",
                        "includes": {"minKernel": "new"}}]})"),
            "decoding seccomp profile failed: syscalls[0].includes.minKernel: invalid kernel version \"new\"");
}

}  // namespace
}  // namespace nook::oci
