// The image verbs over a real store in a temp dir (vfs driver, written through lib/storage).
#include "lib/engine/images.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "lib/engine/engine.h"
#include "lib/image/digest.h"
#include "lib/storage/store.h"
#include "lib/sys/file.h"

namespace nook::engine {
namespace {

image::Digest digest_of(std::string_view content) { return {"sha256", image::sha256_hex(content)}; }

class ImagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = sys::make_temp_dir("/tmp", "nook-images-test-");
    ASSERT_TRUE(tmp) << tmp.error().message();
    tmp_ = std::move(*tmp);
    settings_.env.uid = 0;
    settings_.env.euid = 0;
    settings_.config.graph_root = tmp_.path() + "/root";
    settings_.config.run_root = tmp_.path() + "/run";
    settings_.config.storage_driver = "vfs";
    settings_.config.storage_driver_source = "test";
    settings_.config.registries.unqualified_search_registries = {"docker.io"};
  }

  storage::Store open() {
    auto store = storage::Store::open({.graph_root = settings_.config.graph_root,
                                       .run_root = settings_.config.run_root,
                                       .driver = "vfs"});
    EXPECT_TRUE(store) << store.error().message();
    return std::move(*store);
  }

  // A layer holding one file; returns its id.
  std::string add_layer(storage::Store& store, std::string_view content, const std::string& parent) {
    image::Digest diff = digest_of(content);
    std::string id = storage::chain_id(parent, diff);
    auto writer = store.begin_layer(id, parent);
    EXPECT_TRUE(writer) << writer.error().message();
    EXPECT_TRUE(sys::write_file_atomic(writer->dir() + "/" + std::string(content), content));
    storage::LayerRecord record;
    record.diff_id = diff;
    record.uncompressed_size = 1000 * static_cast<int64_t>(content.size());
    auto committed = writer->commit(record);
    EXPECT_TRUE(committed) << committed.error().message();
    return id;
  }

  // An image of the given layer contents (base first) with a config listing their diff ids.
  std::string put(storage::Store& store, const std::vector<std::string>& contents, std::vector<std::string> names,
                  const std::string& created) {
    nlohmann::json config = {{"architecture", "amd64"}, {"os", "linux"}, {"created", created},
                             {"config", {{"Cmd", {"sh"}}, {"Labels", {{"k", "v"}}}}}};
    std::vector<std::string> layers;
    std::string parent;
    nlohmann::json diff_ids = nlohmann::json::array();
    nlohmann::json history = nlohmann::json::array();
    int64_t size = 0;
    for (const std::string& c : contents) {
      parent = add_layer(store, c, parent);
      layers.push_back(parent);
      diff_ids.push_back(digest_of(c).string());
      history.push_back({{"created", created}, {"created_by", "ADD " + c}});
      size += 1000 * static_cast<int64_t>(c.size());
    }
    history.push_back({{"created", created}, {"created_by", "CMD [\"sh\"]"}, {"empty_layer", true}});
    config["rootfs"] = {{"type", "layers"}, {"diff_ids", diff_ids}};
    config["history"] = history;
    std::string config_bytes = config.dump();
    std::string manifest = nlohmann::json({{"schemaVersion", 2}, {"config", image::sha256_hex(config_bytes)}}).dump();
    storage::ImageRecord record;
    record.id = image::sha256_hex(config_bytes);
    record.names = std::move(names);
    record.layers = layers;
    record.top_layer = layers.empty() ? "" : layers.back();
    record.digests = {digest_of(manifest).string()};
    record.manifest_media_type = "application/vnd.oci.image.manifest.v1+json";
    record.size = size;
    record.created = created;
    auto stored = store.put_image(record, manifest, config_bytes);
    EXPECT_TRUE(stored) << stored.error().message();
    return record.id;
  }

  sys::TempPath tmp_;
  Settings settings_;
};

