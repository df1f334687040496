#include "lib/monitor/monitor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/sys/file.h"

namespace nook::monitor {
namespace {

TEST(MonitorArgsTest, RoundTripsEveryOption) {
  Options options;
  options.id = "abc123";
  options.bundle = "/run/user/1000/nook/abc123/bundle";
  options.runtime_state_root = "/run/user/1000/nook/runtime";
  options.runtime = "/usr/bin/crun";
  options.log_driver = "k8s-file";
  options.log_path = "/home/u/.local/share/nook/abc123/ctr.log";
  options.log_max_size = 1048576;
  options.exit_file = "/run/user/1000/nook/abc123/exit";
  options.pid_file = "/run/user/1000/nook/abc123/pid";
  options.interactive = true;
  options.terminal = true;
  options.attached = true;
  options.keep_stdin = true;
  options.detach_keys = "ctrl-a,x";
  options.sync_fd = 5;
  auto parsed = from_args(to_args(options));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(parsed->id, options.id);
  EXPECT_EQ(parsed->bundle, options.bundle);
  EXPECT_EQ(parsed->runtime_state_root, options.runtime_state_root);
  EXPECT_EQ(parsed->runtime, options.runtime);
  EXPECT_EQ(parsed->log_driver, options.log_driver);
  EXPECT_EQ(parsed->log_path, options.log_path);
  EXPECT_EQ(parsed->log_max_size, options.log_max_size);
  EXPECT_EQ(parsed->exit_file, options.exit_file);
  EXPECT_EQ(parsed->pid_file, options.pid_file);
  EXPECT_TRUE(parsed->interactive);
  EXPECT_TRUE(parsed->terminal);
  EXPECT_TRUE(parsed->attached);
  EXPECT_TRUE(parsed->keep_stdin);
  EXPECT_EQ(parsed->detach_keys, "ctrl-a,x");
  EXPECT_EQ(parsed->sync_fd, 5);
}

TEST(MonitorArgsTest, DefaultsSurviveTheRoundTrip) {
  Options options;
  options.id = "x";
  options.bundle = "/b";
  options.log_driver = "none";
  auto args = to_args(options);
  EXPECT_EQ(args, (std::vector<std::string>{"--id", "x", "--bundle", "/b", "--log-driver", "none"}));
  auto parsed = from_args(args);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->log_driver, "none");
  EXPECT_EQ(parsed->log_max_size, -1);
  EXPECT_EQ(parsed->sync_fd, -1);
  EXPECT_FALSE(parsed->interactive);
  EXPECT_FALSE(parsed->terminal);
  EXPECT_FALSE(parsed->attached);
  EXPECT_TRUE(parsed->runtime.empty());

  auto defaulted = from_args({"--id=y", "--bundle=/c"});
  ASSERT_TRUE(defaulted.has_value());
  EXPECT_EQ(defaulted->id, "y");
  EXPECT_EQ(defaulted->bundle, "/c");
  EXPECT_EQ(defaulted->log_driver, "k8s-file");
}

TEST(MonitorArgsTest, RejectsBadArguments) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--bogus", "1"}, {"--id"}, {"--sync-fd", "five"}, {"--log-max-size", "12k"}}) {
    auto parsed = from_args(args);
    ASSERT_FALSE(parsed.has_value()) << args[0];
    EXPECT_EQ(parsed.error().kind(), ErrorKind::InvalidArgument);
  }
}

TEST(MonitorRunTest, RejectsIncompleteOptionsBeforeDetaching) {
  Options options;
  options.id = "x";
  options.bundle = "relative/bundle";
  options.exit_file = "/tmp/exit";
  options.log_path = "/tmp/log";
  options.runtime_state_root = "/tmp/state";
  auto relative = run(options, nullptr);
  ASSERT_FALSE(relative.has_value());
  EXPECT_EQ(relative.error().kind(), ErrorKind::InvalidArgument);
  EXPECT_NE(relative.error().message().find("absolute"), std::string::npos);

  options.bundle = "/b";
  options.log_driver = "syslog";
  auto driver = run(options, nullptr);
  ASSERT_FALSE(driver.has_value());
  EXPECT_NE(driver.error().message().find("\"syslog\""), std::string::npos);

  options.log_driver = "k8s-file";
  options.log_path.clear();
  EXPECT_FALSE(run(options, nullptr).has_value());

  options.log_path = "/tmp/log";
  options.runtime = "/usr/bin/crun";
  options.terminal = true;
  auto terminal = run(options, nullptr);
  ASSERT_FALSE(terminal.has_value());
  EXPECT_EQ(terminal.error().kind(), ErrorKind::Unsupported);
}

