// nook unshare [COMMAND [ARG...]]: run a command (default: the user's shell) in the user namespace
// nook's writing commands use, as podman unshare does.
#include <fmt/format.h>

#include <cstdio>

#include "cmd/command.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_unshare(CLI::App& app) {
  // Everything from the first positional on is the command and its arguments: `nook unshare ls
  // -la` passes -la to ls.
  app.prefix_command();
  return [](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    std::fflush(stdout);
    return engine::unshare_run(*settings, args, [](const std::string& warning) {
      fmt::print(stderr, "nook: warning: {}\n", warning);
      std::fflush(stderr);
    });
  };
}

}  // namespace nook::cli
