// ps over real container records in a temporary store: which containers are listed, their
// STATUS text, filters, --last/--latest, and exists.
#include <gtest/gtest.h>

#include "lib/container/container.h"
#include "lib/engine/container_internal.h"
#include "lib/engine/image_reports.h"
#include "lib/sys/file.h"

namespace nook::engine {
namespace {

class PsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tmp = sys::make_temp_dir("/tmp", "nook-ps-test-");
    ASSERT_TRUE(tmp);
    tmp_ = std::move(*tmp);
    settings_.config.graph_root = tmp_.path() + "/root";
    auto store = container::ContainerStore::open(settings_.config.graph_root, false);
    ASSERT_TRUE(store);
    store_.emplace(std::move(*store));
  }

  std::string add(const std::string& name, container::Status status, int exit_code, const std::string& created) {
    container::Container c;
    c.name = name;
    c.image_id = std::string(64, 'a');
    c.image_name = "docker.io/library/busybox:latest";
    c.created = created;
    c.command = {"sh", "-c", "echo a long command line"};
    c.labels = {{"team", name == "web" ? "front" : "back"}};
    c.state.status = status;
    c.state.exit_code = exit_code;
    if (status == container::Status::Exited) c.state.finished_at = format_rfc3339_nano(now());
    auto added = store_->add(c);
    EXPECT_TRUE(added) << added.error().message();
    return added ? added->id : "";
  }

  sys::TempPath tmp_;
  Settings settings_;
  std::optional<container::ContainerStore> store_;
};

TEST_F(PsTest, ListsRunningOnlyUnlessAll) {
  add("old", container::Status::Exited, 3, "2026-01-01T00:00:00Z");
  add("new", container::Status::Created, 0, "2026-01-02T00:00:00Z");
  auto running = list_containers(settings_, {});
  ASSERT_TRUE(running) << running.error().message();
  EXPECT_TRUE(running->rows.empty());
  PsOptions all;
  all.all = true;
  auto report = list_containers(settings_, all);
  ASSERT_TRUE(report);
  ASSERT_EQ(report->rows.size(), 2u);
  EXPECT_EQ(report->rows[0]["Names"], "new");
  EXPECT_EQ(report->rows[0]["Status"], "Created");
  EXPECT_EQ(report->rows[1]["Status"], "Exited (3) Less than a second ago");
  EXPECT_EQ(report->rows[1]["Command"], "sh -c echo a long...");  // 17 characters, then "..."
  EXPECT_EQ(report->json[1]["ExitCode"], 3);
  EXPECT_EQ(report->json[1]["Names"], nlohmann::json::array({"old"}));
  EXPECT_EQ(report->ids[0].size(), 12u);
}

TEST_F(PsTest, AFakeRunningRecordWithoutMonitorShowsAsExited) {
  container::Container c;
  std::string id = add("ghost", container::Status::Running, 0, "2026-01-01T00:00:00Z");
  auto record = store_->find(id);
  ASSERT_TRUE(record);
  record->state.monitor_pid = 999999;  // no such process
  ASSERT_TRUE(store_->update(*record));
  PsOptions all;
  all.all = true;
  auto report = list_containers(settings_, all);
  ASSERT_TRUE(report);
  ASSERT_EQ(report->json.size(), 1u);
  EXPECT_EQ(report->json[0]["State"], "exited");
  EXPECT_EQ(report->json[0]["ExitCode"], -1);
}

TEST_F(PsTest, FiltersLastAndSort) {
  add("web", container::Status::Exited, 0, "2026-01-01T00:00:00Z");
  add("db", container::Status::Exited, 1, "2026-01-02T00:00:00Z");
  add("cache", container::Status::Created, 0, "2026-01-03T00:00:00Z");
  PsOptions o;
  o.filters = {"label=team=front"};
  EXPECT_EQ(list_containers(settings_, o)->rows.size(), 1u);
  o.filters = {"status=exited", "exited=1"};
  auto exited = list_containers(settings_, o);
  ASSERT_EQ(exited->rows.size(), 1u);
  EXPECT_EQ(exited->rows[0]["Names"], "db");
  o.filters = {"since=web"};
  EXPECT_EQ(list_containers(settings_, o)->rows.size(), 2u);
  o.filters = {"name=ca"};
  EXPECT_EQ(list_containers(settings_, o)->rows[0]["Names"], "cache");
  o.filters = {"bogus=1"};
  EXPECT_FALSE(list_containers(settings_, o));
  PsOptions last;
  last.last = 2;
  auto two = list_containers(settings_, last);
  ASSERT_EQ(two->rows.size(), 2u);
  EXPECT_EQ(two->rows[0]["Names"], "cache");
  PsOptions sorted;
  sorted.all = true;
  sorted.sort = "names";
  auto by_name = list_containers(settings_, sorted);
  EXPECT_EQ(by_name->rows[0]["Names"], "cache");
  EXPECT_EQ(by_name->rows[2]["Names"], "web");
  sorted.sort = "nonsense";
  EXPECT_FALSE(list_containers(settings_, sorted));
}

TEST_F(PsTest, ExistsByNameAndId) {
  std::string id = add("here", container::Status::Created, 0, "2026-01-01T00:00:00Z");
  EXPECT_TRUE(*container_exists(settings_, "here"));
  EXPECT_TRUE(*container_exists(settings_, id.substr(0, 8)));
  EXPECT_FALSE(*container_exists(settings_, "gone"));
}

}  // namespace
}  // namespace nook::engine
