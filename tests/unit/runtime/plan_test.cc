#include "lib/runtime/plan.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>

namespace nook::runtime {
namespace {

oci::Spec base_spec() {
  oci::Spec spec;
  spec.process.args = {"sh", "-c", "true"};
  spec.process.env = {"PATH=/bin:/usr/bin", "HOME=/root"};
  spec.linux_.namespaces = {{"pid", ""}, {"mount", ""}, {"uts", ""}, {"network", ""}};
  spec.hostname = "box";
  return spec;
}

TEST(MakePlan, NamespacesAndRoot) {
  oci::Spec spec = base_spec();
  spec.linux_.namespaces.push_back({"ipc", "/proc/1/ns/ipc"});
  auto plan = make_plan(spec, "/b");
  ASSERT_TRUE(plan.has_value()) << plan.error().message();
  EXPECT_EQ(plan->clone_flags, static_cast<unsigned long>(CLONE_NEWPID));
  EXPECT_EQ(plan->unshare_flags, static_cast<unsigned long>(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWNET));
  ASSERT_EQ(plan->joins.size(), 1u);
  EXPECT_EQ(plan->joins[0], (std::pair<int, std::string>{CLONE_NEWIPC, "/proc/1/ns/ipc"}));
  EXPECT_EQ(plan->rootfs, "/b/rootfs");
  EXPECT_EQ(plan->root_propagation, 0u);
  EXPECT_TRUE(plan->uid_map.empty());
}

TEST(MakePlan, UserNamespaceMaps) {
  oci::Spec spec = base_spec();
  spec.linux_.namespaces.push_back({"user", ""});
  spec.linux_.uid_mappings = {{0, 1000, 1}, {1, 100000, 65536}};
  spec.linux_.gid_mappings = {{0, 1000, 1}};
  spec.root.path = "/abs/root/../rootfs";
  auto plan = make_plan(spec, "/b");
  ASSERT_TRUE(plan.has_value()) << plan.error().message();
  EXPECT_EQ(plan->clone_flags, static_cast<unsigned long>(CLONE_NEWPID | CLONE_NEWUSER));
  EXPECT_EQ(plan->uid_map, "0 1000 1\n1 100000 65536\n");
  EXPECT_EQ(plan->gid_map, "0 1000 1\n");
  EXPECT_EQ(plan->rootfs, "/abs/rootfs");
}

TEST(MakePlan, ExecCandidatesFromTheContainerPath) {
  auto plan = make_plan(base_spec(), "/b");
  ASSERT_TRUE(plan.has_value());
  EXPECT_TRUE(plan->searched_path);
  EXPECT_EQ(plan->exec_candidates, (std::vector<std::string>{"/bin/sh", "/usr/bin/sh"}));

  oci::Spec spec = base_spec();
  spec.process.args = {"/opt/x"};
  spec.process.env.clear();
  plan = make_plan(spec, "/b");
  ASSERT_TRUE(plan.has_value());
  EXPECT_FALSE(plan->searched_path);
  EXPECT_EQ(plan->exec_candidates, (std::vector<std::string>{"/opt/x"}));

  spec.process.args = {"ls"};
  plan = make_plan(spec, "/b");
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->exec_candidates.size(), 6u);  // the default PATH
  EXPECT_EQ(plan->exec_candidates.front(), "/usr/local/sbin/ls");
}

TEST(MakePlan, DevicesAndLinksWithADevTmpfs) {
  oci::Spec spec = base_spec();
  spec.mounts = {{"/dev", "tmpfs", "tmpfs", {"nosuid", "mode=755"}}, {"/dev/pts", "devpts", "devpts", {"newinstance"}}};
  spec.linux_.devices = {{"c", "/dev/fuse", 10, 229, 0666, std::nullopt, std::nullopt},
                         {"c", "/dev/null", 1, 3, 0600, std::nullopt, std::nullopt}};
  auto plan = make_plan(spec, "/b");
  ASSERT_TRUE(plan.has_value()) << plan.error().message();
  EXPECT_TRUE(plan->dev_is_tmpfs);
  ASSERT_EQ(plan->devices.size(), 7u);  // 6 defaults, /dev/null replaced by the spec's
  EXPECT_EQ(plan->devices.back().path, "/dev/null");
  EXPECT_EQ(plan->devices.back().mode, 0600u);
  EXPECT_EQ(plan->symlinks.back(), (std::pair<std::string, std::string>{"pts/ptmx", "/dev/ptmx"}));
  EXPECT_EQ(plan->mounts[0].data, "mode=755");
  EXPECT_EQ(plan->mounts[0].flags, static_cast<unsigned long>(MS_NOSUID));
}

TEST(MakePlan, ProcessAttributes) {
  oci::Spec spec = base_spec();
  spec.process.rlimits = {{"RLIMIT_NOFILE", 2048, 1024}};
  spec.process.user = {.uid = 1000, .gid = 100, .umask = 077, .additional_gids = {10}};
  spec.process.capabilities = oci::Capabilities{.bounding = {"CAP_KILL", "CAP_CHOWN"}, .effective = {"CAP_KILL"}};
  spec.linux_.sysctl = {{"net.ipv4.ip_forward", "1"}};
  spec.linux_.masked_paths = {"/proc/kcore/"};
  spec.linux_.rootfs_propagation = "rslave";
  auto plan = make_plan(spec, "/b");
  ASSERT_TRUE(plan.has_value()) << plan.error().message();
  ASSERT_EQ(plan->rlimits.size(), 1u);
  EXPECT_EQ(plan->rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(plan->rlimits[0].soft, 1024u);
  EXPECT_EQ(plan->rlimits[0].hard, 2048u);
  EXPECT_EQ(plan->uid, 1000u);
  EXPECT_EQ(plan->umask, 077u);
  EXPECT_EQ(plan->caps.bounding, (uint64_t{1} << 5) | 1u);
  EXPECT_EQ(plan->caps.effective, uint64_t{1} << 5);
  EXPECT_EQ(plan->sysctls[0], (std::pair<std::string, std::string>{"/proc/sys/net/ipv4/ip_forward", "1"}));
  EXPECT_EQ(plan->masked_paths[0], "/proc/kcore");
  EXPECT_EQ(plan->root_propagation, static_cast<unsigned long>(MS_SLAVE | MS_REC));
}

TEST(MakePlan, Refusals) {
  oci::Spec spec = base_spec();
  spec.process.args.clear();
  EXPECT_EQ(make_plan(spec, "/b").error().message(), "process.args: no command given");

  spec = base_spec();
  spec.linux_.namespaces = {{"pid", ""}};
  EXPECT_EQ(make_plan(spec, "/b").error().message(), "linux.namespaces: a mount namespace is required");

  spec = base_spec();
  spec.linux_.namespaces = {{"mount", ""}};
  EXPECT_EQ(make_plan(spec, "/b").error().message(), "hostname: setting the hostname needs a uts namespace");

  spec = base_spec();
  spec.linux_.namespaces.push_back({"bogus", ""});
  EXPECT_EQ(make_plan(spec, "/b").error().message(), "unknown namespace type \"bogus\"");

  spec = base_spec();
  spec.process.rlimits = {{"RLIMIT_BOGUS", 1, 1}};
  EXPECT_EQ(make_plan(spec, "/b").error().message(), "process.rlimits: unknown rlimit \"RLIMIT_BOGUS\"");

  spec = base_spec();
  spec.process.capabilities = oci::Capabilities{.bounding = {"CAP_BOGUS"}};
  EXPECT_EQ(make_plan(spec, "/b").error().message(), "process.capabilities.bounding: unknown capability \"CAP_BOGUS\"");

  spec = base_spec();
  spec.process.cwd = "relative";
  EXPECT_EQ(make_plan(spec, "/b").error().kind(), ErrorKind::InvalidArgument);
}

TEST(CleanPath, Lexical) {
  EXPECT_EQ(clean_path("/a//b/../c/"), "/a/c");
  EXPECT_EQ(clean_path("/../../x"), "/x");
  EXPECT_EQ(clean_path(""), "/");
  EXPECT_EQ(clean_path("/./"), "/");
  EXPECT_EQ(clean_path("rel/x"), "/rel/x");
}

}  // namespace
}  // namespace nook::runtime
