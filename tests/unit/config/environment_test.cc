#include "lib/config/environment.h"

#include <unistd.h>

#include <cstdlib>

#include <gtest/gtest.h>

namespace nook::config {
namespace {

TEST(EnvironmentTest, FromProcessSnapshotsIdsAndVariables) {
  ASSERT_EQ(setenv("NOOK_CONFIG_TEST_VAR", "value one", 1), 0);
  ASSERT_EQ(setenv("NOOK_CONFIG_TEST_EMPTY", "", 1), 0);
  Environment env = Environment::from_process();
  unsetenv("NOOK_CONFIG_TEST_VAR");
  unsetenv("NOOK_CONFIG_TEST_EMPTY");

  EXPECT_EQ(env.uid, getuid());
  EXPECT_EQ(env.euid, geteuid());
  EXPECT_EQ(env.get("NOOK_CONFIG_TEST_VAR"), "value one");
  EXPECT_EQ(env.get("NOOK_CONFIG_TEST_EMPTY"), "");
  EXPECT_TRUE(env.system_root.empty());
  // The snapshot does not follow later changes to the process.
  EXPECT_EQ(env.get("NOOK_CONFIG_TEST_VAR"), "value one");
}

TEST(EnvironmentTest, HomeComesFromHomeVariableFirst) {
  const char* old_home = std::getenv("HOME");
  std::string saved = old_home ? old_home : "";
  ASSERT_EQ(setenv("HOME", "/nonexistent/home", 1), 0);
  Environment env = Environment::from_process();
  if (old_home) {
    setenv("HOME", saved.c_str(), 1);
  } else {
    unsetenv("HOME");
  }
  EXPECT_EQ(env.home, "/nonexistent/home");
}

TEST(EnvironmentTest, HomeFallsBackToPasswd) {
  const char* old_home = std::getenv("HOME");
  std::string saved = old_home ? old_home : "";
  unsetenv("HOME");
  Environment env = Environment::from_process();
  if (old_home) setenv("HOME", saved.c_str(), 1);
  // Every test machine has a passwd entry for the user running the tests.
  EXPECT_FALSE(env.home.empty());
  EXPECT_FALSE(env.user_name.empty());
}

TEST(EnvironmentTest, GetDistinguishesUnsetFromEmpty) {
  Environment env;
  env.vars = {{"SET", "x"}, {"EMPTY", ""}};
  EXPECT_EQ(env.get("SET"), "x");
  EXPECT_EQ(env.get("EMPTY"), "");
  EXPECT_EQ(env.get("UNSET"), std::nullopt);
  EXPECT_EQ(env.get_nonempty("SET"), "x");
  EXPECT_EQ(env.get_nonempty("EMPTY"), std::nullopt);
  EXPECT_EQ(env.get_nonempty("UNSET"), std::nullopt);
}

TEST(EnvironmentTest, RootlessMeansNonZeroUid) {
  Environment env;
  env.uid = 0;
  EXPECT_FALSE(env.rootless());
  env.uid = 1000;
  EXPECT_TRUE(env.rootless());
}

TEST(EnvironmentTest, SystemPathPrefixesTheSystemRoot) {
  Environment env;
  EXPECT_EQ(env.system_path("/etc/containers"), "/etc/containers");
  env.system_root = "/tmp/root/";
  EXPECT_EQ(env.system_path("/etc/containers"), "/tmp/root/etc/containers");
  env.system_root = "/tmp/root";
  EXPECT_EQ(env.system_path("/run/nook"), "/tmp/root/run/nook");
}

}  // namespace
}  // namespace nook::config
