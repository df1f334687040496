#include "lib/config/paths.h"

#include <sys/stat.h>
#include <unistd.h>

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

std::vector<std::string> paths_of(const std::vector<ConfigFile>& files) {
  std::vector<std::string> result;
  for (const ConfigFile& file : files) result.push_back(file.path);
  return result;
}

TEST(PathsTest, XdgDirectoriesFallBackToHome) {
  Environment env;
  env.home = "/home/u";
  EXPECT_EQ(xdg_config_home(env), "/home/u/.config");
  EXPECT_EQ(xdg_data_home(env), "/home/u/.local/share");
  EXPECT_EQ(xdg_cache_home(env), "/home/u/.cache");
  env.vars = {{"XDG_CONFIG_HOME", "/c"}, {"XDG_DATA_HOME", "/d"}, {"XDG_CACHE_HOME", ""}};
  EXPECT_EQ(xdg_config_home(env), "/c");
  EXPECT_EQ(xdg_data_home(env), "/d");
  EXPECT_EQ(xdg_cache_home(env), "/home/u/.cache");  // empty counts as unset
}

TEST(PathsTest, NookRootsRootless) {
  Environment env;
  env.uid = 1000;
  env.home = "/home/u";
  EXPECT_EQ(default_graph_root(env), "/home/u/.local/share/nook");
  env.vars = {{"XDG_DATA_HOME", "/data"}};
  EXPECT_EQ(default_graph_root(env), "/data/nook");
  EXPECT_EQ(default_run_root(env, "/run/user/1000"), "/run/user/1000/nook");
}

TEST(PathsTest, NookRootsAsRoot) {
  Environment env;
  env.uid = 0;
  env.home = "/root";
  env.vars = {{"XDG_DATA_HOME", "/data"}};
  EXPECT_EQ(default_graph_root(env), "/var/lib/nook");
  EXPECT_EQ(default_run_root(env, "/run/user/0"), "/run/nook");
  env.system_root = "/sysroot";
  EXPECT_EQ(default_graph_root(env), "/sysroot/var/lib/nook");
}

TEST(PathsTest, RuntimeDirUsesXdgRuntimeDirOwnedByUser) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  Result<std::string> runtime = resolve_runtime_dir(env);
  ASSERT_TRUE(runtime.has_value()) << runtime.error().message();
  EXPECT_EQ(*runtime, dir / "run/user");
}

TEST(PathsTest, RuntimeDirUnsetFallsBackToPrivateTmpDir) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  env.uid = geteuid();  // the fallback is created by this process, so it must be "us"
  env.vars.erase("XDG_RUNTIME_DIR");
  mode_t old_umask = umask(022);
  Result<std::string> runtime = resolve_runtime_dir(env);
  umask(old_umask);
  ASSERT_TRUE(runtime.has_value()) << runtime.error().message();
  EXPECT_EQ(*runtime, dir / fmt::format("tmp/nook-run-{}", env.uid));
  EXPECT_EQ(testing::mode_of(*runtime), 0700u);
  // Idempotent.
  EXPECT_EQ(*resolve_runtime_dir(env), *runtime);
}

TEST(PathsTest, RuntimeDirMissingFallsBack) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  env.uid = geteuid();
  env.vars["XDG_RUNTIME_DIR"] = dir / "does/not/exist";
  Result<std::string> runtime = resolve_runtime_dir(env);
  ASSERT_TRUE(runtime.has_value()) << runtime.error().message();
  EXPECT_EQ(*runtime, dir / fmt::format("tmp/nook-run-{}", env.uid));
}

TEST(PathsTest, RuntimeDirOwnedBySomeoneElseFallsBack) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another uid";
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  env.uid = 0;
  testing::give_to(dir / "run/user", 4242);  // e.g. XDG_RUNTIME_DIR kept across `su`
  Result<std::string> runtime = resolve_runtime_dir(env);
  ASSERT_TRUE(runtime.has_value()) << runtime.error().message();
  EXPECT_EQ(*runtime, dir / "tmp/nook-run-0");
}

TEST(PathsTest, FallbackOwnedBySomeoneElseIsAnError) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  env.vars.erase("XDG_RUNTIME_DIR");
  // The fallback directory exists already, created by this process, but the user is someone else.
  env.uid = geteuid() + 1;
  std::string planted = dir / fmt::format("tmp/nook-run-{}", env.uid);
  testing::make_dir(planted, 0700);
  Result<std::string> runtime = resolve_runtime_dir(env);
  ASSERT_FALSE(runtime.has_value());
  EXPECT_EQ(runtime.error().kind(), ErrorKind::Permission);
  EXPECT_THAT(runtime.error().message(), HasSubstr(planted));
  EXPECT_THAT(runtime.error().message(), HasSubstr(fmt::format("owned by uid {}", geteuid())));
}

