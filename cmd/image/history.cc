// nook history / image history [options] IMAGE
#include <fmt/format.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/output.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_history(CLI::App& app) {
  auto options = std::make_shared<engine::ImageHistoryOptions>();
  auto format = std::make_shared<std::optional<std::string>>();
  auto quiet = std::make_shared<bool>(false);
  flag_optional_string(app, "--format", *format, "Change the output to JSON or a Go template");
  app.add_flag("-H,--human", options->human, "Display sizes and dates in human readable format")->default_str("true");
  flag_bool(app, "--no-trunc,--notruncate", options->no_trunc, "Do not truncate the output");
  flag_bool(app, "-q,--quiet", *quiet, "Display the numeric IDs only");
  return [options, format, quiet](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::ImageHistoryReport report = NOOK_TRY(engine::image_history(*settings, args.at(0), *options));
    if (format->has_value() && engine::is_json_format(**format)) {
      if (report.json.empty()) {
        fmt::print("[]\n");
      } else {
        fmt::print("{}\n", engine::image_json_text(report.json, engine::ImageJsonKind::History, 4));
      }
      return 0;
    }
    std::string row = "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
    if (format->has_value()) {
      row = **format;
    } else if (*quiet) {
      row = "{{.ID}}";
    }
    std::string text = NOOK_TRY(engine::render_rows(row, report.rows, false, {{"CreatedBy", "CREATED BY"}}));
    fmt::print("{}", text);
    return 0;
  };
}

}  // namespace nook::cli
