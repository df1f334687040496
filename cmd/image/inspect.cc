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

// The objects named, as one JSON array (podman's order of lookup for --type all: a container
// first, then an image), and the errors for names that are neither.
struct Inspected {
  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  std::vector<Error> errors;
};

Result<Inspected> inspect_objects(const engine::Settings& settings, const std::vector<std::string>& args,
                                  const std::string& type, const engine::ContainerInspectOptions& options) {
  Inspected out;
  auto add_images = [&](const nlohmann::json& images) {
    // image_json_text puts the keys in podman's order; parsed back without exceptions.
    auto ordered = nlohmann::ordered_json::parse(engine::image_json_text(images, engine::ImageJsonKind::Inspect, -1),
                                                 nullptr, false);
    if (ordered.is_array()) {
      for (auto& item : ordered) out.data.push_back(std::move(item));
    }
  };
  if (type == "container") {
    engine::ContainerInspectReport report = NOOK_TRY(engine::inspect_containers(settings, args, options));
    out.data = std::move(report.data);
    out.errors = std::move(report.errors);
    return out;
  }
  if (type == "image") {
    engine::ImageInspectReport report = NOOK_TRY(engine::inspect_images(settings, args, false));
    add_images(report.data);
    out.errors = std::move(report.errors);
    return out;
  }
  for (const std::string& name : args) {
    engine::ContainerInspectReport containers = NOOK_TRY(engine::inspect_containers(settings, {name}, options));
    if (containers.errors.empty()) {
      for (auto& item : containers.data) out.data.push_back(std::move(item));
      continue;
    }
    engine::ImageInspectReport images = NOOK_TRY(engine::inspect_images(settings, {name}, true));
    add_images(images.data);
    for (Error& error : images.errors) out.errors.push_back(std::move(error));
  }
  return out;
}

Result<int> run_inspect(Context& ctx, const std::vector<std::string>& args, const std::string& format,
                        const std::string& type, const engine::ContainerInspectOptions& options = {}) {
  if (type != "image" && type != "container" && type != "all") {
    return fail(ErrorKind::InvalidArgument,
                fmt::format("invalid type {:?}: must be \"container\", \"image\" or \"all\" (volumes, networks and "
                            "pods come later)", type));
  }
  if (args.empty() && !options.latest) return fail(ErrorKind::InvalidArgument, "no names or ids specified");
  const engine::Settings* settings = NOOK_TRY(ctx.settings());
  Inspected report = NOOK_TRY(inspect_objects(*settings, args, type, options));
  if (format.empty() || engine::is_json_format(format)) {
    fmt::print("{}\n", report.data.dump(5, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    nlohmann::json rows = report.data;
    for (nlohmann::json& row : rows) {
      if (row.is_object() && row.contains("Id") && !row.contains("ID")) row["ID"] = row["Id"];
    }
    std::string text = NOOK_TRY(engine::render_rows(normalize_inspect_format(format, type == "image"), rows, true, {}));
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
  auto options = std::make_shared<engine::ContainerInspectOptions>();
  flag_string(app, "-f,--format", *format, "Format the output to a Go template or json")->default_str("json");
  flag_bool(app, "-l,--latest", options->latest, "Act on the latest container nook is aware of");
  flag_bool(app, "-s,--size", options->size, "Display total file size");
  flag_string(app, "-t,--type", *type, "Specify inspect-object type (\"image\", \"container\" or \"all\")")
      ->default_str("all");
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (options->latest && !args.empty()) {
      return fail(ErrorKind::InvalidArgument, "--latest and containers cannot be used together");
    }
    return run_inspect(ctx, args, *format, options->latest ? "container" : *type, *options);
  };
}

// nook container inspect CTR...: containers only.
Runner setup_container_inspect(CLI::App& app) {
  auto format = std::make_shared<std::string>("json");
  auto options = std::make_shared<engine::ContainerInspectOptions>();
  flag_string(app, "-f,--format", *format, "Format the output to a Go template or json")->default_str("json");
  flag_bool(app, "-l,--latest", options->latest, "Act on the latest container nook is aware of");
  flag_bool(app, "-s,--size", options->size, "Display total file size");
  return [=](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (options->latest && !args.empty()) {
      return fail(ErrorKind::InvalidArgument, "--latest and containers cannot be used together");
    }
    return run_inspect(ctx, args, *format, "container", *options);
  };
}

}  // namespace nook::cli