TEST(PathsTest, FallbackSymlinkIsAnError) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  env.uid = geteuid();
  env.vars.erase("XDG_RUNTIME_DIR");
  testing::make_dir(dir / "elsewhere", 0700);
  std::string planted = dir / fmt::format("tmp/nook-run-{}", env.uid);
  ASSERT_EQ(symlink((dir / "elsewhere").c_str(), planted.c_str()), 0);
  Result<std::string> runtime = resolve_runtime_dir(env);
  ASSERT_FALSE(runtime.has_value());
  EXPECT_EQ(runtime.error().kind(), ErrorKind::Permission);
}

TEST(PathsTest, FallbackWithLooseModeIsTightened) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  env.uid = geteuid();
  env.vars.erase("XDG_RUNTIME_DIR");
  std::string fallback = dir / fmt::format("tmp/nook-run-{}", env.uid);
  testing::make_dir(fallback, 0755);
  ASSERT_EQ(chmod(fallback.c_str(), 0755), 0);
  ASSERT_TRUE(resolve_runtime_dir(env).has_value());
  EXPECT_EQ(testing::mode_of(fallback), 0700u);
}

TEST(PathsTest, RunUserDirIsPreferredOverTmp) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  env.vars.erase("XDG_RUNTIME_DIR");
  std::string run_user = env.system_path(fmt::format("/run/user/{}", env.uid));
  testing::make_dir(run_user, 0700);
  testing::give_to(run_user, env.uid);
  Result<std::string> runtime = resolve_runtime_dir(env);
  ASSERT_TRUE(runtime.has_value()) << runtime.error().message();
  EXPECT_EQ(*runtime, run_user);
}

TEST(PathsTest, ContainersConfFilesInPrecedenceOrder) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  write_file(env.system_path("/etc/containers/containers.conf.d/20-b.conf"), "");
  write_file(env.system_path("/etc/containers/containers.conf.d/10-a.conf"), "");
  write_file(env.system_path("/etc/containers/containers.conf.d/README"), "");
  write_file(env.home + "/.config/containers/containers.conf.d/01-user.conf", "");
  Result<std::vector<ConfigFile>> files = containers_conf_files(env);
  ASSERT_TRUE(files.has_value()) << files.error().message();
  EXPECT_THAT(paths_of(*files),
              ElementsAre(env.system_path("/usr/share/containers/containers.conf"),
                          env.system_path("/etc/containers/containers.conf"),
                          env.system_path("/etc/containers/containers.conf.d/10-a.conf"),
                          env.system_path("/etc/containers/containers.conf.d/20-b.conf"),
                          env.home + "/.config/containers/containers.conf",
                          env.home + "/.config/containers/containers.conf.d/01-user.conf"));
  for (const ConfigFile& file : *files) EXPECT_FALSE(file.required);
}

TEST(PathsTest, ContainersConfUserFilesOnlyRootless) {
  TempDir dir;
  Environment env = testing::root_env(dir);
  Result<std::vector<ConfigFile>> files = containers_conf_files(env);
  ASSERT_TRUE(files.has_value());
  EXPECT_THAT(paths_of(*files), ElementsAre(env.system_path("/usr/share/containers/containers.conf"),
                                            env.system_path("/etc/containers/containers.conf")));
}

TEST(PathsTest, ContainersConfEnvironmentVariables) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  env.vars["CONTAINERS_CONF"] = "/only.conf";
  env.vars["CONTAINERS_CONF_OVERRIDE"] = "/last.conf";
  Result<std::vector<ConfigFile>> files = containers_conf_files(env);
  ASSERT_TRUE(files.has_value());
  ASSERT_THAT(paths_of(*files), ElementsAre("/only.conf", "/last.conf"));
  EXPECT_TRUE((*files)[0].required);
  EXPECT_TRUE((*files)[1].required);
  env.vars.erase("CONTAINERS_CONF");
  files = containers_conf_files(env);
  ASSERT_TRUE(files.has_value());
  EXPECT_EQ(files->back().path, "/last.conf");
  EXPECT_EQ(files->front().path, env.system_path("/usr/share/containers/containers.conf"));
}

TEST(PathsTest, RegistriesConfSystemThenDropIns) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  write_file(env.system_path("/etc/containers/registries.conf.d/shortnames.conf"), "");
  write_file(env.system_path("/etc/containers/registries.conf.d/00-first.conf"), "");
  write_file(env.home + "/.config/containers/registries.conf.d/mine.conf", "");
  Result<std::vector<ConfigFile>> files = registries_conf_files(env);
  ASSERT_TRUE(files.has_value());
  EXPECT_THAT(paths_of(*files), ElementsAre(env.system_path("/etc/containers/registries.conf"),
                                            env.system_path("/etc/containers/registries.conf.d/00-first.conf"),
                                            env.system_path("/etc/containers/registries.conf.d/shortnames.conf"),
                                            env.home + "/.config/containers/registries.conf.d/mine.conf"));
}

TEST(PathsTest, RegistriesConfUserFileHidesSystemFiles) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  write_file(env.system_path("/etc/containers/registries.conf.d/shortnames.conf"), "");
  write_file(env.home + "/.config/containers/registries.conf", "");
  write_file(env.home + "/.config/containers/registries.conf.d/mine.conf", "");
  Result<std::vector<ConfigFile>> files = registries_conf_files(env);
  ASSERT_TRUE(files.has_value());
  EXPECT_THAT(paths_of(*files), ElementsAre(env.home + "/.config/containers/registries.conf",
                                            env.home + "/.config/containers/registries.conf.d/mine.conf"));
}

