// The pure parts of the lifecycle verbs: top's descriptors, headers, Go durations and table;
// the restart policy; ps --size's column and the directory size. The verbs themselves act on
// running containers and are tested end to end in tests/e2e/092-lifecycle.bats.
#include "lib/engine/container_verbs.h"

#include <gtest/gtest.h>

#include "lib/sys/file.h"

namespace nook::engine {
namespace {

TEST(Top, DefaultAndSplitDescriptors) {
  EXPECT_EQ(top_descriptors({}),
            (std::vector<std::string>{"user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"}));
  EXPECT_EQ(top_descriptors({"pid,comm", "user"}), (std::vector<std::string>{"pid", "comm", "user"}));
  EXPECT_EQ(top_descriptors({"pid args"}), (std::vector<std::string>{"pid", "args"}));
}

TEST(Top, HeadersAsPsgo) {
  EXPECT_EQ(*top_header("pcpu"), "%CPU");
  EXPECT_EQ(*top_header("etime"), "ELAPSED");
  EXPECT_EQ(*top_header("args"), "COMMAND");
  EXPECT_EQ(*top_header("%C"), "%CPU");  // AIX form
  auto bad = top_header("bogus");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "'bogus': unknown descriptor");
}

TEST(Top, GoDurations) {
  EXPECT_EQ(go_duration(0), "0s");
  EXPECT_EQ(go_duration(999), "999ns");
  EXPECT_EQ(go_duration(1500), "1.5µs");
  EXPECT_EQ(go_duration(749187928), "749.187928ms");
  EXPECT_EQ(go_duration(1000000000), "1s");
  EXPECT_EQ(go_duration(62500000000), "1m2.5s");
  EXPECT_EQ(go_duration(3600000000000), "1h0m0s");
  EXPECT_EQ(go_duration(-1500000000), "-1.5s");
}

TEST(Top, TableAsGoTabwriter) {
  TopReport report;
  report.rows = {{"USER", "PID", "ELAPSED", "COMMAND"}, {"root", "1", "749.187928ms", "sleep 100 "}};
  EXPECT_EQ(render_top(report),
            "USER        PID         ELAPSED       COMMAND\n"
            "root        1           749.187928ms  sleep 100 \n");
}

TEST(RestartPolicy, AsPodmanShouldRestart) {
  EXPECT_FALSE(should_restart("no", 0, 0, 1, false));
  EXPECT_TRUE(should_restart("always", 0, 5, 0, false));
  EXPECT_TRUE(should_restart("unless-stopped", 0, 0, 0, false));
  EXPECT_FALSE(should_restart("always", 0, 0, 0, true));  // stopped or killed by the user
  EXPECT_FALSE(should_restart("on-failure", 0, 0, 0, false));
  EXPECT_TRUE(should_restart("on-failure", 0, 100, 1, false));  // no cap
  EXPECT_TRUE(should_restart("on-failure", 2, 1, 1, false));
  EXPECT_FALSE(should_restart("on-failure", 2, 2, 1, false));
}

TEST(Size, ColumnAndDirectory) {
  EXPECT_EQ(size_column(ContainerSize{.rw = 12, .root_fs = 1982333}), "12B (virtual 1.98MB)");
  auto dir = sys::make_temp_dir("/tmp", "nook-size-");
  ASSERT_TRUE(dir);
  ASSERT_TRUE(sys::make_dirs(dir->path() + "/a/b", 0755));
  ASSERT_TRUE(sys::write_file_atomic(dir->path() + "/a/b/f", std::string(100, 'x')));
  ASSERT_TRUE(sys::write_file_atomic(dir->path() + "/g", "hello"));
  EXPECT_EQ(directory_size(dir->path()), 105);
  EXPECT_EQ(directory_size(dir->path() + "/missing"), 0);
}

}  // namespace
}  // namespace nook::engine
