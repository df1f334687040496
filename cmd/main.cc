// nook's entry point: parse the global options and the command path, build the verb's flags,
// run it, and turn an Error into "Error: ..." on stderr and podman's exit code. This is the only
// place that maps errors to exit codes (125 engine, 126 not executable, 127 not found).
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/help.h"
#include "lib/util/log.h"
#include "lib/util/strings.h"

#ifndef NOOK_VERSION
#define NOOK_VERSION "0.0.0"
#endif

namespace nook::cli {
namespace {

// Declares the global options on app (top level or a verb), bound into globals.
void add_global_options(CLI::App& app, GlobalOptions& globals) {
  const std::string group = "Global options";
  flag_optional_string(app, "--root", globals.root,
                       "Path to the root directory in which data, including images, is stored")->group(group);
  flag_optional_string(app, "--runroot", globals.runroot,
                       "Path to the 'run directory' where all state information is stored")->group(group);
  flag_optional_string(app, "--storage-driver", globals.storage_driver,
                       "Select which storage driver is used to manage storage of images and containers")->group(group);
  flag_optional_string(app, "--log-level", globals.log_level,
                       "Log messages above specified level (trace, debug, info, warn, warning, error, fatal, panic)")
      ->default_str("warn")->group(group);
  flag_optional_string(app, "--cgroup-manager", globals.cgroup_manager,
                       "Cgroup manager to use (\"cgroupfs\"|\"systemd\")")->group(group);
}

std::vector<std::string> long_flag_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
  }
  return names;
}

Error unknown_flag(std::string_view token, const CLI::App& app, std::string_view path) {
  std::string flag(token.substr(0, token.find('=')));
  // pflag's wording: "unknown flag: --foo", "unknown shorthand flag: 'x' in -xy".
  std::string message = flag.starts_with("--")
                            ? fmt::format("unknown flag: {}", flag)
                            : fmt::format("unknown shorthand flag: '{}' in {}", flag.substr(1, 1), flag);
  if (flag.starts_with("--")) {
    std::vector<std::string> close = strings::suggestions(flag, long_flag_names(app));
    if (!close.empty()) message += fmt::format("\n\nDid you mean this?\n\t{}\n", strings::join(close, "\n\t"));
  }
  message += fmt::format("\nSee '{}{} --help'", "nook", path.empty() ? "" : " " + std::string(path));
  return Error(ErrorKind::InvalidArgument, std::move(message));
}

Error unrecognized_command(std::string_view path, std::string_view word) {
  std::string where = path.empty() ? "nook" : fmt::format("nook {}", path);
  std::vector<std::string> names;
  for (const Verb* child : children_of(path)) names.emplace_back(child->path.substr(path.empty() ? 0 : path.size() + 1));
  std::vector<std::string> close = strings::suggestions(word, names);
  if (close.empty()) {
    return Error(ErrorKind::InvalidArgument,
                 fmt::format("unrecognized command `{} {}`\nTry '{} --help' for more information.", where, word, where));
  }
  return Error(ErrorKind::InvalidArgument,
               fmt::format("unrecognized command `{} {}`\n\nDid you mean this?\n\t{}\n\nTry '{} --help' for more information.",
                           where, word, strings::join(close, "\n\t"), where));
}

Result<void> check_args(const Verb& verb, const std::vector<std::string>& args) {
  std::string where = fmt::format("nook {}", verb.path);
  switch (verb.args) {
    case Args::None:
      if (!args.empty()) return fail(ErrorKind::InvalidArgument, fmt::format("`{}` takes no arguments", where));
      break;
    case Args::ExactlyOne:
      if (args.size() != 1) {
        return fail(ErrorKind::InvalidArgument, fmt::format("accepts 1 arg(s), received {}", args.size()));
      }
      break;
    case Args::AtLeastOne:
      if (args.empty()) {
        return fail(ErrorKind::InvalidArgument, "requires at least 1 arg(s), only received 0");
      }
      break;
    case Args::Any: break;
  }
  return {};
}

// Applies --log-level and NOOK_DEBUG before the verb runs.
Result<void> configure_logging(const GlobalOptions& globals) {
  std::string level = globals.log_level.value_or("");
  if (level.empty()) {
    if (const char* env = std::getenv("NOOK_LOG_LEVEL")) level = env;
  }
  if (!level.empty()) log::set_level(NOOK_TRY(log::parse_level(level)));
  if (const char* categories = std::getenv("NOOK_DEBUG")) NOOK_TRY_VOID(log::enable_categories(categories));
  return {};
}

