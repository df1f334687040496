#include "lib/runtime/state.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/sys/file.h"

namespace nook::runtime {
namespace {

TEST(ValidateId, Characters) {
  EXPECT_TRUE(validate_id("abc-1_2.x").has_value());
  EXPECT_FALSE(validate_id("").has_value());
  EXPECT_FALSE(validate_id("..").has_value());
  EXPECT_FALSE(validate_id("a/b").has_value());
  EXPECT_FALSE(validate_id("a b").has_value());
}

TEST(State, WriteReadAndStatus) {
  auto root = sys::make_temp_dir("/tmp", "nook-state-test-");
  ASSERT_TRUE(root.has_value());
  ASSERT_EQ(::mkdir((root->path() + "/c1").c_str(), 0700), 0);
  ContainerState state;
  state.id = "c1";
  state.pid = ::getpid();
  state.start_time = process_start_time(::getpid()).value_or(0);
  state.bundle = "/b";
  state.created = now_rfc3339();
  state.annotations = {{"a", "b"}};
  ASSERT_TRUE(write_state(root->path(), state).has_value());
  auto read = read_state(root->path(), "c1");
  ASSERT_TRUE(read.has_value()) << read.error().message();
  EXPECT_EQ(read->pid, state.pid);
  EXPECT_EQ(read->start_time, state.start_time);
  EXPECT_EQ(read->annotations.at("a"), "b");
  EXPECT_EQ(container_status(root->path(), *read), "running");
  ASSERT_EQ(::mkfifo(fifo_path(root->path(), "c1").c_str(), 0600), 0);
  EXPECT_EQ(container_status(root->path(), *read), "created");
  read->start_time += 1;  // a reused pid
  EXPECT_EQ(container_status(root->path(), *read), "stopped");
  nlohmann::json j = state_json(*read, "stopped");
  EXPECT_EQ(j["status"], "stopped");
  EXPECT_EQ(j["pid"], 0);
  EXPECT_EQ(j["id"], "c1");

  auto missing = read_state(root->path(), "nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(missing.error().message(), "container \"nope\" does not exist");
}

TEST(ProcessStartTime, OwnAndMissing) {
  EXPECT_TRUE(process_start_time(::getpid()).has_value());
  EXPECT_FALSE(process_start_time(0x3fffffff).has_value());
}

TEST(NowRfc3339, Shape) {
  std::string now = now_rfc3339();
  ASSERT_EQ(now.size(), 30u) << now;
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now.back(), 'Z');
}

}  // namespace
}  // namespace nook::runtime
