#include "lib/container/container.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <thread>

#include "lib/sys/file.h"

namespace nook::container {
namespace {

std::string link_of(const std::string& path) {
  char target[256];
  ssize_t n = ::readlink(path.c_str(), target, sizeof target);
  return n < 0 ? "" : std::string(target, static_cast<size_t>(n));
}

class ContainerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = sys::make_temp_dir("/tmp", "nook-ctr-");
    ASSERT_TRUE(dir);
    dir_ = std::move(*dir);
    auto store = ContainerStore::open(dir_.path(), false);
    ASSERT_TRUE(store) << store.error().message();
    store_.emplace(std::move(*store));
  }

  Container sample(std::string name = "") {
    Container c;
    c.name = std::move(name);
    c.image_id = std::string(64, 'a');
    c.image_name = "docker.io/library/busybox:latest";
    c.created = "2026-11-22T10:00:00.000000001Z";
    c.command = {"sh", "-c", "true"};
    c.layers = {std::string(64, 'b')};
    c.driver = "overlay";
    c.labels = {{"k", "v"}};
    return c;
  }

  sys::TempPath dir_;
  std::optional<ContainerStore> store_;
};

TEST_F(ContainerStoreTest, AddAssignsIdAndRandomName) {
  auto added = store_->add(sample());
  ASSERT_TRUE(added) << added.error().message();
  EXPECT_EQ(added->id.size(), 64u);
  EXPECT_TRUE(valid_name(added->name)) << added->name;
  EXPECT_NE(added->name.find('_'), std::string::npos);
  auto exists = sys::path_exists(store_->paths(added->id).userdata);
  ASSERT_TRUE(exists);
  EXPECT_TRUE(*exists);
}

TEST_F(ContainerStoreTest, RecordRoundTripsThroughTheFile) {
  Container c = sample("web");
  c.state.status = Status::Exited;
  c.state.exit_code = 137;
  c.state.monitor_start_time = 12345;
  c.auto_remove = true;
  c.stop_timeout = 3;
  c.dns_servers = {"192.0.2.53"};
  c.dns_search = {"example.com"};
  c.dns_options = {"ndots:2"};
  c.add_hosts = {"db:10.1.2.3"};
  c.dns_none = true;
  c.publish_all = true;
  auto added = store_->add(c);
  ASSERT_TRUE(added);
  auto found = store_->find("web");
  ASSERT_TRUE(found) << found.error().message();
  EXPECT_EQ(found->id, added->id);
  EXPECT_EQ(found->state.status, Status::Exited);
  EXPECT_EQ(found->state.exit_code, 137);
  EXPECT_EQ(found->state.monitor_start_time, 12345u);
  EXPECT_EQ(found->labels, c.labels);
  EXPECT_EQ(found->command, c.command);
  EXPECT_TRUE(found->auto_remove);
  EXPECT_EQ(found->stop_timeout, 3u);
  EXPECT_EQ(found->dns_servers, c.dns_servers);
  EXPECT_EQ(found->dns_search, c.dns_search);
  EXPECT_EQ(found->dns_options, c.dns_options);
  EXPECT_EQ(found->add_hosts, c.add_hosts);
  EXPECT_FALSE(found->no_hosts);
  EXPECT_TRUE(found->dns_none);
  EXPECT_TRUE(found->publish_all);
}

TEST_F(ContainerStoreTest, FindsByIdAndPrefixAndReportsMissing) {
  auto a = store_->add(sample("a"));
  ASSERT_TRUE(a);
  EXPECT_EQ(store_->find(a->id)->name, "a");
  EXPECT_EQ(store_->find(a->id.substr(0, 12))->name, "a");
  auto missing = store_->find("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(missing.error().message(), "no container with name or ID \"nope\" found: no such container");
}

TEST_F(ContainerStoreTest, NamesAreUniqueAndValidated) {
  ASSERT_TRUE(store_->add(sample("dup")));
  auto again = store_->add(sample("dup"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind(), ErrorKind::Exists);
  EXPECT_NE(again.error().message().find("that name is already in use"), std::string::npos);
  auto bad = store_->add(sample("-bad"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::InvalidArgument);
  auto list = store_->list();
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 1u);
}

TEST_F(ContainerStoreTest, ConcurrentAddsWithOneNameLetOneWin) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto store = ContainerStore::open(dir_.path(), false);
      if (store && store->add(sample("racer"))) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 1);
}