TEST(PathsTest, RegistriesConfEnvironmentVariableReplacesMainFile) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  write_file(env.home + "/.config/containers/registries.conf", "");
  env.vars["CONTAINERS_REGISTRIES_CONF"] = "/my/registries.conf";
  Result<std::vector<ConfigFile>> files = registries_conf_files(env);
  ASSERT_TRUE(files.has_value());
  ASSERT_FALSE(files->empty());
  EXPECT_EQ(files->front().path, "/my/registries.conf");
  EXPECT_TRUE(files->front().required);
}

TEST(PathsTest, StorageConfFirstExistingWins) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  EXPECT_EQ(*storage_conf_file(env), std::nullopt);
  write_file(env.system_path("/usr/share/containers/storage.conf"), "");
  EXPECT_EQ((*storage_conf_file(env))->path, env.system_path("/usr/share/containers/storage.conf"));
  write_file(env.system_path("/etc/containers/storage.conf"), "");
  EXPECT_EQ((*storage_conf_file(env))->path, env.system_path("/etc/containers/storage.conf"));
  write_file(env.home + "/.config/containers/storage.conf", "");
  EXPECT_EQ((*storage_conf_file(env))->path, env.home + "/.config/containers/storage.conf");
  env.vars["CONTAINERS_STORAGE_CONF"] = "/explicit.conf";
  auto file = *storage_conf_file(env);
  EXPECT_EQ(file->path, "/explicit.conf");
  EXPECT_TRUE(file->required);
}

TEST(PathsTest, StorageConfUserFileIgnoredAsRoot) {
  TempDir dir;
  Environment env = testing::root_env(dir);
  write_file(env.home + "/.config/containers/storage.conf", "");
  EXPECT_EQ(*storage_conf_file(env), std::nullopt);
}

TEST(PathsTest, PolicyJsonUserThenSystem) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  EXPECT_EQ(*policy_json_path(env), std::nullopt);
  write_file(env.system_path("/etc/containers/policy.json"), "{}");
  EXPECT_EQ(*policy_json_path(env), env.system_path("/etc/containers/policy.json"));
  write_file(env.home + "/.config/containers/policy.json", "{}");
  EXPECT_EQ(*policy_json_path(env), env.home + "/.config/containers/policy.json");
}

TEST(PathsTest, NookConfFiles) {
  Environment env;
  env.home = "/home/u";
  env.system_root = "/s";
  EXPECT_THAT(nook_conf_files(env), ElementsAre("/s/etc/nook/nook.conf", "/home/u/.config/nook/nook.conf"));
}

TEST(PathsTest, AuthPathsRootless) {
  Environment env;
  env.uid = 1000;
  env.home = "/home/u";
  AuthPaths paths = auth_file_paths(env, "/run/user/1000");
  EXPECT_EQ(paths.write_path, "/run/user/1000/containers/auth.json");
  EXPECT_THAT(paths.read_paths, ElementsAre("/run/user/1000/containers/auth.json",
                                            "/home/u/.config/containers/auth.json", "/home/u/.docker/config.json"));
  EXPECT_FALSE(paths.user_specified);
  env.vars = {{"DOCKER_CONFIG", "/dc"}, {"XDG_CONFIG_HOME", "/cfg"}};
  paths = auth_file_paths(env, "/run/user/1000");
  EXPECT_THAT(paths.read_paths, ElementsAre("/run/user/1000/containers/auth.json", "/cfg/containers/auth.json",
                                            "/dc/config.json"));
}

TEST(PathsTest, AuthPathsRootWithoutRuntimeDir) {
  Environment env;
  env.uid = 0;
  env.home = "/root";
  AuthPaths paths = auth_file_paths(env, "");
  EXPECT_EQ(paths.write_path, "/run/containers/0/auth.json");
}

TEST(PathsTest, AuthPathsRegistryAuthFile) {
  Environment env;
  env.uid = 1000;
  env.home = "/home/u";
  env.vars = {{"REGISTRY_AUTH_FILE", "/my/auth.json"}};
  AuthPaths paths = auth_file_paths(env, "/run/user/1000");
  EXPECT_EQ(paths.write_path, "/my/auth.json");
  EXPECT_THAT(paths.read_paths, ElementsAre("/my/auth.json"));
  EXPECT_TRUE(paths.user_specified);
}

TEST(PathsTest, ShortNameAliasCache) {
  Environment env;
  env.uid = 1000;
  env.home = "/home/u";
  EXPECT_EQ(short_name_alias_cache_path(env), "/home/u/.cache/containers/short-name-aliases.conf");
  env.uid = 0;
  EXPECT_EQ(short_name_alias_cache_path(env), "/var/cache/containers/short-name-aliases.conf");
}

}  // namespace
}  // namespace nook::config
