#include "lib/config/config.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/config/test_support.h"

namespace nook::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::write_file;

class ConfigTest : public ::testing::Test {
 protected:
  Result<Config> load(const ConfigOverrides& overrides = {}) { return load_config(env_, overrides); }

  TempDir dir_;
  Environment env_ = testing::rootless_env(dir_);
  std::string run_ = dir_ / "run/user";
  std::string etc_nook_ = env_.system_path("/etc/nook/nook.conf");
  std::string user_nook_ = env_.home + "/.config/nook/nook.conf";
};

TEST_F(ConfigTest, RootlessDefaults) {
  Result<Config> config = load();
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_TRUE(config->rootless);
  EXPECT_EQ(config->runtime_dir, run_);
  EXPECT_EQ(config->graph_root, env_.home + "/.local/share/nook");
  EXPECT_EQ(config->run_root, run_ + "/nook");
  EXPECT_EQ(config->storage_driver, "overlay");
  EXPECT_EQ(config->log_level, "warn");
  EXPECT_EQ(config->graph_root_source, "default");
  EXPECT_EQ(config->containers_conf.containers.pids_limit, 2048);
  EXPECT_EQ(config->registries.short_name_mode, ShortNameMode::Permissive);
  EXPECT_EQ(config->policy.evaluate("docker", "docker.io/library/alpine:latest").decision, PolicyDecision::Accept);
  EXPECT_EQ(config->policy.path, "");
  EXPECT_EQ(config->auth.write_path, run_ + "/containers/auth.json");
  EXPECT_TRUE(config->files_read.empty());
}

TEST_F(ConfigTest, XdgDataHomeMovesTheGraphRoot) {
  env_.vars["XDG_DATA_HOME"] = dir_ / "data";
  EXPECT_EQ(load()->graph_root, dir_ / "data/nook");
}

TEST_F(ConfigTest, RootDefaults) {
  Environment env = testing::root_env(dir_);
  Result<Config> config = load_config(env, {});
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_FALSE(config->rootless);
  EXPECT_EQ(config->graph_root, env.system_path("/var/lib/nook"));
  EXPECT_EQ(config->run_root, env.system_path("/run/nook"));
  EXPECT_EQ(config->runtime_dir, "");
  EXPECT_EQ(config->auth.write_path, env.system_path("/run/containers/0/auth.json"));
  env.vars["XDG_RUNTIME_DIR"] = run_;
  EXPECT_EQ(load_config(env, {})->auth.write_path, run_ + "/containers/auth.json");
}

TEST_F(ConfigTest, UnusableRuntimeDirectoryIsAnError) {
  env_.vars.erase("XDG_RUNTIME_DIR");
  env_.uid = geteuid() + 1;  // the fallback below then belongs to "someone else"
  testing::make_dir(dir_ / fmt::format("tmp/nook-run-{}", env_.uid), 0700);
  Result<Config> config = load();
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().kind(), ErrorKind::Permission);
  EXPECT_THAT(config.error().message(), ::testing::StartsWith("resolving the runtime directory: "));
}