TEST_F(ContainerStoreTest, RenameAndRemove) {
  auto a = store_->add(sample("one"));
  auto b = store_->add(sample("two"));
  ASSERT_TRUE(a && b);
  auto taken = store_->rename(a->id, "two");
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().kind(), ErrorKind::Exists);
  ASSERT_TRUE(store_->rename(a->id, "three"));
  EXPECT_EQ(store_->find("three")->id, a->id);
  ASSERT_TRUE(store_->remove(a->id));
  EXPECT_FALSE(store_->find(a->id));
  auto gone = sys::path_exists(store_->paths(a->id).dir);
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
  EXPECT_EQ(store_->list()->size(), 1u);
}

TEST_F(ContainerStoreTest, NameIndexFollowsAddRenameAndRemove) {
  std::string names = dir_.path() + "/containers/names";
  auto a = store_->add(sample("one"));
  ASSERT_TRUE(a);
  EXPECT_EQ(link_of(names + "/one"), a->id);
  ASSERT_TRUE(store_->rename(a->id, "uno"));
  EXPECT_FALSE(*sys::path_exists(names + "/one"));
  EXPECT_EQ(link_of(names + "/uno"), a->id);
  EXPECT_EQ(store_->find("uno")->id, a->id);
  EXPECT_EQ(store_->find("one").error().kind(), ErrorKind::NotFound);
  ASSERT_TRUE(store_->remove(a->id));
  EXPECT_FALSE(*sys::path_exists(names + "/uno"));
  EXPECT_EQ(store_->find("uno").error().kind(), ErrorKind::NotFound);
}

TEST_F(ContainerStoreTest, StaleNameLinksDoNotHoldTheName) {
  // What a crash between the link and the record leaves: a link to a record that is not there, or
  // to one that carries another name.
  auto a = store_->add(sample("kept"));
  ASSERT_TRUE(a);
  std::string names = dir_.path() + "/containers/names";
  ASSERT_EQ(::symlink(std::string(64, 'f').c_str(), (names + "/ghost").c_str()), 0);
  ASSERT_EQ(::symlink(a->id.c_str(), (names + "/other").c_str()), 0);
  EXPECT_EQ(store_->find("ghost").error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(store_->find("other").error().kind(), ErrorKind::NotFound);
  auto ghost = store_->add(sample("ghost"));
  ASSERT_TRUE(ghost) << ghost.error().message();
  EXPECT_EQ(store_->find("ghost")->id, ghost->id);
  ASSERT_TRUE(store_->rename(ghost->id, "other"));
  EXPECT_EQ(store_->find("other")->id, ghost->id);
  EXPECT_EQ(store_->find("kept")->id, a->id);
}

TEST_F(ContainerStoreTest, AStoreWithoutTheIndexIsReadThenIndexed) {
  // A store written before the index: lookups read the records; the next add builds the index.
  auto a = store_->add(sample("old"));
  ASSERT_TRUE(a);
  std::string names = dir_.path() + "/containers/names";
  ASSERT_TRUE(sys::remove_all(names));
  EXPECT_EQ(store_->find("old")->id, a->id);
  EXPECT_EQ(store_->find(a->id.substr(0, 10))->id, a->id);
  auto dup = store_->add(sample("old"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind(), ErrorKind::Exists);
  EXPECT_EQ(link_of(names + "/old"), a->id);
  ASSERT_TRUE(store_->add(sample("new")));
  EXPECT_EQ(store_->list()->size(), 2u);
}

TEST(ContainerRecord, RejectsCorruptRecords) {
  EXPECT_FALSE(parse_container(nlohmann::json::array()));
  EXPECT_FALSE(parse_container(nlohmann::json{{"version", 99}}));
  auto no_state = parse_container(nlohmann::json{{"version", kRecordVersion}, {"id", std::string(64, 'a')}, {"name", "x"}});
  ASSERT_FALSE(no_state);
  EXPECT_EQ(no_state.error().kind(), ErrorKind::Corrupt);
}

TEST(ContainerStatus, NamesRoundTrip) {
  for (Status s : {Status::Created, Status::Running, Status::Exited, Status::Paused, Status::Stopping}) {
    EXPECT_EQ(*parse_status(status_name(s)), s);
  }
  EXPECT_EQ(status_name(Status::Exited), "exited");
  EXPECT_FALSE(parse_status("dead"));
}

}  // namespace
}  // namespace nook::container