TEST(SyncMessageTest, FormatsOneJsonLineEach) {
  EXPECT_EQ(format_sync_message({.type = SyncMessage::Type::Pid, .value = 4242}), "{\"pid\":4242}\n");
  EXPECT_EQ(format_sync_message({.type = SyncMessage::Type::Exit, .value = 137}), "{\"exit\":137}\n");
  EXPECT_EQ(format_sync_message({.type = SyncMessage::Type::Error,
                                 .error = "exec \"nope\": executable file not found in $PATH",
                                 .error_kind = "command not found"}),
            "{\"error\":\"exec \\\"nope\\\": executable file not found in $PATH\",\"kind\":\"command not found\"}\n");
}

TEST(SyncMessageTest, ParsesWhatItFormats) {
  for (const SyncMessage& message :
       {SyncMessage{.type = SyncMessage::Type::Pid, .value = 17},
        SyncMessage{.type = SyncMessage::Type::Exit, .value = 3},
        SyncMessage{.type = SyncMessage::Type::Detached},
        SyncMessage{.type = SyncMessage::Type::Error, .error = "boom\nwith newline", .error_kind = "permission denied"}}) {
    std::string line = format_sync_message(message);
    EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line, even with a newline in the message
    auto parsed = parse_sync_message(line);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    EXPECT_EQ(parsed->type, message.type);
    EXPECT_EQ(parsed->value, message.value);
    EXPECT_EQ(parsed->error, message.error);
    EXPECT_EQ(parsed->error_kind, message.error_kind);
  }
  for (const char* bad : {"", "not json", "[1]", "{\"pid\":\"12\"}", "{\"other\":1}"}) {
    auto parsed = parse_sync_message(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().kind(), ErrorKind::Corrupt);
  }
}

TEST(SyncMessageTest, ErrorKeepsItsKind) {
  auto message = parse_sync_message("{\"error\":\"no such file\",\"kind\":\"command not found\"}");
  ASSERT_TRUE(message.has_value());
  Error error = sync_error(*message);
  EXPECT_EQ(error.kind(), ErrorKind::CommandNotFound);
  EXPECT_EQ(error.message(), "no such file");
  EXPECT_EQ(exit_code_for(error), 127);
  EXPECT_EQ(sync_error(SyncMessage{.type = SyncMessage::Type::Error, .error = "x", .error_kind = "bogus"}).kind(),
            ErrorKind::System);
  EXPECT_EQ(sync_error(SyncMessage{.type = SyncMessage::Type::Error, .error = "x", .error_kind = "not executable"})
                .kind(),
            ErrorKind::NotExecutable);
}

TEST(ExitInfoTest, JsonRoundTrip) {
  ExitInfo info{.exit_code = 137, .exited_at_ns = 1704207845123456789LL, .oom_killed = true};
  nlohmann::json json = to_json(info);
  EXPECT_EQ(json["exitCode"], 137);
  EXPECT_EQ(json["exitedAt"], "2024-01-02T15:04:05.123456789Z");
  EXPECT_EQ(json["oomKilled"], true);
  auto parsed = parse_exit_info(json);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(parsed->exit_code, 137);
  EXPECT_EQ(parsed->exited_at_ns, info.exited_at_ns);
  EXPECT_TRUE(parsed->oom_killed);

  auto minimal = parse_exit_info(nlohmann::json{{"exitCode", 0}});
  ASSERT_TRUE(minimal.has_value());
  EXPECT_EQ(minimal->exit_code, 0);
  EXPECT_FALSE(minimal->oom_killed);

  for (const nlohmann::json& bad : {nlohmann::json::array(), nlohmann::json{{"exitCode", "3"}},
                                    nlohmann::json{{"exitCode", 3}, {"exitedAt", "yesterday"}},
                                    nlohmann::json{{"exitCode", 3}, {"oomKilled", 1}}}) {
    auto result = parse_exit_info(bad);
    ASSERT_FALSE(result.has_value()) << bad.dump();
    EXPECT_EQ(result.error().kind(), ErrorKind::Corrupt);
  }
}

TEST(ExitInfoTest, ReadsExitFiles) {
  auto dir = sys::make_temp_dir(::testing::TempDir(), "nook-exit-");
  ASSERT_TRUE(dir.has_value());
  std::string path = dir->path() + "/exit";
  auto missing = read_exit_file(path);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind(), ErrorKind::NotFound);

  ASSERT_TRUE(sys::write_file_atomic(path, to_json(ExitInfo{.exit_code = 3, .exited_at_ns = 5}).dump()).has_value());
  auto info = read_exit_file(path);
  ASSERT_TRUE(info.has_value()) << info.error().message();
  EXPECT_EQ(info->exit_code, 3);
  EXPECT_EQ(info->exited_at_ns, 5);

  ASSERT_TRUE(sys::write_file_atomic(path, "{truncated").has_value());
  auto corrupt = read_exit_file(path);
  ASSERT_FALSE(corrupt.has_value());
  EXPECT_EQ(corrupt.error().kind(), ErrorKind::Corrupt);
  EXPECT_NE(corrupt.error().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace nook::monitor