TEST_F(ConfigTest, FullPrecedenceChainForTheRoots) {
  write_file(env_.system_path("/etc/containers/storage.conf"),
             "[storage]\ndriver = \"vfs\"\ngraphroot = \"/var/lib/containers/storage\"\nrunroot = \"/run/containers/storage\"\n");
  Result<Config> config = load();
  ASSERT_TRUE(config.has_value()) << config.error().message();
  // storage.conf's driver is honoured, its roots are not nook's.
  EXPECT_EQ(config->storage_driver, "vfs");
  EXPECT_EQ(config->storage_driver_source, env_.system_path("/etc/containers/storage.conf"));
  EXPECT_EQ(config->graph_root, env_.home + "/.local/share/nook");
  EXPECT_EQ(config->storage_conf.graphroot, "/var/lib/containers/storage");

  write_file(etc_nook_, "[storage]\ngraphroot = \"/etc-root\"\nrunroot = \"/etc-run\"\ndriver = \"overlay\"\n");
  config = load();
  EXPECT_EQ(config->graph_root, "/etc-root");
  EXPECT_EQ(config->run_root, "/etc-run");
  EXPECT_EQ(config->storage_driver, "overlay");
  EXPECT_EQ(config->graph_root_source, etc_nook_);

  write_file(user_nook_, "[storage]\ngraphroot = \"/user-root\"\n");
  config = load();
  EXPECT_EQ(config->graph_root, "/user-root");
  EXPECT_EQ(config->run_root, "/etc-run");
  EXPECT_EQ(config->graph_root_source, user_nook_);

  env_.vars["NOOK_ROOT"] = "/env-root";
  env_.vars["NOOK_RUNROOT"] = "/env-run";
  env_.vars["NOOK_STORAGE_DRIVER"] = "vfs";
  env_.vars["NOOK_LOG_LEVEL"] = "debug";
  config = load();
  EXPECT_EQ(config->graph_root, "/env-root");
  EXPECT_EQ(config->run_root, "/env-run");
  EXPECT_EQ(config->storage_driver, "vfs");
  EXPECT_EQ(config->log_level, "debug");
  EXPECT_EQ(config->graph_root_source, "NOOK_ROOT");
  EXPECT_EQ(config->log_level_source, "NOOK_LOG_LEVEL");

  ConfigOverrides flags{.root = "/flag-root", .runroot = "/flag-run", .storage_driver = "overlay2", .log_level = "error"};
  config = load(flags);
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_EQ(config->graph_root, "/flag-root");
  EXPECT_EQ(config->run_root, "/flag-run");
  EXPECT_EQ(config->storage_driver, "overlay");
  EXPECT_EQ(config->log_level, "error");
  EXPECT_EQ(config->graph_root_source, "--root");
  EXPECT_EQ(config->run_root_source, "--runroot");
  EXPECT_EQ(config->storage_driver_source, "--storage-driver");
  EXPECT_EQ(config->log_level_source, "--log-level");
}

TEST_F(ConfigTest, StorageConfDriverNookDoesNotSupportIsIgnored) {
  write_file(env_.system_path("/etc/containers/storage.conf"), "[storage]\ndriver = \"btrfs\"\n");
  Result<Config> config = load();
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_EQ(config->storage_driver, "overlay");
  EXPECT_EQ(config->storage_conf.driver, "btrfs");
}

TEST_F(ConfigTest, NookConfOverridesContainersConf) {
  write_file(env_.system_path("/etc/containers/containers.conf"),
             "[containers]\npids_limit = 100\ntz = \"UTC\"\n[network]\ndefault_subnet = \"10.1.0.0/16\"\n");
  write_file(env_.home + "/.config/containers/containers.conf", "[containers]\npids_limit = 200\n");
  write_file(etc_nook_, "[containers]\npids_limit = 300\n[engine]\nruntime = \"crun\"\n");
  write_file(user_nook_, "[network]\ndefault_subnet = \"10.9.0.0/16\"\n");
  Result<Config> config = load();
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_EQ(config->containers_conf.containers.pids_limit, 300);
  EXPECT_EQ(config->containers_conf.containers.tz, "UTC");
  EXPECT_EQ(config->containers_conf.engine.runtime, "crun");
  EXPECT_EQ(config->containers_conf.network.default_subnet, "10.9.0.0/16");
}

TEST_F(ConfigTest, FilesReadAreRecordedInOrder) {
  std::string containers = env_.system_path("/etc/containers/containers.conf");
  std::string registries = env_.system_path("/etc/containers/registries.conf");
  std::string shortnames = env_.system_path("/etc/containers/registries.conf.d/shortnames.conf");
  std::string storage = env_.system_path("/usr/share/containers/storage.conf");
  std::string policy = env_.system_path("/etc/containers/policy.json");
  write_file(containers, "");
  write_file(registries, "unqualified-search-registries = [\"docker.io\"]\n");
  write_file(shortnames, "[aliases]\n\"alpine\" = \"docker.io/library/alpine\"\n");
  write_file(storage, "[storage]\ndriver = \"overlay\"\n");
  write_file(policy, R"({"default": [{"type": "reject"}]})");
  write_file(user_nook_, "");
  Result<Config> config = load();
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_THAT(config->files_read, ElementsAre(containers, registries, shortnames, storage, policy, user_nook_));
  EXPECT_EQ(config->policy.path, policy);
  EXPECT_EQ(config->policy.evaluate("docker", "docker.io/library/alpine:latest").decision, PolicyDecision::Reject);
  EXPECT_THAT(config->registries.unqualified_search_registries, ElementsAre("docker.io"));
  EXPECT_EQ(config->registries.resolve_alias("alpine")->value, "docker.io/library/alpine");
}

