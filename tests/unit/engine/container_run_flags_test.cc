// --attach, --tz, --init and the inspect keys; the containers themselves run in
// tests/e2e/093-run-flags.bats.
#include "lib/engine/container_run_flags.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "lib/engine/engine.h"
#include "lib/sys/file.h"

namespace nook::engine {
namespace {

TEST(AttachStreams, PodmansNamesInAnyCase) {
  auto streams = parse_attach_streams({"STDOUT", "stdin"});
  ASSERT_TRUE(streams);
  EXPECT_TRUE(streams->in);
  EXPECT_TRUE(streams->out);
  EXPECT_FALSE(streams->err);
  auto bad = parse_attach_streams({"stdout,stderr"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(),
            "invalid stream \"stdout,stderr\" for --attach - must be one of stdin, stdout, or stderr: invalid argument");
}

TEST(Timezone, ZoneFilesAndPodmansErrors) {
  sys::TempPath dir = *sys::make_temp_dir("/tmp", "nook-tz-");
  ASSERT_TRUE(sys::make_dirs(dir.path() + "/Asia", 0755));
  ASSERT_TRUE(sys::write_file_atomic(dir.path() + "/Asia/Tokyo", "TZif", 0644, sys::Durability::AtomicOnly));
  EXPECT_EQ(*zone_file_for("Asia/Tokyo", dir.path()), dir.path() + "/Asia/Tokyo");
  EXPECT_EQ(zone_file_for("Asia", dir.path()).error().message(),
            "running container create option: invalid timezone: is a directory");
  EXPECT_EQ(zone_file_for("Bogus/Zone", dir.path()).error().message(),
            "running container create option: stat " + dir.path() + "/Bogus/Zone: no such file or directory");
  EXPECT_EQ(zone_file_for("../../etc/passwd", dir.path()).error().kind(), ErrorKind::InvalidArgument);
  EXPECT_EQ(zone_file_for("/etc/passwd", dir.path()).error().kind(), ErrorKind::InvalidArgument);
  if (::access("/etc/localtime", R_OK) == 0) {
    EXPECT_TRUE(zone_file_for("local", dir.path()));
  }
}

TEST(InitBinary, ExplicitPathMustExist) {
  Settings settings;
  auto missing = find_init_binary(settings, "/nonexistent/catatonit");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(),
            "container-init binary not found on the host: stat /nonexistent/catatonit: no such file or directory");
  EXPECT_EQ(*find_init_binary(settings, "/bin/sh"), "/bin/sh");
  settings.config.containers_conf.containers.init_path = "/bin/true";
  EXPECT_EQ(*find_init_binary(settings, ""), "/bin/true");
  settings.config.containers_conf.containers.init_path = "";
  settings.config.containers_conf.engine.helper_binaries_dir = {"/nonexistent"};
  settings.env.vars["PATH"] = "/nonexistent2";
  EXPECT_EQ(find_init_binary(settings, "").error().kind(), ErrorKind::NotFound);
}

TEST(RunFlagsSpec, InitPrefixAndUserNamespace) {
  container::Container record;
  record.init = true;
  record.uid_map = {"0:1:1001", "1001:0:1"};
  record.gid_map = {"0:1:1001", "1001:0:1"};
  oci::Spec spec;
  spec.process.args = {"sleep", "10"};
  spec.linux_.namespaces = {{"pid", ""}, {"mount", ""}};
  ASSERT_TRUE(finish_run_flags_spec(record, spec));
  EXPECT_EQ(spec.process.args, (std::vector<std::string>{"/run/podman-init", "--", "sleep", "10"}));
  ASSERT_EQ(spec.linux_.namespaces.size(), 3u);
  EXPECT_EQ(spec.linux_.namespaces[0].type, "user");
  EXPECT_EQ(spec.linux_.uid_mappings, (std::vector<oci::IdMapping>{{0, 1, 1001}, {1001, 0, 1}}));
}

TEST(RunFlagsInspect, PodmansKeysInPodmansPlaces) {
  container::Container record;
  record.init = true;
  record.timezone = "Asia/Tokyo";
  record.uid_map = {"0:1:1001"};
  record.gid_map = {"0:1:1001"};
  nlohmann::ordered_json item = {
      {"Config", {{"Cmd", {"/run/podman-init", "--", "sleep", "10"}}, {"Umask", "0022"}, {"Timeout", 0}}},
      {"HostConfig", {{"UsernsMode", ""}, {"ShmSize", 1}, {"OomKillDisable", false}, {"PidsLimit", 0}}}};
  add_run_flags_inspect(record, item);
  EXPECT_EQ(item["Config"].dump(), R"({"Cmd":["sleep","10"],"Timezone":"Asia/Tokyo","Umask":"0022","Timeout":0})");
  EXPECT_EQ(item["HostConfig"].dump(),
            R"({"UsernsMode":"private","IDMappings":{"UidMap":["0:1:1001"],"GidMap":["0:1:1001"]},"ShmSize":1,)"
            R"("OomKillDisable":false,"Init":true,"PidsLimit":0})");
}

}  // namespace
}  // namespace nook::engine
