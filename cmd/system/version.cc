// nook version [--format json|TEMPLATE]
#include <fmt/format.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/output.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

// podman's versionTemplate, with nook's fields.
constexpr std::string_view kVersionTemplate =
    "{{with .Client -}}\n"
    "Version:\\t{{.Version}}\n"
    "API Version:\\t{{.APIVersion}}\n"
    "Compiler:\\t{{.CompilerVersion}}\n"
    "{{if .GitCommit -}}Git Commit:\\t{{.GitCommit}}\\n{{end -}}\n"
    "Built:\\t{{.BuiltTime}}\n"
    "OS/Arch:\\t{{.OsArch}}\n"
    "{{- end}}";

}  // namespace

Runner setup_version(CLI::App& app) {
  auto format = std::make_shared<std::optional<std::string>>();
  flag_optional_string(app, "-f,--format", *format, "Change the output format to JSON or a Go template");
  return [format](Context&, const std::vector<std::string>&) -> Result<int> {
    nlohmann::json report = engine::version_report();
    if (!format->has_value()) {
      std::string text = NOOK_TRY(engine::render_table_text(kVersionTemplate, report));
      fmt::print("{}", text);
      return 0;
    }
    if (engine::is_json_format(**format)) {
      print_json(report, 0);
      return 0;
    }
    // As podman: a template written for the old flat layout ({{.Version}}) is retried against
    // the client part alone.
    auto full = engine::render_template(**format, report);
    if (full) {
      fmt::print("{}", *full);
      return 0;
    }
    std::string flat = **format;
    for (size_t pos; (pos = flat.find(".Server.")) != std::string::npos;) flat.replace(pos, 8, ".");
    auto client = engine::render_template(flat, report["Client"]);
    if (!client) return fail(full.error());
    fmt::print("{}", *client);
    return 0;
  };
}

}  // namespace nook::cli
