// nook images / image ls / image list [options] [IMAGE]
#include <fmt/format.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "cmd/output.h"
#include "lib/engine/engine.h"

namespace nook::cli {

namespace {

struct ImagesFlags {
  engine::ImageListOptions options;
  std::optional<std::string> format;
  bool digests = false;
  bool noheading = false;
  bool quiet = false;
  bool history = false;
};

}  // namespace

Runner setup_images(CLI::App& app) {
  auto f = std::make_shared<ImagesFlags>();
  flag_bool(app, "-a,--all", f->options.all, "Show all images (default hides intermediate images)");
  flag_strings(app, "-f,--filter", f->options.filters, "Filter output based on conditions provided (default [])");
  flag_optional_string(app, "--format", f->format, "Change the output format to JSON or a Go template");
  flag_bool(app, "--digests", f->digests, "Show digests");
  flag_bool(app, "-n,--noheading", f->noheading, "Do not print column headings");
  flag_bool(app, "--no-trunc", f->options.no_trunc, "Do not truncate output");
  flag_bool(app, "-q,--quiet", f->quiet, "Display only image IDs");
  flag_string(app, "--sort", f->options.sort, "Sort by created, id, repository, size, tag")->default_str("created");
  flag_bool(app, "--history", f->history, "Display the image name history");
  return [f](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.size() > 1) {
      return fail(ErrorKind::InvalidArgument, fmt::format("accepts at most 1 arg(s), received {}", args.size()));
    }
    engine::ImageListOptions options = f->options;
    if (!options.filters.empty() && !args.empty()) {
      return fail(ErrorKind::InvalidArgument, "cannot specify an image and a filter(s)");
    }
    if (!args.empty()) options.filters.push_back("reference=" + args[0]);
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::ImageListReport report = NOOK_TRY(engine::list_images(*settings, options));
    if (f->format && engine::is_json_format(*f->format)) {
      fmt::print("{}\n", engine::image_json_text(report.json, engine::ImageJsonKind::List, 4));
      return 0;
    }
    if (f->quiet) {
      for (const std::string& id : report.ids) fmt::print("{}\n", id);
      return 0;
    }
    std::string format;
    bool noheading = f->noheading;
    if (f->format) {
      format = *f->format;
    } else {
      format = "table {{.Repository}}\t{{.Tag}}";
      if (f->digests) format += "\t{{.Digest}}";
      format += "\t{{.ID}}\t{{.Created}}\t{{.Size}}";
      if (f->history) format += "\t{{if .History}}{{.History}}{{else}}<none>{{end}}";
    }
    std::string text = NOOK_TRY(engine::render_rows(format, report.rows, noheading, engine::image_list_headers()));
    fmt::print("{}", text);
    return 0;
  };
}

}  // namespace nook::cli
