#include "lib/storage/store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "lib/storage/index.h"
#include "lib/sys/file.h"
#include "lib/sys/proc.h"

namespace nook::storage {
namespace {

image::Digest digest_of(std::string_view content) { return {"sha256", image::sha256_hex(content)}; }

std::vector<std::string> list(const std::string& dir) {
  std::vector<std::string> out;
  auto capture = sys::run_capture({"ls", "-A", dir}, std::chrono::seconds(10));
  if (!capture) return out;
  std::string name;
  for (char c : capture->stdout_data) {
    if (c == '\n') {
      out.push_back(name);
      name.clear();
    } else {
      name += c;
    }
  }
  return out;
}

bool exists(const std::string& path) { return sys::path_exists(path).value_or(false); }

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = sys::make_temp_dir("/tmp", "nook-store-test-");
    ASSERT_TRUE(tmp) << tmp.error().message();
    tmp_ = std::move(*tmp);
    root_ = tmp_.path() + "/root";
  }

  Store open(std::string driver = "") {
    auto store = Store::open({.graph_root = root_, .driver = driver});
    EXPECT_TRUE(store) << store.error().message();
    return std::move(*store);
  }

  // Writes a layer holding one file named after it; returns the record.
  LayerRecord add_layer(Store& store, std::string_view content, const std::string& parent = "") {
    image::Digest diff = digest_of(content);
    std::string id = chain_id(parent, diff);
    auto writer = store.begin_layer(id, parent);
    EXPECT_TRUE(writer) << writer.error().message();
    EXPECT_TRUE(sys::write_file_atomic(writer->dir() + "/" + std::string(content), content));
    EXPECT_TRUE(sys::write_file_atomic(writer->split_path(), "split"));
    LayerRecord record;
    record.diff_id = diff;
    record.uncompressed_size = static_cast<int64_t>(content.size()) * 100;
    auto committed = writer->commit(record);
    EXPECT_TRUE(committed) << committed.error().message();
    return *committed;
  }

  // An image whose config is `config` (its id is the config's digest).
  ImageRecord put(Store& store, std::string_view config, std::vector<std::string> names,
                  std::vector<std::string> layers, std::string_view manifest = "{\"m\":1}") {
    ImageRecord record;
    record.id = image::sha256_hex(config);
    record.names = std::move(names);
    record.layers = std::move(layers);
    record.digests = {digest_of(manifest).string()};
    for (const std::string& name : record.names) {
      std::string repo = name.substr(0, name.rfind(':'));
      record.repo_digests.push_back(repo + "@" + record.digests[0]);
    }
    auto stored = store.put_image(record, manifest, config);
    EXPECT_TRUE(stored) << stored.error().message();
    return stored ? *stored : record;
  }

  sys::TempPath tmp_;
  std::string root_;
};

TEST(ChainId, FollowsTheImageSpec) {
  image::Digest d0 = digest_of("a");
  image::Digest d1 = digest_of("b");
  EXPECT_EQ(chain_id("", d0), d0.hex);
  EXPECT_EQ(chain_id(d0.hex, d1), image::sha256_hex("sha256:" + d0.hex + " sha256:" + d1.hex));
}

TEST_F(StoreTest, OpenCreatesTheLayoutAndPersistsTheDriver) {
  {
    Store store = open();
    EXPECT_EQ(store.options().driver, "overlay");
  }
  struct stat st {};
  ASSERT_EQ(::stat(root_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  for (const char* sub : {"layers", "images", "staging", "store.lock", "storage.json"}) {
    EXPECT_TRUE(exists(root_ + "/" + sub)) << sub;
  }
  auto info = decode_storage_info(*sys::read_file(root_ + "/storage.json"), "storage.json");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->driver, "overlay");
  // "overlay2" is the same driver; "" takes the persisted one.
  EXPECT_EQ(open("overlay2").options().driver, "overlay");
  EXPECT_EQ(open("").options().driver, "overlay");
}

TEST_F(StoreTest, PersistedDriverMismatchIsRefused) {
  { Store store = open("vfs"); }
  EXPECT_EQ(open().options().driver, "vfs");
  auto other = Store::open({.graph_root = root_, .driver = "overlay"});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().kind(), ErrorKind::InvalidState);
  EXPECT_EQ(other.error().message(),
            "database storage graph driver \"vfs\" does not match our storage graph driver \"overlay\"");
  auto read_only = Store::open({.graph_root = root_, .driver = "overlay", .read_only = true});
  ASSERT_FALSE(read_only);
  EXPECT_EQ(read_only.error().kind(), ErrorKind::InvalidState);
}

