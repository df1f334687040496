// nook volume create [options] [NAME]: podman-volume-create(1).
#include <fmt/format.h>

#include <memory>

#include "cmd/command.h"
#include "cmd/flags.h"
#include "lib/engine/engine.h"

namespace nook::cli {

Runner setup_volume_create(CLI::App& app) {
  auto options = std::make_shared<engine::VolumeCreateOptions>();
  flag_string(app, "-d,--driver", options->driver, "Specify volume driver name")->default_str("local");
  flag_bool(app, "--ignore", options->ignore, "Don't fail if volume already exists");
  flag_strings(app, "-l,--label", options->labels, "Set metadata for a volume (e.g. --label mykey=value)");
  flag_strings(app, "-o,--opt", options->options, "Set driver specific options");
  return [options](Context& ctx, const std::vector<std::string>& args) -> Result<int> {
    if (args.size() > 1) return fail(ErrorKind::InvalidArgument, "too many arguments, create takes at most 1 argument");
    engine::VolumeCreateOptions o = *options;
    if (!args.empty()) o.name = args[0];
    const engine::Settings* settings = NOOK_TRY(ctx.settings());
    fmt::print("{}\n", NOOK_TRY(engine::create_volume(*settings, o)));
    return 0;
  };
}

}  // namespace nook::cli
