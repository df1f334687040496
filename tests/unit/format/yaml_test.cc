#include "lib/format/yaml.h"

#include <gtest/gtest.h>

namespace nook::format {
namespace {

using nlohmann::json;

TEST(Yaml, NestedMapsAndSequencesLikeGoYaml) {
  json info = {{"host",
                {{"arch", "amd64"},
                 {"cgroupControllers", {"cpu", "memory"}},
                 {"cpus", 2},
                 {"idMappings",
                  {{"uidmap", {{{"container_id", 0}, {"host_id", 1000}, {"size", 1}},
                               {{"container_id", 1}, {"host_id", 100000}, {"size", 65536}}}}}},
                 {"security", {{"rootless", true}}}}},
               {"store", {{"graphOptions", json::object()}, {"volumePath", "/home/u/.local/share/nook/volumes"}}}};
  EXPECT_EQ(to_yaml(info),
            "host:\n"
            "  arch: amd64\n"
            "  cgroupControllers:\n"
            "  - cpu\n"
            "  - memory\n"
            "  cpus: 2\n"
            "  idMappings:\n"
            "    uidmap:\n"
            "    - container_id: 0\n"
            "      host_id: 1000\n"
            "      size: 1\n"
            "    - container_id: 1\n"
            "      host_id: 100000\n"
            "      size: 65536\n"
            "  security:\n"
            "    rootless: true\n"
            "store:\n"
            "  graphOptions: {}\n"
            "  volumePath: /home/u/.local/share/nook/volumes\n");
}

TEST(Yaml, QuotesWhatWouldReadAsSomethingElse) {
  EXPECT_EQ(yaml_scalar(""), "\"\"");
  EXPECT_EQ(yaml_scalar("12"), "\"12\"");
  EXPECT_EQ(yaml_scalar("1.10"), "\"1.10\"");
  EXPECT_EQ(yaml_scalar("true"), "\"true\"");
  EXPECT_EQ(yaml_scalar("no"), "\"no\"");
  EXPECT_EQ(yaml_scalar("a: b"), "\"a: b\"");
  EXPECT_EQ(yaml_scalar("-x"), "\"-x\"");
  EXPECT_EQ(yaml_scalar("line\nbreak"), "\"line\\nbreak\"");
  EXPECT_EQ(yaml_scalar("6.1.0-13-amd64"), "6.1.0-13-amd64");
  EXPECT_EQ(yaml_scalar("bookworm"), "bookworm");
  EXPECT_EQ(yaml_scalar("1.2.0"), "1.2.0");
  EXPECT_EQ(yaml_scalar(nullptr), "null");
  EXPECT_EQ(yaml_scalar(json::array()), "[]");
  EXPECT_EQ(yaml_scalar(3), "3");
  EXPECT_EQ(yaml_scalar(false), "false");
}

TEST(Yaml, KeysThatNeedQuoting) {
  json v = {{"Backing Filesystem", "extfs"}, {"docker.io", {{"Blocked", false}}}};
  EXPECT_EQ(to_yaml(v), "Backing Filesystem: extfs\ndocker.io:\n  Blocked: false\n");
}

}  // namespace
}  // namespace nook::format
