#include "lib/util/completion.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace nook::completion {
namespace {

Command sample() {
  Command root;
  root.name = "tool";
  root.flags = {{"log-level", "", "Log level", true, {"debug", "info"}}, {"root", "", "Root dir", true, {}},
                {"help", "h", "Help", false, {}}};
  Command info{"info", "Show info", {{"format", "f", "Format [json]", true, {"json"}}}, {}, {}};
  Command completion{"completion", "Completions", {}, {"bash", "zsh", "fish"}, {}};
  Command system{"system", "Manage", {}, {}, {info}};
  root.subcommands = {completion, info, system};
  return root;
}

// Runs bash with the generated script loaded and COMP_WORDS set, returns COMPREPLY joined by
// spaces. Skips when bash is missing.
std::string complete_with_bash(const std::string& script, const std::string& words, int cword) {
  char path[] = "/tmp/nook-completion-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return "<mkstemp failed>";
  std::string full = script + "\nCOMP_WORDS=(" + words + ")\nCOMP_CWORD=" + std::to_string(cword) +
                     "\n_tool\necho \"${COMPREPLY[*]}\"\n";
  if (write(fd, full.data(), full.size()) != static_cast<ssize_t>(full.size())) return "<write failed>";
  close(fd);
  std::string cmd = std::string("bash --norc --noprofile ") + path;
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 256> buf{};
  while (pipe && fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  if (pipe) pclose(pipe);
  unlink(path);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

TEST(CompletionBash, CompletesCommandsFlagsAndValues) {
  if (system("command -v bash >/dev/null 2>&1") != 0) GTEST_SKIP() << "bash not installed";
  std::string script = bash(sample());
  EXPECT_EQ(complete_with_bash(script, "tool in", 1), "info");
  EXPECT_EQ(complete_with_bash(script, "tool sys", 1), "system");
  EXPECT_EQ(complete_with_bash(script, "tool system ''", 2), "info");
  EXPECT_EQ(complete_with_bash(script, "tool system info --fo", 3), "--format");
  EXPECT_EQ(complete_with_bash(script, "tool info --format ''", 3), "json");
  EXPECT_EQ(complete_with_bash(script, "tool --log-level d", 2), "debug");
  EXPECT_EQ(complete_with_bash(script, "tool --log-level debug in", 3), "info") << "a flag's value is not a command";
  EXPECT_EQ(complete_with_bash(script, "tool completion z", 2), "zsh");
  EXPECT_EQ(complete_with_bash(script, "tool info --lo", 2), "--log-level") << "global flags are valid everywhere";
}

TEST(CompletionZsh, DescribesEveryCommand) {
  std::string script = zsh(sample());
  EXPECT_TRUE(script.starts_with("#compdef tool\n"));
  EXPECT_NE(script.find("'info:Show info'"), std::string::npos);
  EXPECT_NE(script.find("_tool_system_info()"), std::string::npos);
  EXPECT_NE(script.find("'(-f --format)'{-f,--format}'[Format  json ]:value:(json)'"), std::string::npos)
      << "brackets in descriptions are neutralised";
  EXPECT_NE(script.find("'1:argument:(bash zsh fish)'"), std::string::npos);
  if (system("command -v zsh >/dev/null 2>&1") == 0) {
    std::ofstream("/tmp/nook-zsh-completion-test") << script;
    EXPECT_EQ(system("zsh -n /tmp/nook-zsh-completion-test"), 0) << "zsh rejects the script's syntax";
    unlink("/tmp/nook-zsh-completion-test");
  }
}

TEST(CompletionFish, CompletesByPath) {
  std::string script = fish(sample());
  EXPECT_NE(script.find("complete -c tool -n '__fish_use_subcommand' -a system -d 'Manage'"), std::string::npos);
  EXPECT_NE(script.find("complete -c tool -n '__tool_path_is '\\''system'\\''' -a info -d 'Show info'"),
            std::string::npos);
  EXPECT_NE(script.find("complete -c tool -l log-level -x -a 'debug info' -d 'Log level'"), std::string::npos);
  if (system("command -v fish >/dev/null 2>&1") == 0) {
    std::ofstream("/tmp/nook-fish-completion-test.fish") << script;
    std::string cmd =
        "fish -c 'source /tmp/nook-fish-completion-test.fish; complete -C\"tool system \"' > /tmp/nook-fish-out";
    ASSERT_EQ(system(cmd.c_str()), 0);
    std::ifstream in("/tmp/nook-fish-out");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(all.find("info"), std::string::npos) << all;
    unlink("/tmp/nook-fish-completion-test.fish");
    unlink("/tmp/nook-fish-out");
  }
}

}  // namespace
}  // namespace nook::completion
