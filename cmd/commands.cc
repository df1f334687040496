#include <algorithm>
#include <array>

#include "cmd/command.h"

namespace nook::cli {

// Setup functions live in their verb files.
Runner setup_version(CLI::App& app);
Runner setup_info(CLI::App& app);
Runner setup_completion(CLI::App& app);
Runner setup_unshare(CLI::App& app);

namespace {

constexpr std::string_view kInfoDescription =
    "Display information pertaining to the host, current storage stats, and build of nook.\n\n"
    "  Useful for the user and when reporting issues.";

constexpr std::string_view kCompletionDescription =
    "Generate shell autocompletions.\n"
    "  Valid arguments are bash, zsh and fish.\n"
    "  The scripts are generated from nook's own command definitions; the packaged copies live in\n"
    "  completions/ of the source tree.";

constexpr std::string_view kUnshareDescription =
    "Runs a command in a modified user namespace.\n\n"
    "  The command runs as uid 0 in the user namespace nook uses for its store and containers:\n"
    "  container id 0 is the user, 1 and up are the user's ranges in /etc/subuid and /etc/subgid.\n"
    "  Without a command, the user's $SHELL is started.";

const std::array kVerbs = {
    Verb{.path = "completion", .summary = "Generate shell autocompletions", .description = kCompletionDescription,
         .usage = "[options] {bash|zsh|fish}", .example = "nook completion bash\n  nook completion fish > ~/.config/fish/completions/nook.fish",
         .args = Args::ExactlyOne, .setup = &setup_completion},
    // Handled in main.cc (rewritten to --help); listed here for help and completions.
    Verb{.path = "help", .summary = "Help about any command", .usage = "[command]", .args = Args::Any},
    Verb{.path = "info", .summary = "Display nook system information", .description = kInfoDescription,
         .usage = "[options]", .example = "nook info\n  nook info --format '{{.Host.Kernel}}'",
         .args = Args::None, .setup = &setup_info},
    Verb{.path = "system", .summary = "Manage nook", .description = "Manage nook", .usage = "[command]"},
    Verb{.path = "system info", .summary = "Display nook system information", .description = kInfoDescription,
         .usage = "[options]", .example = "nook system info", .args = Args::None, .setup = &setup_info},
    Verb{.path = "unshare", .summary = "Run a command in a modified user namespace",
         .description = kUnshareDescription, .usage = "[options] [COMMAND [ARG...]]",
         .example = "nook unshare id\n  nook unshare cat /proc/self/uid_map /proc/self/gid_map\n  nook unshare ls -la ~/.local/share/nook",
         .args = Args::Any, .setup = &setup_unshare, .needs_userns = true},
    Verb{.path = "version", .summary = "Display the nook version information", .usage = "[options]",
         .example = "nook version\n  nook version --format json", .args = Args::None, .setup = &setup_version},
};

}  // namespace

std::span<const Verb> verbs() { return kVerbs; }

const Verb* find_verb(std::string_view path) {
  auto it = std::find_if(kVerbs.begin(), kVerbs.end(), [&](const Verb& v) { return v.path == path; });
  return it == kVerbs.end() ? nullptr : &*it;
}

std::vector<const Verb*> children_of(std::string_view path) {
  std::vector<const Verb*> out;
  for (const Verb& verb : kVerbs) {
    if (verb.hidden) continue;
    std::string_view p = verb.path;
    size_t space = p.rfind(' ');
    std::string_view parent = space == std::string_view::npos ? std::string_view{} : p.substr(0, space);
    if (parent == path) out.push_back(&verb);
  }
  return out;
}

}  // namespace nook::cli
