// nook ps / container ps / container ls / container list [options]: podman-ps(1).
#include <fmt/format.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/output.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

struct PsFlags {
  engine::PsOptions options;
  std::optional<std::string> format;
  bool noheading = false;
  bool quiet = false;
  bool external = false;
};

}  // namespace

Runner setup_ps(CLI::App& app) {
  auto f = std::make_shared<PsFlags>();
  flag_bool(app, "-a,--all", f->options.all, "Show all the containers, default is only running containers");
  flag_bool(app, "--external", f->external, "Show containers in storage not controlled by nook");
  flag_strings(app, "-f,--filter", f->options.filters, "Filter output based on conditions given");
  flag_optional_string(app, "--format", f->format, "Pretty-print containers to JSON or using a Go template");
  app.add_option("-n,--last", f->options.last, "Print the n last created containers (all states)")->type_name("int")
      ->default_str("-1");
  flag_bool(app, "-l,--latest", f->options.latest, "Act on the latest container nook is aware of");
  flag_bool(app, "--noheading", f->noheading, "Do not print headers");
  flag_bool(app, "--no-trunc", f->options.no_trunc, "Display the extended information");
  flag_bool(app, "-q,--quiet", f->quiet, "Print the numeric IDs of the containers only");
  flag_bool(app, "-s,--size", f->options.size, "Display the total file sizes");
  flag_string(app, "--sort", f->options.sort, "Sort output by: command, created, id, image, names, runningfor, size, status")
      ->default_str("created");
  return [f](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (!args.empty()) return fail(ErrorKind::InvalidArgument, fmt::format("accepts 0 arg(s), received {}", args.size()));
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    bool json_format = f->format && engine::is_json_format(*f->format);
    using Output = engine::PsOptions::Output;
    f->options.output = json_format ? Output::Json : f->quiet ? Output::Ids : Output::Rows;
    engine::PsReport report = NOOK_TRY(engine::list_containers(*settings, f->options));
    if (json_format) {
      print_json(report.json, 4);
      return 0;
    }
    if (f->quiet) {
      for (const std::string& id : report.ids) fmt::print("{}\n", id);
      return 0;
    }
    std::string format = f->format.value_or(
        f->options.size ? "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}"
                        : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}");
    fmt::print("{}", NOOK_TRY(engine::render_rows(format, report.rows, f->noheading, engine::ps_headers())));
    return 0;
  };
}

}  // namespace nook::cli