TEST_F(StoreTest, UnknownFormatVersionIsRefused) {
  ASSERT_TRUE(sys::make_dirs(root_));
  ASSERT_TRUE(sys::write_file_atomic(root_ + "/storage.json", R"({"version": 7, "driver": "overlay"})"));
  auto store = Store::open({.graph_root = root_});
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().kind(), ErrorKind::Unsupported);
  EXPECT_NE(store.error().message().find("version 7"), std::string::npos) << store.error().message();
}

TEST_F(StoreTest, ReadOnlyOpenOfAMissingRootIsEmptyAndCreatesNothing) {
  auto store = Store::open({.graph_root = root_, .read_only = true});
  ASSERT_TRUE(store) << store.error().message();
  EXPECT_TRUE(store->images()->empty());
  EXPECT_TRUE(store->layers()->empty());
  EXPECT_EQ(store->find_image("busybox").error().kind(), ErrorKind::NotFound);
  EXPECT_FALSE(exists(root_));
  auto writer = store->begin_layer(std::string(64, 'a'), "");
  ASSERT_FALSE(writer);
  EXPECT_EQ(writer.error().kind(), ErrorKind::InvalidState);
}

TEST_F(StoreTest, ReadOnlyOpenSeesWhatAWriterStored) {
  {
    Store store = open("vfs");
    LayerRecord base = add_layer(store, "base");
    put(store, "{\"c\":1}", {"example.com/a:1"}, {base.id});
  }
  auto store = Store::open({.graph_root = root_, .read_only = true});
  ASSERT_TRUE(store) << store.error().message();
  EXPECT_EQ(store->options().driver, "vfs");
  EXPECT_EQ(store->images()->size(), 1u);
  EXPECT_TRUE(store->find_image("example.com/a:1"));
}

TEST_F(StoreTest, LayersAreCommittedWithTheirFilesAndRecords) {
  Store store = open();
  LayerRecord base = add_layer(store, "base");
  LayerRecord top = add_layer(store, "top", base.id);
  EXPECT_EQ(base.id, digest_of("base").hex);
  EXPECT_EQ(top.parent, base.id);
  EXPECT_FALSE(top.created.empty());
  EXPECT_EQ(*sys::read_file(store.layer_dir(top.id) + "/top"), "top");
  EXPECT_FALSE(exists(store.layer_dir(top.id) + "/base")) << "overlay layers hold only their own files";
  EXPECT_EQ(*sys::read_file(store.layer_split_path(top.id)), "split");
  auto layers = store.layers();
  ASSERT_TRUE(layers);
  ASSERT_EQ(layers->size(), 2u);
  auto found = store.find_layer(top.id);
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->diff_id, digest_of("top"));
  EXPECT_EQ((*found)->uncompressed_size, 300);
  EXPECT_FALSE((*store.find_layer(std::string(64, 'f'))).has_value());
  EXPECT_TRUE(list(root_ + "/staging").empty());
}

