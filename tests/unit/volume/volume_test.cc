#include "lib/volume/volume.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "lib/sys/file.h"

namespace nook::volume {
namespace {

class VolumeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = sys::make_temp_dir("/tmp", "nook-vol-");
    ASSERT_TRUE(dir);
    dir_ = std::move(*dir);
    auto store = VolumeStore::open(dir_.path(), false);
    ASSERT_TRUE(store) << store.error().message();
    store_.emplace(std::move(*store));
  }

  sys::TempPath dir_;
  std::optional<VolumeStore> store_;
};

TEST_F(VolumeStoreTest, AddCreatesRecordAndDataDirectory) {
  Volume v;
  v.name = "data";
  v.labels = {{"a", "b"}};
  v.options = {{"type", "tmpfs"}, {"device", "tmpfs"}};
  v.created = "2026-11-22T10:00:00.5Z";
  auto added = store_->add(v);
  ASSERT_TRUE(added) << added.error().message();
  EXPECT_EQ(added->mountpoint, dir_.path() + "/volumes/data/_data");
  struct stat st {};
  ASSERT_EQ(::stat(added->mountpoint.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));

  auto found = store_->find("data");
  ASSERT_TRUE(found) << found.error().message();
  EXPECT_EQ(found->labels, v.labels);
  EXPECT_EQ(found->options, v.options);
  EXPECT_EQ(found->created, v.created);
  EXPECT_EQ(found->driver, "local");
  EXPECT_FALSE(found->anonymous);
  EXPECT_TRUE(found->needs_copy_up);
  EXPECT_TRUE(found->needs_chown);
}

TEST_F(VolumeStoreTest, EmptyNameGivesRandomHexName) {
  Volume v;
  v.anonymous = true;
  auto added = store_->add(v);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->name.size(), 64U);
  EXPECT_EQ(added->name.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_TRUE(store_->find(added->name)->anonymous);
}

TEST_F(VolumeStoreTest, DuplicateNameIsExistsAndLeavesTheFirst) {
  Volume v;
  v.name = "dup";
  ASSERT_TRUE(store_->add(v));
  ASSERT_TRUE(sys::write_file_atomic(store_->data_dir("dup") + "/keep", "x", 0644));
  auto again = store_->add(v);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind(), ErrorKind::Exists);
  EXPECT_EQ(again.error().message(), "volume with name dup already exists: volume already exists");
  EXPECT_TRUE(*sys::path_exists(store_->data_dir("dup") + "/keep"));
}

TEST_F(VolumeStoreTest, BadNamesAreRefused) {
  for (const char* name : {"-x", "a/b", ".lock", "a b", "_x"}) {
    Volume v;
    v.name = name;
    auto added = store_->add(v);
    ASSERT_FALSE(added) << name;
    EXPECT_EQ(added.error().kind(), ErrorKind::InvalidArgument) << name;
  }
  EXPECT_TRUE(store_->list()->empty());
}

TEST_F(VolumeStoreTest, FindMissingIsPodmansMessage) {
  auto found = store_->find("nosuch");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(found.error().message(), "no volume with name \"nosuch\" found: no such volume");
  EXPECT_EQ(store_->find("../etc").error().kind(), ErrorKind::NotFound);
}

TEST_F(VolumeStoreTest, ListIsSortedAndSkipsTheLock) {
  for (const char* name : {"b", "a", "c"}) {
    Volume v;
    v.name = name;
    ASSERT_TRUE(store_->add(v));
  }
  auto lock = store_->lock();
  ASSERT_TRUE(lock);
  auto all = store_->list();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3U);
  EXPECT_EQ((*all)[0].name, "a");
  EXPECT_EQ((*all)[2].name, "c");
}

TEST_F(VolumeStoreTest, UpdateAndRemove) {
  Volume v;
  v.name = "u";
  Volume added = *store_->add(v);
  added.needs_copy_up = false;
  added.needs_chown = false;
  ASSERT_TRUE(store_->update(added));
  EXPECT_FALSE(store_->find("u")->needs_copy_up);
  EXPECT_FALSE(store_->find("u")->needs_chown);
  ASSERT_TRUE(sys::make_dirs(added.mountpoint + "/deep/dir", 0755));
  ASSERT_TRUE(store_->remove("u"));
  EXPECT_FALSE(*sys::path_exists(dir_.path() + "/volumes/u"));
  EXPECT_EQ(store_->remove("u").error().kind(), ErrorKind::NotFound);
}

TEST_F(VolumeStoreTest, ConcurrentAddsOfOneNameHaveOneWinner) {
  std::atomic<int> wins{0}, exists{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto store = VolumeStore::open(dir_.path(), false);
      Volume v;
      v.name = "race";
      auto added = store->add(v);
      if (added) ++wins;
      else if (added.error().kind() == ErrorKind::Exists) ++exists;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(exists.load(), 7);
}

TEST(VolumeRecord, JsonRoundTripAndVersion) {
  Volume v;
  v.name = "r";
  v.labels = {{"k", "v"}};
  v.options = {{"o", "bind"}, {"device", "/srv"}};
  v.mountpoint = "/x/_data";
  v.created = "2026-01-01T00:00:00Z";
  v.anonymous = true;
  v.needs_chown = false;
  auto back = parse_volume(to_json(v));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->labels, v.labels);
  EXPECT_EQ(back->options, v.options);
  EXPECT_EQ(back->mountpoint, v.mountpoint);
  EXPECT_TRUE(back->anonymous);
  EXPECT_FALSE(back->needs_chown);
  EXPECT_TRUE(back->needs_copy_up);
  nlohmann::json future = to_json(v);
  future["version"] = 99;
  EXPECT_EQ(parse_volume(future).error().kind(), ErrorKind::Unsupported);
  EXPECT_EQ(parse_volume(nlohmann::json::array()).error().kind(), ErrorKind::Corrupt);
}

TEST(VolumeOptions, LocalDriverOptionsAsPodman) {
  EXPECT_TRUE(check_local_options({}));
  EXPECT_TRUE(check_local_options({{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=2m,nodev"}}));
  EXPECT_TRUE(check_local_options({{"o", "bind"}, {"device", "/srv/data"}}));
  EXPECT_TRUE(check_local_options({{"uid", "1000"}, {"gid", "10"}}));
  auto bad = check_local_options({{"foo", "bar"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "invalid mount option foo for driver 'local': invalid argument");
  EXPECT_FALSE(check_local_options({{"uid", "abc"}}));
  EXPECT_FALSE(check_local_options({{"o", "bind"}, {"device", "relative"}}));
  EXPECT_FALSE(check_local_options({{"device", "/dev/sdb"}}));
  EXPECT_FALSE(check_local_options({{"o", "bind"}, {"type", "ext4"}, {"device", "/x"}}));
}

TEST(VolumeNames, PodmansAlphabet) {
  EXPECT_TRUE(valid_name("a"));
  EXPECT_TRUE(valid_name("My_vol.1-2"));
  EXPECT_FALSE(valid_name(""));
  EXPECT_FALSE(valid_name(".a"));
  EXPECT_FALSE(valid_name("a/b"));
  EXPECT_FALSE(valid_name("a:b"));
}

}  // namespace
}  // namespace nook::volume
