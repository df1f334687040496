// nook image inspect IMAGE... / nook inspect [--type image|all] NAME...
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/output.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

// podman's inspectNormalize: {{.Id}} is the ID field, .Config.Healthcheck lives at the top.
std::string normalize_inspect_format(std::string format, bool image_type) {
  for (std::string_view from : {"{{.Id}}", "{{ .Id }}", "{{ .Id}}", "{{.Id }}"}) {
    for (size_t pos; (pos = format.find(from)) != std::string::npos;) format.replace(pos, from.size(), "{{.ID}}");
  }
  std::vector<std::pair<std::string_view, std::string_view>> replace = {
      {".Src", ".Source"}, {".Dst", ".Destination"}, {".ImageID", ".Image"}};
  if (image_type) replace.push_back({".Config.Healthcheck", ".HealthCheck"});
  for (const auto& [from, to] : replace) {
    for (size_t pos = 0; (pos = format.find(from, pos)) != std::string::npos; pos += to.size()) {
      format.replace(pos, from.size(), to);
    }
  }
  return format;
}

Result<int> run_inspect(Context& ctx, const std::vector<std::string>& args, const std::string& format,
                        const std::string& type) {
  if (type != "image" && type != "all") {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("invalid type {:?}: must be \"image\" or \"all\" (containers come later)", type));
  }
  if (args.empty()) return fail(ErrorKind::InvalidArgument, "no names or ids specified");
  const engine::Settings* settings = NOOK_TRY(ctx.settings());
  engine::ImageInspectReport report = NOOK_TRY(engine::inspect_images(*settings, args, type == "all"));
  if (format.empty() || engine::is_json_format(format)) {
    fmt::print("{}\n", engine::image_json_text(report.data, engine::ImageJsonKind::Inspect, 5));
  } else {
    std::string text = NOOK_TRY(engine::render_rows(normalize_inspect_format(format, type == "image"), report.data,
                                                    true, {}));
    fmt::print("{}", text);
  }
  if (report.errors.empty()) return 0;
  std::fflush(stdout);
  for (size_t i = 1; i < report.errors.size(); ++i) {
    fmt::print(stderr, "error inspecting object: {}\n", report.errors[i].message());
  }
  return fail(report.errors.front().context("inspecting object"));
}

}  // namespace

Runner setup_image_inspect(CLI::App& app) {
  auto format = std::make_shared<std::string>("json");
  flag_string(app, "-f,--format", *format, "Format the output to a Go template or json")->default_str("json");
  return [format](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    return run_inspect(ctx, args, *format, "image");
  };
}

Runner setup_inspect(CLI::App& app) {
  auto format = std::make_shared<std::string>("json");
  auto type = std::make_shared<std::string>("all");
  flag_string(app, "-f,--format", *format, "Format the output to a Go template or json")->default_str("json");
  flag_string(app, "-t,--type", *type, "Specify inspect-object type (image or all; containers come later)")
      ->default_str("all");
  return [format, type](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    return run_inspect(ctx, args, *format, *type);
  };
}

}  // namespace nook::cli