TEST_F(StoreTest, SecondWriterOfTheSameLayerDropsItsCopy) {
  Store store = open();
  image::Digest diff = digest_of("same");
  std::string id = chain_id("", diff);
  auto first = store.begin_layer(id, "");
  auto second = store.begin_layer(id, "");
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(sys::write_file_atomic(first->dir() + "/who", "first"));
  ASSERT_TRUE(sys::write_file_atomic(second->dir() + "/who", "second"));
  std::string second_staging = second->dir();
  LayerRecord record;
  record.diff_id = diff;
  record.uncompressed_size = 1;
  auto one = first->commit(record);
  ASSERT_TRUE(one) << one.error().message();
  record.uncompressed_size = 2;
  auto two = second->commit(record);
  ASSERT_TRUE(two) << two.error().message();
  EXPECT_EQ(two->uncompressed_size, 1) << "the existing record is returned";
  EXPECT_EQ(*sys::read_file(store.layer_dir(id) + "/who"), "first");
  EXPECT_FALSE(exists(second_staging));
  EXPECT_EQ(store.layers()->size(), 1u);
  EXPECT_TRUE(list(root_ + "/staging").empty());
  EXPECT_FALSE(second->commit(record)) << "a finished writer refuses a second commit";
}

TEST_F(StoreTest, UncommittedWriterIsCleanedUp) {
  Store store = open();
  std::string staged;
  {
    auto writer = store.begin_layer(digest_of("x").hex, "");
    ASSERT_TRUE(writer);
    staged = writer->dir();
    ASSERT_TRUE(sys::write_file_atomic(staged + "/f", "x"));
    EXPECT_EQ(list(root_ + "/staging").size(), 2u);  // <random>/ and <random>.lock
  }
  EXPECT_FALSE(exists(staged));
  EXPECT_TRUE(list(root_ + "/staging").empty());
  EXPECT_TRUE(store.layers()->empty());
}

TEST_F(StoreTest, StagingLeftByADeadProcessIsRemovedOnOpen) {
  Store store = open();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto writer = store.begin_layer(digest_of("dead").hex, "");
    if (!writer) _exit(1);
    if (!sys::write_file_atomic(writer->dir() + "/f", "x")) _exit(2);
    _exit(0);  // no destructors: the staging directory stays, its lock dies with us
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(list(root_ + "/staging").size(), 2u);
  // A live writer's staging entry survives the same open.
  auto live = store.begin_layer(digest_of("live").hex, "");
  ASSERT_TRUE(live);
  Store again = open();
  std::vector<std::string> left = list(root_ + "/staging");
  EXPECT_EQ(left.size(), 2u);
  EXPECT_TRUE(exists(live->dir()));
}

TEST_F(StoreTest, FindImageByIdPrefixNameAndDigest) {
  Store store = open();
  LayerRecord base = add_layer(store, "base");
  ImageRecord a = put(store, "{\"c\":\"a\"}", {"docker.io/library/busybox:latest"}, {base.id});
  ImageRecord b = put(store, "{\"c\":\"b\"}", {"quay.io/x/y:1"}, {base.id}, "{\"m\":\"b\"}");
  EXPECT_EQ(store.find_image(a.id)->id, a.id);
  EXPECT_EQ(store.find_image("sha256:" + a.id)->id, a.id);
  EXPECT_EQ(store.find_image(a.id.substr(0, 12))->id, a.id);
  EXPECT_EQ(store.find_image("docker.io/library/busybox:latest")->id, a.id);
  EXPECT_EQ(store.find_image("quay.io/x/y:1")->id, b.id);
  EXPECT_EQ(store.find_image("docker.io/library/busybox@" + a.digests[0])->id, a.id);
  EXPECT_EQ(store.find_image("docker.io/library/busybox:latest@" + a.digests[0])->id, a.id);
  EXPECT_EQ(store.find_image("quay.io/x/y@" + b.digests[0])->id, b.id);
  EXPECT_EQ(store.find_image("docker.io/library/busybox@" + b.digests[0]).error().kind(), ErrorKind::NotFound);
  auto missing = store.find_image("docker.io/library/busybox");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(missing.error().message(), "image not known");
  EXPECT_EQ(store.find_image(a.id.substr(0, 2)).error().kind(), ErrorKind::NotFound) << "prefix too short";
  EXPECT_EQ(a.top_layer, base.id);
  EXPECT_EQ(a.size, 400);
  EXPECT_FALSE(a.pulled.empty());
  EXPECT_EQ(*store.read_config(a.id), "{\"c\":\"a\"}");
  EXPECT_EQ(*store.read_manifest(b.id), "{\"m\":\"b\"}");
  EXPECT_EQ(store.read_manifest(std::string(64, 'e')).error().kind(), ErrorKind::NotFound);
}

