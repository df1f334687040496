// nook restart, rename, pause, unpause, top, port and container prune: podman 4.3's verbs, flags,
// output and exit codes.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "cmd/command.h"
#include "cmd/container/report.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_restart(CLI::App& app) {
  auto options = std::make_shared<engine::RestartOptions>();
  auto timeout = std::make_shared<int>(-1);
  flag_bool(app, "-a,--all", options->all, "Restart all non-running containers");
  flag_bool(app, "--running", options->running, "Restart only running containers");
  add_stop_time_flag(app, timeout);
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty() && !options->all) return fail(ErrorKind::InvalidArgument, "you must provide at least one name or id");
    if (!args.empty() && options->all) {
      return fail(ErrorKind::InvalidArgument, "when using the --all switch, you may not pass any containers names or IDs");
    }
    engine::RestartOptions o = *options;
    if (*timeout >= 0) o.timeout = static_cast<unsigned>(*timeout);
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    return report(NOOK_TRY(engine::restart_containers(*settings, args, o)), o.all ? Print::Id : Print::Key);
  };
}

Runner setup_rename(CLI::App&) {
  return [](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.size() != 2) return fail(ErrorKind::InvalidArgument, fmt::format("accepts 2 arg(s), received {}", args.size()));
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    NOOK_TRY_VOID(engine::rename_container(*settings, args[0], args[1]));
    return 0;
  };
}

namespace {

Runner pause_runner(CLI::App& app, bool pause) {
  auto all = std::make_shared<bool>(false);
  flag_bool(app, "-a,--all", *all, pause ? "Pause all running containers" : "Unpause all paused containers");
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    // podman checks unpause's support before its arguments.
    if (!pause) NOOK_TRY_VOID(engine::check_unpause_supported(*settings));
    if (args.empty() && !*all) return fail(ErrorKind::InvalidArgument, "you must provide at least one container name or id");
    return report(NOOK_TRY(engine::pause_containers(*settings, args, *all, pause)), *all ? Print::Id : Print::Key);
  };
}

}  // namespace

Runner setup_pause(CLI::App& app) { return pause_runner(app, true); }
Runner setup_unpause(CLI::App& app) { return pause_runner(app, false); }

Runner setup_top(CLI::App& app) {
  auto latest = std::make_shared<bool>(false);
  flag_bool(app, "-l,--latest", *latest, "Act on the latest container nook is aware of");
  app.prefix_command();  // descriptors after the container may look like flags to ps(1)
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty()) return fail(ErrorKind::InvalidArgument, "you must provide the name or id of a running container");
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    std::vector<std::string> descriptors(args.begin() + 1, args.end());
    engine::TopReport report = NOOK_TRY(engine::top_container(*settings, args.front(), descriptors));
    fmt::print("{}", engine::render_top(report));
    return 0;
  };
}

Runner setup_port(CLI::App& app) {
  auto all = std::make_shared<bool>(false);
  flag_bool(app, "-a,--all", *all, "Display port information for all containers");
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (*all && !args.empty()) return fail(ErrorKind::InvalidArgument, "the -a/--all option cannot be used with a container name");
    if (!*all && args.empty()) return fail(ErrorKind::InvalidArgument, "you must supply a running container name or id");
    if (args.size() > 2) return fail(ErrorKind::InvalidArgument, fmt::format("accepts at most 2 arg(s), received {}", args.size()));
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    std::optional<std::string> port;
    if (args.size() == 2) port = args[1];
    std::vector<std::string> keys;
    if (!args.empty()) keys.push_back(args[0]);
    for (const engine::PortLine& line : NOOK_TRY(engine::container_ports(*settings, keys, *all, port))) {
      if (*all) fmt::print("{}\t", line.id.substr(0, 12));
      fmt::print("{}\n", line.text);
    }
    return 0;
  };
}

Runner setup_container_init(CLI::App& app) {
  auto all = std::make_shared<bool>(false);
  flag_bool(app, "-a,--all", *all, "Initialize all containers");
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty() && !*all) return fail(ErrorKind::InvalidArgument, "you must provide at least one name or id");
    if (!args.empty() && *all) {
      return fail(ErrorKind::InvalidArgument, "when using the --all switch, you may not pass any containers names or IDs");
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    return report(NOOK_TRY(engine::init_containers(*settings, args, *all)), *all ? Print::Id : Print::Key);
  };
}

Runner setup_container_prune(CLI::App& app) {
  auto force = std::make_shared<bool>(false);
  auto filters = std::make_shared<std::vector<std::string>>();
  flag_bool(app, "-f,--force", *force, "Do not prompt for confirmation.  The default is false");
  flag_strings(app, "--filter", *filters, "Provide filter values (e.g. 'label=<key>=<value>')");
  return [=](Context& ctx, const std::vector<std::string>&) -> Result<int> {
    if (!*force) {
      // podman reads the answer from stdin whether or not it is a terminal.
      fmt::print("WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ");
      std::fflush(stdout);
      std::string answer;
      if (!std::getline(std::cin, answer)) return fail(ErrorKind::InvalidArgument, "EOF");
      if (answer.empty() || (answer[0] != 'y' && answer[0] != 'Y')) return 0;
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    std::optional<Error> last;
    for (const engine::PruneReport& report : NOOK_TRY(engine::prune_containers(*settings, *filters))) {
      if (report.error) {
        if (last) fmt::print(stderr, "Error: {}\n", last->message());
        last = report.error;
        continue;
      }
      fmt::print("{}\n", report.id);
    }
    std::fflush(stdout);
    if (last) return fail(*last);
    return 0;
  };
}

}  // namespace nook::cli
