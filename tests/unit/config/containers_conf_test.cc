#include "lib/config/containers_conf.h"

#include <fmt/format.h>
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

Result<ContainersConf> merged(std::string_view text, std::string_view path = "/test/containers.conf") {
  ContainersConf conf;
  Result<toml::table> table = parse_toml(text, path);
  if (!table) return fail(table.error());
  NOOK_TRY_VOID(merge_containers_conf(*table, path, conf));
  return conf;
}

TEST(ContainersConfTest, DefaultsArePodmans) {
  ContainersConf conf;
  EXPECT_EQ(conf.containers.pids_limit, 2048);
  EXPECT_EQ(conf.containers.log_size_max, -1);
  EXPECT_EQ(conf.containers.umask, "0022");
  EXPECT_EQ(conf.containers.shm_size, "65536k");
  EXPECT_EQ(conf.containers.userns, "host");
  EXPECT_EQ(conf.containers.netns, "private");
  EXPECT_FALSE(conf.containers.no_hosts);
  EXPECT_EQ(conf.containers.base_hosts_file, "");
  EXPECT_EQ(conf.containers.default_capabilities.size(), 11u);
  EXPECT_THAT(conf.containers.env, ElementsAre("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  EXPECT_EQ(conf.engine.image_default_transport, "docker://");
  EXPECT_EQ(conf.network.default_rootless_network_cmd, "slirp4netns");
  EXPECT_EQ(conf.network.default_subnet, "10.88.0.0/16");
  EXPECT_EQ(conf.network.dns_bind_port, 53);
}

TEST(ContainersConfTest, ParsesARealisticFileAndIgnoresUnknownKeys) {
  std::string path = std::string(NOOK_SOURCE_DIR) + "/tests/unit/config/testdata/containers.conf";
  Result<toml::table> table = read_toml_file(path);
  ASSERT_TRUE(table.has_value()) << table.error().message();
  ContainersConf conf;
  Result<void> ok = merge_containers_conf(*table, path, conf);
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  const auto& c = conf.containers;
  EXPECT_THAT(c.default_capabilities, ElementsAre("CHOWN", "KILL", "NET_BIND_SERVICE"));
  EXPECT_THAT(c.default_sysctls, ElementsAre("net.ipv4.ping_group_range=0 0"));
  EXPECT_THAT(c.default_ulimits, ElementsAre("nofile=1024:2048"));
  EXPECT_THAT(c.env, ElementsAre("PATH=/usr/bin:/bin", "TERM=xterm"));
  EXPECT_EQ(c.init_path, "/usr/libexec/podman/catatonit");
  EXPECT_EQ(c.log_driver, "k8s-file");
  EXPECT_EQ(c.log_size_max, 1048576);
  EXPECT_EQ(c.pids_limit, 2048);
  EXPECT_EQ(c.shm_size, "128m");
  EXPECT_EQ(c.tz, "local");
  EXPECT_EQ(c.umask, "0027");
  EXPECT_EQ(c.userns, "keep-id");
  EXPECT_EQ(c.cgroups, "no-conmon");
  EXPECT_EQ(c.netns, "slirp4netns");
  EXPECT_THAT(c.dns_servers, ElementsAre("1.1.1.1"));
  EXPECT_THAT(c.dns_searches, ElementsAre("example.com"));
  EXPECT_THAT(c.dns_options, ElementsAre("ndots:2"));
  EXPECT_TRUE(c.no_hosts);
  EXPECT_EQ(c.base_hosts_file, "image");
  EXPECT_EQ(conf.engine.cgroup_manager, "cgroupfs");
  EXPECT_EQ(conf.engine.events_logger, "file");
  EXPECT_EQ(conf.engine.runtime, "crun");
  EXPECT_THAT(conf.engine.helper_binaries_dir, ElementsAre("/usr/lib/podman"));
  EXPECT_THAT(conf.engine.runtimes["crun"], ElementsAre("/usr/bin/crun", "/usr/local/bin/crun"));
  EXPECT_THAT(conf.engine.runtimes["runc"], ElementsAre("/usr/sbin/runc"));
  EXPECT_EQ(conf.network.network_backend, "netavark");
  EXPECT_EQ(conf.network.default_subnet, "10.89.0.0/16");
  EXPECT_EQ(conf.network.default_rootless_network_cmd, "slirp4netns");
  EXPECT_EQ(conf.network.dns_bind_port, 5353);
}

TEST(ContainersConfTest, LaterFilesOverrideOnlyTheKeysTheySet) {
  ContainersConf conf;
  Result<toml::table> first = parse_toml("[containers]\npids_limit = 10\ntz = \"UTC\"\n", "/a.conf");
  Result<toml::table> second = parse_toml("[containers]\npids_limit = 20\n", "/b.conf");
  ASSERT_TRUE(merge_containers_conf(*first, "/a.conf", conf).has_value());
  ASSERT_TRUE(merge_containers_conf(*second, "/b.conf", conf).has_value());
  EXPECT_EQ(conf.containers.pids_limit, 20);
  EXPECT_EQ(conf.containers.tz, "UTC");
}

TEST(ContainersConfTest, AppendToStringArrays) {
  // containers.conf(5): env=["1"], env=["2"], env=["3", {append=true}], env=["4"] -> ["2", "3", "4"].
  ContainersConf conf;
  int n = 0;
  for (std::string_view text : {"[containers]\nenv = [\"1=true\"]\n", "[containers]\nenv = [\"2=true\"]\n",
                                "[containers]\nenv = [\"3=true\", {append=true}]\n",
                                "[containers]\nenv = [\"4=true\"]\n"}) {
    std::string path = fmt::format("/{}.conf", ++n);
    Result<toml::table> table = parse_toml(text, path);
    ASSERT_TRUE(table.has_value());
    ASSERT_TRUE(merge_containers_conf(*table, path, conf).has_value());
  }
  EXPECT_THAT(conf.containers.env, ElementsAre("2=true", "3=true", "4=true"));
  Result<toml::table> reset = parse_toml("[containers]\nenv = [\"5=true\", {append=false}]\n", "/5.conf");
  ASSERT_TRUE(merge_containers_conf(*reset, "/5.conf", conf).has_value());
  EXPECT_THAT(conf.containers.env, ElementsAre("5=true"));
}

TEST(ContainersConfTest, WrongTypeNamesFileKeyLineAndType) {
  Result<ContainersConf> conf = merged("[containers]\npids_limit = \"x\"\n", "/home/u/.config/containers/containers.conf");
  ASSERT_FALSE(conf.has_value());
  EXPECT_EQ(conf.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_EQ(conf.error().message(),
            "parsing \"/home/u/.config/containers/containers.conf\": line 2, column 14: containers.pids_limit: "
            "expected an integer, found a string");
}

TEST(ContainersConfTest, WrongTypesInEverySection) {
  EXPECT_THAT(merged("[containers]\nenv = \"PATH=/bin\"\n").error().message(),
              HasSubstr("containers.env: expected an array of strings, found a string"));
  EXPECT_THAT(merged("[engine]\nruntime = 1\n").error().message(), HasSubstr("engine.runtime: expected a string"));
  EXPECT_THAT(merged("[containers]\nno_hosts = \"yes\"\n").error().message(),
              HasSubstr("containers.no_hosts: expected a boolean, found a string"));
  EXPECT_THAT(merged("[network]\ndns_bind_port = \"53\"\n").error().message(),
              HasSubstr("network.dns_bind_port: expected an integer"));
  EXPECT_THAT(merged("containers = 5\n").error().message(), HasSubstr("containers: expected a table"));
  EXPECT_THAT(merged("[engine.runtimes]\ncrun = \"/usr/bin/crun\"\n").error().message(),
              HasSubstr("engine.runtimes.crun: expected an array of strings"));
}

TEST(ContainersConfTest, InvalidValues) {
  EXPECT_THAT(merged("[containers]\numask = \"0999\"\n").error().message(), HasSubstr("invalid umask \"0999\""));
  EXPECT_THAT(merged("[containers]\nlog_size_max = 100\n").error().message(), HasSubstr("at least 8192"));
  EXPECT_TRUE(merged("[containers]\nlog_size_max = 0\n").has_value() == false);
  EXPECT_TRUE(merged("[containers]\nlog_size_max = -1\n").has_value());
  EXPECT_THAT(merged("[containers]\nshm_size = \"lots\"\n").error().message(), HasSubstr("invalid size \"lots\""));
  EXPECT_THAT(merged("[containers]\nshm_size = \"0k\"\n").error().message(), HasSubstr("invalid size"));
  EXPECT_TRUE(merged("[containers]\nshm_size = \"1G\"\n").has_value());
  EXPECT_THAT(merged("[network]\ndns_bind_port = 70000\n").error().message(), HasSubstr("out of range"));
  EXPECT_THAT(merged("[engine]\ncgroup_manager = \"cgroupv3\"\n").error().message(),
              HasSubstr("engine.cgroup_manager: invalid value \"cgroupv3\""));
  // The error points at the value's line.
  EXPECT_THAT(merged("[containers]\n\n\numask = \"9\"\n").error().message(), HasSubstr("line 4"));
}

class ContainersConfLoadTest : public ::testing::Test {
 protected:
  TempDir dir_;
  Environment env_ = testing::rootless_env(dir_);
  std::string user_ = env_.home + "/.config/containers/containers.conf";
};

TEST_F(ContainersConfLoadTest, PrecedenceAcrossAllLocations) {
  write_file(env_.system_path("/usr/share/containers/containers.conf"),
             "[containers]\npids_limit = 1\ntz = \"share\"\numask = \"0001\"\nshm_size = \"1k\"\nuserns = \"share\"\n"
             "cgroups = \"share\"\n");
  write_file(env_.system_path("/etc/containers/containers.conf"),
             "[containers]\npids_limit = 2\ntz = \"etc\"\numask = \"0002\"\nshm_size = \"2k\"\nuserns = \"etc\"\n");
  write_file(env_.system_path("/etc/containers/containers.conf.d/20-b.conf"),
             "[containers]\npids_limit = 4\ntz = \"etc.d-20\"\numask = \"0004\"\n");
  write_file(env_.system_path("/etc/containers/containers.conf.d/10-a.conf"),
             "[containers]\npids_limit = 3\ntz = \"etc.d-10\"\numask = \"0003\"\nshm_size = \"3k\"\n");
  write_file(user_, "[containers]\npids_limit = 5\ntz = \"user\"\n");
  write_file(user_ + ".d/50-x.conf", "[containers]\npids_limit = 6\n");
  write_file(user_ + ".d/ignored.txt", "this is not toml = = =");
  std::vector<std::string> files_read;
  Result<ContainersConf> conf = load_containers_conf(env_, &files_read);
  ASSERT_TRUE(conf.has_value()) << conf.error().message();
  EXPECT_EQ(conf->containers.pids_limit, 6);    // user .d
  EXPECT_EQ(conf->containers.tz, "user");       // user file
  EXPECT_EQ(conf->containers.umask, "0004");    // etc .d, 20 after 10
  EXPECT_EQ(conf->containers.shm_size, "3k");   // etc .d 10
  EXPECT_EQ(conf->containers.userns, "etc");    // /etc
  EXPECT_EQ(conf->containers.cgroups, "share"); // /usr/share
  EXPECT_THAT(files_read, ElementsAre(env_.system_path("/usr/share/containers/containers.conf"),
                                      env_.system_path("/etc/containers/containers.conf"),
                                      env_.system_path("/etc/containers/containers.conf.d/10-a.conf"),
                                      env_.system_path("/etc/containers/containers.conf.d/20-b.conf"), user_,
                                      user_ + ".d/50-x.conf"));
}

TEST_F(ContainersConfLoadTest, MissingFilesAreSkipped) {
  std::vector<std::string> files_read;
  Result<ContainersConf> conf = load_containers_conf(env_, &files_read);
  ASSERT_TRUE(conf.has_value()) << conf.error().message();
  EXPECT_TRUE(files_read.empty());
  EXPECT_EQ(conf->containers.pids_limit, 2048);
}

TEST_F(ContainersConfLoadTest, ContainersConfReplacesTheList) {
  write_file(env_.system_path("/etc/containers/containers.conf"), "[containers]\npids_limit = 2\ntz = \"etc\"\n");
  write_file(user_, "[containers]\npids_limit = 5\n");
  write_file(dir_ / "only.conf", "[containers]\ntz = \"only\"\n");
  env_.vars["CONTAINERS_CONF"] = dir_ / "only.conf";
  std::vector<std::string> files_read;
  Result<ContainersConf> conf = load_containers_conf(env_, &files_read);
  ASSERT_TRUE(conf.has_value()) << conf.error().message();
  EXPECT_EQ(conf->containers.tz, "only");
  EXPECT_EQ(conf->containers.pids_limit, 2048);  // neither /etc nor the user's file was read
  EXPECT_THAT(files_read, ElementsAre(dir_ / "only.conf"));
}

TEST_F(ContainersConfLoadTest, OverrideIsReadLast) {
  write_file(user_, "[containers]\npids_limit = 5\ntz = \"user\"\n");
  write_file(dir_ / "override.conf", "[containers]\npids_limit = 99\n");
  env_.vars["CONTAINERS_CONF_OVERRIDE"] = dir_ / "override.conf";
  Result<ContainersConf> conf = load_containers_conf(env_);
  ASSERT_TRUE(conf.has_value()) << conf.error().message();
  EXPECT_EQ(conf->containers.pids_limit, 99);
  EXPECT_EQ(conf->containers.tz, "user");
  // Also on top of CONTAINERS_CONF.
  write_file(dir_ / "only.conf", "[containers]\npids_limit = 7\n");
  env_.vars["CONTAINERS_CONF"] = dir_ / "only.conf";
  conf = load_containers_conf(env_);
  ASSERT_TRUE(conf.has_value());
  EXPECT_EQ(conf->containers.pids_limit, 99);
}

TEST_F(ContainersConfLoadTest, FileNamedByEnvironmentMustExist) {
  env_.vars["CONTAINERS_CONF"] = dir_ / "missing.conf";
  Result<ContainersConf> conf = load_containers_conf(env_);
  ASSERT_FALSE(conf.has_value());
  EXPECT_EQ(conf.error().kind(), ErrorKind::NotFound);
  EXPECT_THAT(conf.error().message(), HasSubstr(dir_ / "missing.conf"));
  env_.vars.erase("CONTAINERS_CONF");
  env_.vars["CONTAINERS_CONF_OVERRIDE"] = dir_ / "missing-override.conf";
  conf = load_containers_conf(env_);
  ASSERT_FALSE(conf.has_value());
  EXPECT_THAT(conf.error().message(), HasSubstr("missing-override.conf"));
}

TEST_F(ContainersConfLoadTest, SyntaxErrorInDropInNamesItsFileAndLine) {
  std::string bad = env_.system_path("/etc/containers/containers.conf.d/50-bad.conf");
  write_file(bad, "[containers]\npids_limit = 5\nenv = [\"A=1\"\n");
  Result<ContainersConf> conf = load_containers_conf(env_);
  ASSERT_FALSE(conf.has_value());
  EXPECT_EQ(conf.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_THAT(conf.error().message(), HasSubstr(fmt::format("parsing \"{}\": line ", bad)));
  EXPECT_THAT(conf.error().message(), ::testing::StartsWith("loading containers.conf: parsing"));
}

}  // namespace
}  // namespace nook::config