TEST_F(ImagesTest, ListSortsNewestFirstAndShowsPodmanJson) {
  std::string old_id, new_id;
  {
    storage::Store store = open();
    old_id = put(store, {"base"}, {"docker.io/library/busybox:latest"}, "2020-01-01T00:00:00Z");
    new_id = put(store, {"base", "top"}, {"localhost/app:v1", "localhost/app:v2"}, "2023-01-01T00:00:00Z");
  }
  auto report = list_images(settings_, {});
  ASSERT_TRUE(report) << report.error().message();
  ASSERT_EQ(report->rows.size(), 3u);
  EXPECT_EQ(report->rows[0]["Repository"], "localhost/app");
  EXPECT_EQ(report->rows[0]["ID"], new_id.substr(0, 12));
  EXPECT_EQ(report->rows[2]["Repository"], "docker.io/library/busybox");
  EXPECT_EQ(report->rows[2]["Tag"], "latest");
  EXPECT_EQ(report->ids, (std::vector<std::string>{new_id.substr(0, 12), old_id.substr(0, 12)}));
  const nlohmann::json& json = report->json[2];
  EXPECT_EQ(json["Id"], old_id);
  EXPECT_TRUE(json["RepoTags"].is_null());
  EXPECT_EQ(json["Created"], 1577836800);
  EXPECT_EQ(json["CreatedAt"], "2020-01-01T00:00:00Z");
  EXPECT_EQ(json["Labels"], nlohmann::json({{"k", "v"}}));
  EXPECT_GT(json["Size"].get<int64_t>(), 4000);

  auto filtered = list_images(settings_, {.filters = {"reference=busybox"}});
  ASSERT_TRUE(filtered) << filtered.error().message();
  EXPECT_EQ(filtered->ids, std::vector<std::string>{old_id.substr(0, 12)});
  auto before = list_images(settings_, {.filters = {"before=localhost/app:v1"}, .no_trunc = true});
  ASSERT_TRUE(before) << before.error().message();
  EXPECT_EQ(before->ids, std::vector<std::string>{"sha256:" + old_id});
  // Dangling with a child image on top of it: intermediate, listed only with -a.
  ASSERT_TRUE(untag_image(settings_, old_id, {}));
  auto without_all = list_images(settings_, {});
  ASSERT_TRUE(without_all) << without_all.error().message();
  EXPECT_EQ(without_all->ids, std::vector<std::string>{new_id.substr(0, 12)});
  auto with_all = list_images(settings_, {.all = true});
  ASSERT_TRUE(with_all) << with_all.error().message();
  ASSERT_EQ(with_all->rows.size(), 3u);
  EXPECT_EQ(with_all->rows[2]["Repository"], "<none>");
  EXPECT_EQ(with_all->rows[2]["Tag"], "<none>");
  EXPECT_EQ(with_all->json[2]["Dangling"], true);

  auto bad = list_images(settings_, {.sort = "bogus"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::InvalidArgument);
}

TEST_F(ImagesTest, InspectHistoryTreeAndExists) {
  std::string id;
  {
    storage::Store store = open();
    id = put(store, {"one", "two"}, {"docker.io/library/busybox:latest"}, "2023-01-01T00:00:00Z");
  }
  auto inspect = inspect_images(settings_, {"busybox", "nosuch"}, false);
  ASSERT_TRUE(inspect) << inspect.error().message();
  ASSERT_EQ(inspect->data.size(), 1u);
  EXPECT_EQ(inspect->data[0]["Id"], id);
  EXPECT_EQ(inspect->data[0]["RootFS"]["Layers"],
            nlohmann::json({digest_of("one").string(), digest_of("two").string()}));
  EXPECT_EQ(inspect->data[0]["GraphDriver"]["Name"], "vfs");
  ASSERT_EQ(inspect->errors.size(), 1u);
  EXPECT_EQ(inspect->errors[0].message(), "nosuch: image not known");

  std::string text = image_json_text(inspect->data, ImageJsonKind::Inspect, 5);
  EXPECT_TRUE(text.starts_with("[\n     {\n          \"Id\": \"" + id + "\",\n          \"Digest\": ")) << text;
  EXPECT_LT(text.find("\"Type\": \"layers\""), text.find("\"Layers\": ["));
  EXPECT_EQ(nlohmann::json::parse(text), inspect->data);

  auto history = image_history(settings_, id.substr(0, 8), {});
  ASSERT_TRUE(history) << history.error().message();
  ASSERT_EQ(history->json.size(), 3u);
  EXPECT_EQ(history->json[0]["id"], id);
  EXPECT_EQ(history->json[0]["size"], 0);
  EXPECT_EQ(history->json[1]["id"], "<missing>");
  EXPECT_EQ(history->json[1]["size"], 3000);
  EXPECT_EQ(history->json[2]["CreatedBy"], "ADD one");
  EXPECT_EQ(history->rows[1]["Size"], "3 kB");

  auto tree = image_tree(settings_, "docker.io/library/busybox", false);
  ASSERT_TRUE(tree) << tree.error().message();
  std::string top = storage::chain_id(digest_of("one").hex, digest_of("two"));
  EXPECT_TRUE(tree->starts_with(fmt::format("Image ID: {}\nTags:     [docker.io/library/busybox:latest]\nSize:     ",
                                            id.substr(0, 12))))
      << *tree;
  EXPECT_NE(tree->find("├── ID: " + top.substr(0, 12) + " Size:     3kB Top Layer of: [docker.io/library/busybox:latest]\n"),
            std::string::npos);
  EXPECT_NE(tree->find("└── ID: " + digest_of("one").hex.substr(0, 12) + " Size:     3kB\n"), std::string::npos);

  EXPECT_EQ(image_exists(settings_, "busybox").value_or(false), true);
  EXPECT_EQ(image_exists(settings_, "nosuch").value_or(true), false);
}

TEST_F(ImagesTest, TagUntagAndRemove) {
  std::string a, b;
  {
    storage::Store store = open();
    a = put(store, {"base"}, {"docker.io/library/busybox:latest"}, "2020-01-01T00:00:00Z");
    b = put(store, {"base", "more"}, {"localhost/other:latest"}, "2021-01-01T00:00:00Z");
  }
  ASSERT_TRUE(tag_image(settings_, "busybox", {"mine", "quay.io/x/y:1"}));
  auto inspect = inspect_images(settings_, {"mine"}, false);
  ASSERT_TRUE(inspect && inspect->data.size() == 1);
  // The store keeps names most recent first.
  EXPECT_EQ(inspect->data[0]["RepoTags"], nlohmann::json({"quay.io/x/y:1", "localhost/mine:latest",
                                                          "docker.io/library/busybox:latest"}));
  auto bad = tag_image(settings_, "busybox", {"Bad"});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().message().starts_with("normalizing name \"Bad\": ")) << bad.error().message();

  ASSERT_TRUE(untag_image(settings_, a, {"quay.io/x/y:1"}));
  auto missing_tag = untag_image(settings_, a, {"quay.io/x/y:1"});
  ASSERT_FALSE(missing_tag);
  EXPECT_EQ(missing_tag.error().message(), "quay.io/x/y:1: tag not known");

  // By id with two names: refused without force.
  auto refused = remove_images(settings_, {a.substr(0, 12)}, {});
  ASSERT_TRUE(refused);
  ASSERT_EQ(refused->errors.size(), 1u);
  EXPECT_EQ(refused->exit_code, 125);
  EXPECT_NE(refused->errors[0].message().find("by ID with more than one tag"), std::string::npos);

  // By name: untagged only.
  auto untag = remove_images(settings_, {"mine"}, {});
  ASSERT_TRUE(untag);
  EXPECT_EQ(untag->untagged, std::vector<std::string>{"localhost/mine:latest"});
  EXPECT_TRUE(untag->deleted.empty());

  auto removed = remove_images(settings_, {"busybox", "nosuch"}, {});
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->untagged, std::vector<std::string>{"docker.io/library/busybox:latest"});
  EXPECT_EQ(removed->deleted, std::vector<std::string>{a});
  EXPECT_EQ(removed->exit_code, 1);
  ASSERT_EQ(removed->errors.size(), 1u);
  EXPECT_EQ(removed->errors[0].message(), "nosuch: image not known");

  // b still has the shared base layer.
  {
    storage::Store store = open();
    auto layers = store.layers();
    ASSERT_TRUE(layers);
    EXPECT_EQ(layers->size(), 2u);
  }
  ASSERT_TRUE(untag_image(settings_, b, {}));
  auto pruned = prune_images(settings_, {});
  ASSERT_TRUE(pruned) << pruned.error().message();
  EXPECT_EQ(*pruned, std::vector<std::string>{b});
  storage::Store store = open();
  EXPECT_TRUE(store.images()->empty());
  EXPECT_TRUE(store.layers()->empty());
}

}  // namespace
}  // namespace nook::engine
