// nook untag / image untag IMAGE [NAME...]: without names, every name is removed.
#include "cmd/command.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_untag(CLI::App&) {
  return [](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    std::vector<std::string> names(args.begin() + 1, args.end());
    NOOK_TRY_VOID(engine::untag_image(*settings, args.at(0), names));
    return 0;
  };
}

}  // namespace nook::cli
