// nook system reset [options]: every container, image and volume, the store and the run
// directory removed (podman-system-reset(1)).
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <string>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_system_reset(CLI::App& app) {
  auto force = std::make_shared<bool>(false);
  flag_bool(app, "-f,--force", *force, "Do not prompt for confirmation");
  return [force](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (!args.empty()) return fail(ErrorKind::InvalidArgument, fmt::format("accepts 0 arg(s), received {}", args.size()));
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    if (!*force) {
      fmt::print("WARNING! This will remove:\n"
                 "        - all containers\n"
                 "        - all images\n"
                 "        - all volumes\n"
                 "        - the graphRoot directory: {:?}\n"
                 "        - the runRoot directory: {:?}\n"
                 "Are you sure you want to continue? [y/N] ",
                 settings->config.graph_root, settings->config.run_root);
      std::fflush(stdout);
      std::string answer;
      if (!std::getline(std::cin, answer)) return 0;
      if (answer != "y" && answer != "Y" && answer != "yes") return 0;
    }
    NOOK_TRY_VOID(engine::system_reset(*settings));
    return 0;
  };
}

}  // namespace nook::cli
