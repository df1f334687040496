// nook logs / container logs [options] CONTAINER...: podman-logs(1).
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_logs(CLI::App& app) {
  auto options = std::make_shared<engine::LogsOptions>();
  auto tail = std::make_shared<int64_t>(-1);
  auto latest = std::make_shared<bool>(false);
  flag_bool(app, "-f,--follow", options->follow, "Follow log output");
  flag_bool(app, "-l,--latest", *latest, "Act on the latest container nook is aware of");
  flag_bool(app, "-n,--names", options->names, "Output the container name in the log");
  flag_optional_string(app, "--since", options->since, "Show logs since TIMESTAMP");
  app.add_option("--tail", *tail, "Output the specified number of LINES at the end of the logs")->type_name("int")
      ->default_str("-1");
  flag_bool(app, "-t,--timestamps", options->timestamps, "Output the timestamps in the log");
  flag_optional_string(app, "--until", options->until, "Show logs until TIMESTAMP");
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty() && !*latest) return fail(ErrorKind::InvalidArgument, "specify at least one container name or ID to log");
    engine::LogsOptions o = *options;
    if (*tail >= 0) o.tail = *tail;
    if (args.size() > 1) o.names = true;
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    std::vector<std::string> keys = args;
    if (*latest) {
      engine::PsOptions ps;
      ps.latest = true;
      ps.no_trunc = true;
      engine::PsReport latest_report = NOOK_TRY(engine::list_containers(*settings, ps));
      if (latest_report.ids.empty()) return fail(ErrorKind::NotFound, "no containers to show logs of");
      keys = latest_report.ids;
    }
    NOOK_TRY_VOID(engine::container_logs(
        *settings, keys, o,
        [](std::string_view text) {
          std::fwrite(text.data(), 1, text.size(), stdout);
          std::fflush(stdout);
        },
        [](std::string_view text) {
          std::fwrite(text.data(), 1, text.size(), stderr);
          std::fflush(stderr);
        }));
    return 0;
  };
}

// setup_container_inspect lives in cmd/image/inspect.cc with the top-level inspect.

Runner setup_container_exists(CLI::App& app) {
  return [](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.size() != 1) return fail(ErrorKind::InvalidArgument, fmt::format("accepts 1 arg(s), received {}", args.size()));
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    return NOOK_TRY(engine::container_exists(*settings, args[0])) ? 0 : 1;
  };
}

}  // namespace nook::cli
