// The volume verbs over a store in a temporary directory (no user namespace needed for what is
// tested here); mounting volumes into containers is tested end to end in tests/e2e/100-volumes.bats.
#include "lib/engine/volumes.h"

#include <gtest/gtest.h>

#include "lib/engine/engine.h"
#include "lib/sys/file.h"

namespace nook::engine {
namespace {

class VolumesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = sys::make_temp_dir("/tmp", "nook-volumes-");
    ASSERT_TRUE(dir);
    dir_ = std::move(*dir);
    settings_.config.graph_root = dir_.path();
  }
  std::string create(std::string name, std::vector<std::string> labels = {}, std::vector<std::string> opts = {}) {
    VolumeCreateOptions o;
    o.name = std::move(name);
    o.labels = std::move(labels);
    o.options = std::move(opts);
    auto made = create_volume(settings_, o);
    EXPECT_TRUE(made) << made.error().message();
    return made ? *made : "";
  }
  std::vector<std::string> names(const std::vector<std::string>& filters) {
    std::vector<std::string> out;
    auto list = list_volumes(settings_, filters);
    EXPECT_TRUE(list) << list.error().message();
    if (list) {
      for (const auto& v : *list) out.push_back(v["Name"].get<std::string>());
    }
    return out;
  }
  sys::TempPath dir_;
  Settings settings_;
};

TEST_F(VolumesTest, CreateListFilterInspect) {
  create("alpha", {"team=a", "keep"});
  create("beta", {}, {"type=tmpfs", "device=tmpfs", "o=size=1m"});
  create("gamma", {"team=b"});
  EXPECT_EQ(names({}), (std::vector<std::string>{"alpha", "beta", "gamma"}));
  EXPECT_EQ(names({"label=team=a"}), (std::vector<std::string>{"alpha"}));
  EXPECT_EQ(names({"label=team"}), (std::vector<std::string>{"alpha", "gamma"}));
  EXPECT_EQ(names({"label!=team"}), (std::vector<std::string>{"beta"}));
  EXPECT_EQ(names({"name=^a", "name=mma$"}), (std::vector<std::string>{"alpha", "gamma"}));
  EXPECT_EQ(names({"opt=type=tmpfs"}), (std::vector<std::string>{"beta"}));
  EXPECT_EQ(names({"dangling=true", "driver=local"}).size(), 3U);
  EXPECT_TRUE(names({"dangling=false"}).empty());
  auto bad = list_volumes(settings_, {"bogus=1"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "\"bogus\" is an invalid volume filter");

  auto report = inspect_volumes(settings_, {"beta", "nosuch"}, false);
  ASSERT_TRUE(report);
  ASSERT_EQ(report->data.size(), 1U);
  EXPECT_EQ(report->data[0]["Options"]["type"], "tmpfs");
  EXPECT_EQ(report->data[0]["Scope"], "local");
  ASSERT_EQ(report->errors.size(), 1U);
  EXPECT_EQ(report->errors[0].message(), "no such volume nosuch");
  EXPECT_EQ(inspect_volumes(settings_, {}, true)->data.size(), 3U);
}

TEST_F(VolumesTest, JsonTextHasPodmansKeyOrder) {
  create("v");
  auto report = inspect_volumes(settings_, {"v"}, false);
  ASSERT_TRUE(report);
  std::string text = volume_json_text(report->data, 5);
  size_t last = 0;
  for (const char* key : {"\"Name\"", "\"Driver\"", "\"Mountpoint\"", "\"CreatedAt\"", "\"Labels\"", "\"Scope\"",
                          "\"Options\"", "\"MountCount\"", "\"NeedsCopyUp\"", "\"NeedsChown\""}) {
    size_t at = text.find(key);
    ASSERT_NE(at, std::string::npos) << key;
    EXPECT_GT(at, last) << key;
    last = at;
  }
  EXPECT_EQ(text.find("Anonymous"), std::string::npos);
  EXPECT_EQ(volume_json_text(nlohmann::json::array(), 5), "[]");
}

TEST_F(VolumesTest, CreateErrorsAndIgnore) {
  create("dup");
  VolumeCreateOptions o;
  o.name = "dup";
  auto again = create_volume(settings_, o);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind(), ErrorKind::Exists);
  o.ignore = true;
  EXPECT_EQ(*create_volume(settings_, o), "dup");
  o.name = "x";
  o.driver = "foo";
  EXPECT_FALSE(create_volume(settings_, o));
  o.driver = "local";
  o.options = {"size=1m"};
  EXPECT_FALSE(create_volume(settings_, o));
  o.options = {"nocopy"};
  ASSERT_TRUE(create_volume(settings_, o));
  EXPECT_EQ(inspect_volumes(settings_, {"x"}, false)->data[0]["NeedsCopyUp"], false);
}

TEST_F(VolumesTest, RemovePruneExists) {
  create("a");
  create("b", {"keep=1"});
  create("c");
  EXPECT_TRUE(*volume_exists(settings_, "a"));
  auto results = remove_volumes(settings_, {"a", "nosuch"}, {});
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 2U);
  EXPECT_FALSE((*results)[0].error);
  ASSERT_TRUE((*results)[1].error);
  EXPECT_EQ((*results)[1].error->kind(), ErrorKind::NotFound);
  EXPECT_FALSE(*volume_exists(settings_, "a"));
  auto pruned = prune_volumes(settings_, {"label!=keep"});
  ASSERT_TRUE(pruned);
  EXPECT_EQ(*pruned, (std::vector<std::string>{"c"}));
  EXPECT_EQ(names({}), (std::vector<std::string>{"b"}));
}

}  // namespace
}  // namespace nook::engine
