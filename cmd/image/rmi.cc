// nook rmi / image rm [options] IMAGE...: "Untagged: NAME" and "Deleted: ID" lines; podman's exit
// codes (1 when the only problem is a missing image, 125 otherwise).
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_rmi(CLI::App& app) {
  auto options = std::make_shared<engine::RemoveImagesOptions>();
  flag_bool(app, "-a,--all", options->all, "Remove all images");
  flag_bool(app, "-f,--force", options->force, "Force Removal of the image");
  flag_bool(app, "-i,--ignore", options->ignore, "Ignore errors if a specified image does not exist");
  return [options](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.empty() && !options->all) return fail(ErrorKind::InvalidArgument, "image name or ID must be specified");
    if (!args.empty() && options->all) {
      return fail(ErrorKind::InvalidArgument, "when using the --all switch, you may not pass any images names or IDs");
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    engine::RemoveImagesReport report = NOOK_TRY(engine::remove_images(*settings, args, *options));
    for (const std::string& name : report.untagged) fmt::print("Untagged: {}\n", name);
    for (const std::string& id : report.deleted) fmt::print("Deleted: {}\n", id);
    if (report.errors.empty()) return 0;
    std::fflush(stdout);
    if (report.errors.size() == 1) {
      fmt::print(stderr, "Error: {}\n", report.errors.front().message());
    } else {
      // hashicorp/go-multierror's text, as podman's errorhandling.JoinErrors prints it.
      std::string text = fmt::format("{} errors occurred:", report.errors.size());
      for (const Error& e : report.errors) text += fmt::format("\n\t* {}", e.message());
      fmt::print(stderr, "Error: {}\n", text);
    }
    return report.exit_code;
  };
}

}  // namespace nook::cli