TEST_F(ConfigTest, BadValuesFromEveryLayer) {
  env_.vars["NOOK_LOG_LEVEL"] = "chatty";
  EXPECT_THAT(load().error().message(), HasSubstr("NOOK_LOG_LEVEL: invalid log level \"chatty\""));
  env_.vars.erase("NOOK_LOG_LEVEL");
  env_.vars["NOOK_STORAGE_DRIVER"] = "zfs";
  EXPECT_THAT(load().error().message(), HasSubstr("NOOK_STORAGE_DRIVER: unsupported storage driver \"zfs\""));
  env_.vars.erase("NOOK_STORAGE_DRIVER");
  env_.vars["NOOK_ROOT"] = "relative/dir";
  EXPECT_THAT(load().error().message(), HasSubstr("NOOK_ROOT: \"relative/dir\" must be an absolute path"));
  env_.vars.erase("NOOK_ROOT");
  ConfigOverrides flags;
  flags.storage_driver = "aufs";
  EXPECT_THAT(load(flags).error().message(), HasSubstr("--storage-driver: unsupported"));
  flags = {};
  flags.log_level = "loud";
  EXPECT_THAT(load(flags).error().message(), HasSubstr("--log-level: invalid log level"));
  flags = {};
  flags.runroot = "run";
  EXPECT_THAT(load(flags).error().message(), HasSubstr("--runroot: \"run\" must be an absolute path"));
  flags = {};
  flags.log_level = "warning";
  Result<Config> config = load(flags);
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_EQ(config->log_level, "warn");
}

TEST_F(ConfigTest, MalformedNookConfNamesFileAndLine) {
  write_file(user_nook_, "[storage]\ngraphroot = \"/x\"\ndriver = \n");
  Result<Config> config = load();
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_THAT(config.error().message(), HasSubstr(fmt::format("loading nook.conf: parsing \"{}\": line 3", user_nook_)));
  write_file(user_nook_, "[storage]\ngraphroot = 5\n");
  EXPECT_THAT(load().error().message(), HasSubstr("line 2, column 13: storage.graphroot: expected a string, found an integer"));
  write_file(user_nook_, "[storage]\ngraphroot = \"relative\"\n");
  EXPECT_THAT(load().error().message(), HasSubstr("storage.graphroot: must be an absolute path"));
  write_file(user_nook_, "[storage]\ndriver = \"btrfs\"\n");
  EXPECT_THAT(load().error().message(), HasSubstr("storage.driver: unsupported storage driver \"btrfs\""));
}

TEST_F(ConfigTest, MalformedPodmanFilesStopTheLoad) {
  std::string registries = env_.system_path("/etc/containers/registries.conf");
  write_file(registries, "unqualified-search-registries = [\"docker.io\"\n");
  Result<Config> config = load();
  ASSERT_FALSE(config.has_value());
  EXPECT_THAT(config.error().message(), HasSubstr(fmt::format("parsing \"{}\": line ", registries)));
  write_file(registries, "");
  std::string policy = env_.home + "/.config/containers/policy.json";
  write_file(policy, R"({"default": [{"type": "rejectish"}]})");
  config = load();
  ASSERT_FALSE(config.has_value());
  EXPECT_THAT(config.error().message(), HasSubstr("loading the signature policy: parsing \"" + policy + "\""));
  write_file(policy, R"({"default": [{"type": "reject"}]})");
  write_file(env_.system_path("/etc/containers/storage.conf"), "[storage]\ndriver = 1\n");
  EXPECT_THAT(load().error().message(), HasSubstr("loading storage.conf: parsing"));
}

TEST(ConfigDriverTest, SupportedDrivers) {
  EXPECT_TRUE(supported_storage_driver("overlay"));
  EXPECT_TRUE(supported_storage_driver("overlay2"));
  EXPECT_TRUE(supported_storage_driver("vfs"));
  EXPECT_TRUE(supported_storage_driver("fuse-overlayfs"));
  EXPECT_FALSE(supported_storage_driver("btrfs"));
  EXPECT_FALSE(supported_storage_driver(""));
}

}  // namespace
}  // namespace nook::config
