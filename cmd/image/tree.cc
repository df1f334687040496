// nook image tree [--whatrequires] IMAGE
#include <fmt/format.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_image_tree(CLI::App& app) {
  auto what_requires = std::make_shared<bool>(false);
  flag_bool(app, "--whatrequires", *what_requires, "Show all child images and layers of the specified image");
  return [what_requires](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    std::string text = NOOK_TRY(engine::image_tree(*settings, args.at(0), *what_requires));
    fmt::print("{}", text);
    return 0;
  };
}

}  // namespace nook::cli
