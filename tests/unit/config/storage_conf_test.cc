#include "lib/config/storage_conf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lib/config/toml_adapter.h"
#include "tests/unit/config/test_support.h"

namespace nook::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::write_file;

Result<StorageConf> parsed_storage(std::string_view text) {
  StorageConf conf;
  Result<toml::table> table = parse_toml(text, "/etc/containers/storage.conf");
  if (!table) return fail(table.error());
  NOOK_TRY_VOID(parse_storage_conf(*table, "/etc/containers/storage.conf", conf));
  return conf;
}

TEST(StorageConfTest, ParsesTheKeys) {
  Result<StorageConf> conf = parsed_storage(R"(
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
rootless_storage_path = "$HOME/.local/share/containers/storage"
driver_priority = ["overlay", "btrfs"]

[storage.options]
additionalimagestores = ["/usr/lib/containers/storage"]
pull_options = {enable_partial_images = "true"}

[storage.options.overlay]
mount_program = "/usr/bin/fuse-overlayfs"
mountopt = "nodev,metacopy=on"
ignore_chown_errors = "true"
)");
  ASSERT_TRUE(conf.has_value()) << conf.error().message();
  EXPECT_EQ(conf->driver, "overlay");
  EXPECT_EQ(conf->runroot, "/run/containers/storage");
  EXPECT_EQ(conf->graphroot, "/var/lib/containers/storage");
  EXPECT_EQ(conf->rootless_storage_path, "$HOME/.local/share/containers/storage");
  EXPECT_THAT(conf->additional_image_stores, ElementsAre("/usr/lib/containers/storage"));
  EXPECT_EQ(conf->mount_program, "/usr/bin/fuse-overlayfs");
  EXPECT_EQ(conf->mount_options, "nodev,metacopy=on");
  EXPECT_TRUE(conf->ignore_chown_errors);
}

TEST(StorageConfTest, OlderOptionsPlacementAndBooleans) {
  Result<StorageConf> conf = parsed_storage("[storage.options]\nmount_program = \"/old/fuse-overlayfs\"\n"
                                    "[storage.options.overlay]\nignore_chown_errors = true\n");
  ASSERT_TRUE(conf.has_value()) << conf.error().message();
  EXPECT_EQ(conf->mount_program, "/old/fuse-overlayfs");
  EXPECT_TRUE(conf->ignore_chown_errors);
  EXPECT_FALSE(parsed_storage("[storage.options.overlay]\nignore_chown_errors = \"false\"\n")->ignore_chown_errors);
}

TEST(StorageConfTest, EmptyFileIsFine) {
  Result<StorageConf> conf = parsed_storage("");
  ASSERT_TRUE(conf.has_value());
  EXPECT_EQ(conf->driver, "");
}

TEST(StorageConfTest, Malformed) {
  EXPECT_THAT(parsed_storage("[storage]\ndriver = [\"overlay\"]\n").error().message(),
              HasSubstr("parsing \"/etc/containers/storage.conf\": line 2, column 10: storage.driver: expected a string, found an array"));
  EXPECT_THAT(parsed_storage("[storage.options.overlay]\nignore_chown_errors = \"maybe\"\n").error().message(),
              HasSubstr("expected \"true\" or \"false\""));
  EXPECT_THAT(parsed_storage("[storage.options]\nadditionalimagestores = \"/x\"\n").error().message(),
              HasSubstr("storage.options.additionalimagestores: expected an array of strings"));
  EXPECT_THAT(parsed_storage("[storage]\ndriver = \"overlay\n").error().message(), HasSubstr("line 2"));
}

TEST(StorageConfTest, OnlyTheFirstExistingFileIsRead) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  write_file(env.system_path("/usr/share/containers/storage.conf"),
             "[storage]\ndriver = \"vfs\"\ngraphroot = \"/share\"\nrunroot = \"/share-run\"\n");
  write_file(env.system_path("/etc/containers/storage.conf"), "[storage]\ngraphroot = \"/etc-root\"\n");
  std::vector<std::string> files_read;
  Result<StorageConf> conf = load_storage_conf(env, &files_read);
  ASSERT_TRUE(conf.has_value()) << conf.error().message();
  // No inheritance between storage.conf files: /etc wins entirely.
  EXPECT_EQ(conf->graphroot, "/etc-root");
  EXPECT_EQ(conf->driver, "");
  EXPECT_EQ(conf->runroot, "");
  EXPECT_EQ(conf->path, env.system_path("/etc/containers/storage.conf"));
  EXPECT_THAT(files_read, ElementsAre(env.system_path("/etc/containers/storage.conf")));
}

TEST(StorageConfTest, UserFileAndEnvironmentVariable) {
  TempDir dir;
  Environment env = testing::rootless_env(dir);
  write_file(env.system_path("/etc/containers/storage.conf"), "[storage]\ndriver = \"overlay\"\n");
  write_file(env.home + "/.config/containers/storage.conf", "[storage]\ndriver = \"vfs\"\n");
  EXPECT_EQ(load_storage_conf(env)->driver, "vfs");
  write_file(dir / "explicit.conf", "[storage]\ndriver = \"btrfs\"\n");
  env.vars["CONTAINERS_STORAGE_CONF"] = dir / "explicit.conf";
  EXPECT_EQ(load_storage_conf(env)->driver, "btrfs");
  env.vars["CONTAINERS_STORAGE_CONF"] = dir / "missing.conf";
  Result<StorageConf> conf = load_storage_conf(env);
  ASSERT_FALSE(conf.has_value());
  EXPECT_EQ(conf.error().kind(), ErrorKind::NotFound);
  EXPECT_THAT(conf.error().message(), HasSubstr("missing.conf"));
}

TEST(StorageConfTest, NoFileGivesEmptyConf) {
  TempDir dir;
  Environment env = testing::root_env(dir);
  std::vector<std::string> files_read;
  Result<StorageConf> conf = load_storage_conf(env, &files_read);
  ASSERT_TRUE(conf.has_value());
  EXPECT_EQ(conf->path, "");
  EXPECT_TRUE(files_read.empty());
}

}  // namespace
}  // namespace nook::config
