// nook start, stop, kill, rm, wait (and their `container` forms): podman's verbs that act on
// existing containers. Each prints what the user named, one per line, as podman does.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

// Prints each success's key (its id with --all, or its exit code for wait) and the errors:
// podman prints every error but the last to stderr and returns the last as the command's error.
// `exit_code_for` gives a verb's own exit code for that last error (rm: 1 missing, 2 running);
// without it, or when it says 125, the error goes through main's usual path.
enum class Print { Key, Id, ExitCode };
Result<int> report(const std::vector<engine::ContainerResult>& results, Print print,
                   int (*exit_code_for)(const Error&) = nullptr) {
  std::optional<Error> last;
  for (const engine::ContainerResult& r : results) {
    if (r.error) {
      if (last) fmt::print(stderr, "Error: {}\n", last->message());
      last = r.error;
      continue;
    }
    switch (print) {
      case Print::Key: fmt::print("{}\n", r.key); break;
      case Print::Id: fmt::print("{}\n", r.id); break;
      case Print::ExitCode: fmt::print("{}\n", r.exit_code); break;
    }
  }
  std::fflush(stdout);
  if (!last) return 0;
  int code = exit_code_for != nullptr ? exit_code_for(*last) : 125;
  if (code == 125) return fail(*last);
  fmt::print(stderr, "Error: {}\n", last->message());
  return code;
}

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
  app.add_option("-t,--time", *timeout, "Seconds to wait for stop before killing the container")->type_name("uint")
      ->default_str("10");
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
  app.add_option("-t,--time", *timeout, "Seconds to wait for stop before killing the container")->type_name("uint")
      ->default_str("10");
  flag_bool(app, "-v,--volumes", options->volumes, "Remove anonymous volumes associated with the container");
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