TEST_F(StoreTest, AmbiguousIdPrefixIsAnInvalidArgument) {
  Store store = open();
  // Find two configs whose ids share the first three hex digits.
  std::map<std::string, std::string> by_prefix;
  std::string first, second;
  for (int i = 0; second.empty(); ++i) {
    std::string config = fmt::format("{{\"n\":{}}}", i);
    std::string prefix = image::sha256_hex(config).substr(0, 3);
    auto [it, fresh] = by_prefix.emplace(prefix, config);
    if (!fresh) {
      first = it->second;
      second = config;
    }
  }
  ImageRecord a = put(store, first, {}, {});
  ImageRecord b = put(store, second, {}, {});
  auto found = store.find_image(a.id.substr(0, 3));
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_NE(found.error().message().find("ambiguous"), std::string::npos);
  EXPECT_EQ(store.find_image(b.id)->id, b.id);
}

TEST_F(StoreTest, PutImageRefusesUnknownLayersAndAWrongConfig) {
  Store store = open();
  ImageRecord record;
  record.id = image::sha256_hex("{}");
  record.layers = {std::string(64, 'a')};
  auto result = store.put_image(record, "{}", "{}");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind(), ErrorKind::NotFound);
  record.layers.clear();
  result = store.put_image(record, "{}", "{\"other\":1}");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_TRUE(store.images()->empty());
}

TEST_F(StoreTest, NamesMoveBetweenImagesAndDanglingImagesStay) {
  Store store = open();
  ImageRecord old_image = put(store, "{\"v\":1}", {"example.com/app:latest", "example.com/app:1"}, {});
  ImageRecord new_image = put(store, "{\"v\":2}", {"example.com/app:latest"}, {}, "{\"m\":2}");
  EXPECT_EQ(store.find_image("example.com/app:latest")->id, new_image.id);
  ImageRecord old_now = *store.find_image(old_image.id);
  EXPECT_EQ(old_now.names, std::vector<std::string>{"example.com/app:1"});
  EXPECT_EQ(old_now.history_names, std::vector<std::string>{"example.com/app:latest"});
  // Taking the last name leaves a dangling record.
  ImageRecord newest = put(store, "{\"v\":3}", {"example.com/app:1"}, {}, "{\"m\":3}");
  old_now = *store.find_image(old_image.id);
  EXPECT_TRUE(old_now.names.empty());
  EXPECT_EQ(store.images()->size(), 3u);
  // Re-putting an image merges: new names first, digests and repo digests united.
  ImageRecord again;
  again.id = new_image.id;
  again.names = {"example.com/app:2"};
  again.digests = {"sha256:" + std::string(64, '1')};
  again.repo_digests = {"example.com/app@sha256:" + std::string(64, '1')};
  auto merged = store.put_image(again, "{\"m\":\"other\"}", "");
  ASSERT_TRUE(merged) << merged.error().message();
  EXPECT_EQ(merged->names, (std::vector<std::string>{"example.com/app:2", "example.com/app:latest"}));
  EXPECT_EQ(merged->digests.size(), 2u);
  EXPECT_EQ(merged->digests[0], new_image.digests[0]);
  EXPECT_EQ(merged->repo_digests.size(), 2u);
  EXPECT_EQ(merged->pulled, new_image.pulled);
  EXPECT_EQ(*store.read_manifest(new_image.id), "{\"m\":2}");
  EXPECT_TRUE(exists(fmt::format("{}/images/{}/manifest-{}", root_, new_image.id,
                                 image::sha256_hex("{\"m\":\"other\"}"))));
  EXPECT_EQ(store.find_image(newest.id)->names, std::vector<std::string>{"example.com/app:1"});
}

