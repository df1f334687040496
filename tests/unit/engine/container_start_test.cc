// The pure parts of starting containers; the whole start path runs end to end in
// tests/e2e/090-run.bats (it needs the user namespace and the monitor).
#include <gtest/gtest.h>

#include "lib/engine/container_internal.h"

namespace nook::engine {
namespace {

TEST(RestartPolicy, AcceptsPodmansPolicies) {
  std::string policy;
  int retries = -1;
  ASSERT_TRUE(parse_restart_policy("no", &policy, &retries));
  EXPECT_EQ(policy, "no");
  ASSERT_TRUE(parse_restart_policy("", &policy, &retries));
  EXPECT_EQ(policy, "no");
  ASSERT_TRUE(parse_restart_policy("always", &policy, &retries));
  EXPECT_EQ(policy, "always");
  ASSERT_TRUE(parse_restart_policy("unless-stopped", &policy, &retries));
  EXPECT_EQ(policy, "unless-stopped");
  ASSERT_TRUE(parse_restart_policy("on-failure:3", &policy, &retries));
  EXPECT_EQ(policy, "on-failure");
  EXPECT_EQ(retries, 3);
}

TEST(RestartPolicy, RejectsTheRest) {
  std::string policy;
  int retries = 0;
  for (const char* bad : {"sometimes", "always:3", "on-failure:", "on-failure:x", "no:1"}) {
    auto parsed = parse_restart_policy(bad, &policy, &retries);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().kind(), ErrorKind::InvalidArgument) << bad;
  }
}

TEST(ParseSize, TakesPodmanUnits) {
  EXPECT_EQ(*parse_size("64m"), 64 * 1024 * 1024);
  EXPECT_FALSE(parse_size("lots"));
}

}  // namespace
}  // namespace nook::engine
