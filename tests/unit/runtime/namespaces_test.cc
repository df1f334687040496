#include "lib/runtime/namespaces.h"

#include <gtest/gtest.h>
#include <sched.h>

namespace nook::runtime {
namespace {

TEST(NamespaceFlag, SpecNames) {
  EXPECT_EQ(namespace_flag("pid").value(), CLONE_NEWPID);
  EXPECT_EQ(namespace_flag("network").value(), CLONE_NEWNET);
  EXPECT_EQ(namespace_flag("mount").value(), CLONE_NEWNS);
  EXPECT_EQ(namespace_flag("cgroup").value(), CLONE_NEWCGROUP);
  EXPECT_EQ(namespace_flag("user").value(), CLONE_NEWUSER);
  EXPECT_FALSE(namespace_flag("mnt").has_value());
  EXPECT_EQ(namespace_proc_name(CLONE_NEWNET), "net");
  EXPECT_EQ(namespace_proc_name(CLONE_NEWNS), "mnt");
}

TEST(IdMapText, OneLinePerMapping) {
  EXPECT_EQ(id_map_text({{0, 1000, 1}, {1, 100000, 65536}}), "0 1000 1\n1 100000 65536\n");
  EXPECT_EQ(id_map_text({}), "");
}

}  // namespace
}  // namespace nook::runtime
