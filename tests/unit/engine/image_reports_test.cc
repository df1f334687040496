#include "lib/engine/image_reports.h"

#include <gtest/gtest.h>

#include <ctime>

namespace nook::engine {
namespace {

TEST(ImageReports, HumanSizeFollowsGoUnits) {
  EXPECT_EQ(human_size(0, 3), "0B");
  EXPECT_EQ(human_size(999, 3), "999B");
  EXPECT_EQ(human_size(1000, 3), "1kB");
  EXPECT_EQ(human_size(4260000, 3), "4.26MB");
  EXPECT_EQ(human_size(1459510, 3), "1.46MB");
  EXPECT_EQ(human_size(1459510, 4), "1.46MB");
  EXPECT_EQ(human_size(1463296, 4), "1.463MB");
  EXPECT_EQ(human_size(999999, 3), "1e+03kB");
  EXPECT_EQ(human_size(2.5e9, 3), "2.5GB");
}

TEST(ImageReports, SpacedSizeSeparatesTheUnit) {
  EXPECT_EQ(spaced_size(0), "0 B");
  EXPECT_EQ(spaced_size(4260000), "4.26 MB");
  EXPECT_EQ(spaced_size(999999), "1e+03 kB");
}

TEST(ImageReports, HumanDurationFollowsGoUnits) {
  EXPECT_EQ(human_duration(0.5), "Less than a second");
  EXPECT_EQ(human_duration(1), "1 second");
  EXPECT_EQ(human_duration(59), "59 seconds");
  EXPECT_EQ(human_duration(60), "About a minute");
  EXPECT_EQ(human_duration(150), "2 minutes");
  EXPECT_EQ(human_duration(3599), "59 minutes");
  EXPECT_EQ(human_duration(3600), "About an hour");
  EXPECT_EQ(human_duration(5400), "2 hours");  // rounded
  EXPECT_EQ(human_duration(47 * 3600), "47 hours");
  EXPECT_EQ(human_duration(48 * 3600), "2 days");
  EXPECT_EQ(human_duration(14 * 86400), "2 weeks");
  EXPECT_EQ(human_duration(60 * 86400), "2 months");
  EXPECT_EQ(human_duration(730 * 86400.0), "2 years");
}

TEST(ImageReports, Rfc3339RoundTrips) {
  auto t = parse_rfc3339("2023-11-14T22:13:20Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->seconds, 1700000000);
  EXPECT_EQ(format_rfc3339(*t), "2023-11-14T22:13:20Z");
  auto frac = parse_rfc3339("2023-11-14T23:13:20.5+01:00");
  ASSERT_TRUE(frac);
  EXPECT_EQ(frac->seconds, 1700000000);
  EXPECT_EQ(frac->nanos, 500000000);
  EXPECT_EQ(format_rfc3339_nano(*frac), "2023-11-14T22:13:20.5Z");
  EXPECT_EQ(go_time_string(*frac), "2023-11-14 22:13:20.5 +0000 UTC");
  EXPECT_FALSE(parse_rfc3339(""));
  EXPECT_FALSE(parse_rfc3339("2023-11-14"));
  EXPECT_FALSE(parse_rfc3339("2023-11-14T22:13:20"));
  EXPECT_FALSE(parse_rfc3339("2023-11-14T22:13:20Zjunk"));
}

ImageFacts sample() {
  ImageFacts facts;
  facts.record.id = std::string(64, 'a');
  facts.record.names = {"docker.io/library/busybox:latest", "localhost/mine:v1"};
  facts.record.digests = {"sha256:" + std::string(64, 'b')};
  facts.record.repo_digests = {"docker.io/library/busybox@sha256:" + std::string(64, 'b')};
  facts.record.history_names = {"docker.io/library/old:1"};
  facts.record.manifest_media_type = "application/vnd.oci.image.manifest.v1+json";
  facts.record.created = "2023-11-14T22:13:20Z";
  facts.size = 1234;
  facts.config = nlohmann::json::parse(R"({
    "architecture": "amd64", "os": "linux", "created": "2023-11-14T22:13:20Z", "author": "me",
    "config": {"Cmd": ["sh"], "Env": ["PATH=/bin"], "Labels": {"a": "b"}, "Hostname": "x", "User": ""},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:1111111111111111111111111111111111111111111111111111111111111111"]},
    "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "ADD x"}, {"created_by": "CMD", "empty_layer": true}]
  })");
  facts.manifest = nlohmann::json::object();
  return facts;
}

TEST(ImageReports, SummaryHasPodmansKeys) {
  nlohmann::json s = image_summary(sample());
  EXPECT_EQ(s["Id"], std::string(64, 'a'));
  EXPECT_EQ(s["ParentId"], "");
  EXPECT_EQ(s["RepoTags"], nlohmann::json({"docker.io/library/busybox:latest", "localhost/mine:v1"}));
  EXPECT_EQ(s["RepoDigests"], nlohmann::json({"docker.io/library/busybox@sha256:" + std::string(64, 'b'),
                                              "localhost/mine@sha256:" + std::string(64, 'b')}));
  EXPECT_EQ(s["Created"], 1700000000);
  EXPECT_EQ(s["Size"], 1234);
  EXPECT_EQ(s["VirtualSize"], 1234);
  EXPECT_EQ(s["SharedSize"], 0);
  EXPECT_EQ(s["Containers"], 0);
  EXPECT_EQ(s["Labels"], nlohmann::json({{"a", "b"}}));
  EXPECT_EQ(s["Digest"], "sha256:" + std::string(64, 'b'));
  EXPECT_EQ(s["History"], nlohmann::json({"docker.io/library/busybox:latest", "localhost/mine:v1",
                                          "docker.io/library/old:1"}));
  EXPECT_FALSE(s.contains("Dangling"));
}

TEST(ImageReports, DanglingSummaryOmitsNames) {
  ImageFacts facts = sample();
  facts.record.names.clear();
  facts.config["config"].erase("Labels");
  nlohmann::json s = image_summary(facts);
  EXPECT_EQ(s["Dangling"], true);
  EXPECT_FALSE(s.contains("Names"));
  EXPECT_EQ(s["RepoTags"], nlohmann::json::array());
  EXPECT_TRUE(s["Labels"].is_null());
}

TEST(ImageReports, InspectDataKeepsTheOciConfigSubset) {
  nlohmann::json d = image_inspect_data(sample(), {"overlay", {{"UpperDir", "/x"}}});
  EXPECT_EQ(d["Config"], nlohmann::json::parse(R"({"Cmd": ["sh"], "Env": ["PATH=/bin"], "Labels": {"a": "b"}})"));
  EXPECT_EQ(d["RootFS"]["Type"], "layers");
  EXPECT_EQ(d["RootFS"]["Layers"].size(), 1u);
  EXPECT_EQ(d["Created"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(d["Author"], "me");
  EXPECT_EQ(d["Architecture"], "amd64");
  EXPECT_EQ(d["GraphDriver"]["Name"], "overlay");
  EXPECT_EQ(d["GraphDriver"]["Data"]["UpperDir"], "/x");
  EXPECT_EQ(d["History"], nlohmann::json::parse(
                              R"([{"created": "2023-11-14T22:13:20Z", "created_by": "ADD x"}, {"created_by": "CMD", "empty_layer": true}])"));
  EXPECT_EQ(d["NamesHistory"].size(), 3u);
  EXPECT_EQ(d["ManifestType"], "application/vnd.oci.image.manifest.v1+json");
  for (const char* key : {"Id", "Digest", "RepoTags", "RepoDigests", "Parent", "Comment", "Version", "Os", "Size",
                          "VirtualSize", "Labels", "Annotations", "User"}) {
    EXPECT_TRUE(d.contains(key)) << key;
  }
}

TEST(ImageReports, TextTreeLikeGotree) {
  TextTree tree{"root\nsecond", {{"a", {{"a1", {}}, {"a2", {}}}}, {"b", {{"b1", {}}}}}};
  EXPECT_EQ(render_text_tree(tree),
            "root\nsecond\n"
            "├── a\n"
            "│   ├── a1\n"
            "│   └── a2\n"
            "└── b\n"
            "    └── b1\n");
  EXPECT_EQ(render_text_tree({"only", {}}), "only\n");
}

}  // namespace
}  // namespace nook::engine

namespace nook::engine {
namespace {

TEST(ImageReports, NowIsTheCurrentTimeInRfc3339) {
  int64_t before = static_cast<int64_t>(std::time(nullptr));
  Timestamp t = now();
  int64_t after = static_cast<int64_t>(std::time(nullptr));
  EXPECT_GE(t.seconds, before);
  EXPECT_LE(t.seconds, after);
  EXPECT_EQ(format_rfc3339(Timestamp{t.seconds, 0}).size(), std::string("2024-01-02T03:04:05Z").size());
}

TEST(ImageReports, SecondsSinceCountsFractions) {
  Timestamp t = now();
  t.seconds -= 90;
  t.nanos = t.nanos >= 500'000'000 ? t.nanos - 500'000'000 : t.nanos + 500'000'000;
  if (t.nanos >= 500'000'000) t.seconds -= 1;  // the half second borrowed a second
  double elapsed = seconds_since(t);
  EXPECT_GE(elapsed, 90.5);
  EXPECT_LT(elapsed, 100.0);
}

}  // namespace
}  // namespace nook::engine
