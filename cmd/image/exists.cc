// nook image exists IMAGE: exit 0 when the image is in local storage, 1 when not, no output.
#include "cmd/command.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_image_exists(CLI::App&) {
  return [](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    bool exists = NOOK_TRY(engine::image_exists(*settings, args.at(0)));
    return exists ? 0 : 1;
  };
}

}  // namespace nook::cli
