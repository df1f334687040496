// nook image prune [options]: removes dangling images (every image with -a), printing their ids.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_image_prune(CLI::App& app) {
  auto options = std::make_shared<engine::PruneImagesOptions>();
  auto force = std::make_shared<bool>(false);
  flag_bool(app, "-a,--all", options->all, "Remove all images not in use by containers, not just dangling ones");
  flag_bool(app, "-f,--force", *force, "Do not prompt for confirmation");
  flag_strings(app, "--filter", options->filters, "Provide filter values (e.g. 'label=<key>=<value>')");
  return [options, force](Context& ctx, const std::vector<std::string>&) -> Result<int> {
    if (!*force) {
      // podman reads the answer from stdin whether or not it is a terminal.
      fmt::print("{}\nAre you sure you want to continue? [y/N] ",
                 options->all ? "WARNING! This command removes all images without at least one container associated with them."
                              : "WARNING! This command removes all dangling images.");
      std::fflush(stdout);
      std::string answer;
      if (!std::getline(std::cin, answer)) return fail(ErrorKind::InvalidArgument, "EOF");
      if (answer.empty() || (answer[0] != 'y' && answer[0] != 'Y')) return 0;
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    std::vector<std::string> removed = NOOK_TRY(engine::prune_images(*settings, *options));
    for (const std::string& id : removed) fmt::print("{}\n", id);
    return 0;
  };
}

}  // namespace nook::cli
