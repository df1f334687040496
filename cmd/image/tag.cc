// nook tag / image tag IMAGE TARGET_NAME [TARGET_NAME...]
#include <fmt/format.h>

#include "cmd/command.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_tag(CLI::App&) {
  return [](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.size() < 2) {
      return fail(ErrorKind::InvalidArgument, fmt::format("requires at least 2 arg(s), only received {}", args.size()));
    }
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    std::vector<std::string> targets(args.begin() + 1, args.end());
    NOOK_TRY_VOID(engine::tag_image(*settings, args[0], targets));
    return 0;
  };
}

}  // namespace nook::cli
