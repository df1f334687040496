// nook completion bash|zsh|fish: prints a completion script generated from the verb table.
#include <fmt/format.h>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/util/completion.h"

namespace nook::cli {

namespace {

std::vector<completion::Flag> flags_of(const CLI::App& app, bool globals_only) {
  std::vector<completion::Flag> flags;
  for (const CLI::Option* option : app.get_options()) {
    if (!option->nonpositional() || option->get_group().empty()) continue;
    bool is_global = option->get_group() == "Global options";
    if (is_global != globals_only) continue;
    completion::Flag flag;
    if (!option->get_lnames().empty()) flag.long_name = option->get_lnames().front();
    if (!option->get_snames().empty()) flag.short_name = option->get_snames().front();
    flag.description = option->get_description();
    flag.takes_value = !is_bool_flag(*option);
    if (flag.long_name == "log-level") flag.values = {"trace", "debug", "info", "warn", "warning", "error"};
    if (flag.long_name == "storage-driver") flag.values = {"overlay", "fuse-overlayfs", "vfs"};
    if (flag.long_name == "format") flag.values = {"json"};
    flags.push_back(std::move(flag));
  }
  return flags;
}

}  // namespace

// Defined in main.cc: a CLI::App carrying a verb's flags plus the global ones, as the parser sees it.
std::unique_ptr<CLI::App> app_for(const Verb& verb);
std::unique_ptr<CLI::App> globals_app();

completion::Command command_tree() {
  completion::Command root;
  root.name = "nook";
  root.description = "Manage containers and images, rootless and daemonless";
  root.flags = flags_of(*globals_app(), true);
  root.flags.push_back({"help", "h", "Help for nook", false, {}});
  root.flags.push_back({"version", "v", "Version of nook", false, {}});
  std::function<void(completion::Command&, std::string_view)> fill = [&](completion::Command& node,
                                                                          std::string_view path) {
    for (const Verb* verb : children_of(path)) {
      completion::Command sub;
      std::string_view full = verb->path;
      sub.name = std::string(full.substr(path.empty() ? 0 : path.size() + 1));
      sub.description = std::string(verb->summary);
      if (verb->setup != nullptr) {
        sub.flags = flags_of(*app_for(*verb), false);
        if (verb->path == "completion") sub.arg_values = {"bash", "zsh", "fish"};
      } else {
        fill(sub, verb->path);
      }
      node.subcommands.push_back(std::move(sub));
    }
  };
  fill(root, "");
  return root;
}

Runner setup_completion(CLI::App& app) {
  return [](Context&, const std::vector<std::string>& args) -> Result<int> {
    const std::string& shell = args.front();
    completion::Command tree = command_tree();
    if (shell == "bash") fmt::print("{}", completion::bash(tree));
    else if (shell == "zsh") fmt::print("{}", completion::zsh(tree));
    else if (shell == "fish") fmt::print("{}", completion::fish(tree));
    else return fail(ErrorKind::InvalidArgument, fmt::format("unsupported shell \"{}\": choose bash, zsh or fish", shell));
    return 0;
  };
}

}  // namespace nook::cli