// CLI11 says "--format: 1 required TEXT missing"; cobra says "flag needs an argument: --format".
Error from_cli11(const CLI::ParseError& e, std::string_view path) {
  std::string what = e.what();
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
    std::string flag = what.substr(0, what.find(':'));
    return Error(ErrorKind::InvalidArgument, fmt::format("flag needs an argument: {}\nSee 'nook{}{} --help'", flag,
                                                         path.empty() ? "" : " ", path));
  }
  return Error(ErrorKind::InvalidArgument, what);
}

struct Parsed {
  const Verb* verb = nullptr;         // the leaf verb, or a group when none followed
  std::string path;                   // "" for the top level
  std::vector<std::string> rest;      // tokens after the command path
  bool help = false;                  // -h/--help before the command path
  bool version = false;               // -v/--version at the top level
};

// Walks the tokens before the verb: global options (both "--root x" and "--root=x") and the
// command words. Everything after the leaf verb is left for the verb's own parser.
Result<Parsed> scan(const std::vector<std::string>& tokens, CLI::App& globals_app, GlobalOptions& globals) {
  Parsed parsed;
  std::vector<std::string> global_tokens;
  size_t i = 0;
  for (; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (token == "--") {
      ++i;
      break;
    }
    if (token == "-h" || token == "--help") {
      parsed.help = true;
      continue;
    }
    if (parsed.path.empty() && (token == "-v" || token == "--version")) {
      parsed.version = true;
      continue;
    }
    if (token.starts_with("-") && token.size() > 1) {
      std::string name = token.substr(0, token.find('='));
      CLI::Option* option = name.starts_with("--") ? globals_app.get_option_no_throw(name) : nullptr;
      if (option == nullptr) return fail(unknown_flag(token, globals_app, parsed.path));
      global_tokens.push_back(token);
      if (token.find('=') == std::string::npos) {
        if (i + 1 >= tokens.size()) {
          return fail(ErrorKind::InvalidArgument,
                      fmt::format("flag needs an argument: {}\nSee 'nook --help'", name));
        }
        global_tokens.push_back(tokens[++i]);
      }
      continue;
    }
    std::string candidate = parsed.path.empty() ? token : parsed.path + " " + token;
    // Hidden verbs (aliases such as `image ls`) run; they are only left out of help and completions.
    const Verb* verb = find_verb(candidate);
    if (verb == nullptr) {
      if (parsed.verb == nullptr || parsed.verb->setup == nullptr) return fail(unrecognized_command(parsed.path, token));
      break;
    }
    parsed.verb = verb;
    parsed.path = candidate;
    if (verb->setup != nullptr) {
      ++i;
      break;
    }
  }
  parsed.rest.assign(tokens.begin() + static_cast<std::ptrdiff_t>(i), tokens.end());
  std::reverse(global_tokens.begin(), global_tokens.end());
  try {
    globals_app.parse(global_tokens);
  } catch (const CLI::ParseError& e) {
    return fail(from_cli11(e, ""));
  }
  return parsed;
}

Result<int> run_verb(const Verb& verb, std::vector<std::string> rest, GlobalOptions& globals) {
  CLI::App app{std::string(verb.summary), fmt::format("nook {}", verb.path)};
  app.set_help_flag();
  app.allow_extras();
  bool help = false;
  add_global_options(app, globals);
  Runner runner = verb.setup(app);
  // run and create use -h for --hostname, as podman does; help is then --help alone.
  std::string help_names = app.get_option_no_throw("-h") == nullptr ? "-h,--help" : "--help";
  app.add_flag(help_names, help, fmt::format("help for {}", verb.path.substr(verb.path.rfind(' ') + 1)));
  std::reverse(rest.begin(), rest.end());
  try {
    app.parse(rest);
  } catch (const CLI::ParseError& e) {
    return fail(from_cli11(e, verb.path));
  }
  if (help) {
    fmt::print("{}", verb_help(verb, app));
    return 0;
  }
  std::vector<std::string> positionals;
  for (const std::string& token : app.remaining()) {
    if (token.starts_with("-") && token.size() > 1 && !app.get_prefix_command()) {
      return fail(unknown_flag(token, app, verb.path));
    }
    positionals.push_back(token);
  }
  NOOK_TRY_VOID(configure_logging(globals));
  NOOK_TRY_VOID(check_args(verb, positionals));
  Context ctx(globals);
  if (verb.needs_userns) {
    // Before the verb runs and before any thread exists (DESIGN.md "Process model").
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    std::vector<std::string> networks;
    if (const CLI::Option* network = app.get_option_no_throw("--network")) networks = network->as<std::vector<std::string>>();
    pid_t share_with = NOOK_TRY(engine::userns_to_share(
        *settings, networks, verb.starts_containers ? positionals : std::vector<std::string>{}));
    NOOK_TRY_VOID(engine::enter_userns(
        *settings,
        [](const std::string& warning) {
          fmt::print(stderr, "nook: warning: {}\n", warning);
          std::fflush(stderr);
        },
        share_with));
  }
  return runner(ctx, positionals);
}

