// --security-opt handling; stop/kill/rm/wait act on running containers and are tested end to end
// in tests/e2e/090-run.bats.
#include <gtest/gtest.h>

#include "lib/engine/container_internal.h"
#include "lib/sys/file.h"

namespace nook::engine {
namespace {

TEST(SecurityOptions, NoNewPrivilegesAndUnconfined) {
  oci::SpecOptions options;
  ASSERT_TRUE(apply_security_options({"no-new-privileges", "seccomp=unconfined", "label=disable"}, options));
  EXPECT_TRUE(options.no_new_privileges);
  EXPECT_TRUE(options.seccomp_unconfined);
  oci::SpecOptions off;
  ASSERT_TRUE(apply_security_options({"no-new-privileges=false"}, off));
  EXPECT_FALSE(off.no_new_privileges);
  EXPECT_FALSE(off.seccomp_unconfined);
}

TEST(SecurityOptions, ReadsAProfileFile) {
  auto dir = sys::make_temp_dir("/tmp", "nook-secopt-");
  ASSERT_TRUE(dir);
  std::string path = dir->path() + "/profile.json";
  ASSERT_TRUE(sys::write_file_atomic(path, R"({"defaultAction": "SCMP_ACT_ALLOW"})"));
  oci::SpecOptions options;
  ASSERT_TRUE(apply_security_options({"seccomp=" + path}, options));
  ASSERT_TRUE(options.seccomp_profile_json);
  EXPECT_NE(options.seccomp_profile_json->find("SCMP_ACT_ALLOW"), std::string::npos);
}

TEST(SecurityOptions, RejectsUnknownOptionsAndMissingFiles) {
  oci::SpecOptions options;
  auto unknown = apply_security_options({"bogus=1"}, options);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind(), ErrorKind::InvalidArgument);
  auto missing = apply_security_options({"seccomp=/no/such/profile.json"}, options);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("opening seccomp profile failed"), std::string::npos);
  EXPECT_FALSE(apply_security_options({"no-new-privileges=maybe"}, options));
}

}  // namespace
}  // namespace nook::engine
