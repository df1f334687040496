// nook start, stop, kill, rm, wait (and their `container` forms): podman's verbs that act on
// existing containers. Each prints what the user named, one per line, as podman does.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cmd/command.h"
#include "cmd/container/report.h"
#include "cmd/flags.h"
#include "cmd/terminal.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

// podman rm: 1 when a container did not exist, 2 when one was running, 125 otherwise.
int rm_exit_code(const Error& error) {
  if (error.kind() == ErrorKind::NotFound) return 1;
  if (error.kind() == ErrorKind::InvalidState) return 2;
  return 125;
}

}  // namespace

Runner setup_start(CLI::App& app) {
  auto attach = std::make_shared<bool>(false);
  auto interactive = std::make_shared<bool>(false);
  auto sig_proxy = std::make_shared<bool>(true);
  flag_bool(app, "-a,--attach", *attach, "Attach container's STDOUT and STDERR");
  auto detach_keys = std::make_shared<std::optional<std::string>>();
  flag_optional_string(app, "--detach-keys", *detach_keys,
                       "Select the key sequence for detaching a container. Format is a single character [a-Z] or a "
                       "comma separated sequence of `ctrl-<value>`, where `<value>` is one of: `a-z`, `@`, `^`, `[`, "
                       "`\\`, `]`, `^` or `_` (default \"ctrl-p,ctrl-q\")");
  flag_bool(app, "-i,--interactive", *interactive, "Make STDIN available to the contained process");
  app.add_option("--sig-proxy", *sig_proxy, "Proxy received signals to the process (default true if attaching, false otherwise)")
      ->type_name("")->expected(0, 1);
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty()) return fail(ErrorKind::InvalidArgument, "start requires at least one argument");
    if (*attach && args.size() > 1) {
      return fail(ErrorKind::InvalidArgument, "you cannot start and attach multiple containers at once");
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::AttachOptions options;
    options.attach = *attach;
    options.interactive = *interactive;
    options.sig_proxy = *sig_proxy;
    options.detach_keys = *detach_keys;
    if (*detach_keys) NOOK_TRY_VOID(engine::check_detach_keys(**detach_keys));
    RawTerminal terminal;
    options.on_terminal = [&terminal] { terminal.enable(); };
    if (*attach) return engine::start_container(*settings, args.front(), options);
    std::vector<engine::ContainerResult> results;
    for (const std::string& key : args) {
      engine::ContainerResult result{.key = key};
      if (auto started = engine::start_container(*settings, key, options); !started) result.error = started.error();
      results.push_back(std::move(result));
    }
    return report(results, Print::Key);
  };
}

Runner setup_stop(CLI::App& app) {
  auto options = std::make_shared<engine::StopOptions>();
  auto timeout = std::make_shared<int>(-1);
  flag_bool(app, "-a,--all", options->all, "Stop all running containers");
  flag_bool(app, "-i,--ignore", options->ignore, "Ignore errors when a specified container is missing");
  add_stop_time_flag(app, timeout);
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty() && !options->all) return fail(ErrorKind::InvalidArgument, "you must provide at least one name or id");
    engine::StopOptions o = *options;
    if (*timeout >= 0) o.timeout = static_cast<unsigned>(*timeout);
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    return report(NOOK_TRY(engine::stop_containers(*settings, args, o)), Print::Key);
  };
}

Runner setup_kill(CLI::App& app) {
  auto all = std::make_shared<bool>(false);
  auto signal = std::make_shared<std::string>("KILL");
  flag_bool(app, "-a,--all", *all, "Signal all running containers");
  flag_string(app, "-s,--signal", *signal, "Signal to send to the container")->default_str("KILL");
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty() && !*all) return fail(ErrorKind::InvalidArgument, "you must provide at least one name or id");
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    return report(NOOK_TRY(engine::kill_containers(*settings, args, *signal, *all)), Print::Key);
  };
}

Runner setup_rm(CLI::App& app) {
  auto options = std::make_shared<engine::RemoveOptions>();
  auto timeout = std::make_shared<int>(-1);
  flag_bool(app, "-a,--all", options->all, "Remove all containers");
  flag_bool(app, "-f,--force", options->force, "Force removal of a running or unusable container");
  flag_bool(app, "-i,--ignore", options->ignore, "Ignore errors when a specified container is missing");
  add_stop_time_flag(app, timeout);
  flag_bool(app, "-v,--volumes", options->volumes, "Remove anonymous volumes associated with the container");
  flag_bool(app, "--depend", options->depend, "Remove container and all containers that depend on the selected container");
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty() && !options->all) return fail(ErrorKind::InvalidArgument, "you must provide at least one name or id");
    engine::RemoveOptions o = *options;
    if (*timeout >= 0) o.timeout = static_cast<unsigned>(*timeout);
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    return report(NOOK_TRY(engine::remove_containers(*settings, args, o)), o.all ? Print::Id : Print::Key,
                  &rm_exit_code);
  };
}

Runner setup_wait(CLI::App& app) {
  auto conditions = std::make_shared<std::vector<std::string>>();
  auto interval = std::make_shared<std::string>("250ms");
  flag_strings(app, "--condition", *conditions, "Condition to wait on");
  flag_string(app, "-i,--interval", *interval, "Time Interval to wait before polling for completion")->default_str("250ms");
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty()) return fail(ErrorKind::InvalidArgument, "you must provide at least one container name or id");
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    return report(NOOK_TRY(engine::wait_containers(*settings, args, *conditions)), Print::ExitCode);
  };
}

}  // namespace nook::cli