// `nook help [COMMAND...]` is `nook [COMMAND...] --help`, as cobra's help command.
std::vector<std::string> rewrite_help(std::vector<std::string> tokens) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (token == "--") break;
    if (token.starts_with("-")) {
      bool takes_value = token == "--root" || token == "--runroot" || token == "--storage-driver" ||
                         token == "--log-level" || token == "--cgroup-manager";
      if (takes_value) ++i;
      continue;
    }
    if (token == "help") {
      tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(i));
      tokens.push_back("--help");
    }
    break;
  }
  return tokens;
}

Result<int> run(const std::vector<std::string>& raw_tokens) {
  std::vector<std::string> tokens = rewrite_help(raw_tokens);
  GlobalOptions globals;
  CLI::App globals_app{"nook", "nook"};
  globals_app.set_help_flag();
  add_global_options(globals_app, globals);
  bool version_flag = false;  // recognised by scan(); declared here for --help
  globals_app.add_flag("-v,--version", version_flag, "Version of nook")->group("Global options");
  Parsed parsed = NOOK_TRY(scan(tokens, globals_app, globals));
  if (parsed.version && parsed.verb == nullptr) {
    fmt::print("nook version {}\n", NOOK_VERSION);
    return 0;
  }
  if (parsed.verb == nullptr || parsed.verb->setup == nullptr) {
    fmt::print("{}", group_help(parsed.path, globals_app));
    if (parsed.help) return 0;
    std::string where = parsed.path.empty() ? "nook" : "nook " + parsed.path;
    return fail(ErrorKind::InvalidArgument, fmt::format("missing command '{} COMMAND'", where));
  }
  if (parsed.help) parsed.rest.insert(parsed.rest.begin(), "--help");
  return run_verb(*parsed.verb, std::move(parsed.rest), globals);
}

}  // namespace

// A CLI::App that carries a verb's flags and the global ones, for the completion generator. The
// runner is dropped, so the app must not be parsed.
std::unique_ptr<CLI::App> app_for(const Verb& verb) {
  static GlobalOptions unused_globals;
  static bool unused_help = false;
  auto app = std::make_unique<CLI::App>(std::string(verb.summary), fmt::format("nook {}", verb.path));
  app->set_help_flag();
  add_global_options(*app, unused_globals);
  (void)verb.setup(*app);
  std::string help_names = app->get_option_no_throw("-h") == nullptr ? "-h,--help" : "--help";
  app->add_flag(help_names, unused_help, "help for this command")->group("");
  return app;
}

std::unique_ptr<CLI::App> globals_app() {
  static GlobalOptions unused_globals;
  auto app = std::make_unique<CLI::App>("nook", "nook");
  app->set_help_flag();
  add_global_options(*app, unused_globals);
  return app;
}

}  // namespace nook::cli

int main(int argc, char** argv) {
  std::vector<std::string> tokens(argv + 1, argv + argc);
  nook::Result<int> result = [&]() -> nook::Result<int> {
    try {
      return nook::cli::run(tokens);
    } catch (const std::exception& e) {
      return nook::fail(nook::ErrorKind::Internal, std::string("internal error: ") + e.what());
    }
  }();
  std::fflush(stdout);
  if (!result) {
    fmt::print(stderr, "Error: {}\n", result.error().message());
    return nook::exit_code_for(result.error());
  }
  return *result;
}