TEST_F(StoreTest, AddAndRemoveName) {
  Store store = open();
  ImageRecord a = put(store, "{\"v\":1}", {"example.com/a:1"}, {});
  ImageRecord b = put(store, "{\"v\":2}", {"example.com/b:1"}, {}, "{\"m\":2}");
  ASSERT_TRUE(store.add_name(a.id, "example.com/b:1"));
  EXPECT_EQ(store.find_image("example.com/b:1")->id, a.id);
  EXPECT_EQ(store.find_image(a.id)->names, (std::vector<std::string>{"example.com/b:1", "example.com/a:1"}));
  EXPECT_TRUE(store.find_image(b.id)->names.empty());
  ASSERT_TRUE(store.add_name(a.id, "example.com/a:1"));  // already there: no-op
  EXPECT_EQ(store.find_image(a.id)->names.size(), 2u);
  ASSERT_TRUE(store.remove_name(a.id, "example.com/a:1"));
  EXPECT_EQ(store.find_image("example.com/a:1").error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(store.remove_name(a.id, "example.com/a:1").error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(store.add_name(std::string(64, 'c'), "x").error().kind(), ErrorKind::NotFound);
}

TEST_F(StoreTest, RemoveImageDeletesUnsharedLayersOnly) {
  Store store = open();
  LayerRecord base = add_layer(store, "base");
  LayerRecord mine = add_layer(store, "mine", base.id);
  LayerRecord mine_top = add_layer(store, "minetop", mine.id);
  LayerRecord theirs = add_layer(store, "theirs", base.id);
  ImageRecord a = put(store, "{\"v\":1}", {"example.com/a:1"}, {base.id, mine.id, mine_top.id});
  put(store, "{\"v\":2}", {"example.com/b:1"}, {base.id, theirs.id}, "{\"m\":2}");
  auto report = store.remove_image(a.id);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->untagged, std::vector<std::string>{"example.com/a:1"});
  EXPECT_EQ(report->deleted, std::vector<std::string>{a.id});
  EXPECT_EQ(report->layers_deleted, (std::vector<std::string>{mine_top.id, mine.id})) << "deepest first";
  EXPECT_FALSE(exists(root_ + "/layers/" + mine.id));
  EXPECT_FALSE(exists(root_ + "/images/" + a.id));
  EXPECT_TRUE(exists(store.layer_dir(base.id)));
  EXPECT_TRUE(exists(store.layer_dir(theirs.id)));
  EXPECT_EQ(store.layers()->size(), 2u);
  EXPECT_EQ(store.find_image(a.id).error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(store.remove_image(a.id).error().kind(), ErrorKind::NotFound);
  // The store still works with its shared lock back.
  put(store, "{\"v\":3}", {"example.com/c:1"}, {base.id}, "{\"m\":3}");
  EXPECT_EQ(store.images()->size(), 2u);
}

TEST_F(StoreTest, InUseKeepsALayer) {
  Store store = open();
  LayerRecord base = add_layer(store, "base");
  LayerRecord top = add_layer(store, "top", base.id);
  ImageRecord a = put(store, "{\"v\":1}", {"example.com/a:1"}, {base.id, top.id});
  auto report = store.remove_image(a.id, [&](std::string_view id) { return id == top.id; });
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_TRUE(report->layers_deleted.empty()) << "the in-use top keeps its parent too";
  EXPECT_EQ(store.layers()->size(), 2u);
  auto removed = store.collect_garbage([&](std::string_view id) { return id == top.id; });
  ASSERT_TRUE(removed);
  EXPECT_TRUE(removed->empty());
  removed = store.collect_garbage();
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_EQ(*removed, (std::vector<std::string>{top.id, base.id}));
  EXPECT_TRUE(store.layers()->empty());
}

TEST_F(StoreTest, CollectGarbageRemovesUnreferencedAndHalfCommittedLayers) {
  Store store = open();
  LayerRecord used = add_layer(store, "used");
  LayerRecord loose = add_layer(store, "loose");
  put(store, "{\"v\":1}", {"example.com/a:1"}, {used.id});
  std::string half = root_ + "/layers/" + std::string(64, 'd');
  ASSERT_TRUE(sys::make_dirs(half + "/diff"));
  std::string stray_image = root_ + "/images/" + std::string(64, 'e');
  ASSERT_TRUE(sys::make_dirs(stray_image));
  auto removed = store.collect_garbage();
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_EQ(*removed, (std::vector<std::string>{loose.id, std::string(64, 'd')}));
  EXPECT_FALSE(exists(half));
  EXPECT_FALSE(exists(stray_image));
  EXPECT_TRUE(exists(store.layer_dir(used.id)));
  EXPECT_EQ(store.layers()->size(), 1u);
}

TEST_F(StoreTest, VfsCopiesTheParentLayer) {
  Store store = open("vfs");
  image::Digest d0 = digest_of("base");
  auto writer = store.begin_layer(d0.hex, "");
  ASSERT_TRUE(writer);
  std::string dir = writer->dir();
  ASSERT_TRUE(sys::make_dirs(dir + "/private"));
  ASSERT_EQ(::chmod((dir + "/private").c_str(), 0750), 0);
  ASSERT_TRUE(sys::write_file_atomic(dir + "/private/file", "content", 0644));
  ASSERT_EQ(::symlink("private/file", (dir + "/link").c_str()), 0);
  ASSERT_EQ(::link((dir + "/private/file").c_str(), (dir + "/hard").c_str()), 0);
  ASSERT_TRUE(sys::write_file_atomic(dir + "/suid", "#!/bin/sh\n", 04755));
  LayerRecord base;
  base.diff_id = d0;
  ASSERT_TRUE(writer->commit(base));

  image::Digest d1 = digest_of("top");
  std::string top_id = chain_id(d0.hex, d1);
  auto top = store.begin_layer(top_id, d0.hex);
  ASSERT_TRUE(top) << top.error().message();
  std::string copy = top->dir();
  struct stat st {};
  ASSERT_EQ(::lstat((copy + "/private").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0750u);
  EXPECT_EQ(*sys::read_file(copy + "/private/file"), "content");
  char target[64] = {};
  ASSERT_GT(::readlink((copy + "/link").c_str(), target, sizeof target - 1), 0);
  EXPECT_STREQ(target, "private/file");
  struct stat a {}, b {};
  ASSERT_EQ(::lstat((copy + "/hard").c_str(), &a), 0);
  ASSERT_EQ(::lstat((copy + "/private/file").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "hard links stay linked";
  EXPECT_EQ(a.st_nlink, 2u);
  ASSERT_EQ(::lstat((copy + "/suid").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  LayerRecord record;
  record.diff_id = d1;
  ASSERT_TRUE(top->commit(record));
  EXPECT_TRUE(exists(store.layer_dir(top_id) + "/private/file"));

  auto orphan = store.begin_layer(std::string(64, 'a'), std::string(64, 'b'));
  ASSERT_FALSE(orphan);
  EXPECT_EQ(orphan.error().kind(), ErrorKind::NotFound);
}

TEST_F(StoreTest, CorruptImagesJsonNamesTheFile) {
  Store store = open();
  ASSERT_TRUE(sys::write_file_atomic(root_ + "/images.json", "{\"version\": 1, \"images\": [ {"));
  auto images = store.images();
  ASSERT_FALSE(images);
  EXPECT_EQ(images.error().kind(), ErrorKind::Corrupt);
  EXPECT_NE(images.error().message().find(root_ + "/images.json"), std::string::npos) << images.error().message();
  EXPECT_EQ(store.find_image("x").error().kind(), ErrorKind::Corrupt);
  ASSERT_TRUE(sys::write_file_atomic(root_ + "/images.json", R"({"version": 1, "images": [{"id": 5}]})"));
  images = store.images();
  ASSERT_FALSE(images);
  EXPECT_EQ(images.error().kind(), ErrorKind::Corrupt);
  EXPECT_NE(images.error().message().find("\"id\""), std::string::npos) << images.error().message();
}

TEST_F(StoreTest, ListingFiftyImagesIsFast) {
  Store store = open();
  LayerRecord base = add_layer(store, "base");
  for (int i = 0; i < 50; ++i) {
    put(store, fmt::format("{{\"i\":{}}}", i), {fmt::format("registry.example.com/team/app{}:v{}", i, i)},
        {base.id}, fmt::format("{{\"m\":{}}}", i));
  }
  auto start = std::chrono::steady_clock::now();
  constexpr int kRounds = 20;
  for (int i = 0; i < kRounds; ++i) ASSERT_EQ(store.images()->size(), 50u);
  auto per_call = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start) / kRounds;
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) ASSERT_TRUE(store.find_image("registry.example.com/team/app49:v49"));
  auto per_find = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start) / kRounds;
  std::fprintf(stderr, "images() with 50 images: %.0f us per call; find_image: %.0f us (images.json %zu bytes)\n",
               per_call.count(), per_find.count(), sys::read_file(root_ + "/images.json")->size());
}

// Eight processes pull overlapping stacks into one store at once.
TEST_F(StoreTest, ConcurrentWritersKeepTheStoreConsistent) {
  { Store store = open(); }
  constexpr int kProcs = 8;
  constexpr int kImagesPerProc = 4;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto store = Store::open({.graph_root = root_});
      if (!store) _exit(10);
      for (int i = 0; i < kImagesPerProc; ++i) {
        // Shared base, a middle layer shared by half, a top layer of our own.
        std::vector<std::string> stack;
        std::string parent;
        for (std::string content : {std::string("base"), fmt::format("mid{}", i % 2), fmt::format("top{}-{}", p, i)}) {
          image::Digest diff = digest_of(content);
          std::string id = chain_id(parent, diff);
          auto writer = store->begin_layer(id, parent);
          if (!writer) _exit(11);
          if (!sys::write_file_atomic(writer->dir() + "/f", content)) _exit(12);
          LayerRecord record;
          record.diff_id = diff;
          if (!writer->commit(record)) _exit(13);
          stack.push_back(id);
          parent = id;
        }
        ImageRecord image;
        std::string config = fmt::format("{{\"p\":{},\"i\":{}}}", p, i);
        image.id = image::sha256_hex(config);
        // Every process tags "shared:<i>": the name ends up on exactly one image.
        image.names = {fmt::format("example.com/p{}:{}", p, i), fmt::format("example.com/shared:{}", i)};
        image.layers = stack;
        if (!store->put_image(image, config, config)) _exit(14);
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child exit status " << status;
  }
  Store store = open();
  auto images = store.images();
  auto layers = store.layers();
  ASSERT_TRUE(images && layers);
  EXPECT_EQ(images->size(), static_cast<size_t>(kProcs * kImagesPerProc));
  std::set<std::string> layer_ids;
  for (const LayerRecord& layer : *layers) {
    EXPECT_TRUE(layer_ids.insert(layer.id).second) << "duplicate record " << layer.id;
    EXPECT_TRUE(exists(store.layer_dir(layer.id) + "/f")) << layer.id;
  }
  EXPECT_EQ(layer_ids.size(), 1u + 2u + kProcs * kImagesPerProc);
  std::map<std::string, int> name_count;
  for (const ImageRecord& image : *images) {
    for (const std::string& id : image.layers) EXPECT_TRUE(layer_ids.contains(id)) << id;
    for (const std::string& name : image.names) ++name_count[name];
  }
  for (int i = 0; i < kImagesPerProc; ++i) EXPECT_EQ(name_count[fmt::format("example.com/shared:{}", i)], 1);
  for (int p = 0; p < kProcs; ++p) {
    for (int i = 0; i < kImagesPerProc; ++i) {
      EXPECT_TRUE(store.find_image(fmt::format("example.com/p{}:{}", p, i))) << p << " " << i;
    }
  }
  EXPECT_TRUE(list(root_ + "/staging").empty());
  EXPECT_EQ(list(root_ + "/layers").size(), layer_ids.size());
}

}  // namespace
}  // namespace nook::storage
