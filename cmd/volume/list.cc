// nook volume ls and volume inspect: podman-volume-ls(1), podman-volume-inspect(1).
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_volume_ls(CLI::App& app) {
  struct Flags {
    std::vector<std::string> filters;
    std::string format;
    bool noheading = false;
    bool quiet = false;
  };
  auto f = std::make_shared<Flags>();
  flag_strings(app, "-f,--filter", f->filters, "Filter volume output");
  flag_string(app, "--format", f->format, "Format volume output using Go template")->default_str("{{.Driver}}\t{{.Name}}");
  flag_bool(app, "-n,--noheading", f->noheading, "Do not print headers");
  flag_bool(app, "-q,--quiet", f->quiet, "Print volume output in quiet mode");
  return [f](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (!args.empty()) return fail(ErrorKind::InvalidArgument, "too many arguments, ls takes no arguments");
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    nlohmann::json volumes = NOOK_TRY(engine::list_volumes(*settings, f->filters));
    if (f->quiet) {
      for (const nlohmann::json& v : volumes) fmt::print("{}\n", v["Name"].get<std::string>());
      return 0;
    }
    if (engine::is_json_format(f->format)) {
      fmt::print("{}\n", engine::volume_json_text(volumes, 4));
      return 0;
    }
    std::string format = f->format.empty() ? "table {{.Driver}}\t{{.Name}}" : f->format;
    // podman prints its default as a table even when --format repeats it without "table".
    if (format == "{{.Driver}}\t{{.Name}}") format = "table " + format;
    fmt::print("{}", NOOK_TRY(engine::render_rows(format, volumes, f->noheading, {{"Name", "VOLUME NAME"}})));
    return 0;
  };
}

Runner setup_volume_inspect(CLI::App& app) {
  auto format = std::make_shared<std::string>("json");
  auto all = std::make_shared<bool>(false);
  flag_bool(app, "-a,--all", *all, "Inspect all volumes");
  flag_string(app, "-f,--format", *format, "Format volume output using JSON or a Go template")->default_str("json");
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty() && !*all) return fail(ErrorKind::InvalidArgument, "provide one or more volume names or use --all");
    if (!args.empty() && *all) return fail(ErrorKind::InvalidArgument, "cannot specify --all with a volume name");
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::VolumeInspectReport report = NOOK_TRY(engine::inspect_volumes(*settings, args, *all));
    if (engine::is_json_format(*format)) {
      fmt::print("{}\n", engine::volume_json_text(report.data, 5));
    } else {
      fmt::print("{}", NOOK_TRY(engine::render_rows(*format, report.data, true, {})));
    }
    if (report.errors.empty()) return 0;
    std::fflush(stdout);
    for (size_t i = 0; i + 1 < report.errors.size(); ++i) {
      fmt::print(stderr, "Error: inspecting object: {}\n", report.errors[i].message());
    }
    return fail(report.errors.back().context("inspecting object"));
  };
}

Runner setup_volume_exists(CLI::App&) {
  return [](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    return NOOK_TRY(engine::volume_exists(*settings, args.at(0))) ? 0 : 1;
  };
}

}  // namespace nook::cli
